//! Where the package's work runs. Kintone's answers are awaited on a tokio runtime of the
//! process's own, from a thread with a large stack: planning and evaluating a long
//! statement recurse deeper than a Python thread's stack allows (the ODBC driver does
//! the same, `driver/src/runtime.rs`). Callers release the GIL around [`run`].

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use kintone_sql::call_threads::{CallError, CallThreads};
use kintone_sql::error::state;
use kintone_sql::{SqlError, SqlResult};
use tokio::runtime::Runtime;

/// Address space only: pages are touched as deep statements recurse.
const CALL_STACK: usize = 256 << 20;
/// DataFusion runs the tasks it spawns on the workers.
const WORKER_STACK: usize = 64 << 20;

/// Calls run on these, kept between calls (see `kintone_sql::call_threads`).
static CALL_THREADS: CallThreads = CallThreads::new("kintone-odbc-py-call", CALL_STACK);

/// The runtime and the process it was made in: a child forked by `multiprocessing` has
/// none of its parent's worker threads, so it makes a runtime of its own.
static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

fn runtime() -> SqlResult<&'static Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    match *slot {
        Some((owner, rt)) if owner == pid => Ok(rt),
        _ => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("kintone-odbc-py")
                .thread_stack_size(WORKER_STACK)
                .enable_all()
                .build()
                .map_err(|e| SqlError::general(format!("cannot start the I/O runtime: {e}")))?;
            // Never dropped: a parent's runtime must not be torn down from a child, and
            // the process's own lives as long as the module.
            let rt: &'static Runtime = Box::leak(Box::new(rt));
            *slot = Some((pid, rt));
            Ok(rt)
        }
    }
}

/// Runs `work` to its end, or until `limit_secs` (0: no limit) pass.
pub fn run<T, F>(limit_secs: u64, work: F) -> SqlResult<T>
where
    F: Future<Output = SqlResult<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    let bounded = async move {
        if limit_secs == 0 {
            return work.await;
        }
        match tokio::time::timeout(Duration::from_secs(limit_secs), work).await {
            Ok(r) => r,
            Err(_) => Err(SqlError::new(
                state::TIMEOUT,
                format!("the Timeout connection property of {limit_secs} s expired before Kintone answered"),
            )),
        }
    };
    CALL_THREADS
        .run(|| rt.block_on(bounded))
        .map_err(|e| match e {
            CallError::Spawn(e) => {
                SqlError::new(state::NO_MEMORY, format!("cannot start a thread: {e}"))
            }
            CallError::Panicked(m) => SqlError::general(format!(
                "internal error: the call stopped unexpectedly: {m}"
            )),
        })?
}

/// Drops `x` on the runtime: dropping a read still running schedules the deletion of
/// its Kintone cursor, which needs the runtime, and deep plans need a large stack.
pub fn dispose<T: Send + 'static>(x: T) {
    match runtime() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(x));
        }
        Err(_) => drop(x),
    }
}
