//! `query` and `dsn test`: the driver's SQL engine, called directly.

use std::path::{Path, PathBuf};

use kintone_sql::arrow::util::pretty::pretty_format_batches;
use kintone_sql::catalog::TableKind;
use kintone_sql::properties::{parse_pairs, Properties};
use kintone_sql::Connection;

use crate::register::Pairs;
use crate::QueryArgs;

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// A DSN's pairs and where they were read.
struct DsnSource<'a> {
    name: &'a str,
    file: PathBuf,
    pairs: Pairs,
}

/// Properties from a DSN's pairs, then a connection string's; errors say which source.
fn properties(dsn: Option<DsnSource>, connect: Option<&str>) -> Result<Properties, String> {
    let mut p = Properties::default();
    if let Some(d) = dsn {
        p.extend(d.pairs)
            .map_err(|e| format!("DSN '{}' in {}: {}", d.name, d.file.display(), e.message))?;
    }
    if let Some(s) = connect {
        let pairs = parse_pairs(s, ';').map_err(|e| e.message)?;
        p.extend(pairs).map_err(|e| e.message)?;
    }
    // As the driver does (01S00): connect without them, and say so.
    if let Some(note) = p.ignored_note() {
        eprintln!("warning: {note}");
    }
    Ok(p)
}

/// Properties from a DSN (looked up in the target's files) and a connection string.
pub(crate) fn properties_for(
    dsn: Option<&str>,
    connect: Option<&str>,
    target: &crate::Target,
) -> Result<Properties, String> {
    let found = match dsn {
        Some(name) => Some((name, crate::driver_cmd::dsn_pairs(name, target)?)),
        None => None,
    };
    properties(
        found.map(|(name, (file, pairs))| DsnSource { name, file, pairs }),
        connect,
    )
}

async fn connect(p: &Properties) -> Result<Connection, String> {
    let mut opts = p.build().map_err(|e| e.to_string())?;
    // An OAuth DSN signs in (or uses its stored tokens) as the driver would.
    kintone_sql::oauth::authorize(&mut opts, kintone_sql::oauth::DEFAULT_SIGN_IN_WAIT)
        .await
        .map_err(|e| e.to_string())?;
    Connection::connect(opts.settings)
        .await
        .map_err(|e| format!("cannot connect ({}): {e}", p.masked()))
}

pub fn test_dsn(name: &str, file: &Path, pairs: Pairs) -> Result<(), String> {
    let p = properties(
        Some(DsnSource {
            name,
            file: file.to_path_buf(),
            pairs,
        }),
        None,
    )?;
    let url = p.get("Url").unwrap_or_default().to_string();
    runtime()?.block_on(async {
        let conn = connect(&p).await?;
        // A test of the DSN reads every form (a connection reads them as used).
        let cat = conn
            .full_catalog()
            .await
            .map_err(|e| format!("cannot read the apps' forms: {e}"))?;
        let apps: Vec<_> = cat
            .tables
            .iter()
            .filter(|t| t.kind == TableKind::App)
            .collect();
        println!(
            "DSN '{name}' ({}): connected to {url}; {} app(s) visible, {} table(s)",
            file.display(),
            apps.len(),
            cat.tables.len()
        );
        for t in &cat.tables {
            match &t.kind {
                TableKind::App => println!("  app {:>4}  {}", t.app_id, t.name),
                TableKind::Subtable { code } => {
                    println!("  app {:>4}  {}  (subtable {code})", t.app_id, t.name)
                }
            }
        }
        Ok(())
    })
}

pub fn run(q: QueryArgs) -> Result<(), String> {
    let p = properties_for(q.dsn.as_deref(), q.connect.as_deref(), &q.target)?;
    let sql = if q.explain {
        format!("EXPLAIN {}", q.sql)
    } else {
        q.sql.clone()
    };
    runtime()?.block_on(async {
        let conn = connect(&p).await?;
        let batches = conn.query(&sql).await.map_err(|e| e.to_string())?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let table = pretty_format_batches(&batches).map_err(|e| e.to_string())?;
        println!("{table}");
        if !q.explain {
            println!("{rows} row(s)");
        }
        Ok(())
    })
}
