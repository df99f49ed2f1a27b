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
use crate::stmt::ResultSet;
use crate::sync::lock;
use crate::sys::*;
use kintone_sql::catalog::AppEntry;

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

/// Which apps' forms a catalog function needs, from its arguments and
/// SQL_ATTR_METADATA_ID: called per app with the app and the prefix of its child
/// tables (`None` when its subtables are not exposed).
type Need<const N: usize> = fn(&[Option<String>; N], bool, &AppEntry, Option<&str>) -> bool;

/// Needs no form.
fn no_form<const N: usize>(
    _: &[Option<String>; N],
    _: bool,
    _: &AppEntry,
    _: Option<&str>,
) -> bool {
    false
}

/// Needs the forms of the tables the name argument at `I` may select.
fn named<const N: usize, const I: usize>(
    args: &[Option<String>; N],
    mid: bool,
    app: &AppEntry,
    children: Option<&str>,
) -> bool {
    let name = args.get(I).and_then(|a| a.as_deref());
    meta::may_name_app(name, mid, app, children)
}

/// Needs the forms of the table named (not a pattern) by the argument at `I`.
fn named_table<const N: usize, const I: usize>(
    args: &[Option<String>; N],
    _: bool,
    app: &AppEntry,
    children: Option<&str>,
) -> bool {
    // As an identifier: the superset of an exact name and its other cases.
    named::<N, I>(args, true, app, children)
}

/// What a catalog function's answer depends on besides the catalog and its arguments.
struct Ctx<'a> {
    wchar: crate::encoding::WcharMode,
    settings: &'a kintone_sql::settings::Settings,
    /// The connection's views, as `Views` leaves them.
    views: Vec<kintone_sql::views::ViewInfo>,
}

/// Reads the arguments and the forms they need, runs `build` over the catalog, and
/// opens its result.
fn run<E: Encoding, const N: usize>(
    h: Handle,
    args: [Arg; N],
    need: Need<N>,
    build: impl FnOnce(
        &kintone_sql::catalog::Catalog,
        [Option<String>; N],
        bool,
        &Ctx,
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
        let args = format!("{vals:?}");
        // The forms of the apps the arguments may name, read the first time (the app
        // list itself is read at connect).
        let settings = session.sql.settings();
        let sep = &settings.subtable_separator;
        let pick = |app: &AppEntry| {
            let children = settings
                .subtables_enabled_for(app.id, &app.name)
                .then(|| format!("{}{sep}", app.table));
            need(&vals, metadata_id, app, children.as_deref())
        };
        let cat =
            crate::runtime::block_on(session.sql.catalog_for(pick))?.map_err(DriverError::from)?;
        let ctx = Ctx {
            wchar: st.wchar,
            settings,
            views: session.sql.views(),
        };
        let (schema, batches) = build(&cat, vals, metadata_id, &ctx).map_err(meta_err)?;
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

/// The system tables SQLTables lists: none when `BrowsableSchemas` leaves out `sys`.
fn system_tables(settings: &kintone_sql::settings::Settings) -> Vec<&'static str> {
    if settings.browses(kintone_sql::system::SYSTEM_SCHEMA) {
        kintone_sql::system_table_names(settings.model)
    } else {
        Vec::new()
    }
}

pub fn tables<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, types: Arg) -> SqlReturn {
    // App tables are listed from the app list; child tables need their app's form.
    let need: Need<4> = |[_, _, t, types], mid, _, children| {
        meta::lists_tables(types.as_deref()) && meta::may_name_child(t.as_deref(), mid, children)
    };
    run::<E, 4>(
        h,
        [c, s, t, types],
        need,
        |cat, [c, s, t, types], mid, x| {
            // `BrowsableSchemas` without `public` lists no app table or view.
            let none = kintone_sql::catalog::Catalog::default();
            let (apps, views) = if x.settings.browses(kintone_sql::system::APP_SCHEMA) {
                (cat, &x.views[..])
            } else {
                (&none, &[][..])
            };
            meta::tables(
                apps,
                &system_tables(x.settings),
                views,
                &filter(&c, &s, &t, mid),
                types.as_deref(),
            )
        },
    )
}

pub fn columns<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(
        h,
        [c, s, t, col],
        named::<4, 2>,
        |cat, [c, s, t, col], mid, st| {
            meta::columns(
                cat,
                kintone_sql::system::SysKind::of_model(st.settings.model),
                &st.views,
                &filter(&c, &s, &t, mid),
                col.as_deref(),
                st.wchar,
            )
        },
    )
}

pub fn primary_keys<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], named_table::<3, 2>, |cat, [_, _, t], _, _| {
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
        |a, _, app, children| {
            named_table::<6, 2>(a, true, app, children)
                || named_table::<6, 5>(a, true, app, children)
        },
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
    run::<E, 3>(h, [c, s, t], named_table::<3, 2>, |cat, [_, _, t], _, _| {
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
    run::<E, 3>(h, [c, s, t], named_table::<3, 2>, |cat, [_, _, t], _, _| {
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
    run::<E, 3>(h, [c, s, p], no_form::<3>, |_, [c, s, p], mid, _| {
        meta::procedures(&filter(&c, &s, &p, mid))
    })
}

pub fn procedure_columns<E: Encoding>(h: Handle, c: Arg, s: Arg, p: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(
        h,
        [c, s, p, col],
        no_form::<4>,
        |_, [c, s, p, col], mid, st| {
            meta::procedure_columns(&filter(&c, &s, &p, mid), col.as_deref(), st.wchar)
        },
    )
}

pub fn table_privileges<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg) -> SqlReturn {
    run::<E, 3>(h, [c, s, t], named::<3, 2>, |cat, [c, s, t], mid, _| {
        meta::table_privileges(cat, &filter(&c, &s, &t, mid))
    })
}

pub fn column_privileges<E: Encoding>(h: Handle, c: Arg, s: Arg, t: Arg, col: Arg) -> SqlReturn {
    run::<E, 4>(
        h,
        [c, s, t, col],
        named::<4, 2>,
        |cat, [c, s, t, col], mid, _| {
            meta::column_privileges(cat, &filter(&c, &s, &t, mid), col.as_deref())
        },
    )
}
