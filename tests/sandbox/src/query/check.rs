//! Validation of a parsed query against the app's live form (§6.4, §6.7, §6.9) and its
//! compilation into evaluable predicates (`eval.rs`).
//!
//! Check order inside one predicate: unknown field (GAIA_IQ11) / dot syntax on a subtable
//! (GAIA_IR02), choice values (GAIA_IQ10, before the operator check as observed), `=`/`!=`
//! on a subtable field (GAIA_IQ07), operator vs type (GAIA_IQ03), then each function:
//! allowed for the type (GAIA_IQ03), argument count (GAIA_IL08), arguments
//! (GAIA_IQ23/GAIA_IQ25), then literals (a literal the type cannot read, e.g. `"abc"` on a
//! NUMBER, is a syntax error: UNCONFIRMED choice).

use super::eval::{
    datetime_secs, days_of, parse_date, time_minutes, tokenize, CPred, Kind, Node, Operand, RelNode,
};
use super::functions::{arity, period, DATE_FUNCTIONS};
use super::lexer::CmpOp;
use super::parser::{CondAst, Op, PredAst, ValueExpr};
use crate::error::{KError, KResult};
use crate::model::{App, Domain, FieldType};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

pub fn not_found(code: &str) -> KError {
    KError::new(
        400,
        "GAIA_IQ11",
        format!("Specified field ({code}) not found."),
    )
}

fn bad_op(code: &str, op: &str) -> KError {
    KError::new(
        400,
        "GAIA_IQ03",
        format!("{code}フィールドのフィールドタイプには演算子{op}を使用できません。"),
    )
}

/// A resolved field reference: `None` subtable for top-level fields.
pub struct Resolved {
    pub code: String,
    pub ftype: FieldType,
    pub subtable: Option<String>,
    pub options: Vec<String>,
    /// CALC `format` (§7.3): DATE/TIME/DATETIME results are compared as such.
    pub calc_format: Option<String>,
}

impl Resolved {
    pub fn kind(&self) -> Option<Kind> {
        match (self.ftype, self.calc_format.as_deref()) {
            (FieldType::Calc, Some("DATE")) => Some(Kind::Date),
            (FieldType::Calc, Some("TIME")) => Some(Kind::Time),
            (FieldType::Calc, Some("DATETIME")) => Some(Kind::DateTime),
            (ft, _) => kind_of(ft),
        }
    }
}

/// Resolves `code`, `$id` or `rel.code` (§6.1, §6.7).
pub fn resolve(app: &App, name: &str) -> KResult<Resolved> {
    if name == "$id" {
        return Ok(Resolved {
            code: name.into(),
            ftype: FieldType::Id,
            subtable: None,
            options: vec![],
            calc_format: None,
        });
    }
    if let Some(f) = app.field(name) {
        return Ok(Resolved {
            code: f.code.to_string(),
            ftype: f.ftype,
            subtable: f.subtable.map(str::to_string),
            options: f.options().into_iter().map(str::to_string).collect(),
            calc_format: f
                .props
                .get("format")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    if let Some((head, _)) = name.split_once('.') {
        match app.field(head).map(|f| (f.ftype, f.subtable)) {
            Some((FieldType::Subtable, None)) => {
                return Err(KError::new(
                    400,
                    "GAIA_IR02",
                    format!("テーブル内のフィールドを指定する場合、テーブルのフィールドコード（{head}）を付けずに指定してください。"),
                ))
            }
            Some((FieldType::ReferenceTable, None)) => {
                // Evaluating related records needs the referenced app, which `select`
                // does not see; rejected rather than answered wrongly.
                return Err(KError::new(
                    400,
                    "GAIA_IQ03",
                    format!("関連レコードのフィールド（{name}）はこのサンドボックスでは検索できません。"),
                ));
            }
            _ => {}
        }
    }
    Err(not_found(name))
}

pub fn kind_of(ft: FieldType) -> Option<Kind> {
    use FieldType::*;
    Some(match ft {
        Id => Kind::Id,
        RecordNumber => Kind::RecNum,
        Number | Calc => Kind::Num,
        SingleLineText | Link | Status => Kind::Text,
        MultiLineText => Kind::MultiText,
        RichText => Kind::Rich,
        RadioButton | DropDown => Kind::Choice,
        CheckBox | MultiSelect | Category => Kind::Multi,
        Creator | Modifier => Kind::UserOne,
        UserSelect | OrganizationSelect | GroupSelect | StatusAssignee => Kind::UserMany,
        File => Kind::File,
        Date => Kind::Date,
        Time => Kind::Time,
        DateTime | CreatedTime | UpdatedTime => Kind::DateTime,
        Revision | Subtable | ReferenceTable | Group => return None,
    })
}

/// The operator table of §6.4. CATEGORY and STATUS_ASSIGNEE get `in`/`not in`
/// (UNCONFIRMED: they are missing from the table).
pub fn op_allowed(ft: FieldType, op: &Op) -> bool {
    use FieldType::*;
    let cmp = matches!(op, Op::Cmp(_));
    let eqne = matches!(op, Op::Cmp(CmpOp::Eq) | Op::Cmp(CmpOp::Ne));
    let inn = matches!(op, Op::In | Op::NotIn);
    let like = matches!(op, Op::Like | Op::NotLike);
    let empty = matches!(op, Op::IsEmpty | Op::IsNotEmpty);
    match ft {
        Id | RecordNumber | Number | Calc => cmp || inn,
        Creator | Modifier | UserSelect | OrganizationSelect | GroupSelect | CheckBox
        | RadioButton | DropDown | MultiSelect | Category | StatusAssignee => inn,
        CreatedTime | UpdatedTime | Date | Time | DateTime => cmp,
        SingleLineText | Link => eqne || inn || like,
        MultiLineText | File => like || empty,
        RichText => like,
        Status => eqne || inn,
        Revision | Subtable | ReferenceTable | Group => false,
    }
}

fn func_allowed(ft: FieldType, name: &str) -> bool {
    use FieldType::*;
    match name {
        "LOGINUSER" => matches!(ft, Creator | Modifier | UserSelect | StatusAssignee),
        "PRIMARY_ORGANIZATION" => ft == OrganizationSelect,
        "NOW" => matches!(ft, CreatedTime | UpdatedTime | DateTime),
        n if DATE_FUNCTIONS.contains(&n) => {
            matches!(ft, Date | CreatedTime | UpdatedTime | DateTime)
        }
        _ => false,
    }
}

pub struct Compiler<'a> {
    pub app: &'a App,
    pub today: NaiveDate,
    pub like_count: usize,
    /// Other apps, for related-record fields (`rel.field`, §6.7); `None` rejects them.
    pub domain: Option<&'a Domain>,
}

fn json_id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

impl Compiler<'_> {
    pub fn cond(&mut self, c: &CondAst) -> KResult<Node> {
        Ok(match c {
            CondAst::Or(items) => {
                Node::Or(items.iter().map(|i| self.cond(i)).collect::<KResult<_>>()?)
            }
            CondAst::And(items) => {
                let mut nodes = Vec::new();
                let mut groups: Vec<(String, Vec<super::eval::CPred>)> = Vec::new();
                for i in items {
                    match self.cond(i)? {
                        Node::Pred(p) if p.subtable.is_some() && !p.is_negative() => {
                            let t = p.subtable.clone().unwrap_or_default();
                            match groups.iter_mut().find(|(g, _)| *g == t) {
                                Some((_, v)) => v.push(p),
                                None => groups.push((t, vec![p])),
                            }
                        }
                        other => nodes.push(other),
                    }
                }
                for (t, mut preds) in groups {
                    if preds.len() == 1 {
                        nodes.push(Node::Pred(preds.remove(0)));
                    } else {
                        nodes.push(Node::SameRow(t, preds));
                    }
                }
                Node::And(nodes)
            }
            CondAst::Pred(p) => match self.related(p)? {
                Some(r) => Node::Related(Box::new(r)),
                None => Node::Pred(self.pred(p)?),
            },
        })
    }

    /// `rel.field op ...` where `rel` is a REFERENCE_TABLE: compiled against the
    /// referenced app, with the table's `filterCond`. `None` when `p` is not one.
    fn related(&mut self, p: &PredAst) -> KResult<Option<RelNode>> {
        let (Some(domain), Some((head, tail))) = (self.domain, p.field.split_once('.')) else {
            return Ok(None);
        };
        let Some(rt) = self
            .app
            .field(head)
            .filter(|f| f.ftype == FieldType::ReferenceTable && f.subtable.is_none())
            .map(|f| {
                f.props
                    .get("referenceTable")
                    .cloned()
                    .unwrap_or(Value::Null)
            })
        else {
            return Ok(None);
        };
        let related = json_id(rt.pointer("/relatedApp/app"))
            .and_then(|id| domain.apps.get(&id))
            .ok_or_else(|| not_found(&p.field))?;
        let key_field = rt
            .pointer("/condition/field")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let related_key = rt
            .pointer("/condition/relatedField")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if related.field(tail).is_none() && tail != "$id" {
            return Err(not_found(&p.field));
        }
        // §6.4: related-record fields take in / not in instead of = / != (the exact code
        // for = is UNCONFIRMED; GAIA_IQ03 like any operator the field cannot take).
        if matches!(p.op, Op::Cmp(CmpOp::Eq) | Op::Cmp(CmpOp::Ne)) {
            return Err(bad_op(&p.field, p.op.as_str()));
        }
        let mut sub = Compiler {
            app: related,
            today: self.today,
            like_count: 0,
            domain: None,
        };
        let inner = PredAst {
            field: tail.to_string(),
            op: p.op.clone(),
            values: p.values.clone(),
        };
        let mut pred = sub.pred(&inner)?;
        // Like matches in another app do not count towards this scan's abort (§2.5).
        pred.like_idx = None;
        // A filterCond the sandbox cannot compile is ignored rather than failing the query.
        let filter = rt
            .get("filterCond")
            .and_then(Value::as_str)
            .filter(|f| !f.trim().is_empty())
            .and_then(|f| super::parser::parse(f).ok())
            .and_then(|q| q.cond)
            .and_then(|c| sub.cond(&c).ok());
        Ok(Some(RelNode {
            app: related.id,
            key_field,
            related_key,
            filter,
            pred,
            keys: None,
        }))
    }

    fn pred(&mut self, p: &PredAst) -> KResult<CPred> {
        let f = resolve(self.app, &p.field)?;
        let code = f.code.clone();
        let choice = matches!(
            f.ftype,
            FieldType::CheckBox
                | FieldType::MultiSelect
                | FieldType::RadioButton
                | FieldType::DropDown
        );
        if choice {
            let empty_ok = matches!(f.ftype, FieldType::DropDown | FieldType::RadioButton);
            for v in &p.values {
                if let ValueExpr::Lit(s) = v {
                    if !(f.options.iter().any(|o| o == s) || s.is_empty() && empty_ok) {
                        return Err(KError::new(
                            400,
                            "GAIA_IQ10",
                            format!("フィールド「{code}」の項目に「{s}」は存在しません。"),
                        ));
                    }
                }
            }
        }
        if f.subtable.is_some() && matches!(p.op, Op::Cmp(CmpOp::Eq) | Op::Cmp(CmpOp::Ne)) {
            return Err(KError::new(
                400,
                "GAIA_IQ07",
                format!(
                    "テーブルに設定している場合、{code}フィールドのフィールドタイプには、演算子{}を使用できません。",
                    p.op.as_str()
                ),
            ));
        }
        let kind = match f.kind() {
            Some(k) if op_allowed(f.ftype, &p.op) => k,
            _ => return Err(bad_op(&code, p.op.as_str())),
        };
        let mut operands = Vec::new();
        for v in &p.values {
            operands.push(self.operand(&f, kind, v)?);
        }
        let (like, like_idx) = if matches!(p.op, Op::Like | Op::NotLike) {
            let term = match p.values.first() {
                Some(ValueExpr::Lit(s)) => tokenize(s),
                _ => return Err(KError::query_syntax()),
            };
            self.like_count += 1;
            (Some(term), Some(self.like_count - 1))
        } else {
            (None, None)
        };
        Ok(CPred {
            code,
            kind,
            subtable: f.subtable,
            op: p.op.clone(),
            operands,
            like,
            like_idx,
        })
    }

    fn operand(&self, f: &Resolved, kind: Kind, v: &ValueExpr) -> KResult<Operand> {
        match v {
            ValueExpr::Func { name, args } => {
                let upper = name.to_ascii_uppercase();
                if arity(&upper).is_none() {
                    return Err(KError::query_syntax());
                }
                if !func_allowed(f.ftype, &upper) {
                    return Err(KError::new(
                        400,
                        "GAIA_IQ03",
                        format!(
                            "{}フィールドのフィールドタイプには関数{upper}()を使用できません。",
                            f.code
                        ),
                    ));
                }
                match upper.as_str() {
                    "LOGINUSER" | "PRIMARY_ORGANIZATION" | "NOW" => {
                        if !args.is_empty() {
                            return Err(super::functions::wrong_args());
                        }
                        Ok(match upper.as_str() {
                            "LOGINUSER" => Operand::LoginUser,
                            "NOW" => Operand::Now,
                            _ => Operand::PrimaryOrg,
                        })
                    }
                    _ => {
                        // Validates arguments now; the period is computed at select time.
                        period(&upper, args, self.today)?;
                        Ok(Operand::Period(upper, args.clone()))
                    }
                }
            }
            ValueExpr::Lit(s) => {
                let bad = KError::query_syntax;
                Ok(match kind {
                    Kind::Id | Kind::RecNum | Kind::Num => {
                        if s.trim().is_empty() {
                            Operand::Empty
                        } else {
                            Operand::Dec(
                                Decimal::from_str(s.trim())
                                    .or_else(|_| Decimal::from_scientific(s.trim()))
                                    .map_err(|_| bad())?,
                            )
                        }
                    }
                    Kind::Date => {
                        if s.is_empty() {
                            Operand::Empty
                        } else {
                            let d = parse_date(s).ok_or_else(bad)?;
                            Operand::Range(days_of(d), days_of(d) + 1)
                        }
                    }
                    Kind::Time => {
                        if s.is_empty() {
                            Operand::Empty
                        } else {
                            let m = time_minutes(s).ok_or_else(bad)?;
                            Operand::Range(m, m + 1)
                        }
                    }
                    Kind::DateTime => {
                        if s.is_empty() {
                            Operand::Empty
                        } else if let Some(t) = datetime_secs(s) {
                            Operand::Range(t, t + 1)
                        } else {
                            // A date-only literal is that whole day in the user's zone
                            // (UNCONFIRMED, §6.6).
                            let d = parse_date(s).ok_or_else(bad)?;
                            let next = d.succ_opt().ok_or_else(bad)?;
                            Operand::LocalDays(d, next)
                        }
                    }
                    _ => Operand::Str(s.clone()),
                })
            }
        }
    }
}
