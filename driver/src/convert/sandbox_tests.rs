//! The conversions over what the SQL layer really produces: every column of the demo
//! apps (tests/sandbox/docs/demo-data.md) is described and converted, and parameters
//! read by `read_param` run through a prepared statement.

use std::ffi::c_void;

use kintone_api::{Auth, ClientConfig, ProxyConfig};
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::arrow::array::{AsArray, RecordBatch};
use kintone_sql::arrow::datatypes::Int64Type;
use kintone_sql::{Connection, Settings};

use super::*;
use crate::encoding::{Encoding, WcharMode, Wide};
use crate::sys::*;
use crate::types::{describe, TYPE_INFO_ORDER};

async fn demo() -> (RunningSandbox, Connection) {
    let sb = start(Options {
        large_records: 100,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    let conn = Connection::connect(Settings::new(cfg))
        .await
        .expect("connects");
    (sb, conn)
}

/// The cell as `c_type` text (CHAR or WCHAR), decoded; `None` for NULL.
fn text(
    batch: &RecordBatch,
    col: usize,
    row: usize,
    c_type: i16,
    mode: WcharMode,
) -> Option<String> {
    let mut storage = vec![0u8; 1 << 20];
    let buf = CBuffer {
        c_type,
        ptr: storage.as_mut_ptr() as *mut c_void,
        len: storage.len() as isize,
        precision: 0,
        scale: 0,
    };
    let field = batch.schema().field(col).clone();
    let (ind, outcome) =
        unsafe { write_value(batch.column(col).as_ref(), &field, row, &buf, mode, None) }
            .expect("converts");
    assert_eq!(outcome, Outcome::Done);
    if ind == SQL_NULL_DATA {
        return None;
    }
    let n = ind as usize;
    Some(if c_type == SQL_C_CHAR {
        String::from_utf8(storage[..n].to_vec()).expect("UTF-8")
    } else {
        let units = (n / mode.width()) as i32;
        unsafe { Wide::read(storage.as_ptr() as *const c_void, units, mode) }.expect("text")
    })
}

async fn query(conn: &Connection, sql: &str) -> Vec<RecordBatch> {
    conn.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_column_is_described_and_converts_alike_in_all_widths() {
    let (_sb, conn) = demo().await;
    let tables = [
        "Customers",
        "Orders",
        "日本語アプリ",
        "Events",
        "Orders_Line items",
        "日本語アプリ_明細",
    ];
    for table in tables {
        let batches = query(&conn, &format!("SELECT * FROM \"{table}\" LIMIT 30")).await;
        assert!(!batches.is_empty(), "{table} has rows");
        for batch in &batches {
            for (col, field) in batch.schema().fields().iter().enumerate() {
                for mode in [WcharMode::Utf16, WcharMode::Ucs4] {
                    let d = describe(field, mode);
                    assert!(
                        TYPE_INFO_ORDER.contains(&d.sql_type),
                        "{table}.{}: {}",
                        field.name(),
                        d.sql_type
                    );
                    assert!(d.column_size > 0 && d.display_size > 0 && d.octet_length > 0);
                }
                for row in 0..batch.num_rows() {
                    let narrow = text(batch, col, row, SQL_C_CHAR, WcharMode::Utf16);
                    for mode in [WcharMode::Utf16, WcharMode::Ucs4] {
                        assert_eq!(
                            text(batch, col, row, SQL_C_WCHAR, mode),
                            narrow,
                            "{table}.{} row {row}",
                            field.name()
                        );
                    }
                    // The default C type of every column converts too.
                    let mut storage = vec![0u8; 1 << 20];
                    let buf = CBuffer {
                        c_type: SQL_C_DEFAULT,
                        ptr: storage.as_mut_ptr() as *mut c_void,
                        len: storage.len() as isize,
                        precision: 0,
                        scale: 0,
                    };
                    let r = unsafe {
                        write_value(
                            batch.column(col).as_ref(),
                            field,
                            row,
                            &buf,
                            WcharMode::Utf16,
                            None,
                        )
                    };
                    assert!(r.is_ok(), "{table}.{} row {row}: {r:?}", field.name());
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_values_reach_c_buffers_exactly() {
    let (_sb, conn) = demo().await;
    let b = query(
        &conn,
        r#"SELECT 氏名, 金額 FROM 日本語アプリ WHERE "$id" = 2"#,
    )
    .await;
    let batch = &b[0];
    assert_eq!(
        text(batch, 0, 0, SQL_C_CHAR, WcharMode::Utf16).as_deref(),
        Some("佐藤 花子 🌸")
    );
    assert_eq!(
        text(batch, 0, 0, SQL_C_WCHAR, WcharMode::Ucs4).as_deref(),
        Some("佐藤 花子 🌸")
    );
    assert_eq!(
        text(batch, 1, 0, SQL_C_CHAR, WcharMode::Utf16).as_deref(),
        Some("2468.00000000")
    );
    let mut out = 0f64;
    let buf = CBuffer {
        c_type: SQL_C_DOUBLE,
        ptr: &mut out as *mut f64 as *mut c_void,
        len: 8,
        precision: 0,
        scale: 0,
    };
    let field = batch.schema().field(1).clone();
    let r = unsafe {
        write_value(
            batch.column(1).as_ref(),
            &field,
            0,
            &buf,
            WcharMode::Utf16,
            None,
        )
    };
    assert_eq!((r, out), (Ok((8, Outcome::Done)), 2468.0));

    let b = query(
        &conn,
        r#"SELECT "Score", "Day", "Starts at" FROM Events WHERE "$id" = 1"#,
    )
    .await;
    let batch = &b[0];
    assert_eq!(
        text(batch, 0, 0, SQL_C_CHAR, WcharMode::Utf16).as_deref(),
        Some("791.90000000")
    );
    assert_eq!(
        text(batch, 1, 0, SQL_C_CHAR, WcharMode::Utf16).as_deref(),
        Some("2024-01-02")
    );
    assert_eq!(
        text(batch, 2, 0, SQL_C_CHAR, WcharMode::Utf16).as_deref(),
        Some("2025-01-01 00:11:00")
    );
    let mut ts = [0u8; 16];
    let buf = CBuffer {
        c_type: SQL_C_TYPE_TIMESTAMP,
        ptr: ts.as_mut_ptr() as *mut c_void,
        len: 16,
        precision: 0,
        scale: 0,
    };
    let field = batch.schema().field(2).clone();
    let r = unsafe {
        write_value(
            batch.column(2).as_ref(),
            &field,
            0,
            &buf,
            WcharMode::Utf16,
            None,
        )
    };
    assert_eq!(r, Ok((16, Outcome::Done)));
    let want: Vec<u8> = [
        2025i16.to_ne_bytes(),
        1u16.to_ne_bytes(),
        1u16.to_ne_bytes(),
        0u16.to_ne_bytes(),
        11u16.to_ne_bytes(),
        0u16.to_ne_bytes(),
    ]
    .concat()
    .into_iter()
    .chain(0u32.to_ne_bytes())
    .collect();
    assert_eq!(ts.to_vec(), want, "UTC wall-clock time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_read_from_c_buffers_run_in_prepared_statements() {
    let (_sb, conn) = demo().await;
    let ids = |batches: Vec<RecordBatch>| -> Vec<i64> {
        batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    };
    // A WCHAR text parameter, in both widths.
    let p = conn
        .prepare(r#"SELECT "$id" FROM 日本語アプリ WHERE 氏名 = ? ORDER BY "$id""#)
        .await
        .expect("prepares");
    for mode in [WcharMode::Utf16, WcharMode::Ucs4] {
        let mut w = Wide::encode("佐藤 花子 🌸", mode);
        w.extend(std::iter::repeat_n(0u8, mode.width()));
        let v = unsafe {
            read_param(
                SQL_C_WCHAR,
                SQL_WVARCHAR,
                50,
                0,
                w.as_ptr() as *const c_void,
                0,
                Some(SQL_NTSL),
                mode,
            )
        }
        .expect("reads");
        let got = conn
            .execute(&p, vec![v])
            .await
            .expect("runs")
            .collect_all()
            .await
            .expect("rows");
        assert_eq!(ids(got), vec![2], "{mode:?}");
    }
    // An integer parameter bound as SQL_C_SLONG / SQL_INTEGER against a BIGINT column.
    let p = conn
        .prepare(r#"SELECT "$id" FROM Events WHERE "$id" = ?"#)
        .await
        .expect("prepares");
    let one = 7i32;
    let v = unsafe {
        read_param(
            SQL_C_SLONG,
            SQL_INTEGER,
            0,
            0,
            &one as *const i32 as *const c_void,
            0,
            None,
            WcharMode::Utf16,
        )
    }
    .expect("reads");
    let got = conn
        .execute(&p, vec![v])
        .await
        .expect("runs")
        .collect_all()
        .await
        .expect("rows");
    assert_eq!(ids(got), vec![7]);
    // A date struct against a DATE column.
    let p = conn
        .prepare(r#"SELECT "$id" FROM Events WHERE "Day" = ? AND "$id" = 1"#)
        .await
        .expect("prepares");
    let d: Vec<u8> = [
        2024i16.to_ne_bytes(),
        1u16.to_ne_bytes(),
        2u16.to_ne_bytes(),
    ]
    .concat();
    let v = unsafe {
        read_param(
            SQL_C_TYPE_DATE,
            SQL_TYPE_DATE,
            10,
            0,
            d.as_ptr() as *const c_void,
            0,
            None,
            WcharMode::Utf16,
        )
    }
    .expect("reads");
    let got = conn
        .execute(&p, vec![v])
        .await
        .expect("runs")
        .collect_all()
        .await
        .expect("rows");
    assert_eq!(ids(got), vec![1]);
}
