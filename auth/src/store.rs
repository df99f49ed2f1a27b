//! Where OAuth tokens are kept between connections (`OAuthSettingsLocation`): an
//! encrypted file (default), an OS keyring item, or this process's memory. Every
//! location holds the same sealed text ([`crate::settings_file`]).
//!
//! Writers take an exclusive lock (`flock` on a sidecar `.lock` file) and replace the
//! file by rename, so two processes refreshing at once leave a valid file and readers
//! never see half of one.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use kintone_api::oauth::OAuthClient;

use crate::error::{AuthError, AuthResult};
use crate::settings_file::{self, Stored};

/// The default file name (CData's).
pub const DEFAULT_FILE_NAME: &str = "OAuthSettings.txt";

/// How long a writer waits for another process's refresh before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// `OAuthSettingsLocation`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An encrypted file (the default: a per-user file).
    File(PathBuf),
    /// `keyring://<name>`: the same encrypted text, as an OS keyring item.
    Keyring(String),
    /// `memory://` or `memory://<name>`: only in this process, shared by its connections.
    Memory(String),
}

/// The per-user folder of the driver's files: `~/.config/kintone-odbc` on Linux,
/// `~/Library/Application Support/kintone-odbc` on macOS.
pub fn user_dir() -> AuthResult<PathBuf> {
    dirs::config_dir()
        .map(|d| d.join("kintone-odbc"))
        .ok_or_else(|| {
            AuthError::Config(
                "no per-user configuration folder (HOME is not set): set OAuthSettingsLocation"
                    .into(),
            )
        })
}

impl Location {
    /// Reads the property; `None` or empty is the per-user default file.
    pub fn parse(value: Option<&str>) -> AuthResult<Location> {
        let v = value.map(str::trim).unwrap_or("");
        if v.is_empty() {
            return Ok(Location::File(user_dir()?.join(DEFAULT_FILE_NAME)));
        }
        let lower = v.to_ascii_lowercase();
        if lower.starts_with("keyring://") {
            let name = v["keyring://".len()..].trim();
            return Ok(Location::Keyring(
                if name.is_empty() { "default" } else { name }.to_string(),
            ));
        }
        if lower.starts_with("memory://") {
            return Ok(Location::Memory(v["memory://".len()..].trim().to_string()));
        }
        let path = match v.strip_prefix("~/") {
            Some(rest) => dirs::home_dir()
                .ok_or_else(|| AuthError::Config("HOME is not set".into()))?
                .join(rest),
            None => PathBuf::from(v),
        };
        Ok(Location::File(path))
    }

    /// For messages: "the OAuth settings file /x", "the keyring item oauth/y".
    pub fn describe(&self) -> String {
        match self {
            Location::File(p) => format!("the OAuth settings file {}", p.display()),
            Location::Keyring(n) => format!("the OAuth settings in the OS keyring (oauth/{n})"),
            Location::Memory(n) => format!("the in-memory OAuth settings '{n}'"),
        }
    }
}

fn memory() -> &'static Mutex<HashMap<String, String>> {
    static M: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The tokens of one OAuth client at one location.
#[derive(Clone, Debug)]
pub struct Store {
    pub location: Location,
    app: OAuthClient,
}

/// An exclusive lock on a store, released when dropped.
pub struct StoreLock {
    _file: Option<fs::File>,
}

impl Store {
    pub fn new(location: Location, app: OAuthClient) -> Store {
        Store { location, app }
    }

    pub fn describe(&self) -> String {
        self.location.describe()
    }

    /// The stored tokens; `None` when nothing is stored yet.
    pub fn load(&self) -> AuthResult<Option<Stored>> {
        let text = match &self.location {
            Location::File(p) => match read_bounded(p) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(AuthError::Store(format!(
                        "{} cannot be read: {e}",
                        self.describe()
                    )))
                }
            },
            Location::Keyring(n) => match crate::keyring::load(&keyring_account(n))? {
                Some(s) => s.expose().to_string(),
                None => return Ok(None),
            },
            Location::Memory(n) => match crate::sync::lock(memory()).get(n) {
                Some(t) => t.clone(),
                None => return Ok(None),
            },
        };
        settings_file::open(&text, &self.app, &self.describe()).map(Some)
    }

    /// Seals and writes `stored`, replacing what was there.
    pub fn save(&self, stored: &Stored) -> AuthResult<()> {
        let text = settings_file::seal(stored, &self.app)?;
        match &self.location {
            Location::File(p) => write_atomically(p, text.as_bytes()).map_err(|e| {
                AuthError::Store(format!("{} cannot be written: {e}", self.describe()))
            }),
            Location::Keyring(n) => crate::keyring::save(&keyring_account(n), &text.into()),
            Location::Memory(n) => {
                crate::sync::lock(memory()).insert(n.clone(), text);
                Ok(())
            }
        }
    }

    /// Deletes the stored tokens; `Ok(false)` when there were none.
    pub fn delete(&self) -> AuthResult<bool> {
        match &self.location {
            Location::File(p) => match fs::remove_file(p) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(AuthError::Store(format!(
                    "{} cannot be deleted: {e}",
                    self.describe()
                ))),
            },
            Location::Keyring(n) => crate::keyring::delete(&keyring_account(n)),
            Location::Memory(n) => Ok(crate::sync::lock(memory()).remove(n).is_some()),
        }
    }

    fn lock_path(&self) -> AuthResult<Option<PathBuf>> {
        Ok(match &self.location {
            Location::File(p) => {
                let mut name = p.file_name().unwrap_or_default().to_os_string();
                name.push(".lock");
                Some(p.with_file_name(name))
            }
            Location::Keyring(n) => Some(user_dir()?.join(format!("keyring-{n}.lock"))),
            // One process: the connections' own refresh serialisation is enough.
            Location::Memory(_) => None,
        })
    }

    /// Takes the store's exclusive lock, waiting (without blocking the runtime) for
    /// another process's refresh to finish.
    pub async fn lock(&self) -> AuthResult<StoreLock> {
        let Some(path) = self.lock_path()? else {
            return Ok(StoreLock { _file: None });
        };
        let file = open_lock_file(&path).map_err(|e| {
            AuthError::Store(format!(
                "the lock file {} cannot be opened: {e}",
                path.display()
            ))
        })?;
        let start = Instant::now();
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is involved.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r == 0 {
                return Ok(StoreLock { _file: Some(file) });
            }
            if start.elapsed() > LOCK_WAIT {
                return Err(AuthError::Store(format!(
                    "{} stayed locked by another process for {}s",
                    self.describe(),
                    LOCK_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn keyring_account(name: &str) -> String {
    format!("oauth/{name}")
}

fn read_bounded(p: &Path) -> std::io::Result<String> {
    let meta = fs::metadata(p)?;
    if meta.len() > settings_file::MAX_TEXT as u64 {
        // Let `open` report it as damaged without reading a huge file.
        return Ok(String::from("too large"));
    }
    let bytes = fs::read(p)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn make_parent(p: &Path) -> std::io::Result<()> {
    match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        _ => Ok(()),
    }
}

fn open_lock_file(p: &Path) -> std::io::Result<fs::File> {
    make_parent(p)?;
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(p)
}

/// Writes a new file beside the old one (mode 0600 from the start) and renames it over.
fn write_atomically(p: &Path, bytes: &[u8]) -> std::io::Result<()> {
    make_parent(p)?;
    let name = p.file_name().unwrap_or_default().to_string_lossy();
    let tmp = p.with_file_name(format!(
        ".{name}.{}.{:08x}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, p)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use kintone_api::oauth::TokenSet;
    use std::os::unix::fs::PermissionsExt;

    fn app() -> OAuthClient {
        OAuthClient {
            client_id: "cid".into(),
            client_secret: "sec".into(),
        }
    }

    fn stored(tok: &str) -> Stored {
        Stored {
            url: "https://x.cybozu.com".into(),
            tokens: TokenSet {
                access_token: tok.into(),
                refresh_token: Some("r".into()),
                expires_in: Some(3600),
                scope: None,
                obtained_ms: 1,
            },
            verifier_digest: None,
        }
    }

    #[test]
    fn locations_parse() {
        assert_eq!(
            Location::parse(Some("keyring://work")).unwrap(),
            Location::Keyring("work".into())
        );
        assert_eq!(
            Location::parse(Some("MEMORY://")).unwrap(),
            Location::Memory(String::new())
        );
        assert_eq!(
            Location::parse(Some("/tmp/x.txt")).unwrap(),
            Location::File("/tmp/x.txt".into())
        );
        match Location::parse(None).unwrap() {
            Location::File(p) => assert!(p.ends_with("kintone-odbc/OAuthSettings.txt")),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn file_store_is_private_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/OAuthSettings.txt");
        let s = Store::new(Location::File(path.clone()), app());
        assert!(s.load().unwrap().is_none());
        let lock = s.lock().await.unwrap();
        s.save(&stored("one")).unwrap();
        drop(lock);
        s.save(&stored("two")).unwrap();
        assert_eq!(s.load().unwrap(), Some(stored("two")));
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        assert!(s.delete().unwrap());
        assert!(!s.delete().unwrap());
    }

    #[tokio::test]
    async fn memory_store_is_shared_in_process() {
        let a = Store::new(Location::Memory("t1".into()), app());
        let b = Store::new(Location::Memory("t1".into()), app());
        a.save(&stored("m")).unwrap();
        assert_eq!(b.load().unwrap(), Some(stored("m")));
    }
}
