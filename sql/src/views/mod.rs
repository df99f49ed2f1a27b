//! Views: named queries in the app schema, listed as VIEW. Two kinds share this
//! registry: the User API's views under `Schema=CybozuUser` (`Users`, ...) and the
//! queries of a `UserDefinedViews` file ([`defined`]). The `Views` property decides
//! which of them a connection has at all.

pub mod defined;

use std::sync::{Arc, RwLock, RwLockReadGuard};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;

/// A view as the catalog functions describe it.
#[derive(Clone, Debug)]
pub struct ViewInfo {
    pub name: String,
    pub schema: SchemaRef,
    pub description: String,
}

#[derive(Clone, Debug)]
struct View {
    info: ViewInfo,
    provider: Arc<dyn TableProvider>,
}

/// The connection's views, shared by its schemas and system tables. Filled at connect
/// (user-defined views one by one, so that one may read another).
#[derive(Clone, Debug, Default)]
pub struct ViewSet(Arc<RwLock<Vec<View>>>);

impl ViewSet {
    fn read(&self) -> RwLockReadGuard<'_, Vec<View>> {
        // A panic while holding the lock left a valid list behind.
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, info: ViewInfo, provider: Arc<dyn TableProvider>) {
        let mut g = self.0.write().unwrap_or_else(|p| p.into_inner());
        g.push(View { info, provider });
    }

    /// Every view, in the order they were added.
    pub fn infos(&self) -> Vec<ViewInfo> {
        self.read().iter().map(|v| v.info.clone()).collect()
    }

    /// Exact name first, then a unique case-insensitive match (as app tables resolve).
    pub fn find(&self, name: &str) -> Option<(ViewInfo, Arc<dyn TableProvider>)> {
        let g = self.read();
        let hit = g.iter().find(|v| v.info.name == name).or_else(|| {
            let mut it = g.iter().filter(|v| v.info.name.eq_ignore_ascii_case(name));
            match (it.next(), it.next()) {
                (Some(v), None) => Some(v),
                _ => None,
            }
        });
        hit.map(|v| (v.info.clone(), v.provider.clone()))
    }

    /// Keeps the views `keep` names.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        let mut g = self.0.write().unwrap_or_else(|p| p.into_inner());
        g.retain(|v| keep(&v.info.name));
    }

    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
}
