//! The plan node of a system table: one batch, read when the statement runs.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};

use super::{rows, IdFilters, SysContext, SysKind};

#[derive(Debug)]
pub struct SystemExec {
    kind: SysKind,
    /// The table's full schema; `projection` picks the output columns.
    full: SchemaRef,
    projection: Option<Vec<usize>>,
    ids: IdFilters,
    ctx: SysContext,
    props: Arc<PlanProperties>,
}

impl SystemExec {
    pub fn new(
        kind: SysKind,
        full: SchemaRef,
        projection: Option<Vec<usize>>,
        ids: IdFilters,
        ctx: SysContext,
    ) -> DfResult<Self> {
        let schema = match &projection {
            Some(p) => Arc::new(full.project(p)?),
            None => full.clone(),
        };
        let props = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        Ok(SystemExec {
            kind,
            full,
            projection,
            ids,
            ctx,
            props: Arc::new(props),
        })
    }
}

impl DisplayAs for SystemExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "KintoneSystemTable: {}", self.kind.name())?;
        let mut keys: Vec<_> = self.ids.iter().collect();
        keys.sort();
        for (k, v) in keys {
            let v: Vec<String> = v.iter().map(u64::to_string).collect();
            write!(f, " {k}=[{}]", v.join(", "))?;
        }
        Ok(())
    }
}

impl ExecutionPlan for SystemExec {
    fn name(&self) -> &str {
        "KintoneSystemExec"
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
                "KintoneSystemExec has no children".into(),
            ))
        }
    }

    fn execute(
        &self,
        partition: usize,
        _ctx: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "KintoneSystemExec has one partition, asked for {partition}"
            )));
        }
        let (kind, full, projection, ids, ctx) = (
            self.kind,
            self.full.clone(),
            self.projection.clone(),
            self.ids.clone(),
            self.ctx.clone(),
        );
        let out = self.props.eq_properties.schema().clone();
        let batch = futures_util::stream::once(async move {
            let b = rows::load(kind, full, &ids, &ctx).await?;
            match projection {
                Some(p) => Ok(b.project(&p)?),
                None => Ok(b),
            }
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(out, batch)))
    }
}
