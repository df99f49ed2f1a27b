//! The four handle kinds and the registry that validates them.
//!
//! A handle is a `Box` turned into a raw pointer. Before any use, the pointer is
//! looked up in a process-wide registry with its kind (ClickHouse's approach): a
//! stale, foreign or wrong-kind handle gets `SQL_INVALID_HANDLE` instead of a read
//! through a bad pointer. Freed handles leave the registry before their memory goes.
//!
//! Lock order follows the hierarchy: a statement's lock may be taken while holding
//! nothing, then its connection's; never the other way round.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::diag::Diagnostics;
use crate::encoding::WcharMode;
use crate::stmt::StmtState;
use crate::sys::Handle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Env,
    Dbc,
    Stmt,
    Desc,
}

fn registry() -> MutexGuard<'static, HashMap<usize, Kind>> {
    static REG: OnceLock<Mutex<HashMap<usize, Kind>>> = OnceLock::new();
    let m = REG.get_or_init(|| Mutex::new(HashMap::new()));
    // A poisoned registry still holds valid entries: keep serving them.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Locks a mutex, surviving poisoning (a panic in another call was already reported).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn register<T>(b: Box<T>, kind: Kind) -> *mut T {
    let p = Box::into_raw(b);
    registry().insert(p as usize, kind);
    p
}

fn is(h: Handle, kind: Kind) -> bool {
    !h.is_null() && registry().get(&(h as usize)) == Some(&kind)
}

pub fn kind_of(h: Handle) -> Option<Kind> {
    if h.is_null() {
        return None;
    }
    registry().get(&(h as usize)).copied()
}

/// Removes a handle from the registry and frees it.
///
/// # Safety
/// `p` was returned by [`register`] for a `T` and is not used afterwards.
unsafe fn release<T>(p: *mut T) {
    if registry().remove(&(p as usize)).is_some() {
        // SAFETY: registered pointers come from Box::into_raw and are removed exactly once.
        drop(unsafe { Box::from_raw(p) });
    }
}

macro_rules! accessor {
    ($name:ident, $t:ty, $kind:expr) => {
        /// The handle as a reference, if it is live and of this kind.
        pub fn $name<'a>(h: Handle) -> Option<&'a $t> {
            if is(h, $kind) {
                // SAFETY: the registry holds only live pointers of this kind.
                Some(unsafe { &*(h as *const $t) })
            } else {
                None
            }
        }
    };
}

accessor!(env, Env, Kind::Env);
accessor!(dbc, Dbc, Kind::Dbc);
accessor!(stmt, Stmt, Kind::Stmt);
accessor!(desc, Desc, Kind::Desc);

/// The diagnostic area of any live handle.
pub fn diagnostics<'a>(h: Handle) -> Option<&'a Mutex<Diagnostics>> {
    match kind_of(h)? {
        Kind::Env => env(h).map(|x| &x.diag),
        Kind::Dbc => dbc(h).map(|x| &x.diag),
        Kind::Stmt => stmt(h).map(|x| &x.diag),
        Kind::Desc => desc(h).map(|x| &x.diag),
    }
}

// ---------------------------------------------------------------------------------
// Environment

#[derive(Debug)]
pub struct EnvState {
    /// 2, 3 or 380; unixODBC passes whatever the application asked for.
    pub odbc_version: u32,
    pub connection_pooling: u32,
    pub cp_match: u32,
}

pub struct Env {
    pub diag: Mutex<Diagnostics>,
    pub state: Mutex<EnvState>,
}

pub fn alloc_env() -> *mut Env {
    register(
        Box::new(Env {
            diag: Mutex::new(Diagnostics::default()),
            state: Mutex::new(EnvState {
                odbc_version: 3,
                connection_pooling: 0,
                cp_match: 0,
            }),
        }),
        Kind::Env,
    )
}

// ---------------------------------------------------------------------------------
// Connection

/// Connection attributes an application may set before or after connecting.
#[derive(Clone, Debug)]
pub struct DbcAttrs {
    pub autocommit: bool,
    pub access_mode: usize,
    pub login_timeout: usize,
    pub connection_timeout: usize,
    pub txn_isolation: usize,
    pub metadata_id: bool,
    pub packet_size: usize,
    pub quiet_mode: usize,
    pub trace: usize,
    pub tracefile: String,
    pub current_catalog: String,
    /// The wide width of this connection (process default, or iODBC's 1061 offer).
    pub wchar: WcharMode,
    /// unixODBC's `SQL_ATTR_ANSI_APP`, kept to answer it back.
    pub ansi_app: Option<usize>,
}

#[derive(Default)]
pub struct DbcState {
    pub conn: Option<Arc<crate::session::Session>>,
    pub stmts: Vec<usize>,
}

pub struct Dbc {
    pub env: usize,
    pub diag: Mutex<Diagnostics>,
    pub attrs: Mutex<DbcAttrs>,
    pub state: Mutex<DbcState>,
}

impl Dbc {
    pub fn session(&self) -> Option<Arc<crate::session::Session>> {
        lock(&self.state).conn.clone()
    }

    pub fn wchar(&self) -> WcharMode {
        lock(&self.attrs).wchar
    }
}

pub fn alloc_dbc(env: Handle) -> *mut Dbc {
    register(
        Box::new(Dbc {
            env: env as usize,
            diag: Mutex::new(Diagnostics::default()),
            attrs: Mutex::new(DbcAttrs {
                autocommit: true,
                access_mode: crate::sys::SQL_MODE_READ_ONLY,
                login_timeout: 0,
                connection_timeout: 0,
                txn_isolation: crate::sys::SQL_TXN_SERIALIZABLE,
                metadata_id: false,
                packet_size: 0,
                quiet_mode: 0,
                trace: 0,
                tracefile: String::new(),
                current_catalog: String::new(),
                wchar: crate::encoding::process_wchar_mode(),
                ansi_app: None,
            }),
            state: Mutex::new(DbcState::default()),
        }),
        Kind::Dbc,
    )
}

// ---------------------------------------------------------------------------------
// Statement

/// Set from another thread by `SQLCancel`; checked while waiting for Kintone.
#[derive(Default)]
pub struct Cancel {
    flag: AtomicBool,
    pub notify: tokio::sync::Notify,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }
    pub fn reset(&self) {
        self.flag.store(false, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

pub struct Stmt {
    pub dbc: usize,
    pub diag: Mutex<Diagnostics>,
    pub state: Mutex<StmtState>,
    pub cancel: Arc<Cancel>,
    /// The implicit descriptors (ARD, APD, IRD, IPD), allocated with the statement.
    pub descs: [usize; 4],
}

impl Stmt {
    pub fn dbc(&self) -> Option<&Dbc> {
        dbc(self.dbc as Handle)
    }
}

pub fn alloc_stmt(dbc_handle: Handle, wchar: WcharMode) -> *mut Stmt {
    let stmt = register(
        Box::new(Stmt {
            dbc: dbc_handle as usize,
            diag: Mutex::new(Diagnostics::default()),
            state: Mutex::new(StmtState::new(wchar)),
            cancel: Arc::new(Cancel::default()),
            descs: [0; 4],
        }),
        Kind::Stmt,
    );
    let mut descs = [0usize; 4];
    for (i, role) in [DescRole::Ard, DescRole::Apd, DescRole::Ird, DescRole::Ipd]
        .into_iter()
        .enumerate()
    {
        let d = register(
            Box::new(Desc {
                diag: Mutex::new(Diagnostics::default()),
                owner: DescOwner::Implicit {
                    stmt: stmt as usize,
                    role,
                },
            }),
            Kind::Desc,
        );
        if let Some(slot) = descs.get_mut(i) {
            *slot = d as usize;
        }
    }
    // SAFETY: just registered, not yet visible to any other thread.
    unsafe { (*stmt).descs = descs };
    if let Some(d) = dbc(dbc_handle) {
        lock(&d.state).stmts.push(stmt as usize);
    }
    stmt
}

/// Frees a statement and its implicit descriptors.
pub fn free_stmt(h: Handle) {
    let Some(s) = stmt(h) else { return };
    if let Some(d) = s.dbc() {
        lock(&d.state).stmts.retain(|p| *p != h as usize);
    }
    let descs = s.descs;
    for d in descs {
        // SAFETY: implicit descriptors belong to this statement only.
        unsafe { release(d as *mut Desc) };
    }
    // SAFETY: validated above; removed from the registry before being dropped.
    unsafe { release(h as *mut Stmt) };
}

/// Frees a connection and any statements the application left allocated.
pub fn free_dbc(h: Handle) {
    let Some(d) = dbc(h) else { return };
    let stmts = std::mem::take(&mut lock(&d.state).stmts);
    for s in stmts {
        free_stmt(s as Handle);
    }
    // SAFETY: validated above.
    unsafe { release(h as *mut Dbc) };
}

/// Whether any connection of this environment is still allocated.
pub fn env_has_connections(h: Handle) -> bool {
    let dbcs: Vec<usize> = registry()
        .iter()
        .filter(|(_, k)| **k == Kind::Dbc)
        .map(|(p, _)| *p)
        .collect();
    dbcs.into_iter()
        .any(|p| dbc(p as Handle).is_some_and(|d| d.env == h as usize))
}

pub fn free_env(h: Handle) {
    if env(h).is_some() {
        // SAFETY: validated above.
        unsafe { release(h as *mut Env) };
    }
}

// ---------------------------------------------------------------------------------
// Descriptor

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescRole {
    Ard,
    Apd,
    Ird,
    Ipd,
}

pub enum DescOwner {
    /// One of a statement's four descriptors: its fields live in the statement.
    Implicit { stmt: usize, role: DescRole },
    /// Allocated by the application; it keeps its own records until it is
    /// associated with a statement (which we do not support: HYC00 there).
    Explicit {
        records: Mutex<crate::stmt::Bindings>,
    },
}

pub struct Desc {
    pub diag: Mutex<Diagnostics>,
    pub owner: DescOwner,
}

pub fn alloc_explicit_desc() -> *mut Desc {
    register(
        Box::new(Desc {
            diag: Mutex::new(Diagnostics::default()),
            owner: DescOwner::Explicit {
                records: Mutex::new(crate::stmt::Bindings::default()),
            },
        }),
        Kind::Desc,
    )
}

/// Frees an explicitly allocated descriptor; implicit ones are HY017 for the caller.
pub fn free_explicit_desc(h: Handle) -> bool {
    match desc(h) {
        Some(Desc {
            owner: DescOwner::Explicit { .. },
            ..
        }) => {
            // SAFETY: validated above.
            unsafe { release(h as *mut Desc) };
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_and_wrong_kind_handles_are_rejected() {
        let e = alloc_env() as Handle;
        assert!(env(e).is_some());
        assert!(dbc(e).is_none());
        let d = alloc_dbc(e) as Handle;
        let s = alloc_stmt(d, WcharMode::Utf16) as Handle;
        let ard = stmt(s).unwrap().descs[0] as Handle;
        assert!(desc(ard).is_some());
        free_dbc(d);
        assert!(stmt(s).is_none(), "statements go with their connection");
        assert!(desc(ard).is_none());
        assert!(dbc(d).is_none());
        free_env(e);
        assert!(env(e).is_none());
        assert!(kind_of(std::ptr::null_mut()).is_none());
        let garbage = 0x10usize as Handle;
        assert!(kind_of(garbage).is_none());
    }
}
