//! Descriptors: SQLGetDescField, SQLSetDescField, SQLGetDescRec, SQLSetDescRec,
//! SQLCopyDesc.
//!
//! A statement's four implicit descriptors are views of its state: the ARD is its
//! column bindings and row-array attributes, the APD its parameter bindings, the IRD
//! the result's column descriptions (read-only), the IPD the parameters' SQL types.
//! Explicitly allocated descriptors keep their own records.

use std::ffi::c_void;

use crate::diag::{DResult, DriverError, S01004, S07009, SHY016, SHY091, SHYC00};
use crate::encoding::Encoding;
use crate::ffi::{with_desc, write_opt, write_str, LenOut, Units};
use crate::handles::{self, DescOwner, DescRole};
use crate::stmt::{Binding, Bindings, StmtState};
use crate::sync::lock;
use crate::sys::*;
use crate::types::SqlTypeDesc;

enum Field {
    Int(isize),
    Ptr(usize),
    Str(String),
}

fn bad_field(field: i16) -> DriverError {
    DriverError::new(
        SHY091,
        format!("descriptor field {field} is not valid here"),
    )
}

/// Fields of an application descriptor record (ARD/APD or explicit).
fn app_record_field(b: &Binding, field: i16) -> DResult<Field> {
    Ok(match field {
        SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => Field::Int(b.c_type as isize),
        SQL_DESC_DATA_PTR => Field::Ptr(b.ptr as usize),
        SQL_DESC_INDICATOR_PTR => Field::Ptr(b.ind_ptr as usize),
        SQL_DESC_OCTET_LENGTH_PTR => Field::Ptr(b.octet_len_ptr as usize),
        SQL_DESC_OCTET_LENGTH | SQL_DESC_LENGTH => Field::Int(b.buffer_len),
        SQL_DESC_PRECISION => Field::Int(b.precision as isize),
        SQL_DESC_SCALE => Field::Int(b.scale as isize),
        SQL_DESC_PARAMETER_TYPE => Field::Int(b.io_type as isize),
        SQL_DESC_DATETIME_INTERVAL_CODE => Field::Int(0),
        _ => return Err(bad_field(field)),
    })
}

fn set_app_record_field(b: &mut Binding, field: i16, v: *mut c_void) -> DResult<()> {
    let n = v as isize;
    match field {
        SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => b.c_type = n as i16,
        SQL_DESC_DATA_PTR => b.ptr = v,
        SQL_DESC_INDICATOR_PTR => b.ind_ptr = v as *mut isize,
        SQL_DESC_OCTET_LENGTH_PTR => b.octet_len_ptr = v as *mut isize,
        SQL_DESC_OCTET_LENGTH | SQL_DESC_LENGTH => b.buffer_len = n,
        SQL_DESC_PRECISION => b.precision = n as i16,
        SQL_DESC_SCALE => b.scale = n as i16,
        SQL_DESC_PARAMETER_TYPE => b.io_type = n as i16,
        SQL_DESC_DATETIME_INTERVAL_CODE => {}
        _ => return Err(bad_field(field)),
    }
    Ok(())
}

fn ird_field(d: &SqlTypeDesc, name: &str, nullable: bool, field: i16) -> DResult<Field> {
    Ok(match field {
        SQL_DESC_TYPE => Field::Int(d.verbose_type as isize),
        SQL_DESC_CONCISE_TYPE => Field::Int(d.sql_type as isize),
        SQL_DESC_DATETIME_INTERVAL_CODE => Field::Int(d.datetime_code as isize),
        SQL_DESC_LENGTH => Field::Int(d.column_size as isize),
        SQL_DESC_OCTET_LENGTH => Field::Int(d.octet_length),
        SQL_DESC_PRECISION => Field::Int(if d.verbose_type == SQL_DATETIME {
            d.decimal_digits as isize
        } else {
            d.column_size as isize
        }),
        SQL_DESC_SCALE => Field::Int(d.decimal_digits as isize),
        SQL_DESC_NULLABLE => {
            Field::Int(if nullable { SQL_NULLABLE } else { SQL_NO_NULLS } as isize)
        }
        SQL_DESC_NAME | SQL_DESC_LABEL | SQL_DESC_BASE_COLUMN_NAME => Field::Str(name.to_string()),
        SQL_DESC_TYPE_NAME | SQL_DESC_LOCAL_TYPE_NAME => Field::Str(d.type_name.to_string()),
        SQL_DESC_UNNAMED => Field::Int(SQL_NAMED as isize),
        SQL_DESC_DISPLAY_SIZE => Field::Int(d.display_size),
        SQL_DESC_NUM_PREC_RADIX => Field::Int(d.num_prec_radix as isize),
        SQL_DESC_UNSIGNED => Field::Int(isize::from(d.unsigned)),
        SQL_DESC_SEARCHABLE => Field::Int(d.searchable as isize),
        SQL_DESC_CASE_SENSITIVE => Field::Int(isize::from(d.case_sensitive)),
        SQL_DESC_FIXED_PREC_SCALE => Field::Int(isize::from(d.fixed_prec_scale)),
        SQL_DESC_UPDATABLE => Field::Int(SQL_ATTR_READONLY as isize),
        SQL_DESC_AUTO_UNIQUE_VALUE => Field::Int(0),
        SQL_DESC_CATALOG_NAME
        | SQL_DESC_SCHEMA_NAME
        | SQL_DESC_TABLE_NAME
        | SQL_DESC_BASE_TABLE_NAME => Field::Str(String::new()),
        SQL_DESC_LITERAL_PREFIX => Field::Str(d.literal_prefix.unwrap_or_default().into()),
        SQL_DESC_LITERAL_SUFFIX => Field::Str(d.literal_suffix.unwrap_or_default().into()),
        _ => return Err(bad_field(field)),
    })
}

fn header_field(st: &StmtState, role: DescRole, field: i16) -> Option<Field> {
    let a = &st.attrs;
    Some(match (role, field) {
        (DescRole::Ard, SQL_DESC_ARRAY_SIZE) => Field::Int(a.row_array_size as isize),
        (DescRole::Ard, SQL_DESC_ARRAY_STATUS_PTR) => Field::Ptr(a.row_operation_ptr as usize),
        (DescRole::Ard, SQL_DESC_BIND_OFFSET_PTR) => Field::Ptr(a.row_bind_offset_ptr as usize),
        (DescRole::Ard, SQL_DESC_BIND_TYPE) => Field::Int(a.row_bind_type as isize),
        (DescRole::Apd, SQL_DESC_ARRAY_SIZE) => Field::Int(a.paramset_size as isize),
        (DescRole::Apd, SQL_DESC_ARRAY_STATUS_PTR) => Field::Ptr(a.param_operation_ptr as usize),
        (DescRole::Apd, SQL_DESC_BIND_OFFSET_PTR) => Field::Ptr(a.param_bind_offset_ptr as usize),
        (DescRole::Apd, SQL_DESC_BIND_TYPE) => Field::Int(a.param_bind_type as isize),
        (DescRole::Ird, SQL_DESC_ARRAY_STATUS_PTR) => Field::Ptr(a.row_status_ptr as usize),
        (DescRole::Ird, SQL_DESC_ROWS_PROCESSED_PTR) => Field::Ptr(a.rows_fetched_ptr as usize),
        (DescRole::Ipd, SQL_DESC_ARRAY_STATUS_PTR) => Field::Ptr(a.param_status_ptr as usize),
        (DescRole::Ipd, SQL_DESC_ROWS_PROCESSED_PTR) => Field::Ptr(a.params_processed_ptr as usize),
        (_, SQL_DESC_ALLOC_TYPE) => Field::Int(1), // SQL_DESC_ALLOC_AUTO
        _ => return None,
    })
}

fn set_header_field(st: &mut StmtState, role: DescRole, field: i16, v: *mut c_void) -> Option<()> {
    let a = &mut st.attrs;
    match (role, field) {
        (DescRole::Ard, SQL_DESC_ARRAY_SIZE) => a.row_array_size = (v as usize).max(1),
        (DescRole::Ard, SQL_DESC_ARRAY_STATUS_PTR) => a.row_operation_ptr = v as *mut u16,
        (DescRole::Ard, SQL_DESC_BIND_OFFSET_PTR) => a.row_bind_offset_ptr = v as *mut isize,
        (DescRole::Ard, SQL_DESC_BIND_TYPE) => a.row_bind_type = v as usize,
        (DescRole::Apd, SQL_DESC_ARRAY_SIZE) => a.paramset_size = (v as usize).max(1),
        (DescRole::Apd, SQL_DESC_ARRAY_STATUS_PTR) => a.param_operation_ptr = v as *mut u16,
        (DescRole::Apd, SQL_DESC_BIND_OFFSET_PTR) => a.param_bind_offset_ptr = v as *mut isize,
        (DescRole::Apd, SQL_DESC_BIND_TYPE) => a.param_bind_type = v as usize,
        (DescRole::Ird, SQL_DESC_ARRAY_STATUS_PTR) => a.row_status_ptr = v as *mut u16,
        (DescRole::Ird, SQL_DESC_ROWS_PROCESSED_PTR) => a.rows_fetched_ptr = v as *mut usize,
        (DescRole::Ipd, SQL_DESC_ARRAY_STATUS_PTR) => a.param_status_ptr = v as *mut u16,
        (DescRole::Ipd, SQL_DESC_ROWS_PROCESSED_PTR) => a.params_processed_ptr = v as *mut usize,
        _ => return None,
    }
    Some(())
}

fn read_field(owner: &DescOwner, rec: i16, field: i16) -> DResult<Field> {
    match owner {
        DescOwner::Explicit { records } => {
            let r = lock(records);
            if field == SQL_DESC_COUNT {
                return Ok(Field::Int(r.count() as isize));
            }
            let b = r.get(rec.max(0) as usize).cloned().unwrap_or_default();
            app_record_field(&b, field)
        }
        DescOwner::Implicit { stmt, role } => {
            let s = handles::stmt(*stmt as Handle)
                .ok_or_else(|| DriverError::new(S07009, "the statement is gone"))?;
            let st = lock(&s.state);
            if let Some(f) = header_field(&st, *role, field) {
                return Ok(f);
            }
            match role {
                DescRole::Ard | DescRole::Apd => {
                    let b: &Bindings = if *role == DescRole::Ard {
                        &st.ard
                    } else {
                        &st.apd
                    };
                    if field == SQL_DESC_COUNT {
                        return Ok(Field::Int(b.count() as isize));
                    }
                    let rec = b.get(rec.max(0) as usize).cloned().unwrap_or_default();
                    app_record_field(&rec, field)
                }
                DescRole::Ird => {
                    let (schema, descs) = st.columns().unwrap_or_else(|| {
                        (
                            std::sync::Arc::new(kintone_sql::arrow::datatypes::Schema::empty()),
                            Vec::new(),
                        )
                    });
                    if field == SQL_DESC_COUNT {
                        return Ok(Field::Int(descs.len() as isize));
                    }
                    let i = (rec as usize)
                        .checked_sub(1)
                        .ok_or_else(|| DriverError::new(S07009, "record 0 is the bookmark"))?;
                    match (schema.fields().get(i), descs.get(i)) {
                        (Some(f), Some(d)) => ird_field(d, f.name(), f.is_nullable(), field),
                        _ => Err(DriverError::new(
                            S07009,
                            format!("record {rec} does not exist"),
                        )),
                    }
                }
                DescRole::Ipd => {
                    let count = st.prepared.as_ref().map(|p| p.param_count).unwrap_or(0);
                    if field == SQL_DESC_COUNT {
                        return Ok(Field::Int(count as isize));
                    }
                    let b = st.apd.get(rec.max(0) as usize).cloned().unwrap_or_default();
                    Ok(match field {
                        SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => Field::Int(b.sql_type as isize),
                        SQL_DESC_LENGTH | SQL_DESC_PRECISION => Field::Int(b.column_size as isize),
                        SQL_DESC_SCALE => Field::Int(b.decimal_digits as isize),
                        SQL_DESC_PARAMETER_TYPE => Field::Int(b.io_type as isize),
                        SQL_DESC_NULLABLE => Field::Int(SQL_NULLABLE as isize),
                        SQL_DESC_NAME => Field::Str(String::new()),
                        SQL_DESC_UNNAMED => Field::Int(SQL_UNNAMED as isize),
                        _ => return Err(bad_field(field)),
                    })
                }
            }
        }
    }
}

/// # Safety
/// `value` is null or writable for the field's type (strings: `buf_len` bytes).
pub unsafe fn get_desc_field<E: Encoding>(
    h: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    buf_len: i32,
    out_len: *mut i32,
) -> SqlReturn {
    with_desc(h, |d| {
        let f = read_field(&d.owner, rec, field)?;
        let mode = crate::encoding::process_wchar_mode();
        // SAFETY: per the caller's contract.
        unsafe {
            match f {
                Field::Int(n) => match field {
                    // SQLSMALLINT fields.
                    SQL_DESC_COUNT
                    | SQL_DESC_TYPE
                    | SQL_DESC_CONCISE_TYPE
                    | SQL_DESC_PRECISION
                    | SQL_DESC_SCALE
                    | SQL_DESC_NULLABLE
                    | SQL_DESC_UNNAMED
                    | SQL_DESC_PARAMETER_TYPE
                    | SQL_DESC_DATETIME_INTERVAL_CODE
                    | SQL_DESC_ALLOC_TYPE
                    | SQL_DESC_FIXED_PREC_SCALE
                    | SQL_DESC_NUM_PREC_RADIX
                    | SQL_DESC_UNSIGNED
                    | SQL_DESC_UPDATABLE
                    | SQL_DESC_SEARCHABLE => write_opt(value as *mut i16, n as i16),
                    SQL_DESC_CASE_SENSITIVE | SQL_DESC_AUTO_UNIQUE_VALUE | SQL_DESC_BIND_TYPE => {
                        write_opt(value as *mut i32, n as i32)
                    }
                    _ => write_opt(value as *mut isize, n),
                },
                Field::Ptr(p) => write_opt(value as *mut usize, p),
                Field::Str(s) => {
                    if write_str::<E>(
                        &s,
                        value,
                        buf_len as isize,
                        LenOut::I32(out_len),
                        Units::Bytes,
                        mode,
                    )? {
                        d.diag.lock().warn(S01004, "");
                    }
                }
            }
        }
        Ok(SQL_SUCCESS)
    })
}

pub fn set_desc_field<E: Encoding>(
    h: Handle,
    rec: i16,
    field: i16,
    value: *mut c_void,
    _len: i32,
) -> SqlReturn {
    with_desc(h, |d| {
        match &d.owner {
            DescOwner::Explicit { records } => {
                let mut r = lock(records);
                if field == SQL_DESC_COUNT {
                    let n = value as usize;
                    r.records.resize(n + 1, None);
                    return Ok(SQL_SUCCESS);
                }
                let b = r
                    .get_mut_or_default(rec.max(0) as usize)
                    .ok_or_else(|| bad_field(field))?;
                set_app_record_field(b, field, value)?;
            }
            DescOwner::Implicit { stmt, role } => {
                let s = handles::stmt(*stmt as Handle)
                    .ok_or_else(|| DriverError::new(S07009, "the statement is gone"))?;
                let mut st = lock(&s.state);
                if set_header_field(&mut st, *role, field, value).is_some() {
                    return Ok(SQL_SUCCESS);
                }
                match role {
                    DescRole::Ird => {
                        return Err(DriverError::new(
                            SHY016,
                            "the implementation row descriptor is read-only",
                        ))
                    }
                    DescRole::Ipd => {
                        let b = st
                            .apd
                            .get_mut_or_default(rec.max(1) as usize)
                            .ok_or_else(|| bad_field(field))?;
                        match field {
                            SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => {
                                b.sql_type = value as isize as i16
                            }
                            SQL_DESC_LENGTH | SQL_DESC_PRECISION => b.column_size = value as usize,
                            SQL_DESC_SCALE => b.decimal_digits = value as isize as i16,
                            SQL_DESC_PARAMETER_TYPE => b.io_type = value as isize as i16,
                            _ => return Err(bad_field(field)),
                        }
                    }
                    DescRole::Ard | DescRole::Apd => {
                        let bs = if *role == DescRole::Ard {
                            &mut st.ard
                        } else {
                            &mut st.apd
                        };
                        if field == SQL_DESC_COUNT {
                            let n = value as usize;
                            bs.records.resize(n + 1, None);
                            return Ok(SQL_SUCCESS);
                        }
                        let rec = rec.max(0) as usize;
                        if rec == 0 {
                            return Err(DriverError::new(
                                S07009,
                                "record 0 is the bookmark, and bookmarks are off",
                            ));
                        }
                        let b = bs.get_mut_or_default(rec).ok_or_else(|| bad_field(field))?;
                        set_app_record_field(b, field, value)?;
                    }
                }
            }
        }
        Ok(SQL_SUCCESS)
    })
}

/// # Safety
/// Output pointers are null or writable; `name` for `max` characters.
#[allow(clippy::too_many_arguments)]
pub unsafe fn get_desc_rec<E: Encoding>(
    h: Handle,
    rec: i16,
    name: *mut c_void,
    max: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> SqlReturn {
    with_desc(h, |d| {
        let count = match read_field(&d.owner, 0, SQL_DESC_COUNT)? {
            Field::Int(n) => n,
            _ => 0,
        };
        if rec as isize > count {
            return Ok(SQL_NO_DATA);
        }
        let int = |f: i16| -> isize {
            match read_field(&d.owner, rec, f) {
                Ok(Field::Int(n)) => n,
                _ => 0,
            }
        };
        let text = match read_field(&d.owner, rec, SQL_DESC_NAME) {
            Ok(Field::Str(s)) => s,
            _ => String::new(),
        };
        let mode = crate::encoding::process_wchar_mode();
        // SAFETY: per the caller's contract.
        unsafe {
            if write_str::<E>(
                &text,
                name,
                max as isize,
                LenOut::I16(name_len),
                Units::Chars,
                mode,
            )? {
                d.diag.lock().warn(S01004, "");
            }
            write_opt(ty, int(SQL_DESC_TYPE) as i16);
            write_opt(sub, int(SQL_DESC_DATETIME_INTERVAL_CODE) as i16);
            write_opt(length, int(SQL_DESC_OCTET_LENGTH));
            write_opt(precision, int(SQL_DESC_PRECISION) as i16);
            write_opt(scale, int(SQL_DESC_SCALE) as i16);
            write_opt(nullable, int(SQL_DESC_NULLABLE) as i16);
        }
        Ok(SQL_SUCCESS)
    })
}

#[allow(clippy::too_many_arguments)]
pub fn set_desc_rec(
    h: Handle,
    rec: i16,
    ty: i16,
    _sub: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data: *mut c_void,
    octet_len: *mut isize,
    ind: *mut isize,
) -> SqlReturn {
    let fields: [(i16, *mut c_void); 7] = [
        (SQL_DESC_TYPE, ty as isize as *mut c_void),
        (SQL_DESC_OCTET_LENGTH, length as *mut c_void),
        (SQL_DESC_PRECISION, precision as isize as *mut c_void),
        (SQL_DESC_SCALE, scale as isize as *mut c_void),
        (SQL_DESC_DATA_PTR, data),
        (SQL_DESC_OCTET_LENGTH_PTR, octet_len as *mut c_void),
        (SQL_DESC_INDICATOR_PTR, ind as *mut c_void),
    ];
    for (f, v) in fields {
        let rc = set_desc_field::<crate::encoding::Narrow>(h, rec, f, v, 0);
        if rc != SQL_SUCCESS {
            return rc;
        }
    }
    SQL_SUCCESS
}

/// The application records of a descriptor (ARD/APD implicit, or explicit).
fn app_records(owner: &DescOwner) -> Option<Bindings> {
    match owner {
        DescOwner::Explicit { records } => Some(lock(records).clone()),
        DescOwner::Implicit { stmt, role } => {
            let s = handles::stmt(*stmt as Handle)?;
            let st = lock(&s.state);
            match role {
                DescRole::Ard => Some(st.ard.clone()),
                DescRole::Apd => Some(st.apd.clone()),
                _ => None,
            }
        }
    }
}

pub fn copy_desc(src: Handle, dst: Handle) -> SqlReturn {
    with_desc(dst, |d| {
        let records = handles::desc(src)
            .and_then(|s| app_records(&s.owner))
            .ok_or_else(|| {
                DriverError::new(
                    SHYC00,
                    "only application descriptors (ARD, APD, explicit) can be copied",
                )
            })?;
        match &d.owner {
            DescOwner::Explicit { records: r } => *lock(r) = records,
            DescOwner::Implicit { stmt, role } => {
                let s = handles::stmt(*stmt as Handle)
                    .ok_or_else(|| DriverError::new(S07009, "the statement is gone"))?;
                let mut st = lock(&s.state);
                match role {
                    DescRole::Ard => st.ard = records,
                    DescRole::Apd => st.apd = records,
                    _ => {
                        return Err(DriverError::new(
                            SHY016,
                            "implementation descriptors cannot be overwritten",
                        ))
                    }
                }
            }
        }
        Ok(SQL_SUCCESS)
    })
}
