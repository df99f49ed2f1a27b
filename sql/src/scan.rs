//! The scan: an `ExecutionPlan` streaming an app's records (or a subtable's rows) from
//! Kintone a page at a time, decoded into `RecordBatch`es.
//!
//! Memory stays bounded whatever the app's size: kintone-api's page stream holds at most
//! two pages ahead and this node decodes one page into one batch.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use datafusion::arrow::compute::{
    concat_batches, lexsort_to_indices, take_record_batch, SortColumn, SortOptions,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column as PhysColumn;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::execution_plan::{
    replace_children_if_necessary, Boundedness, EmissionType,
};
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::stream::{
    RecordBatchReceiverStreamBuilder, RecordBatchStreamAdapter,
};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream, SortOrderPushdownResult,
};
use futures_util::StreamExt;
use kintone_api::paging::{self, Plan, ReadRequest, StrategyChoice};
use kintone_api::query::{and_with, Cond, Op, OrderKey, Value};
use kintone_api::Client;
use tracing::Instrument;

use crate::catalog::{Column, Source, TableDef, TableKind};
use crate::chunks::Chunks;
use crate::decode::BatchBuilder;
use crate::error::from_kintone;
use crate::page_batch::BatchDecoder;
use crate::pushdown::{sortable, Sortable};

/// What one scan asks Kintone for.
#[derive(Clone, Debug)]
pub struct ScanSpec {
    pub table: Arc<TableDef>,
    /// Projected columns, in output order.
    pub columns: Vec<Column>,
    pub schema: SchemaRef,
    /// `fields[]`; `None` asks for every field.
    pub fields: Option<Vec<String>>,
    /// The Kintone condition (no order/limit).
    pub condition: Option<String>,
    /// Records to read at most (app tables only: a record is a row).
    pub limit: Option<u64>,
    pub page_size: u64,
    pub separator: String,
    /// No column is needed and every filter was pushed exactly (`COUNT(*)`): the row
    /// count comes from `totalCount` with a `limit 1` request, no records are read.
    pub count_only: bool,
    /// An app table with pushdown on: sorts and limits may go to Kintone.
    pub pushable: bool,
    /// The pushed `order by` (empty: Kintone's `$id asc` paging order).
    pub order: Vec<OrderKey>,
    /// Records Kintone skips first (only with an exact order and no null split).
    pub offset: u64,
    /// The first sort key can be empty: SQL puts NULLs at one end, Kintone's placement
    /// of empty values is not documented, so empty and non-empty records are read by
    /// two requests and concatenated in SQL's order.
    pub null_split: Option<NullSplit>,
    /// Pages fetched at once by a full read in `$id` order (the domain's request budget).
    pub parallel: usize,
    /// A long `IN` list cut into reads of their own (`condition` is then the first's).
    pub chunks: Option<Chunks>,
}

/// How a sort on a field that may be empty is read (see `ScanSpec::null_split`).
#[derive(Clone, Debug)]
pub struct NullSplit {
    /// The field code of the first sort key.
    pub code: String,
    pub nulls_first: bool,
}

impl NullSplit {
    fn cond(&self, empty: bool) -> String {
        let op = if empty { Op::Eq } else { Op::Ne };
        match Cond::cmp(&self.code, op, Value::str("")) {
            Ok(c) => c.to_string(),
            // Codes come from the form; one that cannot be written never gets a split.
            Err(_) => String::new(),
        }
    }
}

impl ScanSpec {
    pub fn read_request(&self) -> ReadRequest {
        let mut r = ReadRequest::new(self.table.app_id);
        r.fields = self.fields.clone();
        r.condition = self.condition.clone();
        r.limit = self.limit;
        r.offset = self.offset;
        r.page_size = self.page_size;
        r.order_by = self.order.clone();
        // A pushed order is served by a cursor past 10,000 records. When the domain's 10
        // cursors are taken, the read goes on by `$id` and the scan sorts it itself
        // (`sort_locally`): DataFusion removed its own Sort when the order was pushed.
        r.allow_unsorted_fallback = !self.order.is_empty();
        // A whole read in `$id` order (no limit to stop early at) is fetched in parallel
        // windows, still delivered in `$id` order.
        let by_id_asc = match self.order.as_slice() {
            [] => true,
            [k] => k.is_id() && k.ascending,
            _ => false,
        };
        if self.parallel > 1 && by_id_asc && self.limit.is_none() && self.offset == 0 {
            r.strategy = StrategyChoice::ParallelSeek(self.parallel);
        }
        r
    }

    /// The reads of a scan, in output order: one, or two for a null split (the empty
    /// records ordered by the remaining keys, the others by all keys).
    pub fn read_requests(&self) -> Vec<ReadRequest> {
        let mut base = self.read_request();
        if let Some(chunks) = &self.chunks {
            // Each read gets its chunk's condition; the whole list is not copied to each.
            base.condition = None;
            // Chunks are read concurrently already: each by plain `$id` seek.
            let mut reads: Vec<ReadRequest> = chunks
                .conditions
                .iter()
                .zip(&chunks.values)
                .map(|(c, n)| {
                    let mut r = base.clone();
                    r.condition = Some(c.clone());
                    r.strategy = StrategyChoice::Auto;
                    if chunks.on_id {
                        // N `$id`s match at most N records: a full page then needs no
                        // second request to see that nothing follows.
                        let n = *n as u64;
                        r.limit = Some(r.limit.map_or(n, |l| l.min(n)));
                    }
                    r
                })
                .collect();
            if matches!(self.order.as_slice(), [k] if k.is_id() && !k.ascending) {
                reads.reverse();
            }
            return reads;
        }
        let Some(split) = &self.null_split else {
            return vec![base];
        };
        let with = |empty: bool| {
            let mut r = base.clone();
            r.condition = Some(and_with(self.condition.as_deref(), &split.cond(empty)));
            if empty {
                r.order_by = self.order.iter().skip(1).cloned().collect();
            }
            r
        };
        if split.nulls_first {
            vec![with(true), with(false)]
        } else {
            vec![with(false), with(true)]
        }
    }
}

#[derive(Debug)]
pub struct KintoneScanExec {
    spec: ScanSpec,
    client: Client,
    props: Arc<PlanProperties>,
}

impl KintoneScanExec {
    pub fn new(spec: ScanSpec, client: Client) -> Self {
        let eq = EquivalenceProperties::new(spec.schema.clone());
        Self::with_equivalence(spec, client, eq)
    }

    fn with_equivalence(spec: ScanSpec, client: Client, eq: EquivalenceProperties) -> Self {
        let props = PlanProperties::new(
            eq,
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        KintoneScanExec {
            spec,
            client,
            props: Arc::new(props),
        }
    }

    pub fn spec(&self) -> &ScanSpec {
        &self.spec
    }

    /// How the reads will page (§11.4), as EXPLAIN shows it.
    fn strategy_text(&self) -> String {
        self.spec
            .read_requests()
            .iter()
            .map(|r| self.one_strategy(r))
            .collect::<Vec<_>>()
            .join(" then ")
    }

    fn one_strategy(&self, req: &ReadRequest) -> String {
        let req = req.clone();
        match paging::plan(&req, self.client.cursors_allowed()) {
            Ok(Plan::Seek { ascending }) => format!(
                "$id seek ({}$id {} <last> order by $id {} limit {})",
                match &req.condition {
                    Some(c) => format!("({c}) and "),
                    None => String::new(),
                },
                if ascending { ">" } else { "<" },
                if ascending { "asc" } else { "desc" },
                match req.limit {
                    Some(l) => l.min(req.page_size),
                    None => req.page_size,
                }
            ),
            Ok(Plan::Ranges(n)) => format!(
                "$id windows, {n} at once ({}$id >= <a> and $id <= <b> order by $id asc \
                 limit {})",
                match &req.condition {
                    Some(c) => format!("({c}) and "),
                    None => String::new(),
                },
                req.page_size
            ),
            Ok(p) => format!(
                "{p:?} ({})",
                kintone_api::query::build(
                    req.condition.as_deref(),
                    &req.order_by,
                    req.limit.map(|l| l.min(req.page_size)),
                    (req.offset > 0).then_some(req.offset),
                )
            ),
            Err(e) => format!("not readable: {e}"),
        }
    }
}

impl DisplayAs for KintoneScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let s = &self.spec;
        write!(
            f,
            "KintoneScan: table=\"{}\" app={}",
            s.table.name, s.table.app_id
        )?;
        if let TableKind::Subtable { code } = &s.table.kind {
            write!(f, " subtable={code}")?;
        }
        match &s.fields {
            Some(fl) => write!(f, " fields=[{}]", fl.join(", "))?,
            None => write!(f, " fields=*")?,
        }
        write!(f, " query=\"{}\"", s.condition.as_deref().unwrap_or(""))?;
        if !s.order.is_empty() {
            let keys: Vec<String> = s.order.iter().map(|k| k.to_string()).collect();
            write!(f, " order=[{}]", keys.join(", "))?;
        }
        if let Some(chunks) = &s.chunks {
            write!(f, " (the first of {} chunks)", chunks.conditions.len())?;
        }
        if let Some(split) = &s.null_split {
            write!(
                f,
                " empty {}={}",
                split.code,
                if split.nulls_first { "first" } else { "last" }
            )?;
        }
        if let Some(l) = s.limit {
            write!(f, " limit={l}")?;
        }
        if s.offset > 0 {
            write!(f, " offset={}", s.offset)?;
        }
        if s.count_only {
            return write!(f, " count=totalCount (limit 1)");
        }
        write!(f, " strategy={}", self.strategy_text())
    }
}

impl ExecutionPlan for KintoneScanExec {
    fn name(&self) -> &str {
        "KintoneScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.props
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal(
                "KintoneScanExec has no children".into(),
            ))
        }
    }

    /// `ORDER BY` on keys whose Kintone order is SQL's order (`$id`, numbers, dates,
    /// times, datetimes; never text, whose collation differs, nor choices, which sort by
    /// option index) is served by Kintone. A first key that may be empty is read as a
    /// null split; later keys must never be empty. Other sorts stay local.
    fn try_pushdown_sort(
        &self,
        order: &[PhysicalSortExpr],
    ) -> DfResult<SortOrderPushdownResult<Arc<dyn ExecutionPlan>>> {
        let unsupported = Ok(SortOrderPushdownResult::Unsupported);
        if !self.spec.pushable
            || self.spec.count_only
            || self.spec.limit.is_some()
            || self.spec.offset > 0
            || !self.spec.order.is_empty()
            || order.is_empty()
        {
            return unsupported;
        }
        let mut keys = Vec::with_capacity(order.len());
        let mut split = None;
        for (i, o) in order.iter().enumerate() {
            let Some(col) = o.expr.downcast_ref::<PhysColumn>() else {
                return unsupported;
            };
            let Some(c) = self
                .spec
                .columns
                .get(col.index())
                .filter(|c| c.name == col.name())
            else {
                return unsupported;
            };
            let Some(sort) = sortable(c) else {
                return unsupported;
            };
            // Without cursors (OAuth, `UseCursor=false`) an order other than `$id` is
            // still pushed: a window ending by record 10,000 (`ORDER BY x LIMIT 10`) is
            // one offset request, and a longer read falls back to `$id` paging that
            // `sort_locally` sorts, as the Sort this replaces would have.
            if sort == Sortable::MayBeEmpty {
                if i > 0 {
                    return unsupported;
                }
                split = Some(NullSplit {
                    code: c.code().to_string(),
                    nulls_first: o.options.nulls_first,
                });
            }
            keys.push(OrderKey {
                field: c.code().to_string(),
                ascending: !o.options.descending,
            });
            if c.source == Source::Id {
                // `$id` is unique: later keys cannot change the order.
                break;
            }
        }
        // Chunks of a `$id` list concatenate in `$id` order (reversed for `desc`); any
        // other order, or chunks of another field, would need a merge: sorted locally.
        if let Some(chunks) = &self.spec.chunks {
            let by_id = matches!(keys.as_slice(), [k] if k.is_id());
            if !chunks.on_id || !by_id {
                return unsupported;
            }
        }
        let mut spec = self.spec.clone();
        spec.order = keys;
        spec.null_split = split;
        let eq = EquivalenceProperties::new_with_orderings(spec.schema.clone(), [order.to_vec()]);
        let inner: Arc<dyn ExecutionPlan> = Arc::new(KintoneScanExec::with_equivalence(
            spec,
            self.client.clone(),
            eq,
        ));
        Ok(SortOrderPushdownResult::Exact { inner })
    }

    /// A LIMIT above the scan becomes Kintone's `limit` (app tables: one record, one row).
    fn with_fetch(&self, limit: Option<usize>) -> Option<Arc<dyn ExecutionPlan>> {
        if !self.spec.pushable {
            return None;
        }
        let mut spec = self.spec.clone();
        spec.limit = match (spec.limit, limit) {
            (Some(a), Some(b)) => Some(a.min(b as u64)),
            (a, b) => a.or(b.map(|b| b as u64)),
        };
        let eq = self.props.eq_properties.clone();
        Some(Arc::new(KintoneScanExec::with_equivalence(
            spec,
            self.client.clone(),
            eq,
        )))
    }

    fn fetch(&self) -> Option<usize> {
        self.spec.limit.map(|l| l as usize)
    }

    fn execute(
        &self,
        partition: usize,
        _ctx: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "KintoneScanExec has one partition, asked for {partition}"
            )));
        }
        // Shared by every read of the scan: a chunked list's spec holds the whole list.
        let spec = Arc::new(self.spec.clone());
        let client = self.client.clone();
        let schema = spec.schema.clone();
        if spec.count_only {
            // One `limit 1` request per condition (chunks of a `$id` list are disjoint:
            // their totals add up), fetched concurrently.
            let queries: Vec<String> = spec
                .read_requests()
                .iter()
                .map(|r| kintone_api::query::build(r.condition.as_deref(), &[], Some(1), None))
                .collect();
            let fields = vec!["$id".to_string()];
            let app = spec.table.app_id;
            let limit = spec.limit;
            let parallel = spec.parallel.max(1);
            let s = schema.clone();
            let batch = futures_util::stream::once(async move {
                let totals = futures_util::stream::iter(queries.into_iter().map(|query| {
                    let client = client.clone();
                    let fields = fields.clone();
                    async move {
                        client
                            .get_records(app, Some(fields.as_slice()), &query, true)
                            .await
                            .map(|p| p.total_count.unwrap_or(0))
                    }
                }))
                .buffered(parallel)
                .collect::<Vec<_>>()
                .await;
                let mut total = 0u64;
                for t in totals {
                    total = total
                        .saturating_add(t.map_err(|e| DataFusionError::from(from_kintone(&e)))?);
                }
                let n = limit.map_or(total, |l| l.min(total)) as usize;
                let opts = RecordBatchOptions::new().with_row_count(Some(n));
                Ok::<RecordBatch, DataFusionError>(RecordBatch::try_new_with_options(
                    s,
                    Vec::new(),
                    &opts,
                )?)
            });
            return Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batch)));
        }
        // The SQL order the scan promised (pushed sorts only): what `sort_locally` uses
        // when Kintone could not keep it.
        let local_order: Vec<(usize, SortOptions)> = if spec.order.is_empty() {
            Vec::new()
        } else {
            self.props
                .eq_properties
                .output_ordering()
                .map(|o| {
                    o.iter()
                        .filter_map(|e| {
                            e.expr
                                .downcast_ref::<PhysColumn>()
                                .map(|c| (c.index(), e.options))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        // Each read starts when the stream first reaches it, inside the caller's runtime;
        // the second read of a null split only asks for what the first left of the limit.
        let delivered = Arc::new(AtomicU64::new(0));
        let limit = spec.limit;
        // Chunks of a list on another field than `$id` can meet the same record twice.
        let seen: Option<Arc<std::sync::Mutex<std::collections::HashSet<u64>>>> = match &spec.chunks
        {
            Some(c) if !c.on_id => Some(Arc::default()),
            _ => None,
        };
        // Chunk reads start ahead of the one being consumed (each holds a few pages);
        // with a limit they run one after the other, each asking only for what is left.
        let ahead = match (&spec.chunks, limit) {
            (Some(_), None) => spec.parallel.max(1),
            _ => 1,
        };
        let reads = spec.read_requests().into_iter().map(move |mut req| {
            let client = client.clone();
            let delivered = delivered.clone();
            let spec = spec.clone();
            let local_order = local_order.clone();
            let seen = seen.clone();
            async move {
                if let Some(l) = limit {
                    let left = l.saturating_sub(delivered.load(Ordering::Relaxed));
                    if left == 0 {
                        return futures_util::stream::empty().boxed();
                    }
                    req.limit = Some(req.limit.map_or(left, |l| l.min(left)));
                }
                let (offset, limit) = (req.offset, req.limit);
                let schema = spec.schema.clone();
                let batches = if seen.is_some()
                    || spec.columns.is_empty()
                    || spec.table.kind != TableKind::App
                {
                    read_records(&client, req, spec, seen)
                } else {
                    // Rows straight into batches, decoded where each page was fetched.
                    let decoder = BatchDecoder::new(
                        spec.schema.clone(),
                        spec.columns.clone(),
                        &spec.separator,
                    );
                    batches_of(paging::read_as(&client, req, decoder), |rows| {
                        Ok(rows.into_batch()?)
                    })
                };
                let mut read = sort_locally(batches.boxed(), schema, local_order, offset, limit)
                    .inspect(move |b| {
                        if let Ok(b) = b {
                            delivered.fetch_add(b.num_rows() as u64, Ordering::Relaxed);
                        }
                    })
                    .boxed();
                if ahead == 1 {
                    return read;
                }
                // A stream asks for nothing until it is polled, and `flatten` polls one
                // at a time: the chunk's first batch is read here, so that `buffered`
                // overlaps the chunks' requests rather than only their set-up.
                let first = read.next().await;
                futures_util::stream::iter(first).chain(read).boxed()
            }
        });
        let batches = futures_util::stream::iter(reads).buffered(ahead).flatten();
        if ahead > 1 {
            return Ok(run_ahead(schema, batches.boxed(), ahead));
        }
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

/// Reads on the runtime, ahead of the application, holding at most `ahead` batches:
/// the chunks of a long list are then fetched and decoded while the application takes
/// the rows already read (a parallel `$id` scan's producer does the same for pages).
/// An error arrives as the batch it replaced; a panic in the task reaches the reader.
fn run_ahead(
    schema: SchemaRef,
    mut batches: futures_util::stream::BoxStream<'static, DfResult<RecordBatch>>,
    ahead: usize,
) -> SendableRecordBatchStream {
    let task_schema = schema.clone();
    // Spawned at the first poll, inside the caller's runtime (as each read starts).
    let started = futures_util::stream::once(async move {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return batches;
        };
        let mut builder = RecordBatchReceiverStreamBuilder::new(task_schema, ahead);
        let tx = builder.tx();
        builder.spawn_on(
            async move {
                while let Some(batch) = batches.next().await {
                    if tx.send(batch).await.is_err() {
                        break;
                    }
                }
                Ok(())
            }
            .in_current_span(),
            &handle,
        );
        builder.build().boxed()
    })
    .flatten();
    Box::pin(RecordBatchStreamAdapter::new(schema, started))
}

/// A read as records, decoded into batches as they arrive: child tables (a record
/// gives many rows), `COUNT(*)` read as records, and chunked lists that can meet a
/// record twice (`seen` then holds the `$id`s delivered).
fn read_records(
    client: &Client,
    req: ReadRequest,
    spec: Arc<ScanSpec>,
    seen: Option<Arc<std::sync::Mutex<std::collections::HashSet<u64>>>>,
) -> futures_util::stream::BoxStream<'static, DfResult<(RecordBatch, bool)>> {
    batches_of(paging::read(client, req), move |mut records| {
        if let Some(seen) = &seen {
            let mut seen = seen
                .lock()
                .map_err(|_| DataFusionError::Internal("a chunk read failed midway".into()))?;
            records.retain(|r| r.id().is_none_or(|id| seen.insert(id)));
        }
        decode(&spec, &records)
    })
}

/// A read's pages as `(batch, sorted)`, `batch` making each page's batch; a read that
/// could not start is one error.
fn batches_of<R: Send + 'static>(
    read: kintone_api::Result<paging::PageStream<R>>,
    mut batch: impl FnMut(R) -> DfResult<RecordBatch> + Send + 'static,
) -> futures_util::stream::BoxStream<'static, DfResult<(RecordBatch, bool)>> {
    match read {
        Ok(pages) => pages
            .map(move |page| {
                let page = page.map_err(|e| DataFusionError::from(from_kintone(&e)))?;
                Ok((batch(page.records)?, page.sorted))
            })
            .boxed(),
        Err(e) => {
            futures_util::stream::once(async move { Err(DataFusionError::from(from_kintone(&e))) })
                .boxed()
        }
    }
}

/// One page of records as one batch.
fn decode(spec: &ScanSpec, records: &[kintone_api::Record]) -> DfResult<RecordBatch> {
    if spec.columns.is_empty() && spec.table.kind == TableKind::App {
        // `COUNT(*)` read as records (a chunked list on another field than `$id`).
        let opts = RecordBatchOptions::new().with_row_count(Some(records.len()));
        return Ok(RecordBatch::try_new_with_options(
            spec.schema.clone(),
            Vec::new(),
            &opts,
        )?);
    }
    let mut b = BatchBuilder::new(
        spec.schema.clone(),
        spec.columns.clone(),
        records.len(),
        &spec.separator,
    )?;
    match &spec.table.kind {
        TableKind::App => {
            for r in records {
                b.push_record(r)?;
            }
        }
        TableKind::Subtable { code } => {
            for r in records {
                b.push_subtable_rows(r, code)?;
            }
        }
    }
    Ok(b.finish()?)
}

/// Passes sorted batches on as they come. Once a page says Kintone could not keep the
/// order (`sorted: false`: no cursor was free, so the read went on by `$id` without
/// offset or limit), the whole read is gathered, sorted by the scan's SQL order, cut to
/// `offset`/`limit` and sent as one batch. That holds the read in memory, as the Sort
/// DataFusion removed for the pushed order would have.
fn sort_locally(
    batches: futures_util::stream::BoxStream<'static, DfResult<(RecordBatch, bool)>>,
    schema: SchemaRef,
    order: Vec<(usize, SortOptions)>,
    offset: u64,
    limit: Option<u64>,
) -> impl futures_util::Stream<Item = DfResult<RecordBatch>> + Send + 'static {
    futures_util::stream::unfold(Some(batches), move |state| {
        let schema = schema.clone();
        let order = order.clone();
        async move {
            let mut batches = state?;
            let (first, sorted) = match batches.next().await? {
                Ok(x) => x,
                Err(e) => return Some((Err(e), None)),
            };
            if sorted {
                return Some((Ok(first), Some(batches)));
            }
            let mut all = vec![first];
            while let Some(next) = batches.next().await {
                match next {
                    Ok((b, _)) => all.push(b),
                    Err(e) => return Some((Err(e), None)),
                }
            }
            Some((sort_and_cut(&schema, &all, &order, offset, limit), None))
        }
    })
}

fn sort_and_cut(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    order: &[(usize, SortOptions)],
    offset: u64,
    limit: Option<u64>,
) -> DfResult<RecordBatch> {
    let all = concat_batches(schema, batches)?;
    let sorted = if order.is_empty() || all.num_rows() == 0 {
        all
    } else {
        let keys = order
            .iter()
            .filter_map(|(i, o)| {
                all.columns().get(*i).map(|c| SortColumn {
                    values: c.clone(),
                    options: Some(*o),
                })
            })
            .collect::<Vec<_>>();
        let indices = lexsort_to_indices(&keys, None)?;
        take_record_batch(&all, &indices)?
    };
    let rows = sorted.num_rows();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(rows);
    let len = match limit {
        Some(l) => usize::try_from(l).unwrap_or(usize::MAX).min(rows - start),
        None => rows - start,
    };
    Ok(sorted.slice(start, len))
}

/// Pushes a SQL `OFFSET` into the scan below it. DataFusion has no offset pushdown: its
/// `LIMIT n OFFSET k` reaches the scan as `fetch = k + n` with the skip done above, so
/// Kintone would send `k` records only to have them dropped. When the scan's order is
/// exact and its limit is that `k + n` (so no filter stays between them), Kintone skips
/// instead. Only nodes that keep rows one-to-one and in order may sit in between.
#[derive(Debug, Default)]
pub struct PushOffset;

impl PhysicalOptimizerRule for PushOffset {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_down(|node| {
            let Some(limit) = node.downcast_ref::<GlobalLimitExec>() else {
                return Ok(Transformed::no(node));
            };
            let (skip, fetch) = (limit.skip(), limit.fetch());
            if skip == 0 {
                return Ok(Transformed::no(node));
            }
            match with_offset(limit.input(), skip, fetch)? {
                Some(input) => Ok(Transformed::yes(
                    Arc::new(GlobalLimitExec::new(input, 0, fetch)) as Arc<dyn ExecutionPlan>,
                )),
                None => Ok(Transformed::no(node)),
            }
        })
        .data()
    }

    fn name(&self) -> &str {
        "kintone_push_offset"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

fn with_offset(
    node: &Arc<dyn ExecutionPlan>,
    skip: usize,
    fetch: Option<usize>,
) -> DfResult<Option<Arc<dyn ExecutionPlan>>> {
    if let Some(scan) = node.downcast_ref::<KintoneScanExec>() {
        let s = &scan.spec;
        let expected = fetch.map(|f| (skip + f) as u64);
        if !s.pushable
            || s.count_only
            || s.null_split.is_some()
            || s.chunks.is_some()
            || s.offset > 0
            || s.limit != expected
        {
            return Ok(None);
        }
        let mut spec = s.clone();
        spec.offset = skip as u64;
        spec.limit = fetch.map(|f| f as u64);
        let eq = scan.props.eq_properties.clone();
        return Ok(Some(Arc::new(KintoneScanExec::with_equivalence(
            spec,
            scan.client.clone(),
            eq,
        ))));
    }
    // DataFusion wraps leaves in a CooperativeExec (yielding to the runtime).
    let passes = node.is::<ProjectionExec>() || node.is::<CooperativeExec>();
    let children = node.children();
    let [child] = children.as_slice() else {
        return Ok(None);
    };
    if !passes {
        return Ok(None);
    }
    match with_offset(child, skip, fetch)? {
        Some(c) => Ok(Some(replace_children_if_necessary(node.clone(), vec![c])?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Connection, Settings};
    use datafusion::arrow::array::Int64Array;
    use kintone_api::{Auth, ClientConfig, ProxyConfig};
    use kintone_sandbox::{start, Options};

    fn cells(batches: &[RecordBatch]) -> Vec<String> {
        use datafusion::arrow::util::display::array_value_to_string;
        let mut out = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                let row: Vec<String> = b
                    .columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c, r).unwrap()
                        }
                    })
                    .collect();
                out.push(row.join("|"));
            }
        }
        out
    }

    #[test]
    fn an_unsorted_read_is_sorted_and_cut_here() {
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![
            datafusion::arrow::datatypes::Field::new(
                "n",
                datafusion::arrow::datatypes::DataType::Int64,
                true,
            ),
        ]));
        let batch = |v: Vec<Option<i64>>| {
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(v))]).unwrap()
        };
        let parts = [
            batch(vec![Some(3), None, Some(1)]),
            batch(vec![Some(2), Some(5)]),
        ];
        let desc_nulls_last = SortOptions {
            descending: true,
            nulls_first: false,
        };
        let out = sort_and_cut(&schema, &parts, &[(0, desc_nulls_last)], 1, Some(3)).unwrap();
        assert_eq!(
            cells(&[out]),
            ["3", "2", "1"],
            "5 skipped by the offset, NULL cut by the limit"
        );
    }

    /// With no cursor to be had on the domain, a sort pushed to Kintone (so DataFusion
    /// dropped its own) falls back at once to a `$id` scan that the scan sorts itself.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pushed_sorts_survive_a_domain_without_free_cursors() {
        let sb = start(Options {
            large_records: 12_000,
            cursor_limit: Some(0),
            ..Options::default()
        })
        .await
        .unwrap();
        let settings = |pushdown: bool| {
            let mut cfg = ClientConfig::new(sb.base_url(), Auth::password("demo", "demo"));
            cfg.proxy = ProxyConfig::None;
            let mut s = Settings::new(cfg);
            s.pushdown = pushdown;
            s
        };
        let on = Connection::connect(settings(true)).await.unwrap();
        let off = Connection::connect(settings(false)).await.unwrap();
        for sql in [
            r#"SELECT "$id", "Score" FROM Events ORDER BY "Score", "$id" LIMIT 4 OFFSET 10998"#,
            r#"SELECT "$id" FROM Events ORDER BY "Updated datetime" DESC, "$id" LIMIT 12000"#,
            r#"SELECT "$id", "Day" FROM Events ORDER BY "Day" NULLS FIRST, "$id" LIMIT 11000"#,
        ] {
            sb.state().log().clear();
            let started = std::time::Instant::now();
            let a = cells(&on.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}")));
            assert!(
                started.elapsed() < std::time::Duration::from_secs(8),
                "{sql}: waited for a cursor ({:?})",
                started.elapsed()
            );
            let log: Vec<(String, String, Option<String>)> = sb
                .state()
                .log()
                .entries
                .iter()
                .filter(|e| e.api.as_deref().is_some_and(|a| a.starts_with("records")))
                .map(|e| {
                    (
                        e.api.clone().unwrap_or_default(),
                        e.params
                            .get("query")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        e.code.clone(),
                    )
                })
                .collect();
            let refused: Vec<_> = log
                .iter()
                .filter(|(api, _, code)| api == "records/cursor" && code.is_some())
                .collect();
            assert!(
                !refused.is_empty(),
                "{sql}: a cursor was asked for: {log:?}"
            );
            assert!(
                refused
                    .iter()
                    .all(|(_, _, c)| c.as_deref() == Some("GAIA_TM12")),
                "{refused:?}"
            );
            assert!(
                log.iter().any(|(_, q, _)| q.contains("order by $id asc")),
                "{sql}: read by $id: {log:?}"
            );
            let b = cells(
                &off.query(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}")),
            );
            assert!(!a.is_empty(), "{sql}");
            assert_eq!(a.len(), b.len(), "{sql}");
            assert_eq!(a, b, "{sql}");
        }
    }
}
