//! Reusable large-stack threads for the blocking calls of the ODBC driver and the Python
//! package.
//!
//! Both run every blocking call (connect, execute, each next batch of a read) on a
//! thread of their own with a large stack: the application's thread may be small (a
//! macOS secondary thread has 512 KB, a Python thread 8 MB) while planning and
//! evaluating a long statement recurse, and a thread of the driver's own can also block
//! on its runtime from inside an application's tokio runtime. A fresh thread per call
//! cost more than the call: `SELECT *` of 20,000 records through pyodbc makes 40 next
//! batch calls, and each new thread started with an empty allocator heap, so its first
//! allocations faulted in and zeroed fresh (huge) pages: about a tenth of the read's
//! wall time at 0 ms latency, on the path the application waits on. Threads are
//! therefore kept after a call, a few of them, for the next.
//!
//! - A call never waits for a free thread: with none idle it starts one, so calls from
//!   many application threads, or a call made while another is blocked, cannot
//!   deadlock.
//! - At most [`MAX_IDLE`] threads wait for work, each for at most [`IDLE`]; then it ends.
//! - A forked child has none of its parent's threads: the idle list knows the process
//!   it was made in, and a child starts its own.
//! - Like the tokio runtime's own workers, idle threads run the library's code: the
//!   library must not be unloaded while they live (driver managers keep an ODBC driver
//!   loaded: unixODBC's `DontDLClose` defaults to 1).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError, SendError};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How many threads may wait for the next call. One application thread reading one
/// statement needs one; a few cover a pool of connections used from several threads.
pub const MAX_IDLE: usize = 4;
/// How long an idle thread waits for work before it ends.
pub const IDLE: Duration = Duration::from_secs(30);

/// Work handed to a thread: a call's closure, its lifetime erased (see
/// [`CallThreads::run`]), and where to say it is done.
struct Job {
    work: Box<dyn FnOnce() + Send + 'static>,
    done: mpsc::SyncSender<()>,
}

/// Why a call did not return a value.
#[derive(Debug)]
pub enum CallError {
    /// No thread could be started (the system's thread or memory limit).
    Spawn(std::io::Error),
    /// The call panicked; the message, when the panic carried one.
    Panicked(String),
}

struct Idle {
    /// The process the waiting threads belong to.
    pid: u32,
    workers: Vec<Worker>,
    next_id: u64,
}

struct Worker {
    id: u64,
    jobs: mpsc::Sender<Job>,
}

/// A set of call threads of one name and stack size. Made once, as a `static`.
pub struct CallThreads {
    name: &'static str,
    stack: usize,
    idle: Mutex<Idle>,
}

impl CallThreads {
    pub const fn new(name: &'static str, stack: usize) -> Self {
        CallThreads {
            name,
            stack,
            idle: Mutex::new(Idle {
                pid: 0,
                workers: Vec::new(),
                next_id: 0,
            }),
        }
    }

    /// The idle list of this process. A forked child finds its parent's list, whose
    /// threads do not exist here: it forgets them (dropping would be harmless, but the
    /// channels are the parent's business) and starts afresh.
    fn idle(&self) -> MutexGuard<'_, Idle> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let pid = std::process::id();
        if idle.pid != pid {
            std::mem::forget(std::mem::take(&mut idle.workers));
            idle.pid = pid;
        }
        idle
    }

    /// Runs `f` on one of the threads and returns its result. `f` may borrow from the
    /// caller: this returns only once `f` has run and been dropped.
    pub fn run<R: Send>(&'static self, f: impl FnOnce() -> R + Send) -> Result<R, CallError> {
        let mut slot: Option<Result<R, Box<dyn Any + Send>>> = None;
        let (done, finished) = mpsc::sync_channel::<()>(1);
        let out = &mut slot;
        let work: Box<dyn FnOnce() + Send + '_> = Box::new(move || {
            *out = Some(catch_unwind(AssertUnwindSafe(f)));
        });
        // SAFETY: only the lifetime is changed. `work` borrows from this frame (`f`'s
        // captures, `slot`), and this function does not return before `work` is gone:
        // `finished.recv()` below returns once the thread has sent on `done`, which it
        // does only after `work` ran and was dropped, or once `done` was dropped, which
        // happens only together with `work` (a job dropped unrun: `submit` gives it
        // back on failure and it is dropped here). `work` catches every panic, so
        // nothing unwinds past it.
        let work = unsafe {
            std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Box<dyn FnOnce() + Send + 'static>>(
                work,
            )
        };
        self.submit(Job { work, done }).map_err(CallError::Spawn)?;
        let _ = finished.recv();
        match slot {
            Some(Ok(r)) => Ok(r),
            Some(Err(p)) => Err(CallError::Panicked(panic_message(p.as_ref()))),
            None => Err(CallError::Panicked("the call was dropped unrun".into())),
        }
    }

    /// Hands `job` to an idle thread, or to a new one. On failure the job is dropped
    /// here, unrun.
    fn submit(&'static self, mut job: Job) -> std::io::Result<()> {
        loop {
            let worker = self.idle().workers.pop();
            let Some(w) = worker else {
                return self.spawn(job);
            };
            match w.jobs.send(job) {
                Ok(()) => return Ok(()),
                // That thread has ended (it cannot: an idle thread leaves the list before
                // it ends); try the next.
                Err(SendError(j)) => job = j,
            }
        }
    }

    fn spawn(&'static self, job: Job) -> std::io::Result<()> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let id = {
            let mut idle = self.idle();
            idle.next_id += 1;
            idle.next_id
        };
        // Queued before the thread starts: its first receive gets it.
        let _ = jobs.send(job);
        std::thread::Builder::new()
            .name(self.name.into())
            .stack_size(self.stack)
            .spawn(move || self.serve(id, jobs, inbox))
            .map(drop)
    }

    /// A thread's life: run a job, offer itself for the next, end when not wanted.
    fn serve(&'static self, id: u64, jobs: mpsc::Sender<Job>, inbox: mpsc::Receiver<Job>) {
        loop {
            let job = match inbox.recv_timeout(IDLE) {
                Ok(job) => job,
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {
                    let mut idle = self.idle();
                    if let Some(i) = idle.workers.iter().position(|w| w.id == id) {
                        idle.workers.swap_remove(i);
                        return;
                    }
                    // Not in the list: a caller took this thread just now and its job is
                    // on the way.
                    drop(idle);
                    match inbox.recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    }
                }
            };
            let Job { work, done } = job;
            work();
            // Offered for the next call before this one's caller is woken, so a caller
            // making calls one after another always finds this thread.
            let keep = {
                let mut idle = self.idle();
                let keep = idle.workers.len() < MAX_IDLE;
                if keep {
                    idle.workers.push(Worker {
                        id,
                        jobs: jobs.clone(),
                    });
                }
                keep
            };
            let _ = done.send(());
            if !keep {
                return;
            }
        }
    }

    /// Threads waiting for work now (for tests).
    pub fn idle_count(&self) -> usize {
        self.idle().workers.len()
    }
}

/// The text of a panic's payload.
pub fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn a_call_borrows_from_its_caller_and_runs_on_a_reused_large_stack_thread() {
        static THREADS: CallThreads = CallThreads::new("call-test-a", 64 << 20);
        let words = ["a".to_string(), "b".to_string()];
        let mut names = Vec::new();
        for _ in 0..5 {
            let (joined, name) = THREADS
                .run(|| {
                    // Deeper than a default 2 MB thread stack allows.
                    fn depth(n: u32) -> u32 {
                        let pad = std::hint::black_box([0u8; 1024]);
                        if n == 0 {
                            u32::from(pad[0])
                        } else {
                            depth(n - 1) + 1 + u32::from(pad[1])
                        }
                    }
                    assert_eq!(depth(20_000), 20_000);
                    (words.join("+"), std::thread::current().id())
                })
                .unwrap();
            assert_eq!(joined, "a+b");
            names.push(name);
        }
        // One thread served all five calls, one after another.
        assert!(names.iter().all(|n| *n == names[0]), "{names:?}");
        assert_ne!(names[0], std::thread::current().id());
        assert_eq!(THREADS.idle_count(), 1);
    }

    #[test]
    fn concurrent_calls_never_wait_for_each_other_and_the_idle_list_is_bounded() {
        static THREADS: CallThreads = CallThreads::new("call-test-b", 1 << 20);
        let n = MAX_IDLE + 3;
        // Every call waits until all are running: it can only end if none waited for a
        // free thread.
        let all = Arc::new(Barrier::new(n));
        let ran = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..n {
                let all = all.clone();
                let ran = &ran;
                s.spawn(move || {
                    THREADS
                        .run(|| {
                            all.wait();
                            ran.fetch_add(1, Ordering::SeqCst);
                        })
                        .unwrap()
                });
            }
        });
        assert_eq!(ran.load(Ordering::SeqCst), n);
        assert_eq!(THREADS.idle_count(), MAX_IDLE);
    }

    #[test]
    fn a_panic_becomes_an_error_and_the_thread_serves_on() {
        static THREADS: CallThreads = CallThreads::new("call-test-c", 1 << 20);
        let e = THREADS.run(|| -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert!(
            matches!(&e, CallError::Panicked(m) if m == "boom 7"),
            "{e:?}"
        );
        assert_eq!(THREADS.run(|| 3).unwrap(), 3);
        assert_eq!(THREADS.idle_count(), 1);
    }
}
