//! Locking that survives poisoning: a panic in another call was already reported as
//! SQL_ERROR on its handle, and the data behind the lock is still what it was.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
