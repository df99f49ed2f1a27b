//! Spaces (§7.8): spaces and their members, threads (update, comments), guest users
//! and the guest members of a guest space.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{Call, Client, GuestPath};
use crate::endpoints::comments::Mention;
use crate::endpoints::{de_opt_u64, de_u64, from_value, put, value_u64, CodeName};
use crate::error::{Error, Result};
use crate::secret::Secret;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    #[serde(deserialize_with = "de_u64")]
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub default_thread: Option<u64>,
    #[serde(default)]
    pub is_private: Option<bool>,
    #[serde(default)]
    pub is_guest: Option<bool>,
    #[serde(default)]
    pub creator: Option<CodeName>,
    /// Apps of the space as Kintone lists them (`attachedApps`).
    #[serde(default)]
    pub attached_apps: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaceMember {
    pub entity: Value,
    #[serde(default)]
    pub is_admin: Option<bool>,
    #[serde(default)]
    pub is_implicit: Option<bool>,
}

/// A guest user to add (`POST /k/v1/guests.json`). `Debug` masks the password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewGuest {
    /// The login name: an email address.
    pub code: String,
    pub password: Secret,
    /// An IANA zone (`Asia/Tokyo`).
    pub timezone: String,
    /// The display name (1 to 128 characters).
    pub name: String,
    /// `auto` (Kintone's default), `ja`, `en`, `zh`.
    pub locale: Option<String>,
    /// A file key of an uploaded image.
    pub image: Option<String>,
    pub sur_name_reading: Option<String>,
    pub given_name_reading: Option<String>,
    pub company: Option<String>,
    pub division: Option<String>,
    pub phone: Option<String>,
    pub callto: Option<String>,
}

impl NewGuest {
    fn to_json(&self) -> Value {
        let mut g = json!({
            "code": self.code,
            "password": self.password.expose(),
            "timezone": self.timezone,
            "name": self.name,
        });
        for (key, v) in [
            ("locale", &self.locale),
            ("image", &self.image),
            ("surNameReading", &self.sur_name_reading),
            ("givenNameReading", &self.given_name_reading),
            ("company", &self.company),
            ("division", &self.division),
            ("phone", &self.phone),
            ("callto", &self.callto),
        ] {
            if let Some(v) = v {
                put(&mut g, key, json!(v));
            }
        }
        g
    }
}

impl Client {
    pub async fn get_space(&self, id: u64) -> Result<Space> {
        let call = Call::get("space", json!({"id": id}));
        let ctx = self.context(&call);
        from_value(&ctx, self.execute(&call).await?.body)
    }

    pub async fn space_members(&self, id: u64) -> Result<Vec<SpaceMember>> {
        let call = Call::get("space/members", json!({"id": id}));
        let ctx = self.context(&call);
        let body = self.execute(&call).await?.body;
        from_value(
            &ctx,
            body.get("members").cloned().unwrap_or(Value::Array(vec![])),
        )
    }
}

impl Client {
    /// Posts a comment to a space's thread (`text` and/or uploaded `file_keys`, up to 10
    /// mentions); returns the comment's id. A thread of a guest space needs a connection
    /// to that guest space.
    pub async fn add_thread_comment(
        &self,
        space: u64,
        thread: u64,
        text: &str,
        mentions: &[Mention],
        file_keys: &[String],
    ) -> Result<u64> {
        let mut comment = json!({"text": text});
        if !mentions.is_empty() {
            let m: Vec<Value> = mentions
                .iter()
                .map(|m| json!({"code": m.code, "type": m.kind}))
                .collect();
            put(&mut comment, "mentions", Value::Array(m));
        }
        if !file_keys.is_empty() {
            let f: Vec<Value> = file_keys.iter().map(|k| json!({"fileKey": k})).collect();
            put(&mut comment, "files", Value::Array(f));
        }
        let call = Call::write(
            Method::POST,
            "space/thread/comment",
            json!({"space": space, "thread": thread, "comment": comment}),
            format!("add a comment to thread {thread} of space {space}"),
        );
        let ctx = self.context(&call);
        let body = self.execute(&call).await?.body;
        body.get("id")
            .and_then(value_u64)
            .ok_or_else(|| Error::decode(&ctx, "no comment id"))
    }

    /// Changes a thread's name and/or body (HTML); `None` leaves it as it is.
    pub async fn update_thread(
        &self,
        thread: u64,
        name: Option<&str>,
        body: Option<&str>,
    ) -> Result<()> {
        let mut p = json!({"id": thread});
        if let Some(n) = name {
            put(&mut p, "name", json!(n));
        }
        if let Some(b) = body {
            put(&mut p, "body", json!(b));
        }
        // Setting the same name and body twice is harmless.
        let call = Call::write(
            Method::PUT,
            "space/thread",
            p,
            format!("update thread {thread}"),
        )
        .idempotent();
        self.execute(&call).await?;
        Ok(())
    }

    /// Adds guest users (no invitation mail is sent). Always `/k/v1/guests.json`.
    pub async fn add_guests(&self, guests: &[NewGuest]) -> Result<()> {
        let list: Vec<Value> = guests.iter().map(NewGuest::to_json).collect();
        let codes: Vec<&str> = guests.iter().map(|g| g.code.as_str()).collect();
        let call = Call::write(
            Method::POST,
            "guests",
            json!({ "guests": list }),
            format!("add guest user(s) {}", codes.join(", ")),
        )
        .guest_path(GuestPath::Never);
        self.execute(&call).await?;
        Ok(())
    }

    /// Deletes guest users from Kintone (at most 100). Always `/k/v1/guests.json`.
    pub async fn delete_guests(&self, codes: &[String]) -> Result<()> {
        let call = Call::write(
            Method::DELETE,
            "guests",
            json!({ "guests": codes }),
            format!("delete guest user(s) {}", codes.join(", ")),
        )
        .guest_path(GuestPath::Never);
        self.execute(&call).await?;
        Ok(())
    }

    /// Sets the guest members of guest space `space` (the list replaces the current
    /// one), through `/k/guest/{space}/v1/space/guests.json` whatever the connection's
    /// own guest space.
    pub async fn update_space_guests(&self, space: u64, codes: &[String]) -> Result<()> {
        let call = Call::write(
            Method::PUT,
            "space/guests",
            json!({"id": space, "guests": codes}),
            format!("set the guests of space {space}"),
        )
        .guest_path(GuestPath::Space(space))
        .idempotent();
        self.execute(&call).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_guest_shows_no_password() {
        let g = NewGuest {
            code: "a@example.com".into(),
            password: Secret::new("hunter2-guest"),
            timezone: "UTC".into(),
            name: "A".into(),
            company: Some("C".into()),
            ..NewGuest::default()
        };
        assert!(!format!("{g:?}").contains("hunter2-guest"));
        let j = g.to_json();
        assert_eq!(j["password"], "hunter2-guest");
        assert_eq!(j["company"], "C");
        assert!(j.get("locale").is_none());
        let call = Call::write(Method::POST, "guests", json!({"guests": [j]}), "x");
        let shown = format!("{call:?}");
        assert!(!shown.contains("hunter2-guest"), "{shown}");
        assert!(shown.contains("a@example.com"), "{shown}");
    }
}
