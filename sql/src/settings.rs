//! What a connection needs: the Kintone client configuration plus the naming and
//! mapping properties of CData's list (peers-and-bi-tools.md §1.2) that shape the SQL view.

use std::path::PathBuf;

use kintone_api::{ClientConfig, Secret};
use kintone_auth::Initiate;

use crate::error::{SqlError, SqlResult};

/// Separator between the items of a multi-value field (CHECK_BOX, MULTI_SELECT, CATEGORY,
/// user/organization/group selections) in its one text column.
pub const DEFAULT_MULTI_VALUE_SEPARATOR: &str = ",";

/// `Schema`: which cybozu.com API the connection's tables come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataModel {
    /// Kintone apps as tables (CData's `Kintone`, formerly `REST`).
    #[default]
    Kintone,
    /// The cybozu.com User API's users, organizations and groups as views (CData's
    /// `CybozuUser`, formerly `USER`; Celigo's "API type: User").
    CybozuUser,
}

impl DataModel {
    pub fn parse(value: &str) -> Option<DataModel> {
        match value.trim().to_ascii_lowercase().as_str() {
            "kintone" | "rest" => Some(DataModel::Kintone),
            "cybozuuser" | "user" => Some(DataModel::CybozuUser),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DataModel::Kintone => "Kintone",
            DataModel::CybozuUser => "CybozuUser",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub client: ClientConfig,
    /// `Schema`: Kintone apps, or the User API's views.
    pub model: DataModel,
    /// `UseCodeForFieldName`: column (and subtable) names are field codes instead of labels.
    pub use_code_for_field_name: bool,
    /// `SubtableSeparatorCharacter`: child tables are `<App><sep><Subtable>`.
    pub subtable_separator: String,
    /// `CheckForSubtablesIn`: apps (names or ids) whose subtables become child tables;
    /// `None` is `*` (all).
    pub check_for_subtables_in: Option<Vec<String>>,
    /// `NumberMapToDouble`: NUMBER and numeric CALC as DOUBLE instead of exact DECIMAL.
    pub number_map_to_double: bool,
    pub multi_value_separator: String,
    /// Whether filters, limits and projections go to Kintone. Off, every record of every
    /// scanned app is read and SQL does all the work (the differential tests' reference).
    pub pushdown: bool,
    /// `Pagesize`: records per request (1..=500).
    pub page_size: u64,
    /// What the host (the driver, the `kintone-odbc` command) knows about itself for
    /// `sys_information`: the licence state and where the library was loaded from. The
    /// SQL layer does not check licences.
    pub host: HostInfo,
    /// The OAuth properties. The OAuth procedures (`GetOAuthAuthorizationURL`, ...) use
    /// them on a connection whose authentication may be anything, or nothing yet.
    pub oauth: OAuthOptions,
    /// `ReadOnly`: every INSERT, UPDATE, DELETE and write procedure is refused before
    /// anything is sent (a DSN an administrator hands to analysts).
    pub read_only: bool,
    /// `Tables`: the only app and child tables the connection lists, loads and queries
    /// (`None`: every table the credentials can see). Compared as unquoted identifiers
    /// (any case).
    pub tables: Option<Vec<String>>,
    /// `Views`: the only views listed and queried (`None`: all).
    pub views: Option<Vec<String>>,
    /// `BrowsableSchemas`: the schemas whose tables discovery lists (`None`: all).
    pub browsable_schemas: Option<Vec<String>>,
    /// `UseSimpleNames`: table and column names keep only ASCII letters, digits and `_`.
    pub use_simple_names: bool,
    /// `AllowSpecialCharacters`: names keep the characters that otherwise become `_`
    /// (see [`crate::names`]).
    pub allow_special_characters: bool,
    /// `UseUnitForNumericField`: a NUMBER field with a unit is text with the unit where
    /// the form puts it (`¥1000`, `12.5 kg`).
    pub use_unit_for_numeric_field: bool,
    /// `UserDefinedViews`: a JSON file of named queries, exposed as views.
    pub user_defined_views: Option<PathBuf>,
    /// The properties as given (documented spellings, secrets as `****`), for
    /// `sys_connection_props.Value`.
    pub given: Vec<(&'static str, String)>,
}

/// The OAuth properties (CData's names), as given. The connect-time flows
/// (`crate::oauth::authorize`) and the OAuth procedures read them, whatever the
/// connection authenticates with.
#[derive(Clone, Debug)]
pub struct OAuthOptions {
    pub initiate: Initiate,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub callback_url: Option<String>,
    pub refresh_token: Option<Secret>,
    pub settings_location: Option<PathBuf>,
    pub verifier: Option<Secret>,
    pub scope: Option<String>,
    pub access_token: Option<Secret>,
    pub expires_in: Option<u64>,
    pub token_timestamp: Option<u64>,
}

impl OAuthOptions {
    /// The flows' view of the properties; `sign_in_wait` bounds the browser sign-in.
    pub fn config(
        &self,
        sign_in_wait: std::time::Duration,
    ) -> SqlResult<kintone_auth::OAuthConfig> {
        Ok(kintone_auth::OAuthConfig {
            initiate: self.initiate,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            callback_url: self.callback_url.clone(),
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            verifier: self.verifier.clone(),
            location: kintone_auth::store::Location::parse(
                self.settings_location.as_deref().and_then(|p| p.to_str()),
            )
            .map_err(crate::oauth::from_auth)?,
            scope: self.scope.clone(),
            expires_in: self.expires_in,
            token_timestamp: self.token_timestamp,
            sign_in_wait,
        })
    }
}

impl Default for OAuthOptions {
    fn default() -> Self {
        OAuthOptions {
            initiate: Initiate::Off,
            client_id: None,
            client_secret: None,
            callback_url: None,
            refresh_token: None,
            settings_location: None,
            verifier: None,
            scope: None,
            access_token: None,
            expires_in: None,
            token_timestamp: None,
        }
    }
}

/// The host's own facts, shown by `sys_information`.
#[derive(Clone, Debug, Default)]
pub struct HostInfo {
    /// The licence state in words ("licensed to ...", "trial: 12 days left").
    pub licence: Option<String>,
    /// The file the host runs from.
    pub location: Option<String>,
}

/// The spellings of a boolean property value (`true`/`false`, `yes`/`no`, `1`/`0`,
/// `on`/`off`, any case).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

impl Settings {
    pub fn new(client: ClientConfig) -> Self {
        Settings {
            client,
            use_code_for_field_name: false,
            subtable_separator: "_".to_string(),
            check_for_subtables_in: None,
            number_map_to_double: false,
            multi_value_separator: DEFAULT_MULTI_VALUE_SEPARATOR.to_string(),
            pushdown: true,
            page_size: 500,
            host: HostInfo::default(),
            oauth: OAuthOptions::default(),
            read_only: false,
            tables: None,
            views: None,
            browsable_schemas: None,
            use_simple_names: false,
            allow_special_characters: false,
            use_unit_for_numeric_field: false,
            user_defined_views: None,
            model: DataModel::Kintone,
            given: Vec::new(),
        }
    }

    /// Sets one property by its CData name (case-insensitive). Unknown names are
    /// refused so that a typo does not silently change nothing.
    pub fn set(&mut self, key: &str, value: &str) -> SqlResult<()> {
        let b = || -> SqlResult<bool> {
            parse_bool(value).ok_or_else(|| {
                SqlError::new(
                    "HY024",
                    format!("{key}: '{value}' is not a boolean (true or false)"),
                )
            })
        };
        match key.to_ascii_lowercase().as_str() {
            "usecodeforfieldname" => self.use_code_for_field_name = b()?,
            "subtableseparatorcharacter" => {
                if value.is_empty() {
                    return Err(SqlError::new(
                        "HY024",
                        "SubtableSeparatorCharacter cannot be empty",
                    ));
                }
                self.subtable_separator = value.to_string();
            }
            "checkforsubtablesin" => self.check_for_subtables_in = name_list(value),
            "tables" => self.tables = name_list(value),
            "views" => self.views = name_list(value),
            "browsableschemas" => self.browsable_schemas = name_list(value),
            "usesimplenames" => self.use_simple_names = b()?,
            "allowspecialcharacters" => self.allow_special_characters = b()?,
            "useunitfornumericfield" => self.use_unit_for_numeric_field = b()?,
            "userdefinedviews" => {
                self.user_defined_views =
                    Some(PathBuf::from(value.trim())).filter(|p| !p.as_os_str().is_empty())
            }
            "schema" => {
                self.model = DataModel::parse(value).ok_or_else(|| {
                    SqlError::new(
                        "HY024",
                        format!("Schema: '{value}' is neither Kintone nor CybozuUser"),
                    )
                })?
            }
            "numbermaptodouble" => self.number_map_to_double = b()?,
            "multivalueseparator" => self.multi_value_separator = value.to_string(),
            "pushdown" => self.pushdown = b()?,
            "readonly" => self.read_only = b()?,
            "pagesize" => {
                let n: u64 = value.trim().parse().map_err(|_| {
                    SqlError::new("HY024", format!("Pagesize: '{value}' is not a number"))
                })?;
                if !(1..=500).contains(&n) {
                    return Err(SqlError::new("HY024", "Pagesize must be between 1 and 500"));
                }
                self.page_size = n;
            }
            _ => {
                return Err(SqlError::new(
                    "HY024",
                    format!("unknown SQL property '{key}'"),
                ))
            }
        }
        Ok(())
    }

    /// Whether `Tables` keeps the table `name` (an app or child table).
    pub fn lists_table(&self, name: &str) -> bool {
        listed(&self.tables, name)
    }

    /// Whether `Tables` keeps app `table` or one of its child tables (`<table><sep>...`).
    pub fn lists_app(&self, table: &str) -> bool {
        let Some(list) = &self.tables else {
            return true;
        };
        let children = format!("{table}{}", self.subtable_separator).to_ascii_lowercase();
        list.iter().any(|t| {
            t.eq_ignore_ascii_case(table) || t.to_ascii_lowercase().starts_with(children.as_str())
        })
    }

    /// Whether `Views` keeps the view `name`.
    pub fn lists_view(&self, name: &str) -> bool {
        listed(&self.views, name)
    }

    /// Whether `BrowsableSchemas` lets discovery show the tables of `schema`.
    pub fn browses(&self, schema: &str) -> bool {
        listed(&self.browsable_schemas, schema)
    }

    pub fn subtables_enabled_for(&self, app_id: u64, app_name: &str) -> bool {
        match &self.check_for_subtables_in {
            None => true,
            Some(list) => list
                .iter()
                .any(|x| x == app_name || x == &app_id.to_string()),
        }
    }
}

/// A comma list of names (`*` or nothing: no restriction).
fn name_list(value: &str) -> Option<Vec<String>> {
    let v = value.trim();
    if v == "*" || v.is_empty() {
        return None;
    }
    Some(
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// Names are matched as unquoted identifiers are: in any case.
fn listed(list: &Option<Vec<String>>, name: &str) -> bool {
    list.as_ref()
        .is_none_or(|l| l.iter().any(|x| x.eq_ignore_ascii_case(name)))
}
