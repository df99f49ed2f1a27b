//! The four handle kinds and the registry that validates them.
//!
//! A handle is the address of an `Arc`'d object. Before any use, the address is looked
//! up in a process-wide registry (ClickHouse's approach): a stale, foreign or
//! wrong-kind handle gets `SQL_INVALID_HANDLE` instead of a read through a bad pointer.
//! Each call holds its own reference while it runs, so an application that frees a
//! handle (or disconnects) while another thread is inside a call on it does not pull
//! the memory from under that call: the call is told to stop, and the object goes
//! when it returns.
//!
//! Lock order follows the hierarchy: a statement's lock may be taken while holding
//! nothing, then its connection's; never the other way round.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::diag::DiagArea;
use crate::encoding::WcharMode;
use crate::runtime::Cancel;
use crate::stmt::StmtState;
use crate::sync::lock;
use crate::sys::Handle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Env,
    Dbc,
    Stmt,
    Desc,
}

/// A live handle, shared: a call holds its own reference for as long as it runs, so a
/// handle freed from another thread meanwhile stays valid memory until that call ends.
#[derive(Clone)]
pub enum Live {
    Env(Arc<Env>),
    Dbc(Arc<Dbc>),
    Stmt(Arc<Stmt>),
    Desc(Arc<Desc>),
}

impl Live {
    pub fn kind(&self) -> Kind {
        match self {
            Live::Env(_) => Kind::Env,
            Live::Dbc(_) => Kind::Dbc,
            Live::Stmt(_) => Kind::Stmt,
            Live::Desc(_) => Kind::Desc,
        }
    }

    pub fn diag(&self) -> &DiagArea {
        match self {
            Live::Env(x) => &x.diag,
            Live::Dbc(x) => &x.diag,
            Live::Stmt(x) => &x.diag,
            Live::Desc(x) => &x.diag,
        }
    }

    fn address(&self) -> usize {
        match self {
            Live::Env(x) => Arc::as_ptr(x) as usize,
            Live::Dbc(x) => Arc::as_ptr(x) as usize,
            Live::Stmt(x) => Arc::as_ptr(x) as usize,
            Live::Desc(x) => Arc::as_ptr(x) as usize,
        }
    }
}

/// Hashes a handle's address with one multiplication: the registry is looked up on
/// every ODBC call (each `SQLGetData` of each cell), where SipHash showed in profiles,
/// and addresses need no protection from collision attacks.
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing: spreads the aligned low bits into the high ones hashbrown
        // uses.
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Registry = HashMap<usize, Live, std::hash::BuildHasherDefault<AddressHasher>>;

fn registry() -> MutexGuard<'static, Registry> {
    static REG: OnceLock<Mutex<Registry>> = OnceLock::new();
    lock(REG.get_or_init(|| Mutex::new(Registry::default())))
}

/// The handle value given to the application: the address of the shared object, which
/// stays unique while the registry holds it.
fn register(h: Live) -> Handle {
    let addr = h.address();
    registry().insert(addr, h);
    addr as Handle
}

pub fn get(h: Handle) -> Option<Live> {
    if h.is_null() {
        return None;
    }
    registry().get(&(h as usize)).cloned()
}

pub fn kind_of(h: Handle) -> Option<Kind> {
    get(h).map(|l| l.kind())
}

/// Takes a handle out of the registry: later calls with it get SQL_INVALID_HANDLE. Its
/// memory goes when the last call still using it returns.
fn unregister(h: Handle) -> Option<Live> {
    registry().remove(&(h as usize))
}

/// Lets go of a freed handle. One made before a fork belongs to the parent: the child
/// leaks it instead of dropping it, because dropping would close the parent's
/// connections and deregister their sockets from the epoll instance both share.
fn let_go<T>(x: Arc<T>, made_in: u32) {
    if made_in != crate::runtime::process() {
        std::mem::forget(x);
    }
}

macro_rules! accessor {
    ($name:ident, $t:ty, $variant:ident) => {
        /// The handle, if it is live and of this kind.
        pub fn $name(h: Handle) -> Option<Arc<$t>> {
            match get(h)? {
                Live::$variant(x) => Some(x),
                _ => None,
            }
        }
    };
}

accessor!(env, Env, Env);
accessor!(dbc, Dbc, Dbc);
accessor!(stmt, Stmt, Stmt);
accessor!(desc, Desc, Desc);

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
    pub diag: DiagArea,
    pub state: Mutex<EnvState>,
}

pub fn alloc_env() -> Handle {
    crate::log::keep_callsites_undecided();
    register(Live::Env(Arc::new(Env {
        diag: DiagArea::default(),
        state: Mutex::new(EnvState {
            odbc_version: 3,
            connection_pooling: 0,
            cp_match: 0,
        }),
    })))
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
    /// The process that allocated it (see [`let_go`]).
    pub pid: u32,
    pub diag: DiagArea,
    pub attrs: Mutex<DbcAttrs>,
    pub state: Mutex<DbcState>,
}

impl Dbc {
    /// The open session, unless this connection was opened by the parent of a fork.
    pub fn session(&self) -> Option<Arc<crate::session::Session>> {
        if self.pid != crate::runtime::process() {
            return None;
        }
        lock(&self.state).conn.clone()
    }

    /// Whether this handle came from the parent of a fork (it cannot be used here).
    pub fn inherited(&self) -> bool {
        self.pid != crate::runtime::process()
    }

    pub fn wchar(&self) -> WcharMode {
        lock(&self.attrs).wchar
    }
}

pub fn alloc_dbc(env: Handle) -> Handle {
    register(Live::Dbc(Arc::new(Dbc {
        env: env as usize,
        pid: crate::runtime::process(),
        diag: DiagArea::default(),
        attrs: Mutex::new(DbcAttrs {
            autocommit: true,
            access_mode: crate::sys::SQL_MODE_READ_WRITE,
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
    })))
}

/// Closes a connection's session. A session inherited from the parent of a fork is let
/// go without being dropped.
pub fn close_session(d: &Dbc) -> Option<Arc<crate::session::Session>> {
    let conn = lock(&d.state).conn.take()?;
    if d.inherited() {
        std::mem::forget(conn);
        return None;
    }
    Some(conn)
}

// ---------------------------------------------------------------------------------
// Statement

pub struct Stmt {
    pub dbc: usize,
    pub pid: u32,
    pub diag: DiagArea,
    pub state: Mutex<StmtState>,
    pub cancel: Arc<Cancel>,
    /// The implicit descriptors (ARD, APD, IRD, IPD), allocated with the statement.
    pub descs: [usize; 4],
    /// The connection's log, taken when the statement is allocated (a statement belongs
    /// to one connected session): every call on the statement, each `SQLGetData` of
    /// each cell included, enters it without looking the connection up.
    pub log: Option<crate::log::Log>,
    /// The span of the statement's calls in that log.
    pub span: Option<tracing::Span>,
}

impl Stmt {
    pub fn dbc(&self) -> Option<Arc<Dbc>> {
        dbc(self.dbc as Handle)
    }
}

pub fn alloc_stmt(dbc_handle: Handle, wchar: WcharMode) -> Handle {
    let log = dbc(dbc_handle)
        .and_then(|d| d.session())
        .and_then(|s| s.log.clone());
    // The statement's address is its handle, and its implicit descriptors name it:
    // build it knowing its own address.
    let s = Arc::new_cyclic(|me: &std::sync::Weak<Stmt>| {
        let stmt = me.as_ptr() as usize;
        let mut descs = [0usize; 4];
        for (slot, role) in
            descs
                .iter_mut()
                .zip([DescRole::Ard, DescRole::Apd, DescRole::Ird, DescRole::Ipd])
        {
            *slot = register(Live::Desc(Arc::new(Desc {
                diag: DiagArea::default(),
                owner: DescOwner::Implicit { stmt, role },
            }))) as usize;
        }
        Stmt {
            dbc: dbc_handle as usize,
            pid: crate::runtime::process(),
            diag: DiagArea::default(),
            state: Mutex::new(StmtState::new(wchar)),
            cancel: Arc::new(Cancel::default()),
            descs,
            span: log.as_ref().map(|l| l.statement_span(stmt)),
            log,
        }
    });
    let h = register(Live::Stmt(s));
    if let Some(d) = dbc(dbc_handle) {
        lock(&d.state).stmts.push(h as usize);
    }
    h
}

/// Frees a statement and its implicit descriptors. A call of another thread still
/// running on it is told to stop; it returns HY008, and the memory goes after it.
pub fn free_stmt(h: Handle) {
    let Some(Live::Stmt(s)) = unregister(h) else {
        return;
    };
    s.cancel.abandon();
    if let Some(d) = s.dbc() {
        lock(&d.state).stmts.retain(|p| *p != h as usize);
    }
    for d in s.descs {
        if let Some(Live::Desc(d)) = unregister(d as Handle) {
            let_go(d, s.pid);
        }
    }
    let pid = s.pid;
    let_go(s, pid);
}

/// Frees a connection and any statements the application left allocated.
pub fn free_dbc(h: Handle) {
    let Some(d) = dbc(h) else { return };
    let stmts = std::mem::take(&mut lock(&d.state).stmts);
    for s in stmts {
        free_stmt(s as Handle);
    }
    if let Some(Live::Dbc(d)) = unregister(h) {
        let pid = d.pid;
        let_go(d, pid);
    }
}

/// Whether any connection of this environment is still allocated.
pub fn env_has_connections(h: Handle) -> bool {
    registry().values().any(|l| match l {
        Live::Dbc(d) => d.env == h as usize,
        _ => false,
    })
}

pub fn free_env(h: Handle) {
    if env(h).is_some() {
        unregister(h);
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
    pub diag: DiagArea,
    pub owner: DescOwner,
}

pub fn alloc_explicit_desc() -> Handle {
    register(Live::Desc(Arc::new(Desc {
        diag: DiagArea::default(),
        owner: DescOwner::Explicit {
            records: Mutex::new(crate::stmt::Bindings::default()),
        },
    })))
}

/// Frees an explicitly allocated descriptor; implicit ones are HY017 for the caller.
pub fn free_explicit_desc(h: Handle) -> bool {
    match desc(h) {
        Some(d) if matches!(d.owner, DescOwner::Explicit { .. }) => {
            unregister(h);
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
        let e = alloc_env();
        assert!(env(e).is_some());
        assert!(dbc(e).is_none());
        let d = alloc_dbc(e);
        let s = alloc_stmt(d, WcharMode::Utf16);
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
