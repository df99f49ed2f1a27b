//! App administration procedures of CData's driver: `CreateApp` (a new app in the
//! pre-live environment), `DeployApps` (make pre-live settings live) and
//! `AppsDeployStatus` (how a deployment is going). They need Kintone's app
//! administration rights (an API token cannot create apps).

use datafusion::common::ScalarValue;

use super::records::list;
use super::{Args, Param, ProcContext, Procedure, ResultColumn, SqlType};
use crate::error::{state, SqlError, SqlResult};

const APP_IDS: Param = Param {
    name: "AppId",
    ty: SqlType::Text,
    required: true,
    default: None,
    description: "An app id or a comma-separated list of them (at most 300).",
    secret: false,
};

pub static CREATE_APP: Procedure = Procedure {
    name: "CreateApp",
    description: "Creates an app in the pre-live environment (deploy it with DeployApps), optionally in a space's thread.",
    params: &[
        Param {
            name: "Name",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "The app's name (at most 64 characters).",
            secret: false,
        },
        Param {
            name: "Space",
            ty: SqlType::Integer,
            required: false,
            default: None,
            description: "The space to create it in (with Thread).",
            secret: false,
        },
        Param {
            name: "Thread",
            ty: SqlType::Integer,
            required: false,
            default: None,
            description: "The thread of that space (its default thread id).",
            secret: false,
        },
    ],
    columns: &[
        ResultColumn {
            name: "AppId",
            ty: SqlType::Integer,
            nullable: false,
            description: "The new app's id.",
        },
        ResultColumn {
            name: "Revision",
            ty: SqlType::Integer,
            nullable: false,
            description: "The revision of its settings.",
        },
    ],
    writes: true,
    body: |ctx, args| Box::pin(create_app(ctx, args)),
};

pub static DEPLOY_APPS: Procedure = Procedure {
    name: "DeployApps",
    description: "Deploys the pre-live settings of apps (or, with Revert, throws them away). Kintone deploys asynchronously: AppsDeployStatus says when it is done.",
    params: &[
        APP_IDS,
        Param {
            name: "Revert",
            ty: SqlType::Boolean,
            required: false,
            default: Some("false"),
            description: "Discard the pre-live changes instead of deploying them.",
            secret: false,
        },
    ],
    columns: &[ResultColumn {
        name: "Success",
        ty: SqlType::Boolean,
        nullable: false,
        description: "Whether Kintone accepted the deployment.",
    }],
    writes: true,
    body: |ctx, args| Box::pin(deploy_apps(ctx, args)),
};

pub static APPS_DEPLOY_STATUS: Procedure = Procedure {
    name: "AppsDeployStatus",
    description: "The deployment status of apps: PROCESSING, SUCCESS, FAIL or CANCEL.",
    params: &[APP_IDS],
    columns: &[
        ResultColumn {
            name: "AppId",
            ty: SqlType::Integer,
            nullable: false,
            description: "The app's id.",
        },
        ResultColumn {
            name: "Status",
            ty: SqlType::Text,
            nullable: false,
            description: "PROCESSING, SUCCESS, FAIL or CANCEL.",
        },
    ],
    writes: false,
    body: |ctx, args| Box::pin(deploy_status(ctx, args)),
};

fn app_ids(args: &Args) -> SqlResult<Vec<u64>> {
    let ids = list(args, "AppId")?
        .iter()
        .map(|s| {
            s.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                SqlError::new(state::BAD_CAST, format!("AppId '{s}' is not an app id"))
            })
        })
        .collect::<SqlResult<Vec<_>>>()?;
    if ids.is_empty() || ids.len() > 300 {
        return Err(SqlError::new(
            "HY024",
            format!("between 1 and 300 app ids are needed ({} given)", ids.len()),
        ));
    }
    Ok(ids)
}

async fn create_app(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    let name = args
        .text("Name")?
        .ok_or_else(|| SqlError::new("HY024", "CreateApp needs a Name"))?;
    let id = |n: &str| -> SqlResult<Option<u64>> {
        Ok(args.integer(n)?.and_then(|v| u64::try_from(v).ok()))
    };
    let space = match (id("Space")?, id("Thread")?) {
        (Some(s), Some(t)) => Some((s, t)),
        (None, None) => None,
        _ => return Err(SqlError::new(
            "HY024",
            "CreateApp: Space and Thread go together (a space's default thread is usually its id)",
        )),
    };
    let (app, revision) = ctx.client.create_app(&name, space).await?;
    Ok(vec![vec![
        ScalarValue::Int64(i64::try_from(app).ok()),
        ScalarValue::Int64(i64::try_from(revision).ok()),
    ]])
}

async fn deploy_apps(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    let apps = app_ids(&args)?;
    let revert = args.boolean("Revert")?.unwrap_or(false);
    ctx.client.deploy_apps(&apps, revert).await?;
    Ok(vec![vec![ScalarValue::Boolean(Some(true))]])
}

async fn deploy_status(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    let apps = app_ids(&args)?;
    Ok(ctx
        .client
        .deploy_status(&apps)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                ScalarValue::Int64(i64::try_from(s.app).ok()),
                ScalarValue::Utf8(Some(s.status)),
            ]
        })
        .collect())
}
