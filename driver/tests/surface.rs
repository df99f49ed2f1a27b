//! The naming, discovery and schema properties of CData's list (`Tables`,
//! `BrowsableSchemas`, `UseSimpleNames`, `AllowSpecialCharacters`,
//! `UseUnitForNumericField`, `Schema=CybozuUser`, `UserDefinedViews`, `Views`) and
//! `sys_connection_props`, through the C API against the sandbox: the same names in
//! SQLTables, SQLColumns and queries, and the sandbox's request log showing what was read.

mod common;

use std::ffi::c_void;
use std::ptr::null;

use common::*;
use kintone_sandbox::demo::{demo_domain, CUSTOMERS_APP, ORDERS_APP};
use kintone_sandbox::Options;
use kintoneodbc::exports::*;
use kintoneodbc::sys::*;
use serde_json::json;

/// SQLTables and SQLColumns take the same arguments: catalog, schema, table, and a
/// fourth name (table types, column) left NULL here.
type CatalogFn = unsafe extern "C" fn(
    Handle,
    *const c_void,
    i16,
    *const c_void,
    i16,
    *const c_void,
    i16,
    *const c_void,
    i16,
) -> SqlReturn;

/// The rows, as text, of a catalog function over the table name (or pattern) `table`.
fn catalog_rows(c: &Conn, f: CatalogFn, table: &str) -> Vec<Vec<Option<String>>> {
    let s = stmt(c);
    let rc = unsafe {
        f(
            s,
            null(),
            0,
            null(),
            0,
            table.as_ptr() as *const c_void,
            table.len() as i16,
            null(),
            0,
        )
    };
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
    let out = rows(s);
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    out
}

fn tables(c: &Conn, pattern: &str) -> Vec<(String, String)> {
    catalog_rows(c, SQLTables, pattern)
        .into_iter()
        .map(|r| (r[2].clone().unwrap(), r[3].clone().unwrap()))
        .collect()
}

/// The names SQLTables lists with this TABLE_TYPE.
fn names_of_type(listed: &[(String, String)], ty: &str) -> Vec<String> {
    listed
        .iter()
        .filter(|(_, t)| t == ty)
        .map(|(n, _)| n.clone())
        .collect()
}

fn columns(c: &Conn, table: &str) -> Vec<String> {
    column_rows(c, table)
        .into_iter()
        .map(|r| r[3].clone().unwrap())
        .collect()
}

/// SQLColumns' rows for a table, as text.
fn column_rows(c: &Conn, table: &str) -> Vec<Vec<Option<String>>> {
    catalog_rows(c, SQLColumns, table)
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
    let apps = names_of_type(&listed, "TABLE");
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
    let apps = names_of_type(&tables(&c, "%"), "TABLE");
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
    let apps = names_of_type(&tables(&c, "%"), "TABLE");
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

/// The README's property tables name exactly what `sys_connection_props` lists.
#[test]
fn readme_property_tables_match_sys_connection_props() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, "");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let mut listed: Vec<String> = query(&c, "SELECT Name FROM sys_connection_props")
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme
        .find("<!-- properties: generated from sql/src/property_list.rs -->")
        .expect("README has the property tables' start marker");
    let end = readme[start..]
        .find("<!-- end of properties -->")
        .expect("README has the end marker")
        + start;
    let mut documented: Vec<String> = readme[start..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    listed.sort();
    documented.sort();
    assert_eq!(documented, listed);
}

#[test]
fn use_unit_for_numeric_field_shows_units_and_keeps_them_out_of_kintone() {
    let e = sandbox();
    let (c, rc, _) = connect(&e.sb, ";UseUnitForNumericField=true");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    // Metadata: text, and the REMARKS say why.
    let cols = column_rows(&c, "Orders");
    let col = |name: &str| {
        cols.iter()
            .find(|r| r[3].as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in {cols:?}"))
            .clone()
    };
    let discount = col("Discount");
    // SQL_WVARCHAR (-9), the driver's text type.
    assert_eq!(discount[4].as_deref(), Some("-9"), "{discount:?}");
    assert_eq!(
        discount[11].as_deref(),
        Some("Kintone field discount (NUMBER, unit % (after))")
    );
    let total = col("Total");
    assert_eq!(
        total[11].as_deref(),
        Some("Kintone field total (CALC, unit ¥ (before))")
    );
    // A NUMBER without a unit stays a number.
    let (plain, _, _) = connect(&e.sb, "");
    let plain_cols = column_rows(&plain, "Orders");
    let plain_discount = plain_cols
        .iter()
        .find(|r| r[3].as_deref() == Some("Discount"))
        .unwrap();
    assert_eq!(plain_discount[5].as_deref(), Some("DECIMAL"));
    // Values: Kintone's number with the unit where the form puts it; empty is NULL.
    let distinct = query(&c, "SELECT DISTINCT Discount FROM Orders ORDER BY 1");
    assert_eq!(
        distinct,
        [
            [Some("-2.5%".to_string())],
            [Some("0%".into())],
            [Some("12.5%".into())],
            [Some("5%".into())],
            [None]
        ]
    );
    let with_unit = query(&c, "SELECT \"$id\", Total FROM Orders ORDER BY \"$id\"");
    let numbers = query(&plain, "SELECT \"$id\", Total FROM Orders ORDER BY \"$id\"");
    assert_eq!(with_unit.len(), numbers.len());
    for (u, n) in with_unit.iter().zip(&numbers) {
        let shown = u[1].as_deref().unwrap();
        let number: f64 = shown.strip_prefix('¥').unwrap().parse().unwrap();
        assert_eq!(Some(number), n[1].as_deref().map(|x| x.parse().unwrap()));
    }
    // A filter on it is evaluated here: Kintone never sees a condition on the field.
    let before = e.sb.state().log().entries.len();
    let hits = query(&c, "SELECT COUNT(*) FROM Orders WHERE Discount = '12.5%'");
    let sent: Vec<String> =
        e.sb.state()
            .log()
            .entries
            .iter()
            .skip(before)
            .filter_map(|x| {
                x.params
                    .get("query")
                    .and_then(|q| q.as_str())
                    .map(str::to_string)
            })
            .collect();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|q| !q.contains("discount")), "{sent:?}");
    let expected = query(&plain, "SELECT COUNT(*) FROM Orders WHERE Discount = 12.5");
    assert_eq!(hits, expected);
    assert_ne!(hits[0][0].as_deref(), Some("0"));
    // Writes take the number with or without the unit, and send the number.
    for (given, stored) in [("'7.5%'", "7.5%"), ("'3'", "3%")] {
        let s = stmt(&c);
        let sql = format!("UPDATE Orders SET Discount = {given} WHERE \"$id\" = 2");
        assert_eq!(exec(s, &sql), SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_STMT, s));
        unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
        let put =
            e.sb.state()
                .log()
                .entries
                .iter()
                .rev()
                .find(|x| x.method == "PUT")
                .map(|x| x.params.clone())
                .unwrap();
        let sent = put.to_string();
        assert!(
            sent.contains(&format!("\"{}\"", stored.trim_end_matches('%'))),
            "{sent}"
        );
        assert!(!sent.contains('%'), "{sent}");
        let r = query(&c, "SELECT Discount FROM Orders WHERE \"$id\" = 2");
        assert_eq!(r, [[Some(stored.to_string())]]);
    }
}

#[test]
fn cybozu_user_schema_serves_the_user_apis_views() {
    let e = sandbox();
    let domain = demo_domain(0);
    let (c, rc, _) = connect(&e.sb, ";Schema=CybozuUser");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    // Connecting read no app.
    assert!(
        e.sb.state()
            .log()
            .entries
            .iter()
            .all(|x| !x.path.starts_with("/k/")),
        "{:?}",
        e.sb.state()
            .log()
            .entries
            .iter()
            .map(|x| x.path.clone())
            .collect::<Vec<_>>()
    );
    let listed = tables(&c, "%");
    let views = names_of_type(&listed, "VIEW");
    assert_eq!(
        views,
        [
            "Groups",
            "Organizations",
            "UserDepartments",
            "UserGroups",
            "Users"
        ]
    );
    assert!(listed
        .iter()
        .all(|(_, t)| t == "VIEW" || t == "SYSTEM TABLE"));
    assert!(listed.iter().all(|(n, _)| n != "Apps"), "{listed:?}");
    let cols = columns(&c, "Users");
    for want in [
        "Id",
        "Code",
        "SurName",
        "SkypeID",
        "BirthDate",
        "PrimaryOrganization",
    ] {
        assert!(cols.iter().any(|c| c == want), "{want} not in {cols:?}");
    }

    // Users: every user of the domain, values as the domain has them.
    let r = query(
        &c,
        "SELECT Id, Code, Name, Email, Valid, Timezone, Locale, PrimaryOrganization FROM Users ORDER BY Id",
    );
    assert_eq!(r.len(), domain.users.len());
    for (row, u) in r.iter().zip(&domain.users) {
        let primary = u.primary_organization.as_ref().map(|p| {
            (domain
                .organizations
                .iter()
                .position(|o| &o.code == p)
                .unwrap()
                + 1)
            .to_string()
        });
        assert_eq!(
            row,
            &vec![
                Some(u.id.to_string()),
                Some(u.code.clone()),
                Some(u.name.clone()),
                Some(u.email.clone()),
                Some(if u.valid { "1" } else { "0" }.to_string()),
                Some(u.timezone.clone()),
                Some(u.locale.clone()),
                primary,
            ]
        );
    }
    // Organizations and groups.
    let orgs = query(&c, "SELECT Id, Code, Name FROM Organizations ORDER BY Id");
    let want: Vec<Vec<Option<String>>> = domain
        .organizations
        .iter()
        .enumerate()
        .map(|(i, o)| {
            vec![
                Some((i + 1).to_string()),
                Some(o.code.clone()),
                Some(o.name.clone()),
            ]
        })
        .collect();
    assert_eq!(orgs, want);
    let groups = query(&c, "SELECT Code, Name FROM Groups ORDER BY Id");
    let want: Vec<Vec<Option<String>>> = domain
        .groups
        .iter()
        .map(|g| vec![Some(g.code.clone()), Some(g.name.clone())])
        .collect();
    assert_eq!(groups, want);

    // Memberships: one request per organization (and group), not per user.
    let before = e.sb.state().log().entries.len();
    let deps = query(
        &c,
        "SELECT UserCode, OrganizationCode, IsPrimary FROM UserDepartments ORDER BY OrganizationId, UserId",
    );
    let mut want = Vec::new();
    for o in &domain.organizations {
        for u in domain
            .users
            .iter()
            .filter(|u| u.organizations.contains(&o.code))
        {
            let primary = u.primary_organization.as_deref() == Some(o.code.as_str());
            want.push(vec![
                Some(u.code.clone()),
                Some(o.code.clone()),
                Some(if primary { "1" } else { "0" }.to_string()),
            ]);
        }
    }
    assert_eq!(deps, want);
    let paths: Vec<String> =
        e.sb.state()
            .log()
            .entries
            .iter()
            .skip(before)
            .map(|x| x.path.clone())
            .collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| *p == "/v1/organization/users.json")
            .count(),
        domain.organizations.len(),
        "{paths:?}"
    );
    let ug = query(
        &c,
        "SELECT UserCode, GroupCode FROM UserGroups ORDER BY GroupId, UserId",
    );
    let mut want = Vec::new();
    for g in &domain.groups {
        for u in domain.users.iter().filter(|u| u.groups.contains(&g.code)) {
            want.push(vec![Some(u.code.clone()), Some(g.code.clone())]);
        }
    }
    assert_eq!(ug, want);
    // The views are in sys_tables too.
    let r = query(
        &c,
        "SELECT TableName FROM sys_tables WHERE TableType = 'VIEW' ORDER BY 1",
    );
    assert_eq!(r.len(), 5);
    drop(c);

    // `Views` keeps some of them.
    let (c, rc, _) = connect(&e.sb, ";Schema=CybozuUser;Views=users,Groups");
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let views = names_of_type(&tables(&c, "%"), "VIEW");
    assert_eq!(views, ["Groups", "Users"]);
    let s = stmt(&c);
    assert_eq!(exec(s, "SELECT * FROM Organizations"), SQL_ERROR);
    assert_eq!(diag(SQL_HANDLE_STMT, s).0, "42S02");
    unsafe { SQLFreeHandle(SQL_HANDLE_STMT, s) };
    drop(c);

    // Password only, said at connect.
    let (env, dbc) = alloc_dbc();
    let cs = format!(
        "Driver=kintone;Url={};AuthScheme=APIToken;APIToken=abc;AppId=1;Schema=CybozuUser",
        e.sb.base_url()
    );
    let (rc, _) = driver_connect(dbc, &cs);
    assert_eq!(rc, SQL_ERROR);
    let (state, msg) = diag(SQL_HANDLE_DBC, dbc);
    assert_eq!(state, "08001", "{msg}");
    assert!(msg.contains("AuthScheme=Password"), "{msg}");
    drop(Conn { env, dbc });
}

#[test]
fn user_defined_views_are_views_with_pushdown() {
    let e = sandbox();
    let dir = std::env::temp_dir().join(format!("kodbc-views-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The second view reads the first, which comes later in the file.
    let file = dir.join("views.json");
    std::fs::write(
        &file,
        r#"{
            "BigOrderCount": {"query": "SELECT COUNT(*) AS n FROM BigOrders"},
            "BigOrders": {"query": "SELECT \"$id\" AS id, \"Customer name\" AS customer FROM Orders WHERE Total > 100000"}
        }"#,
    )
    .unwrap();
    // A relative path is taken in `Location`.
    let extra = format!(";Location={};UserDefinedViews=views.json", dir.display());
    let (c, rc, _) = connect(&e.sb, &extra);
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let listed = tables(&c, "%");
    let views = names_of_type(&listed, "VIEW");
    assert_eq!(views, ["BigOrderCount", "BigOrders"]);
    assert!(listed.iter().any(|(n, t)| n == "Orders" && t == "TABLE"));
    assert_eq!(columns(&c, "BigOrders"), ["id", "customer"]);
    let direct = query(&c, "SELECT COUNT(*) FROM Orders WHERE Total > 100000");
    assert_ne!(direct[0][0].as_deref(), Some("0"));
    assert_eq!(query(&c, "SELECT n FROM BigOrderCount"), direct);
    // A filter on the view goes to Kintone with the view's own.
    let first = query(&c, "SELECT MIN(id) FROM BigOrders")[0][0]
        .clone()
        .unwrap();
    let before = e.sb.state().log().entries.len();
    let r = query(&c, &format!("SELECT id FROM BigOrders WHERE id = {first}"));
    assert_eq!(r, [[Some(first.clone())]]);
    let sent: Vec<String> =
        e.sb.state()
            .log()
            .entries
            .iter()
            .skip(before)
            .filter(|x| x.path.ends_with("/records.json"))
            .filter_map(|x| {
                x.params
                    .get("query")
                    .and_then(|q| q.as_str())
                    .map(str::to_string)
            })
            .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains(&format!("$id = \"{first}\"")), "{sent:?}");
    assert!(sent[0].contains("total > \"100000\""), "{sent:?}");
    drop(c);

    // `Views` hides a view, and what is listed still works.
    let (c, rc, _) = connect(&e.sb, &format!("{extra};Views=BigOrderCount"));
    assert_eq!(rc, SQL_SUCCESS, "{:?}", diag(SQL_HANDLE_DBC, c.dbc));
    let views = names_of_type(&tables(&c, "%"), "VIEW");
    assert_eq!(views, ["BigOrderCount"]);
    assert_eq!(query(&c, "SELECT n FROM BigOrderCount"), direct);
    drop(c);

    // Errors name what is wrong.
    let bad = |json: &str| {
        std::fs::write(&file, json).unwrap();
        let (c, rc, _) = connect(&e.sb, &extra);
        assert_eq!(rc, SQL_ERROR);
        let d = diag(SQL_HANDLE_DBC, c.dbc);
        assert_eq!(d.0, "08001", "{d:?}");
        d.1
    };
    let msg = bad(r#"{"Broken": {"query": "SELECT nope FROM Orders"}}"#);
    assert!(msg.contains("\"Broken\"") && msg.contains("nope"), "{msg}");
    let msg = bad(r#"{"Orders": {"query": "SELECT 1"}}"#);
    assert!(msg.contains("name of a table"), "{msg}");
    let msg = bad(r#"{"W": {"query": "DELETE FROM Orders"}}"#);
    assert!(msg.contains("\"W\"") && msg.contains("SELECT"), "{msg}");
    let msg = bad("{not json");
    assert!(msg.contains("views.json") && msg.contains("JSON"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}
