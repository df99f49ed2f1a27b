//! A tiny scripted HTTP/1.1 server for unit tests of the HTTP core and the pagers
//! (the sandbox covers the protocol; this covers our own retry and paging logic).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct MockReq {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Value,
    pub headers: HashMap<String, String>,
}

impl MockReq {
    /// A parameter from the query string or the JSON body.
    pub fn param(&self, k: &str) -> Option<String> {
        if let Some(v) = self.query.get(k) {
            return Some(v.clone());
        }
        match self.body.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) if !v.is_null() => Some(v.to_string()),
            _ => None,
        }
    }
}

pub enum MockResp {
    Json(u16, Value),
    Text(u16, String),
    /// Close the connection without answering.
    Drop,
}

pub type Handler = Arc<dyn Fn(&MockReq) -> MockResp + Send + Sync>;

pub struct Mock {
    pub url: String,
    pub log: Arc<Mutex<Vec<MockReq>>>,
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .to_string()
}

pub async fn start(handler: Handler) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<MockReq>>> = Arc::default();
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let log = log2.clone();
            tokio::spawn(async move {
                let mut buf: Vec<u8> = Vec::new();
                loop {
                    // Read one request head.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut tmp = [0u8; 8192];
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.split("\r\n");
                    let first = lines.next().unwrap_or("");
                    let mut parts = first.split(' ');
                    let method = parts.next().unwrap_or("").to_string();
                    let target = parts.next().unwrap_or("").to_string();
                    let mut headers = HashMap::new();
                    for l in lines {
                        if let Some((k, v)) = l.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        let mut tmp = [0u8; 8192];
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    let body_bytes = buf[head_end..head_end + len].to_vec();
                    buf.drain(..head_end + len);
                    let (path, qs) = target.split_once('?').unwrap_or((&target, ""));
                    let query = qs
                        .split('&')
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (k, v) = p.split_once('=').unwrap_or((p, ""));
                            (decode(k), decode(v))
                        })
                        .collect();
                    let req = MockReq {
                        method,
                        path: path.to_string(),
                        query,
                        body: serde_json::from_slice(&body_bytes).unwrap_or(Value::Null),
                        headers,
                    };
                    log.lock().unwrap().push(req.clone());
                    let (status, ctype, body) = match handler(&req) {
                        MockResp::Drop => return,
                        MockResp::Json(s, v) => {
                            (s, "application/json; charset=utf-8", v.to_string())
                        }
                        MockResp::Text(s, t) => (s, "text/plain", t),
                    };
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Mock {
        url: format!("http://{addr}"),
        log,
    }
}
