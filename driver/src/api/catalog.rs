//! The catalog functions: SQLTables, SQLColumns, SQLPrimaryKeys, SQLForeignKeys,
//! SQLStatistics, SQLSpecialColumns, SQLProcedures, SQLProcedureColumns,
//! SQLTablePrivileges, SQLColumnPrivileges. Answered from the connection's cached
//! catalog (no request to Kintone) as result sets with the ODBC layouts.

use std::ffi::c_void;

use kintone_sql::arrow::datatypes::SchemaRef;
use kintone_sql::arrow::record_batch::RecordBatch;

use crate::diag::DriverError;
use crate::encoding::Encoding;
use crate::ffi::{read_str, with_stmt};
use crate::handles::Stmt;
use crate::metadata::catalog::{self as meta, Filter, MetaError};
use crate::stmt::{ResultSet, StmtState};
use crate::sync::lock;
use crate::sys::*;

/// A catalog-function string argument.
#[derive(Clone, Copy)]
pub struct Arg {
    pub ptr: *const c_void,
    pub len: i16,
}

fn meta_err(e: MetaError) -> DriverError {
    DriverError {
        sqlstate: e.sqlstate.to_string(),
        message: e.message,
        native: 0,
    }
}

/// Reads the arguments, runs `build` over the catalog, and opens its result.
fn run<E: Encoding, const N: usize>(
    h: Handle,
    args: [Arg; N],
    build: impl FnOnce(
        &kintone_sql::catalog::Catalog,
        [Option<String>; N],
        bool,
        &StmtState,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), MetaError>,
) -> SqlReturn {
    with_stmt(h, |s: &Stmt| {
        let session = crate::api::exec::session_of(s)?;
        let mut st = lock(&s.state);
        let mode = st.wchar;
        let mut vals: [Option<String>; N] = std::array::from_fn(|_| None);
        for (slot, a) in vals.iter_mut().zip(args) {
            // SAFETY: the application passes valid strings with their lengths.
            *slot = unsafe { read_str::<E>(a.ptr, a.len as i32, mode)? };
        }
        st.no_open_cursor()?;
        st.unprepare();
        let metadata_id = st.attrs.metadata_id;
        let cat = session.sql.catalog();
        let args = format!("{vals:?}");
        let (schema, batches) = build(&cat, vals, metadata_id, &st).map_err(meta_err)?;
        tracing::debug!(
            target: kintone_api::targets::METADATA,
            rows = batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            "catalog function {args}"
        );
        // Already in memory: keeping it for scrolling costs nothing more.
        st.open(ResultSet::from_batches(schema, batches, mode), usize::MAX);
        st.executed = true;
        st.row_count = -1;
        Ok(SQL_SUCCESS)
    })
}

fn filter<'a>(
    c: &'a Option<String>,
    s: &'a Option<String>,
    t: &'a Option<String>,
    metadata_id: bool,
) -> Filter<'a> {
    Filter {
        catalog: c.as_deref(),
        schema: s.as_deref(),
        name: t.as_deref(),
        metadata_id,
    }
}

fn system_tables() -> Vec<&'static str> {
    kintone_sql::system_table_names()
}

pub fn tables<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, types: Arg) -> SqlReturn {
    run::<E, 4>(h, [c, s, t, types], |cat, [c, s, t, types], mid, _| {
        meta::tables(
            cat,
            &system_tables(),
            &filter(&c, &s, &t, mid),
            types.as_deref(),
        )
    })
}

pub fn columns<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(h, [c, s, t, col], |cat, [c, s, t, col], mid, st| {
        meta::columns(cat, &filter(&c, &s, &t, mid), col.as_deref(), st.wchar)
    })
}

pub fn primary_keys<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], |cat, [_, _, t], _, _| {
        meta::primary_keys(cat, t.as_deref().unwrap_or_default())
    })
}

#[allow(clippy::too_many_arguments)]
pub fn foreign_keys<E: Encoding>(
    h: Handle,
    pc: Arg,
    ps: Arg,
    pt: Arg,
    fc: Arg,
    fs: Arg,
    ft: Arg,
) -> SqlReturn {
    run::<E, 6>(
        h,
        [pc, ps, pt, fc, fs, ft],
        |cat, [_, _, pt, _, _, ft], _, _| meta::foreign_keys(cat, pt.as_deref(), ft.as_deref()),
    )
}

pub fn statistics<E: Encoding>(
    h: Handle,
    c: Arg,
    s: Arg,
    t: Arg,
    unique: u16,
    _reserved: u16,
) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], |cat, [_, _, t], _, _| {
        meta::statistics(cat, t.as_deref().unwrap_or_default(), unique == 0)
    })
}

#[allow(clippy::too_many_arguments)]
pub fn special_columns<E: Encoding>(
    h: Handle,
    id_type: u16,
    c: Arg,
    s: Arg,
    t: Arg,
    scope: u16,
    nullable: u16,
) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], |cat, [_, _, t], _, _| {
        meta::special_columns(
            cat,
            id_type,
            t.as_deref().unwrap_or_default(),
            scope,
            nullable,
        )
    })
}

pub fn procedures<E: Encoding>(h: Handle, c: Arg, s: Arg, p: Arg) -> SqlReturn {
    run::<E, 3>(h, [c, s, p], |_, [c, s, p], mid, _| {
        meta::procedures(&filter(&c, &s, &p, mid))
    })
}

pub fn procedure_columns<E: Encoding>(h: Handle, c: Arg, s: Arg, p: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(h, [c, s, p, col], |_, [c, s, p, col], mid, st| {
        meta::procedure_columns(&filter(&c, &s, &p, mid), col.as_deref(), st.wchar)
    })
}

pub fn table_privileges<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], |cat, [c, s, t], mid, _| {
        meta::table_privileges(cat, &filter(&c, &s, &t, mid))
    })
}

pub fn column_privileges<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(h, [c, s, t, col], |cat, [c, s, t, col], mid, _| {
        meta::column_privileges(cat, &filter(&c, &s, &t, mid), col.as_deref())
    })
}
