//! Integer arithmetic that reports overflow instead of wrapping.
//!
//! DataFusion evaluates `+`, `-` and `*` on integers with wrapping kernels, so
//! `9223372036854775807 + 1` is a negative number and a report is silently wrong. An
//! analyzer rule (after type coercion, so both sides have their final type) replaces
//! each integer `+`/`-`/`*` by a function with arrow's checked kernels; the
//! expression keeps its name, and an overflow is SQLSTATE 22003 (`error.rs`). Constant
//! folding keeps a call that fails for the run to report, so a literal overflow is
//! caught too.

use std::sync::Arc;

use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{exec_datafusion_err, DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Add,
    Sub,
    Mul,
}

impl Op {
    fn of(op: Operator) -> Option<Op> {
        match op {
            Operator::Plus => Some(Op::Add),
            Operator::Minus => Some(Op::Sub),
            Operator::Multiply => Some(Op::Mul),
            _ => None,
        }
    }
}

/// `checked_add(a, b)` and friends: the arithmetic of two integers of one type.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CheckedArith {
    op: Op,
    signature: Signature,
}

impl ScalarUDFImpl for CheckedArith {
    fn name(&self) -> &str {
        match self.op {
            Op::Add => "checked_add",
            Op::Sub => "checked_subtract",
            Op::Mul => "checked_multiply",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        arg_types
            .first()
            .cloned()
            .ok_or_else(|| exec_datafusion_err!("{} takes two arguments", self.name()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [a, b] = args.args.as_slice() else {
            return Err(exec_datafusion_err!("{} takes two arguments", self.name()));
        };
        let scalar = matches!((a, b), (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)));
        let rows = if scalar { 1 } else { args.number_rows };
        let (a, b) = (a.to_array(rows)?, b.to_array(rows)?);
        let out = match self.op {
            Op::Add => numeric::add(&a, &b)?,
            Op::Sub => numeric::sub(&a, &b)?,
            Op::Mul => numeric::mul(&a, &b)?,
        };
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

fn udf(op: Op) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(CheckedArith {
        op,
        signature: Signature::any(2, Volatility::Immutable),
    }))
}

/// The analyzer rule; add it after DataFusion's own (type coercion first).
#[derive(Debug)]
pub struct CheckedArithmetic {
    add: Arc<ScalarUDF>,
    sub: Arc<ScalarUDF>,
    mul: Arc<ScalarUDF>,
}

impl Default for CheckedArithmetic {
    fn default() -> Self {
        CheckedArithmetic {
            add: udf(Op::Add),
            sub: udf(Op::Sub),
            mul: udf(Op::Mul),
        }
    }
}

impl CheckedArithmetic {
    fn rewrite(&self, e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
        let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &e else {
            return Ok(Transformed::no(e));
        };
        let Some(kind) = Op::of(*op) else {
            return Ok(Transformed::no(e));
        };
        // Only integers of one type wrap; where a type cannot be told (an outer
        // reference), the expression stays as it was.
        let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema)) else {
            return Ok(Transformed::no(e));
        };
        if l != r || !l.is_integer() {
            return Ok(Transformed::no(e));
        }
        let func = match kind {
            Op::Add => &self.add,
            Op::Sub => &self.sub,
            Op::Mul => &self.mul,
        };
        let Expr::BinaryExpr(BinaryExpr { left, right, .. }) = e else {
            return Ok(Transformed::no(e));
        };
        Ok(Transformed::yes(Expr::ScalarFunction(
            ScalarFunction::new_udf(func.clone(), vec![*left, *right]),
        )))
    }
}

impl AnalyzerRule for CheckedArithmetic {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let mut schema = merge_schema(&plan.inputs());
            if let LogicalPlan::TableScan(ts) = &plan {
                schema.merge(&DFSchema::try_from_qualified_schema(
                    ts.table_name.clone(),
                    &ts.source.schema(),
                )?);
            }
            let names = NamePreserver::new(&plan);
            plan.map_expressions(|expr| {
                let name = names.save(&expr);
                expr.transform_up(|e| self.rewrite(e, &schema))
                    .map(|t| t.update_data(|e| name.restore(e)))
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        "kintone_checked_arithmetic"
    }
}
