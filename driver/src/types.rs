//! How each result column is described to ODBC (SQLDescribeCol, SQLColAttribute,
//! SQLColumns, SQLGetTypeInfo): the type mapping of design.md §4.
//!
//! | Arrow (from the SQL layer) | SQL type | column size, decimal digits |
//! |---|---|---|
//! | Utf8, LargeUtf8, Utf8View | WVARCHAR, or WLONGVARCHAR for MULTI_LINE_TEXT, RICH_TEXT, FILE | `odbc.column_size` metadata, else `kintone.max_length`, else by `kintone.type` (see [`text_size`]) |
//! | Decimal32/64/128/256(p, s) | DECIMAL | p, s (a negative s reads as 0) |
//! | Float64 | DOUBLE | 15 (decimal digits, radix 10: appendix D's column size) |
//! | Float32, Float16 | REAL | 7 |
//! | Int64, UInt32 | BIGINT | 19 |
//! | Int32, UInt16 | INTEGER | 10 |
//! | Int16, UInt8 | SMALLINT | 5 |
//! | Int8 | TINYINT | 3 |
//! | UInt64 | DECIMAL(20, 0) | so that no value is out of range |
//! | Boolean | BIT | 1 |
//! | Date32, Date64 | TYPE_DATE | 10 |
//! | Time32, Time64 | TYPE_TIME | 8, 0: Kintone times have no fraction; a fraction still shows in text |
//! | Timestamp(s/ms/µs/ns, tz) | TYPE_TIMESTAMP | 19/23/26/29, 0/3/6/9 |
//! | Binary, LargeBinary, BinaryView, FixedSizeBinary | VARBINARY | `odbc.column_size`, else the fixed size, else 8000 |
//! | Null, Dictionary, List, Struct, Map, Interval, Duration ... | WVARCHAR | as text (Arrow's display form) |
//!
//! Every SQL type produced here has exactly one row in [`type_info`], whose
//! `TYPE_NAME` is a name the SQL layer (DataFusion) accepts in `CAST`.

use std::sync::Arc;

use kintone_sql::arrow::array::{ArrayRef, Int16Array, Int32Array, RecordBatch, StringArray};
use kintone_sql::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::encoding::WcharMode;
use crate::sys::*;

/// Width of short text columns (SINGLE_LINE_TEXT, choices, user codes, expression
/// results) when no metadata gives one. Kintone does not report a maximum unless the
/// field sets `maxLength`; 4000 keeps row-array buffers of BI tools reasonable while
/// covering the values Kintone users put in one-line fields.
pub const DEFAULT_TEXT_SIZE: usize = 4000;
/// Width of long text (MULTI_LINE_TEXT, RICH_TEXT, FILE): Kintone's 65,535-char limit.
pub const LONG_TEXT_SIZE: usize = 65535;
/// RECORD_NUMBER: an app code (at most 64 characters) plus `-` plus the number.
pub const RECORD_NUMBER_SIZE: usize = 128;
/// Binary columns without a size.
pub const DEFAULT_BINARY_SIZE: usize = 8000;
/// Metadata key a producer (the catalog functions) sets to fix a text column's width.
pub const MD_COLUMN_SIZE: &str = "odbc.column_size";
pub const MD_KINTONE_TYPE: &str = "kintone.type";
pub const MD_KINTONE_MAX_LENGTH: &str = "kintone.max_length";

/// `SQL_SEARCHABLE` (= `SQL_PRED_SEARCHABLE`): usable in every `WHERE` predicate.
pub const SQL_SEARCHABLE: i16 = 3;
pub const SQL_ALL_EXCEPT_LIKE: i16 = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlTypeDesc {
    /// Concise type.
    pub sql_type: i16,
    /// `SQL_DATETIME` for date/time/timestamp, else `sql_type`.
    pub verbose_type: i16,
    /// `SQL_CODE_DATE/TIME/TIMESTAMP` or 0.
    pub datetime_code: i16,
    /// Characters for text, precision for numbers, characters of the literal for datetimes.
    pub column_size: usize,
    pub decimal_digits: i16,
    /// Bytes of the SQL value: text counts `column_size` wide characters.
    pub octet_length: isize,
    pub display_size: isize,
    pub type_name: &'static str,
    pub unsigned: bool,
    pub num_prec_radix: i16,
    pub searchable: i16,
    pub case_sensitive: bool,
    pub fixed_prec_scale: bool,
    pub literal_prefix: Option<&'static str>,
    pub literal_suffix: Option<&'static str>,
}

impl SqlTypeDesc {
    fn text(sql_type: i16, size: usize, mode: WcharMode) -> Self {
        let size = size.max(1);
        SqlTypeDesc {
            sql_type,
            verbose_type: sql_type,
            datetime_code: 0,
            column_size: size,
            decimal_digits: 0,
            octet_length: isize::try_from(size.saturating_mul(mode.width())).unwrap_or(isize::MAX),
            display_size: isize::try_from(size).unwrap_or(isize::MAX),
            type_name: if sql_type == SQL_WLONGVARCHAR {
                "TEXT"
            } else {
                "VARCHAR"
            },
            unsigned: false,
            num_prec_radix: 0,
            searchable: SQL_SEARCHABLE,
            case_sensitive: true,
            fixed_prec_scale: false,
            literal_prefix: Some("'"),
            literal_suffix: Some("'"),
        }
    }

    fn binary(size: usize) -> Self {
        let size = size.max(1);
        let octets = isize::try_from(size).unwrap_or(isize::MAX);
        SqlTypeDesc {
            sql_type: SQL_VARBINARY,
            verbose_type: SQL_VARBINARY,
            datetime_code: 0,
            column_size: size,
            decimal_digits: 0,
            octet_length: octets,
            // Two hex digits a byte.
            display_size: octets.saturating_mul(2),
            type_name: "BYTEA",
            unsigned: false,
            num_prec_radix: 0,
            searchable: SQL_ALL_EXCEPT_LIKE,
            case_sensitive: false,
            fixed_prec_scale: false,
            literal_prefix: Some("X'"),
            literal_suffix: Some("'"),
        }
    }

    fn number(
        sql_type: i16,
        type_name: &'static str,
        size: usize,
        digits: i16,
        octets: isize,
        display: isize,
        radix: i16,
    ) -> Self {
        SqlTypeDesc {
            sql_type,
            verbose_type: sql_type,
            datetime_code: 0,
            column_size: size,
            decimal_digits: digits,
            octet_length: octets,
            display_size: display,
            type_name,
            unsigned: false,
            num_prec_radix: radix,
            searchable: SQL_SEARCHABLE,
            case_sensitive: false,
            fixed_prec_scale: false,
            literal_prefix: None,
            literal_suffix: None,
        }
    }

    fn decimal(p: u8, s: i8) -> Self {
        let p = usize::from(p.max(1));
        let s = i16::from(s.max(0));
        // Sign and decimal point.
        let display = isize::try_from(p).unwrap_or(isize::MAX) + 2;
        Self::number(SQL_DECIMAL, "DECIMAL", p, s, display, display, 10)
    }

    fn datetime(sql_type: i16, code: i16, name: &'static str, size: usize, digits: i16) -> Self {
        let octets = if sql_type == SQL_TYPE_TIMESTAMP {
            16
        } else {
            6
        };
        SqlTypeDesc {
            sql_type,
            verbose_type: SQL_DATETIME,
            datetime_code: code,
            column_size: size,
            decimal_digits: digits,
            octet_length: octets,
            display_size: isize::try_from(size).unwrap_or(isize::MAX),
            type_name: name,
            unsigned: false,
            num_prec_radix: 0,
            searchable: SQL_SEARCHABLE,
            case_sensitive: false,
            fixed_prec_scale: false,
            literal_prefix: Some("'"),
            literal_suffix: Some("'"),
        }
    }
}

/// The description of one result column.
pub fn describe(field: &Field, mode: WcharMode) -> SqlTypeDesc {
    describe_type(field.data_type(), field, mode)
}

/// The description of a parameter whose type the SQL layer inferred
/// (`Prepared::param_types`, for SQLDescribeParam); an unknown type is text, which
/// converts to anything.
pub fn describe_param(data_type: Option<&DataType>, mode: WcharMode) -> SqlTypeDesc {
    let field = Field::new("", data_type.cloned().unwrap_or(DataType::Utf8), true);
    describe(&field, mode)
}

fn describe_type(dt: &DataType, field: &Field, mode: WcharMode) -> SqlTypeDesc {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let (sql_type, size) = text_size(field);
            SqlTypeDesc::text(sql_type, size, mode)
        }
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => SqlTypeDesc::decimal(*p, *s),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => SqlTypeDesc::decimal(*p, *s),
        DataType::Float64 => SqlTypeDesc::number(SQL_DOUBLE, "DOUBLE", 15, 0, 8, 24, 10),
        DataType::Float32 | DataType::Float16 => {
            SqlTypeDesc::number(SQL_REAL, "REAL", 7, 0, 4, 14, 10)
        }
        DataType::Int64 | DataType::UInt32 => {
            SqlTypeDesc::number(SQL_BIGINT, "BIGINT", 19, 0, 8, 20, 10)
        }
        DataType::Int32 | DataType::UInt16 => {
            SqlTypeDesc::number(SQL_INTEGER, "INTEGER", 10, 0, 4, 11, 10)
        }
        DataType::Int16 | DataType::UInt8 => {
            SqlTypeDesc::number(SQL_SMALLINT, "SMALLINT", 5, 0, 2, 6, 10)
        }
        DataType::Int8 => SqlTypeDesc::number(SQL_TINYINT, "TINYINT", 3, 0, 1, 4, 10),
        DataType::UInt64 => SqlTypeDesc::decimal(20, 0),
        DataType::Boolean => SqlTypeDesc {
            num_prec_radix: 0,
            ..SqlTypeDesc::number(SQL_BIT, "BOOLEAN", 1, 0, 1, 1, 0)
        },
        DataType::Date32 | DataType::Date64 => {
            SqlTypeDesc::datetime(SQL_TYPE_DATE, SQL_CODE_DATE, "DATE", 10, 0)
        }
        DataType::Time32(_) | DataType::Time64(_) => {
            SqlTypeDesc::datetime(SQL_TYPE_TIME, SQL_CODE_TIME, "TIME", 8, 0)
        }
        DataType::Timestamp(unit, _) => {
            let (size, digits) = match unit {
                TimeUnit::Second => (19, 0),
                TimeUnit::Millisecond => (23, 3),
                TimeUnit::Microsecond => (26, 6),
                TimeUnit::Nanosecond => (29, 9),
            };
            SqlTypeDesc::datetime(
                SQL_TYPE_TIMESTAMP,
                SQL_CODE_TIMESTAMP,
                "TIMESTAMP",
                size,
                digits,
            )
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            SqlTypeDesc::binary(metadata_size(field, MD_COLUMN_SIZE).unwrap_or(DEFAULT_BINARY_SIZE))
        }
        DataType::FixedSizeBinary(n) => SqlTypeDesc::binary(
            metadata_size(field, MD_COLUMN_SIZE)
                .unwrap_or_else(|| usize::try_from(*n).unwrap_or(DEFAULT_BINARY_SIZE)),
        ),
        // Everything else reaches the application as its text form.
        _ => SqlTypeDesc::text(
            SQL_WVARCHAR,
            metadata_size(field, MD_COLUMN_SIZE).unwrap_or(DEFAULT_TEXT_SIZE),
            mode,
        ),
    }
}

fn metadata_size(field: &Field, key: &str) -> Option<usize> {
    field
        .metadata()
        .get(key)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
}

/// The SQL type and width of a text column, from its metadata.
pub fn text_size(field: &Field) -> (i16, usize) {
    let kind = field
        .metadata()
        .get(MD_KINTONE_TYPE)
        .map(String::as_str)
        .unwrap_or("");
    let long = matches!(kind, "MULTI_LINE_TEXT" | "RICH_TEXT" | "FILE");
    let sql_type = if long { SQL_WLONGVARCHAR } else { SQL_WVARCHAR };
    if let Some(n) =
        metadata_size(field, MD_COLUMN_SIZE).or_else(|| metadata_size(field, MD_KINTONE_MAX_LENGTH))
    {
        return (sql_type, n);
    }
    let size = match kind {
        _ if long => LONG_TEXT_SIZE,
        "RECORD_NUMBER" => RECORD_NUMBER_SIZE,
        _ => DEFAULT_TEXT_SIZE,
    };
    (sql_type, size)
}

/// The C type `SQL_C_DEFAULT` stands for with a column of `sql_type`.
pub fn default_c_type(sql_type: i16) -> i16 {
    match sql_type {
        SQL_CHAR | SQL_VARCHAR | SQL_LONGVARCHAR | SQL_DECIMAL | SQL_NUMERIC => SQL_C_CHAR,
        SQL_WCHAR | SQL_WVARCHAR | SQL_WLONGVARCHAR => SQL_C_WCHAR,
        SQL_BIT => SQL_C_BIT,
        SQL_TINYINT => SQL_C_STINYINT,
        SQL_SMALLINT => SQL_C_SSHORT,
        SQL_INTEGER => SQL_C_SLONG,
        SQL_BIGINT => SQL_C_SBIGINT,
        SQL_REAL => SQL_C_FLOAT,
        SQL_FLOAT | SQL_DOUBLE => SQL_C_DOUBLE,
        SQL_BINARY | SQL_VARBINARY | SQL_LONGVARBINARY => SQL_C_BINARY,
        SQL_TYPE_DATE | SQL_DATE => SQL_C_TYPE_DATE,
        SQL_TYPE_TIME | SQL_TIME => SQL_C_TYPE_TIME,
        SQL_TYPE_TIMESTAMP | SQL_TIMESTAMP => SQL_C_TYPE_TIMESTAMP,
        SQL_GUID => SQL_C_GUID,
        _ => SQL_C_CHAR,
    }
}

/// The ODBC 3 code for an ODBC 2 datetime type code (9/10/11), else the code itself.
pub fn odbc3_type(sql_type: i16) -> i16 {
    match sql_type {
        SQL_DATE => SQL_TYPE_DATE,
        SQL_TIME => SQL_TYPE_TIME,
        SQL_TIMESTAMP => SQL_TYPE_TIMESTAMP,
        t => t,
    }
}

/// The Arrow type (with metadata) whose [`describe`] is the `SQLGetTypeInfo` row of
/// `sql_type`; the rows below are built from these, so the two never disagree.
fn representative(sql_type: i16) -> Option<Field> {
    let field = |dt: DataType| Field::new("", dt, true);
    let text = |kind: &str| {
        field(DataType::Utf8).with_metadata(
            [
                (MD_KINTONE_TYPE.to_string(), kind.to_string()),
                (MD_COLUMN_SIZE.to_string(), LONG_TEXT_SIZE.to_string()),
            ]
            .into_iter()
            .collect(),
        )
    };
    Some(match sql_type {
        SQL_WLONGVARCHAR => text("MULTI_LINE_TEXT"),
        SQL_WVARCHAR => text("SINGLE_LINE_TEXT"),
        SQL_BIT => field(DataType::Boolean),
        SQL_TINYINT => field(DataType::Int8),
        SQL_BIGINT => field(DataType::Int64),
        SQL_VARBINARY => field(DataType::Binary).with_metadata(
            [(MD_COLUMN_SIZE.to_string(), LONG_TEXT_SIZE.to_string())]
                .into_iter()
                .collect(),
        ),
        SQL_DECIMAL => field(DataType::Decimal128(38, 0)),
        SQL_INTEGER => field(DataType::Int32),
        SQL_SMALLINT => field(DataType::Int16),
        SQL_REAL => field(DataType::Float32),
        SQL_DOUBLE => field(DataType::Float64),
        SQL_TYPE_DATE => field(DataType::Date32),
        SQL_TYPE_TIME => field(DataType::Time64(TimeUnit::Nanosecond)),
        SQL_TYPE_TIMESTAMP => field(DataType::Timestamp(
            TimeUnit::Microsecond,
            Some("UTC".into()),
        )),
        _ => return None,
    })
}

/// Every type [`describe`] can report, in `SQLGetTypeInfo` order (by DATA_TYPE).
pub const TYPE_INFO_ORDER: [i16; 14] = [
    SQL_WLONGVARCHAR,
    SQL_WVARCHAR,
    SQL_BIT,
    SQL_TINYINT,
    SQL_BIGINT,
    SQL_VARBINARY,
    SQL_DECIMAL,
    SQL_INTEGER,
    SQL_SMALLINT,
    SQL_REAL,
    SQL_DOUBLE,
    SQL_TYPE_DATE,
    SQL_TYPE_TIME,
    SQL_TYPE_TIMESTAMP,
];

/// Types no column is reported as that the engine still takes in `CAST` (BI tools build
/// their CASTs from `SQLGetTypeInfo`): each row is the row of the type the value
/// becomes, under its own code and name. `FLOAT` is not the name: the engine reads it
/// as 32-bit, where ODBC's `SQL_FLOAT` is double precision.
const CAST_ONLY_TYPES: [(i16, i16, &str); 5] = [
    (SQL_LONGVARCHAR, SQL_WLONGVARCHAR, "TEXT"),
    (SQL_CHAR, SQL_WVARCHAR, "CHAR"),
    (SQL_NUMERIC, SQL_DECIMAL, "NUMERIC"),
    (SQL_FLOAT, SQL_DOUBLE, "DOUBLE PRECISION"),
    (SQL_VARCHAR, SQL_WVARCHAR, "VARCHAR"),
];

/// The rows of `SQLGetTypeInfo(SQL_ALL_TYPES)`, ordered by DATA_TYPE: the reported
/// types and the cast-only ones.
fn type_info_rows() -> Vec<i16> {
    let mut rows: Vec<i16> = TYPE_INFO_ORDER.to_vec();
    rows.extend(CAST_ONLY_TYPES.iter().map(|c| c.0));
    rows.sort_unstable();
    rows
}

/// The `SQLGetTypeInfo` row of `sql_type`.
fn type_info_desc(sql_type: i16, mode: WcharMode) -> Option<SqlTypeDesc> {
    if let Some((code, base, name)) = CAST_ONLY_TYPES.iter().find(|c| c.0 == sql_type) {
        let d = describe(&representative(*base)?, mode);
        return Some(SqlTypeDesc {
            sql_type: *code,
            verbose_type: *code,
            type_name: name,
            ..d
        });
    }
    representative(sql_type).map(|f| describe(&f, mode))
}

/// Width given to the string columns of catalog result sets.
const NAME_SIZE: &str = "128";

fn type_info_schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| {
        Field::new(name, DataType::Utf8, nullable).with_metadata(
            [(MD_COLUMN_SIZE.to_string(), NAME_SIZE.to_string())]
                .into_iter()
                .collect(),
        )
    };
    let small = |name: &str, nullable: bool| Field::new(name, DataType::Int16, nullable);
    let int = |name: &str, nullable: bool| Field::new(name, DataType::Int32, nullable);
    Arc::new(Schema::new(vec![
        text("TYPE_NAME", false),
        small("DATA_TYPE", false),
        int("COLUMN_SIZE", true),
        text("LITERAL_PREFIX", true),
        text("LITERAL_SUFFIX", true),
        text("CREATE_PARAMS", true),
        small("NULLABLE", false),
        small("CASE_SENSITIVE", false),
        small("SEARCHABLE", false),
        small("UNSIGNED_ATTRIBUTE", true),
        small("FIXED_PREC_SCALE", false),
        small("AUTO_UNIQUE_VALUE", true),
        text("LOCAL_TYPE_NAME", true),
        small("MINIMUM_SCALE", true),
        small("MAXIMUM_SCALE", true),
        small("SQL_DATA_TYPE", false),
        small("SQL_DATETIME_SUB", true),
        int("NUM_PREC_RADIX", true),
        small("INTERVAL_PRECISION", true),
    ]))
}

/// `SQLGetTypeInfo`: the ODBC 3 19-column layout, one row per type [`describe`] can
/// report (all of them for `SQL_ALL_TYPES`, none for a type we never report).
pub fn type_info(data_type: i16, mode: WcharMode) -> (SchemaRef, Vec<RecordBatch>) {
    let schema = type_info_schema();
    let wanted = odbc3_type(data_type);
    let descs: Vec<SqlTypeDesc> = type_info_rows()
        .iter()
        .filter(|t| data_type == SQL_ALL_TYPES || **t == wanted)
        .filter_map(|t| type_info_desc(*t, mode))
        .collect();
    let small = |f: &dyn Fn(&SqlTypeDesc) -> Option<i16>| -> ArrayRef {
        Arc::new(descs.iter().map(f).collect::<Int16Array>())
    };
    let text = |f: &dyn Fn(&SqlTypeDesc) -> Option<&'static str>| -> ArrayRef {
        Arc::new(descs.iter().map(f).collect::<StringArray>())
    };
    let is_numeric = |d: &SqlTypeDesc| d.num_prec_radix != 0;
    let flag = |b: bool| i16::from(b);
    let columns: Vec<ArrayRef> = vec![
        text(&|d| Some(d.type_name)),
        small(&|d| Some(d.sql_type)),
        Arc::new(
            descs
                .iter()
                .map(|d| i32::try_from(d.column_size).ok())
                .collect::<Int32Array>(),
        ),
        text(&|d| d.literal_prefix),
        text(&|d| d.literal_suffix),
        text(&|d| match d.sql_type {
            SQL_WVARCHAR | SQL_VARCHAR | SQL_VARBINARY => Some("max length"),
            SQL_CHAR => Some("length"),
            SQL_DECIMAL | SQL_NUMERIC => Some("precision,scale"),
            _ => None,
        }),
        small(&|_| Some(SQL_NULLABLE)),
        small(&|d| Some(flag(d.case_sensitive))),
        small(&|d| Some(d.searchable)),
        small(&|d| is_numeric(d).then_some(flag(d.unsigned))),
        small(&|d| Some(flag(d.fixed_prec_scale))),
        small(&|d| is_numeric(d).then_some(SQL_FALSE)),
        text(&|_| None),
        small(&|d| scale_range(d).map(|r| r.0)),
        small(&|d| scale_range(d).map(|r| r.1)),
        small(&|d| Some(d.verbose_type)),
        small(&|d| (d.datetime_code != 0).then_some(d.datetime_code)),
        Arc::new(
            descs
                .iter()
                .map(|d| is_numeric(d).then_some(i32::from(d.num_prec_radix)))
                .collect::<Int32Array>(),
        ),
        small(&|_| None),
    ];
    match RecordBatch::try_new(schema.clone(), columns) {
        Ok(batch) => (schema, vec![batch]),
        // Cannot happen with the columns above; an empty result is the safe answer.
        Err(_) => (schema, Vec::new()),
    }
}

/// MINIMUM_SCALE and MAXIMUM_SCALE of a type-info row.
fn scale_range(d: &SqlTypeDesc) -> Option<(i16, i16)> {
    match d.sql_type {
        SQL_DECIMAL | SQL_NUMERIC => Some((0, i16::try_from(d.column_size).unwrap_or(38))),
        SQL_TINYINT | SQL_SMALLINT | SQL_INTEGER | SQL_BIGINT => Some((0, 0)),
        SQL_TYPE_TIMESTAMP => Some((0, 9)),
        SQL_TYPE_TIME => Some((0, 0)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kintone_sql::arrow::array::{Array, AsArray};
    use kintone_sql::arrow::datatypes::{Int16Type, Int32Type};
    use std::collections::HashMap;

    fn f(dt: DataType) -> Field {
        Field::new("c", dt, true)
    }

    fn with_md(dt: DataType, md: &[(&str, &str)]) -> Field {
        f(dt).with_metadata(
            md.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    #[test]
    fn text_widths_come_from_metadata_then_kintone_type() {
        let u = WcharMode::Utf16;
        let d = describe(&with_md(DataType::Utf8, &[("odbc.column_size", "128")]), u);
        assert_eq!(
            (d.sql_type, d.column_size, d.octet_length, d.display_size),
            (SQL_WVARCHAR, 128, 256, 128)
        );
        let d = describe(
            &with_md(
                DataType::Utf8,
                &[
                    ("kintone.type", "SINGLE_LINE_TEXT"),
                    ("kintone.max_length", "64"),
                ],
            ),
            WcharMode::Ucs4,
        );
        assert_eq!(
            (d.sql_type, d.column_size, d.octet_length),
            (SQL_WVARCHAR, 64, 256)
        );
        let d = describe(
            &with_md(DataType::Utf8, &[("kintone.type", "MULTI_LINE_TEXT")]),
            u,
        );
        assert_eq!(
            (d.sql_type, d.column_size, d.type_name),
            (SQL_WLONGVARCHAR, 65535, "TEXT")
        );
        let d = describe(
            &with_md(DataType::Utf8, &[("kintone.type", "RICH_TEXT")]),
            u,
        );
        assert_eq!(d.sql_type, SQL_WLONGVARCHAR);
        let d = describe(&with_md(DataType::Utf8, &[("kintone.type", "FILE")]), u);
        assert_eq!((d.sql_type, d.column_size), (SQL_WLONGVARCHAR, 65535));
        let d = describe(
            &with_md(DataType::Utf8, &[("kintone.type", "RECORD_NUMBER")]),
            u,
        );
        assert_eq!((d.sql_type, d.column_size), (SQL_WVARCHAR, 128));
        let d = describe(&f(DataType::Utf8View), u);
        assert_eq!(
            (d.sql_type, d.column_size, d.type_name),
            (SQL_WVARCHAR, 4000, "VARCHAR")
        );
        // A zero or garbage size never yields a zero-width column.
        let d = describe(&with_md(DataType::Utf8, &[("odbc.column_size", "0")]), u);
        assert_eq!(d.column_size, 4000);
        let d = describe(
            &with_md(DataType::LargeUtf8, &[("odbc.column_size", "x")]),
            u,
        );
        assert_eq!(d.column_size, 4000);
    }

    #[test]
    fn every_arrow_type_maps_to_a_reported_type() {
        let u = WcharMode::Utf16;
        let cases: Vec<(DataType, i16, usize, i16, isize, isize)> = vec![
            (DataType::Decimal128(38, 8), SQL_DECIMAL, 38, 8, 40, 40),
            (DataType::Decimal256(50, 2), SQL_DECIMAL, 50, 2, 52, 52),
            (DataType::Decimal128(10, -2), SQL_DECIMAL, 10, 0, 12, 12),
            (DataType::Float64, SQL_DOUBLE, 15, 0, 8, 24),
            (DataType::Float32, SQL_REAL, 7, 0, 4, 14),
            (DataType::Int64, SQL_BIGINT, 19, 0, 8, 20),
            (DataType::UInt32, SQL_BIGINT, 19, 0, 8, 20),
            (DataType::Int32, SQL_INTEGER, 10, 0, 4, 11),
            (DataType::Int16, SQL_SMALLINT, 5, 0, 2, 6),
            (DataType::UInt8, SQL_SMALLINT, 5, 0, 2, 6),
            (DataType::Int8, SQL_TINYINT, 3, 0, 1, 4),
            (DataType::UInt64, SQL_DECIMAL, 20, 0, 22, 22),
            (DataType::Boolean, SQL_BIT, 1, 0, 1, 1),
            (DataType::Date32, SQL_TYPE_DATE, 10, 0, 6, 10),
            (DataType::Date64, SQL_TYPE_DATE, 10, 0, 6, 10),
            (
                DataType::Time64(TimeUnit::Nanosecond),
                SQL_TYPE_TIME,
                8,
                0,
                6,
                8,
            ),
            (
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                SQL_TYPE_TIMESTAMP,
                26,
                6,
                16,
                26,
            ),
            (
                DataType::Timestamp(TimeUnit::Second, None),
                SQL_TYPE_TIMESTAMP,
                19,
                0,
                16,
                19,
            ),
            (
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                SQL_TYPE_TIMESTAMP,
                29,
                9,
                16,
                29,
            ),
            (DataType::Binary, SQL_VARBINARY, 8000, 0, 8000, 16000),
            (DataType::FixedSizeBinary(16), SQL_VARBINARY, 16, 0, 16, 32),
            (DataType::Null, SQL_WVARCHAR, 4000, 0, 8000, 4000),
            (
                DataType::new_list(DataType::Int64, true),
                SQL_WVARCHAR,
                4000,
                0,
                8000,
                4000,
            ),
        ];
        let reported: Vec<i16> = TYPE_INFO_ORDER.to_vec();
        for (dt, t, size, digits, octets, display) in cases {
            let d = describe(&f(dt.clone()), u);
            assert_eq!(
                (
                    d.sql_type,
                    d.column_size,
                    d.decimal_digits,
                    d.octet_length,
                    d.display_size
                ),
                (t, size, digits, octets, display),
                "{dt}"
            );
            assert!(
                reported.contains(&d.sql_type),
                "{dt} maps to a type GetTypeInfo lists"
            );
        }
    }

    #[test]
    fn parameter_descriptions() {
        let d = describe_param(Some(&DataType::Int64), WcharMode::Utf16);
        assert_eq!((d.sql_type, d.column_size), (SQL_BIGINT, 19));
        let d = describe_param(None, WcharMode::Ucs4);
        assert_eq!(
            (d.sql_type, d.column_size, d.octet_length),
            (SQL_WVARCHAR, 4000, 16000)
        );
        let d = describe_param(Some(&DataType::Decimal128(38, 8)), WcharMode::Utf16);
        assert_eq!(
            (d.sql_type, d.column_size, d.decimal_digits),
            (SQL_DECIMAL, 38, 8)
        );
    }

    #[test]
    fn datetime_descriptions_carry_verbose_type_and_code() {
        let d = describe(&f(DataType::Date32), WcharMode::Utf16);
        assert_eq!(
            (d.verbose_type, d.datetime_code, d.type_name),
            (SQL_DATETIME, SQL_CODE_DATE, "DATE")
        );
        let d = describe(&f(DataType::Time64(TimeUnit::Nanosecond)), WcharMode::Utf16);
        assert_eq!(
            (d.verbose_type, d.datetime_code),
            (SQL_DATETIME, SQL_CODE_TIME)
        );
        let d = describe(
            &f(DataType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into()),
            )),
            WcharMode::Utf16,
        );
        assert_eq!(
            (d.verbose_type, d.datetime_code, d.type_name),
            (SQL_DATETIME, SQL_CODE_TIMESTAMP, "TIMESTAMP")
        );
        let d = describe(&f(DataType::Int64), WcharMode::Utf16);
        assert_eq!(
            (
                d.verbose_type,
                d.datetime_code,
                d.num_prec_radix,
                d.unsigned
            ),
            (SQL_BIGINT, 0, 10, false)
        );
    }

    #[test]
    fn default_c_types_follow_the_spec() {
        let cases = [
            (SQL_WVARCHAR, SQL_C_WCHAR),
            (SQL_WLONGVARCHAR, SQL_C_WCHAR),
            (SQL_VARCHAR, SQL_C_CHAR),
            (SQL_DECIMAL, SQL_C_CHAR),
            (SQL_DOUBLE, SQL_C_DOUBLE),
            (SQL_REAL, SQL_C_FLOAT),
            (SQL_BIGINT, SQL_C_SBIGINT),
            (SQL_INTEGER, SQL_C_SLONG),
            (SQL_SMALLINT, SQL_C_SSHORT),
            (SQL_TINYINT, SQL_C_STINYINT),
            (SQL_BIT, SQL_C_BIT),
            (SQL_VARBINARY, SQL_C_BINARY),
            (SQL_TYPE_DATE, SQL_C_TYPE_DATE),
            (SQL_TIME, SQL_C_TYPE_TIME),
            (SQL_TYPE_TIMESTAMP, SQL_C_TYPE_TIMESTAMP),
            (SQL_GUID, SQL_C_GUID),
        ];
        for (sql, c) in cases {
            assert_eq!(default_c_type(sql), c, "{sql}");
        }
    }

    fn rows(data_type: i16) -> (SchemaRef, RecordBatch) {
        let (schema, batches) = type_info(data_type, WcharMode::Utf16);
        assert_eq!(batches.len(), 1);
        let batch = batches
            .into_iter()
            .next()
            .unwrap_or_else(|| RecordBatch::new_empty(schema.clone()));
        (schema, batch)
    }

    #[test]
    fn type_info_has_the_odbc3_layout() {
        let (schema, batch) = rows(SQL_ALL_TYPES);
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "TYPE_NAME",
                "DATA_TYPE",
                "COLUMN_SIZE",
                "LITERAL_PREFIX",
                "LITERAL_SUFFIX",
                "CREATE_PARAMS",
                "NULLABLE",
                "CASE_SENSITIVE",
                "SEARCHABLE",
                "UNSIGNED_ATTRIBUTE",
                "FIXED_PREC_SCALE",
                "AUTO_UNIQUE_VALUE",
                "LOCAL_TYPE_NAME",
                "MINIMUM_SCALE",
                "MAXIMUM_SCALE",
                "SQL_DATA_TYPE",
                "SQL_DATETIME_SUB",
                "NUM_PREC_RADIX",
                "INTERVAL_PRECISION"
            ]
        );
        // The spec's SQL types for each column, through describe().
        let want = [
            SQL_WVARCHAR,
            SQL_SMALLINT,
            SQL_INTEGER,
            SQL_WVARCHAR,
            SQL_WVARCHAR,
            SQL_WVARCHAR,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_WVARCHAR,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_SMALLINT,
            SQL_INTEGER,
            SQL_SMALLINT,
        ];
        for (field, t) in schema.fields().iter().zip(want) {
            let d = describe(field, WcharMode::Utf16);
            assert_eq!(d.sql_type, t, "{}", field.name());
            if t == SQL_WVARCHAR {
                assert_eq!(d.column_size, 128);
            }
        }
        let types: Vec<i16> = batch
            .column(1)
            .as_primitive::<Int16Type>()
            .values()
            .to_vec();
        assert_eq!(types, type_info_rows());
        // Every reported type and every cast-only one, nothing else.
        let mut union: Vec<i16> = TYPE_INFO_ORDER.to_vec();
        union.extend(CAST_ONLY_TYPES.iter().map(|c| c.0));
        union.sort();
        let mut sorted = types.clone();
        sorted.sort();
        assert_eq!(types, sorted, "ordered by DATA_TYPE");
        assert_eq!(sorted, union);
    }

    #[test]
    fn type_info_rows_agree_with_describe() {
        let (_, batch) = rows(SQL_ALL_TYPES);
        let names = batch.column(0).as_string::<i32>();
        let sizes = batch.column(2).as_primitive::<Int32Type>();
        let sql_data_type = batch.column(15).as_primitive::<Int16Type>();
        let sub = batch.column(16).as_primitive::<Int16Type>();
        let radix = batch.column(17).as_primitive::<Int32Type>();
        let unsigned = batch.column(9).as_primitive::<Int16Type>();
        for (i, t) in type_info_rows().iter().enumerate() {
            let d = type_info_desc(*t, WcharMode::Utf16).unwrap();
            assert_eq!(names.value(i), d.type_name);
            assert_eq!(sizes.value(i) as usize, d.column_size);
            assert_eq!(sql_data_type.value(i), d.verbose_type);
            assert_eq!(sub.is_null(i), d.datetime_code == 0);
            assert_eq!(radix.is_null(i), d.num_prec_radix == 0);
            assert_eq!(unsigned.is_null(i), d.num_prec_radix == 0);
        }
        // Spot values a client reads: pyodbc's COLUMN_SIZE for WVARCHAR and TIMESTAMP.
        let (_, w) = rows(SQL_WVARCHAR);
        assert_eq!(w.num_rows(), 1);
        assert_eq!(w.column(2).as_primitive::<Int32Type>().value(0), 65535);
        assert_eq!(w.column(0).as_string::<i32>().value(0), "VARCHAR");
        let (_, ts) = rows(SQL_TIMESTAMP);
        assert_eq!(ts.num_rows(), 1, "ODBC 2 code 11 means TYPE_TIMESTAMP");
        assert_eq!(
            ts.column(1).as_primitive::<Int16Type>().value(0),
            SQL_TYPE_TIMESTAMP
        );
        assert_eq!(ts.column(2).as_primitive::<Int32Type>().value(0), 26);
        assert_eq!(
            ts.column(16).as_primitive::<Int16Type>().value(0),
            SQL_CODE_TIMESTAMP
        );
        let (_, d) = rows(SQL_DATE);
        assert_eq!(
            d.column(1).as_primitive::<Int16Type>().value(0),
            SQL_TYPE_DATE
        );
        let (_, dec) = rows(SQL_DECIMAL);
        assert_eq!(dec.column(5).as_string::<i32>().value(0), "precision,scale");
        assert_eq!(dec.column(14).as_primitive::<Int16Type>().value(0), 38);
        // Narrow types no column has, for CASTs, named as the engine takes them.
        for (t, name, size) in [
            (SQL_VARCHAR, "VARCHAR", 65535),
            (SQL_CHAR, "CHAR", 65535),
            (SQL_LONGVARCHAR, "TEXT", 65535),
            (SQL_NUMERIC, "NUMERIC", 38),
            (SQL_FLOAT, "DOUBLE PRECISION", 15),
        ] {
            let (_, b) = rows(t);
            assert_eq!(b.num_rows(), 1, "{t}");
            assert_eq!(b.column(0).as_string::<i32>().value(0), name);
            assert_eq!(b.column(1).as_primitive::<Int16Type>().value(0), t);
            assert_eq!(
                b.column(2).as_primitive::<Int32Type>().value(0),
                size,
                "{t}"
            );
            assert_eq!(b.column(15).as_primitive::<Int16Type>().value(0), t);
        }
        // A type we never report nor cast to: the layout with no rows.
        let (_, none) = rows(SQL_GUID);
        assert_eq!(none.num_rows(), 0);
    }
}
