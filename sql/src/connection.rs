//! The API the ODBC driver calls: `connect`, `prepare` (result metadata without any
//! record request), `execute` (a stream of `RecordBatch`es).

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::config::Dialect;
use datafusion::common::ScalarValue;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast;
use futures_util::{Stream, StreamExt};
use kintone_api::targets::{FUNC, METADATA};
use kintone_api::Client;

use crate::catalog::{self, AppEntry, Catalog};
use crate::error::{from_datafusion, state, SqlError, SqlResult};
use crate::escapes::EscapeContext;
use crate::procedures::{self, BoundCall, ProcContext};
use crate::provider::KintoneSchema;
use crate::scan::PushOffset;
use crate::settings::DataModel;
use crate::settings::Settings;
use crate::shared_catalog::SharedCatalog;
use crate::sqltext;
use crate::system::{self, SysContext, SysKind, SystemSchema, SystemTable};
use crate::views::defined::Definition;
use crate::views::{ViewInfo, ViewSet};
use crate::write::{Verb, WriteContext, WriteOutcome, WritePlan};

/// One ODBC connection: a Kintone client, the cached catalog and a DataFusion session.
pub struct Connection {
    client: Client,
    settings: Arc<Settings>,
    catalog: SharedCatalog,
    ctx: SessionContext,
    escape_ctx: EscapeContext,
    procs: ProcContext,
    /// The app tables' schema, also for resolving names before planning.
    apps: Arc<KintoneSchema>,
    views: ViewSet,
    /// `LAST_INSERT_ID()`: the id of the last record this connection added (0: none).
    last_insert_id: Arc<AtomicU64>,
}

/// A prepared statement. Its result schema is known without reading any record.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The SQL as DataFusion sees it (after `?` and escape rewriting).
    pub sql: String,
    pub schema: SchemaRef,
    pub param_count: usize,
    /// Types DataFusion inferred for `$1..$n` (`None` where the context gives none).
    pub param_types: Vec<Option<DataType>>,
    body: Body,
}

/// What executing a prepared statement runs.
#[derive(Clone, Debug)]
enum Body {
    Query(LogicalPlan),
    Procedure(Arc<BoundCall>),
    Write(Arc<WritePlan>),
}

impl Prepared {
    /// The one table a plain query reads (`SELECT columns FROM t [WHERE] [ORDER BY]
    /// [LIMIT]`, no join, aggregate or union), and whether it is a subtable's child
    /// table (rows keyed by `"$row_id"` within the record `"$id"`): where a cursor's
    /// rows can be written back (SQLSetPos, SQLBulkOperations).
    pub fn base_table(&self) -> Option<(String, bool)> {
        use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
        let Body::Query(plan) = &self.body else {
            return None;
        };
        let mut found = None;
        let mut plain = true;
        let _ = plan.apply(|node| {
            match node {
                LogicalPlan::TableScan(t) => {
                    plain &= found.is_none();
                    // By its type, not its name (`_row_id` under `UseSimpleNames`).
                    let child = t.source.schema().fields().iter().any(|f| {
                        f.metadata().get("kintone.type").map(String::as_str) == Some("__ROW_ID__")
                    });
                    found = Some((t.table_name.table().to_string(), child));
                }
                LogicalPlan::Projection(_)
                | LogicalPlan::Filter(_)
                | LogicalPlan::Sort(_)
                | LogicalPlan::Limit(_)
                | LogicalPlan::SubqueryAlias(_) => {}
                _ => plain = false,
            }
            Ok(TreeNodeRecursion::Continue)
        });
        found.filter(|_| plain)
    }

    /// The procedure this statement calls, if it is a call.
    pub fn procedure(&self) -> Option<&'static procedures::Procedure> {
        match &self.body {
            Body::Procedure(b) => Some(b.procedure),
            Body::Query(_) | Body::Write(_) => None,
        }
    }

    /// The write this statement makes (INSERT, UPDATE, DELETE), if it is one: it has no
    /// result set, and runs through [`Connection::execute_write`].
    pub fn write(&self) -> Option<&Verb> {
        match &self.body {
            Body::Write(w) => Some(w.verb()),
            _ => None,
        }
    }
}

impl Connection {
    /// Connects: builds the client and lists the apps (their forms are read when a
    /// statement first names them).
    ///
    /// A connection with an OAuth client but no token yet (`Auth::OAuthManaged(None)`)
    /// reads nothing: it can call no Kintone API, only the OAuth procedures (which
    /// is what it is for), and its catalog is empty.
    pub async fn connect(settings: Settings) -> SqlResult<Connection> {
        let client = Client::new(settings.client.clone())?;
        let settings = Arc::new(settings);
        // A connection with only its OAuth client cannot read apps yet; it opens for
        // the OAuth procedures.
        let started = std::time::Instant::now();
        let cat = if crate::oauth::tokenless(&settings.client.auth) {
            Catalog::default()
        } else {
            catalog::load(&client, &settings).await?
        };
        tracing::debug!(
            target: METADATA,
            apps = cat.apps.len(),
            ms = started.elapsed().as_millis() as u64,
            "catalog read: the app list (forms are read when first used)"
        );
        let catalog = SharedCatalog::new(cat, client.clone(), settings.clone());
        let mut config = SessionConfig::new().with_information_schema(true);
        // Names are case-sensitive as written: Kintone labels and codes are mixed-case
        // and often Japanese; lower-casing unquoted names would break them.
        config.options_mut().sql_parser.enable_ident_normalization = false;
        // `123456789012.34` is that decimal, not the nearest double: compared with a
        // NUMBER field (exact DECIMAL) it must match and push down exactly.
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(crate::guards::runtime_env().map_err(from_datafusion)?)
            .with_default_features()
            .with_analyzer_rule(Arc::new(crate::checked::CheckedArithmetic::default()))
            .with_physical_optimizer_rule(Arc::new(PushOffset))
            .build();
        let ctx = SessionContext::new_with_state(state);
        crate::guards::guard_functions(&ctx);
        crate::long_in::register(&ctx);
        let last_insert_id = Arc::new(AtomicU64::new(0));
        crate::write::register_last_insert_id(&ctx, last_insert_id.clone());
        let views = ViewSet::default();
        let sys_ctx = SysContext {
            client: client.clone(),
            settings: settings.clone(),
            catalog: catalog.clone(),
            views: views.clone(),
        };
        if settings.model == DataModel::CybozuUser {
            for k in SysKind::USER_VIEWS {
                if settings.lists_view(k.name()) {
                    let info = ViewInfo {
                        name: k.name().to_string(),
                        schema: k.schema(),
                        description: k.description().to_string(),
                    };
                    views.add(info, Arc::new(SystemTable::new(k, sys_ctx.clone())));
                }
            }
        }
        let apps = Arc::new(KintoneSchema::new(sys_ctx.clone()));
        let sys = Arc::new(SystemSchema::new(sys_ctx));
        let default_catalog = ctx
            .catalog(system::CATALOG)
            .ok_or_else(|| SqlError::general("DataFusion's default catalog is missing"))?;
        default_catalog
            .register_schema(system::APP_SCHEMA, apps.clone())
            .map_err(from_datafusion)?;
        default_catalog
            .register_schema(system::SYSTEM_SCHEMA, sys)
            .map_err(from_datafusion)?;
        let escape_ctx = escape_context(&settings, &client);
        let procs = ProcContext {
            client: client.clone(),
            settings: settings.clone(),
            catalog: catalog.clone(),
        };
        let conn = Connection {
            client,
            settings,
            catalog,
            ctx,
            escape_ctx,
            procs,
            apps,
            views,
            last_insert_id,
        };
        if let Some(path) = &conn.settings.user_defined_views {
            conn.add_user_views(crate::views::defined::read(path)?)
                .await?;
        }
        Ok(conn)
    }

    /// Plans each view's query and adds it. A view may read another: what fails is
    /// tried again while another pass adds something; what still fails is reported.
    /// `Views` then hides the views it does not name; those it names keep working even
    /// when they read a hidden one (a planned view no longer needs the views it read).
    async fn add_user_views(&self, defs: Vec<Definition>) -> SqlResult<()> {
        let mut pending: Vec<Definition> = Vec::new();
        for d in defs {
            if self.apps.is_taken(&d.name) {
                return Err(SqlError::new(
                    "08001",
                    format!(
                        "UserDefinedViews: view \"{}\" has the name of a table or of another \
                         view; give it another name",
                        d.name
                    ),
                ));
            }
            pending.push(d);
        }
        while !pending.is_empty() {
            let before = pending.len();
            let mut failed = Vec::new();
            for d in pending {
                match self.plan_view(&d).await {
                    Ok(plan) => {
                        let info = ViewInfo {
                            name: d.name.clone(),
                            schema: Arc::new(plan.schema().as_arrow().clone()),
                            description: format!("user-defined view: {}", d.query),
                        };
                        let view = datafusion::datasource::ViewTable::new(plan, Some(d.query));
                        self.views.add(info, Arc::new(view));
                    }
                    Err(e) => failed.push((d, e)),
                }
            }
            if failed.len() == before {
                if let Some((d, e)) = failed.first() {
                    return Err(crate::views::defined::unplannable(&d.name, e));
                }
            }
            pending = failed.into_iter().map(|(d, _)| d).collect();
        }
        self.views.retain(|name| self.settings.lists_view(name));
        Ok(())
    }

    /// A view's query, planned as a statement is: a query without parameters.
    async fn plan_view(&self, d: &Definition) -> SqlResult<LogicalPlan> {
        let p = self.prepare(&d.query).await?;
        match p.body {
            Body::Query(plan) if p.param_count == 0 => Ok(plan),
            Body::Query(_) => Err(SqlError::syntax(
                "a view's query cannot have parameters (?)",
            )),
            _ => Err(SqlError::syntax(
                "a view's query must be a SELECT, not a write or a procedure call",
            )),
        }
    }

    /// The connection's views (the User API's, the user-defined ones), as `Views`
    /// leaves them.
    pub fn views(&self) -> Vec<ViewInfo> {
        self.views.infos()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The catalog as read so far (every app; the forms of those used).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.current()
    }

    /// The catalog with the forms of the apps `pick` selects read (a catalog function
    /// about those tables). Apps whose form cannot be read are left out, with a warning.
    pub async fn catalog_for(&self, pick: impl Fn(&AppEntry) -> bool) -> SqlResult<Arc<Catalog>> {
        self.catalog.ensure(pick, false).await
    }

    /// The catalog with every form read (what a listing of all columns needs).
    pub async fn full_catalog(&self) -> SqlResult<Arc<Catalog>> {
        self.catalog.ensure_all().await
    }

    /// Lists the apps again; forms are read anew as statements need them (after fields
    /// or apps changed in Kintone).
    pub async fn refresh(&self) -> SqlResult<()> {
        self.catalog.refresh().await
    }

    /// Parses and plans a statement. Sends no request to Kintone.
    pub async fn prepare(&self, sql: &str) -> SqlResult<Prepared> {
        if let Some(call) = procedures::parse_call(sql)? {
            let bound = BoundCall::bind(call)?;
            let p = bound.procedure;
            if p.writes && self.settings.read_only {
                return Err(SqlError::new(
                    crate::write::READ_ONLY_STATE,
                    format!(
                        "this connection is read-only (ReadOnly=true): {} changes Kintone and is refused; nothing was sent",
                        p.name
                    ),
                ));
            }
            if crate::oauth::tokenless(&self.settings.client.auth)
                && !procedures::works_without_token(p)
            {
                return Err(SqlError::new(state::AUTH, crate::oauth::NO_TOKEN_YET));
            }
            return Ok(Prepared {
                // Secret literals masked: `sql` is for showing.
                sql: bound.display(),
                schema: bound.procedure.schema(),
                param_count: bound.param_count(),
                param_types: bound.param_types(),
                body: Body::Procedure(Arc::new(bound)),
            });
        }
        let rw = sqltext::rewrite_with(sql, &self.escape_ctx)?;
        if rw.sql.trim().is_empty() {
            return Err(SqlError::syntax("empty statement"));
        }
        if crate::oauth::tokenless(&self.settings.client.auth) {
            return Err(SqlError::new(state::AUTH, crate::oauth::NO_TOKEN_YET));
        }
        let state = self.ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        // Long literal lists skip the parser (`long_in.rs`); the generic dialect's
        // quoting is the one the packer reads.
        let packed = match dialect {
            Dialect::Generic => crate::long_in::pack_text(&rw.sql),
            _ => None,
        };
        let (text, lists) = match &packed {
            Some((text, lists)) => (text.as_str(), lists),
            None => (rw.sql.as_str(), &crate::long_in::TextLists::default()),
        };
        let mut stmt = state
            .sql_to_statement(text, &dialect)
            .map_err(from_datafusion)?;
        crate::long_in::rewrite_df(&mut stmt, lists);
        tame(&mut stmt)?;
        if let (DfStatement::Statement(s), true) = (&stmt, self.settings.read_only) {
            if let Some(verb) = crate::write::peek(s) {
                return Err(read_only_refusal(&verb));
            }
        }
        // The forms of the apps the statement names, read now (the first time): the
        // steps below resolve names against what is read.
        let tables = state
            .resolve_table_references(&stmt)
            .map_err(from_datafusion)?;
        for t in &tables {
            if t.schema().is_none_or(|s| s == system::APP_SCHEMA) {
                self.catalog.ensure_table(t.table()).await?;
            }
        }
        top_to_limit(&mut stmt)?;
        self.fold_column_case(&mut stmt);
        let mut write = None;
        if let DfStatement::Statement(s) = &mut stmt {
            crate::idents::name_unnamed_columns(s);
            write = crate::write::inspect(s)?;
        }
        let plan = state
            .statement_to_plan(stmt)
            .await
            .map_err(from_datafusion)?;
        SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(write.is_some())
            .with_allow_statements(false)
            .verify_plan(&plan)
            .map_err(|e| {
                SqlError::new(
                    state::NOT_IMPLEMENTED,
                    format!("only queries, INSERT, UPDATE and DELETE are supported: {e}"),
                )
            })?;
        let types = plan.get_parameter_types().map_err(from_datafusion)?;
        let param_types = (1..=rw.params)
            .map(|i| types.get(&format!("${i}")).cloned().flatten())
            .collect();
        let (schema, body) = match (&plan, write) {
            (LogicalPlan::Dml(dml), Some((verb, key))) => {
                let w = crate::write::plan(dml, verb, key.as_deref(), |n| self.apps.find(n))?;
                (Arc::new(Schema::empty()), Body::Write(Arc::new(w)))
            }
            _ => (
                Arc::new(plan.schema().as_arrow().clone()),
                Body::Query(plan),
            ),
        };
        Ok(Prepared {
            sql: rw.sql,
            schema,
            param_count: rw.params,
            param_types,
            body,
        })
    }

    /// Runs a prepared statement with its parameters (cast to the types DataFusion
    /// inferred; a value that does not convert is `22018`).
    pub async fn execute(&self, p: &Prepared, params: Vec<ScalarValue>) -> SqlResult<ResultStream> {
        check_param_count(p, &params)?;
        let mut plan = match &p.body {
            Body::Query(plan) => plan.clone(),
            Body::Procedure(call) => {
                // Runs now (SQLExecute reports its errors); its one batch is the result.
                // `p.sql` shows secret arguments masked.
                tracing::info!(target: FUNC, procedure = call.procedure.name, "calling {}", p.sql);
                let started = std::time::Instant::now();
                let batch = call.run(&self.procs, params).await.inspect_err(
                    |e| tracing::warn!(target: FUNC, "{} failed: {e}", call.procedure.name),
                )?;
                tracing::info!(
                    target: FUNC,
                    rows = batch.num_rows(),
                    ms = started.elapsed().as_millis() as u64,
                    "{} done",
                    call.procedure.name
                );
                let schema = p.schema.clone();
                let once = futures_util::stream::iter(vec![Ok(batch)]);
                let inner = Box::pin(RecordBatchStreamAdapter::new(schema.clone(), once));
                return Ok(ResultStream { schema, inner });
            }
            Body::Write(_) => {
                let out = self.execute_write(p, vec![params]).await?;
                if let Some(e) = out.error {
                    return Err(e);
                }
                let schema = p.schema.clone();
                let none = futures_util::stream::iter(Vec::new());
                let inner = Box::pin(RecordBatchStreamAdapter::new(schema.clone(), none));
                return Ok(ResultStream { schema, inner });
            }
        };
        if p.param_count > 0 {
            let vals = cast_params(p, params)?;
            plan = plan.with_param_values(vals).map_err(from_datafusion)?;
        }
        let df = self
            .ctx
            .execute_logical_plan(plan)
            .await
            .map_err(from_datafusion)?;
        let schema = p.schema.clone();
        let inner = df.execute_stream().await.map_err(from_datafusion)?;
        Ok(ResultStream { schema, inner })
    }

    /// Runs a write with every parameter set (one empty set without markers). The
    /// outcome says what landed even when it failed part-way; `Err` only for a set of
    /// the wrong size or a statement that is no write.
    pub async fn execute_write(
        &self,
        p: &Prepared,
        sets: Vec<Vec<ScalarValue>>,
    ) -> SqlResult<WriteOutcome> {
        let Body::Write(w) = &p.body else {
            return Err(SqlError::general("the statement is not a write"));
        };
        for s in &sets {
            check_param_count(p, s)?;
        }
        let wctx = WriteContext {
            ctx: &self.ctx,
            client: &self.client,
            separator: &self.settings.multi_value_separator,
        };
        let out = w.run(&wctx, sets, |s| cast_params(p, s)).await;
        if let Some(last) = out.new_ids.last() {
            self.last_insert_id.store(*last, Ordering::SeqCst);
        }
        Ok(out)
    }

    /// Prepare + execute + collect: for tests and small results.
    pub async fn query(&self, sql: &str) -> SqlResult<Vec<RecordBatch>> {
        let p = self.prepare(sql).await?;
        self.execute(&p, Vec::new()).await?.collect_all().await
    }
}

fn read_only_refusal(verb: &Verb) -> SqlError {
    SqlError::new(
        crate::write::READ_ONLY_STATE,
        format!(
            "this connection is read-only (ReadOnly=true): {} is refused and nothing was sent to Kintone",
            verb.name()
        ),
    )
}

/// `{fn DATABASE()}` is the Kintone host; `{fn USER()}` the login name where known.
fn escape_context(settings: &Settings, client: &Client) -> EscapeContext {
    let host = client.base_url().authority();
    let user = match &settings.client.auth {
        kintone_api::Auth::Password { user, .. } => user.clone(),
        _ => String::new(),
    };
    EscapeContext {
        database: host,
        user,
    }
}

fn check_param_count(p: &Prepared, params: &[ScalarValue]) -> SqlResult<()> {
    if params.len() != p.param_count {
        return Err(SqlError::new(
            state::WRONG_PARAM_COUNT,
            format!(
                "the statement has {} parameter(s), {} given",
                p.param_count,
                params.len()
            ),
        ));
    }
    Ok(())
}

/// Parameters converted to the types DataFusion inferred (`22018` when one does not
/// convert exactly).
fn cast_params(p: &Prepared, params: Vec<ScalarValue>) -> SqlResult<Vec<ScalarValue>> {
    let mut vals = Vec::with_capacity(params.len());
    for (i, v) in params.into_iter().enumerate() {
        let v = match p.param_types.get(i).cloned().flatten() {
            Some(t) if v.data_type() != t => exact_cast(&v, &t).map_err(|e| {
                SqlError::new(
                    state::BAD_CAST,
                    format!("parameter {}: cannot convert to {t}: {e}", i + 1),
                )
            })?,
            _ => v,
        };
        vals.push(v);
    }
    Ok(vals)
}

/// A parameter converted to the type its context asks for, refusing a conversion that
/// would change the value: `"$id" = ?` bound to 1.5 must not become `"$id" = 1`.
fn exact_cast(v: &ScalarValue, t: &DataType) -> std::result::Result<ScalarValue, String> {
    let out = v.cast_to(t).map_err(|e| e.to_string())?;
    let from = v.data_type();
    let lossy = t.is_integer()
        && from.is_numeric()
        && !from.is_integer()
        && out.cast_to(&from).map_or(true, |back| back != *v);
    if lossy {
        return Err(format!("{v} is not a whole number"));
    }
    Ok(out)
}

impl Connection {
    /// See [`crate::idents`]: a table's columns by the name the statement gives it,
    /// resolved as the schemas resolve it (app tables first, then system tables).
    fn fold_column_case(&self, stmt: &mut DfStatement) {
        let columns_of = |name: &str| -> Option<Vec<String>> {
            if let Some((v, _)) = self.views.find(name) {
                return Some(v.schema.fields().iter().map(|f| f.name().clone()).collect());
            }
            if let Some(t) = self.apps.find(name) {
                return Some(t.columns.iter().map(|c| c.name.clone()).collect());
            }
            SysKind::find_in(SysKind::of_model(self.settings.model), name).map(|k| {
                k.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
        };
        match stmt {
            DfStatement::Statement(s) => crate::idents::fold_column_case(s, &columns_of),
            DfStatement::Explain(e) => self.fold_column_case(&mut e.statement),
            _ => {}
        }
    }
}

/// Rebalances and depth-checks the statement (`complexity`), inside EXPLAIN too.
fn tame(stmt: &mut DfStatement) -> SqlResult<()> {
    match stmt {
        DfStatement::Statement(s) => crate::complexity::tame(s),
        DfStatement::Explain(e) => tame(&mut e.statement),
        _ => Ok(()),
    }
}

/// `SELECT TOP n ...` (SQL Server style, sent by many ODBC tools) becomes `LIMIT n`;
/// DataFusion parses TOP but does not plan it.
fn top_to_limit(stmt: &mut DfStatement) -> SqlResult<()> {
    let query = match stmt {
        DfStatement::Statement(s) => match s.as_mut() {
            ast::Statement::Query(q) => q,
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    let ast::SetExpr::Select(select) = query.body.as_mut() else {
        return Ok(());
    };
    let Some(top) = select.top.take() else {
        return Ok(());
    };
    if top.percent || top.with_ties {
        return Err(SqlError::new(
            state::NOT_IMPLEMENTED,
            "TOP ... PERCENT / WITH TIES is not supported",
        ));
    }
    let n = match top.quantity {
        Some(ast::TopQuantity::Constant(n)) => {
            ast::Expr::value(ast::Value::Number(n.to_string(), false))
        }
        Some(ast::TopQuantity::Expr(e)) => e,
        None => return Err(SqlError::syntax("TOP needs a row count")),
    };
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return Err(SqlError::syntax(
            "TOP cannot be combined with LIMIT or FETCH",
        ));
    }
    query.limit_clause = Some(ast::LimitClause::LimitOffset {
        limit: Some(n),
        offset: None,
        limit_by: Vec::new(),
    });
    Ok(())
}

/// Result batches, each error already carrying its SQLSTATE.
pub struct ResultStream {
    schema: SchemaRef,
    inner: SendableRecordBatchStream,
}

impl ResultStream {
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    pub async fn collect_all(mut self) -> SqlResult<Vec<RecordBatch>> {
        let mut out = Vec::new();
        while let Some(b) = self.next().await {
            out.push(b?);
        }
        Ok(out)
    }
}

impl Stream for ResultStream {
    type Item = SqlResult<RecordBatch>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_next_unpin(cx)
            .map(|o| o.map(|r| r.map_err(from_datafusion)))
    }
}
