//! Where the driver's work runs, and how long an application waits for it.
//!
//! - One tokio runtime per *process*: a child forked after the driver was used gets a
//!   runtime of its own, because the parent's worker threads do not exist in the child
//!   and its I/O driver shares the parent's epoll instance (a socket the child
//!   registered there woke the parent's threads with the child's pointers).
//! - Every blocking call runs on a driver-owned thread with a known, large stack: the
//!   application's thread may be a macOS secondary thread with 512 KB, and parsing,
//!   planning and evaluating a long statement recurse.
//! - A call ends early when its statement is cancelled or freed, or when the tightest
//!   of its time limits passes; the error names the limit.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use kintone_sql::call_threads::{CallError, CallThreads};
use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tracing::Instrument;

use crate::diag::{DResult, DriverError, State, SHY000, SHY001, SHY008};
use crate::sync::lock;

/// Stack of the thread a blocking call runs on. Address space only: pages are touched
/// as the recursion goes, and statements are kept shallow enough to fit (sql's
/// `complexity` limits).
pub const CALL_STACK: usize = 256 << 20;
/// Stack of the runtime's workers, where DataFusion runs the tasks it spawns.
const WORKER_STACK: usize = 64 << 20;

struct ProcessRuntime {
    pid: u32,
    rt: &'static Runtime,
}

fn runtime() -> DResult<&'static Runtime> {
    static CURRENT: Mutex<Option<ProcessRuntime>> = Mutex::new(None);
    let pid = process();
    let mut current = lock(&CURRENT);
    if let Some(r) = current.as_ref().filter(|r| r.pid == pid) {
        return Ok(r.rt);
    }
    // First use, or a forked child. The parent's runtime is left as it is, never dropped
    // here: dropping would wait for threads that only exist in the parent and would
    // deregister the parent's sockets from the epoll instance both share.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kintone-odbc")
        .thread_stack_size(WORKER_STACK)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| {
            DriverError::new(
                SHY000,
                format!("cannot start the driver's I/O runtime: {e}"),
            )
        })?;
    let rt: &'static Runtime = Box::leak(Box::new(rt));
    *current = Some(ProcessRuntime { pid, rt });
    Ok(rt)
}

/// This process's id, remembered: every handle access asks (objects made before a fork
/// belong to the parent and are neither used nor dropped in the child), and glibc makes
/// each `getpid` a system call, about 6% of a wide `SELECT *` read through pyodbc.
/// 0 = not known yet; a fork's child forgets it in [`forked`].
static PID: AtomicU32 = AtomicU32::new(0);

/// The process an object was created in: objects made before a fork belong to the
/// parent and are neither used nor dropped in the child.
pub fn process() -> u32 {
    match PID.load(Ordering::Acquire) {
        0 => remember_process(),
        pid => pid,
    }
}

#[cold]
fn remember_process() -> u32 {
    static AT_FORK: Once = Once::new();
    // Registered before the id is first stored, so no fork can copy a stored id into a
    // child without the child handler running.
    AT_FORK.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe,
        // as a handler run in a forked child must be). If registration fails the id is
        // not cached at all.
        if unsafe { libc::pthread_atfork(None, None, Some(forked)) } != 0 {
            FORGET.store(true, Ordering::Release);
        }
    });
    let pid = std::process::id();
    if !FORGET.load(Ordering::Acquire) {
        PID.store(pid, Ordering::Release);
    }
    pid
}

/// Set when the fork handler could not be registered: then every call asks the system.
static FORGET: AtomicBool = AtomicBool::new(false);

/// Runs in the child of every `fork()`: its id is not the parent's.
extern "C" fn forked() {
    PID.store(0, Ordering::Release);
}

/// The threads blocking calls run on (see `kintone_sql::call_threads`): a
/// [`CALL_STACK`] stack, kept between calls.
static CALL_THREADS: CallThreads = CallThreads::new("kintone-odbc-call", CALL_STACK);

/// Runs a future to completion on the driver's runtime, on a driver-owned thread with
/// a [`CALL_STACK`] stack. A thread of the driver's own also keeps this callable from
/// inside an application's own tokio runtime (a Rust host using odbc-api in an async
/// task), where blocking its thread on another runtime would panic.
pub fn block_on<F>(f: F) -> DResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    // The caller's subscriber (its connection's log, see `log`) and span go with the
    // work to the thread that does it.
    let dispatch = tracing::dispatcher::get_default(|d| d.clone());
    let f = f.instrument(tracing::Span::current());
    CALL_THREADS
        .run(|| tracing::dispatcher::with_default(&dispatch, || rt.block_on(f)))
        .map_err(|e| match e {
            CallError::Spawn(e) => DriverError::new(
                SHY001,
                format!("cannot start a thread for the driver's work: {e}"),
            ),
            CallError::Panicked(m) => DriverError::new(
                SHY000,
                format!("internal error: the driver's work stopped unexpectedly: {m}"),
            ),
        })
}

/// Drops `x` on one of the runtime's threads: a result or plan may hold expression
/// trees deep enough to overflow the application's thread while being dropped (a
/// macOS secondary thread has 512 KB), and dropping a running read also schedules
/// the deletion of its Kintone cursor, which needs the runtime.
pub fn dispose<T: Send + 'static>(x: T) {
    match runtime() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(x));
        }
        Err(_) => drop(x),
    }
}

/// Set from another thread by `SQLCancel`, or when the statement or its connection is
/// freed while a call waits for Kintone.
#[derive(Default)]
pub struct Cancel {
    flag: AtomicBool,
    abandoned: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// The handle is going away: the call waiting now ends, and so does any later one.
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst) || self.abandoned.load(Ordering::SeqCst)
    }

    fn why(&self) -> DriverError {
        if self.abandoned.load(Ordering::SeqCst) {
            DriverError::new(
                SHY008,
                "the statement was freed or its connection closed while it waited for Kintone",
            )
        } else {
            DriverError::new(SHY008, "the statement was cancelled (SQLCancel)")
        }
    }

    /// Resolves once the token fires.
    async fn fired(&self) {
        loop {
            // Register before checking the flags so a cancel in between is not lost.
            let n = self.notify.notified();
            tokio::pin!(n);
            n.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            n.await;
        }
    }
}

/// One time limit on a call: its length in seconds (0 = none), the SQLSTATE and the
/// setting's name for the error.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub secs: u64,
    pub state: State,
    pub what: &'static str,
}

impl Limit {
    pub fn new(secs: u64, state: State, what: &'static str) -> Self {
        Limit { secs, state, what }
    }

    fn expired(&self) -> DriverError {
        DriverError::new(
            self.state,
            format!(
                "{} of {} s expired before Kintone answered",
                self.what, self.secs
            ),
        )
    }
}

/// The limit that ends first (the first given wins a tie).
fn tightest(limits: &[Limit]) -> Option<Limit> {
    limits
        .iter()
        .filter(|l| l.secs > 0)
        .fold(None, |best: Option<Limit>, l| match best {
            Some(b) if b.secs <= l.secs => Some(b),
            _ => Some(*l),
        })
}

/// Like [`block_on`], ending early with HY008 when `cancel` fires (a fresh `SQLCancel`
/// is cleared first: it only interrupts a call in progress) and with the limit's state
/// when the tightest of `limits` passes.
pub fn run<F, T>(cancel: Option<&Cancel>, limits: &[Limit], f: F) -> DResult<T>
where
    F: Future<Output = DResult<T>> + Send,
    T: Send,
{
    if let Some(c) = cancel {
        c.flag.store(false, Ordering::SeqCst);
        if c.is_cancelled() {
            return Err(c.why());
        }
    }
    let limit = tightest(limits);
    block_on(async move {
        let work = async {
            match limit {
                None => f.await,
                Some(l) => tokio::time::timeout(Duration::from_secs(l.secs), f)
                    .await
                    .unwrap_or_else(|_| Err(l.expired())),
            }
        };
        match cancel {
            None => work.await,
            Some(c) => tokio::select! {
                r = work => r,
                _ = c.fired() => Err(c.why()),
            },
        }
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{SHYT00, SHYT01};

    #[test]
    fn the_tightest_limit_ends_the_wait_and_is_named() {
        let limits = [
            Limit::new(0, SHYT00, "none"),
            Limit::new(5, SHYT00, "the query timeout"),
            Limit::new(1, SHYT01, "the connection timeout"),
        ];
        let started = std::time::Instant::now();
        let e = run(None, &limits, async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(4));
        assert_eq!(e.sqlstate, "HYT01");
        assert!(
            e.message.contains("connection timeout of 1 s"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_abandoned_token_ends_the_call_waiting_and_every_later_one() {
        let c = std::sync::Arc::new(Cancel::default());
        let c2 = c.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            c2.abandon();
        });
        let e = run(Some(&c), &[], async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        })
        .unwrap_err();
        t.join().unwrap();
        assert_eq!(e.sqlstate, "HY008");
        assert!(e.message.contains("freed"), "{}", e.message);
        let e = run(Some(&c), &[], async { Ok(()) }).unwrap_err();
        assert_eq!(e.sqlstate, "HY008");
    }

    #[test]
    fn a_cancel_before_the_call_does_not_end_it() {
        let c = Cancel::default();
        c.cancel();
        assert_eq!(run(Some(&c), &[], async { Ok(7) }).unwrap(), 7);
    }

    #[test]
    fn calls_run_on_a_large_stack() {
        fn depth(n: u32) -> u32 {
            let pad = std::hint::black_box([0u8; 1024]);
            if n == 0 {
                pad[0] as u32
            } else {
                depth(n - 1) + 1 + pad[1] as u32
            }
        }
        // 64 MB of frames: far beyond any default thread stack.
        assert_eq!(block_on(async { depth(60_000) }).unwrap(), 60_000);
    }

    #[test]
    fn a_forked_child_gets_its_own_runtime_and_the_parent_keeps_its_own() {
        block_on(async {}).unwrap();
        let parent_rt = runtime().unwrap() as *const Runtime;
        // SAFETY: the child only runs the driver's own code and then _exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: bounds the child should a lock held by another test thread at the
            // fork never come free there.
            unsafe { libc::alarm(30) };
            let child_rt = runtime().map(|r| r as *const Runtime).ok();
            let ok = child_rt.is_some_and(|c| c != parent_rt)
                && block_on(async {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    5
                })
                .ok()
                    == Some(5);
            // SAFETY: ending the forked child without running the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "child failed: {status}"
        );
        assert_eq!(runtime().unwrap() as *const Runtime, parent_rt);
        assert_eq!(block_on(async { 3 }).unwrap(), 3);
    }
}
