//! Long literal `IN` lists planned as one value (issue 15, P6).
//!
//! DataFusion's analyzer and optimizer visit, coerce and simplify every element of an
//! `InList`, several times over: 20,000 picked values (what a BI tool sends when a
//! user ticks "select all") cost more to plan than Kintone takes to answer. So, in
//! the parsed statement, a list of more than [`LONG_LIST`] literals of one kind
//! (integers that fit `BIGINT`, or strings) becomes one call,
//! `kodbc_in_list(expr, '<the values>', negated)`, with the values packed into one
//! string literal. Nothing else about the statement changes.
//!
//! The answer stays DataFusion's:
//! - [`as_in_list`] rebuilds the `InList` the analyzer would have built (the literals
//!   typed as the SQL planner types them, then coerced and cast as the analyzer does),
//!   and pushdown translates that, so Kintone gets the same query. A `$id` list skips
//!   the rebuild ([`packed_ints`]): its integers are the query's values as written;
//! - where the filter is not pushed, the function evaluates DataFusion's own
//!   `InListExpr` over the same coerced values.
//!
//! Only lists with no `NULL`: then `NOT kodbc_in_list` and `NOT IN` agree, and a
//! value that is not in the list is `false`, never unknown.

use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{exec_datafusion_err, Result, ScalarValue};
use datafusion::logical_expr::expr::{InList, ScalarFunction};
use datafusion::logical_expr::type_coercion::other::get_coerce_type_for_list;
use datafusion::logical_expr::{
    Cast, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::{Column as ColumnExpr, InListExpr};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    self, visit_expressions_mut, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, Statement, UnaryOperator, Value, ValueWithSpan,
};

/// The function's name, as registered.
pub const NAME: &str = "kodbc_in_list";
/// Lists up to this many values are planned as written.
pub const LONG_LIST: usize = 64;

/// Lists [`pack_text`] took out of a statement's text, found again by their marker.
#[derive(Debug, Default)]
pub struct TextLists {
    marker: String,
    lists: Vec<String>,
}

impl TextLists {
    /// The packed values a list that is only a marker stands for.
    fn lookup(&self, list: &[ast::Expr]) -> Option<&str> {
        let [ast::Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        })] = list
        else {
            return None;
        };
        let n: usize = s.strip_prefix(self.marker.as_str())?.parse().ok()?;
        self.lists.get(n).map(String::as_str)
    }
}

/// Packs long literal lists in the text of a statement, before the parser reads it:
/// sqlparser spends more on 20,000 list elements (two tokens each, and a failed
/// attempt to read each as a type name) than the rest of planning does.
/// `x IN (1, 2, ...)` becomes `x IN ('<marker>0')`, and [`rewrite`] puts the values
/// back, packed or as literals. The text is read as the generic dialect reads it
/// (quotes doubled, `E'...'` with backslashes); a list it is unsure of is left to
/// the parser. `None` when no list was packed.
pub fn pack_text(sql: &str) -> Option<(String, TextLists)> {
    let b = sql.as_bytes();
    if b.len() < LONG_LIST * 2 {
        return None;
    }
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                let backslashes = q == b'\'' && i > 0 && matches!(b[i - 1], b'e' | b'E');
                i = after_quoted(b, i, backslashes);
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            // `$$...$$` and `$tag$...$tag$` quote text the reader does not follow.
            b'$' if (i == 0 || !identifier_byte(b[i - 1])) && dollar_quote(&b[i + 1..]) => {
                return None;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'i' | b'I'
                if matches!(b.get(i + 1), Some(b'n' | b'N'))
                    && (i == 0 || !identifier_byte(b[i - 1]))
                    && !b.get(i + 2).is_some_and(|c| identifier_byte(*c)) =>
            {
                let mut j = i + 2;
                while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if b.get(j) == Some(&b'(') {
                    if let Some((end, packed)) = read_list(sql, j + 1) {
                        found.push((j, end, packed));
                        i = end;
                        continue;
                    }
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    if found.is_empty() {
        return None;
    }
    // Unique to this statement: no literal a user writes is taken for a marker.
    let nonce = std::collections::hash_map::RandomState::new().hash_one(sql);
    let marker = format!("kodbc-in-list:{nonce:016x}:");
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    let mut lists = Vec::with_capacity(found.len());
    for (n, (open, end, packed)) in found.into_iter().enumerate() {
        out.push_str(sql.get(last..open)?);
        out.push_str(&format!("('{marker}{n}')"));
        last = end;
        lists.push(packed);
    }
    out.push_str(sql.get(last..)?);
    Some((out, TextLists { marker, lists }))
}

/// A byte that continues an identifier (any byte of a non-ASCII letter counts).
fn identifier_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'@' | b'#') || c >= 0x80
}

/// Whether the bytes after a `$` close a dollar-quote tag (`$`, or a name and `$`).
fn dollar_quote(after: &[u8]) -> bool {
    let name = after
        .iter()
        .take_while(|c| c.is_ascii_alphabetic() || **c == b'_')
        .count();
    after.get(name) == Some(&b'$')
}

/// The index after the quoted text that starts at `i` (a doubled quote is a quote).
fn after_quoted(b: &[u8], i: usize, backslashes: bool) -> usize {
    let q = b[i];
    let mut k = i + 1;
    while k < b.len() {
        // A backslash (in `E'...'`) or a doubled quote takes the next byte with it.
        if (backslashes && b[k] == b'\\') || (b[k] == q && b.get(k + 1) == Some(&q)) {
            k += 2;
        } else if b[k] == q {
            return k + 1;
        } else {
            k += 1;
        }
    }
    b.len()
}

/// The list after an `IN (` at `k`: integers that fit `BIGINT` or plain strings, of
/// one kind, more than [`LONG_LIST`]. Returns the index after its `)` and the values,
/// packed.
fn read_list(sql: &str, mut k: usize) -> Option<(usize, String)> {
    let b = sql.as_bytes();
    let mut ints: Vec<i64> = Vec::new();
    let mut strings: Vec<String> = Vec::new();
    loop {
        while b.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        match b.get(k)? {
            b'\'' => {
                let start = k + 1;
                k = start;
                loop {
                    match b.get(k)? {
                        b'\'' if b.get(k + 1) == Some(&b'\'') => k += 2,
                        b'\'' => break,
                        _ => k += 1,
                    }
                }
                strings.push(sql.get(start..k)?.replace("''", "'"));
                k += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = k;
                if b[k] == b'-' {
                    k += 1;
                }
                let digits = k;
                while b.get(k).is_some_and(u8::is_ascii_digit) {
                    k += 1;
                }
                if k == digits {
                    return None;
                }
                ints.push(sql.get(start..k)?.parse().ok()?);
            }
            _ => return None,
        }
        while b.get(k).is_some_and(u8::is_ascii_whitespace) {
            k += 1;
        }
        match b.get(k)? {
            b',' => k += 1,
            b')' => break,
            _ => return None,
        }
    }
    let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
    Some((k + 1, encode(&ints, &strings)?))
}

/// Packs the long literal `IN` lists of a query, and puts back the lists
/// [`pack_text`] took out. Statements that change data keep their lists as literals:
/// the write planner reads their filters as written.
pub fn rewrite(stmt: &mut Statement, text: &TextLists) {
    let query = matches!(stmt, Statement::Query(_));
    if !query && text.lists.is_empty() {
        return;
    }
    let _ = visit_expressions_mut(stmt, |e: &mut ast::Expr| {
        if let ast::Expr::InList {
            expr,
            list,
            negated,
        } = e
        {
            let packed = match text.lookup(list) {
                Some(p) => Some(p.to_string()),
                None if query => pack(list),
                None => None,
            };
            match packed {
                Some(values) if query => {
                    let expr = std::mem::replace(expr.as_mut(), ast::Expr::value(Value::Null));
                    *e = call(expr, values, *negated);
                }
                Some(values) => *list = literals(&values),
                None => {}
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// [`rewrite`] for each statement a DataFusion statement holds.
pub fn rewrite_df(stmt: &mut DfStatement, text: &TextLists) {
    match stmt {
        DfStatement::Statement(s) => rewrite(s, text),
        DfStatement::Explain(e) => rewrite_df(&mut e.statement, text),
        // Other kinds are refused before they run.
        _ => {}
    }
}

/// Packed values as the literals they were written as.
fn literals(packed: &str) -> Vec<ast::Expr> {
    unpack(packed)
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            ast::Expr::value(match v {
                ScalarValue::Utf8(Some(s)) => Value::SingleQuotedString(s),
                other => Value::Number(other.to_string(), false),
            })
        })
        .collect()
}

/// The values of a parsed list, packed (see [`encode`]).
fn pack(list: &[ast::Expr]) -> Option<String> {
    if list.len() <= LONG_LIST {
        return None;
    }
    let mut ints = Vec::new();
    let mut strings = Vec::new();
    for e in list {
        match (integer(e), e) {
            (Some(n), _) => ints.push(n),
            (
                None,
                ast::Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(s),
                    ..
                }),
            ) => strings.push(s.as_str()),
            _ => return None,
        }
    }
    encode(&ints, &strings)
}

/// A list of more than [`LONG_LIST`] values of one kind, packed: `i` and the integers
/// joined by `,`, or `s` and a JSON array of the strings. `None` for a short list or
/// one that mixes kinds.
fn encode(ints: &[i64], strings: &[&str]) -> Option<String> {
    match (ints.len(), strings.len()) {
        (n, 0) if n > LONG_LIST => {
            let mut out = String::with_capacity(n * 8);
            out.push('i');
            for (i, v) in ints.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&v.to_string());
            }
            Some(out)
        }
        (0, n) if n > LONG_LIST => Some(format!("s{}", serde_json::to_string(strings).ok()?)),
        _ => None,
    }
}

/// An integer literal the SQL planner types as `Int64`: `12`, `-12`.
fn integer(e: &ast::Expr) -> Option<i64> {
    match e {
        ast::Expr::Value(ValueWithSpan {
            value: Value::Number(n, false),
            ..
        }) => n.parse().ok(),
        ast::Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            ast::Expr::Value(ValueWithSpan {
                value: Value::Number(n, false),
                ..
            }) => format!("-{n}").parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

fn call(expr: ast::Expr, values: String, negated: bool) -> ast::Expr {
    let arg = |e: ast::Expr| FunctionArg::Unnamed(FunctionArgExpr::Expr(e));
    ast::Expr::Function(ast::Function {
        name: ObjectName::from(vec![Ident::new(NAME)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![
                arg(expr),
                arg(ast::Expr::value(Value::SingleQuotedString(values))),
                arg(ast::Expr::value(Value::Boolean(negated))),
            ],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// The packed values as the SQL planner types them (`Int64` or `Utf8`).
fn unpack(packed: &str) -> Result<Vec<ScalarValue>> {
    let bad = || exec_datafusion_err!("{NAME}: malformed list of values");
    match packed.split_at_checked(1) {
        Some(("i", ints)) => ints
            .split(',')
            .map(|n| n.parse::<i64>().map(ScalarValue::from).map_err(|_| bad()))
            .collect(),
        Some(("s", json)) => {
            let strings: Vec<String> = serde_json::from_str(json).map_err(|_| bad())?;
            Ok(strings.into_iter().map(ScalarValue::from).collect())
        }
        _ => Err(bad()),
    }
}

/// The type the analyzer compares `expr_type` and the values in, and the values cast
/// to it (as its casts of literals, folded by the simplifier, would give them).
fn coerced(expr_type: &DataType, values: Vec<ScalarValue>) -> Result<(DataType, Vec<ScalarValue>)> {
    let list_type = values
        .first()
        .map(ScalarValue::data_type)
        .unwrap_or(DataType::Null);
    let to =
        get_coerce_type_for_list(expr_type, std::slice::from_ref(&list_type)).ok_or_else(|| {
            exec_datafusion_err!(
                "Can not find compatible types to compare {expr_type} with [{list_type}]"
            )
        })?;
    let values = if list_type == to {
        values
    } else {
        values
            .iter()
            .map(|v| v.cast_to(&to))
            .collect::<Result<_>>()?
    };
    Ok((to, values))
}

/// The arguments of a `kodbc_in_list` call: the tested expression, the packed values
/// and whether it is `NOT IN`.
fn parts(f: &ScalarFunction) -> Option<(&Expr, &str, bool)> {
    if f.func.name() != NAME {
        return None;
    }
    match f.args.as_slice() {
        [e, Expr::Literal(ScalarValue::Utf8(Some(p)), _), Expr::Literal(ScalarValue::Boolean(Some(n)), _)] => {
            Some((e, p.as_str(), *n))
        }
        _ => None,
    }
}

/// The `InList` the analyzer would have made of the list this call packs, given the
/// type of its tested expression; `None` for other expressions or when that type is
/// not known or the values do not convert (then the filter is not pushed, and the
/// function reports the error when it runs).
pub fn as_in_list(e: &Expr, expr_type: impl Fn(&Expr) -> Option<DataType>) -> Option<Expr> {
    let Expr::ScalarFunction(f) = e else {
        return None;
    };
    let (tested, packed, negated) = parts(f)?;
    let from = expr_type(tested)?;
    let (to, values) = coerced(&from, unpack(packed).ok()?).ok()?;
    let tested = if from == to {
        tested.clone()
    } else {
        Expr::Cast(Cast::new(Box::new(tested.clone()), to))
    };
    Some(Expr::InList(InList::new(
        Box::new(tested),
        values.into_iter().map(|v| Expr::Literal(v, None)).collect(),
        negated,
    )))
}

/// The tested expression and the integers of a packed integer list that is not
/// negated: what a `$id` list needs, without a literal per value (see `pushdown`).
/// `None` for any other call.
pub fn packed_ints(e: &Expr) -> Option<(&Expr, impl Iterator<Item = &str>)> {
    let Expr::ScalarFunction(f) = e else {
        return None;
    };
    match parts(f)? {
        (tested, packed, false) => Some((tested, packed.strip_prefix('i')?.split(','))),
        _ => None,
    }
}

/// Registers the function with a session.
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::new_from_impl(LongInList {
        signature: Signature::any(3, Volatility::Immutable),
        built: Mutex::new(None),
    }));
}

/// The evaluator last built, kept for the following batches of the same scan.
struct Built {
    packed: String,
    negated: bool,
    input: DataType,
    expr: Arc<InListExpr>,
    schema: Arc<Schema>,
    to: DataType,
}

#[derive(Debug)]
struct LongInList {
    signature: Signature,
    built: Mutex<Option<Arc<Built>>>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

// One function per session: equal to itself, whatever it has cached.
impl PartialEq for LongInList {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}
impl Eq for LongInList {}
impl Hash for LongInList {
    fn hash<H: Hasher>(&self, state: &mut H) {
        NAME.hash(state);
    }
}

impl LongInList {
    fn build(&self, packed: &str, negated: bool, input: &DataType) -> Result<Arc<Built>> {
        let cached = self.built.lock().ok().and_then(|b| b.clone());
        if let Some(b) =
            cached.filter(|b| b.packed == packed && b.negated == negated && &b.input == input)
        {
            return Ok(b);
        }
        let (to, values) = coerced(input, unpack(packed)?)?;
        let list: ArrayRef = ScalarValue::iter_to_array(values)?;
        let schema = Arc::new(Schema::new(vec![Field::new("v", to.clone(), true)]));
        let expr = InListExpr::try_new_from_array(
            Arc::new(ColumnExpr::new("v", 0)),
            list,
            negated,
            &schema,
        )?;
        let built = Arc::new(Built {
            packed: packed.to_string(),
            negated,
            input: input.clone(),
            expr: Arc::new(expr),
            schema,
            to,
        });
        if let Ok(mut slot) = self.built.lock() {
            *slot = Some(built.clone());
        }
        Ok(built)
    }
}

impl ScalarUDFImpl for LongInList {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [tested, ColumnarValue::Scalar(ScalarValue::Utf8(Some(packed))), ColumnarValue::Scalar(ScalarValue::Boolean(Some(negated)))] =
            args.args.as_slice()
        else {
            return Err(exec_datafusion_err!(
                "{NAME} takes an expression, a packed list and a flag"
            ));
        };
        let built = self.build(packed, *negated, &tested.data_type())?;
        let scalar = matches!(tested, ColumnarValue::Scalar(_));
        let rows = if scalar { 1 } else { args.number_rows };
        // The analyzer's cast of the tested expression: an error for a value that
        // does not convert, as `CAST` is.
        let strict = CastOptions {
            safe: false,
            ..CastOptions::default()
        };
        let column = cast_with_options(&tested.to_array(rows)?, &built.to, &strict)?;
        let batch = RecordBatch::try_new(built.schema.clone(), vec![column])?;
        let out = built.expr.evaluate(&batch)?.into_array(rows)?;
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        Date32Array, Decimal128Array, Float64Array, Int64Array, StringArray,
    };
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::datasource::MemTable;
    use datafusion::execution::context::SessionConfig;

    fn context() -> SessionContext {
        let mut config = SessionConfig::new();
        config.options_mut().sql_parser.enable_ident_normalization = false;
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        let ctx = SessionContext::new_with_config(config);
        register(&ctx);
        let n = 300;
        let ids: Vec<Option<i64>> = (0..n)
            .map(|i| if i % 17 == 0 { None } else { Some(i - 20) })
            .collect();
        let texts: Vec<Option<String>> = (0..n)
            .map(|i| (i % 13 != 0).then(|| format!("v{}", i % 150)))
            .collect();
        let digits: Vec<Option<String>> = (0..n).map(|i| Some((i * 3).to_string())).collect();
        let batch = RecordBatch::try_from_iter(vec![
            ("i", Arc::new(Int64Array::from(ids)) as ArrayRef),
            (
                "d",
                Arc::new(
                    Decimal128Array::from((0..n).map(|i| Some(i as i128 * 50)).collect::<Vec<_>>())
                        .with_precision_and_scale(12, 2)
                        .unwrap(),
                ),
            ),
            (
                "f",
                Arc::new(Float64Array::from(
                    (0..n).map(|i| i as f64 / 2.0).collect::<Vec<_>>(),
                )),
            ),
            ("s", Arc::new(StringArray::from(texts))),
            ("digits", Arc::new(StringArray::from(digits))),
            (
                "day",
                Arc::new(Date32Array::from(
                    (0..n).map(|i| 19_700 + i as i32).collect::<Vec<_>>(),
                )),
            ),
        ])
        .unwrap();
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        ctx
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Mode {
        AsWritten,
        /// Packed in the parsed statement.
        Parsed,
        /// Packed in the text, before parsing.
        Text,
    }

    /// The rows of `sql`, each as text, with the lists packed or as written.
    async fn run(ctx: &SessionContext, sql: &str, mode: Mode) -> Result<Vec<String>> {
        let state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let (text, lists) = match mode {
            Mode::Text => pack_text(sql).expect("a list to pack"),
            _ => (sql.to_string(), TextLists::default()),
        };
        let mut stmt = state.sql_to_statement(&text, &dialect)?;
        if mode != Mode::AsWritten {
            rewrite_df(&mut stmt, &lists);
            let text = stmt.to_string();
            assert!(text.contains(NAME), "{text}");
            assert!(!text.contains("kodbc-in-list:"), "{text}");
        }
        let plan = state.statement_to_plan(stmt).await?;
        let batches = ctx.execute_logical_plan(plan).await?.collect().await?;
        let mut rows = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                let cells: Vec<String> = b
                    .columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).unwrap())
                    .collect();
                rows.push(cells.join("|"));
            }
        }
        Ok(rows)
    }

    fn ints(range: std::ops::Range<i64>) -> String {
        range.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    }

    fn texts(items: impl Iterator<Item = String>) -> String {
        items
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each statement gives the same rows, or fails the same way, whether its long list
    /// is planned as written or packed.
    #[tokio::test]
    async fn packed_lists_answer_as_in_lists_do() {
        let ctx = context();
        let evens = ints(0..200).replace(", ", ", -") + ", 0";
        let statements = [
            format!("SELECT i FROM t WHERE i IN ({}) ORDER BY i", ints(-5..95)),
            format!(
                "SELECT i FROM t WHERE i NOT IN ({}) ORDER BY i",
                ints(-5..95)
            ),
            format!("SELECT i FROM t WHERE i IN (-{evens}) ORDER BY i"),
            format!("SELECT d FROM t WHERE d IN ({}) ORDER BY d", ints(0..100)),
            format!(
                "SELECT f FROM t WHERE f NOT IN ({}) ORDER BY f",
                ints(0..100)
            ),
            format!(
                "SELECT s FROM t WHERE s IN ({}) ORDER BY s",
                texts((0..90).map(|i| format!("v{i}")))
            ),
            format!(
                "SELECT s FROM t WHERE s NOT IN ({}) ORDER BY s",
                texts((0..90).map(|i| format!("v{i}")))
            ),
            format!(
                "SELECT digits FROM t WHERE digits IN ({}) ORDER BY digits",
                ints(0..120)
            ),
            format!(
                "SELECT i FROM t WHERE i IN ({}) ORDER BY i",
                texts((0..80).map(|i| i.to_string()))
            ),
            format!(
                "SELECT day FROM t WHERE day IN ({}) ORDER BY day",
                texts((0..80).map(|i| format!("2024-01-{:02}", i % 28 + 1)))
            ),
            format!(
                "SELECT i, i IN ({}) AS hit, s NOT IN ({}) FROM t ORDER BY f",
                ints(0..70),
                texts((0..70).map(|i| format!("v{}", i * 2)))
            ),
            format!(
                "SELECT COUNT(*) FROM t WHERE CAST(NULL AS BIGINT) IN ({}) OR i IN ({})",
                ints(0..70),
                ints(100..180)
            ),
            format!(
                "SELECT i FROM t WHERE i IN ({})",
                texts((0..70).map(|i| format!("x{i}")))
            ),
            format!(
                "SELECT s FROM t WHERE s IN ({}) ORDER BY s",
                texts((0..70).map(|i| format!("it''s \"{i}\" \\ é")))
            ),
        ];
        for sql in &statements {
            let plain = run(&ctx, sql, Mode::AsWritten).await;
            for mode in [Mode::Parsed, Mode::Text] {
                let packed = run(&ctx, sql, mode).await;
                match (&plain, &packed) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{mode:?}: {sql}"),
                    (Err(_), Err(_)) => {}
                    _ => panic!("{sql}\n  as written: {plain:?}\n  {mode:?}: {packed:?}"),
                }
            }
        }
        // The statements read something, and some fail: both outcomes were compared.
        assert!(run(&ctx, &statements[0], Mode::Text).await.unwrap().len() > 50);
        assert!(run(&ctx, &statements[12], Mode::Text).await.is_err());
    }

    /// Lists inside quotes and comments are text, not lists; statements that write get
    /// their lists back as the literals they were.
    #[test]
    fn the_text_packer_reads_quotes_comments_and_writes() {
        let list = ints(0..70);
        for sql in [
            format!("SELECT 'x IN ({list})' FROM t"),
            format!("SELECT 'it''s IN ({list})' FROM t"),
            format!("SELECT E'\\' IN ({list})' FROM t"),
            format!("SELECT \"a IN ({list})\" FROM t"),
            format!("SELECT 1 FROM t -- x IN ({list})\n"),
            format!("SELECT $$ x IN ({list}) $$ FROM t"),
            format!("SELECT $q$ x IN ({list}) $q$ FROM t"),
            format!("SELECT 1 FROM t /* x IN ({list}) */"),
            format!("SELECT 1 FROM t WHERE login({list}) > 0"),
            format!("SELECT 1 FROM t WHERE x IN ({list}, 1.5)"),
            format!("SELECT 1 FROM t WHERE x IN ({list}, 'a')"),
            format!("SELECT 1 FROM t WHERE x IN ({list}, ?)"),
            format!("SELECT 1 FROM t WHERE x IN ({list}, 99999999999999999999)"),
            format!("SELECT 1 FROM t WHERE x IN ({})", ints(0..64)),
        ] {
            assert!(pack_text(&sql).is_none(), "{sql}");
        }
        let strings = texts((0..70).map(|i| format!("a''b{i}")));
        let sql = format!("SELECT 1 FROM t WHERE x in({list}) AND y NOT IN ( {strings} )");
        let (text, lists) = pack_text(&sql).unwrap();
        assert!(text.len() < 200, "{text}");
        assert_eq!(lists.lists.len(), 2);
        assert_eq!(
            unpack(&lists.lists[1]).unwrap()[3],
            ScalarValue::from("a'b3")
        );

        let parse = |sql: &str| {
            datafusion::sql::parser::DFParser::parse_sql(sql)
                .unwrap()
                .pop_front()
                .unwrap()
        };
        let sql = format!("DELETE FROM t WHERE x IN ({list}) AND y NOT IN ({strings})");
        let (text, lists) = pack_text(&sql).unwrap();
        let mut stmt = parse(&text);
        rewrite_df(&mut stmt, &lists);
        assert_eq!(stmt.to_string(), parse(&sql).to_string());
        let sql = format!("EXPLAIN SELECT 1 FROM t WHERE x IN ({list})");
        let (text, lists) = pack_text(&sql).unwrap();
        let mut stmt = parse(&text);
        rewrite_df(&mut stmt, &lists);
        assert!(stmt.to_string().contains(NAME), "{stmt}");
    }

    #[test]
    fn only_long_lists_of_one_kind_are_packed() {
        let packed = |sql: &str| {
            let mut stmt = datafusion::sql::parser::DFParser::parse_sql(sql)
                .unwrap()
                .pop_front()
                .unwrap();
            if let DfStatement::Statement(s) = &mut stmt {
                rewrite(s, &TextLists::default());
            }
            stmt.to_string().contains(NAME)
        };
        assert!(packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({})",
            ints(0..65)
        )));
        assert!(!packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({})",
            ints(0..64)
        )));
        assert!(!packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({}, 1.5)",
            ints(0..70)
        )));
        assert!(!packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({}, NULL)",
            ints(0..70)
        )));
        assert!(!packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({}, 'a')",
            ints(0..70)
        )));
        assert!(!packed(&format!(
            "SELECT 1 FROM t WHERE x IN ({}, 99999999999999999999)",
            ints(0..70)
        )));
        assert!(!packed(&format!(
            "DELETE FROM t WHERE x IN ({})",
            ints(0..70)
        )));
    }

    #[test]
    fn packed_values_unpack_as_written() {
        let list: Vec<ast::Expr> = (0..70)
            .map(|i| ast::Expr::value(Value::SingleQuotedString(format!("a,\"{i}\"\n"))))
            .collect();
        let values = unpack(&pack(&list).unwrap()).unwrap();
        assert_eq!(values[3], ScalarValue::from("a,\"3\"\n"));
        assert_eq!(values.len(), 70);
        assert!(unpack("i1,x").is_err() && unpack("").is_err() && unpack("s[1]").is_err());
    }
}
