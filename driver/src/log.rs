//! The `Logfile` / `Verbosity` log (peers-and-bi-tools.md §1.2): 1 = connections,
//! queries, row counts, timing and errors; 2 = + metadata calls; 3 and up = + each
//! ODBC call. Secrets never reach it: connection properties are logged masked.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::sync::lock;

pub struct Log {
    file: Mutex<File>,
    pub verbosity: u8,
}

impl Log {
    /// Opens (or creates) the log readable by its owner only: at high verbosity it
    /// holds queries and Kintone's answers, which are the customer's data.
    pub fn open(path: &Path, verbosity: u8) -> std::io::Result<Log> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        // An older log made with wider permissions is narrowed too (best effort: a
        // file such as /dev/null is not ours to change).
        if let Ok(m) = file.metadata() {
            if m.is_file() && m.permissions().mode() & 0o077 != 0 {
                let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
        }
        Ok(Log {
            file: Mutex::new(file),
            verbosity,
        })
    }

    pub fn write(&self, level: u8, msg: &str) {
        if level > self.verbosity {
            return;
        }
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        // A log that cannot be written must not fail the application's call.
        let _ = writeln!(lock(&self.file), "{now} [{level}] {msg}");
    }
}
