//! Stored procedures (CData's list, peers-and-bi-tools.md §1.3): a registry of
//! descriptions, the `EXEC`/`{call}` statements that run them, and the binding of
//! their arguments.
//!
//! A procedure is one [`Procedure`] value: its name, remarks, input parameters and
//! result columns, plus one async body that turns [`Args`] into rows. Adding one is
//! adding such a value to a family file (`oauth.rs`, `spaces.rs`, ...) and to [`all`]; the
//! statement forms, SQLProcedures/SQLProcedureColumns, `sys_procedures` and
//! `sys_procedureparameters` all read the same description.
//!
//! A procedure runs when the statement is executed, never at prepare: prepare checks
//! the call against the description and gives the result schema and the `?` count.

mod apps;
mod files;
mod oauth;
mod parse;
mod records;
mod spaces;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use kintone_api::{Client, Secret};

use crate::error::{state, SqlError, SqlResult};
use crate::settings::Settings;
use crate::shared_catalog::SharedCatalog;

pub use parse::{parse_call, ArgExpr, CallStmt, Value};

/// Every procedure, in the order SQLProcedures lists them (by name).
pub fn all() -> &'static [&'static Procedure] {
    static ALL: [&Procedure; 15] = [
        &spaces::ADD_GUESTS,
        &spaces::ADD_GUESTS_TO_SPACE,
        &spaces::ADD_THREAD_COMMENT,
        &apps::APPS_DEPLOY_STATUS,
        &apps::CREATE_APP,
        &spaces::DELETE_GUESTS,
        &apps::DEPLOY_APPS,
        &files::DOWNLOAD_FILE,
        &oauth::GET_OAUTH_ACCESS_TOKEN,
        &oauth::GET_OAUTH_AUTHORIZATION_URL,
        &oauth::REFRESH_OAUTH_ACCESS_TOKEN,
        &records::UPDATE_ASSIGNEES,
        &records::UPDATE_STATUS,
        &spaces::UPDATE_THREAD,
        &files::UPLOAD_FILE,
    ];
    &ALL
}

/// The OAuth procedures call only the token endpoint: a connection that has its OAuth
/// client but no token yet can run them (and nothing else). Compared by name: a linker
/// that folds identical read-only data would make addresses a weaker test.
pub fn works_without_token(p: &Procedure) -> bool {
    [
        &oauth::GET_OAUTH_ACCESS_TOKEN,
        &oauth::GET_OAUTH_AUTHORIZATION_URL,
        &oauth::REFRESH_OAUTH_ACCESS_TOKEN,
    ]
    .iter()
    .any(|o| o.name == p.name)
}

/// The procedure called `name`, in any case.
pub fn find(name: &str) -> Option<&'static Procedure> {
    all()
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .copied()
}

/// The procedures whose name shares a word of four or more letters with `name`, or
/// a word's start (`GetOAuthAuthorisationURL` → the three OAuth ones, `add_guest` →
/// the three guest ones), at most five.
fn close_names(name: &str) -> Vec<&'static str> {
    fn words(s: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut cur = String::new();
        let chars: Vec<char> = s.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_lower = i > 0 && chars.get(i - 1).is_some_and(|p| p.is_lowercase());
            let boundary = !c.is_alphanumeric() || (c.is_uppercase() && (prev_lower || next_lower));
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c.is_alphanumeric() {
                cur.push(c.to_ascii_lowercase());
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out.retain(|w| w.chars().count() >= 4);
        out
    }
    let wanted = words(name);
    all()
        .iter()
        .filter(|p| {
            words(p.name)
                .iter()
                .any(|w| wanted.iter().any(|x| w.starts_with(x) || x.starts_with(w)))
        })
        .map(|p| p.name)
        .take(5)
        .collect()
}

/// The SQL type of a parameter or result column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Integer,
    Boolean,
}

impl SqlType {
    pub fn data_type(self) -> DataType {
        match self {
            SqlType::Text => DataType::Utf8,
            SqlType::Integer => DataType::Int64,
            SqlType::Boolean => DataType::Boolean,
        }
    }

    /// The name `sys_procedureparameters.DataTypeName` shows.
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Text => "VARCHAR",
            SqlType::Integer => "BIGINT",
            SqlType::Boolean => "BOOLEAN",
        }
    }
}

/// An input parameter.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: SqlType,
    pub required: bool,
    /// What an omitted parameter stands for, in words (SQLProcedureColumns' COLUMN_DEF).
    pub default: Option<&'static str>,
    pub description: &'static str,
    /// A credential (code, token): its value is never written to a log or a message.
    pub secret: bool,
}

/// A column of the procedure's result set.
#[derive(Debug)]
pub struct ResultColumn {
    pub name: &'static str,
    pub ty: SqlType,
    pub nullable: bool,
    pub description: &'static str,
}

/// A boxed future (the bodies are plain `fn`s, so the registry can be `static`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A procedure's body: its arguments in, rows out (one value per result column).
pub type Body =
    for<'a> fn(&'a ProcContext, Args) -> BoxFuture<'a, SqlResult<Vec<Vec<ScalarValue>>>>;

/// One stored procedure.
pub struct Procedure {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub columns: &'static [ResultColumn],
    /// Whether it changes Kintone (a `ReadOnly` connection refuses it).
    pub writes: bool,
    pub body: Body,
}

impl fmt::Debug for Procedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Procedure({})", self.name)
    }
}

impl Procedure {
    /// The result set's schema.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(c.name, c.ty.data_type(), c.nullable))
                .collect::<Vec<_>>(),
        ))
    }

    fn param_index(&self, name: &str) -> Option<usize> {
        self.params
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
    }

    fn param_names(&self) -> String {
        if self.params.is_empty() {
            return "none".into();
        }
        self.params
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a procedure body may use: the connection's client and settings, and its
/// catalog (empty on a connection that has no token yet).
#[derive(Clone, Debug)]
pub struct ProcContext {
    pub client: Client,
    pub settings: Arc<Settings>,
    pub catalog: SharedCatalog,
}

/// The arguments of one run, by declared parameter (`None`: omitted or NULL).
pub struct Args {
    proc: &'static Procedure,
    values: Vec<Option<ScalarValue>>,
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secret values are masked; others shown, for the log of a failed test.
        let mut m = f.debug_map();
        for (p, v) in self.proc.params.iter().zip(&self.values) {
            match v {
                None => m.entry(&p.name, &"NULL"),
                Some(_) if p.secret => m.entry(&p.name, &"***"),
                Some(v) => m.entry(&p.name, v),
            };
        }
        m.finish()
    }
}

impl Args {
    fn value(&self, name: &str) -> SqlResult<(&'static Param, Option<&ScalarValue>)> {
        let i = self.proc.param_index(name).ok_or_else(|| {
            SqlError::general(format!(
                "{} has no parameter {name} (a bug in its body)",
                self.proc.name
            ))
        })?;
        let p = self
            .proc
            .params
            .get(i)
            .ok_or_else(|| SqlError::general("parameter index out of range"))?;
        Ok((p, self.values.get(i).and_then(Option::as_ref)))
    }

    fn conversion_error(&self, p: &Param, v: &ScalarValue, to: SqlType) -> SqlError {
        let shown = if p.secret {
            "the value".to_string()
        } else {
            format!("'{v}'")
        };
        SqlError::new(
            state::BAD_CAST,
            format!(
                "{}: parameter {}: {shown} is not {}",
                self.proc.name,
                p.name,
                match to {
                    SqlType::Text => "text",
                    SqlType::Integer => "a whole number",
                    SqlType::Boolean => "a boolean (true or false)",
                }
            ),
        )
    }

    /// A parameter as text; `None` when omitted, NULL or empty.
    pub fn text(&self, name: &str) -> SqlResult<Option<String>> {
        let (p, v) = self.value(name)?;
        let Some(v) = v else { return Ok(None) };
        let s = match v.cast_to(&DataType::Utf8) {
            Ok(ScalarValue::Utf8(s)) => s,
            _ => return Err(self.conversion_error(p, v, SqlType::Text)),
        };
        Ok(s.filter(|s| !s.is_empty()))
    }

    /// A secret parameter (kept in a [`Secret`] so it is never printed).
    pub fn secret(&self, name: &str) -> SqlResult<Option<Secret>> {
        Ok(self.text(name)?.map(Secret::new))
    }

    /// A parameter as a whole number.
    pub fn integer(&self, name: &str) -> SqlResult<Option<i64>> {
        let (p, v) = self.value(name)?;
        let Some(v) = v else { return Ok(None) };
        let n = match v {
            ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) => s.trim().parse().ok(),
            _ => match v.cast_to(&DataType::Int64) {
                Ok(ScalarValue::Int64(n)) => n,
                _ => None,
            },
        };
        n.map(Some)
            .ok_or_else(|| self.conversion_error(p, v, SqlType::Integer))
    }

    /// A parameter as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`).
    pub fn boolean(&self, name: &str) -> SqlResult<Option<bool>> {
        let (p, v) = self.value(name)?;
        let Some(v) = v else { return Ok(None) };
        let b = match v {
            ScalarValue::Boolean(b) => *b,
            _ => match v.cast_to(&DataType::Utf8) {
                Ok(ScalarValue::Utf8(Some(s))) => crate::settings::parse_bool(&s),
                _ => None,
            },
        };
        b.map(Some)
            .ok_or_else(|| self.conversion_error(p, v, SqlType::Boolean))
    }
}

/// A call checked against its procedure: which declared parameter each argument
/// fills, and which `?` marker (0-based) or literal gives its value.
#[derive(Clone)]
pub struct BoundCall {
    pub procedure: &'static Procedure,
    slots: Vec<Option<Value>>,
    /// Which declared parameter each `?` marker fills, in marker order.
    markers: Vec<usize>,
}

impl fmt::Debug for BoundCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.display())
    }
}

impl BoundCall {
    /// Checks `call`: the procedure exists, every argument names (or, positional,
    /// falls on) a declared parameter once, and every required parameter is given.
    pub fn bind(call: CallStmt) -> SqlResult<BoundCall> {
        let procedure = find(&call.name).ok_or_else(|| {
            // The close names only: the whole list no longer fits the diagnostic that
            // some driver manager and client pairs (pyodbc on iODBC) pass through.
            let close = close_names(&call.name);
            let hint = if close.is_empty() {
                "SQLProcedures and sys_procedures list the procedures".to_string()
            } else {
                format!(
                    "did you mean {}? SQLProcedures and sys_procedures list them all",
                    close.join(", ")
                )
            };
            SqlError::new(
                state::SYNTAX,
                format!("unknown stored procedure '{}' ({hint})", call.name),
            )
        })?;
        let mut slots: Vec<Option<Value>> = vec![None; procedure.params.len()];
        let mut markers = Vec::new();
        for (pos, arg) in call.args.into_iter().enumerate() {
            let i = match &arg.name {
                Some(n) => procedure.param_index(n).ok_or_else(|| {
                    SqlError::new(
                        state::SYNTAX,
                        format!(
                            "{} has no parameter '{n}' (its parameters are: {})",
                            procedure.name,
                            procedure.param_names()
                        ),
                    )
                })?,
                None if pos < procedure.params.len() => pos,
                None => {
                    return Err(SqlError::new(
                        state::SYNTAX,
                        format!(
                            "{} takes at most {} argument(s), {} given (its parameters are: {})",
                            procedure.name,
                            procedure.params.len(),
                            pos + 1,
                            procedure.param_names()
                        ),
                    ))
                }
            };
            let slot = slots
                .get_mut(i)
                .ok_or_else(|| SqlError::general("parameter index out of range"))?;
            if slot.is_some() {
                let name = procedure.params.get(i).map_or("?", |p| p.name);
                return Err(SqlError::new(
                    state::SYNTAX,
                    format!("{}: parameter {name} is given twice", procedure.name),
                ));
            }
            if matches!(arg.value, Value::Marker) {
                markers.push(i);
            }
            *slot = Some(arg.value);
        }
        let bound = BoundCall {
            procedure,
            slots,
            markers,
        };
        // A `?` may still bring NULL for a required parameter: checked again at run.
        bound.check_required(|i| bound.slots.get(i).is_some_and(Option::is_some))?;
        Ok(bound)
    }

    fn check_required(&self, given: impl Fn(usize) -> bool) -> SqlResult<()> {
        let missing: Vec<&str> = self
            .procedure
            .params
            .iter()
            .enumerate()
            .filter(|(i, p)| p.required && !given(*i))
            .map(|(_, p)| p.name)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(SqlError::new(
            state::SYNTAX,
            format!(
                "{} needs parameter(s) {} (its parameters are: {})",
                self.procedure.name,
                missing.join(", "),
                self.procedure.param_names()
            ),
        ))
    }

    /// Number of `?` markers.
    pub fn param_count(&self) -> usize {
        self.markers.len()
    }

    /// The types of the `?` markers, in order (the parameters they fill).
    pub fn param_types(&self) -> Vec<Option<DataType>> {
        self.markers
            .iter()
            .map(|i| self.procedure.params.get(*i).map(|p| p.ty.data_type()))
            .collect()
    }

    /// The call as text with secret literals masked: what logs and `Prepared::sql` show.
    pub fn display(&self) -> String {
        let args: Vec<String> = self
            .procedure
            .params
            .iter()
            .zip(&self.slots)
            .filter_map(|(p, v)| {
                let v = v.as_ref()?;
                let shown = match v {
                    Value::Marker => "?".to_string(),
                    Value::Null => "NULL".to_string(),
                    Value::Literal(_) if p.secret => "'***'".to_string(),
                    Value::Literal(s) => format!("'{}'", s.replace('\'', "''")),
                };
                Some(format!("{} = {shown}", p.name))
            })
            .collect();
        format!("EXEC {} {}", self.procedure.name, args.join(", "))
            .trim_end()
            .to_string()
    }

    /// Runs the procedure with the values of the `?` markers.
    pub async fn run(&self, ctx: &ProcContext, params: Vec<ScalarValue>) -> SqlResult<RecordBatch> {
        let mut values: Vec<Option<ScalarValue>> = self
            .slots
            .iter()
            .map(|v| match v {
                Some(Value::Literal(s)) => Some(ScalarValue::Utf8(Some(s.clone()))),
                _ => None,
            })
            .collect();
        for (i, v) in self.markers.iter().zip(params) {
            if let Some(slot) = values.get_mut(*i) {
                *slot = Some(v).filter(|v| !v.is_null());
            }
        }
        self.check_required(|i| values.get(i).is_some_and(Option::is_some))?;
        let args = Args {
            proc: self.procedure,
            values,
        };
        let rows = (self.procedure.body)(ctx, args).await?;
        rows_to_batch(self.procedure, rows)
    }
}

/// The masked text of `sql` when it is a procedure call, for logs: a call that does
/// not parse is not shown at all (it may hold a token in a place we cannot find).
pub fn redact(sql: &str) -> std::borrow::Cow<'_, str> {
    match parse_call(sql) {
        Ok(None) => std::borrow::Cow::Borrowed(sql),
        Ok(Some(call)) => match BoundCall::bind(call) {
            Ok(b) => std::borrow::Cow::Owned(b.display()),
            Err(_) => {
                std::borrow::Cow::Borrowed("(a procedure call that does not bind: not shown)")
            }
        },
        Err(_) => std::borrow::Cow::Borrowed("(a procedure call that does not parse: not shown)"),
    }
}

fn rows_to_batch(p: &Procedure, rows: Vec<Vec<ScalarValue>>) -> SqlResult<RecordBatch> {
    let schema = p.schema();
    let mut columns = Vec::with_capacity(p.columns.len());
    for (c, col) in p.columns.iter().enumerate() {
        let ty = col.ty.data_type();
        let vals = rows
            .iter()
            .map(|r| r.get(c).cloned().unwrap_or(ScalarValue::Null))
            .map(|v| {
                v.cast_to(&ty).map_err(|e| {
                    SqlError::general(format!("{}: result column {}: {e}", p.name, col.name))
                })
            })
            .collect::<SqlResult<Vec<_>>>()?;
        let array = if vals.is_empty() {
            datafusion::arrow::array::new_empty_array(&ty)
        } else {
            ScalarValue::iter_to_array(vals).map_err(crate::error::from_datafusion)?
        };
        columns.push(array);
    }
    RecordBatch::try_new(schema, columns).map_err(|e| SqlError::general(e.to_string()))
}

#[cfg(test)]
mod tests;
