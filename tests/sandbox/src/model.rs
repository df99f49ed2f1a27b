//! The sandbox's domain state: users, spaces, apps (fields, views, process management),
//! records, API tokens, OAuth clients, cursors and uploaded files.
//!
//! Field properties, layouts, views and process-management settings are kept as the JSON
//! shapes of the reference (§7.3-§7.6) because that is what the API returns; record
//! values are kept as the `value` member of §8 keyed by field code. Typed access goes
//! through [`FieldType`] and [`App::field`].

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub type Json = Value;

/// Every field type of reference §8 plus the layout-only ones of §7.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Id,
    Revision,
    RecordNumber,
    Creator,
    CreatedTime,
    Modifier,
    UpdatedTime,
    SingleLineText,
    MultiLineText,
    RichText,
    Number,
    Calc,
    CheckBox,
    RadioButton,
    DropDown,
    MultiSelect,
    File,
    Link,
    Date,
    Time,
    DateTime,
    UserSelect,
    OrganizationSelect,
    GroupSelect,
    Category,
    Status,
    StatusAssignee,
    Subtable,
    ReferenceTable,
    Group,
}

impl FieldType {
    pub fn parse(s: &str) -> Option<FieldType> {
        use FieldType::*;
        Some(match s {
            "__ID__" => Id,
            "__REVISION__" => Revision,
            "RECORD_NUMBER" => RecordNumber,
            "CREATOR" => Creator,
            "CREATED_TIME" => CreatedTime,
            "MODIFIER" => Modifier,
            "UPDATED_TIME" => UpdatedTime,
            "SINGLE_LINE_TEXT" => SingleLineText,
            "MULTI_LINE_TEXT" => MultiLineText,
            "RICH_TEXT" => RichText,
            "NUMBER" => Number,
            "CALC" => Calc,
            "CHECK_BOX" => CheckBox,
            "RADIO_BUTTON" => RadioButton,
            "DROP_DOWN" => DropDown,
            "MULTI_SELECT" => MultiSelect,
            "FILE" => File,
            "LINK" => Link,
            "DATE" => Date,
            "TIME" => Time,
            "DATETIME" => DateTime,
            "USER_SELECT" => UserSelect,
            "ORGANIZATION_SELECT" => OrganizationSelect,
            "GROUP_SELECT" => GroupSelect,
            "CATEGORY" => Category,
            "STATUS" => Status,
            "STATUS_ASSIGNEE" => StatusAssignee,
            "SUBTABLE" => Subtable,
            "REFERENCE_TABLE" => ReferenceTable,
            "GROUP" => Group,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use FieldType::*;
        match self {
            Id => "__ID__",
            Revision => "__REVISION__",
            RecordNumber => "RECORD_NUMBER",
            Creator => "CREATOR",
            CreatedTime => "CREATED_TIME",
            Modifier => "MODIFIER",
            UpdatedTime => "UPDATED_TIME",
            SingleLineText => "SINGLE_LINE_TEXT",
            MultiLineText => "MULTI_LINE_TEXT",
            RichText => "RICH_TEXT",
            Number => "NUMBER",
            Calc => "CALC",
            CheckBox => "CHECK_BOX",
            RadioButton => "RADIO_BUTTON",
            DropDown => "DROP_DOWN",
            MultiSelect => "MULTI_SELECT",
            File => "FILE",
            Link => "LINK",
            Date => "DATE",
            Time => "TIME",
            DateTime => "DATETIME",
            UserSelect => "USER_SELECT",
            OrganizationSelect => "ORGANIZATION_SELECT",
            GroupSelect => "GROUP_SELECT",
            Category => "CATEGORY",
            Status => "STATUS",
            StatusAssignee => "STATUS_ASSIGNEE",
            Subtable => "SUBTABLE",
            ReferenceTable => "REFERENCE_TABLE",
            Group => "GROUP",
        }
    }

    /// Types whose values appear in records (§8): not GROUP / REFERENCE_TABLE.
    pub fn has_value(self) -> bool {
        !matches!(self, FieldType::ReferenceTable | FieldType::Group)
    }

    /// Fields the server fills and a client cannot write through the record APIs
    /// (creator/time fields are writable on POST by app admins: see write rules).
    pub fn is_system(self) -> bool {
        use FieldType::*;
        matches!(
            self,
            Id | Revision | RecordNumber | Calc | Category | Status | StatusAssignee
        )
    }
}

/// A field as the query engine and validators see it: its property JSON (§7.3) plus,
/// for a field inside a subtable, the subtable's code.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    pub code: &'a str,
    pub ftype: FieldType,
    pub props: &'a Json,
    pub subtable: Option<&'a str>,
}

impl<'a> FieldRef<'a> {
    /// Option names in `index` order, for choice fields.
    pub fn options(&self) -> Vec<&'a str> {
        let mut opts: Vec<(i64, &'a str)> = self
            .props
            .get("options")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(name, o)| {
                        let idx = o
                            .get("index")
                            .and_then(|i| {
                                i.as_str()
                                    .and_then(|s| s.parse().ok())
                                    .or_else(|| i.as_i64())
                            })
                            .unwrap_or(0);
                        (idx, name.as_str())
                    })
                    .collect()
            })
            .unwrap_or_default();
        opts.sort();
        opts.into_iter().map(|(_, n)| n).collect()
    }

    /// For a lookup field, the copy-source type governs operators (§6.4); the field's
    /// own type is already SINGLE_LINE_TEXT / NUMBER / LINK, so this is the same.
    pub fn is_lookup(&self) -> bool {
        self.props.get("lookup").is_some_and(|l| !l.is_null())
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub code: String,
    pub name: String,
    pub password: String,
    pub email: String,
    /// IANA zone; functions like TODAY() are evaluated here (§6.5).
    pub timezone: String,
    pub locale: String,
    pub primary_organization: Option<String>,
    pub organizations: Vec<String>,
    pub groups: Vec<String>,
    /// Domain administrator (may create apps, sees every app).
    pub admin: bool,
    pub valid: bool,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct GroupDef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Space {
    pub id: u64,
    pub name: String,
    /// A guest space: its apps are reachable only under `/k/guest/{id}/v1/` (§1.2).
    pub is_guest: bool,
    pub default_thread: u64,
    pub members: Vec<String>,
}

/// A thread of a space. Thread ids are unique in the domain (`space/thread.json` takes
/// only the id). A space whose threads are not listed has one implicit thread, its
/// `default_thread`, created on first write.
#[derive(Debug, Clone)]
pub struct Thread {
    pub id: u64,
    pub space: u64,
    /// `None` for the thread of a single-thread space, which has no name of its own.
    pub name: Option<String>,
    /// HTML.
    pub body: String,
    pub creator: String,
    pub comments: Vec<ThreadComment>,
}

#[derive(Debug, Clone)]
pub struct ThreadComment {
    pub id: u64,
    pub text: String,
    /// `[{code, type}]` as sent.
    pub mentions: Vec<Json>,
    /// `[{fileKey, name, width?}]`.
    pub files: Vec<Json>,
    pub creator: String,
    pub created_at: DateTime<Utc>,
}

/// A guest user (`guests.json`). The login name (`code`) is an email address.
#[derive(Clone)]
pub struct Guest {
    pub code: String,
    /// Kept for completeness; never logged or returned by any endpoint.
    pub password: String,
    pub name: String,
    pub timezone: String,
    pub locale: String,
    /// The optional profile members as sent (`image`, `company`, `phone` ...).
    pub profile: serde_json::Map<String, Json>,
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("code", &self.code)
            .field("password", &"***")
            .field("name", &self.name)
            .field("timezone", &self.timezone)
            .field("locale", &self.locale)
            .field("profile", &self.profile)
            .finish()
    }
}

/// Per-token permissions (reference §3.2); they override app and record ACLs.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub token: String,
    pub view: bool,
    pub add: bool,
    pub edit: bool,
    pub delete: bool,
    pub manage: bool,
    /// A draft token (not yet deployed) gets 400 GAIA_IA02.
    pub deployed: bool,
}

/// Settings that have a live and a preview (pre-deploy) copy (§7.7).
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    /// Field code -> property JSON of §7.3, in form order. Includes system fields.
    pub fields: IndexMap<String, Json>,
    /// The `layout` array of §7.4.
    pub layout: Json,
    /// View name -> view JSON of §7.5.
    pub views: IndexMap<String, Json>,
    /// The process-management JSON of §7.6 (`enable`, `states`, `actions`).
    pub status: Json,
    pub revision: u64,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub creator: String,
    pub mentions: Vec<Json>,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    pub revision: u64,
    /// Field code -> `value` as in §8 responses (no `type`; the form gives it). Holds
    /// system fields too (RECORD_NUMBER, CREATOR, CREATED_TIME, STATUS ...), but not
    /// `$id` / `$revision`, which come from `id` / `revision`.
    pub values: BTreeMap<String, Json>,
    pub comments: Vec<Comment>,
    /// The record's answer text, kept between reads (see `api::record_out`).
    pub text: TextCache,
}

impl Record {
    pub fn new(id: u64, revision: u64, values: BTreeMap<String, Json>) -> Record {
        Record {
            id,
            revision,
            values,
            comments: Vec::new(),
            text: TextCache::default(),
        }
    }
}

/// A record's fields as JSON text, each `"code":{"type":..,"value":..}`, joined by
/// commas; `ends[i]` is where the i-th ends.
pub struct RecordText {
    /// What the text was made from: the record's revision and the live form's.
    pub key: (u64, u64),
    body: Vec<u8>,
    ends: Vec<usize>,
}

/// The record texts alive at one time may take this much (256 MiB unless
/// [`set_text_budget`] says otherwise); beyond it (an app of a million records read
/// whole) a record's text is made afresh for each read.
static TEXT_BUDGET: AtomicUsize = AtomicUsize::new(256 << 20);
static TEXT_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Sets how many bytes of record texts this process keeps (0: none). For a test that
/// measures its own heap with a sandbox in the same process.
pub fn set_text_budget(bytes: usize) {
    TEXT_BUDGET.store(bytes, Ordering::Relaxed);
}

impl RecordText {
    pub fn new(key: (u64, u64), body: Vec<u8>, ends: Vec<usize>) -> RecordText {
        let text = RecordText { key, body, ends };
        TEXT_BYTES.fetch_add(text.size(), Ordering::Relaxed);
        text
    }

    /// The whole text: every field, comma-separated.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The i-th field's text, if there is one.
    pub fn part(&self, i: usize) -> Option<&[u8]> {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev)? + 1,
            None => 0,
        };
        self.body.get(start..*self.ends.get(i)?)
    }

    fn size(&self) -> usize {
        self.body.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }
}

impl Drop for RecordText {
    fn drop(&mut self) {
        TEXT_BYTES.fetch_sub(self.size(), Ordering::Relaxed);
    }
}

/// A record's last answer text. It is looked up by the record's revision and the live
/// form's: every change to a record's values bumps its revision (writes, status and
/// assignee changes), and the deploy that migrates values to a new form changes the live
/// form's revision. A clone starts empty.
#[derive(Default)]
pub struct TextCache(Mutex<Option<Arc<RecordText>>>);

impl TextCache {
    pub fn get(&self, key: (u64, u64)) -> Option<Arc<RecordText>> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().filter(|t| t.key == key).cloned()
    }

    /// Keeps `text` if the budget allows, and hands it back.
    pub fn put(&self, text: RecordText) -> Arc<RecordText> {
        let text = Arc::new(text);
        if TEXT_BYTES.load(Ordering::Relaxed) <= TEXT_BUDGET.load(Ordering::Relaxed) {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(text.clone());
        }
        text
    }
}

impl Clone for TextCache {
    fn clone(&self) -> TextCache {
        TextCache::default()
    }
}

impl std::fmt::Debug for TextCache {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("TextCache")
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: u64,
    pub code: String,
    pub name: String,
    pub description: String,
    pub space_id: Option<u64>,
    pub thread_id: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub creator: String,
    pub modified_at: DateTime<Utc>,
    pub modifier: String,
    pub live: AppSettings,
    pub preview: AppSettings,
    /// Status of the last deploy (PROCESSING|SUCCESS|FAIL|CANCEL), if any.
    pub deploy_status: Option<String>,
    pub records: BTreeMap<u64, Record>,
    pub next_record_id: u64,
    pub next_comment_id: u64,
    pub api_tokens: Vec<ApiToken>,
    /// Users (codes) allowed to view/add/edit/delete records; empty = everyone.
    pub acl_users: Vec<String>,
    pub comments_enabled: bool,
}

impl App {
    /// Look a field up by code in the live form, including fields inside subtables.
    pub fn field(&self, code: &str) -> Option<FieldRef<'_>> {
        find_field(&self.live.fields, code)
    }

    /// Every field with a value, top level first, then subtable inner fields.
    pub fn fields(&self) -> Vec<FieldRef<'_>> {
        all_fields(&self.live.fields)
    }

    /// The code of the RECORD_NUMBER field (it can be renamed).
    pub fn record_number_code(&self) -> Option<&str> {
        self.live
            .fields
            .iter()
            .find(|(_, p)| p.get("type").and_then(Value::as_str) == Some("RECORD_NUMBER"))
            .map(|(c, _)| c.as_str())
    }

    pub fn process_enabled(&self) -> bool {
        self.live.status.get("enable").and_then(Value::as_bool) == Some(true)
    }
}

pub fn field_type_of(props: &Json) -> Option<FieldType> {
    props
        .get("type")
        .and_then(Value::as_str)
        .and_then(FieldType::parse)
}

pub fn find_field<'a>(fields: &'a IndexMap<String, Json>, code: &str) -> Option<FieldRef<'a>> {
    if let Some((k, props)) = fields.get_key_value(code) {
        return Some(FieldRef {
            code: k.as_str(),
            ftype: field_type_of(props)?,
            props,
            subtable: None,
        });
    }
    for (table_code, props) in fields {
        if field_type_of(props) != Some(FieldType::Subtable) {
            continue;
        }
        if let Some((k, inner)) = props
            .get("fields")
            .and_then(Value::as_object)
            .and_then(|m| m.get_key_value(code))
        {
            return Some(FieldRef {
                code: k.as_str(),
                ftype: field_type_of(inner)?,
                props: inner,
                subtable: Some(table_code.as_str()),
            });
        }
    }
    None
}

pub fn all_fields(fields: &IndexMap<String, Json>) -> Vec<FieldRef<'_>> {
    let mut out = Vec::new();
    for (code, props) in fields {
        if let Some(ftype) = field_type_of(props) {
            out.push(FieldRef {
                code: code.as_str(),
                ftype,
                props,
                subtable: None,
            });
        }
    }
    for (table_code, props) in fields {
        if field_type_of(props) != Some(FieldType::Subtable) {
            continue;
        }
        if let Some(inner) = props.get("fields").and_then(Value::as_object) {
            for (code, p) in inner {
                if let Some(ftype) = field_type_of(p) {
                    out.push(FieldRef {
                        code: code.as_str(),
                        ftype,
                        props: p,
                        subtable: Some(table_code.as_str()),
                    });
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

/// An issued OAuth grant: authorization code, access token or refresh token.
#[derive(Debug, Clone)]
pub struct OAuthGrant {
    pub client_id: String,
    pub user: String,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct OAuthState {
    pub codes: HashMap<String, OAuthGrant>,
    pub access_tokens: HashMap<String, OAuthGrant>,
    pub refresh_tokens: HashMap<String, OAuthGrant>,
}

/// An open cursor (§5): the record set is fixed at creation; values are read at each Get.
#[derive(Debug, Clone)]
pub struct Cursor {
    pub id: String,
    pub app: u64,
    pub guest: Option<u64>,
    pub fields: Option<Vec<String>>,
    pub ids: Vec<u64>,
    pub position: usize,
    pub size: usize,
    pub total: usize,
    pub expires_at: DateTime<Utc>,
    /// Who created it; a cursor can be read only with the same identity.
    pub owner: String,
}

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub file_key: String,
    pub name: String,
    pub content_type: String,
    pub data: bytes::Bytes,
    /// Upload keys are temporary until attached to a record (§4.11).
    pub temporary: bool,
}

/// Tunables that tests lower or raise (CLI flags, `--data` files).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_concurrency: usize,
    pub cursor_limit: usize,
    /// `like` matches past this abort the filter with `X-Cybozu-Warning` (§2.5).
    pub like_abort_threshold: usize,
    pub oauth_token_lifetime_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_concurrency: 100,
            cursor_limit: 10,
            like_abort_threshold: 100_000,
            oauth_token_lifetime_secs: 3600,
        }
    }
}

/// The whole Kintone domain the sandbox serves.
#[derive(Debug, Clone, Default)]
pub struct Domain {
    pub users: Vec<User>,
    pub organizations: Vec<Organization>,
    pub groups: Vec<GroupDef>,
    pub spaces: BTreeMap<u64, Space>,
    /// Threads by id (see [`Thread`]).
    pub threads: BTreeMap<u64, Thread>,
    pub next_thread_comment_id: u64,
    /// Guest users by login name.
    pub guests: BTreeMap<String, Guest>,
    /// The guest members of each guest space.
    pub space_guests: BTreeMap<u64, Vec<String>>,
    pub apps: BTreeMap<u64, App>,
    pub next_app_id: u64,
    pub next_subtable_row_id: u64,
    pub oauth_clients: Vec<OAuthClient>,
    pub oauth: OAuthState,
    pub cursors: HashMap<String, Cursor>,
    pub files: HashMap<String, StoredFile>,
    pub limits: Limits,
}

impl Domain {
    pub fn user(&self, code: &str) -> Option<&User> {
        self.users.iter().find(|u| u.code == code)
    }

    /// The space a thread belongs to: a listed thread, or a space's default thread.
    pub fn thread_space(&self, thread: u64) -> Option<u64> {
        self.threads.get(&thread).map(|t| t.space).or_else(|| {
            self.spaces
                .values()
                .find(|s| s.default_thread == thread)
                .map(|s| s.id)
        })
    }

    /// Whether a space uses a portal and several (named) threads.
    pub fn multi_thread(&self, space: u64) -> bool {
        self.threads
            .values()
            .any(|t| t.space == space && t.name.is_some())
    }

    /// The guest space an app lives in, if any.
    pub fn guest_space_of(&self, app: &App) -> Option<u64> {
        app.space_id
            .and_then(|s| self.spaces.get(&s))
            .filter(|s| s.is_guest)
            .map(|s| s.id)
    }
}
