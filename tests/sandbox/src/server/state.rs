//! Shared server state: the domain behind a lock, the clock, the request log, faults
//! and concurrency statistics.

use crate::model::Domain;
use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::RwLock;

pub struct Sandbox {
    /// Read handlers take the read lock, so reads run in parallel; the lock is held only
    /// for in-memory work, never across I/O or injected latency.
    pub domain: RwLock<Domain>,
    /// Seconds added to the wall clock (tests move time forward for expiries).
    pub clock_offset_secs: AtomicI64,
}

impl Sandbox {
    pub fn new(domain: Domain) -> Self {
        Sandbox {
            domain: RwLock::new(domain),
            clock_offset_secs: AtomicI64::new(0),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.clock_offset_secs.load(Ordering::Relaxed))
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Domain> {
        // A handler that panicked poisons the lock; the data is still consistent
        // because writers validate before they mutate, so keep serving.
        self.domain.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Domain> {
        self.domain.write().unwrap_or_else(|e| e.into_inner())
    }
}
