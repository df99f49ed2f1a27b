//! How each result column is described to ODBC (SQLDescribeCol, SQLColAttribute,
//! SQLColumns, SQLGetTypeInfo): the type mapping of design.md §4.
//! (Provisional minimal version; replaced by the full mapping.)

use std::sync::Arc;

use kintone_sql::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use kintone_sql::arrow::record_batch::RecordBatch;

use crate::encoding::WcharMode;
use crate::sys::*;

#[derive(Clone, Debug)]
pub struct SqlTypeDesc {
    pub sql_type: i16,
    pub verbose_type: i16,
    pub datetime_code: i16,
    pub column_size: usize,
    pub decimal_digits: i16,
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

pub fn describe(field: &Field, mode: WcharMode) -> SqlTypeDesc {
    let (sql_type, size, digits, name) = match field.data_type() {
        DataType::Int64 => (SQL_BIGINT, 19, 0, "BIGINT"),
        DataType::Int32 => (SQL_INTEGER, 10, 0, "INTEGER"),
        DataType::Int16 => (SQL_SMALLINT, 5, 0, "SMALLINT"),
        DataType::Float64 => (SQL_DOUBLE, 15, 0, "DOUBLE"),
        DataType::Decimal128(p, s) => (SQL_DECIMAL, *p as usize, *s as i16, "DECIMAL"),
        DataType::Date32 => (SQL_TYPE_DATE, 10, 0, "DATE"),
        DataType::Time64(_) => (SQL_TYPE_TIME, 8, 0, "TIME"),
        DataType::Timestamp(_, _) => (SQL_TYPE_TIMESTAMP, 26, 6, "TIMESTAMP"),
        DataType::Boolean => (SQL_BIT, 1, 0, "BIT"),
        _ => (SQL_WVARCHAR, 4000, 0, "WVARCHAR"),
    };
    let text = sql_type == SQL_WVARCHAR;
    SqlTypeDesc {
        sql_type,
        verbose_type: if matches!(sql_type, SQL_TYPE_DATE | SQL_TYPE_TIME | SQL_TYPE_TIMESTAMP) { SQL_DATETIME } else { sql_type },
        datetime_code: match sql_type { SQL_TYPE_DATE => 1, SQL_TYPE_TIME => 2, SQL_TYPE_TIMESTAMP => 3, _ => 0 },
        column_size: size,
        decimal_digits: digits,
        octet_length: if text { (size * mode.width()) as isize } else { size as isize },
        display_size: size as isize,
        type_name: name,
        unsigned: false,
        num_prec_radix: if text { 0 } else { 10 },
        searchable: SQL_PRED_SEARCHABLE,
        case_sensitive: text,
        fixed_prec_scale: false,
        literal_prefix: if text { Some("'") } else { None },
        literal_suffix: if text { Some("'") } else { None },
    }
}

pub fn default_c_type(sql_type: i16) -> i16 {
    match sql_type {
        SQL_BIGINT => SQL_C_SBIGINT,
        SQL_INTEGER => SQL_C_SLONG,
        SQL_SMALLINT => SQL_C_SSHORT,
        SQL_DOUBLE => SQL_C_DOUBLE,
        SQL_BIT => SQL_C_BIT,
        SQL_TYPE_DATE => SQL_C_TYPE_DATE,
        SQL_TYPE_TIME => SQL_C_TYPE_TIME,
        SQL_TYPE_TIMESTAMP => SQL_C_TYPE_TIMESTAMP,
        SQL_WVARCHAR | SQL_WLONGVARCHAR | SQL_WCHAR => SQL_C_WCHAR,
        _ => SQL_C_CHAR,
    }
}

pub fn type_info(_data_type: i16, _mode: WcharMode) -> (SchemaRef, Vec<RecordBatch>) {
    (Arc::new(Schema::empty()), Vec::new())
}
