//! Tables, columns and the Kintone → Arrow type mapping (design.md §4).
//!
//! | Kintone | Arrow | notes |
//! |---|---|---|
//! | `$id`, `$revision`, subtable `$row_id` | Int64 not null | `$id` is the primary key |
//! | RECORD_NUMBER | Utf8 | may carry an app-code prefix (`ORD-14`) |
//! | SINGLE_LINE_TEXT, LINK, MULTI_LINE_TEXT, RICH_TEXT | Utf8 | `""` reads as NULL |
//! | RADIO_BUTTON, DROP_DOWN, STATUS | Utf8 | the option name |
//! | NUMBER, CALC (NUMBER/NUMBER_DIGIT) | Decimal128(38, s), s = max(8, displayScale) | exact; Float64 with `NumberMapToDouble` |
//! | CALC DATE / TIME / DATETIME | Date32 / Time64(ns) / Timestamp(µs, UTC) | |
//! | CALC HOUR_MINUTE, DAY_HOUR_MINUTE | Utf8 | as Kintone formats it |
//! | DATE / TIME | Date32 / Time64(ns) | not converted to UTC |
//! | DATETIME, CREATED_TIME, UPDATED_TIME | Timestamp(µs, UTC) | |
//! | CHECK_BOX, MULTI_SELECT, CATEGORY | Utf8 | items joined by `MultiValueSeparator` (`,`) |
//! | USER/ORGANIZATION/GROUP_SELECT, STATUS_ASSIGNEE | Utf8 | codes joined by the separator |
//! | CREATOR, MODIFIER | Utf8 | the code |
//! | FILE | Utf8 | JSON array of `{name, size, fileKey, contentType}` |
//! | SUBTABLE | child table | `$id` (parent), `$row_id`, then the inner fields |
//! | REFERENCE_TABLE, GROUP, LABEL, SPACER, HR | — | hold no values |
//!
//! Empty values (`""`, `null`, `[]`, §8) are SQL NULL for every type.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use futures_util::StreamExt;
use indexmap::IndexMap;
use kintone_api::endpoints::form::FieldProperty;
use kintone_api::{Auth, Client};

use crate::error::{SqlError, SqlResult};
use crate::names;
use crate::settings::Settings;

/// Scale of exact NUMBER columns when the field's displayScale is smaller: 38 - 8 leaves
/// 30 integer digits, Kintone's maximum (§8). A value with more fraction digits than the
/// scale is an error (22003), never rounded.
pub const NUMBER_MIN_SCALE: i8 = 8;
pub const NUMBER_PRECISION: u8 = 38;

pub const ID_COLUMN: &str = "$id";
pub const REVISION_COLUMN: &str = "$revision";
pub const ROW_ID_COLUMN: &str = "$row_id";

/// The timezone of every timestamp column: Kintone sends UTC (§6.6).
pub const UTC: &str = "UTC";

/// Where a column's values come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `$id` of the record (for a child table: the parent record's).
    Id,
    Revision,
    /// A subtable row's id.
    RowId,
    Field {
        code: String,
        field_type: String,
    },
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub source: Source,
    pub data_type: DataType,
    pub nullable: bool,
    /// CALC `format`.
    pub calc_format: Option<String>,
    /// Option names of choice fields, in index order.
    pub options: Vec<String>,
    pub label: String,
    /// The form's `maxLength` of a text field, when set (the driver's column size).
    pub max_length: Option<u64>,
    /// "Prohibit duplicate values": the field can name a record (`updateKey`).
    pub unique: bool,
    /// `UseUnitForNumericField`: the NUMBER's unit, shown in its values (then text).
    pub unit: Option<Unit>,
}

/// A NUMBER field's unit and where the form puts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub text: String,
    /// `unitPosition` BEFORE (Kintone's default): `¥1000`; AFTER: `1000円`.
    pub before: bool,
}

impl Unit {
    /// A number as the form shows it.
    pub fn show(&self, number: &str) -> String {
        if self.before {
            format!("{}{number}", self.text)
        } else {
            format!("{number}{}", self.text)
        }
    }

    /// The number of a value written with or without the unit (` ¥1000 `, `1000`).
    pub fn strip<'a>(&self, value: &'a str) -> &'a str {
        let v = value.trim();
        let v = if self.before {
            v.strip_prefix(self.text.as_str())
        } else {
            v.strip_suffix(self.text.as_str())
        }
        .unwrap_or(v);
        v.trim()
    }
}

impl Column {
    pub fn code(&self) -> &str {
        match &self.source {
            Source::Id => "$id",
            Source::Revision => "$revision",
            Source::RowId => "",
            Source::Field { code, .. } => code,
        }
    }

    /// The Kintone type, `__ID__` / `__REVISION__` for the pseudo fields.
    pub fn field_type(&self) -> &str {
        match &self.source {
            Source::Id => "__ID__",
            Source::Revision => "__REVISION__",
            Source::RowId => "__ROW_ID__",
            Source::Field { field_type, .. } => field_type,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableKind {
    App,
    /// A child table of the app's SUBTABLE field with this code.
    Subtable {
        code: String,
    },
}

#[derive(Debug)]
pub struct TableDef {
    pub name: String,
    pub app_id: u64,
    pub app_name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
    pub schema: SchemaRef,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The name of the column holding `source` (`$id` is `_id` under `UseSimpleNames`).
    pub fn name_of(&self, source: &Source) -> &str {
        self.columns
            .iter()
            .find(|c| &c.source == source)
            .map_or("", |c| c.name.as_str())
    }
}

/// An app the credentials can see. Its table name comes from the app list alone, so a
/// name never depends on which forms happen to have been read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppEntry {
    pub id: u64,
    pub name: String,
    pub table: String,
}

/// The tables of a connection.
///
/// Lazy: connecting lists the apps (`apps.json`); an app's form is read when a
/// statement or a catalog function first needs that app, and kept for the connection.
/// A domain with hundreds of apps then costs no request per app at connect.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Every app the credentials can see, by id (apps whose form could not be read
    /// are dropped once that is known).
    pub apps: Vec<AppEntry>,
    /// The tables of the apps whose forms have been read.
    pub tables: Vec<Arc<TableDef>>,
    by_name: HashMap<String, usize>,
    forms: BTreeMap<u64, AppForm>,
    /// The apps `Tables` leaves out: never read or listed, kept only so that every
    /// table is named from the whole app list, as without `Tables`.
    unlisted: Vec<(u64, String)>,
    /// Apps kept only for a child table `Tables` names: their own table is not listed.
    children_only: HashSet<u64>,
}

/// A table as a listing shows it: read already, or an app whose form is not.
#[derive(Clone, Copy, Debug)]
pub struct Listed<'a> {
    pub name: &'a str,
    pub app_id: u64,
    pub app_name: &'a str,
    pub kind: &'a TableKind,
}

impl Listed<'_> {
    /// The table's description (SQLTables' REMARKS, `sys_tables.Description`).
    pub fn remarks(&self) -> String {
        match self.kind {
            TableKind::App => format!("Kintone app {} ({})", self.app_id, self.app_name),
            TableKind::Subtable { code } => format!(
                "Kintone subtable {code} of app {} ({})",
                self.app_id, self.app_name
            ),
        }
    }
}

impl Catalog {
    pub fn table(&self, name: &str) -> Option<&Arc<TableDef>> {
        self.by_name.get(name).and_then(|i| self.tables.get(*i))
    }

    /// The names of every table known so far: those read, and the apps not yet read
    /// (whose child tables are known only once their form is).
    pub fn names(&self) -> Vec<String> {
        self.listing().iter().map(|t| t.name.to_string()).collect()
    }

    /// Every table known so far, read or not, app tables in app order with their child
    /// tables after each.
    pub fn listing(&self) -> Vec<Listed<'_>> {
        const APP: TableKind = TableKind::App;
        let mut out = Vec::with_capacity(self.apps.len());
        let mut read = self.tables.iter().peekable();
        for app in &self.apps {
            if !self.forms.contains_key(&app.id) {
                if self.children_only.contains(&app.id) {
                    continue;
                }
                out.push(Listed {
                    name: &app.table,
                    app_id: app.id,
                    app_name: &app.name,
                    kind: &APP,
                });
                continue;
            }
            while let Some(t) = read.next_if(|t| t.app_id == app.id) {
                out.push(Listed {
                    name: &t.name,
                    app_id: t.app_id,
                    app_name: &t.app_name,
                    kind: &t.kind,
                });
            }
        }
        out
    }

    /// Whether `Tables` leaves some app out.
    pub fn is_restricted(&self) -> bool {
        !self.unlisted.is_empty()
    }

    pub fn is_read(&self, app: u64) -> bool {
        self.forms.contains_key(&app)
    }

    /// The apps not read yet that `pick` selects, with the apps whose names could give
    /// a child table the same name as one of theirs (`A` + `_B_C` and `A_B` + `_C`):
    /// read together, the naming rule sees both, as it would with every form.
    pub fn unread(&self, settings: &Settings, pick: impl Fn(&AppEntry) -> bool) -> Vec<u64> {
        let sep = settings.subtable_separator.as_str();
        let prefix = |a: &AppEntry| format!("{}{sep}", a.table);
        // Each prefix built once: a listing of all columns picks every app.
        let picked: Vec<(u64, String)> = self
            .apps
            .iter()
            .filter(|a| pick(a))
            .map(|a| (a.id, prefix(a)))
            .collect();
        if picked.is_empty() {
            return Vec::new();
        }
        self.apps
            .iter()
            .filter(|a| !self.forms.contains_key(&a.id))
            .filter(|a| {
                let y = prefix(a);
                picked
                    .iter()
                    .any(|(id, x)| *id == a.id || x.starts_with(&y) || y.starts_with(x.as_str()))
            })
            .map(|a| a.id)
            .collect()
    }

    /// This catalog with more forms read (`None`: the form could not be read, and the
    /// app is dropped).
    pub fn with_forms(&self, read: Vec<(u64, Option<AppForm>)>, settings: &Settings) -> Catalog {
        let mut forms = self.forms.clone();
        let mut gone = HashSet::new();
        for (id, form) in read {
            match form {
                Some(f) => {
                    forms.insert(id, f);
                }
                None => {
                    gone.insert(id);
                }
            }
        }
        let apps = self
            .apps
            .iter()
            .map(|a| (a.id, a.name.clone()))
            .chain(self.unlisted.iter().cloned())
            .filter(|a| !gone.contains(&a.0))
            .collect();
        assemble(apps, forms, settings)
    }
}

/// One app as the catalog needs it.
#[derive(Clone, Debug)]
pub struct AppForm {
    pub id: u64,
    pub name: String,
    pub properties: IndexMap<String, FieldProperty>,
}

/// Lists the apps the credentials can see; their forms are read later, as needed.
///
/// Password and OAuth: `apps.json` (every app visible to the user). API tokens cannot
/// call `apps.json` (§7.2): the apps are those the tokens were configured for.
pub async fn load(client: &Client, settings: &Settings) -> SqlResult<Catalog> {
    // The User API's views need no app.
    if settings.model == crate::settings::DataModel::CybozuUser {
        return Ok(Catalog::default());
    }
    let apps: Vec<(u64, String)> = match &settings.client.auth {
        Auth::ApiTokens(tokens) => {
            let mut ids: Vec<u64> = tokens
                .iter()
                .flat_map(|t| t.app_ids.iter().copied())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let mut out = Vec::new();
            for id in ids {
                let app = client.get_app(id).await?;
                out.push((app.app_id, app.name));
            }
            out
        }
        _ => {
            let filter = kintone_api::endpoints::apps::AppFilter::default();
            client
                .list_apps(&filter)
                .await?
                .into_iter()
                .map(|a| (a.app_id, a.name))
                .collect()
        }
    };
    Ok(assemble(apps, BTreeMap::new(), settings))
}

/// Reads the forms of `ids` (a few at once). An app whose form cannot be read (a
/// guest-space app outside the connection's guest space, an app without permission)
/// comes back as `None` with its error, for the caller to report or skip.
pub async fn read_forms(
    client: &Client,
    cat: &Catalog,
    ids: Vec<u64>,
) -> Vec<(u64, Result<AppForm, kintone_api::Error>)> {
    let names: HashMap<u64, String> = cat.apps.iter().map(|a| (a.id, a.name.clone())).collect();
    futures_util::stream::iter(ids.into_iter().map(|id| {
        let client = client.clone();
        let name = names.get(&id).cloned().unwrap_or_default();
        async move {
            let form = client.form_fields(id, None, false).await.map(|f| AppForm {
                id,
                name,
                properties: f.properties,
            });
            (id, form)
        }
    }))
    .buffered(4)
    .collect()
    .await
}

/// Builds a catalog with every form read (pure, so naming rules are unit-tested).
pub fn build(apps: Vec<AppForm>, settings: &Settings) -> Catalog {
    let list = apps.iter().map(|a| (a.id, a.name.clone())).collect();
    let forms = apps.into_iter().map(|a| (a.id, a)).collect();
    assemble(list, forms, settings)
}

/// Names the apps and builds the tables of those whose forms are read.
///
/// Naming: tables are app names, child tables `<table><sep><subtable>`; columns are
/// labels (codes with `UseCodeForFieldName`). A name already taken keeps its first
/// owner (lowest app id; first field in form order) and the later ones get `_<app id>`
/// or `_<field code>` appended, so adding an app or field never renames an existing one.
/// App names are settled from the app list alone; a child table can only collide with
/// one of an app whose name starts like its own (`Catalog::unread` reads those together).
///
/// `Tables` then keeps only the tables it names (and the apps owning them).
fn assemble(
    mut apps: Vec<(u64, String)>,
    forms: BTreeMap<u64, AppForm>,
    settings: &Settings,
) -> Catalog {
    apps.sort_by_key(|a| a.0);
    apps.dedup_by_key(|a| a.0);
    let mut taken: HashSet<String> = HashSet::new();
    let mut entries = Vec::with_capacity(apps.len());
    // App tables first so that an app name wins over a child table of the same name.
    for (id, name) in apps {
        let base = names::first_telling([name.as_str()], format!("App{id}"), settings);
        let table = unique(&mut taken, base, &id.to_string());
        entries.push(AppEntry { id, name, table });
    }
    let (entries, unlisted): (Vec<AppEntry>, Vec<AppEntry>) = entries
        .into_iter()
        .partition(|e| settings.lists_app(&e.table));
    let unlisted = unlisted.into_iter().map(|e| (e.id, e.name)).collect();
    let children_only = entries
        .iter()
        .filter(|e| !settings.lists_table(&e.table))
        .map(|e| e.id)
        .collect();
    let mut tables: Vec<TableDef> = Vec::new();
    for entry in &entries {
        let Some(app) = forms.get(&entry.id) else {
            continue;
        };
        let table_name = &entry.table;
        let mut cols = vec![id_column(ID_COLUMN, settings), revision_column(settings)];
        let mut used: HashSet<String> = cols.iter().map(|c| c.name.clone()).collect();
        let mut subtables = Vec::new();
        for (code, prop) in &app.properties {
            if prop.field_type == "SUBTABLE" {
                subtables.push((code, prop));
                continue;
            }
            if let Some(c) = field_column(code, prop, settings, &mut used) {
                cols.push(c);
            }
        }
        tables.push(make_table(table_name.clone(), app, TableKind::App, cols));
        if !settings.subtables_enabled_for(app.id, &app.name) {
            continue;
        }
        for (code, prop) in subtables {
            let part = display_name(code, prop, settings, "Subtable");
            let base = format!("{table_name}{}{part}", settings.subtable_separator);
            let name = unique(&mut taken, base, &names::sql_name(code, settings));
            let mut cols = vec![id_column(ID_COLUMN, settings), row_id_column(settings)];
            let mut used: HashSet<String> = cols.iter().map(|c| c.name.clone()).collect();
            if let Some(inner) = &prop.fields {
                for (icode, iprop) in inner {
                    if let Some(c) = field_column(icode, iprop, settings, &mut used) {
                        cols.push(c);
                    }
                }
            }
            tables.push(make_table(
                name,
                app,
                TableKind::Subtable { code: code.clone() },
                cols,
            ));
        }
    }
    let tables: Vec<Arc<TableDef>> = tables
        .into_iter()
        .filter(|t| settings.lists_table(&t.name))
        .map(Arc::new)
        .collect();
    let by_name = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    Catalog {
        apps: entries,
        tables,
        by_name,
        forms,
        unlisted,
        children_only,
    }
}

fn unique(taken: &mut HashSet<String>, base: String, suffix: &str) -> String {
    let mut name = base;
    while taken.contains(&name) {
        name = format!("{name}_{suffix}");
    }
    taken.insert(name.clone());
    name
}

/// A field's column (or child table) name: its label, else its code, made an SQL name.
/// `fallback` names one whose label and code are both all `_` under `UseSimpleNames`
/// (Japanese ones); the usual collision suffix keeps such names apart.
fn display_name(code: &str, prop: &FieldProperty, settings: &Settings, fallback: &str) -> String {
    let label = if settings.use_code_for_field_name {
        ""
    } else {
        prop.label.as_str()
    };
    names::first_telling([label, code], fallback.to_string(), settings)
}

fn make_table(name: String, app: &AppForm, kind: TableKind, columns: Vec<Column>) -> TableDef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| {
            let mut md = std::collections::HashMap::new();
            md.insert("kintone.type".to_string(), c.field_type().to_string());
            if !c.code().is_empty() {
                md.insert("kintone.code".to_string(), c.code().to_string());
            }
            if let Some(m) = c.max_length {
                md.insert("kintone.max_length".to_string(), m.to_string());
            }
            if let Some(u) = &c.unit {
                let at = if u.before { "before" } else { "after" };
                md.insert("kintone.unit".to_string(), format!("{} ({at})", u.text));
            }
            Field::new(&c.name, c.data_type.clone(), c.nullable).with_metadata(md)
        })
        .collect();
    TableDef {
        name,
        app_id: app.id,
        app_name: app.name.clone(),
        kind,
        columns,
        schema: Arc::new(Schema::new(fields)),
    }
}

/// A pseudo field's column (`$id` ...): `_id` under `UseSimpleNames`.
fn id_column(name: &str, settings: &Settings) -> Column {
    Column {
        name: names::sql_name(name, settings),
        source: Source::Id,
        data_type: DataType::Int64,
        nullable: false,
        calc_format: None,
        options: Vec::new(),
        label: name.to_string(),
        max_length: None,
        unique: false,
        unit: None,
    }
}

fn revision_column(settings: &Settings) -> Column {
    Column {
        source: Source::Revision,
        ..id_column(REVISION_COLUMN, settings)
    }
}

fn row_id_column(settings: &Settings) -> Column {
    Column {
        source: Source::RowId,
        ..id_column(ROW_ID_COLUMN, settings)
    }
}

pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
}

pub fn time_type() -> DataType {
    DataType::Time64(TimeUnit::Nanosecond)
}

fn number_type(prop: &FieldProperty, settings: &Settings) -> DataType {
    if settings.number_map_to_double {
        return DataType::Float64;
    }
    let ds = prop
        .display_scale
        .as_deref()
        .and_then(|s| s.trim().parse::<i8>().ok())
        .unwrap_or(0)
        .clamp(0, 10);
    DataType::Decimal128(NUMBER_PRECISION, ds.max(NUMBER_MIN_SCALE))
}

/// The Arrow type of a field, `None` for fields without values or disabled ones.
fn field_type_of(prop: &FieldProperty, settings: &Settings) -> Option<DataType> {
    let t = match prop.field_type.as_str() {
        "RECORD_NUMBER"
        | "SINGLE_LINE_TEXT"
        | "MULTI_LINE_TEXT"
        | "RICH_TEXT"
        | "LINK"
        | "RADIO_BUTTON"
        | "DROP_DOWN"
        | "CHECK_BOX"
        | "MULTI_SELECT"
        | "FILE"
        | "USER_SELECT"
        | "ORGANIZATION_SELECT"
        | "GROUP_SELECT"
        | "CREATOR"
        | "MODIFIER" => DataType::Utf8,
        // Values of disabled process-management / category fields are absent (§7.3).
        "STATUS" | "STATUS_ASSIGNEE" | "CATEGORY" => {
            if prop.enabled == Some(false) {
                return None;
            }
            DataType::Utf8
        }
        "NUMBER" => number_type(prop, settings),
        "CALC" => match prop.format.as_deref().unwrap_or("NUMBER") {
            "NUMBER" | "NUMBER_DIGIT" => number_type(prop, settings),
            "DATE" => DataType::Date32,
            "TIME" => time_type(),
            "DATETIME" => timestamp_type(),
            _ => DataType::Utf8,
        },
        "DATE" => DataType::Date32,
        "TIME" => time_type(),
        "DATETIME" | "CREATED_TIME" | "UPDATED_TIME" => timestamp_type(),
        _ => return None,
    };
    Some(t)
}

fn field_column(
    code: &str,
    prop: &FieldProperty,
    settings: &Settings,
    used: &mut HashSet<String>,
) -> Option<Column> {
    let unit = unit_of(prop, settings);
    // A number with its unit is text: `¥1000` is no number SQL can hold.
    let data_type = match unit {
        Some(_) => DataType::Utf8,
        None => field_type_of(prop, settings)?,
    };
    let data_type_is_text = data_type == DataType::Utf8 && unit.is_none();
    let suffix = names::sql_name(code, settings);
    let name = unique(used, display_name(code, prop, settings, "Field"), &suffix);
    Some(Column {
        name,
        source: Source::Field {
            code: code.to_string(),
            field_type: prop.field_type.clone(),
        },
        data_type,
        nullable: true,
        calc_format: prop.format.clone(),
        options: prop
            .ordered_options()
            .into_iter()
            .map(str::to_string)
            .collect(),
        label: prop.label.clone(),
        max_length: match data_type_is_text {
            true => prop
                .max_length
                .as_deref()
                .and_then(|m| m.trim().parse::<u64>().ok())
                .filter(|m| *m > 0),
            false => None,
        },
        unique: prop.unique.unwrap_or(false),
        unit,
    })
}

/// The unit `UseUnitForNumericField` shows: a NUMBER's, or a numeric CALC's.
fn unit_of(prop: &FieldProperty, settings: &Settings) -> Option<Unit> {
    if !settings.use_unit_for_numeric_field {
        return None;
    }
    let numeric = match prop.field_type.as_str() {
        "NUMBER" => true,
        "CALC" => matches!(
            prop.format.as_deref().unwrap_or("NUMBER"),
            "NUMBER" | "NUMBER_DIGIT"
        ),
        _ => false,
    };
    let text = prop.unit.as_deref().filter(|u| !u.is_empty())?;
    numeric.then(|| Unit {
        text: text.to_string(),
        before: !prop
            .unit_position
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("AFTER")),
    })
}

/// An unknown table, with the names that do exist (ODBC users often get the case wrong).
pub fn unknown_table(name: &str, catalog: &Catalog) -> SqlError {
    let near: Vec<String> = catalog
        .names()
        .into_iter()
        .filter(|n| n.eq_ignore_ascii_case(name))
        .collect();
    let hint = if !near.is_empty() {
        format!(" (did you mean \"{}\"?)", near.join("\", \""))
    } else if catalog.is_restricted() {
        " (the connection's Tables property leaves out every other table)".to_string()
    } else {
        String::new()
    };
    SqlError::new(
        crate::error::state::NO_TABLE,
        format!("table '{name}' not found{hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kintone_api::{Auth, ClientConfig};

    fn form(id: u64, name: &str, props: serde_json::Value) -> AppForm {
        let properties: IndexMap<String, FieldProperty> = serde_json::from_value(props).unwrap();
        AppForm {
            id,
            name: name.into(),
            properties,
        }
    }

    fn settings() -> Settings {
        Settings::new(ClientConfig::new(
            "http://127.0.0.1:1",
            Auth::password("u", "p"),
        ))
    }

    #[test]
    fn collisions_are_resolved_deterministically() {
        let props = serde_json::json!({
            "a2": {"type": "NUMBER", "code": "a2", "label": "Amount", "displayScale": "2"},
            "a1": {"type": "SINGLE_LINE_TEXT", "code": "a1", "label": "Amount"},
            "idl": {"type": "SINGLE_LINE_TEXT", "code": "idl", "label": "$id"},
            "tbl": {"type": "SUBTABLE", "code": "tbl", "label": "T", "fields": {
                "q": {"type": "NUMBER", "code": "q", "label": "Q"}
            }}
        });
        let apps = vec![
            form(7, "Sales", props.clone()),
            form(3, "Sales", props.clone()),
            form(9, "Sales_T", serde_json::json!({})),
        ];
        let cat = build(apps, &settings());
        assert_eq!(
            cat.names(),
            ["Sales", "Sales_T_tbl", "Sales_7", "Sales_7_T", "Sales_T"]
        );
        let t = cat.table("Sales").unwrap();
        assert_eq!(t.app_id, 3);
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["$id", "$revision", "Amount", "Amount_a1", "$id_idl"]
        );
        assert_eq!(t.columns[2].data_type, DataType::Decimal128(38, 8));
        let child = cat.table("Sales_T_tbl").unwrap();
        assert_eq!(child.kind, TableKind::Subtable { code: "tbl".into() });
    }

    /// Forms read one app at a time (with the apps `unread` adds) give every table the
    /// name it has with every form read.
    #[test]
    fn lazy_names_equal_eager_names() {
        let sub = |code: &str, label: &str| {
            serde_json::json!({ code: {"type": "SUBTABLE", "code": code, "label": label,
                "fields": {"q": {"type": "NUMBER", "code": "q", "label": "Q"}}}})
        };
        let apps = vec![
            form(2, "A", sub("b_c", "B_C")),
            form(5, "A_B", sub("c", "C")),
            form(7, "A", sub("x", "X")),
            form(8, "Other", sub("y", "Y")),
            form(9, "A_7_X", serde_json::json!({})),
        ];
        let st = settings();
        let eager = build(apps.clone(), &st);
        for first in [2, 5, 7, 8, 9] {
            let list = apps.iter().map(|a| (a.id, a.name.clone())).collect();
            let mut cat = assemble(list, BTreeMap::new(), &st);
            assert!(cat.tables.is_empty());
            for id in [first, 2, 5, 7, 8, 9] {
                let ids = cat.unread(&st, |a| a.id == id);
                let read = ids
                    .iter()
                    .map(|i| (*i, apps.iter().find(|a| a.id == *i).cloned()))
                    .collect();
                cat = cat.with_forms(read, &st);
                for t in &cat.tables {
                    let e = eager
                        .tables
                        .iter()
                        .find(|e| e.app_id == t.app_id && e.kind == t.kind);
                    assert_eq!(e.map(|e| &e.name), Some(&t.name), "reading {first} first");
                }
            }
            assert_eq!(cat.names(), eager.names());
        }
        // Reading A (id 2) also reads A_B, A_7 and A_7_X, whose child tables could
        // share a name with one of its own.
        let list = apps.iter().map(|a| (a.id, a.name.clone())).collect();
        let cat = assemble(list, BTreeMap::new(), &st);
        assert_eq!(cat.unread(&st, |a| a.id == 2), [2, 5, 7, 9]);
        assert_eq!(cat.unread(&st, |a| a.id == 8), [8]);
        // An app not read yet is listed by its table name only.
        assert_eq!(cat.names(), ["A", "A_B", "A_7", "Other", "A_7_X"]);
        // A form that cannot be read drops its app.
        let cat = cat.with_forms(vec![(8, None)], &st);
        assert!(!cat.names().contains(&"Other".to_string()));
    }
}
