//! A mutex guard that survives a panic elsewhere: the data here (stored texts, current
//! tokens) stays valid whatever a panicking holder was doing.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
