//! Read-only system tables, as in CData's data model (peers-and-bi-tools.md §1.3):
//! Kintone metadata (`Apps`, `FormFields`, `Views`, `Comments`, `ProcessManagement`,
//! `Users`) and the driver's own schema (`sys_*`).
//!
//! Naming: every system table is always reachable as `sys.<name>`. Unqualified, an app
//! table of the same name wins (an app called `Apps` keeps its name; its metadata is
//! then `sys.Apps`), so adding a system table never hides an app.
//!
//! Under `Schema=CybozuUser` the app tables and Kintone metadata give way to the User
//! API's views ([`SysKind::USER_VIEWS`]: `Users`, `UserDepartments`, ...), served by the
//! same machinery in the app schema; `sys` then holds only the `sys_*` tables.
//!
//! Nothing is read at prepare: rows are fetched when the statement runs.

mod exec;
mod rows;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{
    BinaryExpr, Expr, Operator, TableProviderFilterPushDown, TableType,
};
use datafusion::physical_plan::ExecutionPlan;
use kintone_api::Client;

use crate::catalog::timestamp_type;
use crate::settings::{DataModel, Settings};
use crate::shared_catalog::SharedCatalog;
use crate::views::ViewSet;

pub use exec::SystemExec;

/// The schema every system table lives in.
pub const SYSTEM_SCHEMA: &str = "sys";
/// The schema of app tables (DataFusion's default).
pub const APP_SCHEMA: &str = "public";
/// The catalog of both.
pub const CATALOG: &str = "datafusion";

/// The system tables of a data model, in a fixed order (the driver lists them as
/// SYSTEM TABLE).
pub fn system_table_names(model: DataModel) -> Vec<&'static str> {
    SysKind::of_model(model).iter().map(|k| k.name()).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysKind {
    Apps,
    FormFields,
    Views,
    Comments,
    ProcessManagement,
    Users,
    Tables,
    TableColumns,
    Procedures,
    ProcedureParameters,
    PrimaryKeys,
    ForeignKeys,
    SqlInfo,
    Information,
    ConnectionProps,
    // The User API's views (`Schema=CybozuUser`).
    UserApiUsers,
    UserDepartments,
    UserGroups,
    Organizations,
    Groups,
}

impl SysKind {
    pub const ALL: [SysKind; 15] = [
        SysKind::Apps,
        SysKind::FormFields,
        SysKind::Views,
        SysKind::Comments,
        SysKind::ProcessManagement,
        SysKind::Users,
        SysKind::Tables,
        SysKind::TableColumns,
        SysKind::Procedures,
        SysKind::ProcedureParameters,
        SysKind::PrimaryKeys,
        SysKind::ForeignKeys,
        SysKind::SqlInfo,
        SysKind::Information,
        SysKind::ConnectionProps,
    ];

    /// The driver's own tables, the system tables of every data model.
    pub const SYS_ONLY: [SysKind; 9] = [
        SysKind::Tables,
        SysKind::TableColumns,
        SysKind::Procedures,
        SysKind::ProcedureParameters,
        SysKind::PrimaryKeys,
        SysKind::ForeignKeys,
        SysKind::SqlInfo,
        SysKind::Information,
        SysKind::ConnectionProps,
    ];

    /// The views of `Schema=CybozuUser`, in the app schema.
    pub const USER_VIEWS: [SysKind; 5] = [
        SysKind::UserApiUsers,
        SysKind::UserDepartments,
        SysKind::UserGroups,
        SysKind::Organizations,
        SysKind::Groups,
    ];

    /// The system tables of a data model: Kintone's metadata tables make no sense
    /// without apps.
    pub fn of_model(model: DataModel) -> &'static [SysKind] {
        match model {
            DataModel::Kintone => &SysKind::ALL,
            DataModel::CybozuUser => &SysKind::SYS_ONLY,
        }
    }

    /// What SQLTables and `sys_tables` say about a User API view.
    pub fn description(self) -> &'static str {
        match self {
            SysKind::UserApiUsers => "cybozu.com users (User API)",
            SysKind::UserDepartments => {
                "which organization (department) each user belongs to, with the title held there (User API)"
            }
            SysKind::UserGroups => "which group (role) each user belongs to (User API)",
            SysKind::Organizations => "cybozu.com organizations (User API)",
            SysKind::Groups => "cybozu.com groups (roles) (User API)",
            _ => "Kintone system table",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SysKind::Apps => "Apps",
            SysKind::FormFields => "FormFields",
            SysKind::Views => "Views",
            SysKind::Comments => "Comments",
            SysKind::ProcessManagement => "ProcessManagement",
            SysKind::Users => "Users",
            SysKind::Tables => "sys_tables",
            SysKind::TableColumns => "sys_tablecolumns",
            SysKind::Procedures => "sys_procedures",
            SysKind::ProcedureParameters => "sys_procedureparameters",
            SysKind::PrimaryKeys => "sys_primarykeys",
            SysKind::ForeignKeys => "sys_foreignkeys",
            SysKind::SqlInfo => "sys_sqlinfo",
            SysKind::Information => "sys_information",
            SysKind::ConnectionProps => "sys_connection_props",
            SysKind::UserApiUsers => "Users",
            SysKind::UserDepartments => "UserDepartments",
            SysKind::UserGroups => "UserGroups",
            SysKind::Organizations => "Organizations",
            SysKind::Groups => "Groups",
        }
    }

    /// A system table of the Kintone data model: exact name first, then a
    /// case-insensitive match.
    pub fn find(name: &str) -> Option<SysKind> {
        SysKind::find_in(&SysKind::ALL, name)
    }

    /// [`SysKind::find`] among `kinds`.
    pub fn find_in(kinds: &[SysKind], name: &str) -> Option<SysKind> {
        kinds
            .iter()
            .find(|k| k.name() == name)
            .or_else(|| kinds.iter().find(|k| k.name().eq_ignore_ascii_case(name)))
            .copied()
    }

    pub fn schema(self) -> SchemaRef {
        use DataType::{Boolean as B, Int64 as I, Utf8 as S};
        let ts = timestamp_type();
        let cols: Vec<(&str, DataType, bool)> = match self {
            SysKind::Apps => vec![
                ("AppId", I, false),
                ("Code", S, true),
                ("Name", S, true),
                ("Description", S, true),
                ("SpaceId", I, true),
                ("ThreadId", I, true),
                ("CreatedAt", ts.clone(), true),
                ("CreatorCode", S, true),
                ("CreatorName", S, true),
                ("ModifiedAt", ts, true),
                ("ModifierCode", S, true),
                ("ModifierName", S, true),
                ("TableName", S, true),
            ],
            SysKind::FormFields => vec![
                ("AppId", I, false),
                ("Code", S, false),
                ("Label", S, true),
                ("Type", S, false),
                ("Subtable", S, true),
                ("Required", B, true),
                ("Unique", B, true),
                ("MaxLength", I, true),
                ("Options", S, true),
                ("TableName", S, true),
                ("ColumnName", S, true),
            ],
            SysKind::Views => vec![
                ("AppId", I, false),
                ("Id", I, true),
                ("Name", S, false),
                ("Type", S, false),
                ("Index", I, true),
                ("BuiltinType", S, true),
                ("Fields", S, true),
                ("FilterCond", S, true),
                ("Sort", S, true),
            ],
            SysKind::Comments => vec![
                ("Id", I, false),
                ("AppId", I, false),
                ("RecordId", I, false),
                ("Text", S, true),
                ("CreatorCode", S, true),
                ("CreatorName", S, true),
                ("CreatedAt", ts, true),
                ("MentionsAggregate", S, true),
            ],
            SysKind::ProcessManagement => vec![
                ("AppId", I, false),
                ("Enable", B, true),
                ("States", S, true),
                ("Actions", S, true),
                ("Revision", I, true),
            ],
            SysKind::Users => vec![
                ("Id", I, false),
                ("Code", S, false),
                ("Name", S, true),
                ("Email", S, true),
                ("Valid", B, true),
                ("Timezone", S, true),
                ("Locale", S, true),
                ("CreatedTime", ts.clone(), true),
                ("UpdatedTime", ts, true),
            ],
            SysKind::Tables => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("TableName", S, false),
                ("TableType", S, false),
                ("Description", S, true),
                ("IsUpdateable", B, false),
                ("AppId", I, true),
            ],
            SysKind::TableColumns => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("TableName", S, false),
                ("ColumnName", S, false),
                ("DataTypeName", S, false),
                ("Length", I, true),
                ("NumericPrecision", I, true),
                ("NumericScale", I, true),
                ("IsNullable", B, false),
                ("Ordinal", I, false),
                ("IsKey", B, false),
                ("KintoneType", S, true),
                ("KintoneCode", S, true),
                ("Description", S, true),
            ],
            SysKind::Procedures => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("ProcedureName", S, false),
                ("Description", S, true),
                ("ProcedureType", S, true),
            ],
            SysKind::ProcedureParameters => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("ProcedureName", S, false),
                ("ColumnName", S, false),
                ("Direction", I, false),
                ("DataTypeName", S, false),
                ("Ordinal", I, false),
                ("IsNullable", B, false),
                ("Description", S, true),
                ("IsRequired", B, false),
                ("Default", S, true),
            ],
            SysKind::PrimaryKeys => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("TableName", S, false),
                ("ColumnName", S, false),
                ("KeySeq", I, false),
                ("KeyName", S, true),
            ],
            SysKind::ForeignKeys => vec![
                ("CatalogName", S, false),
                ("SchemaName", S, false),
                ("TableName", S, false),
                ("ColumnName", S, false),
                ("ReferencedCatalogName", S, false),
                ("ReferencedSchemaName", S, false),
                ("ReferencedTableName", S, false),
                ("ReferencedColumnName", S, false),
                ("KeySeq", I, false),
                ("ForeignKeyName", S, true),
            ],
            SysKind::SqlInfo => vec![("NAME", S, false), ("VALUE", S, true)],
            // CData's columns, minus its sync-product ones.
            SysKind::Information => vec![
                ("Product", S, false),
                ("Version", S, false),
                ("Datasource", S, false),
                ("NodeId", S, true),
                ("HelpURL", S, true),
                ("License", S, true),
                ("Location", S, true),
                ("Environment", S, true),
            ],
            // CData's columns (Value: as given, secrets masked).
            SysKind::ConnectionProps => vec![
                ("Name", S, false),
                ("ShortDescription", S, false),
                ("Type", S, false),
                ("Default", S, true),
                ("Value", S, true),
                ("Required", B, false),
                ("Category", S, false),
                ("IsSensitive", B, false),
                ("Ordinal", I, false),
            ],
            // The User API's `User` type, in CData's column names.
            SysKind::UserApiUsers => vec![
                ("Id", I, false),
                ("Code", S, false),
                ("Name", S, true),
                ("SurName", S, true),
                ("GivenName", S, true),
                ("SurNameReading", S, true),
                ("GivenNameReading", S, true),
                ("LocalName", S, true),
                ("LocalNameLocale", S, true),
                ("Email", S, true),
                ("Valid", B, true),
                ("Timezone", S, true),
                ("Locale", S, true),
                ("Description", S, true),
                ("Phone", S, true),
                ("MobilePhone", S, true),
                ("ExtensionNumber", S, true),
                ("SkypeID", S, true),
                ("Url", S, true),
                ("EmployeeNumber", S, true),
                ("BirthDate", DataType::Date32, true),
                ("JoinDate", DataType::Date32, true),
                ("PrimaryOrganization", I, true),
                ("SortOrder", I, true),
                ("CreatedTime", ts.clone(), true),
                ("UpdatedTime", ts, true),
            ],
            SysKind::UserDepartments => vec![
                ("UserId", I, false),
                ("UserCode", S, false),
                ("UserName", S, true),
                ("OrganizationId", I, false),
                ("OrganizationCode", S, false),
                ("OrganizationName", S, true),
                ("IsPrimary", B, false),
                ("TitleId", I, true),
                ("TitleCode", S, true),
                ("TitleName", S, true),
            ],
            SysKind::UserGroups => vec![
                ("UserId", I, false),
                ("UserCode", S, false),
                ("UserName", S, true),
                ("GroupId", I, false),
                ("GroupCode", S, false),
                ("GroupName", S, true),
            ],
            SysKind::Organizations => vec![
                ("Id", I, false),
                ("Code", S, false),
                ("Name", S, true),
                ("LocalName", S, true),
                ("LocalNameLocale", S, true),
                ("ParentCode", S, true),
                ("Description", S, true),
            ],
            SysKind::Groups => vec![
                ("Id", I, false),
                ("Code", S, false),
                ("Name", S, true),
                ("Description", S, true),
            ],
        };
        Arc::new(Schema::new(
            cols.into_iter()
                .map(|(n, t, null)| Field::new(n, t, null))
                .collect::<Vec<_>>(),
        ))
    }
}

/// What a system table's reader needs.
#[derive(Clone, Debug)]
pub struct SysContext {
    pub client: Client,
    pub settings: Arc<Settings>,
    pub catalog: SharedCatalog,
    /// For `sys_tables` and `sys_tablecolumns`.
    pub views: ViewSet,
}

/// Server-side filters taken from WHERE: `column = n` or `column IN (n, ...)` on an
/// integer column. DataFusion checks every filter again, so these only narrow requests.
pub type IdFilters = HashMap<&'static str, Vec<u64>>;

fn filter_columns(kind: SysKind) -> &'static [&'static str] {
    match kind {
        SysKind::Apps | SysKind::FormFields | SysKind::Views | SysKind::ProcessManagement => {
            &["AppId"]
        }
        SysKind::Comments => &["AppId", "RecordId", "Id"],
        SysKind::Users => &["Id"],
        _ => &[],
    }
}

fn int_of(e: &Expr) -> Option<u64> {
    match e {
        Expr::Literal(v, _) => match v {
            ScalarValue::Int64(Some(x)) => u64::try_from(*x).ok(),
            ScalarValue::Int32(Some(x)) => u64::try_from(*x).ok(),
            ScalarValue::UInt64(Some(x)) => Some(*x),
            ScalarValue::Utf8(Some(s)) => s.trim().parse().ok(),
            _ => None,
        },
        Expr::Cast(c) => int_of(&c.expr),
        _ => None,
    }
}

fn column_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(c) => column_name(&c.expr),
        _ => None,
    }
}

/// The id filter of one WHERE conjunct, if it is one.
fn id_filter(kind: SysKind, e: &Expr) -> Option<(&'static str, Vec<u64>)> {
    let (col, vals) = match e {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) => match (
            column_name(left),
            int_of(right),
            column_name(right),
            int_of(left),
        ) {
            (Some(c), Some(v), _, _) | (_, _, Some(c), Some(v)) => (c, vec![v]),
            _ => return None,
        },
        Expr::InList(il) if !il.negated => {
            let c = column_name(&il.expr)?;
            let vals: Option<Vec<u64>> = il.list.iter().map(int_of).collect();
            (c, vals?)
        }
        _ => return None,
    };
    filter_columns(kind)
        .iter()
        .find(|k| **k == col)
        .map(|k| (*k, vals))
}

/// A system table as DataFusion sees it.
#[derive(Debug)]
pub struct SystemTable {
    kind: SysKind,
    schema: SchemaRef,
    ctx: SysContext,
}

impl SystemTable {
    pub fn new(kind: SysKind, ctx: SysContext) -> Self {
        SystemTable {
            kind,
            schema: kind.schema(),
            ctx,
        }
    }
}

#[async_trait]
impl TableProvider for SystemTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| match id_filter(self.kind, f) {
                Some(_) => TableProviderFilterPushDown::Inexact,
                None => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let mut ids: IdFilters = HashMap::new();
        for f in filters {
            if let Some((col, vals)) = id_filter(self.kind, f) {
                // Two filters on one column: both must hold, keep the common values.
                match ids.get_mut(col) {
                    Some(prev) => prev.retain(|v| vals.contains(v)),
                    None => {
                        ids.insert(col, vals);
                    }
                }
            }
        }
        if self.kind == SysKind::Comments {
            let missing: Vec<&str> = ["AppId", "RecordId"]
                .into_iter()
                .filter(|c| !ids.contains_key(c))
                .collect();
            if !missing.is_empty() {
                return Err(crate::error::SqlError::new(
                    crate::error::state::GENERAL,
                    format!(
                        "Comments needs {} in WHERE (for example WHERE AppId = 1 AND RecordId = 1): \
                         Kintone reads comments one record at a time",
                        missing
                            .iter()
                            .map(|m| format!("{m} = <number>"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                )
                .into());
            }
        }
        Ok(Arc::new(SystemExec::new(
            self.kind,
            self.schema.clone(),
            projection.cloned(),
            ids,
            self.ctx.clone(),
        )?))
    }
}

/// The `sys` schema: every system table of the data model, whatever the app names.
#[derive(Debug)]
pub struct SystemSchema {
    ctx: SysContext,
    kinds: &'static [SysKind],
}

impl SystemSchema {
    pub fn new(ctx: SysContext) -> Self {
        let kinds = SysKind::of_model(ctx.settings.model);
        SystemSchema { ctx, kinds }
    }
}

#[async_trait]
impl SchemaProvider for SystemSchema {
    fn table_names(&self) -> Vec<String> {
        self.kinds.iter().map(|k| k.name().to_string()).collect()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        Ok(SysKind::find_in(self.kinds, name)
            .map(|k| Arc::new(SystemTable::new(k, self.ctx.clone())) as Arc<dyn TableProvider>))
    }

    fn table_exist(&self, name: &str) -> bool {
        SysKind::find_in(self.kinds, name).is_some()
    }
}
