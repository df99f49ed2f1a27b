//! INSERT, UPDATE, DELETE and upsert of an app's records (see the module comment of
//! `write`): the plan taken apart into rows, each row made into a Kintone change, and
//! the changes sent in atomic units.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{
    BinaryExpr, DmlStatement, Expr, LogicalPlan, LogicalPlanBuilder, Operator, WriteOp,
};
use futures_util::StreamExt;
use kintone_api::endpoints::records::{RecordKey, RecordUpdate};
use kintone_api::values::{FieldValue, Record};

use super::encode::{self, field_value, skips_null, Target};
use super::send::{self, Op, Progress, Writer};
use super::{
    bad_value, bound, cell, id_of, insert_source, key_columns, project, read_all, read_only, strip,
    unsupported, SetOutcome, Truncated, Verb, WriteContext, WriteOutcome,
};
use crate::catalog::{Source, TableDef};
use crate::error::{from_datafusion, state, SqlError, SqlResult};

/// INSERT, UPDATE, DELETE or upsert of an app's records.
#[derive(Debug)]
pub struct RecordWrite {
    pub verb: Verb,
    pub table: Arc<TableDef>,
    /// The rows. INSERT: the statement's source; UPDATE: `$id`, `$revision`, then the
    /// new values; DELETE: `$id`, `$revision`.
    source: LogicalPlan,
    /// (source column, table column) of every value written.
    targets: Vec<(usize, usize)>,
    /// UPDATE/DELETE by `$id` (and maybe `$revision`) with values that need no column:
    /// the id, revision and values as expressions over nothing.
    by_id: Option<ById>,
}

#[derive(Debug)]
struct ById {
    /// The value that names the record: its `$id`, or (`key_col`) a unique text field's.
    key: Expr,
    /// Index of the unique field in the table when the record is named by it
    /// (Kintone's `updateKey`); `None` for `$id`.
    key_col: Option<usize>,
    revision: Option<Expr>,
    values: Vec<Expr>,
}

pub fn plan(
    dml: &DmlStatement,
    verb: Verb,
    upsert_key: Option<&str>,
    table: Arc<TableDef>,
) -> SqlResult<RecordWrite> {
    let col_index = |n: &str| table.columns.iter().position(|c| c.name == n);
    match (&dml.op, verb) {
        (WriteOp::Insert(InsertOp::Append), verb) => {
            let (inner, targets) = insert_source(dml)?;
            let verb = match (verb, upsert_key) {
                (Verb::Upsert(_), Some(key)) => {
                    let ki = col_index(key).ok_or_else(|| {
                        SqlError::new(
                            state::NO_COLUMN,
                            format!(
                                "ON CONFLICT names '{key}', which is not a column of {}",
                                table.name
                            ),
                        )
                    })?;
                    let kt = table
                        .columns
                        .get(ki)
                        .map(|c| c.field_type())
                        .unwrap_or_default();
                    if !matches!(kt, "SINGLE_LINE_TEXT" | "NUMBER") {
                        return Err(unsupported(format!(
                            "ON CONFLICT ({key}): Kintone upserts by a unique text or number field, and '{key}' is {kt}"
                        )));
                    }
                    Verb::Upsert(ki)
                }
                _ => Verb::Insert,
            };
            Ok(RecordWrite {
                verb,
                table,
                source: inner,
                targets,
                by_id: None,
            })
        }
        (WriteOp::Update, Verb::Update) => {
            let LogicalPlan::Projection(p) = dml.input.as_ref() else {
                return Err(SqlError::general("unexpected UPDATE plan"));
            };
            let mut exprs = Vec::new();
            let mut assigned = Vec::new();
            for (ci, e) in p.expr.iter().enumerate() {
                let Some(col) = table.columns.get(ci) else {
                    continue;
                };
                let value = strip(e);
                let identity = value.try_as_col().is_some_and(|c| c.name == col.name);
                if col.source == Source::Id || col.source == Source::Revision {
                    if !identity {
                        return Err(read_only(
                            &col.name,
                            &encode::field_value(col, &ScalarValue::Null, "", Target::Existing)
                                .err()
                                .unwrap_or_default(),
                        ));
                    }
                    continue;
                }
                if identity {
                    continue;
                }
                if let Err(why) = field_value(col, &ScalarValue::Utf8(None), ",", Target::Existing)
                {
                    return Err(read_only(&col.name, &why));
                }
                assigned.push((ci, value.clone()));
            }
            let by_id = by_id(&p.input, &assigned, &table, true);
            let base = p.input.as_ref().clone();
            exprs.extend(key_columns(&base, &record_keys(&table))?);
            let mut targets = Vec::new();
            for (j, (ci, e)) in assigned.iter().enumerate() {
                exprs.push(e.clone().alias(format!("__value_{j}")));
                targets.push((j + 2, *ci));
            }
            let source = project(base, exprs)?;
            Ok(RecordWrite {
                verb: Verb::Update,
                table,
                source,
                targets,
                by_id,
            })
        }
        (WriteOp::Delete, Verb::Delete) => {
            let base = dml.input.as_ref().clone();
            // Kintone deletes by `$id` only: a unique field's value is read first.
            let by_id = by_id(&dml.input, &[], &table, false);
            let exprs = key_columns(&base, &record_keys(&table))?;
            let source = project(base, exprs)?;
            Ok(RecordWrite {
                verb: Verb::Delete,
                table,
                source,
                targets: Vec::new(),
                by_id,
            })
        }
        (op, _) => Err(unsupported(format!("{op} is not supported"))),
    }
}

/// `WHERE "$id" = x [AND "$revision" = y]` directly over the table, with new values
/// that read no column: nothing needs to be read before writing. With `unique_in`
/// (UPDATE), an equality on a unique text field that the statement does not change
/// names the record as well, through Kintone's `updateKey`.
/// The columns of `$id` and `$revision` (named otherwise under `UseSimpleNames`).
fn record_keys(table: &TableDef) -> [&str; 2] {
    [table.name_of(&Source::Id), table.name_of(&Source::Revision)]
}

fn by_id(
    input: &LogicalPlan,
    assigned: &[(usize, Expr)],
    table: &TableDef,
    by_unique: bool,
) -> Option<ById> {
    let unique_in = by_unique.then_some(table);
    let [id_name, revision_name] = record_keys(table);
    let LogicalPlan::Filter(f) = input else {
        return None;
    };
    if !matches!(f.input.as_ref(), LogicalPlan::TableScan(_)) {
        return None;
    }
    if assigned
        .iter()
        .any(|(_, e)| !e.column_refs().is_empty() || contains_subquery(e))
    {
        return None;
    }
    let mut id = None;
    let mut key_col = None;
    let mut revision = None;
    for c in split_conjunction(&f.predicate) {
        let Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) = c
        else {
            return None;
        };
        let (col, value) = match (strip(left).try_as_col(), strip(right).try_as_col()) {
            (Some(c), None) => (c, right.as_ref()),
            (None, Some(c)) => (c, left.as_ref()),
            _ => return None,
        };
        if !value.column_refs().is_empty() || contains_subquery(value) {
            return None;
        }
        let slot = match col.name.as_str() {
            n if n == id_name => &mut id,
            n if n == revision_name => &mut revision,
            name => {
                let ci = unique_in.and_then(|t| update_key_column(t, name, assigned))?;
                key_col = Some(ci);
                &mut id
            }
        };
        if slot.replace(value.clone()).is_some() {
            return None;
        }
    }
    Some(ById {
        key: id?,
        key_col,
        revision,
        values: assigned.iter().map(|(_, e)| e.clone()).collect(),
    })
}

/// The unique text field `name`, if the statement leaves it unchanged. Only text: how
/// Kintone matches a NUMBER key (`5` against a stored `5.00`) is not documented, and a
/// read first is exact.
fn update_key_column(table: &TableDef, name: &str, assigned: &[(usize, Expr)]) -> Option<usize> {
    let ci = table.columns.iter().position(|c| c.name == name)?;
    let col = table.columns.get(ci)?;
    let usable = col.unique
        && col.field_type() == "SINGLE_LINE_TEXT"
        && !assigned.iter().any(|(a, _)| *a == ci);
    usable.then_some(ci)
}

fn contains_subquery(e: &Expr) -> bool {
    e.exists(|x| {
        Ok(matches!(
            x,
            Expr::ScalarSubquery(_) | Expr::InSubquery(_) | Expr::Exists(_)
        ))
    })
    .unwrap_or(true)
}

impl RecordWrite {
    pub(super) async fn run(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        match self.verb {
            Verb::Insert | Verb::Upsert(_) => self.insert(w, sets, cast).await,
            Verb::Update | Verb::Delete => self.modify(w, sets, cast).await,
        }
    }

    /// INSERT: one writer for all sets, so up to 2,000 rows are one atomic unit however
    /// many sets carried them.
    async fn insert(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        let n_sets = sets.len();
        let mut writer = Writer::new(w.client, &self.table, matches!(self.verb, Verb::Upsert(_)));
        // Rows produced when each set ended, for the per-set account.
        let mut ends = Vec::with_capacity(n_sets);
        let has_params = sets.iter().any(|s| !s.is_empty());
        let mut local: Option<SqlError> = None;
        if let (true, LogicalPlan::Values(v)) = (has_params, &self.source) {
            // VALUES with markers: every set's rows in one VALUES, with the values as
            // bound (not cast to the column type first: a NUMBER bound as text stays
            // exact, and a bad value is named by row and column below).
            let per_set = v.values.len();
            match values_of_sets(&v.values, &sets) {
                Ok(plan) => {
                    local = self.feed(w, plan, &mut writer).await.err();
                    let handed = writer.rows();
                    let failed = local.is_some() || writer.failed();
                    ends.extend(
                        (1..=n_sets)
                            .map(|i| i * per_set)
                            .filter(|end| !failed || *end <= handed),
                    );
                }
                Err(e) => local = Some(e),
            }
        } else {
            for set in sets {
                let plan = if has_params {
                    match cast(set).and_then(|s| {
                        self.source
                            .clone()
                            .with_param_values(s)
                            .map_err(from_datafusion)
                    }) {
                        Ok(p) => p,
                        Err(e) => {
                            local = Some(e);
                            break;
                        }
                    }
                } else {
                    self.source.clone()
                };
                if let Err(e) = self.feed(w, plan, &mut writer).await {
                    local = Some(e);
                    break;
                }
                if writer.failed() {
                    break;
                }
                ends.push(writer.rows());
            }
        }
        if let Some(e) = local {
            writer.abandon(e);
        }
        let (progress, truncated) = writer.finish().await;
        outcome(progress, truncated, &ends, n_sets)
    }

    /// Reads the source and hands each row to the writer; stops at the first bad value.
    async fn feed(
        &self,
        w: &WriteContext<'_>,
        plan: LogicalPlan,
        writer: &mut Writer<'_>,
    ) -> SqlResult<()> {
        let mut stream = w
            .ctx
            .execute_logical_plan(plan)
            .await
            .map_err(from_datafusion)?
            .execute_stream()
            .await
            .map_err(from_datafusion)?;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(from_datafusion)?;
            for r in 0..batch.num_rows() {
                let row_no = writer.rows() + 1;
                let op = self.row_op(&batch, r, row_no, w.separator, &mut writer.truncated)?;
                writer.push(op).await;
                if writer.failed() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn row_op(
        &self,
        batch: &RecordBatch,
        r: usize,
        row_no: usize,
        sep: &str,
        truncated: &mut Truncated,
    ) -> SqlResult<Op> {
        let value = |k: usize| cell(batch, k, r);
        let target = match self.verb {
            Verb::Insert | Verb::Upsert(_) => Target::New,
            _ => Target::Existing,
        };
        let mut record = Record::new();
        let mut key = None;
        for &(k, ci) in &self.targets {
            let Some(col) = self.table.columns.get(ci) else {
                continue;
            };
            let v = value(k)?;
            if Verb::Upsert(ci) == self.verb {
                key = Some(upsert_key_value(col, &v, row_no, sep)?);
                continue;
            }
            if v.is_null()
                && (skips_null(col) || col.source == Source::Id || col.source == Source::Revision)
            {
                continue;
            }
            let fv = field_value(col, &v, sep, target)
                .map_err(|why| bad_value(row_no, &col.name, &why))?;
            if encode::drops_seconds(&fv) {
                *truncated.entry(col.name.clone()).or_default() += 1;
            }
            record.set(col.code(), fv);
        }
        Ok(match self.verb {
            Verb::Insert => Op::Add(record),
            Verb::Upsert(_) => Op::Put(RecordUpdate {
                key: key.ok_or_else(|| SqlError::general("the upsert key is missing"))?,
                revision: None,
                record,
            }),
            Verb::Update => Op::Put(RecordUpdate {
                key: RecordKey::Id(id_of(&value(0)?)?),
                revision: Some(id_of(&value(1)?)?),
                record,
            }),
            Verb::Delete => Op::Delete(id_of(&value(0)?)?, Some(id_of(&value(1)?)?)),
        })
    }

    /// UPDATE/DELETE: each set on its own (a set is a statement), its matches read in
    /// full before anything is written, so the writes cannot disturb the read.
    async fn modify(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        let n_sets = sets.len();
        let mut out = WriteOutcome::new(n_sets);
        for set in sets {
            let set = match cast(set) {
                Ok(s) => s,
                Err(e) => {
                    out.fail(e, SetOutcome::Failed, n_sets);
                    break;
                }
            };
            let result = match &self.by_id {
                Some(b) => self.write_by_id(w, b, set, &mut out.truncated).await,
                None => self.read_then_write(w, set, &mut out.truncated).await,
            };
            match result {
                Ok(n) => {
                    out.rows += n;
                    out.sets.push(SetOutcome::Done);
                }
                Err((e, rows, unknown)) => {
                    out.rows += rows;
                    out.fail(e, SetOutcome::failed(unknown), n_sets);
                    break;
                }
            }
        }
        out
    }

    async fn read_then_write(
        &self,
        w: &WriteContext<'_>,
        set: Vec<ScalarValue>,
        truncated: &mut Truncated,
    ) -> Result<u64, (SqlError, u64, bool)> {
        let plan = bound(&self.source, set, Ok).map_err(|e| (e, 0, false))?;
        let batches = read_all(w, plan).await.map_err(|e| (e, 0, false))?;
        let mut ops = Vec::new();
        let mut writer = Writer::new(w.client, &self.table, false);
        for b in &batches {
            for r in 0..b.num_rows() {
                let op = self.row_op(b, r, ops.len() + 1, w.separator, &mut writer.truncated);
                ops.push(op.map_err(|e| (e, 0, false))?);
            }
        }
        for op in ops {
            writer.push(op).await;
        }
        let (p, t) = writer.finish().await;
        merge(truncated, t);
        match p.failure {
            None => Ok(p.done as u64),
            Some(f) => Err((f.error, p.done as u64, f.unknown)),
        }
    }

    /// One request, nothing read. A record that is not there (or, with `"$revision" =
    /// y` in the WHERE, not at that revision) matches no row: 0 rows, no error.
    async fn write_by_id(
        &self,
        w: &WriteContext<'_>,
        b: &ById,
        set: Vec<ScalarValue>,
        truncated: &mut Truncated,
    ) -> Result<u64, (SqlError, u64, bool)> {
        let fail = |e: SqlError| (e, 0, false);
        let mut exprs = vec![b.key.clone()];
        exprs.extend(b.revision.clone());
        exprs.extend(b.values.iter().cloned());
        let exprs = exprs
            .into_iter()
            .map(|e| bind(e, &set))
            .collect::<SqlResult<Vec<_>>>()
            .map_err(fail)?;
        let plan = LogicalPlanBuilder::empty(true)
            .project(exprs)
            .and_then(|p| p.build())
            .map_err(|e| fail(from_datafusion(e)))?;
        let batches = w
            .ctx
            .execute_logical_plan(plan)
            .await
            .map_err(|e| fail(from_datafusion(e)))?
            .collect()
            .await
            .map_err(|e| fail(from_datafusion(e)))?;
        let Some(batch) = batches.iter().find(|b| b.num_rows() == 1) else {
            return Err(fail(SqlError::general("the new values did not evaluate")));
        };
        let at = |i: usize| {
            batch
                .columns()
                .get(i)
                .map(|c| ScalarValue::try_from_array(c, 0))
        };
        let key = match (at(0), b.key_col.and_then(|ci| self.table.columns.get(ci))) {
            // `"$id" = NULL` matches nothing.
            (Some(Ok(v)), _) if v.is_null() => return Ok(0),
            (Some(Ok(v)), None) => RecordKey::Id(id_of(&v).map_err(fail)?),
            (Some(Ok(v)), Some(col)) => match field_value(col, &v, w.separator, Target::Existing) {
                Ok(FieldValue::SingleLineText(s)) if !s.is_empty() => RecordKey::UpdateKey {
                    field: col.code().to_string(),
                    value: s,
                },
                // Kintone cannot name a record by an empty key, and several records may
                // have one: find them by reading.
                _ => return self.read_then_write(w, set, truncated).await,
            },
            _ => return Ok(0),
        };
        let revision = match &b.revision {
            Some(_) => match at(1) {
                Some(Ok(v)) if !v.is_null() => Some(id_of(&v).map_err(fail)?),
                _ => return Ok(0),
            },
            None => None,
        };
        let first_value = 1 + usize::from(revision.is_some());
        let app = self.table.app_id;
        let result = match self.verb {
            Verb::Delete => {
                let RecordKey::Id(id) = key else {
                    return Err(fail(SqlError::general("DELETE names records by $id")));
                };
                let revs = [revision.and_then(|r| i64::try_from(r).ok()).unwrap_or(-1)];
                w.client.delete_records(app, &[id], Some(&revs)).await
            }
            _ => {
                let mut record = Record::new();
                for (j, &(_, ci)) in self.targets.iter().enumerate() {
                    let Some(col) = self.table.columns.get(ci) else {
                        continue;
                    };
                    let v = match at(first_value + j) {
                        Some(Ok(v)) => v,
                        _ => return Err(fail(SqlError::general("a new value did not evaluate"))),
                    };
                    let fv = field_value(col, &v, w.separator, Target::Existing)
                        .map_err(|why| fail(bad_value(1, &col.name, &why)))?;
                    if encode::drops_seconds(&fv) {
                        *truncated.entry(col.name.clone()).or_default() += 1;
                    }
                    record.set(col.code(), fv);
                }
                w.client
                    .update_record(app, &key, &record, revision)
                    .await
                    .map(|_| ())
            }
        };
        match result {
            Ok(()) => Ok(1),
            Err(e) if matches!(e.code(), Some("GAIA_RE01")) => Ok(0),
            Err(e) if revision.is_some() && matches!(e.code(), Some("GAIA_CO02")) => Ok(0),
            Err(e) => {
                let unknown = matches!(e, kintone_api::Error::WriteOutcomeUnknown { .. });
                let op = match (&self.verb, key) {
                    (Verb::Delete, RecordKey::Id(id)) => Op::Delete(id, revision),
                    (_, key) => Op::Put(RecordUpdate {
                        key,
                        revision,
                        record: Record::new(),
                    }),
                };
                Err((
                    send::explain(&e, &self.table, &[op], 0, unknown),
                    0,
                    unknown,
                ))
            }
        }
    }
}

/// The per-set account from the writer's progress and where each set's rows ended.
fn outcome(p: Progress, truncated: Truncated, ends: &[usize], n_sets: usize) -> WriteOutcome {
    let failure = p.failure.as_ref();
    let failed = if failure.is_some_and(|f| f.unknown) {
        SetOutcome::Unknown
    } else {
        SetOutcome::Failed
    };
    let mut sets = Vec::with_capacity(n_sets);
    let mut start = 0;
    for i in 0..n_sets {
        let status = match (ends.get(i), failure) {
            (Some(&end), _) if end <= p.done => SetOutcome::Done,
            // Some of its rows were in the unit that failed.
            (Some(&end), Some(f)) if start < f.first + f.count && end > f.first => failed,
            (Some(_), _) => SetOutcome::NotRun,
            // The set that was being read when a row could not be made.
            (None, Some(f)) if f.local && i == ends.len() => failed,
            (None, _) => SetOutcome::NotRun,
        };
        if let Some(&end) = ends.get(i) {
            start = end;
        }
        sets.push(status);
    }
    WriteOutcome {
        rows: p.done as u64,
        new_ids: p.new_ids,
        sets,
        error: p.failure.map(|f| f.error),
        truncated,
    }
}

fn merge(into: &mut Truncated, from: Truncated) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

/// One VALUES holding the rows of every set, with each marker replaced by its value.
fn values_of_sets(rows: &[Vec<Expr>], sets: &[Vec<ScalarValue>]) -> SqlResult<LogicalPlan> {
    let mut all = Vec::with_capacity(rows.len().saturating_mul(sets.len()));
    for set in sets {
        for row in rows {
            all.push(
                row.iter()
                    .map(|e| bind(e.clone(), set))
                    .collect::<SqlResult<Vec<_>>>()?,
            );
        }
    }
    LogicalPlanBuilder::values(all)
        .and_then(|b| b.build())
        .map_err(from_datafusion)
}

/// `e` with `$n` replaced by the n-th value of the set.
fn bind(e: Expr, set: &[ScalarValue]) -> SqlResult<Expr> {
    e.transform(|x| {
        if let Expr::Placeholder(p) = &x {
            let n: usize = p.id.trim_start_matches('$').parse().unwrap_or(0);
            let v = n
                .checked_sub(1)
                .and_then(|i| set.get(i))
                .cloned()
                .unwrap_or(ScalarValue::Null);
            return Ok(Transformed::yes(Expr::Literal(v, None)));
        }
        Ok(Transformed::no(x))
    })
    .map(|t| t.data)
    .map_err(from_datafusion)
}

fn upsert_key_value(
    col: &crate::catalog::Column,
    v: &ScalarValue,
    row: usize,
    sep: &str,
) -> SqlResult<RecordKey> {
    if v.is_null() {
        return Err(bad_value(
            row,
            &col.name,
            "is the ON CONFLICT key and cannot be NULL",
        ));
    }
    let value = match field_value(col, v, sep, Target::Existing)
        .map_err(|why| bad_value(row, &col.name, &why))?
    {
        FieldValue::SingleLineText(s) => s,
        FieldValue::Number(Some(d)) => d.as_str().to_string(),
        _ => {
            return Err(bad_value(
                row,
                &col.name,
                "is the ON CONFLICT key and cannot be empty",
            ))
        }
    };
    Ok(RecordKey::UpdateKey {
        field: col.code().to_string(),
        value,
    })
}
