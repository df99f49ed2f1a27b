//! `order by` (§6.8).
//!
//! Keys: NUMBER/CALC/RECORD_NUMBER/`$id` numerically; DROP_DOWN/RADIO_BUTTON by option
//! index; STATUS by the state's `index`; CREATOR/MODIFIER by user code; dates/times by
//! time; text by Unicode code point (UNCONFIRMED: real Kintone uses its own collation).
//! Empty values sort before any value in `asc` (and so after in `desc`; UNCONFIRMED).
//! Ties are broken by `$id` descending so results are deterministic.

use super::check::{resolve, Resolved};
use super::eval::{date_days, datetime_secs, record_number, time_minutes};
use crate::error::{KError, KResult};
use crate::model::{App, FieldType, Json, Record};
use rust_decimal::Decimal;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortVal<'a> {
    Empty,
    Int(i64),
    Dec(Decimal),
    Str(&'a str),
}

#[derive(Debug, Clone, Copy)]
enum How {
    Id,
    RecNum,
    Num,
    Text,
    UserCode,
    Date,
    Time,
    DateTime,
    /// Option/state name -> index.
    Index,
}

#[derive(Debug, Clone)]
pub struct SortKey {
    code: String,
    how: How,
    index: HashMap<String, i64>,
    pub asc: bool,
}

fn unsortable(code: &str) -> KError {
    KError::new(
        400,
        "GAIA_IS02",
        format!("フィールド（{code}）はソートに使用できません。"),
    )
}

pub fn sort_key(app: &App, name: &str, asc: bool) -> KResult<SortKey> {
    let f: Resolved = resolve(app, name)?;
    if f.subtable.is_some() {
        return Err(unsortable(name));
    }
    use FieldType::*;
    let mut index = HashMap::new();
    let how = match f.ftype {
        Id => How::Id,
        RecordNumber => How::RecNum,
        Calc => match f.calc_format.as_deref() {
            Some("DATE") => How::Date,
            Some("TIME") => How::Time,
            Some("DATETIME") => How::DateTime,
            _ => How::Num,
        },
        Number => How::Num,
        SingleLineText | Link => How::Text,
        Creator | Modifier => How::UserCode,
        Date => How::Date,
        Time => How::Time,
        DateTime | CreatedTime | UpdatedTime => How::DateTime,
        DropDown | RadioButton => {
            for (i, o) in f.options.iter().enumerate() {
                index.insert(o.clone(), i as i64);
            }
            How::Index
        }
        Status => {
            if let Some(states) = app.live.status.get("states").and_then(Value::as_object) {
                for (name, st) in states {
                    let idx = st
                        .get("index")
                        .and_then(|i| {
                            i.as_str()
                                .and_then(|s| s.parse().ok())
                                .or_else(|| i.as_i64())
                        })
                        .unwrap_or(i64::MAX);
                    index.insert(name.clone(), idx);
                }
            }
            How::Index
        }
        _ => return Err(unsortable(name)),
    };
    Ok(SortKey {
        code: f.code,
        how,
        index,
        asc,
    })
}

fn text(v: Option<&Json>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl SortKey {
    /// `Some(asc)` when this key is `$id`, the order the record store is kept in.
    pub fn id_direction(&self) -> Option<bool> {
        matches!(self.how, How::Id).then_some(self.asc)
    }

    pub fn value<'r>(&self, rec: &'r Record) -> SortVal<'r> {
        let v = rec.values.get(&self.code);
        let r = match self.how {
            How::Id => Some(SortVal::Int(rec.id as i64)),
            How::RecNum => text(v).and_then(record_number).map(SortVal::Dec),
            How::Num => match v {
                Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).ok(),
                other => text(other).and_then(|s| Decimal::from_str(s.trim()).ok()),
            }
            .map(SortVal::Dec),
            How::Text => text(v).map(SortVal::Str),
            How::UserCode => v
                .and_then(|u| u.get("code"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(SortVal::Str),
            How::Date => text(v).and_then(date_days).map(SortVal::Int),
            How::Time => text(v).and_then(time_minutes).map(SortVal::Int),
            How::DateTime => text(v).and_then(datetime_secs).map(SortVal::Int),
            How::Index => text(v).map(|s| {
                // A value that is no longer an option sorts after all options.
                SortVal::Int(self.index.get(s).copied().unwrap_or(i64::MAX))
            }),
        };
        r.unwrap_or(SortVal::Empty)
    }
}

/// Sorts `ids` by `keys`, then `$id` descending.
pub fn sort_ids(app: &App, keys: &[SortKey], ids: &mut Vec<u64>) {
    if keys.is_empty() {
        ids.sort_unstable_by(|a, b| b.cmp(a));
        return;
    }
    let mut rows: Vec<(u64, Vec<SortVal>)> = ids
        .iter()
        .filter_map(|id| app.records.get(id))
        .map(|r| (r.id, keys.iter().map(|k| k.value(r)).collect()))
        .collect();
    rows.sort_by(|(ia, va), (ib, vb)| {
        for (k, (a, b)) in keys.iter().zip(va.iter().zip(vb.iter())) {
            let o = a.cmp(b);
            let o = if k.asc { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        ib.cmp(ia)
    });
    *ids = rows.into_iter().map(|(id, _)| id).collect();
}
