//! One tokio runtime for the process; calls block on it at the ODBC boundary.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::diag::{DResult, DriverError, SHY000, SHY008, SHYT00};
use crate::handles::Cancel;

fn runtime() -> DResult<&'static Runtime> {
    static RT: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kintone-odbc")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| {
        DriverError::new(
            SHY000,
            format!("cannot start the driver's I/O runtime: {e}"),
        )
    })
}

/// Runs a future to completion on the driver's runtime.
///
/// An application may call ODBC from inside its own tokio runtime (a Rust host using
/// odbc-api in an async task), where blocking the thread on another runtime would
/// panic; then the future runs on a scoped helper thread instead.
pub fn block_on<F>(f: F) -> DResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .map_err(|_| DriverError::new(SHY000, "internal error: the I/O thread stopped"))
        })
    } else {
        Ok(rt.block_on(f))
    }
}

/// Like [`block_on`], ending early with HY008 when `cancel` fires and with HYT00
/// after `timeout` (0 = none).
pub fn run_cancellable<F, T>(cancel: &Cancel, timeout_secs: usize, f: F) -> DResult<T>
where
    F: Future<Output = DResult<T>> + Send,
    T: Send,
{
    cancel.reset();
    block_on(async move {
        let work = async {
            if timeout_secs == 0 {
                f.await
            } else {
                match tokio::time::timeout(Duration::from_secs(timeout_secs as u64), f).await {
                    Ok(r) => r,
                    Err(_) => Err(DriverError::new(
                        SHYT00,
                        format!("the query timeout of {timeout_secs} s expired"),
                    )),
                }
            }
        };
        let cancelled = async {
            loop {
                // Register before checking the flag so a cancel in between is not lost.
                let n = cancel.notify.notified();
                tokio::pin!(n);
                n.as_mut().enable();
                if cancel.is_cancelled() {
                    return;
                }
                n.await;
            }
        };
        tokio::select! {
            r = work => r,
            _ = cancelled => Err(DriverError::new(SHY008, "the statement was cancelled (SQLCancel)")),
        }
    })?
}
