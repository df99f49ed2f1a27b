//! INSERT, UPDATE and DELETE (issue 11): app tables (`records`), subtable child tables
//! (`subtable`) and the `Comments` system table (`comments`).
//!
//! DataFusion plans the statement (names, types, the WHERE, `?` markers); this module
//! takes the plan apart into the rows to write and writes them itself, because the
//! engine's own DML hooks drop predicates they cannot attribute to the target (a
//! `WHERE id IN (SELECT ...)` would become "every row"). Here the WHERE is always run
//! as an ordinary query, with the read half's exact pushdown.
//!
//! - INSERT: the source (VALUES or a query) is read and every row becomes a new record.
//!   `ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, ...` is Kintone's upsert.
//! - UPDATE / DELETE: the matching `$id`s and `$revision`s (and new values) are read
//!   first, completely, then written with the revisions: a record someone changed in
//!   between is not overwritten. `WHERE "$id" = x` needs no read at all.
//! - [`send`]: atomic units of up to 2,000 rows; [`encode`]: SQL values → field values.
//!
//! This file holds what the three kinds share: recognising the statement, reading the
//! rows to write, and the account of what landed.

pub(crate) mod comments;
pub mod encode;
mod records;
pub mod send;
mod subtable;

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Column as DfColumn, ScalarValue};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{DmlStatement, Expr, LogicalPlan};
use datafusion::sql::sqlparser::ast;
use kintone_api::Client;

use crate::catalog::{TableDef, TableKind};
use crate::error::{from_datafusion, state, SqlError, SqlResult};

/// SQLSTATE of a write on a `ReadOnly` connection (ISO: read-only SQL-transaction).
pub const READ_ONLY_STATE: &str = "25006";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    Insert,
    /// Insert or update by this unique column (index into the table's columns).
    Upsert(usize),
    Update,
    Delete,
}

impl Verb {
    pub fn name(&self) -> &'static str {
        match self {
            Verb::Insert => "INSERT",
            Verb::Upsert(_) => "INSERT ... ON CONFLICT",
            Verb::Update => "UPDATE",
            Verb::Delete => "DELETE",
        }
    }
}

/// A planned write: of app records, or of comments (the `Comments` system table).
#[derive(Debug)]
pub enum WritePlan {
    Records(Box<records::RecordWrite>),
    Subtable(Box<subtable::SubtableWrite>),
    Comments(Box<comments::CommentWrite>),
}

impl WritePlan {
    pub fn verb(&self) -> &Verb {
        match self {
            WritePlan::Records(r) => &r.verb,
            WritePlan::Subtable(t) => &t.verb,
            WritePlan::Comments(c) => &c.verb,
        }
    }

    /// Writes every parameter set (`sets` holds one empty set for a statement without
    /// markers). `cast` converts a set to the types the plan infers, for sources other
    /// than VALUES.
    pub async fn run(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        match self {
            WritePlan::Records(r) => r.run(w, sets, cast).await,
            WritePlan::Subtable(t) => t.run(w, sets, cast).await,
            WritePlan::Comments(c) => c.run(w, sets, cast).await,
        }
    }
}

/// What a statement's parameter sets did, for `SQL_ATTR_PARAM_STATUS_PTR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOutcome {
    Done,
    Failed,
    /// The set's rows were in a request whose answer was lost.
    Unknown,
    NotRun,
}

/// The account of one executed write.
#[derive(Debug)]
pub struct WriteOutcome {
    /// Rows written (SQLRowCount).
    pub rows: u64,
    /// Ids of records added, in row order.
    pub new_ids: Vec<u64>,
    pub sets: Vec<SetOutcome>,
    /// The failure, already naming rows and columns; `rows` says what landed before it.
    pub error: Option<SqlError>,
    /// Values Kintone keeps less precisely than given (seconds of a DATETIME or TIME),
    /// per column: the driver reports them as 01S07 warnings.
    pub truncated: Truncated,
}

/// Column name → how many values lost their seconds.
pub type Truncated = std::collections::BTreeMap<String, u64>;

/// The write a statement would make, looked at without changing it (a read-only
/// connection refuses it before anything is read).
pub fn peek(stmt: &ast::Statement) -> Option<Verb> {
    match stmt {
        ast::Statement::Insert(ins) if ins.on.is_some() => Some(Verb::Upsert(0)),
        ast::Statement::Insert(_) => Some(Verb::Insert),
        ast::Statement::Update(_) => Some(Verb::Update),
        ast::Statement::Delete(_) => Some(Verb::Delete),
        _ => None,
    }
}

/// The statement kinds this module takes, recognised before planning; `ON CONFLICT` is
/// taken off here (DataFusion refuses it) and returned as the key column's name.
pub fn inspect(stmt: &mut ast::Statement) -> SqlResult<Option<(Verb, Option<String>)>> {
    Ok(Some(match stmt {
        ast::Statement::Insert(ins) => {
            if ins.overwrite || ins.replace_into || ins.returning.is_some() {
                return Err(unsupported(
                    "INSERT OVERWRITE, REPLACE and RETURNING are not supported",
                ));
            }
            match ins.on.take() {
                None => (Verb::Insert, None),
                Some(on) => (Verb::Upsert(0), Some(upsert_key(&on, &ins.columns)?)),
            }
        }
        ast::Statement::Update(u) => {
            if u.from.is_some() || u.returning.is_some() || u.limit.is_some() {
                return Err(unsupported(
                    "UPDATE ... FROM, RETURNING and LIMIT are not supported: name the rows in WHERE (a subquery works)",
                ));
            }
            (Verb::Update, None)
        }
        ast::Statement::Delete(_) => (Verb::Delete, None),
        _ => return Ok(None),
    }))
}

fn unsupported(m: impl Into<String>) -> SqlError {
    SqlError::new(state::NOT_IMPLEMENTED, m)
}

/// `ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, ...`: Kintone's upsert writes the
/// same values whether it inserts or updates, so every named column but the key must be
/// set from EXCLUDED, and nothing else.
fn upsert_key(on: &ast::OnInsert, columns: &[ast::ObjectName]) -> SqlResult<String> {
    let form = "write INSERT INTO t (key, a, b) VALUES (...) ON CONFLICT (key) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b";
    let ast::OnInsert::OnConflict(c) = on else {
        return Err(unsupported(format!(
            "ON DUPLICATE KEY is not supported: {form}"
        )));
    };
    let key = match &c.conflict_target {
        Some(ast::ConflictTarget::Columns(k)) if k.len() == 1 => {
            k.first().map(|i| i.value.clone()).unwrap_or_default()
        }
        _ => {
            return Err(unsupported(format!(
                "ON CONFLICT needs exactly one unique column: {form}"
            )))
        }
    };
    let ast::OnConflictAction::DoUpdate(du) = &c.action else {
        return Err(unsupported(format!(
            "ON CONFLICT DO NOTHING is not supported (Kintone's upsert always writes): {form}"
        )));
    };
    if du.selection.is_some() {
        return Err(unsupported(format!(
            "ON CONFLICT ... WHERE is not supported: {form}"
        )));
    }
    let named: Vec<String> = columns
        .iter()
        .map(|c| c.to_string().trim_matches('"').to_string())
        .collect();
    let mut set = Vec::new();
    for a in &du.assignments {
        let target = match &a.target {
            ast::AssignmentTarget::ColumnName(n) => n.to_string().trim_matches('"').to_string(),
            ast::AssignmentTarget::Tuple(_) => return Err(unsupported(form)),
        };
        let from_excluded = matches!(&a.value, ast::Expr::CompoundIdentifier(p)
            if matches!(p.as_slice(), [t, c] if t.value.eq_ignore_ascii_case("excluded") && c.value == target));
        if !from_excluded {
            return Err(unsupported(format!(
                "ON CONFLICT DO UPDATE may only SET a column to EXCLUDED.<that column> ('{target}' is set to something else): {form}"
            )));
        }
        set.push(target);
    }
    let mut expected: Vec<&String> = named.iter().filter(|c| **c != key).collect();
    let mut got: Vec<&String> = set.iter().collect();
    expected.sort();
    got.sort();
    if named.is_empty() || !named.contains(&key) || expected != got {
        return Err(unsupported(format!(
            "Kintone's upsert writes every named column in both cases: name the key and the columns in the INSERT, and SET each non-key column to EXCLUDED: {form}"
        )));
    }
    Ok(key)
}

/// Takes DataFusion's DML plan apart (see the module comment).
pub fn plan(
    dml: &DmlStatement,
    verb: Verb,
    upsert_key: Option<&str>,
    find: impl Fn(&str) -> Option<Arc<TableDef>>,
) -> SqlResult<WritePlan> {
    let name = dml.table_name.table();
    let system = dml.table_name.schema() == Some(crate::system::SYSTEM_SCHEMA);
    let app_table = if system { None } else { find(name) };
    let Some(table) = app_table else {
        // Resolved as the schemas resolve it: an app of the name wins, then sys.
        if crate::system::SysKind::find(name) == Some(crate::system::SysKind::Comments) {
            return comments::plan(dml, verb).map(|c| WritePlan::Comments(Box::new(c)));
        }
        return Err(SqlError::new(
            state::NOT_IMPLEMENTED,
            format!("{name} is a system table and cannot be written (of the system tables, only Comments takes INSERT and DELETE)"),
        ));
    };
    if let TableKind::Subtable { .. } = table.kind {
        return subtable::plan(dml, verb, table).map(|t| WritePlan::Subtable(Box::new(t)));
    }
    records::plan(dml, verb, upsert_key, table).map(|r| WritePlan::Records(Box::new(r)))
}

/// An INSERT's source (VALUES or a query) and, for each column it names, (source
/// column, table column). DataFusion wraps the source in a projection onto every table
/// column (casts, and NULL for the ones not named); the casts are left out so values
/// reach the encoder as given, and the NULLs are not writes.
fn insert_source(dml: &DmlStatement) -> SqlResult<(LogicalPlan, Vec<(usize, usize)>)> {
    let LogicalPlan::Projection(p) = dml.input.as_ref() else {
        return Err(SqlError::general("unexpected INSERT plan"));
    };
    let inner = p.input.as_ref().clone();
    let mut targets = Vec::new();
    for (ci, e) in p.expr.iter().enumerate() {
        if let Some(c) = strip(e).try_as_col() {
            let k = inner.schema().index_of_column(c).map_err(from_datafusion)?;
            targets.push((k, ci));
        }
    }
    Ok((inner, targets))
}

fn read_only(column: &str, why: &str) -> SqlError {
    SqlError::new(state::NOT_IMPLEMENTED, format!("column \"{column}\" {why}"))
}

/// An expression without the alias and casts the planner put around it.
fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Alias(a) => strip(&a.expr),
        Expr::Cast(c) => strip(&c.expr),
        Expr::TryCast(c) => strip(&c.expr),
        other => other,
    }
}

/// `plan`'s columns `names`, as expressions over it.
fn key_columns(plan: &LogicalPlan, names: &[&str]) -> SqlResult<Vec<Expr>> {
    names.iter().map(|n| qualified(plan, n)).collect()
}

/// `exprs` over `base`: the rows an UPDATE or DELETE reads.
fn project(base: LogicalPlan, exprs: Vec<Expr>) -> SqlResult<LogicalPlan> {
    datafusion::logical_expr::LogicalPlanBuilder::from(base)
        .project(exprs)
        .and_then(|b| b.build())
        .map_err(from_datafusion)
}

fn qualified(plan: &LogicalPlan, name: &str) -> SqlResult<Expr> {
    let (q, f) = plan
        .schema()
        .qualified_field_with_unqualified_name(name)
        .map_err(from_datafusion)?;
    Ok(Expr::Column(DfColumn::from((q, f))))
}

/// What running a write needs from its connection.
pub struct WriteContext<'a> {
    pub ctx: &'a SessionContext,
    pub client: &'a Client,
    pub separator: &'a str,
}

impl SetOutcome {
    /// The status of a set whose write failed; `unknown` when the answer was lost.
    fn failed(unknown: bool) -> Self {
        if unknown {
            SetOutcome::Unknown
        } else {
            SetOutcome::Failed
        }
    }
}

impl WriteOutcome {
    /// Nothing written yet, for a statement of `n_sets` parameter sets.
    fn new(n_sets: usize) -> Self {
        WriteOutcome {
            rows: 0,
            new_ids: Vec::new(),
            sets: Vec::with_capacity(n_sets),
            error: None,
            truncated: Truncated::new(),
        }
    }

    fn fail(&mut self, e: SqlError, status: SetOutcome, n_sets: usize) {
        self.error = Some(e);
        self.sets.push(status);
        self.sets.resize(n_sets, SetOutcome::NotRun);
    }
}

/// `source` with a parameter set's values (as they are, for a statement without markers).
fn bound(
    source: &LogicalPlan,
    set: Vec<ScalarValue>,
    cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
) -> SqlResult<LogicalPlan> {
    if set.is_empty() {
        return Ok(source.clone());
    }
    source
        .clone()
        .with_param_values(cast(set)?)
        .map_err(from_datafusion)
}

/// Every row of `plan`, read before anything is written: the writes must not disturb
/// the read (an UPDATE of the filtered field, a DELETE, moving offsets).
async fn read_all(w: &WriteContext<'_>, plan: LogicalPlan) -> SqlResult<Vec<RecordBatch>> {
    w.ctx
        .execute_logical_plan(plan)
        .await
        .map_err(from_datafusion)?
        .collect()
        .await
        .map_err(from_datafusion)
}

/// The value in column `k` of row `r` of a batch the write's source produced.
fn cell(batch: &RecordBatch, k: usize, r: usize) -> SqlResult<ScalarValue> {
    let col = batch
        .columns()
        .get(k)
        .ok_or_else(|| SqlError::general("the write's source lost a column"))?;
    ScalarValue::try_from_array(col, r).map_err(from_datafusion)
}

fn id_of(v: &ScalarValue) -> SqlResult<u64> {
    match v.cast_to(&datafusion::arrow::datatypes::DataType::UInt64) {
        Ok(ScalarValue::UInt64(Some(n))) => Ok(n),
        _ => Err(SqlError::new(
            state::BAD_CAST,
            format!("{v} is not a record id"),
        )),
    }
}

fn bad_value(row: usize, column: &str, why: &str) -> SqlError {
    SqlError::new(
        state::BAD_CAST,
        format!("row {row}, column \"{column}\": {why}"),
    )
}

/// `LAST_INSERT_ID()` and CData's `SCOPE_IDENTITY()`: the `$id` of the last record this
/// connection added (0 before any).
pub fn register_last_insert_id(ctx: &SessionContext, last: Arc<std::sync::atomic::AtomicU64>) {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
    for name in [
        "LAST_INSERT_ID",
        "last_insert_id",
        "SCOPE_IDENTITY",
        "scope_identity",
    ] {
        let last = last.clone();
        let f = move |_: &[ColumnarValue]| {
            let v = last.load(std::sync::atomic::Ordering::SeqCst);
            Ok(ColumnarValue::Scalar(ScalarValue::Int64(
                i64::try_from(v).ok(),
            )))
        };
        ctx.register_udf(create_udf(
            name,
            vec![],
            DataType::Int64,
            Volatility::Volatile,
            Arc::new(f),
        ));
    }
}
