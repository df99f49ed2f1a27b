//! `UserDefinedViews`: a JSON file of named queries, in CData's format
//! (`{"ActiveCustomers": {"query": "SELECT ... FROM Customers WHERE ..."}}`). Each
//! becomes a view in the app schema; its query is planned at connect, so a broken one
//! is reported there, by name, and never half-works later.

use std::path::Path;

use serde_json::Value;

use crate::error::{SqlError, SqlResult};

/// The largest file read: a views file is a few kilobytes; a wrong path pointing at
/// something huge must not fill the host's memory.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

const CONFIG: &str = "08001";

/// One view of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    pub query: String,
}

fn bad(path: &Path, why: impl std::fmt::Display) -> SqlError {
    SqlError::new(
        CONFIG,
        format!("UserDefinedViews file {}: {why}", path.display()),
    )
}

/// Reads and checks the file: a JSON object of views, each an object with a `query`.
pub fn read(path: &Path) -> SqlResult<Vec<Definition>> {
    let bytes = kintone_api::local_file::read_capped(path, MAX_FILE_BYTES)
        .map_err(|e| bad(path, e))?
        .ok_or_else(|| bad(path, format!("larger than {} MB", MAX_FILE_BYTES >> 20)))?;
    let text = String::from_utf8(bytes).map_err(|e| bad(path, format!("not UTF-8 text: {e}")))?;
    parse(&text).map_err(|why| bad(path, why))
}

/// The views of a file's text, in the file's order.
pub fn parse(text: &str) -> Result<Vec<Definition>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(map) = v else {
        return Err(
            "expected an object of views, like {\"MyView\": {\"query\": \"SELECT ...\"}}".into(),
        );
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, def) in map {
        if name.trim().is_empty() {
            return Err("a view has an empty name".into());
        }
        let query = match def.get("query") {
            Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
            Some(Value::String(_)) => return Err(format!("view \"{name}\": its query is empty")),
            _ => {
                return Err(format!(
                    "view \"{name}\": expected {{\"query\": \"SELECT ...\"}}"
                ))
            }
        };
        out.push(Definition { name, query });
    }
    Ok(out)
}

/// The error of a view whose query cannot be planned.
pub fn unplannable(name: &str, e: &SqlError) -> SqlError {
    SqlError::new(
        CONFIG,
        format!("UserDefinedViews: view \"{name}\": {}", e.message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cdatas_format() {
        let d = parse(r#"{"B": {"query": "SELECT 2"}, "A": {"query": "SELECT 1"}}"#).unwrap();
        assert_eq!(
            d,
            vec![
                Definition {
                    name: "B".into(),
                    query: "SELECT 2".into()
                },
                Definition {
                    name: "A".into(),
                    query: "SELECT 1".into()
                }
            ]
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert!(parse("[1]").unwrap_err().contains("object of views"));
        assert!(parse("{").unwrap_err().contains("not valid JSON"));
        let e = parse(r#"{"V": {"sql": "SELECT 1"}}"#).unwrap_err();
        assert!(e.contains("view \"V\"") && e.contains("\"query\""), "{e}");
        let e = parse(r#"{"V": {"query": "  "}}"#).unwrap_err();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = read(Path::new("/nonexistent/views.json")).unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(e.message.contains("/nonexistent/views.json"), "{e}");
    }
}
