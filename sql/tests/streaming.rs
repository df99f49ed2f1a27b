//! Streaming: a full scan's memory does not grow with the app's size, and the first
//! batch arrives before the last page is requested. One test per file: the counting
//! allocator is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use kintone_api::{Auth, ClientConfig, ProxyConfig};
use kintone_sandbox::{start, Options, RunningSandbox};
use kintone_sql::{Connection, Settings};

/// Counts live heap bytes and their peak since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

async fn connect(sb: &RunningSandbox) -> Connection {
    let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
    cfg.proxy = ProxyConfig::None;
    Connection::connect(Settings::new(cfg))
        .await
        .expect("connects")
}

fn record_requests(sb: &RunningSandbox) -> usize {
    sb.state()
        .log()
        .entries
        .iter()
        .filter(|e| e.api.as_deref() == Some("records"))
        .count()
}

/// Reads `SELECT *` over Events batch by batch (each dropped at once); returns the rows
/// and the peak of live heap bytes above the level before the statement.
async fn scan_peak(conn: &Connection) -> (usize, usize) {
    let p = conn
        .prepare("SELECT * FROM Events")
        .await
        .expect("prepares");
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let mut s = conn.execute(&p, Vec::new()).await.expect("executes");
    let mut rows = 0;
    while let Some(b) = s.next().await {
        rows += b.expect("batch").num_rows();
    }
    drop(s);
    (rows, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_star_streams_with_bounded_memory() {
    // The sandbox runs in this process: the answer texts it keeps between reads would
    // count as the client's heap.
    kintone_sandbox::model::set_text_budget(0);
    let mut peaks = Vec::new();
    // Sizes past the parallel scan's slow start (it reaches the request budget, 8
    // windows in flight, within the first few pages; with pages decoded into batches as
    // they arrive, 10,000 records end before the peak settles: 5 MB, then about 7 MB
    // from 20,000 to 160,000).
    for n in [20_000usize, 80_000] {
        let sb = start(Options {
            large_records: n,
            ..Options::default()
        })
        .await
        .expect("sandbox starts");
        let conn = connect(&sb).await;
        let (rows, peak) = scan_peak(&conn).await;
        assert_eq!(rows, n);
        peaks.push(peak);
        drop(conn);
        sb.shutdown().await;
    }
    println!("peak live bytes above the baseline: {peaks:?}");
    // Four times the records, at most 1.5 times the memory (pages are the unit: the
    // windows in flight, a few pages of JSON and their batches, whatever the app's
    // size)...
    let (small, large) = (peaks[0], peaks[1]);
    assert!(
        large * 2 <= small * 3,
        "memory grew with the record count: {small} bytes for 20,000 records, {large} for 80,000"
    );
    // ...and an absolute bound: 80,000 records of Events as JSON alone are ~64 MB.
    assert!(large < 12 << 20, "peak {large} bytes");

    // The first batch is there before the last page is requested: 25,000 records are
    // 50 pages of 500, and the reader runs at most a couple of pages ahead.
    let sb = start(Options {
        large_records: 25_000,
        latency_ms: 5,
        ..Options::default()
    })
    .await
    .expect("sandbox starts");
    let conn = connect(&sb).await;
    sb.state().log().clear();
    let p = conn
        .prepare("SELECT * FROM Events")
        .await
        .expect("prepares");
    let mut s = conn.execute(&p, Vec::new()).await.expect("executes");
    let first = s.next().await.expect("a batch").expect("ok");
    assert_eq!(first.num_rows(), 500);
    let at_first = record_requests(&sb);
    let mut rows = first.num_rows();
    while let Some(b) = s.next().await {
        rows += b.expect("batch").num_rows();
    }
    let total = record_requests(&sb);
    assert_eq!(rows, 25_000);
    assert!(
        at_first <= 4,
        "{at_first} pages requested before the first batch"
    );
    assert!(total >= 50, "{total}");
}
