//! Request parameters (§2.2): the query string in bracket notation, a JSON body, and
//! multipart uploads (§4.11).

use crate::api::Upload;
use crate::error::KError;
use crate::model::Json;
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// A query-string key split into its base name and bracket segments:
/// `record[tbl][value][0]` -> ("record", ["tbl", "value", "0"]). A key whose brackets
/// do not pair up is taken literally, as PHP/qs-style parsers do.
fn split_key(key: &str) -> (String, Vec<String>) {
    let Some(open) = key.find('[') else {
        return (key.to_string(), Vec::new());
    };
    if open == 0 {
        return (key.to_string(), Vec::new());
    }
    let base = &key[..open];
    let mut rest = &key[open..];
    let mut segs = Vec::new();
    while !rest.is_empty() {
        if !rest.starts_with('[') {
            return (key.to_string(), Vec::new());
        }
        match rest.find(']') {
            Some(close) => {
                segs.push(rest[1..close].to_string());
                rest = &rest[close + 1..];
            }
            None => return (key.to_string(), Vec::new()),
        }
    }
    (base.to_string(), segs)
}

enum Node {
    Leaf(String),
    Branch(IndexMap<String, Node>),
}

fn insert(map: &mut IndexMap<String, Node>, key: String, segs: &[String], value: String) {
    let Some((first, rest)) = segs.split_first() else {
        // Repeated plain keys: the last one wins.
        map.insert(key, Node::Leaf(value));
        return;
    };
    let entry = map
        .entry(key)
        .or_insert_with(|| Node::Branch(IndexMap::new()));
    if let Node::Leaf(_) = entry {
        *entry = Node::Branch(IndexMap::new());
    }
    if let Node::Branch(inner) = entry {
        // `ids[]=1&ids[]=2` appends.
        let k = if first.is_empty() {
            inner.len().to_string()
        } else {
            first.clone()
        };
        insert(inner, k, rest, value);
    }
}

fn to_json(node: Node) -> Value {
    match node {
        Node::Leaf(s) => Value::String(s),
        Node::Branch(map) => {
            let all_indexes = !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok());
            if all_indexes {
                let mut items: Vec<(usize, Node)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse::<usize>().unwrap_or(0), v))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| to_json(v)).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, to_json(v))).collect())
            }
        }
    }
}

/// Parse a raw query string into one JSON object. Array indexes become JSON arrays in
/// index order; scalar values stay strings (handlers accept "Integer or String", §2.6).
pub fn parse_query(query: &str) -> Map<String, Value> {
    let mut root: IndexMap<String, Node> = IndexMap::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k.is_empty() {
            continue;
        }
        let (base, segs) = split_key(&k);
        insert(&mut root, base, &segs, v.into_owned());
    }
    root.into_iter().map(|(k, v)| (k, to_json(v))).collect()
}

/// The highest `fields[N]` index accepted in a records.json query string (§2.2, §10).
pub const MAX_QUERY_FIELDS_INDEX: usize = 99;

/// §2.2: on records.json the `fields` index can only be 0..99 in the query string. The
/// exact error is not documented; the sandbox answers CB_VA01 naming the index.
pub fn check_query_field_indexes(api: &str, query: &str) -> Result<(), KError> {
    if api != "records" {
        return Ok(());
    }
    for (k, _) in form_urlencoded::parse(query.as_bytes()) {
        let (base, segs) = split_key(&k);
        if base != "fields" {
            continue;
        }
        if let Some(idx) = segs.first().and_then(|s| s.parse::<usize>().ok()) {
            if idx > MAX_QUERY_FIELDS_INDEX {
                return Err(KError::invalid(
                    &format!("fields[{idx}]"),
                    &["The index must be between 0 and 99 in a query string."],
                ));
            }
        }
    }
    Ok(())
}

pub fn media_type(content_type: Option<&str>) -> Option<String> {
    content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

pub fn invalid_json() -> KError {
    // CB_IJ01 is what kintone answers for a body it cannot read as JSON.
    KError::new(400, "CB_IJ01", "Invalid JSON string.")
}

/// A JSON body, or `None` for an empty one. A non-empty body that is not sent as
/// `application/json` cannot be parsed (§2.1) and fails like malformed JSON.
pub fn parse_json_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Option<Map<String, Value>>, KError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    if media_type(content_type).as_deref() != Some("application/json") {
        return Err(invalid_json());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) | Err(_) => Err(invalid_json()),
    }
}

/// Merge query-string parameters under the JSON body's: when a client sends both, the
/// body wins on a clash (an UNCONFIRMED choice, see README).
pub fn merge(query: Map<String, Value>, body: Option<Map<String, Value>>) -> Json {
    let mut out = query;
    if let Some(body) = body {
        for (k, v) in body {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// Read the `file` part of a multipart/form-data body (§4.11).
pub async fn parse_multipart(
    content_type: &str,
    body: bytes::Bytes,
) -> Result<Option<Upload>, KError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| KError::invalid("file", &["Invalid multipart/form-data request."]))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let bad = |_| KError::invalid("file", &["Invalid multipart/form-data request."]);
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let ct = field
            .content_type()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let data = field.bytes().await.map_err(bad)?;
        return Ok(Some(Upload {
            name,
            content_type: ct,
            data,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets_arrays_and_objects() {
        let p =
            parse_query("app=1&fields[0]=a&fields[1]=b&updateKey[field]=code&updateKey[value]=x");
        assert_eq!(
            Value::Object(p),
            json!({"app":"1","fields":["a","b"],"updateKey":{"field":"code","value":"x"}})
        );
    }

    #[test]
    fn percent_encoded_brackets_and_nesting() {
        let p = parse_query("ids%5B1%5D=2&ids%5B0%5D=1&record%5Bt%5D%5Bvalue%5D=hello%20w&q=a+b");
        assert_eq!(
            Value::Object(p),
            json!({"ids":["1","2"],"record":{"t":{"value":"hello w"}},"q":"a b"})
        );
    }

    #[test]
    fn empty_brackets_append_and_odd_keys_are_literal() {
        let p = parse_query("ids[]=5&ids[]=6&a[b=1&[x]=2&=3");
        assert_eq!(
            Value::Object(p),
            json!({"ids":["5","6"],"a[b":"1","[x]":"2"})
        );
    }

    #[test]
    fn nested_arrays_of_objects() {
        let p = parse_query("records[0][id]=1&records[0][revision]=2&records[1][id]=3");
        assert_eq!(
            Value::Object(p),
            json!({"records":[{"id":"1","revision":"2"},{"id":"3"}]})
        );
    }

    #[test]
    fn fields_index_limit() {
        assert!(check_query_field_indexes("records", "fields[99]=a").is_ok());
        let e = check_query_field_indexes("records", "fields%5B100%5D=a").unwrap_err();
        assert_eq!(e.code, "CB_VA01");
        assert!(e.errors.unwrap().contains_key("fields[100]"));
        assert!(check_query_field_indexes("record", "fields[100]=a").is_ok());
    }

    #[test]
    fn json_body_rules() {
        assert_eq!(parse_json_body(None, b"").unwrap(), None);
        assert_eq!(
            parse_json_body(Some("text/plain"), b"{\"a\":1}")
                .unwrap_err()
                .code,
            "CB_IJ01"
        );
        assert_eq!(
            parse_json_body(Some("application/json"), b"{bad")
                .unwrap_err()
                .code,
            "CB_IJ01"
        );
        let m = parse_json_body(Some("Application/JSON; charset=utf-8"), b"{\"a\":1}")
            .unwrap()
            .unwrap();
        assert_eq!(m.get("a"), Some(&json!(1)));
    }

    #[tokio::test]
    async fn multipart_file_part() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nignored\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n";
        let up = parse_multipart(
            "multipart/form-data; boundary=XyZ",
            bytes::Bytes::from(body),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(up.name, "a b.txt");
        assert_eq!(up.content_type, "text/plain");
        assert_eq!(&up.data[..], b"hello");
        let none = parse_multipart(
            "multipart/form-data; boundary=XyZ",
            bytes::Bytes::from("--XyZ--\r\n"),
        )
        .await
        .unwrap();
        assert!(none.is_none());
        let e = parse_multipart("multipart/form-data", bytes::Bytes::new())
            .await
            .unwrap_err();
        assert_eq!(e.code, "CB_VA01");
    }

    #[test]
    fn log_keeps_a_byte_budget() {
        use crate::server::state::{LogEntry, RequestLog};
        let mut log = RequestLog::default();
        let big = "x".repeat(crate::server::state::LOGGED_PARAMS_MAX_BYTES + 1);
        log.push(LogEntry {
            params: json!({ "v": big }),
            ..Default::default()
        });
        let e = &log.entries[0];
        assert!(e.params["_sandbox_params_bytes"].as_u64().unwrap() > 8 * 1024 * 1024);
        log.push(LogEntry {
            params: json!({"a": 1}),
            ..Default::default()
        });
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.bytes, 64 + 7);
        log.clear();
        assert_eq!((log.entries.len(), log.bytes), (0, 0));
        assert_eq!(log.push(LogEntry::default()), 3);
    }
}
