//! Kintone error bodies (reference §9): `{code, id, message, errors}` with the HTTP status
//! Kintone uses for that code.

use serde_json::{json, Map, Value};

/// One Kintone error response. Every handler returns these; the server turns them into
/// the exact JSON body of §9.1.
#[derive(Debug, Clone, PartialEq)]
pub struct KError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// `errors` map of validation failures: key -> messages. `None` omits the member.
    pub errors: Option<Map<String, Value>>,
    /// Set when this error is the failure of sub-request `.0` of a bulkRequest with `.1`
    /// sub-requests: `body()` then wraps it as `{"results":[{}, <error>, {}...]}` (§4.8).
    pub bulk_index: Option<(usize, usize)>,
}

impl KError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        KError {
            status,
            code: code.to_string(),
            message: message.into(),
            errors: None,
            bulk_index: None,
        }
    }

    /// `CB_VA01` with a single errors key (§9.1: "Missing or invalid input.").
    pub fn invalid(key: &str, messages: &[&str]) -> Self {
        let mut e = KError::new(400, "CB_VA01", "Missing or invalid input.");
        e.add_error(key, messages);
        e
    }

    /// `CB_VA01` with an empty errors map, for callers that add keys one by one.
    pub fn validation() -> Self {
        let mut e = KError::new(400, "CB_VA01", "Missing or invalid input.");
        e.errors = Some(Map::new());
        e
    }

    pub fn add_error(&mut self, key: &str, messages: &[&str]) {
        let map = self.errors.get_or_insert_with(Map::new);
        let entry = map
            .entry(key.to_string())
            .or_insert_with(|| json!({"messages": []}));
        if let Some(list) = entry.get_mut("messages").and_then(Value::as_array_mut) {
            list.extend(messages.iter().map(|m| Value::String(m.to_string())));
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors.as_ref().is_some_and(|m| !m.is_empty())
    }

    /// Syntax error in a query (§6.9).
    pub fn query_syntax() -> Self {
        KError::invalid("query", &["クエリ記法が間違っています。"])
    }

    pub fn not_logged_in() -> Self {
        KError::new(401, "CB_AU01", "Please login.")
    }

    pub fn no_privilege() -> Self {
        KError::new(403, "CB_NO02", "No privilege to proceed.")
    }

    pub fn app_not_found(app: impl std::fmt::Display) -> Self {
        KError::new(
            404,
            "GAIA_AP01",
            format!("The app (ID: {app}) not found. The app may have been deleted."),
        )
    }

    pub fn record_not_found(id: impl std::fmt::Display) -> Self {
        KError::new(
            404,
            "GAIA_RE01",
            format!("The specified record (ID: {id}) is not found."),
        )
    }

    /// The JSON body of §9.1, with a fresh random request id.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "code": self.code,
            "id": request_id(),
            "message": self.message,
        });
        if let (Some(errors), Some(obj)) = (&self.errors, body.as_object_mut()) {
            obj.insert("errors".into(), Value::Object(errors.clone()));
        }
        if let Some((index, count)) = self.bulk_index {
            let results: Vec<Value> = (0..count.max(index + 1))
                .map(|i| if i == index { body.clone() } else { json!({}) })
                .collect();
            return json!({ "results": results });
        }
        body
    }
}

impl std::fmt::Display for KError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for KError {}

/// Kintone's error ids are ~20 random base64url characters.
pub fn request_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

pub type KResult<T> = Result<T, KError>;
