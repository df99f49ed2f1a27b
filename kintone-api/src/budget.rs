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
        Budget { semaphore: Arc::new(Semaphore::new(permits)), size: Mutex::new(permits) }
    }

    pub fn size(&self) -> usize {
        self.size.lock().map(|g| *g).unwrap_or(DEFAULT_PERMITS)
    }

    /// Changes the number of permits. Shrinking takes effect as permits come back.
    pub fn resize(&self, permits: usize) {
        let permits = permits.max(1);
        let Ok(mut size) = self.size.lock() else { return };
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

fn registry() -> &'static Mutex<HashMap<String, Arc<Budget>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Budget>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The budget of a domain (`host[:port]`, lower-cased). `permits` resizes it when given.
pub fn for_domain(authority: &str, permits: Option<usize>) -> Arc<Budget> {
    let key = authority.to_ascii_lowercase();
    let mut map = match registry().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    let budget = map
        .entry(key)
        .or_insert_with(|| Arc::new(Budget::new(permits.unwrap_or(DEFAULT_PERMITS))))
        .clone();
    drop(map);
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
    }
}
