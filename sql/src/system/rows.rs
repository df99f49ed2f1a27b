//! The rows of each system table.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Date32Type, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::{DataFusionError, Result as DfResult};
use kintone_api::endpoints::apps::AppFilter;
use kintone_api::endpoints::form::FieldProperty;
use kintone_api::Auth;
use serde_json::{json, Value};

use super::{
    system_table_names, IdFilters, SysContext, SysKind, APP_SCHEMA, CATALOG, SYSTEM_SCHEMA,
};
use crate::catalog::{Catalog, Column, Source, TableDef, TableKind};
use crate::error::from_kintone;
use crate::escapes;
use crate::settings::{DataModel, Settings};
use crate::views::ViewInfo;

#[derive(Clone, Debug)]
enum Cell {
    Null,
    I(i64),
    S(String),
    B(bool),
    /// An RFC 3339 time from Kintone.
    Ts(String),
    /// A `YYYY-MM-DD` date from the User API.
    Date(String),
}

fn s(v: impl Into<String>) -> Cell {
    Cell::S(v.into())
}

fn opt_s(v: Option<impl Into<String>>) -> Cell {
    v.map_or(Cell::Null, |x| Cell::S(x.into()))
}

fn nonempty(v: &str) -> Cell {
    if v.is_empty() {
        Cell::Null
    } else {
        Cell::S(v.to_string())
    }
}

fn i(v: u64) -> Cell {
    i64::try_from(v).map_or(Cell::Null, Cell::I)
}

fn opt_i(v: Option<u64>) -> Cell {
    v.map_or(Cell::Null, i)
}

fn opt_b(v: Option<bool>) -> Cell {
    v.map_or(Cell::Null, Cell::B)
}

fn kerr(e: kintone_api::Error) -> DataFusionError {
    from_kintone(&e).into()
}

pub(super) async fn load(
    kind: SysKind,
    schema: SchemaRef,
    ids: &IdFilters,
    ctx: &SysContext,
) -> DfResult<RecordBatch> {
    // Forms are read as far as the table needs them (see `Catalog`): every form for
    // the listings of columns and keys, those of apps with child tables for the table
    // list, the filtered apps' for FormFields.
    let settings = ctx.settings.clone();
    let cat = match kind {
        SysKind::Tables => {
            ctx.catalog
                .ensure(|a| settings.subtables_enabled_for(a.id, &a.name), false)
                .await
        }
        SysKind::TableColumns | SysKind::PrimaryKeys | SysKind::ForeignKeys => {
            ctx.catalog.ensure_all().await
        }
        SysKind::FormFields => {
            let apps = app_ids(ids, &ctx.catalog.current());
            ctx.catalog.ensure(|a| apps.contains(&a.id), false).await
        }
        _ => Ok(ctx.catalog.current()),
    }
    .map_err(DataFusionError::from)?;
    let rows = match kind {
        SysKind::Apps => apps(ids, ctx, &cat).await?,
        SysKind::FormFields => form_fields(ids, ctx, &cat).await?,
        SysKind::Views => views(ids, ctx, &cat).await?,
        SysKind::Comments => comments(ids, ctx).await?,
        SysKind::ProcessManagement => process(ids, ctx, &cat).await?,
        SysKind::Users => users(ctx).await?,
        SysKind::Tables => tables(&cat, &ctx.views.infos(), &settings),
        SysKind::TableColumns => table_columns(&cat, &ctx.views.infos(), settings.model),
        SysKind::Procedures => procedures(),
        SysKind::ProcedureParameters => procedure_parameters(),
        SysKind::PrimaryKeys => primary_keys(&cat),
        SysKind::ForeignKeys => foreign_keys(&cat),
        SysKind::SqlInfo => sql_info(),
        SysKind::Information => information(ctx),
        SysKind::ConnectionProps => connection_props(&settings),
        SysKind::UserApiUsers => user_api_users(ctx).await?,
        SysKind::UserDepartments => user_departments(ctx).await?,
        SysKind::UserGroups => user_groups(ctx).await?,
        SysKind::Organizations => organizations(ctx).await?,
        SysKind::Groups => groups(ctx).await?,
    };
    batch(schema, rows)
}

fn batch(schema: SchemaRef, rows: Vec<Vec<Cell>>) -> DfResult<RecordBatch> {
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (c, f) in schema.fields().iter().enumerate() {
        let cell = |r: &Vec<Cell>| r.get(c).cloned().unwrap_or(Cell::Null);
        let a: ArrayRef = match f.data_type() {
            DataType::Int64 => Arc::new(
                rows.iter()
                    .map(|r| match cell(r) {
                        Cell::I(v) => Some(v),
                        _ => None,
                    })
                    .collect::<Int64Array>(),
            ),
            DataType::Boolean => Arc::new(
                rows.iter()
                    .map(|r| match cell(r) {
                        Cell::B(v) => Some(v),
                        _ => None,
                    })
                    .collect::<BooleanArray>(),
            ),
            // Kintone's spellings of a datetime (offsets with or without a colon); one
            // that is none of them is an error naming the column, never a silent NULL.
            DataType::Timestamp(..) => Arc::new(
                rows.iter()
                    .map(|r| match cell(r) {
                        Cell::Ts(t) => kintone_api::values::parse_datetime(&t)
                            .map(|d| Some(d.timestamp_micros()))
                            .map_err(|e| {
                                DataFusionError::Execution(format!(
                                    "column {} of the answer from Kintone: {e}",
                                    f.name()
                                ))
                            }),
                        _ => Ok(None),
                    })
                    .collect::<DfResult<TimestampMicrosecondArray>>()?
                    .with_timezone(crate::catalog::UTC),
            ),
            DataType::Date32 => Arc::new(
                rows.iter()
                    .map(|r| match cell(r) {
                        Cell::Date(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                            .map(|d| Some(Date32Type::from_naive_date(d)))
                            .map_err(|e| {
                                DataFusionError::Execution(format!(
                                    "column {} of the answer from Kintone: '{d}' is not a \
                                     date: {e}",
                                    f.name()
                                ))
                            }),
                        _ => Ok(None),
                    })
                    .collect::<DfResult<Date32Array>>()?,
            ),
            _ => Arc::new(
                rows.iter()
                    .map(|r| match cell(r) {
                        Cell::S(v) => Some(v),
                        _ => None,
                    })
                    .collect::<StringArray>(),
            ),
        };
        cols.push(a);
    }
    Ok(RecordBatch::try_new(schema, cols)?)
}

/// The apps to read: the filter's, else every app of the catalog.
fn app_ids(ids: &IdFilters, cat: &Catalog) -> Vec<u64> {
    if let Some(v) = ids.get("AppId") {
        let mut v = v.clone();
        v.sort_unstable();
        v.dedup();
        return v;
    }
    cat.apps.iter().map(|a| a.id).collect()
}

fn app_table(cat: &Catalog, app: u64) -> Option<&Arc<TableDef>> {
    cat.tables
        .iter()
        .find(|t| t.app_id == app && t.kind == TableKind::App)
}

async fn apps(ids: &IdFilters, ctx: &SysContext, cat: &Catalog) -> DfResult<Vec<Vec<Cell>>> {
    let list = match &ctx.settings.client.auth {
        // API tokens cannot list apps (§7.2): the catalog's apps, one by one.
        Auth::ApiTokens(_) => {
            let mut out = Vec::new();
            for id in app_ids(ids, cat) {
                out.push(ctx.client.get_app(id).await.map_err(kerr)?);
            }
            out
        }
        _ => {
            let filter = AppFilter {
                ids: ids.get("AppId").cloned().unwrap_or_default(),
                ..AppFilter::default()
            };
            ctx.client.list_apps(&filter).await.map_err(kerr)?
        }
    };
    Ok(list
        .into_iter()
        .map(|a| {
            vec![
                i(a.app_id),
                nonempty(&a.code),
                s(a.name),
                nonempty(&a.description),
                opt_i(a.space_id),
                opt_i(a.thread_id),
                Cell::Ts(a.created_at),
                nonempty(&a.creator.code),
                nonempty(&a.creator.name),
                Cell::Ts(a.modified_at),
                nonempty(&a.modifier.code),
                nonempty(&a.modifier.name),
                opt_s(
                    cat.apps
                        .iter()
                        .find(|e| e.id == a.app_id)
                        .map(|e| e.table.clone()),
                ),
            ]
        })
        .collect())
}

fn column_by_code<'a>(t: Option<&'a Arc<TableDef>>, code: &str) -> Option<&'a Column> {
    t.and_then(|t| t.columns.iter().find(|c| c.code() == code))
}

async fn form_fields(ids: &IdFilters, ctx: &SysContext, cat: &Catalog) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    for app in app_ids(ids, cat) {
        let form = ctx
            .client
            .form_fields(app, None, false)
            .await
            .map_err(kerr)?;
        let parent = app_table(cat, app);
        let row = |p: &FieldProperty, sub: Option<&str>, table: Option<&Arc<TableDef>>| {
            let col = column_by_code(table, &p.code);
            let options = p.ordered_options();
            vec![
                i(app),
                s(p.code.clone()),
                nonempty(&p.label),
                s(p.field_type.clone()),
                opt_s(sub),
                opt_b(p.required),
                opt_b(p.unique),
                p.max_length
                    .as_deref()
                    .and_then(|m| m.trim().parse::<i64>().ok())
                    .map_or(Cell::Null, Cell::I),
                if options.is_empty() {
                    Cell::Null
                } else {
                    s(json!(options).to_string())
                },
                opt_s(col.map(|_| table.map(|t| t.name.clone()).unwrap_or_default())),
                opt_s(col.map(|c| c.name.clone())),
            ]
        };
        for p in form.properties.values() {
            out.push(row(p, None, parent));
            if let Some(inner) = &p.fields {
                let child = cat.tables.iter().find(|t| {
                    t.app_id == app
                        && t.kind
                            == TableKind::Subtable {
                                code: p.code.clone(),
                            }
                });
                for ip in inner.values() {
                    out.push(row(ip, Some(&p.code), child));
                }
            }
        }
    }
    Ok(out)
}

async fn views(ids: &IdFilters, ctx: &SysContext, cat: &Catalog) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    for app in app_ids(ids, cat) {
        let v = ctx.client.views(app, None, false).await.map_err(kerr)?;
        for view in v.views.into_values() {
            out.push(vec![
                i(app),
                opt_i(view.id),
                s(view.name),
                s(view.kind),
                opt_i(view.index),
                opt_s(view.builtin_type),
                if view.fields.is_empty() {
                    Cell::Null
                } else {
                    s(json!(view.fields).to_string())
                },
                nonempty(&view.filter_cond),
                nonempty(&view.sort),
            ]);
        }
    }
    Ok(out)
}

async fn comments(ids: &IdFilters, ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    let apps = ids.get("AppId").cloned().unwrap_or_default();
    let records = ids.get("RecordId").cloned().unwrap_or_default();
    for app in &apps {
        for rec in &records {
            let list = ctx
                .client
                .get_all_comments(*app, *rec)
                .await
                .map_err(kerr)?;
            for c in list {
                let mentions: Vec<Value> = c
                    .mentions
                    .iter()
                    .map(|m| json!({"code": m.code, "type": m.kind}))
                    .collect();
                out.push(vec![
                    i(c.id),
                    i(*app),
                    i(*rec),
                    s(c.text),
                    nonempty(&c.creator.code),
                    nonempty(&c.creator.name),
                    Cell::Ts(c.created_at),
                    s(Value::Array(mentions).to_string()),
                ]);
            }
        }
    }
    Ok(out)
}

async fn process(ids: &IdFilters, ctx: &SysContext, cat: &Catalog) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    for app in app_ids(ids, cat) {
        let p = ctx
            .client
            .process_management(app, None, false)
            .await
            .map_err(kerr)?;
        let states = p.states.map(|st| {
            Value::Array(
                st.into_values()
                    .map(|s| json!({"name": s.name, "index": s.index, "assignee": s.assignee}))
                    .collect(),
            )
            .to_string()
        });
        let actions = p.actions.map(|a| {
            Value::Array(
                a.into_iter()
                    .map(|a| {
                        json!({"name": a.name, "from": a.from, "to": a.to,
                               "filterCond": a.filter_cond, "type": a.kind,
                               "executableUser": a.executable_user})
                    })
                    .collect(),
            )
            .to_string()
        });
        out.push(vec![
            i(app),
            opt_b(p.enable),
            opt_s(states),
            opt_s(actions),
            opt_i(p.revision),
        ]);
    }
    Ok(out)
}

async fn users(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let list = ctx.client.list_users(&[]).await.map_err(kerr)?;
    Ok(list
        .into_iter()
        .map(|u| {
            vec![
                i(u.id),
                s(u.code),
                s(u.name),
                opt_s(u.email.filter(|e| !e.is_empty())),
                opt_b(u.valid),
                opt_s(u.timezone),
                opt_s(u.locale),
                u.ctime.map_or(Cell::Null, Cell::Ts),
                u.mtime.map_or(Cell::Null, Cell::Ts),
            ]
        })
        .collect())
}

/// Text the User API leaves empty (`""` or `null`) is NULL.
fn text(v: Option<String>) -> Cell {
    v.filter(|x| !x.is_empty()).map_or(Cell::Null, Cell::S)
}

async fn user_api_users(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let list = ctx.client.list_users(&[]).await.map_err(kerr)?;
    Ok(list
        .into_iter()
        .map(|u| {
            vec![
                i(u.id),
                s(u.code),
                nonempty(&u.name),
                text(u.sur_name),
                text(u.given_name),
                text(u.sur_name_reading),
                text(u.given_name_reading),
                text(u.local_name),
                text(u.local_name_locale),
                text(u.email),
                opt_b(u.valid),
                text(u.timezone),
                text(u.locale),
                text(u.description),
                text(u.phone),
                text(u.mobile_phone),
                text(u.extension_number),
                text(u.callto),
                text(u.url),
                text(u.employee_number),
                u.birth_date
                    .filter(|d| !d.is_empty())
                    .map_or(Cell::Null, Cell::Date),
                u.join_date
                    .filter(|d| !d.is_empty())
                    .map_or(Cell::Null, Cell::Date),
                opt_i(u.primary_organization),
                opt_i(u.sort_order),
                u.ctime.map_or(Cell::Null, Cell::Ts),
                u.mtime.map_or(Cell::Null, Cell::Ts),
            ]
        })
        .collect())
}

/// Per organization, its members (one request per 100 members): fewer requests than
/// asking per user on any domain with more users than organizations.
async fn user_departments(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    for o in ctx.client.list_organizations().await.map_err(kerr)? {
        for m in ctx.client.organization_users(&o.code).await.map_err(kerr)? {
            let u = m.user;
            let title = m.title;
            out.push(vec![
                i(u.id),
                s(u.code),
                nonempty(&u.name),
                i(o.id),
                s(o.code.clone()),
                nonempty(&o.name),
                Cell::B(u.primary_organization == Some(o.id)),
                opt_i(title.as_ref().map(|t| t.id)),
                opt_s(title.as_ref().map(|t| t.code.clone())),
                opt_s(title.as_ref().map(|t| t.name.clone())),
            ]);
        }
    }
    Ok(out)
}

/// Per group, its members.
async fn user_groups(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let mut out = Vec::new();
    for g in ctx.client.list_groups().await.map_err(kerr)? {
        for u in ctx.client.group_users(&g.code).await.map_err(kerr)? {
            out.push(vec![
                i(u.id),
                s(u.code),
                nonempty(&u.name),
                i(g.id),
                s(g.code.clone()),
                nonempty(&g.name),
            ]);
        }
    }
    Ok(out)
}

async fn organizations(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let list = ctx.client.list_organizations().await.map_err(kerr)?;
    Ok(list
        .into_iter()
        .map(|o| {
            vec![
                i(o.id),
                s(o.code),
                nonempty(&o.name),
                text(o.local_name),
                text(o.local_name_locale),
                text(o.parent_code),
                text(o.description),
            ]
        })
        .collect())
}

async fn groups(ctx: &SysContext) -> DfResult<Vec<Vec<Cell>>> {
    let list = ctx.client.list_groups().await.map_err(kerr)?;
    Ok(list
        .into_iter()
        .map(|g| vec![i(g.id), s(g.code), nonempty(&g.name), text(g.description)])
        .collect())
}

/// The SQL type name the driver reports (design.md §4).
pub fn sql_type_name(data_type: &DataType, kintone_type: Option<&str>) -> &'static str {
    match data_type {
        DataType::Int64 => "BIGINT",
        DataType::Boolean => "BIT",
        DataType::Decimal128(..) => "DECIMAL",
        DataType::Float64 => "DOUBLE",
        DataType::Date32 => "DATE",
        DataType::Time64(_) => "TIME",
        DataType::Timestamp(..) => "TIMESTAMP",
        _ => match kintone_type {
            Some("MULTI_LINE_TEXT" | "RICH_TEXT") => "WLONGVARCHAR",
            _ => "WVARCHAR",
        },
    }
}

/// App tables and system tables, as far as `BrowsableSchemas` lets them be listed.
fn tables(cat: &Catalog, views: &[ViewInfo], settings: &Settings) -> Vec<Vec<Cell>> {
    let (apps, views) = if settings.browses(APP_SCHEMA) {
        (cat.listing(), views)
    } else {
        (Vec::new(), &[][..])
    };
    let mut out: Vec<Vec<Cell>> = apps
        .iter()
        .map(|t| {
            vec![
                s(CATALOG),
                s(APP_SCHEMA),
                s(t.name.to_string()),
                s("TABLE"),
                s(t.remarks()),
                Cell::B(false),
                i(t.app_id),
            ]
        })
        .collect();
    for v in views {
        out.push(vec![
            s(CATALOG),
            s(APP_SCHEMA),
            s(v.name.clone()),
            s("VIEW"),
            s(v.description.clone()),
            Cell::B(false),
            Cell::Null,
        ]);
    }
    let system = if settings.browses(SYSTEM_SCHEMA) {
        system_table_names(settings.model)
    } else {
        Vec::new()
    };
    for n in system {
        out.push(vec![
            s(CATALOG),
            s(SYSTEM_SCHEMA),
            s(n),
            s("SYSTEM TABLE"),
            Cell::Null,
            Cell::B(false),
            Cell::Null,
        ]);
    }
    out
}

fn is_key(t: &TableDef, c: &Column) -> bool {
    match t.kind {
        TableKind::App => c.source == Source::Id,
        TableKind::Subtable { .. } => c.source == Source::RowId,
    }
}

fn table_columns(cat: &Catalog, views: &[ViewInfo], model: DataModel) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for t in &cat.tables {
        for (n, c) in t.columns.iter().enumerate() {
            let (p, sc) = match c.data_type {
                DataType::Decimal128(p, sc) => (Cell::I(p as i64), Cell::I(sc as i64)),
                DataType::Int64 => (Cell::I(19), Cell::I(0)),
                DataType::Float64 => (Cell::I(15), Cell::Null),
                _ => (Cell::Null, Cell::Null),
            };
            out.push(vec![
                s(CATALOG),
                s(APP_SCHEMA),
                s(t.name.clone()),
                s(c.name.clone()),
                s(sql_type_name(&c.data_type, Some(c.field_type()))),
                c.max_length.map_or(Cell::Null, i),
                p,
                sc,
                Cell::B(c.nullable),
                i(n as u64 + 1),
                Cell::B(is_key(t, c)),
                s(c.field_type()),
                nonempty(c.code()),
                nonempty(&c.label),
            ]);
        }
    }
    let views = views
        .iter()
        .map(|v| (APP_SCHEMA, v.name.as_str(), v.schema.clone()));
    let system = SysKind::of_model(model)
        .iter()
        .map(|k| (SYSTEM_SCHEMA, k.name(), k.schema()));
    for (schema, table, fields) in views.chain(system) {
        for (n, f) in fields.fields().iter().enumerate() {
            out.push(vec![
                s(CATALOG),
                s(schema),
                s(table),
                s(f.name().clone()),
                s(sql_type_name(f.data_type(), None)),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::B(f.is_nullable()),
                i(n as u64 + 1),
                Cell::B(false),
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ]);
        }
    }
    out
}

fn primary_keys(cat: &Catalog) -> Vec<Vec<Cell>> {
    cat.tables
        .iter()
        .filter_map(|t| {
            let c = t.columns.iter().find(|c| is_key(t, c))?;
            Some(vec![
                s(CATALOG),
                s(APP_SCHEMA),
                s(t.name.clone()),
                s(c.name.clone()),
                Cell::I(1),
                s(format!("PK_{}", t.name)),
            ])
        })
        .collect()
}

/// A child table's `$id` references its app table's `$id`.
fn foreign_keys(cat: &Catalog) -> Vec<Vec<Cell>> {
    cat.tables
        .iter()
        .filter(|t| matches!(t.kind, TableKind::Subtable { .. }))
        .filter_map(|t| {
            let parent = app_table(cat, t.app_id)?;
            let pk = parent.columns.iter().find(|c| c.source == Source::Id)?;
            let fk = t.columns.iter().find(|c| c.source == Source::Id)?;
            Some(vec![
                s(CATALOG),
                s(APP_SCHEMA),
                s(t.name.clone()),
                s(fk.name.clone()),
                s(CATALOG),
                s(APP_SCHEMA),
                s(parent.name.clone()),
                s(pk.name.clone()),
                Cell::I(1),
                s(format!("FK_{}_{}", t.name, parent.name)),
            ])
        })
        .collect()
}

fn sql_info() -> Vec<Vec<Cell>> {
    let list = |l: &[&str]| s(l.join(","));
    vec![
        vec![s("STRING_FUNCTIONS"), list(escapes::STRING_FUNCTIONS)],
        vec![s("NUMERIC_FUNCTIONS"), list(escapes::NUMERIC_FUNCTIONS)],
        vec![s("TIMEDATE_FUNCTIONS"), list(escapes::TIMEDATE_FUNCTIONS)],
        vec![s("SYSTEM_FUNCTIONS"), list(escapes::SYSTEM_FUNCTIONS)],
        vec![s("CONVERT_FUNCTIONS"), s("CONVERT,CAST")],
        vec![s("TIMESTAMP_INTERVALS"), list(escapes::TIMESTAMP_INTERVALS)],
        vec![
            s("AGGREGATE_FUNCTIONS"),
            s("AVG,COUNT,MAX,MIN,SUM,STDDEV,VAR"),
        ],
        vec![
            s("SUPPORTED_OPERATORS"),
            s("=,>,<,>=,<=,<>,!=,LIKE,NOT LIKE,IN,NOT IN,IS NULL,IS NOT NULL,AND,OR,BETWEEN"),
        ],
        vec![s("SUPPORTS_JOINS"), s("YES")],
        vec![s("SUPPORTS_OUTER_JOINS"), s("YES")],
        vec![s("SUPPORTS_SUBQUERIES"), s("YES")],
        vec![s("SUPPORTS_UNION"), s("YES")],
        vec![s("SUPPORTS_GROUPBY"), s("YES")],
        vec![s("SUPPORTS_ORDERBY"), s("YES")],
        vec![s("SUPPORTS_DML"), s("YES")],
        vec![s("SUPPORTS_PROCEDURES"), s("YES")],
        vec![s("IDENTIFIER_QUOTE_CHAR"), s("\"")],
        vec![s("DIALECT"), s("DataFusion SQL with ODBC escapes")],
    ]
}

/// The registered procedures, in the system schema (they belong to no app).
fn procedures() -> Vec<Vec<Cell>> {
    crate::procedures::all()
        .iter()
        .map(|p| {
            vec![
                s(CATALOG),
                s(SYSTEM_SCHEMA),
                s(p.name),
                s(p.description),
                s("PROCEDURE"),
            ]
        })
        .collect()
}

/// Direction as ODBC's COLUMN_TYPE: 1 an input parameter, 3 a result-set column.
fn procedure_parameters() -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for p in crate::procedures::all() {
        for (n, q) in p.params.iter().enumerate() {
            out.push(vec![
                s(CATALOG),
                s(SYSTEM_SCHEMA),
                s(p.name),
                s(q.name),
                Cell::I(1),
                s(q.ty.name()),
                i(n as u64 + 1),
                Cell::B(!q.required),
                s(q.description),
                Cell::B(q.required),
                opt_s(q.default),
            ]);
        }
        for (n, c) in p.columns.iter().enumerate() {
            out.push(vec![
                s(CATALOG),
                s(SYSTEM_SCHEMA),
                s(p.name),
                s(c.name),
                Cell::I(3),
                s(c.ty.name()),
                i(n as u64 + 1),
                Cell::B(c.nullable),
                s(c.description),
                Cell::B(false),
                Cell::Null,
            ]);
        }
    }
    out
}

/// Every property from the one list (`crate::property_list`), with the value this
/// connection was given (secrets masked).
fn connection_props(settings: &Settings) -> Vec<Vec<Cell>> {
    crate::property_list::PROPERTIES
        .iter()
        .zip(0i64..)
        .map(|(p, n)| {
            let given = settings
                .given
                .iter()
                .find(|(k, _)| *k == p.name)
                .map(|(_, v)| v.clone());
            vec![
                s(p.name),
                s(p.meaning),
                s(p.kind()),
                opt_s((!p.default.is_empty()).then(|| p.default.to_string())),
                opt_s(given),
                Cell::B(p.name == "Url"),
                s(p.category.name()),
                Cell::B(p.secret),
                Cell::I(n + 1),
            ]
        })
        .collect()
}

fn information(ctx: &SysContext) -> Vec<Vec<Cell>> {
    let host = &ctx.settings.host;
    vec![vec![
        s("kintone-odbc"),
        s(env!("CARGO_PKG_VERSION")),
        s("Kintone"),
        Cell::Null,
        Cell::Null,
        opt_s(host.licence.clone()),
        opt_s(host.location.clone()),
        s(format!(
            "{} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
    ]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Array;
    use datafusion::arrow::datatypes::{Field, Schema, TimeUnit};

    fn ts_schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new(
            "CreatedAt",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        )]))
    }

    /// Kintone's spellings parse (offsets with or without a colon); anything else is an
    /// error naming the column and the value, not a silent NULL (as it once was for an
    /// emulator's `createdAt`).
    #[test]
    fn datetimes_parse_or_fail_loudly() {
        let rows = vec![
            vec![Cell::Ts("2024-01-02T03:04:05Z".into())],
            vec![Cell::Ts("2024-01-02T12:04:05+0900".into())],
            vec![Cell::Null],
        ];
        let b = batch(ts_schema(), rows).unwrap();
        let a = b
            .column(0)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!(a.value(0), a.value(1));
        assert_eq!(a.value(0), 1_704_164_645_000_000);
        assert!(a.is_null(2));
        let e = batch(ts_schema(), vec![vec![Cell::Ts("02/01/2024 03:04".into())]])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("CreatedAt") && e.contains("'02/01/2024 03:04' is not a datetime"),
            "{e}"
        );
    }
}
