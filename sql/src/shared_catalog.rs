//! The connection's catalog, shared by its schemas, system tables and procedures, and
//! completed as statements need it: an app's form is read the first time something
//! names the app (see [`Catalog`]).

use std::sync::{Arc, RwLock};

use kintone_api::Client;

use crate::catalog::{self, AppEntry, Catalog};
use crate::error::{from_kintone, SqlError, SqlResult};
use crate::settings::Settings;

#[derive(Clone, Debug)]
pub struct SharedCatalog {
    cat: Arc<RwLock<Arc<Catalog>>>,
    client: Client,
    settings: Arc<Settings>,
}

impl SharedCatalog {
    pub fn new(cat: Catalog, client: Client, settings: Arc<Settings>) -> Self {
        SharedCatalog {
            cat: Arc::new(RwLock::new(Arc::new(cat))),
            client,
            settings,
        }
    }

    /// The catalog as read so far.
    pub fn current(&self) -> Arc<Catalog> {
        match self.cat.read() {
            Ok(g) => g.clone(),
            // A panic elsewhere while holding the lock left a valid Arc behind.
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn replace(&self, cat: Catalog) {
        let cat = Arc::new(cat);
        match self.cat.write() {
            Ok(mut g) => *g = cat,
            Err(p) => *p.into_inner() = cat,
        }
    }

    /// Reads the forms of the apps `pick` selects that are not read yet. With `strict`,
    /// an app whose form cannot be read fails the call (a statement names it);
    /// otherwise it is left out with a warning (a listing over many apps).
    pub async fn ensure(
        &self,
        pick: impl Fn(&AppEntry) -> bool,
        strict: bool,
    ) -> SqlResult<Arc<Catalog>> {
        let cat = self.current();
        let ids = cat.unread(&self.settings, &pick);
        if ids.is_empty() {
            return Ok(cat);
        }
        tracing::debug!(
            target: kintone_api::targets::METADATA,
            apps = ?ids,
            "reading the forms of apps first used"
        );
        let read = catalog::read_forms(&self.client, &cat, ids).await;
        let mut first_error: Option<SqlError> = None;
        let mut forms = Vec::with_capacity(read.len());
        for (id, form) in read {
            match form {
                Ok(f) => forms.push((id, Some(f))),
                Err(e) => {
                    let entry = cat.apps.iter().find(|a| a.id == id);
                    let name = entry.map(|a| a.name.as_str()).unwrap_or_default();
                    tracing::warn!("the form of app {id} ({name}) could not be read: {e}");
                    // A refusal (no permission, another guest space) stays so for the
                    // connection; a transient failure is tried again next time.
                    if matches!(e.status(), Some(s) if (400..500).contains(&s)) {
                        forms.push((id, None));
                    }
                    if strict && first_error.is_none() && entry.is_some_and(&pick) {
                        let mut err = from_kintone(&e);
                        err.message = format!(
                            "the form of app {id} ({name}) could not be read: {}",
                            err.message
                        );
                        first_error = Some(err);
                    }
                }
            }
        }
        let next = {
            let mut g = match self.cat.write() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            // Another statement may have read some of these meanwhile: theirs stay.
            forms.retain(|(id, _)| !g.is_read(*id));
            let next = Arc::new(g.with_forms(forms, &self.settings));
            *g = next.clone();
            next
        };
        match first_error {
            Some(e) => Err(e),
            None => Ok(next),
        }
    }

    /// Reads what a statement naming table `name` needs: the app of that name (in any
    /// case, as [`crate::provider::KintoneSchema::find`] resolves it), or the app whose
    /// child table it could be.
    pub async fn ensure_table(&self, name: &str) -> SqlResult<Arc<Catalog>> {
        let settings = self.settings.clone();
        let sep = settings.subtable_separator.to_lowercase();
        let wanted = name.to_lowercase();
        self.ensure(
            |a| {
                let t = a.table.to_lowercase();
                t == wanted
                    || (wanted.starts_with(&format!("{t}{sep}"))
                        && settings.subtables_enabled_for(a.id, &a.name))
            },
            true,
        )
        .await
    }

    /// Reads the forms of the given apps.
    pub async fn ensure_apps(&self, ids: &[u64]) -> SqlResult<Arc<Catalog>> {
        self.ensure(|a| ids.contains(&a.id), true).await
    }

    /// Reads every form (a listing of all tables' columns).
    pub async fn ensure_all(&self) -> SqlResult<Arc<Catalog>> {
        self.ensure(|_| true, false).await
    }

    /// Lists the apps again; forms are read anew as they are needed (after fields or
    /// apps changed in Kintone).
    pub async fn refresh(&self) -> SqlResult<()> {
        let cat = catalog::load(&self.client, &self.settings).await?;
        self.replace(cat);
        Ok(())
    }
}
