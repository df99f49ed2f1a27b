//! Reads as streams of pages with bounded memory (§11).
//!
//! Strategies:
//! - `$id` seek: `(<cond>) and $id > last order by $id asc limit 500`: any auth, any size.
//! - cursor: other sorts beyond one page (never under OAuth, §3.8); deleted on error, on
//!   reaching the requested limit, and when the stream is dropped early.
//! - offset: only for a window that ends at or before 10,000 (§4.2).
//! - parallel ranges: a `$id asc` scan split into `$id` windows of about a page each,
//!   N fetched concurrently within the domain budget and delivered in `$id` order.
//!
//! A producer task fills a channel of capacity 2 (a parallel scan also holds up to N
//! fetched windows), so at most a few pages are held whatever the size of the app.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::client::Client;
use crate::endpoints::cursor::CursorInfo;
use crate::endpoints::records::{RecordsPage, MAX_LIMIT, MAX_OFFSET};
use crate::error::{Error, Result};
use crate::query::{and_with, build, OrderKey};
use crate::rows::{RecordDecoder, Rows, RowsDecoder};
use crate::values::Record;

/// How pages were fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Seek,
    Cursor,
    Offset,
    Ranges(usize),
}

/// What the caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StrategyChoice {
    /// §11.4: seek for no order or `$id` order; offset for small windows; else cursor,
    /// else (OAuth, cursors off, or none free) seek with local sorting if allowed.
    #[default]
    Auto,
    Seek,
    Cursor,
    Offset,
    /// A `$id` scan split into this many ranges.
    ParallelSeek(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRequest {
    pub app: u64,
    /// Field codes to return (`$id` is added when a strategy needs it).
    pub fields: Option<Vec<String>>,
    /// Condition text (build it with [`crate::query`]); no order/limit/offset inside.
    pub condition: Option<String>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// Put `totalCount` (all matches, ignoring limit/offset) on the first page.
    pub total_count: bool,
    pub strategy: StrategyChoice,
    /// When the requested order cannot be served (no cursor available), read everything by
    /// `$id` and let the caller sort: pages then say `sorted: false`.
    pub allow_unsorted_fallback: bool,
    /// Records per request (1..=500).
    pub page_size: u64,
}

impl ReadRequest {
    pub fn new(app: u64) -> Self {
        ReadRequest {
            app,
            fields: None,
            condition: None,
            order_by: Vec::new(),
            limit: None,
            offset: 0,
            total_count: false,
            strategy: StrategyChoice::Auto,
            allow_unsorted_fallback: false,
            page_size: MAX_LIMIT,
        }
    }

    fn id_order(&self) -> Option<bool> {
        match self.order_by.as_slice() {
            [] => Some(true),
            [k] if k.is_id() => Some(k.ascending),
            _ => None,
        }
    }

    /// The order with `$id` appended as the final key, so pagination is deterministic.
    fn full_order(&self) -> Vec<OrderKey> {
        let mut o = self.order_by.clone();
        if !o.iter().any(OrderKey::is_id) {
            o.push(OrderKey {
                field: "$id".into(),
                ascending: true,
            });
        }
        o
    }

    fn fields_with_id(&self) -> Option<Vec<String>> {
        self.fields.as_ref().map(|f| {
            let mut f = f.clone();
            if !f.iter().any(|x| x == "$id") {
                f.push("$id".to_string());
            }
            f
        })
    }

    fn page_size(&self) -> u64 {
        self.page_size.clamp(1, MAX_LIMIT)
    }
}

/// One page of a read.
#[derive(Clone, Debug)]
pub struct Page<R = Vec<Record>> {
    pub records: R,
    /// On the first page when asked for.
    pub total_count: Option<u64>,
    /// `X-Cybozu-Warning`: Kintone cut a `like` search short; results may be incomplete.
    pub warning: Option<String>,
    pub strategy: Strategy,
    /// `false` when the requested order could not be served: the caller must sort all
    /// pages and then apply offset/limit itself (none were applied).
    pub sorted: bool,
}

/// The first decision, made without a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Seek {
        ascending: bool,
    },
    Offset,
    Cursor,
    /// One offset request with `totalCount`, then offset, cursor or unsorted seek.
    Probe,
    SeekUnsorted,
    Ranges(usize),
}

/// Chooses how to start a read (§11.4).
pub fn plan(req: &ReadRequest, cursors_allowed: bool) -> Result<Plan> {
    let window_end = req.limit.map(|l| req.offset.saturating_add(l));
    let small_window = matches!(window_end, Some(e) if e <= MAX_OFFSET);
    let unsorted_or = |e: Error| {
        if req.allow_unsorted_fallback {
            Ok(Plan::SeekUnsorted)
        } else {
            Err(e)
        }
    };
    match req.strategy {
        StrategyChoice::Auto => match req.id_order() {
            Some(asc) => Ok(Plan::Seek { ascending: asc }),
            None if small_window => Ok(Plan::Offset),
            None => Ok(Plan::Probe),
        },
        StrategyChoice::Seek => match req.id_order() {
            Some(asc) => Ok(Plan::Seek { ascending: asc }),
            None => unsorted_or(Error::Unsupported(
                "$id paging returns records by $id; this read is ordered by another field".into(),
            )),
        },
        StrategyChoice::Offset => match window_end {
            Some(e) if e > MAX_OFFSET => Err(Error::Unsupported(format!(
                "offset paging only reaches record 10,000 (Kintone's offset limit); this read \
                 needs records up to {e}: use $id paging or a cursor"
            ))),
            // Unknown size: the first request brings totalCount and the check runs then.
            _ => Ok(Plan::Offset),
        },
        StrategyChoice::Cursor if cursors_allowed => Ok(Plan::Cursor),
        StrategyChoice::Cursor => unsorted_or(Error::Unsupported(
            "the cursor API cannot be used with OAuth or when cursors are disabled".into(),
        )),
        StrategyChoice::ParallelSeek(n) => {
            if req.id_order() != Some(true) || req.limit.is_some() || req.offset > 0 {
                return Err(Error::Unsupported(
                    "a parallel $id scan reads all matching records by $id ascending: it \
                     takes no other order, no limit and no offset"
                        .into(),
                ));
            }
            Ok(Plan::Ranges(n.clamp(1, 64)))
        }
    }
}

/// A stream of pages. Dropping it stops the read and deletes any open cursor.
pub struct PageStream<R = Vec<Record>> {
    rx: mpsc::Receiver<Result<Page<R>>>,
    task: JoinHandle<()>,
}

impl<R> Stream for PageStream<R> {
    type Item = Result<Page<R>>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl<R> Drop for PageStream<R> {
    fn drop(&mut self) {
        // Aborting drops the producer's future; its cursor guard then schedules the
        // cursor deletion on the runtime.
        self.task.abort();
    }
}

/// Starts a read. Must be called inside a tokio runtime.
pub fn read(client: &Client, req: ReadRequest) -> Result<PageStream> {
    read_as(client, req, RecordDecoder)
}

/// [`read`], each page's records decoded by `decoder` in the task that fetched it.
pub fn read_as<D: RowsDecoder>(
    client: &Client,
    req: ReadRequest,
    decoder: D,
) -> Result<PageStream<D::Rows>> {
    let handle = tokio::runtime::Handle::try_current()
        .map_err(|_| Error::Runtime("reads need a tokio runtime".into()))?;
    let first = plan(&req, client.cursors_allowed())?;
    // Parallel scans hold up to N pages in their window stream; the channel stays short.
    let (tx, rx) = mpsc::channel(2);
    let client = client.clone();
    // The task's requests belong to the statement that started the read: its span
    // goes along, so the log ties them to it.
    let task = handle.spawn(
        async move {
            let out = Producer {
                client,
                req,
                tx: tx.clone(),
                decoder: std::sync::Arc::new(decoder),
            };
            if let Err(e) = out.run(first).await {
                let _ = tx.send(Err(e)).await;
            }
        }
        .in_current_span(),
    );
    Ok(PageStream { rx, task })
}

/// Reads everything into memory (convenience for small reads and tests).
pub async fn read_all(client: &Client, req: ReadRequest) -> Result<Vec<Record>> {
    use futures_util::StreamExt;
    let mut s = read(client, req)?;
    let mut out = Vec::new();
    while let Some(p) = s.next().await {
        out.extend(p?.records);
    }
    Ok(out)
}

/// Deletes a cursor unless disarmed. The deletion always runs as its own task: the
/// reading task may be aborted at any await (the stream was dropped), and an abort must
/// not cancel a DELETE already on its way and leave the cursor open on the domain.
struct CursorGuard {
    client: Client,
    id: Option<String>,
    handle: tokio::runtime::Handle,
}

impl CursorGuard {
    async fn delete(&mut self) {
        if let Some(task) = self.spawn_delete() {
            let _ = task.await;
        }
    }

    fn spawn_delete(&mut self) -> Option<JoinHandle<()>> {
        let id = self.id.take()?;
        let client = self.client.clone();
        Some(
            self.handle.spawn(
                async move {
                    if let Err(e) = client.delete_cursor(&id).await {
                        tracing::warn!("could not delete cursor: {e}");
                    }
                }
                .in_current_span(),
            ),
        )
    }

    fn disarm(&mut self) {
        self.id = None;
    }
}

impl Drop for CursorGuard {
    fn drop(&mut self) {
        let _ = self.spawn_delete();
    }
}

/// How many times one cursor read starts over after lost pages before it gives up.
const MAX_REREADS: u32 = 3;

/// Whether a failed cursor read may be recovered by reading again from a known
/// position: the page was lost on the way (broken connection, cut or garbled answer,
/// server error) or the cursor is gone. A timeout is not: the call already used up the
/// time the user gave it.
fn rereadable(e: &Error) -> bool {
    match e {
        Error::Transport { .. } | Error::Decode { .. } => true,
        Error::Api { status, .. } if *status >= 500 => true,
        Error::Api { .. } => e.is_code("GAIA_CN01"),
        _ => false,
    }
}

/// The `$id` of the record at `i` of a page.
fn record_id<R: Rows>(records: &R, i: usize) -> Result<u64> {
    records
        .id(i)
        .ok_or_else(|| Error::Unsupported("a record came back without $id".into()))
}

/// The `$id`s of records in the order they came, as a count, the last one and a
/// digest: two reads that delivered the same records in the same order have equal
/// digests, and (but for a 2^-64 chance) different ones otherwise.
#[derive(Clone, Debug)]
struct IdDigest {
    count: u64,
    hasher: std::hash::DefaultHasher,
}

impl Default for IdDigest {
    fn default() -> Self {
        // `DefaultHasher::new` has fixed keys: both sides of a comparison agree.
        IdDigest {
            count: 0,
            hasher: std::hash::DefaultHasher::new(),
        }
    }
}

impl IdDigest {
    fn push(&mut self, id: u64) {
        use std::hash::Hasher;
        self.count += 1;
        self.hasher.write_u64(id);
    }
}

impl PartialEq for IdDigest {
    fn eq(&self, other: &Self) -> bool {
        use std::hash::Hasher;
        self.count == other.count && self.hasher.finish() == other.hasher.finish()
    }
}

/// What a cursor read has received so far (before offset/limit are applied).
#[derive(Default)]
struct CursorProgress {
    received: u64,
    last_id: Option<u64>,
    digest: IdDigest,
}

impl CursorProgress {
    fn push(&mut self, id: u64) {
        self.received += 1;
        self.last_id = Some(id);
        self.digest.push(id);
    }
}

/// Records a replacement cursor must hand out again, and what they were.
struct Replay {
    left: u64,
    digest: IdDigest,
}

/// Counts records to skip and to keep, for strategies that cannot push offset/limit.
#[derive(Clone, Copy, Debug)]
struct Window {
    skip: u64,
    remaining: Option<u64>,
}

impl Window {
    fn apply<R: Rows>(&mut self, records: &mut R) {
        let n = records.len();
        let s = usize::try_from(self.skip).unwrap_or(usize::MAX).min(n);
        self.skip -= s as u64;
        let mut kept = n - s;
        if let Some(r) = self.remaining.as_mut() {
            kept = kept.min(usize::try_from(*r).unwrap_or(usize::MAX));
            *r -= kept as u64;
        }
        if kept < n {
            records.keep(s, kept);
        }
    }

    fn done(&self) -> bool {
        self.remaining == Some(0)
    }
}

struct Producer<D: RowsDecoder> {
    client: Client,
    req: ReadRequest,
    tx: mpsc::Sender<Result<Page<D::Rows>>>,
    decoder: std::sync::Arc<D>,
}

impl<D: RowsDecoder> Producer<D> {
    /// Sends a page; `false` when the consumer is gone.
    async fn send(&self, page: Page<D::Rows>) -> bool {
        self.tx.send(Ok(page)).await.is_ok()
    }

    async fn run(&self, first: Plan) -> Result<()> {
        match first {
            Plan::Seek { ascending } => {
                let w = self.window_for_seek();
                self.seek(
                    self.req.condition.clone(),
                    ascending,
                    w,
                    true,
                    Strategy::Seek,
                )
                .await
                .map(drop)
            }
            Plan::SeekUnsorted => self.seek_unsorted().await,
            Plan::Offset => self.offset(None).await,
            Plan::Probe => self.probe().await,
            Plan::Cursor => self.cursor_or_fallback().await,
            Plan::Ranges(n) => self.ranges(n).await,
        }
    }

    fn window_for_seek(&self) -> (Option<u64>, Window) {
        // A first offset within Kintone's limit is pushed; beyond it the records are
        // skipped here.
        if self.req.offset > 0 && self.req.offset <= MAX_OFFSET {
            (
                Some(self.req.offset),
                Window {
                    skip: 0,
                    remaining: self.req.limit,
                },
            )
        } else {
            (
                None,
                Window {
                    skip: self.req.offset,
                    remaining: self.req.limit,
                },
            )
        }
    }

    async fn seek(
        &self,
        condition: Option<String>,
        ascending: bool,
        (mut first_offset, mut w): (Option<u64>, Window),
        sorted: bool,
        strategy: Strategy,
    ) -> Result<u64> {
        let app = self.req.app;
        let fields = self.req.fields_with_id();
        let order = [OrderKey {
            field: "$id".into(),
            ascending,
        }];
        let size = self.req.page_size();
        let mut last: Option<u64> = None;
        let mut want_total = self.req.total_count;
        let mut sent = 0u64;
        loop {
            let lim = match w.remaining {
                Some(r) => (r + w.skip).clamp(1, size),
                None => size,
            };
            let cond = match last {
                None => condition.clone(),
                Some(l) => Some(and_with(
                    condition.as_deref(),
                    &format!("$id {} {l}", if ascending { ">" } else { "<" }),
                )),
            };
            let q = build(cond.as_deref(), &order, Some(lim), first_offset.take());
            let page = self
                .client
                .get_records_as(&*self.decoder, app, fields.as_deref(), &q, want_total)
                .await?;
            let n = page.records.len() as u64;
            if let Some(i) = page.records.len().checked_sub(1) {
                last = Some(record_id(&page.records, i)?);
            }
            let mut records = page.records;
            w.apply(&mut records);
            let out = Page {
                records,
                total_count: if want_total { page.total_count } else { None },
                warning: page.warning,
                strategy,
                sorted,
            };
            want_total = false;
            sent += out.records.len() as u64;
            if !self.send(out).await || n < lim || w.done() {
                return Ok(sent);
            }
        }
    }

    async fn seek_unsorted(&self) -> Result<()> {
        // Offset and limit apply to the requested order, which only the caller can
        // establish: read everything.
        self.seek(
            self.req.condition.clone(),
            true,
            (
                None,
                Window {
                    skip: 0,
                    remaining: None,
                },
            ),
            false,
            Strategy::Seek,
        )
        .await
        .map(drop)
    }

    /// Offset paging; `first` is an already fetched first page (from the probe).
    async fn offset(&self, first: Option<RecordsPage<D::Rows>>) -> Result<()> {
        let app = self.req.app;
        let order = self.req.full_order();
        let size = self.req.page_size();
        let mut off = self.req.offset;
        let mut end = self.req.limit.map(|l| off.saturating_add(l));
        let mut pending_first = first;
        let mut want_total = self.req.total_count;
        loop {
            let page = match pending_first.take() {
                Some(p) => p,
                None => {
                    let lim = match end {
                        Some(e) => (e - off).min(size),
                        None => size,
                    };
                    if lim == 0 {
                        return Ok(());
                    }
                    if off + lim > MAX_OFFSET + MAX_LIMIT || off > MAX_OFFSET {
                        return Err(Error::Unsupported(
                            "offset paging reached Kintone's 10,000 offset limit".into(),
                        ));
                    }
                    let q = build(self.req.condition.as_deref(), &order, Some(lim), Some(off));
                    let need_total = want_total || end.is_none();
                    let p = self
                        .client
                        .get_records_as(
                            &*self.decoder,
                            app,
                            self.req.fields.as_deref(),
                            &q,
                            need_total,
                        )
                        .await?;
                    if end.is_none() {
                        // Unknown window: refuse before yielding anything if it would run
                        // past the offset limit.
                        let total = p.total_count.unwrap_or(0);
                        if total > MAX_OFFSET {
                            return Err(Error::Unsupported(format!(
                                "offset paging only reaches record 10,000; this read matches \
                                 {total} records: use $id paging or a cursor"
                            )));
                        }
                        end = Some(total.max(off));
                    }
                    p
                }
            };
            let n = page.records.len() as u64;
            off += n;
            let out = Page {
                records: page.records,
                total_count: if want_total { page.total_count } else { None },
                warning: page.warning,
                strategy: Strategy::Offset,
                sorted: true,
            };
            want_total = false;
            if !self.send(out).await {
                return Ok(());
            }
            if n == 0 || matches!(end, Some(e) if off >= e) {
                return Ok(());
            }
        }
    }

    async fn probe(&self) -> Result<()> {
        let size = self.req.page_size();
        let lim = self.req.limit.map(|l| l.clamp(1, size)).unwrap_or(size);
        if self.req.offset > MAX_OFFSET {
            return self.cursor_or_fallback().await;
        }
        let q = build(
            self.req.condition.as_deref(),
            &self.req.full_order(),
            Some(lim),
            Some(self.req.offset),
        );
        let page = self
            .client
            .get_records_as(
                &*self.decoder,
                self.req.app,
                self.req.fields.as_deref(),
                &q,
                true,
            )
            .await?;
        let total = page.total_count.unwrap_or(0);
        let avail = total.saturating_sub(self.req.offset);
        let end = self.req.offset + self.req.limit.map(|l| l.min(avail)).unwrap_or(avail);
        if end <= MAX_OFFSET {
            return self.offset_with_end(page, end).await;
        }
        self.cursor_or_fallback().await
    }

    async fn offset_with_end(&self, first: RecordsPage<D::Rows>, end: u64) -> Result<()> {
        let mut req = self.req.clone();
        req.limit = Some(end - req.offset);
        let p = Producer {
            client: self.client.clone(),
            req,
            tx: self.tx.clone(),
            decoder: self.decoder.clone(),
        };
        p.offset(Some(first)).await
    }

    async fn cursor_or_fallback(&self) -> Result<()> {
        if !self.client.cursors_allowed() {
            return self
                .fallback(Error::Unsupported(
                    "sorting more than 10,000 records by a field other than $id needs the cursor \
                 API, which OAuth (or this connection's settings) does not allow"
                        .into(),
                ))
                .await;
        }
        match self.create_cursor().await? {
            Ok(info) => self.cursor(info).await,
            Err(busy) => self.fallback(busy).await,
        }
    }

    async fn fallback(&self, why: Error) -> Result<()> {
        match self.req.id_order() {
            Some(asc) => {
                let w = self.window_for_seek();
                self.seek(self.req.condition.clone(), asc, w, true, Strategy::Seek)
                    .await
                    .map(drop)
            }
            None if self.req.allow_unsorted_fallback => self.seek_unsorted().await,
            None => Err(why),
        }
    }

    /// Creates a cursor, waiting a bounded time while the domain has no free cursor
    /// (429 GAIA_TM12). `Ok(Err(e))` means "no cursor available, fall back".
    async fn create_cursor(&self) -> Result<std::result::Result<CursorInfo, Error>> {
        let q = build(
            self.req.condition.as_deref(),
            &self.req.full_order(),
            None,
            None,
        );
        let fields = self.req.fields_with_id();
        let start = Instant::now();
        // Waiting only pays when nothing else can serve the order: a read that may
        // fall back does so at once rather than holding the statement for seconds.
        let wait = if self.req.id_order().is_some() || self.req.allow_unsorted_fallback {
            std::time::Duration::ZERO
        } else {
            self.client.inner.cursor_wait
        };
        let mut attempt = 0u32;
        loop {
            match self
                .client
                .create_cursor(
                    self.req.app,
                    fields.as_deref(),
                    &q,
                    self.req.page_size() as u32,
                )
                .await
            {
                Ok(info) => return Ok(Ok(info)),
                // The endpoint itself is refused (not found, forbidden, not allowed):
                // the other strategies read the same records, so use them, now and
                // for the rest of this connection. A permission problem with the
                // records shows again, with its own message, on the fallback's read.
                Err(e) if matches!(e.status(), Some(403 | 404 | 405 | 501)) => {
                    tracing::info!("the cursor API was refused ({e}); reading without cursors");
                    self.client
                        .inner
                        .cursor_refused
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(Err(e));
                }
                Err(e) if e.is_code("GAIA_TM12") => {
                    let delay = self
                        .client
                        .inner
                        .retry
                        .delay(attempt)
                        .max(std::time::Duration::from_millis(100));
                    if start.elapsed() + delay > wait {
                        tracing::info!("no free cursor on the domain; falling back to $id paging");
                        return Ok(Err(e));
                    }
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn cursor(&self, info: CursorInfo) -> Result<()> {
        let handle = tokio::runtime::Handle::current();
        let mut guard = CursorGuard {
            client: self.client.clone(),
            id: Some(info.id.clone()),
            handle,
        };
        let mut w = Window {
            skip: self.req.offset,
            remaining: self.req.limit,
        };
        let mut first = true;
        if w.done() {
            guard.delete().await;
            return Ok(());
        }
        let announced = info.total_count;
        let mut cur = info;
        let mut progress = CursorProgress::default();
        // Records of this read before the current cursor's first one.
        let mut base = 0u64;
        let mut received_here = 0u64;
        let mut replay: Option<Replay> = None;
        let mut rereads = 0u32;
        loop {
            let page = match self
                .client
                .get_cursor_for(&*self.decoder, &cur.id, Some(self.req.app))
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    if e.is_code("GAIA_CN01") {
                        guard.disarm();
                    } else {
                        guard.delete().await;
                    }
                    // The server may have moved the cursor past the lost page: never
                    // read it again blindly, start over from what was delivered.
                    if !rereadable(&e) || rereads >= MAX_REREADS {
                        return Err(e);
                    }
                    rereads += 1;
                    tracing::warn!(
                        "a cursor page was lost ({e}); reading again from record {}",
                        progress.received
                    );
                    let (next, next_base, next_replay) = self.reopen_cursor(&progress, &e).await?;
                    guard.id = Some(next.id.clone());
                    cur = next;
                    base = next_base;
                    received_here = 0;
                    replay = next_replay;
                    continue;
                }
            };
            if !page.next {
                // Kintone deletes a fully read cursor itself (§5).
                guard.disarm();
            }
            received_here += page.records.len() as u64;
            let mut records = page.records;
            if let Some(r) = replay.as_mut() {
                let take = (r.left.min(records.len() as u64)) as usize;
                for i in 0..take {
                    r.digest.push(record_id(&records, i)?);
                }
                let rest = records.len() - take;
                records.keep(take, rest);
                r.left -= take as u64;
                if r.left == 0 {
                    if r.digest != progress.digest {
                        guard.delete().await;
                        return Err(self.incomplete(format!(
                            "a cursor page was lost and the {} records delivered before it \
                             could not be read again unchanged (records were added, deleted \
                             or changed meanwhile); run the statement again",
                            progress.digest.count
                        )));
                    }
                    replay = None;
                } else if !page.next {
                    return Err(self.incomplete(format!(
                        "a cursor page was lost and a new cursor ended after {received_here} \
                         records, before the {} already delivered; run the statement again",
                        progress.digest.count
                    )));
                }
            }
            for i in 0..records.len() {
                progress.push(record_id(&records, i)?);
            }
            w.apply(&mut records);
            let out = Page {
                records,
                total_count: if first && self.req.total_count {
                    Some(announced)
                } else {
                    None
                },
                warning: None,
                strategy: Strategy::Cursor,
                sorted: true,
            };
            first = false;
            if !self.send(out).await {
                guard.delete().await;
                return Ok(());
            }
            if !page.next {
                if received_here < cur.total_count {
                    return Err(self.incomplete(format!(
                        "Kintone ended the cursor after {} of the {} records it announced; \
                         the rows returned are incomplete (records deleted during the read \
                         also cause this): run the statement again",
                        base + received_here,
                        base + cur.total_count
                    )));
                }
                return Ok(());
            }
            if w.done() {
                guard.delete().await;
                return Ok(());
            }
        }
    }

    /// A new cursor to go on after a lost page: by `$id` order it starts after the last
    /// record delivered; in any other order it is the same query, and the records
    /// already delivered are read again and must come back the same (`Replay`).
    /// Returns the cursor, the records of this read before its first one, and the replay.
    async fn reopen_cursor(
        &self,
        progress: &CursorProgress,
        lost: &Error,
    ) -> Result<(CursorInfo, u64, Option<Replay>)> {
        let order = self.req.full_order();
        let by_id = match order.as_slice() {
            [k] if k.is_id() => Some(k.ascending),
            _ => None,
        };
        let (condition, base, replay) = match (by_id, progress.last_id) {
            (Some(asc), Some(last)) => (
                Some(and_with(
                    self.req.condition.as_deref(),
                    &format!("$id {} {last}", if asc { ">" } else { "<" }),
                )),
                progress.received,
                None,
            ),
            _ => (
                self.req.condition.clone(),
                0,
                (progress.received > 0).then(|| Replay {
                    left: progress.received,
                    digest: IdDigest::default(),
                }),
            ),
        };
        let q = build(condition.as_deref(), &order, None, None);
        let fields = self.req.fields_with_id();
        match self
            .client
            .create_cursor(
                self.req.app,
                fields.as_deref(),
                &q,
                self.req.page_size() as u32,
            )
            .await
        {
            Ok(info) => Ok((info, base, replay)),
            Err(e) => Err(self.incomplete(format!(
                "a cursor page was lost ({lost}) and the rows could not be read again: a new \
                 cursor could not be created ({e}); run the statement again"
            ))),
        }
    }

    fn incomplete(&self, message: String) -> Error {
        let call =
            crate::client::Call::get("records/cursor", serde_json::json!({})).app(self.req.app);
        Error::Incomplete {
            context: self.client.context(&call),
            message,
        }
    }

    /// An ordered parallel `$id` scan. The first page (with `totalCount`) gives the
    /// density of matches; the `$id`s after it are cut into windows expected to hold
    /// about one page each, enough for the matches left, and an open-ended last window
    /// takes whatever lies beyond the estimate. Up to `n` windows are fetched at once.
    /// No request waits for the last `$id`: the windows go out as soon as the first page
    /// is in.
    /// Windows are delivered in `$id` order: the output is a `$id asc` read, only sooner.
    /// A window that holds more than a page (matches are not spread evenly) is read to
    /// its end by `$id` seek before the next window's page is passed on, so at most `n`
    /// pages wait here whatever the app's size. When the open window is full too (the
    /// matches thin out further on), its page gives a new density and the windows start
    /// again after it.
    async fn ranges(&self, n: usize) -> Result<()> {
        use futures_util::StreamExt;
        let app = self.req.app;
        let cond = self.req.condition.as_deref();
        let fields = self.req.fields_with_id();
        let size = self.req.page_size();
        let asc = [OrderKey {
            field: "$id".into(),
            ascending: true,
        }];
        let strategy = Strategy::Ranges(n);
        let n = n.max(1);
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::Runtime("reads need a tokio runtime".into()))?;
        let first = self
            .client
            .get_records_as(
                &*self.decoder,
                app,
                fields.as_deref(),
                &build(cond, &asc, Some(size), None),
                true,
            )
            .await?;
        let total = first.total_count.unwrap_or(0);
        let got = first.records.len() as u64;
        let span = id_span(&first.records)?;
        let page = Page {
            records: first.records,
            total_count: if self.req.total_count {
                first.total_count
            } else {
                None
            },
            warning: first.warning,
            strategy,
            sorted: true,
        };
        if !self.send(page).await || got < size {
            return Ok(());
        }
        let Some((mut low, mut after)) = span else {
            return Ok(());
        };
        let mut delivered = got;
        let mut left = total.saturating_sub(delivered);
        loop {
            let width = after.saturating_sub(low).saturating_add(1);
            let client = self.client.clone();
            let wfields = fields.clone();
            let cond_owned = self.req.condition.clone();
            let worder = asc.clone();
            let runtime = runtime.clone();
            let decoder = self.decoder.clone();
            let mut windows = windows(after, width, left, size).map(move |(a, b)| {
                let client = client.clone();
                let fields = wfields.clone();
                let decoder = decoder.clone();
                let range = match b {
                    Some(b) => format!("$id >= {a} and $id <= {b}"),
                    None => format!("$id >= {a}"),
                };
                let q = build(
                    Some(&and_with(cond_owned.as_deref(), &range)),
                    &worder,
                    Some(size),
                    None,
                );
                // Each window is its own task: its answer is decoded on whichever
                // worker is free, while this producer waits for the next in order
                // (decoded here, the pages of a round took turns on one thread).
                Spawned(
                    runtime.spawn(
                        async move {
                            let page = client
                                .get_records_as(&*decoder, app, fields.as_deref(), &q, false)
                                .await?;
                            Ok::<_, Error>((a, b, page))
                        }
                        .in_current_span(),
                    ),
                )
            });
            // Slow start: a few windows at first, two more for each one the consumer
            // takes, up to `n`. A statement that stops early (a local filter under a
            // LIMIT) then costs a few requests, not a burst of `n`.
            let mut pending = futures_util::stream::FuturesOrdered::new();
            let mut allowed = 4usize.min(n);
            let mut open_full = None;
            loop {
                while pending.len() < allowed {
                    match windows.next() {
                        Some(f) => pending.push_back(f),
                        None => break,
                    }
                }
                let Some(next) = pending.next().await else {
                    break;
                };
                allowed = (allowed + 2).min(n);
                let (a, b, page) =
                    next.map_err(|e| Error::Runtime(format!("a window read stopped: {e}")))??;
                let count = page.records.len() as u64;
                // `$id`s are unique: a window no wider than a page is complete in one.
                let full = count >= size && b.is_none_or(|b| b - a >= size);
                let span = id_span(&page.records)?;
                delivered += count;
                let out = Page {
                    records: page.records,
                    total_count: None,
                    warning: page.warning,
                    strategy,
                    sorted: true,
                };
                if !self.send(out).await {
                    return Ok(());
                }
                let Some((first_id, last)) = span.filter(|_| full) else {
                    continue;
                };
                match b {
                    Some(b) if last < b => {
                        // The rest of a crowded window, in order, before the next one.
                        let rest = and_with(cond, &format!("$id > {last} and $id <= {b}"));
                        let open = Window {
                            skip: 0,
                            remaining: None,
                        };
                        delivered += self
                            .seek(Some(rest), true, (None, open), true, strategy)
                            .await?;
                        if self.tx.is_closed() {
                            return Ok(());
                        }
                    }
                    Some(_) => {}
                    // The open window is last: nothing is pending behind it.
                    None => open_full = Some((first_id, last)),
                }
            }
            let Some((f, l)) = open_full else {
                return Ok(());
            };
            (low, after) = (f, l);
            // More than `totalCount` promised (records were added meanwhile): guess a
            // full round of windows rather than crawl one page at a time.
            left = match total.saturating_sub(delivered) {
                0 => size.saturating_mul(n as u64),
                l => l,
            };
        }
    }
}

/// A spawned window read, aborted when dropped unfinished (the reader went away, or
/// another window failed): no request goes on for a read nobody takes.
struct Spawned<T>(JoinHandle<T>);

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for Spawned<T> {
    type Output = std::result::Result<T, tokio::task::JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The first and last `$id` of a page.
fn id_span<R: Rows>(records: &R) -> Result<Option<(u64, u64)>> {
    match records.len().checked_sub(1) {
        Some(last) => Ok(Some((record_id(records, 0)?, record_id(records, last)?))),
        None => Ok(None),
    }
}

/// The windows `[a, b]` of a parallel scan after `after`: enough windows of `width` ids
/// (the `$id`s a page of matches spanned so far) for the `left` matches, then an open
/// window `[a, ∞)` (`b` is `None`) for whatever lies beyond the estimate. A window is
/// never narrower than a page: `$id`s are unique, so a window of `size` ids holds at
/// most one page, and a narrower one would only cost more requests.
fn windows(
    after: u64,
    width: u64,
    left: u64,
    size: u64,
) -> impl Iterator<Item = (u64, Option<u64>)> {
    let width = width.max(size).max(1);
    let mut bounded = left.div_ceil(size.max(1));
    let mut a = Some(after).filter(|a| *a < u64::MAX).map(|a| a + 1);
    std::iter::from_fn(move || {
        let start = a?;
        if bounded == 0 {
            a = None;
            return Some((start, None));
        }
        bounded -= 1;
        let end = start.saturating_add(width - 1);
        // `end == u64::MAX` ends the walk (the next start would wrap).
        a = end.checked_add(1);
        Some((start, Some(end)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> ReadRequest {
        ReadRequest::new(1)
    }

    #[test]
    fn automatic_choice() {
        let r = req();
        assert_eq!(plan(&r, true).unwrap(), Plan::Seek { ascending: true });
        let mut r = req();
        r.order_by = vec![OrderKey::desc("$id").unwrap()];
        assert_eq!(plan(&r, false).unwrap(), Plan::Seek { ascending: false });
        let mut r = req();
        r.order_by = vec![OrderKey::asc("amount").unwrap()];
        assert_eq!(plan(&r, true).unwrap(), Plan::Probe);
        r.limit = Some(100);
        r.offset = 9_900;
        assert_eq!(plan(&r, true).unwrap(), Plan::Offset);
        r.offset = 9_901;
        assert_eq!(plan(&r, true).unwrap(), Plan::Probe);
        r.limit = Some(20_000);
        r.offset = 0;
        assert_eq!(plan(&r, false).unwrap(), Plan::Probe);
    }

    #[test]
    fn explicit_choices() {
        let mut r = req();
        r.strategy = StrategyChoice::Offset;
        assert_eq!(plan(&r, true).unwrap(), Plan::Offset);
        r.limit = Some(10_001);
        assert!(matches!(plan(&r, true), Err(Error::Unsupported(_))));
        r.limit = Some(10_000);
        assert_eq!(plan(&r, true).unwrap(), Plan::Offset);

        let mut r = req();
        r.strategy = StrategyChoice::Cursor;
        assert_eq!(plan(&r, true).unwrap(), Plan::Cursor);
        assert!(plan(&r, false).is_err());
        r.allow_unsorted_fallback = true;
        assert_eq!(plan(&r, false).unwrap(), Plan::SeekUnsorted);

        let mut r = req();
        r.strategy = StrategyChoice::Seek;
        r.order_by = vec![OrderKey::asc("name").unwrap()];
        assert!(plan(&r, true).is_err());
        r.allow_unsorted_fallback = true;
        assert_eq!(plan(&r, true).unwrap(), Plan::SeekUnsorted);

        let mut r = req();
        r.strategy = StrategyChoice::ParallelSeek(4);
        assert_eq!(plan(&r, true).unwrap(), Plan::Ranges(4));
        r.limit = Some(5);
        assert!(plan(&r, true).is_err());
        r.limit = None;
        r.order_by = vec![OrderKey::asc("x").unwrap()];
        assert!(plan(&r, true).is_err());
        r.order_by = vec![OrderKey::desc("$id").unwrap()];
        assert!(plan(&r, true).is_err());
        r.order_by = vec![OrderKey::asc("$id").unwrap()];
        assert_eq!(plan(&r, true).unwrap(), Plan::Ranges(4));
        r.order_by.clear();
        r.strategy = StrategyChoice::ParallelSeek(0);
        assert_eq!(plan(&r, true).unwrap(), Plan::Ranges(1));
    }

    #[test]
    fn parallel_windows_cover_the_ids_after_the_first_page_once() {
        let all = |after, width, left, size| windows(after, width, left, size).collect::<Vec<_>>();
        // Dense ids: windows of one page for the 734 matches left, then the open rest.
        assert_eq!(
            all(500, 500, 734, 500),
            [(501, Some(1_000)), (1_001, Some(1_500)), (1_501, None)]
        );
        // Sparse: a page spanned 500,000 ids, so do the windows.
        assert_eq!(
            all(500_010, 500_000, 1_000, 500),
            [
                (500_011, Some(1_000_010)),
                (1_000_011, Some(1_500_010)),
                (1_500_011, None)
            ]
        );
        // Never narrower than a page; nothing left: only the open window.
        assert_eq!(all(7, 3, 1, 500), [(8, Some(507)), (508, None)]);
        assert_eq!(all(9, 500, 0, 500), [(10, None)]);
        // Contiguous, never overlapping, also at the top of the id range.
        for (after, left) in [(0, 100), (3, 3_000), (u64::MAX - 900, 900_000)] {
            let w = all(after, 500, left, 500);
            assert_eq!(w.first().map(|x| x.0), Some(after + 1));
            for p in w.windows(2) {
                assert_eq!(p[0].1.map(|b| b + 1), Some(p[1].0));
            }
            assert!(w.len() as u64 <= left.div_ceil(500) + 1);
        }
        assert_eq!(
            all(u64::MAX - 900, 500, 900_000, 500).last(),
            Some(&(u64::MAX - 399, Some(u64::MAX)))
        );
        assert!(all(u64::MAX, 500, 10, 500).is_empty());
    }

    #[test]
    fn order_gets_id_tiebreak_and_fields_get_id() {
        let mut r = req();
        r.order_by = vec![OrderKey::desc("amount").unwrap()];
        assert_eq!(
            build(Some("a = \"1\""), &r.full_order(), Some(500), Some(0)),
            "a = \"1\" order by amount desc, $id asc limit 500 offset 0"
        );
        r.fields = Some(vec!["amount".into()]);
        assert_eq!(r.fields_with_id().unwrap(), vec!["amount", "$id"]);
        r.order_by = vec![OrderKey::desc("$id").unwrap(), OrderKey::asc("x").unwrap()];
        assert_eq!(r.full_order().len(), 2);
        assert_eq!(r.id_order(), None);
    }

    #[test]
    fn window_skips_and_truncates() {
        let recs = |n: u64| -> Vec<Record> {
            (1..=n)
                .map(|i| {
                    let mut r = Record::new();
                    r.set("$id", crate::values::FieldValue::Id(i));
                    r
                })
                .collect()
        };
        let mut w = Window {
            skip: 3,
            remaining: Some(4),
        };
        let mut a = recs(2);
        w.apply(&mut a);
        assert!(a.is_empty());
        assert_eq!(w.skip, 1);
        let mut b = recs(5);
        w.apply(&mut b);
        assert_eq!(
            b.iter().map(|r| r.id().unwrap()).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
        assert!(w.done());
    }
}
