//! INSERT and DELETE on the `Comments` system table, as in CData's driver: a comment is
//! added to (or removed from) one record. Kintone has no batch call for comments, so
//! each row is its own request; a failure stops the statement and the outcome says how
//! many rows landed before it. Comments cannot be edited, so UPDATE is refused.

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{DmlStatement, LogicalPlan, WriteOp};
use kintone_api::endpoints::comments::Mention;

use super::{
    bound, cell, insert_source, key_columns, project, read_all, send, unsupported, SetOutcome,
    Verb, WriteContext, WriteOutcome,
};
use crate::error::{state, SqlError, SqlResult};

/// The columns an INSERT may give (the others are Kintone's: id, creator, time).
const WRITABLE: [&str; 4] = ["AppId", "RecordId", "Text", "MentionsAggregate"];

#[derive(Debug)]
pub struct CommentWrite {
    pub verb: Verb,
    /// INSERT: the new comments; DELETE: `AppId`, `RecordId`, `Id` of the matches.
    source: LogicalPlan,
    /// (source column, Comments column name) of an INSERT.
    targets: Vec<(usize, String)>,
}

pub fn plan(dml: &DmlStatement, verb: Verb) -> SqlResult<CommentWrite> {
    match (&dml.op, verb) {
        (WriteOp::Insert(InsertOp::Append), Verb::Insert) => {
            let (inner, all) = insert_source(dml)?;
            let schema = dml.target.schema();
            let targets: Vec<(usize, String)> = all
                .into_iter()
                .map(|(k, ci)| (k, schema.field(ci).name().clone()))
                .collect();
            for need in ["AppId", "RecordId", "Text"] {
                if !targets.iter().any(|(_, n)| n == need) {
                    return Err(SqlError::new(
                        "HY024",
                        format!("INSERT INTO Comments needs {need} (AppId, RecordId and Text; MentionsAggregate optional)"),
                    ));
                }
            }
            Ok(CommentWrite {
                verb: Verb::Insert,
                source: inner,
                targets,
            })
        }
        (WriteOp::Delete, Verb::Delete) => {
            let base = dml.input.as_ref().clone();
            let exprs = key_columns(&base, &["AppId", "RecordId", "Id"])?;
            let source = project(base, exprs)?;
            Ok(CommentWrite {
                verb: Verb::Delete,
                source,
                targets: Vec::new(),
            })
        }
        (WriteOp::Update, _) => Err(unsupported(
            "Kintone comments cannot be edited: DELETE the comment and INSERT a new one",
        )),
        _ => Err(unsupported(
            "Comments takes INSERT and DELETE only (no upsert)",
        )),
    }
}

impl CommentWrite {
    pub async fn run(
        &self,
        w: &WriteContext<'_>,
        sets: Vec<Vec<ScalarValue>>,
        cast: impl Fn(Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>>,
    ) -> WriteOutcome {
        let n_sets = sets.len();
        let mut out = WriteOutcome::new(n_sets);
        for set in sets {
            let result = match bound(&self.source, set, &cast) {
                Ok(plan) => read_all(w, plan).await,
                Err(e) => Err(e),
            };
            let batches = match result {
                Ok(b) => b,
                Err(e) => {
                    out.fail(e, SetOutcome::Failed, n_sets);
                    break;
                }
            };
            if let Err((e, unknown)) = self.write(w, &batches, &mut out).await {
                out.fail(e, SetOutcome::failed(unknown), n_sets);
                break;
            }
            out.sets.push(SetOutcome::Done);
        }
        out
    }

    async fn write(
        &self,
        w: &WriteContext<'_>,
        batches: &[RecordBatch],
        out: &mut WriteOutcome,
    ) -> Result<(), (SqlError, bool)> {
        for b in batches {
            for r in 0..b.num_rows() {
                let row_no = out.rows as usize + 1;
                let value = |k: usize| cell(b, k, r);
                let result = match self.verb {
                    Verb::Delete => {
                        let ids = (|| {
                            Ok::<_, SqlError>((
                                id(&value(0)?, row_no, "AppId")?,
                                id(&value(1)?, row_no, "RecordId")?,
                                id(&value(2)?, row_no, "Id")?,
                            ))
                        })()
                        .map_err(|e| (e, false))?;
                        w.client
                            .delete_comment(ids.0, ids.1, ids.2)
                            .await
                            .map(|()| None)
                    }
                    _ => {
                        let c = self
                            .comment(&value, row_no, w.separator)
                            .map_err(|e| (e, false))?;
                        w.client
                            .add_comment(c.app, c.record, &c.text, &c.mentions)
                            .await
                            .map(Some)
                    }
                };
                match result {
                    Ok(new_id) => {
                        out.rows += 1;
                        out.new_ids.extend(new_id);
                    }
                    Err(e) => {
                        let unknown = matches!(e, kintone_api::Error::WriteOutcomeUnknown { .. });
                        let mut err = crate::error::from_kintone(&e);
                        err.message = format!("row {row_no}: {}", err.message);
                        if unknown {
                            err = SqlError::new(
                                send::state::UNKNOWN_OUTCOME,
                                format!("{}; it was not sent again", err.message),
                            );
                        }
                        return Err((err, unknown));
                    }
                }
            }
        }
        Ok(())
    }

    fn comment(
        &self,
        value: &dyn Fn(usize) -> SqlResult<ScalarValue>,
        row: usize,
        sep: &str,
    ) -> SqlResult<NewComment> {
        let mut c = NewComment::default();
        for (k, name) in &self.targets {
            let v = value(*k)?;
            match name.as_str() {
                "AppId" => c.app = id(&v, row, name)?,
                "RecordId" => c.record = id(&v, row, name)?,
                "Text" => c.text = text(&v),
                "MentionsAggregate" => {
                    c.mentions = mentions(&text(&v), sep).map_err(|why| bad(row, name, &why))?
                }
                _ if v.is_null() => {}
                _ => {
                    return Err(bad(
                        row,
                        name,
                        &format!(
                            "is set by Kintone; only {} can be given",
                            WRITABLE.join(", ")
                        ),
                    ));
                }
            }
        }
        if c.text.trim().is_empty() {
            return Err(bad(
                row,
                "Text",
                "is empty: Kintone needs the comment's text",
            ));
        }
        Ok(c)
    }
}

#[derive(Default)]
struct NewComment {
    app: u64,
    record: u64,
    text: String,
    mentions: Vec<Mention>,
}

fn bad(row: usize, column: &str, why: &str) -> SqlError {
    SqlError::new(
        state::BAD_CAST,
        format!("row {row}, column \"{column}\": {why}"),
    )
}

fn id(v: &ScalarValue, row: usize, column: &str) -> SqlResult<u64> {
    match v.cast_to(&datafusion::arrow::datatypes::DataType::UInt64) {
        Ok(ScalarValue::UInt64(Some(n))) if n > 0 => Ok(n),
        _ => Err(bad(row, column, &format!("{v} is not an id"))),
    }
}

fn text(v: &ScalarValue) -> String {
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => s.clone(),
        v if v.is_null() => String::new(),
        v => v.to_string(),
    }
}

/// The JSON a read shows (`[{"code": "sato", "type": "USER"}]`), or codes joined by the
/// separator: a user code, or `ORGANIZATION:code`, `GROUP:code` (`USER:code` too; the
/// type in any case). Also the `Mentions` of the `AddThreadComment` procedure.
pub(crate) fn mentions(s: &str, sep: &str) -> Result<Vec<Mention>, String> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    if s.trim_start().starts_with('[') {
        return serde_json::from_str(s)
            .map_err(|e| format!("is not a JSON list of {{code, type}}: {e}"));
    }
    Ok(s.split(sep)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|item| {
            let typed = item.split_once(':').and_then(|(t, code)| {
                ["USER", "GROUP", "ORGANIZATION"]
                    .into_iter()
                    .find(|k| k.eq_ignore_ascii_case(t.trim()))
                    .map(|k| (k, code.trim()))
            });
            let (kind, code) = typed.unwrap_or(("USER", item));
            Mention {
                code: code.to_string(),
                kind: kind.into(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_take_codes_typed_codes_or_json() {
        let m = mentions(
            " sato, organization:sales ,GROUP: devs,guest/a@example.com",
            ",",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m.kind.as_str(), m.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("USER", "sato"),
                ("ORGANIZATION", "sales"),
                ("GROUP", "devs"),
                ("USER", "guest/a@example.com")
            ]
        );
        // An unknown prefix is part of a user code.
        assert_eq!(mentions("team:x", ",").unwrap()[0].code, "team:x");
        let m = mentions(r#"[{"code": "dev", "type": "ORGANIZATION"}]"#, ",").unwrap();
        assert_eq!(
            (m[0].kind.as_str(), m[0].code.as_str()),
            ("ORGANIZATION", "dev")
        );
        assert!(mentions("[x", ",").is_err());
        assert!(mentions("  ", ",").unwrap().is_empty());
    }
}
