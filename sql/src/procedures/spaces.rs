//! Space and guest procedures of CData's driver: `AddThreadComment` and `UpdateThread`
//! (a space's threads), `AddGuests` and `DeleteGuests` (guest users of the domain) and
//! `AddGuestsToSpace` (the guest members of a guest space). Kintone takes these only
//! with a password (not an API token); the guest ones need a kintone administrator (or,
//! for a space's guests, its space administrator).

use datafusion::common::ScalarValue;
use kintone_api::endpoints::spaces::NewGuest;

use super::records::list;
use super::{Args, Param, ProcContext, Procedure, ResultColumn, SqlType};
use crate::error::{SqlError, SqlResult};

const fn param(
    name: &'static str,
    ty: SqlType,
    required: bool,
    default: Option<&'static str>,
    description: &'static str,
) -> Param {
    Param {
        name,
        ty,
        required,
        default,
        description,
        secret: false,
    }
}

const SUCCESS: ResultColumn = ResultColumn {
    name: "Success",
    ty: SqlType::Boolean,
    nullable: false,
    description: "Whether Kintone accepted the change.",
};

/// Kintone's limit on the guests of one guests.json call.
const MAX_GUESTS: usize = 100;

pub static ADD_THREAD_COMMENT: Procedure = Procedure {
    name: "AddThreadComment",
    description: "Posts a comment to a thread of a space (mentions and files come before and after the text, as Kintone composes them). A thread of a guest space needs a connection with that GuestSpaceId.",
    params: &[
        param("SpaceId", SqlType::Integer, true, None, "The space's id (in its URL: /k/#/space/<SpaceId>/thread/<ThreadId>)."),
        param("ThreadId", SqlType::Integer, true, None, "The thread's id (a space's default thread, or one of its threads)."),
        param("Text", SqlType::Text, true, None, "The comment (up to 65,535 characters; LF for new lines)."),
        param("Mentions", SqlType::Text, false, Some("none"), "Comma-separated user codes (a guest as guest/<email>), or ORGANIZATION:<code> and GROUP:<code>; at most 10."),
        param("FileKeys", SqlType::Text, false, Some("none"), "Comma-separated file keys from UploadFile to attach (at most 5)."),
    ],
    columns: &[
        SUCCESS,
        ResultColumn {
            name: "Id",
            ty: SqlType::Integer,
            nullable: false,
            description: "The new comment's id.",
        },
    ],
    writes: true,
    body: |ctx, args| Box::pin(add_thread_comment(ctx, args)),
};

pub static UPDATE_THREAD: Procedure = Procedure {
    name: "UpdateThread",
    description: "Changes a thread's name and/or body (at least one). The thread of a single-thread space has no name: only its body (the space's body) changes. Needs the space administrator or the thread's creator.",
    params: &[
        param("ThreadId", SqlType::Integer, true, None, "The thread's id."),
        param("Name", SqlType::Text, false, Some("unchanged"), "The new name (1 to 128 characters)."),
        param("Body", SqlType::Text, false, Some("unchanged"), "The new body, as HTML (up to 65,535 characters; tags Kintone does not allow are removed)."),
    ],
    columns: &[SUCCESS],
    writes: true,
    body: |ctx, args| Box::pin(update_thread(ctx, args)),
};

pub static ADD_GUESTS: Procedure = Procedure {
    name: "AddGuests",
    description: "Adds a guest user to Kintone (no invitation mail is sent); then AddGuestsToSpace makes it a member of a guest space. Needs a kintone administrator.",
    params: &[
        param("Code", SqlType::Text, true, None, "The guest's login name: an email address."),
        Param {
            name: "Password",
            ty: SqlType::Text,
            required: true,
            default: None,
            description: "The guest's password (never logged or shown).",
            secret: true,
        },
        param("Timezone", SqlType::Text, true, None, "The guest's time zone (IANA, e.g. Asia/Tokyo)."),
        param("Locale", SqlType::Text, false, Some("auto (the browser's language)"), "auto, ja, en or zh."),
        param("Name", SqlType::Text, false, Some("SurName and GivenName"), "The display name (1 to 128 characters); needed unless SurName or GivenName is given."),
        param("SurName", SqlType::Text, false, None, "The family name: with GivenName, the display name when Name is omitted."),
        param("GivenName", SqlType::Text, false, None, "The given name (see SurName)."),
        param("SurNameReading", SqlType::Text, false, Some("empty"), "The reading of the family name (up to 64 characters)."),
        param("GivenNameReading", SqlType::Text, false, Some("empty"), "The reading of the given name (up to 64 characters)."),
        param("Image", SqlType::Text, false, Some("Kintone's default picture"), "A file key (from UploadFile) of the guest's picture."),
        param("Company", SqlType::Text, false, Some("empty"), "The company (up to 100 characters)."),
        param("Division", SqlType::Text, false, Some("empty"), "The division (up to 100 characters)."),
        param("Phone", SqlType::Text, false, Some("empty"), "The phone number (up to 100 characters)."),
        param("CallTo", SqlType::Text, false, Some("empty"), "The Skype name (up to 256 characters)."),
    ],
    columns: &[SUCCESS],
    writes: true,
    body: |ctx, args| Box::pin(add_guests(ctx, args)),
};

pub static ADD_GUESTS_TO_SPACE: Procedure = Procedure {
    name: "AddGuestsToSpace",
    description: "Sets the guest members of a guest space to Guests. Kintone's API replaces the whole list and has no call to read it: list every guest who should stay. The guests must exist (AddGuests). Needs the space administrator.",
    params: &[
        param("SpaceId", SqlType::Integer, true, None, "The guest space's id (the request goes to /k/guest/<SpaceId>/v1/, whatever the connection's GuestSpaceId)."),
        param("Guests", SqlType::Text, true, None, "Comma-separated guest login names (email addresses)."),
    ],
    columns: &[SUCCESS],
    writes: true,
    body: |ctx, args| Box::pin(add_guests_to_space(ctx, args)),
};

pub static DELETE_GUESTS: Procedure = Procedure {
    name: "DeleteGuests",
    description: "Deletes guest users from Kintone (and so from every guest space). Needs a kintone administrator.",
    params: &[param("Guests", SqlType::Text, true, None, "Comma-separated guest login names (email addresses), at most 100.")],
    columns: &[SUCCESS],
    writes: true,
    body: |ctx, args| Box::pin(delete_guests(ctx, args)),
};

/// A required text parameter that is not blank.
fn needed(args: &Args, procedure: &str, name: &str) -> SqlResult<String> {
    args.text(name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| SqlError::new("HY024", format!("{procedure}: parameter {name} is empty")))
}

/// A positive id parameter.
fn id(args: &Args, procedure: &str, name: &str) -> SqlResult<u64> {
    let n = args.integer(name)?.unwrap_or(0);
    u64::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
        SqlError::new(
            "HY024",
            format!("{procedure}: parameter {name}: {n} is not an id"),
        )
    })
}

/// The comma-separated guest codes of `name`: at least one.
fn guests(args: &Args, procedure: &str, name: &str) -> SqlResult<Vec<String>> {
    let codes = list(args, name)?;
    if codes.is_empty() {
        return Err(SqlError::new(
            "HY024",
            format!("{procedure}: parameter {name} lists no guest"),
        ));
    }
    Ok(codes)
}

fn success() -> Vec<Vec<ScalarValue>> {
    vec![vec![ScalarValue::Boolean(Some(true))]]
}

async fn add_thread_comment(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    const P: &str = "AddThreadComment";
    let space = id(&args, P, "SpaceId")?;
    let thread = id(&args, P, "ThreadId")?;
    let text = needed(&args, P, "Text")?;
    let mentions =
        crate::write::comments::mentions(&args.text("Mentions")?.unwrap_or_default(), ",")
            .map_err(|why| SqlError::new("HY024", format!("{P}: parameter Mentions {why}")))?;
    let files = list(&args, "FileKeys")?;
    let comment = ctx
        .client
        .add_thread_comment(space, thread, &text, &mentions, &files)
        .await?;
    Ok(vec![vec![
        ScalarValue::Boolean(Some(true)),
        ScalarValue::Int64(i64::try_from(comment).ok()),
    ]])
}

async fn update_thread(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    const P: &str = "UpdateThread";
    let thread = id(&args, P, "ThreadId")?;
    let name = args.text("Name")?;
    let body = args.text("Body")?;
    if name.is_none() && body.is_none() {
        return Err(SqlError::new(
            "HY024",
            format!("{P} needs Name or Body (or both): there is nothing to change"),
        ));
    }
    ctx.client
        .update_thread(thread, name.as_deref(), body.as_deref())
        .await?;
    Ok(success())
}

async fn add_guests(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    const P: &str = "AddGuests";
    let code = needed(&args, P, "Code")?;
    let password = args
        .secret("Password")?
        .ok_or_else(|| SqlError::new("HY024", format!("{P}: parameter Password is empty")))?;
    let timezone = needed(&args, P, "Timezone")?;
    let name = match args.text("Name")? {
        Some(n) => n,
        None => {
            let parts: Vec<String> = [args.text("SurName")?, args.text("GivenName")?]
                .into_iter()
                .flatten()
                .collect();
            if parts.is_empty() {
                return Err(SqlError::new(
                    "HY024",
                    format!(
                        "{P} needs Name, or SurName and/or GivenName (the guest's display name)"
                    ),
                ));
            }
            parts.join(" ")
        }
    };
    let guest = NewGuest {
        code,
        password,
        timezone,
        name,
        locale: args.text("Locale")?,
        image: args.text("Image")?,
        sur_name_reading: args.text("SurNameReading")?,
        given_name_reading: args.text("GivenNameReading")?,
        company: args.text("Company")?,
        division: args.text("Division")?,
        phone: args.text("Phone")?,
        callto: args.text("CallTo")?,
    };
    ctx.client.add_guests(std::slice::from_ref(&guest)).await?;
    Ok(success())
}

async fn add_guests_to_space(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    const P: &str = "AddGuestsToSpace";
    let space = id(&args, P, "SpaceId")?;
    let codes = guests(&args, P, "Guests")?;
    ctx.client.update_space_guests(space, &codes).await?;
    Ok(success())
}

async fn delete_guests(ctx: &ProcContext, args: Args) -> SqlResult<Vec<Vec<ScalarValue>>> {
    const P: &str = "DeleteGuests";
    let codes = guests(&args, P, "Guests")?;
    if codes.len() > MAX_GUESTS {
        return Err(SqlError::new(
            "HY024",
            format!(
                "{P} takes at most {MAX_GUESTS} guests a call ({} given)",
                codes.len()
            ),
        ));
    }
    ctx.client.delete_guests(&codes).await?;
    Ok(success())
}
