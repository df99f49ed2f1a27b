//! INSERT, UPDATE and DELETE on a subtable's child table (`<App>_<Subtable>`): rows are
//! named by their parent's `$id` and their own `$row_id`.
//!
//! Kintone writes a subtable as a whole: a PUT of the parent record carries the rows to
//! keep (by id: the fields not sent are kept), to change and to add; a row left out is
//! deleted. So every statement reads the parents it touches, with their revisions, and
//! writes each parent once with its revision: a record someone changed in between is not
//! overwritten (`40001`), and the other rows of the subtable are kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{DmlStatement, LogicalPlan, WriteOp};
use indexmap::IndexMap;
use kintone_api::endpoints::records::{RecordKey, RecordUpdate};
use kintone_api::values::{FieldValue, Record, SubtableRow};

use super::encode::{drops_seconds, field_value, Target};
use super::send::{Op, Writer};
use super::{
    bad_value, bound, cell, id_of, insert_source, key_columns, project, read_all, strip,
    SetOutcome, Truncated, Verb, WriteContext, WriteOutcome,
};
use crate::catalog::{Source, TableDef, TableKind, ID_COLUMN};
use crate::error::{state, SqlError, SqlResult};

/// Parents read per request (`$id in (...)`).
const PARENTS_PER_READ: usize = 100;

#[derive(Debug)]
pub struct SubtableWrite {
    pub verb: Verb,
    table: Arc<TableDef>,
    /// The SUBTABLE field's code.
    code: String,
    /// INSERT: the new rows; UPDATE: `$id`, `$row_id`, then the new values; DELETE:
    /// `$id`, `$row_id`.
    source: LogicalPlan,
    /// (source column, table column) of the inner field values written.
    targets: Vec<(usize, usize)>,
    /// INSERT: the source column that gives the parent `$id`.
    parent: usize,
}

pub fn plan(dml: &DmlStatement, verb: Verb, table: Arc<TableDef>) -> SqlResult<SubtableWrite> {
    let TableKind::Subtable { code } = table.kind.clone() else {
        return Err(SqlError::general("not a subtable table"));
    };
    let position = |s: &Source| table.columns.iter().position(|c| &c.source == s);
    match (&dml.op, verb) {
        (WriteOp::Insert(InsertOp::Append), Verb::Insert) => {
            let (source, all) = insert_source(dml)?;
            let id_col = position(&Source::Id);
            let parent = all
                .iter()
                .find(|(_, ci)| Some(*ci) == id_col)
                .map(|(k, _)| *k)
                .ok_or_else(|| {
                    SqlError::new(
                        "HY024",
                        format!(
                            "INSERT INTO {} needs \"$id\": the parent record the row goes into",
                            table.name
                        ),
                    )
                })?;
            // `$row_id` is Kintone's to assign: a given one is not used.
            let targets = all
                .into_iter()
                .filter(|(_, ci)| {
                    matches!(
                        table.columns.get(*ci).map(|c| &c.source),
                        Some(Source::Field { .. })
                    )
                })
                .collect();
            Ok(SubtableWrite {
                verb: Verb::Insert,
                table,
                code,
                source,
                targets,
                parent,
            })
        }
        (WriteOp::Update, Verb::Update) => {
            let LogicalPlan::Projection(p) = dml.input.as_ref() else {
                return Err(SqlError::general("unexpected UPDATE plan"));
            };
            let base = p.input.as_ref().clone();
            let mut exprs = key_columns(&base, &row_keys(&table))?;
            let mut targets = Vec::new();
            for (ci, e) in p.expr.iter().enumerate() {
                let Some(col) = table.columns.get(ci) else {
                    continue;
                };
                let value = strip(e);
                if value.try_as_col().is_some_and(|c| c.name == col.name) {
                    continue;
                }
                if !matches!(col.source, Source::Field { .. }) {
                    return Err(SqlError::new(
                        state::NOT_IMPLEMENTED,
                        format!("column \"{}\" names the row and cannot be changed (move a row by DELETE and INSERT)", col.name),
                    ));
                }
                if let Err(why) = field_value(col, &ScalarValue::Utf8(None), ",", Target::Existing)
                {
                    return Err(SqlError::new(
                        state::NOT_IMPLEMENTED,
                        format!("column \"{}\" {why}", col.name),
                    ));
                }
                targets.push((exprs.len(), ci));
                exprs.push(value.clone().alias(format!("__value_{ci}")));
            }
            let source = project(base, exprs)?;
            Ok(SubtableWrite {
                verb: Verb::Update,
                table,
                code,
                source,
                targets,
                parent: 0,
            })
        }
        (WriteOp::Delete, Verb::Delete) => {
            let base = dml.input.as_ref().clone();
            let exprs = key_columns(&base, &row_keys(&table))?;
            let source = project(base, exprs)?;
            Ok(SubtableWrite {
                verb: Verb::Delete,
                table,
                code,
                source,
                targets: Vec::new(),
                parent: 0,
            })
        }
        _ => Err(SqlError::new(
            state::NOT_IMPLEMENTED,
            format!(
                "{} is a subtable table: it takes INSERT, UPDATE and DELETE (no upsert)",
                table.name
            ),
        )),
    }
}

/// One child row's change.
enum Change {
    Add(IndexMap<String, FieldValue>),
    Set(String, IndexMap<String, FieldValue>),
    Remove(String),
}

impl SubtableWrite {
    pub async fn run(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        let n_sets = sets.len();
        let mut out = WriteOutcome::new(n_sets);
        // An INSERT's sets are one statement's rows: read together, each parent written
        // once. UPDATE and DELETE sets are statements of their own.
        let groups: Vec<Vec<Vec<ScalarValue>>> = if self.verb == Verb::Insert {
            vec![sets]
        } else {
            sets.into_iter().map(|s| vec![s]).collect()
        };
        for group in groups {
            let n = group.len();
            match self.run_group(w, group, &cast, &mut out.truncated).await {
                Ok(rows) => {
                    out.rows += rows;
                    out.sets.extend(std::iter::repeat_n(SetOutcome::Done, n));
                }
                Err((e, done, unknown)) => {
                    out.rows += done;
                    let status = SetOutcome::failed(unknown);
                    // The group is one unit: all its sets share the outcome.
                    out.sets
                        .extend(std::iter::repeat_n(status, n.saturating_sub(1)));
                    out.fail(e, status, n_sets);
                    break;
                }
            }
        }
        out
    }

    /// Reads the rows of every set in `group` completely (the writes must not disturb
    /// the read), then writes each parent they touch once.
    async fn run_group(
        &self,
        w: &WriteContext<'_>,
        group: Vec<Vec<ScalarValue>>,
        cast: &impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
        truncated: &mut Truncated,
    ) -> Result<u64, (SqlError, u64, bool)> {
        let local = |e: SqlError| (e, 0, false);
        let mut batches: Vec<RecordBatch> = Vec::new();
        for set in group {
            let plan = bound(&self.source, set, cast).map_err(local)?;
            batches.extend(read_all(w, plan).await.map_err(local)?);
        }
        // Parent $id -> its changes, in row order; and the child rows each parent carries.
        let mut changes: BTreeMap<u64, Vec<Change>> = BTreeMap::new();
        let mut rows = 0u64;
        for b in &batches {
            for r in 0..b.num_rows() {
                rows += 1;
                let (parent, change) = self
                    .change(b, r, rows as usize, w.separator, truncated)
                    .map_err(local)?;
                changes.entry(parent).or_default().push(change);
            }
        }
        if changes.is_empty() {
            return Ok(0);
        }
        let rows_of: BTreeMap<u64, u64> =
            changes.iter().map(|(p, c)| (*p, c.len() as u64)).collect();
        let mut ops = Vec::with_capacity(changes.len());
        let parents: Vec<u64> = changes.keys().copied().collect();
        for chunk in parents.chunks(PARENTS_PER_READ) {
            let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let q = format!("$id in ({}) limit {}", ids.join(", "), chunk.len());
            let fields = [
                self.code.clone(),
                ID_COLUMN.to_string(),
                "$revision".to_string(),
            ];
            let page = w
                .client
                .get_records(self.table.app_id, Some(&fields), &q, false)
                .await
                .map_err(|e| local(SqlError::from(e)))?;
            for parent in chunk {
                let record = page.records.iter().find(|r| r.id() == Some(*parent)).ok_or_else(|| {
                    local(SqlError::new(
                        "40001",
                        format!("record $id {parent} of {} is not there (deleted since it was read?)", self.table.app_name),
                    ))
                })?;
                let current = match record.get(&self.code) {
                    Some(FieldValue::Subtable(r)) => r.clone(),
                    _ => Vec::new(),
                };
                let list = changes.remove(parent).unwrap_or_default();
                let new_rows = self.apply(*parent, current, list).map_err(local)?;
                let mut rec = Record::new();
                rec.set(self.code.clone(), FieldValue::Subtable(new_rows));
                ops.push(Op::Put(RecordUpdate {
                    key: RecordKey::Id(*parent),
                    revision: record.revision(),
                    record: rec,
                }));
            }
        }
        // Every parent once, with its revision: up to 2,000 parents are one atomic unit.
        let mut writer = Writer::new(w.client, &self.table, false);
        for op in ops {
            writer.push(op).await;
        }
        let (p, _) = writer.finish().await;
        let done: u64 = parents
            .iter()
            .take(p.done)
            .map(|id| rows_of.get(id).copied().unwrap_or(0))
            .sum();
        match p.failure {
            None => Ok(rows),
            Some(f) => Err((f.error, done, f.unknown)),
        }
    }

    fn change(
        &self,
        b: &RecordBatch,
        r: usize,
        row_no: usize,
        sep: &str,
        truncated: &mut Truncated,
    ) -> SqlResult<(u64, Change)> {
        let value = |k: usize| cell(b, k, r);
        let mut fields = IndexMap::new();
        for &(k, ci) in &self.targets {
            let Some(col) = self.table.columns.get(ci) else {
                continue;
            };
            let fv = field_value(col, &value(k)?, sep, Target::Existing)
                .map_err(|why| bad_value(row_no, &col.name, &why))?;
            if drops_seconds(&fv) {
                *truncated.entry(col.name.clone()).or_default() += 1;
            }
            fields.insert(col.code().to_string(), fv);
        }
        let parent_at = if self.verb == Verb::Insert {
            self.parent
        } else {
            0
        };
        let parent = value(parent_at)?;
        if parent.is_null() {
            return Err(bad_value(
                row_no,
                self.table.name_of(&Source::Id),
                "is NULL: name the parent record",
            ));
        }
        let parent = id_of(&parent)?;
        let row_id = || -> SqlResult<String> { Ok(id_of(&value(1)?)?.to_string()) };
        Ok((
            parent,
            match self.verb {
                Verb::Insert => Change::Add(fields),
                Verb::Update => Change::Set(row_id()?, fields),
                _ => Change::Remove(row_id()?),
            },
        ))
    }

    /// The parent's rows after the changes; the rows not named are kept as they are.
    fn apply(
        &self,
        parent: u64,
        current: Vec<SubtableRow>,
        changes: Vec<Change>,
    ) -> SqlResult<Vec<SubtableRow>> {
        // Kept rows are sent by id alone: Kintone keeps the fields not sent.
        let mut rows: Vec<SubtableRow> = current
            .into_iter()
            .map(|r| SubtableRow {
                id: r.id,
                value: IndexMap::new(),
            })
            .collect();
        let gone = |row: &str| {
            SqlError::new(
                "40001",
                format!("row $row_id {row} of record $id {parent} is not there any more (changed since it was read)"),
            )
        };
        for c in changes {
            match c {
                Change::Add(value) => rows.push(SubtableRow { id: None, value }),
                Change::Set(row, value) => {
                    let r = rows
                        .iter_mut()
                        .find(|r| r.id.as_deref() == Some(row.as_str()))
                        .ok_or_else(|| gone(&row))?;
                    r.value.extend(value);
                }
                Change::Remove(row) => {
                    let before = rows.len();
                    rows.retain(|r| r.id.as_deref() != Some(row.as_str()));
                    if rows.len() == before {
                        return Err(gone(&row));
                    }
                }
            }
        }
        Ok(rows)
    }
}

/// The columns of the parent's `$id` and the row's `$row_id` (named otherwise under
/// `UseSimpleNames`).
fn row_keys(table: &TableDef) -> [&str; 2] {
    [table.name_of(&Source::Id), table.name_of(&Source::RowId)]
}
