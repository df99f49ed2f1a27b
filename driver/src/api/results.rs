//! Result metadata and cursor life: SQLNumResultCols, SQLDescribeCol,
//! SQLColAttribute(s), SQLRowCount, SQLMoreResults, SQLCloseCursor.
//!
//! Metadata is available right after SQLPrepare, from the prepared plan's schema,
//! without a request to Kintone (Tableau and Power Query describe before executing).

use std::ffi::c_void;

use kintone_sql::arrow::datatypes::FieldRef;

use crate::diag::{DResult, DriverError, S01004, S07009, S24000, SHY010, SHY091};
use crate::encoding::Encoding;
use crate::ffi::{with_stmt, write_opt, write_str, LenOut, Units};
use crate::sync::lock;
use crate::sys::*;
use crate::types::SqlTypeDesc;

/// # Safety
/// `out` is null or writable.
pub unsafe fn num_result_cols(h: Handle, out: *mut i16) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        let n = match st.columns() {
            Some((schema, _)) => schema.fields().len(),
            None if st.executed => 0,
            None => {
                return Err(DriverError::new(
                    SHY010,
                    "no statement is prepared or executed",
                ))
            }
        };
        // SAFETY: per the caller's contract.
        unsafe { write_opt(out, i16::try_from(n).unwrap_or(i16::MAX)) };
        Ok(SQL_SUCCESS)
    })
}

fn column(st: &crate::stmt::StmtState, col: u16) -> DResult<(FieldRef, SqlTypeDesc)> {
    let (schema, descs) = st
        .columns()
        .ok_or_else(|| DriverError::new(SHY010, "no statement is prepared or executed"))?;
    let i = (col as usize)
        .checked_sub(1)
        .filter(|i| *i < descs.len())
        .ok_or_else(|| {
            DriverError::new(
                S07009,
                format!(
                    "column {col} does not exist (the result has {} columns; bookmarks are off)",
                    descs.len()
                ),
            )
        })?;
    match (schema.fields().get(i), descs.get(i)) {
        (Some(f), Some(d)) => Ok((f.clone(), d.clone())),
        _ => Err(DriverError::new(
            S07009,
            format!("column {col} does not exist"),
        )),
    }
}

/// # Safety
/// Output pointers are null or writable; `name` for `max` characters.
#[allow(clippy::too_many_arguments)]
pub unsafe fn describe_col<E: Encoding>(
    h: Handle,
    col: u16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    sql_type: *mut i16,
    size: *mut usize,
    digits: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        let (field, d) = column(&st, col)?;
        // SAFETY: per the caller's contract.
        let truncated = unsafe {
            write_str::<E>(
                field.name(),
                name,
                max as isize,
                LenOut::I16(name_len),
                Units::Chars,
                st.wchar,
            )?
        };
        // SAFETY: per the caller's contract.
        unsafe {
            write_opt(sql_type, d.sql_type);
            write_opt(size, d.column_size);
            write_opt(digits, d.decimal_digits);
            write_opt(
                nullable,
                if field.is_nullable() {
                    SQL_NULLABLE
                } else {
                    SQL_NO_NULLS
                },
            );
        }
        if truncated {
            s.diag.lock().warn(S01004, "the column name was truncated");
        }
        Ok(SQL_SUCCESS)
    })
}

enum Attr {
    Str(String),
    Num(isize),
}

/// # Safety
/// `text` is null or writable for `buf_len` bytes; the other pointers null or writable.
#[allow(clippy::too_many_arguments)]
pub unsafe fn col_attribute<E: Encoding>(
    h: Handle,
    col: u16,
    field_id: u16,
    text: *mut c_void,
    buf_len: i16,
    text_len: *mut i16,
    num: *mut isize,
) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        let field_id = field_id as i16;
        if field_id == SQL_DESC_COUNT || field_id == SQL_COLUMN_COUNT {
            let n = st.columns().map(|(sc, _)| sc.fields().len()).unwrap_or(0);
            // SAFETY: per the caller's contract.
            unsafe { write_opt(num, n as isize) };
            return Ok(SQL_SUCCESS);
        }
        let (f, d) = column(&st, col)?;
        let nullable = if f.is_nullable() {
            SQL_NULLABLE
        } else {
            SQL_NO_NULLS
        } as isize;
        let table = f
            .metadata()
            .get("kintone.table")
            .cloned()
            .unwrap_or_default();
        let a = match field_id {
            SQL_DESC_NAME | SQL_DESC_LABEL | SQL_COLUMN_NAME => Attr::Str(f.name().clone()),
            SQL_DESC_BASE_COLUMN_NAME => Attr::Str(f.name().clone()),
            SQL_DESC_BASE_TABLE_NAME | SQL_DESC_TABLE_NAME => Attr::Str(table),
            SQL_DESC_CATALOG_NAME | SQL_DESC_SCHEMA_NAME => Attr::Str(String::new()),
            SQL_DESC_TYPE_NAME | SQL_DESC_LOCAL_TYPE_NAME => Attr::Str(d.type_name.to_string()),
            SQL_DESC_LITERAL_PREFIX => Attr::Str(d.literal_prefix.unwrap_or_default().to_string()),
            SQL_DESC_LITERAL_SUFFIX => Attr::Str(d.literal_suffix.unwrap_or_default().to_string()),
            SQL_DESC_CONCISE_TYPE => Attr::Num(d.sql_type as isize),
            SQL_DESC_TYPE => Attr::Num(d.verbose_type as isize),
            SQL_DESC_DATETIME_INTERVAL_CODE => Attr::Num(d.datetime_code as isize),
            SQL_DESC_LENGTH => Attr::Num(d.column_size as isize),
            SQL_DESC_OCTET_LENGTH | SQL_COLUMN_LENGTH => Attr::Num(d.octet_length),
            SQL_DESC_DISPLAY_SIZE => Attr::Num(d.display_size),
            SQL_DESC_PRECISION => Attr::Num(match d.verbose_type {
                // For datetimes the descriptor's PRECISION is the fraction digits.
                SQL_DATETIME => d.decimal_digits as isize,
                _ => d.column_size as isize,
            }),
            SQL_COLUMN_PRECISION => Attr::Num(d.column_size as isize),
            SQL_DESC_SCALE | SQL_COLUMN_SCALE => Attr::Num(d.decimal_digits as isize),
            SQL_DESC_NULLABLE | SQL_COLUMN_NULLABLE => Attr::Num(nullable),
            SQL_DESC_NUM_PREC_RADIX => Attr::Num(d.num_prec_radix as isize),
            SQL_DESC_UNSIGNED => Attr::Num(if d.unsigned { 1 } else { 0 }),
            SQL_DESC_SEARCHABLE => Attr::Num(d.searchable as isize),
            SQL_DESC_CASE_SENSITIVE => Attr::Num(if d.case_sensitive { 1 } else { 0 }),
            SQL_DESC_FIXED_PREC_SCALE => Attr::Num(if d.fixed_prec_scale { 1 } else { 0 }),
            SQL_DESC_AUTO_UNIQUE_VALUE => Attr::Num(0),
            SQL_DESC_UPDATABLE => Attr::Num(SQL_ATTR_READONLY as isize),
            SQL_DESC_UNNAMED => Attr::Num(if f.name().is_empty() {
                SQL_UNNAMED
            } else {
                SQL_NAMED
            } as isize),
            other => {
                return Err(DriverError::new(
                    SHY091,
                    format!("column attribute {other} is not a descriptor field"),
                ))
            }
        };
        match a {
            Attr::Num(n) => {
                // SAFETY: per the caller's contract.
                unsafe { write_opt(num, n) };
            }
            Attr::Str(v) => {
                // SAFETY: per the caller's contract.
                if unsafe {
                    write_str::<E>(
                        &v,
                        text,
                        buf_len as isize,
                        LenOut::I16(text_len),
                        Units::Bytes,
                        st.wchar,
                    )?
                } {
                    s.diag.lock().warn(S01004, "");
                }
            }
        }
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// `out` is null or writable.
pub unsafe fn row_count(h: Handle, out: *mut isize) -> SqlReturn {
    with_stmt(h, |s| {
        let st = lock(&s.state);
        if !st.executed {
            return Err(DriverError::new(SHY010, "the statement was not executed"));
        }
        // SAFETY: per the caller's contract.
        unsafe { write_opt(out, st.row_count) };
        Ok(SQL_SUCCESS)
    })
}

pub fn more_results(h: Handle) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        match st.pending.pop_front() {
            Some(r) => {
                st.result = Some(r);
                Ok(SQL_SUCCESS)
            }
            None => {
                st.result = None;
                Ok(SQL_NO_DATA)
            }
        }
    })
}

pub fn close_cursor(h: Handle) -> SqlReturn {
    with_stmt(h, |s| {
        let mut st = lock(&s.state);
        if st.result.is_none() {
            return Err(DriverError::new(S24000, "no cursor is open"));
        }
        st.close_cursor();
        Ok(SQL_SUCCESS)
    })
}
