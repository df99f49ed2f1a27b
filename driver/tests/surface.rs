//! The naming and discovery properties of CData's list (`Tables`, `BrowsableSchemas`,
//! `UseSimpleNames`, `AllowSpecialCharacters`) and `sys_connection_props`, through the
//! C API against the sandbox: the same names in SQLTables, SQLColumns and queries, and
//! the sandbox's request log showing what discovery read.

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;

use common::*;
use kintone_sandbox::demo::{demo_domain, CUSTOMERS_APP, ORDERS_APP};
use kintone_sandbox::Options;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;
use serde_json::json;

fn tables(c: &Conn, pattern: &str) -> Vec<(String, String)> {
    let s = stmt(c);
    let rc = unsafe {
        SQLTables(
            s,
            null_mut(),
            0,
            null_mut(),
            0,
            pattern.as_ptr() as *mut u8 as *mut c_void,
            pattern.len() as i16,
            null_mut(),
            0,
        )
    };
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
    let out = rows(s)
        .into_iter()
        .map(|r| (r[2].clone().unwrap(), r[3].clone().unwrap()))
        .collect();
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    out
}

fn columns(c: &Conn, table: &str) -> Vec<String> {
    let s = stmt(c);
    let rc = unsafe {
        SQLColumns(
            s,
            null_mut(),
            0,
            null_mut(),
            0,
            table.as_ptr() as *mut u8 as *mut c_void,
            table.len() as i16,
            null_mut(),
            0,
        )
    };
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
    let out = rows(s).into_iter().map(|r| r[3].clone().unwrap()).collect();
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    out
}

/// The apps whose form the sandbox was asked for.
fn forms_read(e: &Env) -> Vec<u64> {
    let mut apps: Vec<u64> =
        e.sb.state()
            .log()
            .entries
            .iter()
            .filter(|x| x.path.contains("/app/form/fields.json"))
            .filter_map(|x| {
                x.params
                    .get("app")
                    .and_then(|a| a.as_u64().or_else(|| a.as_str()?.parse().ok()))
            })
            .collect();
    apps.sort_unstable();
    apps.dedup();
    apps
}

fn with_extra_apps(n: usize) -> Env {
    sandbox_with(Options {
        large_records: 100,
        extra_apps: n,
        ..Options::default()
    })
}

#[test]
fn tables_limits_what_connecting_and_sqltables_read() {
    let e = with_extra_apps(40);
    let (c, rc, _) = connect(&e.sb, ";Tables=Customers,orders");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let listed = tables(&c, "%");
    let apps: Vec<&str> = listed
        .iter()
        .filter(|(_, t)| t == "TABLE")
        .map(|(n, _)| n.as_str())
        .collect();
    // Orders' child table is not named, so it is not listed.
    assert_eq!(apps, ["Customers", "Orders"]);
    assert!(listed
        .iter()
        .any(|(n, t)| n == "sys_tables" && t == "SYSTEM TABLE"));
    // Only the two forms were read, however many apps the domain has.
    assert_eq!(forms_read(&e), [CUSTOMERS_APP, ORDERS_APP]);
    assert_eq!(
        query(&c, "SELECT COUNT(*) FROM Customers"),
        [[Some("30".into())]]
    );
    let names = query(
        &c,
        "SELECT TableName FROM sys_tables WHERE TableType = 'TABLE' ORDER BY 1",
    );
    assert_eq!(names, [[Some("Customers".into())], [Some("Orders".into())]]);
    // Another app is not there, and the error says why.
    let s = stmt(&c);
    assert_eq!(exec(s, "SELECT * FROM \"Copy 001\""), SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_STMT, s);
    assert_eq!(state, "42S02", "{msg}");
    assert!(msg.contains("Tables property"), "{msg}");
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    assert_eq!(forms_read(&e), [CUSTOMERS_APP, ORDERS_APP]);
    drop(c);

    // Naming a child table reads its app's form and lists only the child.
    let (c, rc, _) = connect(&e.sb, ";Tables=Orders_Line items");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let apps: Vec<String> = tables(&c, "%")
        .into_iter()
        .filter(|(_, t)| t == "TABLE")
        .map(|(n, _)| n)
        .collect();
    assert_eq!(apps, ["Orders_Line items"]);
}

#[test]
fn browsable_schemas_choose_between_apps_and_system_tables() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, ";BrowsableSchemas=sys");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let listed = tables(&c, "%");
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|(_, t)| t == "SYSTEM TABLE"),
        "{listed:?}"
    );
    // Discovery only: the apps can still be queried.
    assert_eq!(
        query(&c, "SELECT COUNT(*) FROM Customers"),
        [[Some("30".into())]]
    );
    drop(c);
    let (c, _, _) = connect(&e.sb, ";BrowsableSchemas=public");
    let listed = tables(&c, "%");
    assert!(listed.iter().all(|(_, t)| t == "TABLE"), "{listed:?}");
    assert!(listed.iter().any(|(n, _)| n == "Customers"));
    let sys = query(
        &c,
        "SELECT COUNT(*) FROM sys_tables WHERE SchemaName = 'sys'",
    );
    assert_eq!(sys, [[Some("0".into())]]);
}

/// A domain whose Customers app has labels with special characters.
fn special_labels() -> Env {
    let mut d = demo_domain(100);
    let app = d.apps.get_mut(&CUSTOMERS_APP).unwrap();
    for settings in [&mut app.live, &mut app.preview] {
        settings.fields["notes"]["label"] = json!("Notes [v1.2]");
        settings.fields["rank"]["label"] = json!("ランク");
    }
    sandbox_with(Options {
        large_records: 100,
        ..Options::with_domain(d)
    })
}

#[test]
fn naming_properties_rename_consistently() {
    let e = special_labels();

    // Default: the quoting breakers become `_`, the rest stays.
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let cols = columns(&c, "Customers");
    assert!(cols.iter().any(|c| c == "Notes _v1_2_"), "{cols:?}");
    assert!(cols.iter().any(|c| c == "ランク"), "{cols:?}");
    assert!(cols.iter().any(|c| c == "$id"), "{cols:?}");
    let r = query(
        &c,
        "SELECT \"Notes _v1_2_\" FROM Customers WHERE \"$id\" = 1",
    );
    assert_eq!(r.len(), 1);
    drop(c);

    // AllowSpecialCharacters: the label as Kintone has it.
    let (c, _, _) = connect(&e.sb, ";AllowSpecialCharacters=true");
    let cols = columns(&c, "Customers");
    assert!(cols.iter().any(|c| c == "Notes [v1.2]"), "{cols:?}");
    let r = query(
        &c,
        "SELECT \"Notes [v1.2]\", \"ランク\" FROM Customers WHERE \"$id\" = 1",
    );
    assert_eq!(r.len(), 1);
    drop(c);

    // UseSimpleNames: ASCII letters, digits and `_` only, everywhere.
    let (c, _, _) = connect(&e.sb, ";UseSimpleNames=true");
    let cols = columns(&c, "Customers");
    assert!(
        cols.iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')),
        "{cols:?}"
    );
    for want in [
        "_id",
        "_revision",
        "Company_name",
        "Notes__v1_2_",
        "rank",
        "Customer_since",
    ] {
        assert!(cols.iter().any(|c| c == want), "{want} not in {cols:?}");
    }
    let apps: Vec<String> = tables(&c, "%")
        .into_iter()
        .filter(|(_, t)| t == "TABLE")
        .map(|(n, _)| n)
        .collect();
    assert!(apps.iter().any(|n| n == "Orders_Line_items"), "{apps:?}");
    assert!(
        apps.iter()
            .all(|n| n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')),
        "{apps:?}"
    );
    // The same names in queries, pushdown included (by `_id`), and in writes.
    let before = records_requests(&e.sb);
    let r = query(
        &c,
        "SELECT _id, rank, Company_name FROM Customers WHERE _id = 3",
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0][0].as_deref(), Some("3"));
    assert_eq!(records_requests(&e.sb), before + 1);
    let s = stmt(&c);
    assert_eq!(
        exec(
            s,
            "UPDATE Customers SET Notes__v1_2_ = 'simple' WHERE _id = 3"
        ),
        SQL_SUCCESS,
        "{:?}",
        diag(SQL_HANDLE_STMT, s)
    );
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    let r = query(&c, "SELECT Notes__v1_2_ FROM Customers WHERE _id = 3");
    assert_eq!(r, [[Some("simple".into())]]);
    let r = query(
        &c,
        "SELECT COUNT(*) FROM Orders_Line_items WHERE _id = 1 AND _row_id > 0",
    );
    assert!(r[0][0].as_deref().is_some_and(|n| n != "0"), "{r:?}");
}

#[test]
fn sys_connection_props_lists_every_property_with_the_given_values() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, ";Pagesize=200;Tables=Customers");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let r = query(
        &c,
        "SELECT Name, Type, \"Default\", Value, Category, IsSensitive FROM sys_connection_props ORDER BY Ordinal",
    );
    let list = kintone_sql::property_list::PROPERTIES;
    assert_eq!(r.len(), list.len());
    for (row, p) in r.iter().zip(list) {
        assert_eq!(row[0].as_deref(), Some(p.name));
        assert_eq!(row[1].as_deref(), Some(p.kind()));
        assert_eq!(row[4].as_deref(), Some(p.category.name()));
        assert_eq!(row[5].as_deref(), Some(if p.secret { "1" } else { "0" }));
    }
    let value = |name: &str| {
        r.iter()
            .find(|row| row[0].as_deref() == Some(name))
            .and_then(|row| row[3].clone())
    };
    assert_eq!(value("Pagesize").as_deref(), Some("200"));
    assert_eq!(value("Tables").as_deref(), Some("Customers"));
    // The password is there, masked.
    assert_eq!(value("Password").as_deref(), Some("****"));
    assert_eq!(value("Timeout"), None);
    let pagesize = r
        .iter()
        .find(|row| row[0].as_deref() == Some("Pagesize"))
        .unwrap();
    assert_eq!(pagesize[2].as_deref(), Some("500"));
}
