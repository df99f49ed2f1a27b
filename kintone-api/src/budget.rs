//! The per-domain concurrency budget shared by every client of the process.
//!
//! Kintone allows 100 concurrent requests per domain (§10) for *all* tools of a customer.
//! Each client takes a permit from its domain's semaphore for every request in flight,
//! so many connections of one process together stay under the budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

pub const DEFAULT_PERMITS: usize = 8;

/// A domain's budget: the semaphore and its configured size.
#[derive(Debug)]
pub struct Budget {
    semaphore: Arc<Semaphore>,
    size: Mutex<usize>,
}

impl Budget {
    fn new(permits: usize) -> Self {
        let permits = permits.max(1);
        Budget {
            semaphore: Arc::new(Semaphore::new(permits)),
            size: Mutex::new(permits),
        }
    }

    pub fn size(&self) -> usize {
        self.size.lock().map(|g| *g).unwrap_or(DEFAULT_PERMITS)
    }

    /// Changes the number of permits. Shrinking takes effect as permits come back.
    pub fn resize(&self, permits: usize) {
        let permits = permits.max(1);
        let Ok(mut size) = self.size.lock() else {
            return;
        };
        if permits > *size {
            self.semaphore.add_permits(permits - *size);
            *size = permits;
        } else if permits < *size {
            let mut to_remove = *size - permits;
            // Permits in use cannot be forgotten now; a background task takes them
            // out of circulation as they are released.
            to_remove -= self.semaphore.forget_permits(to_remove);
            if to_remove > 0 {
                let sem = self.semaphore.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move {
                        if let Ok(p) = sem.acquire_many(to_remove as u32).await {
                            p.forget();
                        }
                    });
                }
            }
            *size = permits;
        }
    }

    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit> {
        self.semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Runtime("the concurrency budget was closed".into()))
    }

    pub fn available(&self) -> usize {
        self.semaphore.available_permits()
    }
}

/// The budgets of this process. A child forked from a process that used the client
/// starts afresh: permits held by the parent's requests in flight at the fork would
/// never come back in the child.
/// The process the budgets belong to, and the budgets by domain key.
type Budgets = (u32, HashMap<String, Arc<Budget>>);

fn registry() -> std::sync::MutexGuard<'static, Budgets> {
    static REGISTRY: OnceLock<Mutex<Budgets>> = OnceLock::new();
    let mut g = REGISTRY
        .get_or_init(|| Mutex::new((std::process::id(), HashMap::new())))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if g.0 != std::process::id() {
        g.1.clear();
        g.0 = std::process::id();
    }
    g
}

/// Kintone's base domains whose `.s.` form is the same domain reached with a client
/// certificate (§1.1).
const BASE_DOMAINS: [&str; 3] = ["cybozu.com", "kintone.com", "cybozu.cn"];

/// The key of a Kintone domain's budget. Kintone counts concurrent requests per domain,
/// whatever the spelling of the URL: the host is lower-cased without a trailing dot,
/// `sub.s.cybozu.com` (client certificates) is `sub.cybozu.com`, the default https port
/// is dropped, and every loopback host (`localhost`, `127.x.y.z`, `::1`) is one
/// machine, told apart by port only.
pub fn key_of(host: &str, port: Option<u16>) -> String {
    let mut h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let loopback = h == "localhost"
        || h.ends_with(".localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false);
    if loopback {
        return format!("loopback:{}", port.unwrap_or(0));
    }
    for base in BASE_DOMAINS {
        let secure = format!(".s.{base}");
        if let Some(sub) = h.strip_suffix(&secure) {
            h = format!("{sub}.{base}");
            break;
        }
    }
    match port {
        Some(p) if p != 443 => format!("{h}:{p}"),
        _ => h,
    }
}

/// The budget key of a client's base URL (see [`key_of`]).
pub fn domain_key(base: &crate::url::BaseUrl) -> String {
    key_of(base.host(), base.port())
}

/// `host[:port]` (IPv6 hosts in brackets) split for [`key_of`].
fn key_of_authority(authority: &str) -> String {
    let a = authority.trim();
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (rest, None),
        }
    } else if a.matches(':').count() == 1 {
        match a.split_once(':') {
            Some((h, p)) => (h, p.parse().ok()),
            None => (a, None),
        }
    } else {
        (a, None)
    };
    key_of(host, port)
}

/// The budget of a domain, given as `host[:port]` or as a key from [`key_of`]; every
/// spelling of one Kintone domain shares it. `permits` resizes it when given.
pub fn for_domain(authority: &str, permits: Option<usize>) -> Arc<Budget> {
    let key = if authority.starts_with("loopback:") {
        authority.to_string()
    } else {
        key_of_authority(authority)
    };
    let mut guard = registry();
    let budget = guard
        .1
        .entry(key)
        .or_insert_with(|| Arc::new(Budget::new(permits.unwrap_or(DEFAULT_PERMITS))))
        .clone();
    drop(guard);
    if let Some(p) = permits {
        if p.max(1) != budget.size() {
            budget.resize(p);
        }
    }
    budget
}

/// Sets the size of a domain's budget for every client of the process.
pub fn configure(authority: &str, permits: usize) {
    for_domain(authority, Some(permits));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shared_between_lookups_and_resizable() {
        let a = for_domain("Budget-Test.cybozu.com", None);
        let b = for_domain("budget-test.cybozu.com", None);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.size(), DEFAULT_PERMITS);
        let p1 = a.acquire().await.unwrap();
        assert_eq!(b.available(), DEFAULT_PERMITS - 1);
        configure("budget-test.cybozu.com", 12);
        assert_eq!(a.size(), 12);
        assert_eq!(a.available(), 11);
        configure("budget-test.cybozu.com", 2);
        assert_eq!(a.size(), 2);
        assert_eq!(a.available(), 1);
        drop(p1);
        assert_eq!(a.available(), 2);
        let other = for_domain("other.cybozu.com:8443", Some(3));
        assert_eq!(other.size(), 3);
        // The client-certificate host is the same domain.
        let s = for_domain("budget-test.s.cybozu.com", None);
        assert!(Arc::ptr_eq(&a, &s));
    }

    #[test]
    fn one_key_per_kintone_domain() {
        assert_eq!(key_of("Sub.Cybozu.com", None), "sub.cybozu.com");
        assert_eq!(key_of("sub.s.cybozu.com", None), "sub.cybozu.com");
        assert_eq!(key_of("sub.s.kintone.com", Some(443)), "sub.kintone.com");
        assert_eq!(key_of("sub.s.cybozu.cn", None), "sub.cybozu.cn");
        assert_eq!(key_of("sub.cybozu.com.", None), "sub.cybozu.com");
        assert_ne!(key_of("a.cybozu.com", None), key_of("b.cybozu.com", None));
        assert_ne!(
            key_of("sub.cybozu.com", None),
            key_of("sub.kintone.com", None)
        );
        assert_eq!(key_of("localhost", Some(8080)), "loopback:8080");
        assert_eq!(key_of("127.0.0.1", Some(8080)), "loopback:8080");
        assert_eq!(key_of("[::1]", Some(8080)), "loopback:8080");
        assert_ne!(
            key_of("127.0.0.1", Some(8080)),
            key_of("127.0.0.1", Some(8081))
        );
        assert_eq!(
            key_of("proxy.example.com", Some(8443)),
            "proxy.example.com:8443"
        );
        for (authority, key) in [
            ("localhost:9000", "loopback:9000"),
            ("127.0.0.1:9000", "loopback:9000"),
            ("[::1]:9000", "loopback:9000"),
            ("sub.s.cybozu.com", "sub.cybozu.com"),
            ("SUB.cybozu.com:443", "sub.cybozu.com"),
        ] {
            assert_eq!(key_of_authority(authority), key, "{authority}");
        }
        let base = crate::url::BaseUrl::parse("http://localhost:18080").unwrap();
        let ip = crate::url::BaseUrl::parse("http://127.0.0.1:18080/").unwrap();
        assert_eq!(domain_key(&base), domain_key(&ip));
    }
}
