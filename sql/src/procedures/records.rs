//! Process management procedures of CData's driver: `UpdateStatus` (run workflow
//! actions) and `UpdateAssignees` (replace who a record waits for). Both write, so a
//! `ReadOnly` connection refuses them.

use datafusion::common::ScalarValue;
use kintone_api::endpoints::records::{StatusAction, MAX_WRITE};

use super::{Args, Param, ProcContext, Procedure, ResultColumn, SqlType};
use crate::error::{state, SqlError, SqlResult};

const APP_ID: Param = Param {
    name: "AppId",
    ty: SqlType::Integer,
    required: true,
    default: None,
    description: "The id of the app that holds the records.",
    secret: false,
};

const GUEST_SPACE_ID: Param = Param {
    name: "GuestSpaceId",
    ty: SqlType::Integer,
    required: false,
    default: Some("the GuestSpaceId connection property"),
    description: "Accepted for compatibility: it must be the connection's own GuestSpaceId (a connection talks to one space).",
    secret: false,
};

const RESULT: &[ResultColumn] = &[
    ResultColumn {
        name: "Success",
        ty: SqlType::Boolean,
        nullable: false,
        description: "Whether the record was changed.",
    },
    ResultColumn {
        name: "Id",
        ty: SqlType::Integer,
        nullable: false,
        description: "The record's $id.",
    },
    ResultColumn {
        name: "Revision",
        ty: SqlType::Integer,
        nullable: false,
        description: "The record's revision afterwards (an action counts twice: the action and the status change).",
    },
];

pub static UPDATE_STATUS: Procedure = Procedure {
    name: "UpdateStatus",
    description: "Runs process management actions on records (up to 100 a call, all or nothing). RecordId, Action, Assignee and Revision take one value or comma-separated lists, matched by position; one Action (or Assignee) applies to every record.",
    params: &[
        APP_ID,
        Param {
            name: "RecordId",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "A record id or a comma-separated list of them.",
            secret: false,
        },
        Param {
            name: "Action",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "The action name (as the API user's language shows it), or one per record.",
            secret: false,
        },
        Param {
            name: "Assignee",
            ty: SqlType::Text,
            required: false,
            default: None,
            description: "The next assignee's login name, when the status lets the user choose; one, or one per record.",
            secret: false,
        },
        Param {
            name: "Revision",
            ty: SqlType::Text,
            required: false,
            default: Some("-1 (no check)"),
            description: "The revision each record must still have, or -1; one per record.",
            secret: false,
        },
        GUEST_SPACE_ID,
    ],
    columns: RESULT,
    writes: true,
    body: |ctx, args| Box::pin(update_status(ctx, args)),
};

pub static UPDATE_ASSIGNEES: Procedure = Procedure {
    name: "UpdateAssignees",
    description: "Replaces the assignees of a record's current status.",
    params: &[
        APP_ID,
        Param {
            name: "RecordId",
            ty: SqlType::Integer,
            required: true,
            default: None,
            description: "The record's $id.",
            secret: false,
        },
        Param {
            name: "Assignees",
            ty: SqlType::Text,
            required: false,
            default: Some("none (the status then has no assignee)"),
            description: "Comma-separated login names (at most 100).",
            secret: false,
        },
        Param {
            name: "Revision",
            ty: SqlType::Integer,
            required: false,
            default: Some("-1 (no check)"),
            description: "The revision the record must still have, or -1.",
            secret: false,
        },
        GUEST_SPACE_ID,
    ],
    columns: RESULT,
    writes: true,
    body: |ctx, args| Box::pin(update_assignees(ctx, args)),
};

/// The parameter's comma-separated items (trimmed, empty ones dropped).
pub(super) fn list(args: &Args, name: &str) -> SqlResult<Vec<String>> {
    Ok(args
        .text(name)?
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default())
}

/// `GuestSpaceId` may only repeat the connection's.
pub(super) fn check_guest_space(ctx: &ProcContext, args: &Args, procedure: &str) -> SqlResult<()> {
    match (args.integer("GuestSpaceId")?, ctx.client.guest_space_id()) {
        (None, _) => Ok(()),
        (Some(g), Some(c)) if u64::try_from(g).ok() == Some(c) => Ok(()),
        (Some(g), _) => Err(SqlError::new(
            "HY024",
            format!("{procedure}: GuestSpaceId {g} is not this connection's space: connect with GuestSpaceId={g} instead"),
        )),
    }
}

pub(super) fn app_id(args: &Args) -> SqlResult<u64> {
    let n = args.integer("AppId")?.unwrap_or(0);
    u64::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| SqlError::new("HY024", format!("AppId {n} is not an app id")))
}

fn number(what: &str, s: &str) -> SqlResult<i64> {
    s.parse().map_err(|_| {
        SqlError::new(
            state::BAD_CAST,
            format!("{what} '{s}' is not a whole number"),
        )
    })
}

/// The `i`-th item of a per-record list: one item applies to all.
fn nth<'a>(items: &'a [String], i: usize, n: usize, what: &str) -> SqlResult<Option<&'a str>> {
    match items.len() {
        0 => Ok(None),
        1 => Ok(items.first().map(String::as_str)),
        m if m == n => Ok(items.get(i).map(String::as_str)),
        m => Err(SqlError::new(
            "HY024",
            format!("UpdateStatus: {m} {what} for {n} records (give one, or one per record)"),
        )),
    }
}

async fn update_status(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    check_guest_space(ctx, &args, "UpdateStatus")?;
    let app = app_id(&args)?;
    let ids = list(&args, "RecordId")?;
    let actions = list(&args, "Action")?;
    let assignees = list(&args, "Assignee")?;
    let revisions = list(&args, "Revision")?;
    let n = ids.len();
    if n == 0 || n > MAX_WRITE {
        return Err(SqlError::new(
            "HY024",
            format!("UpdateStatus takes 1 to {MAX_WRITE} record ids ({n} given)"),
        ));
    }
    let mut todo = Vec::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let id = u64::try_from(number("RecordId", id)?)
            .map_err(|_| SqlError::new("HY024", format!("RecordId {id} is not a record id")))?;
        let action = nth(&actions, i, n, "actions")?
            .ok_or_else(|| SqlError::new("HY024", "UpdateStatus needs an Action"))?;
        let revision = match nth(&revisions, i, n, "revisions")? {
            Some(r) => u64::try_from(number("Revision", r)?).ok(),
            None => None,
        };
        todo.push(StatusAction {
            id,
            action: action.to_string(),
            assignee: nth(&assignees, i, n, "assignees")?.map(str::to_string),
            revision,
        });
    }
    let done = ctx.client.update_statuses(app, &todo).await?;
    Ok(done.into_iter().map(|(id, rev)| row(id, rev)).collect())
}

async fn update_assignees(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    check_guest_space(ctx, &args, "UpdateAssignees")?;
    let app = app_id(&args)?;
    let id = args
        .integer("RecordId")?
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| SqlError::new("HY024", "UpdateAssignees needs a RecordId"))?;
    let who = list(&args, "Assignees")?;
    let revision = args
        .integer("Revision")?
        .and_then(|r| u64::try_from(r).ok());
    let rev = ctx.client.update_assignees(app, id, &who, revision).await?;
    Ok(vec![row(id, rev)])
}

fn row(id: u64, revision: u64) -> Vec<ScalarValue> {
    vec![
        ScalarValue::Boolean(Some(true)),
        ScalarValue::Int64(i64::try_from(id).ok()),
        ScalarValue::Int64(i64::try_from(revision).ok()),
    ]
}
