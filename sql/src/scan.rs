//! The scan: an `ExecutionPlan` streaming an app's records (or a subtable's rows) from
//! Kintone a page at a time, decoded into `RecordBatch`es.
//!
//! Memory stays bounded whatever the app's size: kintone-api's page stream holds at most
//! two pages ahead and this node decodes one page into one batch.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column as PhysColumn;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream, SortOrderPushdownResult,
};
use futures_util::StreamExt;
use kintone_api::paging::{self, Plan, ReadRequest};
use kintone_api::query::OrderKey;
use kintone_api::Client;

use crate::catalog::{Column, Source, TableDef, TableKind};
use crate::decode::BatchBuilder;
use crate::error::from_kintone;

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
    /// An app table with pushdown on: sorts on `$id` and limits may go to Kintone.
    pub pushable: bool,
    /// `order by $id asc|desc` (`Some(true)` ascending) when the plan's sort was pushed.
    pub order_by_id: Option<bool>,
}

impl ScanSpec {
    pub fn read_request(&self) -> ReadRequest {
        let mut r = ReadRequest::new(self.table.app_id);
        r.fields = self.fields.clone();
        r.condition = self.condition.clone();
        r.limit = self.limit;
        r.page_size = self.page_size;
        if let Some(asc) = self.order_by_id {
            r.order_by = vec![OrderKey {
                field: "$id".into(),
                ascending: asc,
            }];
        }
        r
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

    /// How the read will page (§11.4), as EXPLAIN shows it.
    fn strategy_text(&self) -> String {
        let req = self.spec.read_request();
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
            Ok(p) => format!("{p:?}"),
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
        if let Some(asc) = s.order_by_id {
            write!(f, " order=$id {}", if asc { "asc" } else { "desc" })?;
        }
        if let Some(l) = s.limit {
            write!(f, " limit={l}")?;
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

    /// `ORDER BY "$id"` is served by Kintone's `$id` paging (`$id` is never NULL, so
    /// NULL placement cannot differ). Other sort keys stay local: where Kintone puts
    /// empty values and how it collates text is not documented.
    fn try_pushdown_sort(
        &self,
        order: &[PhysicalSortExpr],
    ) -> DfResult<SortOrderPushdownResult<Arc<dyn ExecutionPlan>>> {
        if !self.spec.pushable || self.spec.count_only || self.spec.limit.is_some() {
            return Ok(SortOrderPushdownResult::Unsupported);
        }
        let [o] = order else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let Some(col) = o.expr.downcast_ref::<PhysColumn>() else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let is_id = self
            .spec
            .columns
            .get(col.index())
            .is_some_and(|c| c.source == Source::Id && c.name == col.name());
        if !is_id {
            return Ok(SortOrderPushdownResult::Unsupported);
        }
        let mut spec = self.spec.clone();
        spec.order_by_id = Some(!o.options.descending);
        let eq = EquivalenceProperties::new_with_orderings(spec.schema.clone(), [vec![o.clone()]]);
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
        let spec = self.spec.clone();
        let client = self.client.clone();
        let req = spec.read_request();
        let schema = spec.schema.clone();
        if spec.count_only {
            let query = kintone_api::query::build(req.condition.as_deref(), &[], Some(1), None);
            let fields = vec!["$id".to_string()];
            let app = spec.table.app_id;
            let limit = spec.limit;
            let s = schema.clone();
            let batch = futures_util::stream::once(async move {
                let page = client
                    .get_records(app, Some(fields.as_slice()), &query, true)
                    .await
                    .map_err(|e| DataFusionError::from(from_kintone(&e)))?;
                let total = page.total_count.unwrap_or(0);
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
        // The read starts when the stream is first polled, inside the caller's runtime.
        let pages = futures_util::stream::once(async move { paging::read(&client, req) })
            .map(|r| match r {
                Ok(s) => s.boxed(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
            })
            .flatten();
        let batches = pages.map(move |page| -> DfResult<_> {
            let page = page.map_err(|e| DataFusionError::from(from_kintone(&e)))?;
            let mut b = BatchBuilder::new(
                spec.schema.clone(),
                spec.columns.clone(),
                page.records.len(),
                &spec.separator,
            )?;
            match &spec.table.kind {
                TableKind::App => {
                    for r in &page.records {
                        b.push_record(r)?;
                    }
                }
                TableKind::Subtable { code } => {
                    for r in &page.records {
                        b.push_subtable_rows(r, code)?;
                    }
                }
            }
            Ok(b.finish()?)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}
