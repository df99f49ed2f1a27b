//! Masking for the log: what a request or answer looks like with every credential
//! replaced by `***`. Used at every verbosity, so that no level of the log (nor a
//! support engineer who forwards it) ever holds a password, token or OAuth code.

use std::borrow::Cow;

use reqwest::header::HeaderMap;
use serde_json::Value;

const MASK: &str = "***";

/// Headers that carry credentials (§3): their values never reach the log.
const SECRET_HEADERS: &[&str] = &[
    "x-cybozu-authorization",
    "x-cybozu-api-token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Form, query-string and JSON members that carry credentials. `code` is an OAuth
/// authorization code in forms and URLs only: in Kintone's JSON it is a field or error
/// code, which the log needs.
const SECRET_KEYS: &[&str] = &[
    "password",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "token",
    "api_token",
    "apitoken",
    "secret",
    "verifier",
    "oauth_verifier",
];

fn secret_key(k: &str, form: bool) -> bool {
    SECRET_KEYS.iter().any(|s| k.eq_ignore_ascii_case(s))
        || (form && k.eq_ignore_ascii_case("code"))
}

pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// `name: value` lines of `h`, credentials masked.
pub fn headers(h: &HeaderMap) -> String {
    h.iter()
        .map(|(k, v)| {
            let value: Cow<'_, str> = if v.is_sensitive() || is_secret_header(k.as_str()) {
                Cow::Borrowed(MASK)
            } else {
                String::from_utf8_lossy(v.as_bytes())
            };
            format!("{k}: {value}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A URL with its `user:password@` part and its secret query parameters masked.
pub fn url(u: &str) -> String {
    let (head, query) = match u.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (u, None),
    };
    let head = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://{MASK}@{host}{path}"),
                None => head.to_string(),
            }
        }
        None => head.to_string(),
    };
    match query {
        Some(q) => format!("{head}?{}", form(q)),
        None => head,
    }
}

/// An `a=1&b=2` body or query string with secret members masked. Keys are compared
/// decoded; the text is otherwise kept as it was sent.
pub fn form(body: &str) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) => {
                let key: String = form_urlencoded::parse(k.as_bytes())
                    .next()
                    .map(|(k, _)| k.into_owned())
                    .unwrap_or_default();
                // `fields[0]`-style keys: the name before the index decides.
                let base = key.split('[').next().unwrap_or(&key);
                if secret_key(base, true) {
                    format!("{k}={MASK}")
                } else {
                    pair.to_string()
                }
            }
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `v` with every secret member masked, at any depth.
pub fn json(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let x = if secret_key(k, false) && !x.is_null() {
                        Value::String(MASK.into())
                    } else {
                        json(x)
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(json).collect()),
        other => other.clone(),
    }
}

/// A body for the log: JSON and forms masked, anything else as text; at most `limit`
/// bytes, with the full size named when cut.
pub fn body(bytes: &[u8], limit: usize) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => json(&v).to_string(),
        Err(_) => {
            let t = String::from_utf8_lossy(bytes);
            if looks_like_form(&t) {
                form(&t)
            } else {
                t.into_owned()
            }
        }
    };
    truncate(&text, limit)
}

fn looks_like_form(t: &str) -> bool {
    t.contains('=') && !t.chars().any(char::is_whitespace)
}

/// `s` cut at a character boundary at or below `limit` bytes.
pub fn truncate(s: &str, limit: usize) -> String {
    if s.len() <= limit {
        return s.to_string();
    }
    let mut end = limit;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    let head = s.get(..end).unwrap_or_default();
    format!("{head}… ({} bytes in all)", s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn credential_headers_are_masked_whatever_their_case() {
        let mut h = HeaderMap::new();
        h.insert(
            "X-Cybozu-Authorization",
            HeaderValue::from_static("ZGVtbzpkZW1v"),
        );
        h.insert(
            "x-cybozu-api-token",
            HeaderValue::from_static("tok-1,tok-2"),
        );
        h.insert("Authorization", HeaderValue::from_static("Bearer abc"));
        h.insert("Proxy-Authorization", HeaderValue::from_static("Basic xyz"));
        h.insert("Cookie", HeaderValue::from_static("JSESSIONID=s3cr3t"));
        h.insert("Content-Type", HeaderValue::from_static("application/json"));
        let out = headers(&h);
        for s in ["ZGVtbzpkZW1v", "tok-1", "abc", "xyz", "s3cr3t"] {
            assert!(!out.contains(s), "{out}");
        }
        assert!(out.contains("content-type: application/json"), "{out}");
        let mut sensitive = HeaderValue::from_static("custom-secret");
        sensitive.set_sensitive(true);
        h.insert("X-Other", sensitive);
        assert!(!headers(&h).contains("custom-secret"));
    }

    #[test]
    fn urls_lose_userinfo_and_secret_parameters() {
        let u = url("https://user:pw-1@example.cybozu.com/oauth2/x?code=c0de&state=s&client_secret=cs&refresh_token=rt");
        for s in ["pw-1", "c0de", "=cs", "=rt"] {
            assert!(!u.contains(s), "{u}");
        }
        assert!(
            u.contains("state=s") && u.contains("example.cybozu.com"),
            "{u}"
        );
        assert_eq!(
            url("http://127.0.0.1:1/k/v1/records.json?app=1&query=a%3D1"),
            "http://127.0.0.1:1/k/v1/records.json?app=1&query=a%3D1"
        );
    }

    #[test]
    fn forms_and_json_lose_their_secrets_at_any_depth() {
        let f = form("grant_type=refresh_token&refresh_token=RT-9&client_secret=CS-8&code=AC-7&password=P%3D6");
        for s in ["RT-9", "CS-8", "AC-7", "P%3D6"] {
            assert!(!f.contains(s), "{f}");
        }
        assert!(f.contains("grant_type=refresh_token"), "{f}");
        let v: Value = serde_json::json!({
            "access_token": "AT-1", "refresh_token": "RT-2", "code": "GAIA_XX",
            "requests": [{"payload": {"password": "PW-3", "app": 1}}]
        });
        let m = json(&v).to_string();
        for s in ["AT-1", "RT-2", "PW-3"] {
            assert!(!m.contains(s), "{m}");
        }
        assert!(m.contains("GAIA_XX"), "{m}");
        let b = body(br#"{"access_token":"AT-4"}"#, 100);
        assert!(!b.contains("AT-4"), "{b}");
        let b = body(b"code=AC-5&grant_type=authorization_code", 100);
        assert!(!b.contains("AC-5"), "{b}");
    }

    #[test]
    fn bodies_are_cut_at_a_character_boundary() {
        let t = truncate(&"あ".repeat(100), 10);
        assert!(t.starts_with("あああ…"), "{t}");
        assert!(t.contains("300 bytes"), "{t}");
        assert_eq!(truncate("short", 10), "short");
    }
}
