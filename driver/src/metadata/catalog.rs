//! The catalog functions' result sets (SQLTables, SQLColumns, SQLPrimaryKeys, ...),
//! answered from the connection's cached catalog with no Kintone request.
//!
//! Each result set has the exact ODBC 3 layout: column names and order from the spec,
//! SMALLINT columns as Int16, INTEGER as Int32 and VARCHAR as Utf8 whose field metadata
//! `odbc.column_size` gives the width `types::describe` reports. Rows come in the
//! order the spec prescribes. There are no catalogs and no schemas: TABLE_CAT and
//! TABLE_SCHEM are NULL, and a catalog or schema argument selects our tables only
//! if it would select an empty name (`""`, `%`, or NULL).
//!
//! Kintone model: every app is a TABLE whose primary key is `$id`; a subtable is a
//! child TABLE keyed by (`$id`, `$row_id`) whose `$id` references the app's `$id`
//! (SQLForeignKeys: Power BI builds navigation from it). `$revision` is the row
//! version (SQLSpecialColumns SQL_ROWVER).

use std::collections::HashMap;
use std::sync::Arc;

use kintone_sql::arrow::array::{ArrayRef, Int16Array, Int32Array, StringArray};
use kintone_sql::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use kintone_sql::arrow::record_batch::RecordBatch;
use kintone_sql::catalog::{AppEntry, Catalog, Source, TableDef, TableKind};
use kintone_sql::procedures;
use kintone_sql::system::SysKind;
use kintone_sql::views::ViewInfo;

use super::info::MAX_NAME_LEN;
use super::pattern::{ident_eq, like, may_select_prefixed, selects};
use crate::encoding::WcharMode;
use crate::sys;

/// A catalog function's failure, for the caller to post as a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaError {
    pub sqlstate: &'static str,
    pub message: String,
}

impl MetaError {
    fn new(sqlstate: &'static str, message: impl Into<String>) -> MetaError {
        MetaError {
            sqlstate,
            message: message.into(),
        }
    }
}

pub type MetaResult = Result<(SchemaRef, Vec<RecordBatch>), MetaError>;

/// The name arguments of a catalog call. Patterns (`%`, `_`, `\` escape) unless
/// `metadata_id` (`SQL_ATTR_METADATA_ID`), then identifiers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    pub catalog: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub name: Option<&'a str>,
    pub metadata_id: bool,
}

pub const TABLE: &str = "TABLE";
pub const SYSTEM_TABLE: &str = "SYSTEM TABLE";
pub const VIEW: &str = "VIEW";

/// The metadata key whose value is the reported width of a VARCHAR result column.
pub const COLUMN_SIZE_KEY: &str = "odbc.column_size";

// SQLStatistics TYPE and Unique arguments.
pub const SQL_TABLE_STAT: i16 = 0;
pub const SQL_INDEX_OTHER: i16 = 3;
pub const SQL_INDEX_UNIQUE: u16 = 0;
pub const SQL_INDEX_ALL: u16 = 1;
// SQLSpecialColumns arguments and values.
pub const SQL_BEST_ROWID: u16 = 1;
pub const SQL_ROWVER: u16 = 2;
pub const SQL_SCOPE_CURROW: u16 = 0;
pub const SQL_SCOPE_TRANSACTION: u16 = 1;
pub const SQL_SCOPE_SESSION: u16 = 2;
pub const SQL_PC_NOT_PSEUDO: i16 = 1;
// SQLForeignKeys rules.
pub const SQL_CASCADE: i16 = 0;
pub const SQL_NO_ACTION: i16 = 3;
pub const SQL_NOT_DEFERRABLE: i16 = 7;

// ---------------------------------------------------------------------------------
// Result-set building.

fn varchar(name: &str, size: u32, nullable: bool) -> Field {
    let md = HashMap::from([(COLUMN_SIZE_KEY.to_string(), size.to_string())]);
    Field::new(name, DataType::Utf8, nullable).with_metadata(md)
}

fn name_col(name: &str, nullable: bool) -> Field {
    varchar(name, u32::from(MAX_NAME_LEN), nullable)
}

fn smallint(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int16, nullable)
}

fn integer(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int32, nullable)
}

/// One cell of a result row.
#[derive(Clone, Debug)]
enum Cell {
    S(Option<String>),
    I16(Option<i16>),
    I32(Option<i32>),
}

fn s(v: &str) -> Cell {
    Cell::S(Some(v.to_string()))
}

const NULL_S: Cell = Cell::S(None);

fn build(schema: SchemaRef, rows: Vec<Vec<Cell>>) -> MetaResult {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        let cells = rows.iter().map(|r| r.get(i));
        let array: ArrayRef = match field.data_type() {
            DataType::Int16 => Arc::new(
                cells
                    .map(|c| match c {
                        Some(Cell::I16(v)) => *v,
                        _ => None,
                    })
                    .collect::<Int16Array>(),
            ),
            DataType::Int32 => Arc::new(
                cells
                    .map(|c| match c {
                        Some(Cell::I32(v)) => *v,
                        _ => None,
                    })
                    .collect::<Int32Array>(),
            ),
            _ => Arc::new(
                cells
                    .map(|c| match c {
                        Some(Cell::S(v)) => v.clone(),
                        _ => None,
                    })
                    .collect::<StringArray>(),
            ),
        };
        arrays.push(array);
    }
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| MetaError::new("HY000", format!("building a catalog result: {e}")))?;
    Ok((schema, vec![batch]))
}

// ---------------------------------------------------------------------------------
// Layouts.

pub fn tables_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", true),
        varchar("TABLE_TYPE", 32, true),
        varchar("REMARKS", 512, true),
    ]))
}

pub fn columns_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", false),
        name_col("COLUMN_NAME", false),
        smallint("DATA_TYPE", false),
        varchar("TYPE_NAME", 128, false),
        integer("COLUMN_SIZE", true),
        integer("BUFFER_LENGTH", true),
        smallint("DECIMAL_DIGITS", true),
        smallint("NUM_PREC_RADIX", true),
        smallint("NULLABLE", false),
        varchar("REMARKS", 512, true),
        varchar("COLUMN_DEF", 254, true),
        smallint("SQL_DATA_TYPE", false),
        smallint("SQL_DATETIME_SUB", true),
        integer("CHAR_OCTET_LENGTH", true),
        integer("ORDINAL_POSITION", false),
        varchar("IS_NULLABLE", 3, true),
    ]))
}

pub fn primary_keys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", false),
        name_col("COLUMN_NAME", false),
        smallint("KEY_SEQ", false),
        name_col("PK_NAME", true),
    ]))
}

pub fn foreign_keys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("PKTABLE_CAT", true),
        name_col("PKTABLE_SCHEM", true),
        name_col("PKTABLE_NAME", false),
        name_col("PKCOLUMN_NAME", false),
        name_col("FKTABLE_CAT", true),
        name_col("FKTABLE_SCHEM", true),
        name_col("FKTABLE_NAME", false),
        name_col("FKCOLUMN_NAME", false),
        smallint("KEY_SEQ", false),
        smallint("UPDATE_RULE", true),
        smallint("DELETE_RULE", true),
        name_col("FK_NAME", true),
        name_col("PK_NAME", true),
        smallint("DEFERRABILITY", true),
    ]))
}

pub fn statistics_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", false),
        smallint("NON_UNIQUE", true),
        name_col("INDEX_QUALIFIER", true),
        name_col("INDEX_NAME", true),
        smallint("TYPE", false),
        smallint("ORDINAL_POSITION", true),
        name_col("COLUMN_NAME", true),
        varchar("ASC_OR_DESC", 1, true),
        integer("CARDINALITY", true),
        integer("PAGES", true),
        varchar("FILTER_CONDITION", 128, true),
    ]))
}

pub fn special_columns_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        smallint("SCOPE", true),
        name_col("COLUMN_NAME", false),
        smallint("DATA_TYPE", false),
        varchar("TYPE_NAME", 128, false),
        integer("COLUMN_SIZE", true),
        integer("BUFFER_LENGTH", true),
        smallint("DECIMAL_DIGITS", true),
        smallint("PSEUDO_COLUMN", true),
    ]))
}

pub fn procedures_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("PROCEDURE_CAT", true),
        name_col("PROCEDURE_SCHEM", true),
        name_col("PROCEDURE_NAME", false),
        integer("NUM_INPUT_PARAMS", true),
        integer("NUM_OUTPUT_PARAMS", true),
        integer("NUM_RESULT_SETS", true),
        varchar("REMARKS", 512, true),
        smallint("PROCEDURE_TYPE", true),
    ]))
}

pub fn procedure_columns_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("PROCEDURE_CAT", true),
        name_col("PROCEDURE_SCHEM", true),
        name_col("PROCEDURE_NAME", false),
        name_col("COLUMN_NAME", false),
        smallint("COLUMN_TYPE", false),
        smallint("DATA_TYPE", false),
        varchar("TYPE_NAME", 128, false),
        integer("COLUMN_SIZE", true),
        integer("BUFFER_LENGTH", true),
        smallint("DECIMAL_DIGITS", true),
        smallint("NUM_PREC_RADIX", true),
        smallint("NULLABLE", false),
        varchar("REMARKS", 512, true),
        varchar("COLUMN_DEF", 254, true),
        smallint("SQL_DATA_TYPE", false),
        smallint("SQL_DATETIME_SUB", true),
        integer("CHAR_OCTET_LENGTH", true),
        integer("ORDINAL_POSITION", false),
        varchar("IS_NULLABLE", 3, true),
    ]))
}

pub fn table_privileges_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", false),
        name_col("GRANTOR", true),
        name_col("GRANTEE", false),
        varchar("PRIVILEGE", 128, false),
        varchar("IS_GRANTABLE", 3, true),
    ]))
}

pub fn column_privileges_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        name_col("TABLE_CAT", true),
        name_col("TABLE_SCHEM", true),
        name_col("TABLE_NAME", false),
        name_col("COLUMN_NAME", false),
        name_col("GRANTOR", true),
        name_col("GRANTEE", false),
        varchar("PRIVILEGE", 128, false),
        varchar("IS_GRANTABLE", 3, true),
    ]))
}

// ---------------------------------------------------------------------------------
// Helpers.

/// Whether a catalog or schema argument selects our tables, which have neither: the
/// argument must be NULL or select the empty name.
fn selects_no_container(arg: Option<&str>, metadata_id: bool) -> bool {
    match arg {
        None => true,
        Some(a) if metadata_id => ident_eq(a, ""),
        Some(a) => like(a, ""),
    }
}

fn container_ok(f: &Filter) -> bool {
    selects_no_container(f.catalog, f.metadata_id) && selects_no_container(f.schema, f.metadata_id)
}

/// Finds a table named by an ordinary (non-pattern) argument.
fn find_table<'c>(cat: &'c Catalog, name: &str, metadata_id: bool) -> Option<&'c Arc<TableDef>> {
    if metadata_id {
        // A quoted identifier is exact; an unquoted one may differ in case, and then
        // the first table (catalog order) that matches wins.
        cat.tables.iter().find(|t| ident_eq(name, &t.name))
    } else {
        cat.table(name)
    }
}

/// Whether a name argument may be about app `app`'s tables (the app table, or a child
/// table when `children` is its `<table><separator>` prefix): their form must be read
/// before the catalog function answers. Errs toward yes.
pub fn may_name_app(
    name: Option<&str>,
    metadata_id: bool,
    app: &AppEntry,
    children: Option<&str>,
) -> bool {
    selects(name, metadata_id, &app.table) || may_name_child(name, metadata_id, children)
}

/// Whether a name argument may select a child table with the `children` prefix.
pub fn may_name_child(name: Option<&str>, metadata_id: bool, children: Option<&str>) -> bool {
    children.is_some_and(|p| may_select_prefixed(name, metadata_id, p))
}

/// Whether SQLTables with this table-type argument lists app tables.
pub fn lists_tables(table_types: Option<&str>) -> bool {
    table_types_wanted(table_types).is_none_or(|w| w.iter().any(|x| x == TABLE))
}

/// The columns forming the table's key: `$id` for an app, (`$id`, `$row_id`) for a
/// subtable, found by their source so a label that happens to read `$id` is not taken.
fn key_columns(t: &TableDef) -> Vec<&str> {
    let id = t.columns.iter().find(|c| c.source == Source::Id);
    let row = t.columns.iter().find(|c| c.source == Source::RowId);
    match (&t.kind, id, row) {
        (TableKind::App, Some(id), _) => vec![id.name.as_str()],
        (TableKind::Subtable { .. }, Some(id), Some(row)) => {
            vec![id.name.as_str(), row.name.as_str()]
        }
        _ => Vec::new(),
    }
}

fn pk_name(table: &str) -> String {
    format!("PK_{table}")
}

fn clamp_i32<T: TryInto<i32>>(v: T) -> i32 {
    v.try_into().unwrap_or(i32::MAX)
}

// ---------------------------------------------------------------------------------
// SQLTables.

/// Parses SQLTables' TableType list (`TABLE,VIEW`, `'TABLE','VIEW'`); `None` = all.
fn table_types_wanted(arg: Option<&str>) -> Option<Vec<String>> {
    let arg = arg?.trim();
    if arg.is_empty() || arg == "%" {
        return None;
    }
    Some(
        arg.split(',')
            .map(|t| t.trim().trim_matches('\'').trim().to_uppercase())
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// SQLTables. `system_tables` are the SQL layer's system tables (Apps, FormFields ...),
/// listed as "SYSTEM TABLE"; `views` (the User API's, the user-defined ones) as "VIEW".
pub fn tables(
    cat: &Catalog,
    system_tables: &[&str],
    views: &[ViewInfo],
    f: &Filter,
    table_types: Option<&str>,
) -> MetaResult {
    let schema = tables_schema();
    let empty = |a: Option<&str>| a == Some("");
    // Enumeration calls (ODBC 3: "%" with the other names empty).
    if f.catalog == Some("%") && empty(f.schema) && empty(f.name) {
        return build(schema, Vec::new()); // no catalogs
    }
    if f.schema == Some("%") && empty(f.catalog) && empty(f.name) {
        return build(schema, Vec::new()); // no schemas
    }
    // The table-type list. The spec asks for empty names; LibreOffice (its
    // `getTableTypes`) passes NULL ones and takes every row as a type, so a list of all
    // tables would give it each type many times. NULL is taken as empty here, as
    // psqlODBC does.
    let none_or_empty = |a: Option<&str>| a.is_none_or(str::is_empty);
    if table_types == Some("%")
        && none_or_empty(f.catalog)
        && none_or_empty(f.schema)
        && none_or_empty(f.name)
    {
        // VIEW only where there are views: a tool offers every type it is told of.
        let types: &[&str] = if views.is_empty() {
            &[SYSTEM_TABLE, TABLE]
        } else {
            &[SYSTEM_TABLE, TABLE, VIEW]
        };
        let rows = types
            .iter()
            .map(|t| vec![NULL_S, NULL_S, NULL_S, s(t), NULL_S])
            .collect();
        return build(schema, rows);
    }
    if f.metadata_id && f.name.is_none() {
        return Err(MetaError::new(
            "HY009",
            "TableName may not be NULL when SQL_ATTR_METADATA_ID is SQL_TRUE",
        ));
    }
    if !container_ok(f) {
        return build(schema, Vec::new());
    }
    let wanted = table_types_wanted(table_types);
    let wants = |t: &str| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == t));
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    if wants(SYSTEM_TABLE) {
        for name in system_tables {
            if selects(f.name, f.metadata_id, name) {
                rows.push((
                    SYSTEM_TABLE,
                    name.to_string(),
                    "Kintone system table".into(),
                ));
            }
        }
    }
    if wants(TABLE) {
        for t in cat.listing() {
            if selects(f.name, f.metadata_id, t.name) {
                rows.push((TABLE, t.name.to_string(), t.remarks()));
            }
        }
    }
    if wants(VIEW) {
        for v in views {
            if selects(f.name, f.metadata_id, &v.name) {
                rows.push((VIEW, v.name.clone(), v.description.clone()));
            }
        }
    }
    // Ordered by TABLE_TYPE, then TABLE_NAME (catalog and schema are NULL).
    rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let rows = rows
        .into_iter()
        .map(|(ty, name, rem)| {
            vec![
                NULL_S,
                NULL_S,
                Cell::S(Some(name)),
                s(ty),
                Cell::S(Some(rem)),
            ]
        })
        .collect();
    build(schema, rows)
}

// ---------------------------------------------------------------------------------
// SQLColumns.

/// What SQLColumns and SQLSpecialColumns report about one column's type: the subset of
/// `types::SqlTypeDesc` they need, so the row builders can be tested with any mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnType {
    pub sql_type: i16,
    pub verbose_type: i16,
    pub datetime_code: i16,
    pub column_size: usize,
    pub decimal_digits: i16,
    pub octet_length: isize,
    pub type_name: String,
    pub num_prec_radix: i16,
}

impl From<crate::types::SqlTypeDesc> for ColumnType {
    fn from(d: crate::types::SqlTypeDesc) -> ColumnType {
        ColumnType {
            sql_type: d.sql_type,
            verbose_type: d.verbose_type,
            datetime_code: d.datetime_code,
            column_size: d.column_size,
            decimal_digits: d.decimal_digits,
            octet_length: d.octet_length,
            type_name: d.type_name.to_string(),
            num_prec_radix: d.num_prec_radix,
        }
    }
}

fn is_char_type(sql_type: i16) -> bool {
    matches!(
        sql_type,
        sys::SQL_CHAR
            | sys::SQL_VARCHAR
            | sys::SQL_LONGVARCHAR
            | sys::SQL_WCHAR
            | sys::SQL_WVARCHAR
            | sys::SQL_WLONGVARCHAR
            | sys::SQL_BINARY
            | sys::SQL_VARBINARY
            | sys::SQL_LONGVARBINARY
    )
}

/// A table as SQLColumns sees it: its name and Arrow schema.
pub struct TableColumns<'a> {
    pub name: &'a str,
    pub schema: &'a Schema,
}

/// SQLColumns over the catalog's tables, the views and the `system` tables (an app or
/// view of the same name hides a system table, as it does in SQL), types described by
/// `types::describe`.
pub fn columns(
    cat: &Catalog,
    system: &[SysKind],
    views: &[ViewInfo],
    f: &Filter,
    column: Option<&str>,
    mode: WcharMode,
) -> MetaResult {
    let system: Vec<(&str, SchemaRef)> = system
        .iter()
        .filter(|k| {
            !cat.tables.iter().any(|t| t.name == k.name())
                && !views.iter().any(|v| v.name == k.name())
        })
        .map(|k| (k.name(), k.schema()))
        .collect();
    let tables: Vec<TableColumns> = cat
        .tables
        .iter()
        .map(|t| TableColumns {
            name: &t.name,
            schema: &t.schema,
        })
        .chain(views.iter().map(|v| TableColumns {
            name: &v.name,
            schema: &v.schema,
        }))
        .chain(
            system
                .iter()
                .map(|(name, schema)| TableColumns { name, schema }),
        )
        .collect();
    columns_with(&tables, f, column, &|field| {
        ColumnType::from(crate::types::describe(field, mode))
    })
}

/// SQLColumns over any tables (system tables too) with the given type description.
pub fn columns_with(
    tables: &[TableColumns],
    f: &Filter,
    column: Option<&str>,
    describe: &dyn Fn(&Field) -> ColumnType,
) -> MetaResult {
    let schema = columns_schema();
    if f.metadata_id && (f.name.is_none() || column.is_none()) {
        return Err(MetaError::new(
            "HY009",
            "TableName and ColumnName may not be NULL when SQL_ATTR_METADATA_ID is SQL_TRUE",
        ));
    }
    if !container_ok(f) {
        return build(schema, Vec::new());
    }
    let mut selected: Vec<&TableColumns> = tables
        .iter()
        .filter(|t| selects(f.name, f.metadata_id, t.name))
        .collect();
    // Ordered by TABLE_CAT, TABLE_SCHEM, TABLE_NAME, ORDINAL_POSITION.
    selected.sort_by(|a, b| a.name.cmp(b.name));
    let mut rows = Vec::new();
    for t in selected {
        for (i, field) in t.schema.fields().iter().enumerate() {
            if !selects(column, f.metadata_id, field.name()) {
                continue;
            }
            let d = describe(field);
            let chars = is_char_type(d.sql_type);
            let md = field.metadata();
            let remarks = match (md.get("kintone.code"), md.get("kintone.type")) {
                (Some(code), Some(ty)) => Some(match md.get("kintone.unit") {
                    // `UseUnitForNumericField`: why a NUMBER is text.
                    Some(unit) => format!("Kintone field {code} ({ty}, unit {unit})"),
                    None => format!("Kintone field {code} ({ty})"),
                }),
                (None, Some(ty)) => Some(format!("Kintone {ty}")),
                _ => None,
            };
            let nullable = field.is_nullable();
            rows.push(vec![
                NULL_S,
                NULL_S,
                s(t.name),
                s(field.name()),
                Cell::I16(Some(d.sql_type)),
                s(&d.type_name),
                Cell::I32(Some(clamp_i32(d.column_size))),
                Cell::I32(Some(clamp_i32(d.octet_length))),
                Cell::I16(if chars { None } else { Some(d.decimal_digits) }),
                Cell::I16(if d.num_prec_radix == 0 {
                    None
                } else {
                    Some(d.num_prec_radix)
                }),
                Cell::I16(Some(if nullable {
                    sys::SQL_NULLABLE
                } else {
                    sys::SQL_NO_NULLS
                })),
                Cell::S(remarks),
                NULL_S,
                Cell::I16(Some(d.verbose_type)),
                Cell::I16(if d.verbose_type == sys::SQL_DATETIME {
                    Some(d.datetime_code)
                } else {
                    None
                }),
                Cell::I32(if chars {
                    Some(clamp_i32(d.octet_length))
                } else {
                    None
                }),
                Cell::I32(Some(clamp_i32(i + 1))),
                s(if nullable { "YES" } else { "NO" }),
            ]);
        }
    }
    build(schema, rows)
}

// ---------------------------------------------------------------------------------
// Keys and indexes.

/// SQLPrimaryKeys for the table named `table` (not a pattern).
pub fn primary_keys(cat: &Catalog, table: &str) -> MetaResult {
    primary_keys_filtered(cat, &Filter::default(), table)
}

/// SQLPrimaryKeys with the catalog/schema arguments and `SQL_ATTR_METADATA_ID`.
pub fn primary_keys_filtered(cat: &Catalog, f: &Filter, table: &str) -> MetaResult {
    let schema = primary_keys_schema();
    if !container_ok(f) {
        return build(schema, Vec::new());
    }
    let Some(t) = find_table(cat, table, f.metadata_id) else {
        return build(schema, Vec::new());
    };
    let rows = key_columns(t)
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                NULL_S,
                NULL_S,
                s(&t.name),
                s(c),
                Cell::I16(Some(clamp_i16(i + 1))),
                Cell::S(Some(pk_name(&t.name))),
            ]
        })
        .collect();
    build(schema, rows)
}

fn clamp_i16(v: usize) -> i16 {
    i16::try_from(v).unwrap_or(i16::MAX)
}

/// SQLForeignKeys: each subtable's `$id` references its app's `$id`. With `pk_table`
/// the keys referencing that table; with `fk_table` the keys that table holds; with
/// both, the key between them.
pub fn foreign_keys(cat: &Catalog, pk_table: Option<&str>, fk_table: Option<&str>) -> MetaResult {
    let schema = foreign_keys_schema();
    let pk_table = pk_table.filter(|t| !t.is_empty());
    let fk_table = fk_table.filter(|t| !t.is_empty());
    if pk_table.is_none() && fk_table.is_none() {
        return Err(MetaError::new(
            "HY009",
            "SQLForeignKeys needs PKTableName or FKTableName",
        ));
    }
    let mut pairs: Vec<(&TableDef, &TableDef)> = Vec::new();
    for child in &cat.tables {
        if !matches!(child.kind, TableKind::Subtable { .. }) {
            continue;
        }
        let parent = cat
            .tables
            .iter()
            .find(|p| p.kind == TableKind::App && p.app_id == child.app_id);
        let Some(parent) = parent else { continue };
        if pk_table.is_some_and(|n| n != parent.name) || fk_table.is_some_and(|n| n != child.name) {
            continue;
        }
        pairs.push((parent, child));
    }
    // With PKTableName: ordered by the foreign-key table; otherwise by the primary-key
    // table (then the foreign-key table, for a stable order).
    if pk_table.is_some() {
        pairs.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    } else {
        pairs.sort_by(|a, b| (&a.0.name, &a.1.name).cmp(&(&b.0.name, &b.1.name)));
    }
    let mut rows = Vec::new();
    for (parent, child) in pairs {
        let pk_col = key_columns(parent).first().map(|c| c.to_string());
        let fk_col = key_columns(child).first().map(|c| c.to_string());
        let (Some(pk_col), Some(fk_col)) = (pk_col, fk_col) else {
            continue;
        };
        rows.push(vec![
            NULL_S,
            NULL_S,
            s(&parent.name),
            Cell::S(Some(pk_col)),
            NULL_S,
            NULL_S,
            s(&child.name),
            Cell::S(Some(fk_col)),
            Cell::I16(Some(1)),
            // `$id` never changes; deleting a record deletes its subtable rows.
            Cell::I16(Some(SQL_NO_ACTION)),
            Cell::I16(Some(SQL_CASCADE)),
            Cell::S(Some(format!("FK_{}", child.name))),
            Cell::S(Some(pk_name(&parent.name))),
            Cell::I16(Some(SQL_NOT_DEFERRABLE)),
        ]);
    }
    build(schema, rows)
}

/// SQLStatistics: the table row (cardinality unknown without a request) and the
/// unique primary-key index. `unique_only` (SQL_INDEX_UNIQUE) changes nothing since
/// the only index is unique.
pub fn statistics(cat: &Catalog, table: &str, unique_only: bool) -> MetaResult {
    let _ = unique_only;
    let schema = statistics_schema();
    let Some(t) = cat.table(table) else {
        return build(schema, Vec::new());
    };
    let mut rows = vec![vec![
        NULL_S,
        NULL_S,
        s(&t.name),
        Cell::I16(None),
        NULL_S,
        NULL_S,
        Cell::I16(Some(SQL_TABLE_STAT)),
        Cell::I16(None),
        NULL_S,
        NULL_S,
        Cell::I32(None),
        Cell::I32(None),
        NULL_S,
    ]];
    for (i, c) in key_columns(t).into_iter().enumerate() {
        rows.push(vec![
            NULL_S,
            NULL_S,
            s(&t.name),
            Cell::I16(Some(sys::SQL_FALSE)),
            NULL_S,
            Cell::S(Some(pk_name(&t.name))),
            Cell::I16(Some(SQL_INDEX_OTHER)),
            Cell::I16(Some(clamp_i16(i + 1))),
            s(c),
            s("A"),
            Cell::I32(None),
            Cell::I32(None),
            NULL_S,
        ]);
    }
    build(schema, rows)
}

/// SQLSpecialColumns: SQL_BEST_ROWID is the key (valid for the session: record and
/// row ids never change), SQL_ROWVER is `$revision` (apps only).
pub fn special_columns(
    cat: &Catalog,
    id_type: u16,
    table: &str,
    scope: u16,
    nullable: u16,
) -> MetaResult {
    let schema = special_columns_schema();
    if id_type != SQL_BEST_ROWID && id_type != SQL_ROWVER {
        return Err(MetaError::new(
            "HY097",
            format!("IdentifierType {id_type} is not SQL_BEST_ROWID or SQL_ROWVER"),
        ));
    }
    if !matches!(
        scope,
        SQL_SCOPE_CURROW | SQL_SCOPE_TRANSACTION | SQL_SCOPE_SESSION
    ) {
        return Err(MetaError::new(
            "HY098",
            format!("Scope {scope} is not valid"),
        ));
    }
    if nullable != sys::SQL_NO_NULLS as u16 && nullable != sys::SQL_NULLABLE as u16 {
        return Err(MetaError::new(
            "HY099",
            format!("Nullable {nullable} is not SQL_NO_NULLS or SQL_NULLABLE"),
        ));
    }
    let Some(t) = cat.table(table) else {
        return build(schema, Vec::new());
    };
    let names: Vec<&str> = if id_type == SQL_BEST_ROWID {
        key_columns(t)
    } else {
        t.columns
            .iter()
            .filter(|c| c.source == Source::Revision)
            .map(|c| c.name.as_str())
            .collect()
    };
    let mut rows = Vec::new();
    for name in names {
        let Ok(field) = t.schema.field_with_name(name) else {
            continue;
        };
        // Key and revision columns are BIGINT: the wide width does not matter.
        let d = ColumnType::from(crate::types::describe(field, WcharMode::Utf16));
        rows.push(vec![
            Cell::I16(if id_type == SQL_BEST_ROWID {
                Some(SQL_SCOPE_SESSION as i16)
            } else {
                None
            }),
            s(name),
            Cell::I16(Some(d.sql_type)),
            s(&d.type_name),
            Cell::I32(Some(clamp_i32(d.column_size))),
            Cell::I32(Some(clamp_i32(d.octet_length))),
            Cell::I16(Some(d.decimal_digits)),
            Cell::I16(Some(SQL_PC_NOT_PSEUDO)),
        ]);
    }
    build(schema, rows)
}

// ---------------------------------------------------------------------------------
// Procedures (the SQL layer's registry) and privileges (none).

/// SQLProcedures' PROCEDURE_TYPE: the procedure returns no value (a result set only).
pub const SQL_PT_PROCEDURE: i16 = 1;
/// SQLProcedureColumns' COLUMN_TYPE of an input parameter and of a result-set column.
pub const SQL_PARAM_INPUT: i16 = 1;
pub const SQL_RESULT_COL: i16 = 3;

fn selected_procedures(f: &Filter) -> Vec<&'static procedures::Procedure> {
    if !container_ok(f) {
        return Vec::new();
    }
    // The registry is sorted by name: the order the spec prescribes.
    procedures::all()
        .iter()
        .copied()
        .filter(|p| selects(f.name, f.metadata_id, p.name))
        .collect()
}

/// SQLProcedures: every registered procedure (inputs only, one result set each).
pub fn procedures(f: &Filter) -> MetaResult {
    let rows = selected_procedures(f)
        .into_iter()
        .map(|p| {
            vec![
                NULL_S,
                NULL_S,
                s(p.name),
                Cell::I32(Some(clamp_i32(p.params.len()))),
                Cell::I32(Some(0)),
                Cell::I32(Some(1)),
                s(p.description),
                Cell::I16(Some(SQL_PT_PROCEDURE)),
            ]
        })
        .collect();
    build(procedures_schema(), rows)
}

/// SQLProcedureColumns: per procedure, its input parameters in call order, then the
/// columns of its result set, typed as SQLDescribeParam and SQLDescribeCol report them.
pub fn procedure_columns(f: &Filter, column: Option<&str>, mode: WcharMode) -> MetaResult {
    let mut rows = Vec::new();
    for p in selected_procedures(f) {
        let params = p.params.iter().enumerate().map(|(i, q)| {
            (
                SQL_PARAM_INPUT,
                i,
                q.name,
                q.ty,
                !q.required,
                q.description,
                q.default,
            )
        });
        let cols = p.columns.iter().enumerate().map(|(i, c)| {
            (
                SQL_RESULT_COL,
                i,
                c.name,
                c.ty,
                c.nullable,
                c.description,
                None,
            )
        });
        for (kind, i, name, ty, nullable, remarks, default) in params.chain(cols) {
            if !selects(column, f.metadata_id, name) {
                continue;
            }
            let d = crate::types::describe(&Field::new(name, ty.data_type(), nullable), mode);
            let chars = is_char_type(d.sql_type);
            let remarks = match default {
                Some(def) => format!("{remarks} Default: {def}."),
                None => remarks.to_string(),
            };
            rows.push(vec![
                NULL_S,
                NULL_S,
                s(p.name),
                s(name),
                Cell::I16(Some(kind)),
                Cell::I16(Some(d.sql_type)),
                s(d.type_name),
                Cell::I32(Some(clamp_i32(d.column_size))),
                Cell::I32(Some(clamp_i32(d.octet_length))),
                Cell::I16(if chars { None } else { Some(d.decimal_digits) }),
                Cell::I16(if d.num_prec_radix == 0 {
                    None
                } else {
                    Some(d.num_prec_radix)
                }),
                Cell::I16(Some(if nullable {
                    sys::SQL_NULLABLE
                } else {
                    sys::SQL_NO_NULLS
                })),
                Cell::S(Some(remarks)),
                // COLUMN_DEF is a literal or NULL; our defaults are described in words
                // (they depend on the connection), so they go to REMARKS' end instead.
                NULL_S,
                Cell::I16(Some(d.verbose_type)),
                Cell::I16(if d.verbose_type == sys::SQL_DATETIME {
                    Some(d.datetime_code)
                } else {
                    None
                }),
                Cell::I32(if chars {
                    Some(clamp_i32(d.octet_length))
                } else {
                    None
                }),
                Cell::I32(Some(clamp_i32(i + 1))),
                s(if nullable { "YES" } else { "NO" }),
            ]);
        }
    }
    build(procedure_columns_schema(), rows)
}

/// SQLTablePrivileges: Kintone permissions are not mapped to SQL privileges.
pub fn table_privileges(cat: &Catalog, f: &Filter) -> MetaResult {
    let _ = (cat, f);
    build(table_privileges_schema(), Vec::new())
}

/// SQLColumnPrivileges: Kintone field permissions are not mapped to SQL privileges.
pub fn column_privileges(cat: &Catalog, f: &Filter, column: Option<&str>) -> MetaResult {
    let _ = (cat, f, column);
    build(column_privileges_schema(), Vec::new())
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
