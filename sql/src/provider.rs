//! DataFusion's catalog side: a `TableProvider` per app or subtable, and a
//! `SchemaProvider` serving the connection's cached catalog.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::common::{Constraint, Constraints};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use kintone_api::query::Cond;
use kintone_api::Client;

use crate::catalog::{Catalog, Source, TableDef, TableKind};
use crate::chunks::chunk;
use crate::pushdown::{translate, Pushed};
use crate::scan::{KintoneScanExec, ScanSpec};
use crate::settings::Settings;
use crate::shared_catalog::SharedCatalog;
use crate::system::{SysContext, SysKind, SystemTable};
use crate::views::ViewSet;

#[derive(Debug)]
pub struct KintoneTable {
    pub def: Arc<TableDef>,
    client: Client,
    settings: Arc<Settings>,
    constraints: Constraints,
    /// Translations of long lists, kept for this statement: DataFusion asks how a
    /// filter pushes once or twice while optimizing, then scans with it, and a list of
    /// 20,000 values is worth translating once.
    lists: Mutex<Vec<(Expr, Arc<Pushed>)>>,
}

/// Lists kept per table and statement (a statement rarely has more than one).
const KEPT_LISTS: usize = 8;

impl KintoneTable {
    pub fn new(def: Arc<TableDef>, client: Client, settings: Arc<Settings>) -> Self {
        // `$id` is the key of an app table; a child table's key is its row id.
        let key = match def.kind {
            TableKind::App => def.columns.iter().position(|c| c.source == Source::Id),
            TableKind::Subtable { .. } => {
                def.columns.iter().position(|c| c.source == Source::RowId)
            }
        };
        let constraints = Constraints::new_unverified(
            key.map(|k| vec![Constraint::PrimaryKey(vec![k])])
                .unwrap_or_default(),
        );
        KintoneTable {
            def,
            client,
            settings,
            constraints,
            lists: Mutex::new(Vec::new()),
        }
    }

    fn pushes(&self) -> bool {
        self.settings.pushdown && self.def.kind == TableKind::App
    }

    /// [`translate`], once per long list.
    fn translate(&self, f: &Expr) -> Arc<Pushed> {
        let long = match f {
            Expr::InList(l) => l.list.len() > crate::long_in::LONG_LIST,
            Expr::ScalarFunction(c) => c.func.name() == crate::long_in::NAME,
            _ => false,
        };
        if !long {
            return Arc::new(translate(f, &self.def));
        }
        // Kept by the filter without column qualifiers: the optimizer asks with
        // `Events.$id`, the physical planner scans with `$id`.
        let key = unnormalize_col(f.clone());
        if let Some((_, p)) = self
            .lists
            .lock()
            .ok()
            .and_then(|kept| kept.iter().find(|(e, _)| *e == key).cloned())
        {
            return p;
        }
        let p = Arc::new(translate(f, &self.def));
        if let Ok(mut kept) = self.lists.lock() {
            if kept.len() < KEPT_LISTS {
                kept.push((key, p.clone()));
            }
        }
        p
    }
}

#[async_trait]
impl TableProvider for KintoneTable {
    fn schema(&self) -> SchemaRef {
        self.def.schema.clone()
    }

    fn constraints(&self) -> Option<&Constraints> {
        Some(&self.constraints)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if !self.pushes() {
                    return TableProviderFilterPushDown::Unsupported;
                }
                match *self.translate(f) {
                    Pushed::Exact(_) => TableProviderFilterPushDown::Exact,
                    Pushed::Inexact(_) => TableProviderFilterPushDown::Inexact,
                    Pushed::No => TableProviderFilterPushDown::Unsupported,
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let def = &self.def;
        let indices: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..def.columns.len()).collect(),
        };
        let columns: Vec<_> = indices
            .iter()
            .filter_map(|i| def.columns.get(*i).cloned())
            .collect();
        let schema = Arc::new(def.schema.project(&indices)?);
        // An Inexact filter needs its columns for DataFusion's re-check, so an empty
        // projection means every pushed filter was exact.
        let columns_empty = columns.is_empty();
        let (fields, condition, limit, chunks) = if self.pushes() {
            let mut fields: Vec<String> = Vec::new();
            for c in &columns {
                if let Source::Field { code, .. } = &c.source {
                    fields.push(code.clone());
                } else if c.source == Source::Revision {
                    fields.push("$revision".into());
                }
            }
            if !fields.iter().any(|f| f == "$id") {
                fields.push("$id".into());
            }
            let conds: Vec<Cond> = filters
                .iter()
                .filter_map(|f| self.translate(f).cond().cloned())
                .collect();
            let chunks = chunk(&conds);
            // A chunked list is never sent whole: its first chunk stands for it (EXPLAIN).
            let condition = match &chunks {
                Some(c) => c.conditions.first().cloned(),
                None if conds.is_empty() => None,
                None => Some(Cond::And(conds).to_string()),
            };
            (Some(fields), condition, limit.map(|l| l as u64), chunks)
        } else if let TableKind::Subtable { code } = &def.kind {
            // A child table reads only its subtable (and `$id`).
            (
                Some(vec!["$id".to_string(), code.clone()]),
                None,
                None,
                None,
            )
        } else {
            (None, None, None, None)
        };
        let spec = ScanSpec {
            table: def.clone(),
            columns,
            schema,
            fields,
            condition,
            limit,
            page_size: self.settings.page_size,
            separator: self.settings.multi_value_separator.clone(),
            // Totals of chunks add up only when they are disjoint (a `$id` list).
            count_only: self.pushes() && columns_empty && chunks.as_ref().is_none_or(|c| c.on_id),
            pushable: self.pushes(),
            order: Vec::new(),
            offset: 0,
            null_split: None,
            parallel: self.client.budget().size(),
            chunks,
        };
        Ok(Arc::new(KintoneScanExec::new(spec, self.client.clone())))
    }
}

/// The connection's tables and views. The catalog is shared with the connection,
/// which reads forms into it as statements need them.
#[derive(Debug)]
pub struct KintoneSchema {
    pub catalog: SharedCatalog,
    client: Client,
    settings: Arc<Settings>,
    views: ViewSet,
}

impl KintoneSchema {
    pub fn new(sys: SysContext) -> Self {
        KintoneSchema {
            catalog: sys.catalog,
            client: sys.client,
            settings: sys.settings,
            views: sys.views,
        }
    }

    pub fn current(&self) -> Arc<Catalog> {
        self.catalog.current()
    }

    /// Exact name first; otherwise a unique case-insensitive match (unquoted names in
    /// ODBC tools often arrive in another case). Only tables whose form is read: see
    /// [`SharedCatalog::ensure_table`].
    pub fn find(&self, name: &str) -> Option<Arc<TableDef>> {
        let cat = self.current();
        if let Some(t) = cat.table(name) {
            return Some(t.clone());
        }
        let mut hits = cat
            .tables
            .iter()
            .filter(|t| t.name.to_lowercase() == name.to_lowercase());
        match (hits.next(), hits.next()) {
            (Some(t), None) => Some(t.clone()),
            _ => None,
        }
    }

    /// Whether `name` is an app table, read or not (its form is read on first use).
    fn is_app(&self, name: &str) -> bool {
        let cat = self.current();
        cat.apps
            .iter()
            .any(|a| a.table.to_lowercase() == name.to_lowercase())
    }

    fn sys_context(&self) -> SysContext {
        SysContext {
            client: self.client.clone(),
            settings: self.settings.clone(),
            catalog: self.catalog.clone(),
            views: self.views.clone(),
        }
    }

    fn system_kinds(&self) -> &'static [SysKind] {
        SysKind::of_model(self.settings.model)
    }

    /// Whether `name` is taken by an app table (read or not) or a view: what a new
    /// user-defined view may not be called.
    pub fn is_taken(&self, name: &str) -> bool {
        self.find(name).is_some() || self.is_app(name) || self.views.contains(name)
    }
}

/// Views and app tables (their names never collide: see [`KintoneSchema::is_taken`]);
/// a system table answers only to a name neither has.
#[async_trait]
impl SchemaProvider for KintoneSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names = self.current().names();
        names.extend(self.views.infos().into_iter().map(|v| v.name));
        for k in self.system_kinds() {
            let n = k.name();
            if !self.is_taken(n) {
                names.push(n.to_string());
            }
        }
        names
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        if let Some((_, view)) = self.views.find(name) {
            return Ok(Some(view));
        }
        if self.find(name).is_none() {
            self.catalog
                .ensure_table(name)
                .await
                .map_err(datafusion::error::DataFusionError::from)?;
        }
        if let Some(def) = self.find(name) {
            return Ok(Some(Arc::new(KintoneTable::new(
                def,
                self.client.clone(),
                self.settings.clone(),
            ))));
        }
        if let Some(k) = SysKind::find_in(self.system_kinds(), name) {
            return Ok(Some(Arc::new(SystemTable::new(k, self.sys_context()))));
        }
        let cat = self.current();
        if cat.is_restricted() {
            // Say why a table the user can see in Kintone is not here.
            // DataFusion re-words a provider's error; the text keeps the SQLSTATE (42S02).
            return Err(datafusion::error::DataFusionError::Plan(
                crate::catalog::unknown_table(name, &cat).message,
            ));
        }
        Ok(None)
    }

    fn table_exist(&self, name: &str) -> bool {
        self.is_taken(name) || SysKind::find_in(self.system_kinds(), name).is_some()
    }
}
