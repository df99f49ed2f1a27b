//! Shared server state: the domain behind a lock, the clock, the request log, faults
//! and concurrency statistics.

use crate::model::{Domain, Json};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

/// The request log keeps only the newest entries so that a long-running sandbox (or a
/// test firing thousands of requests) does not grow without bound.
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// Bulk writes make big `params`; the log also stays under this many bytes of them.
pub const REQUEST_LOG_MAX_BYTES: usize = 256 * 1024 * 1024;

/// A single request's `params` above this size are logged as a size marker only.
pub const LOGGED_PARAMS_MAX_BYTES: usize = 8 * 1024 * 1024;

pub struct Sandbox {
    /// Read handlers take the read lock, so reads run in parallel; the lock is held only
    /// for in-memory work, never across I/O or injected latency.
    pub domain: RwLock<Domain>,
    /// Seconds added to the wall clock (tests move time forward for expiries).
    pub clock_offset_secs: AtomicI64,
    /// Copied from `Domain.limits.max_concurrency` so the async front can check it
    /// without taking the domain lock (a long write would block a runtime worker).
    pub max_concurrency: AtomicUsize,
    /// `/k/` requests currently being served (§2.5 `X-ConcurrencyLimit-Running`).
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub total_requests: AtomicU64,
    pub log: Mutex<RequestLog>,
    pub faults: Mutex<Vec<Fault>>,
}

/// One served request as shown by `GET /sandbox/requests`. Never holds a secret:
/// no passwords, tokens or `Authorization` values, only what kind of auth was used.
#[derive(Debug, Clone, Serialize, Default)]
pub struct LogEntry {
    pub seq: u64,
    /// The method on the wire.
    pub method: String,
    /// After `X-HTTP-Method-Override` (§2.3).
    pub effective_method: String,
    #[serde(rename = "override")]
    pub override_header: Option<String>,
    pub path: String,
    pub api: Option<String>,
    pub guest: Option<u64>,
    /// The raw query string ("" when absent).
    pub query: String,
    pub params: Json,
    pub auth: &'static str,
    pub user: Option<String>,
    pub api_tokens: usize,
    pub basic: bool,
    pub client_cert: bool,
    pub content_type: Option<String>,
    /// `None` when the connection was dropped before a status line was sent.
    pub status: Option<u16>,
    pub code: Option<String>,
    /// The connection was closed by an injected fault.
    pub dropped: bool,
    /// Unix epoch milliseconds (wall clock, not the sandbox clock).
    pub started_ms: u64,
    pub finished_ms: u64,
    /// Serialized size of `params`, for the log's byte budget.
    #[serde(skip)]
    pub weight: usize,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    pub entries: VecDeque<LogEntry>,
    pub next_seq: u64,
    /// Sum of the entries' `weight`.
    pub bytes: usize,
}

impl RequestLog {
    /// Sequence numbers are assigned when a request finishes, so `since=SEQ` polling
    /// never skips a request that was still running when the previous poll happened.
    pub fn push(&mut self, mut entry: LogEntry) -> u64 {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        entry.weight = if entry.params.is_null() {
            0
        } else {
            entry.params.to_string().len()
        };
        if entry.weight > LOGGED_PARAMS_MAX_BYTES {
            entry.params = serde_json::json!({ "_sandbox_params_bytes": entry.weight });
            entry.weight = 64;
        }
        while !self.entries.is_empty()
            && (self.entries.len() >= REQUEST_LOG_CAPACITY
                || self.bytes + entry.weight > REQUEST_LOG_MAX_BYTES)
        {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.weight;
            }
        }
        self.bytes += entry.weight;
        self.entries.push_back(entry);
        self.next_seq
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with a given status and body instead of running the API.
    Status,
    /// Close the connection without running the API.
    Drop,
    /// Run the API (a write is committed) and then close the connection.
    DropAfterCommit,
    /// Answer `status` (default 302) with `Location: location`, without running the API.
    Redirect,
    /// Accept the request and never answer; the connection is closed after
    /// `duration_ms` (default 30 s) so a test that forgets it still ends.
    Silent,
    /// Run the API and send its answer one byte every `interval_ms` (default 100).
    Trickle,
    /// Run a cursor read, then answer `next: false` and delete the cursor, as a server
    /// that ends a cursor early would.
    EndCursor,
}

/// An injected failure for the next `count` matching API requests (`POST /sandbox/faults`).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Fault {
    /// Effective method ("GET" ...); any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Exact API name ("records", "preview/app/form/fields", "users"); any when absent.
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default)]
    pub path_contains: Option<String>,
    pub count: u64,
    pub action: FaultAction,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Kintone error code for a JSON error body when no `body` is given.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// For drop actions: send the status line, headers and part of the body before
    /// closing, instead of closing before any response byte.
    #[serde(default)]
    pub mid_body: bool,
    /// For `redirect`: the `Location` to send.
    #[serde(default)]
    pub location: Option<String>,
    /// For `silent`: how long the connection is held before it is closed.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// For `trickle`: the pause between two bytes of the answer.
    #[serde(default)]
    pub interval_ms: Option<u64>,
}

impl Fault {
    fn matches(&self, method: &str, api: Option<&str>, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.api.as_deref().is_none_or(|a| Some(a) == api)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// Releases an in-flight slot when the request is done (or its future is dropped).
pub struct InFlightGuard<'a> {
    sandbox: &'a Sandbox,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.sandbox.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Sandbox {
    pub fn new(domain: Domain) -> Self {
        let max = domain.limits.max_concurrency;
        Sandbox {
            domain: RwLock::new(domain),
            clock_offset_secs: AtomicI64::new(0),
            max_concurrency: AtomicUsize::new(max),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            total_requests: AtomicU64::new(0),
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(Vec::new()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.clock_offset_secs.load(Ordering::Relaxed))
    }

    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset_secs.fetch_add(secs, Ordering::SeqCst);
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Domain> {
        // A handler that panicked poisons the lock; the data is still consistent
        // because writers validate before they mutate, so keep serving.
        self.domain.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Domain> {
        self.domain.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn log(&self) -> MutexGuard<'_, RequestLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Vec<Fault>> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take an in-flight slot, or `None` when the limit is reached (§2.5: the request
    /// that would exceed the limit gets 429 GAIA_TO04).
    pub fn try_enter(&self) -> Option<InFlightGuard<'_>> {
        let limit = self.max_concurrency.load(Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        if now > limit {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Some(InFlightGuard { sandbox: self })
    }

    /// Consume one use of the first fault matching this request.
    pub fn take_fault(&self, method: &str, api: Option<&str>, path: &str) -> Option<Fault> {
        let mut faults = self.faults();
        let idx = faults
            .iter()
            .position(|f| f.count > 0 && f.matches(method, api, path))?;
        let fault = faults[idx].clone();
        faults[idx].count -= 1;
        if faults[idx].count == 0 {
            faults.remove(idx);
        }
        Some(fault)
    }

    /// Cursors that have not expired by the sandbox clock.
    pub fn open_cursors(&self) -> usize {
        let now = self.now();
        self.read()
            .cursors
            .values()
            .filter(|c| c.expires_at > now)
            .count()
    }
}
