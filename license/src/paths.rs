//! Where licences and trial markers live.
//!
//! | what | system-wide (root) | per user |
//! |---|---|---|
//! | licence | `/etc/kintone-odbc/license` (macOS `/Library/Application Support/Kintone ODBC/license`) | `~/.config/kintone-odbc/license` |
//! | trial marker | `/var/lib/kintone-odbc/trial` (macOS `/Library/Application Support/Kintone ODBC/trial`) | `~/.config/kintone-odbc/trial` |
//!
//! Overrides (tests, unusual layouts): `KINTONE_ODBC_LICENSE_DIR` (system licence
//! directory), `KINTONE_ODBC_TRIAL_DIR` (system trial directory), `KINTONE_ODBC_USER_DIR`
//! (per-user directory; else `$XDG_CONFIG_HOME/kintone-odbc`, else
//! `$HOME/.config/kintone-odbc`).

use std::path::{Path, PathBuf};

pub const LICENSE_FILE: &str = "license";
pub const TRIAL_FILE: &str = "trial";

#[cfg(target_os = "macos")]
const SYSTEM_LICENSE_DIR: &str = "/Library/Application Support/Kintone ODBC";
#[cfg(not(target_os = "macos"))]
const SYSTEM_LICENSE_DIR: &str = "/etc/kintone-odbc";
#[cfg(target_os = "macos")]
const SYSTEM_TRIAL_DIR: &str = "/Library/Application Support/Kintone ODBC";
#[cfg(not(target_os = "macos"))]
const SYSTEM_TRIAL_DIR: &str = "/var/lib/kintone-odbc";

/// Whether a file is installed for the whole machine or for the current user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    System,
    User,
}

impl Scope {
    /// Root installs for the machine, anyone else for themselves (as `sudo
    /// install-license.sh` versus `install-license.sh`).
    pub fn for_current_user() -> Scope {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            Scope::System
        } else {
            Scope::User
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub system_license_dir: PathBuf,
    pub system_trial_dir: PathBuf,
    /// `None` when neither HOME nor an override says where the user's files are.
    pub user_dir: Option<PathBuf>,
}

impl Paths {
    pub fn from_env() -> Paths {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let user_dir = var("KINTONE_ODBC_USER_DIR")
            .map(PathBuf::from)
            .or_else(|| var("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("kintone-odbc")))
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config/kintone-odbc")));
        Paths {
            system_license_dir: var("KINTONE_ODBC_LICENSE_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(SYSTEM_LICENSE_DIR)),
            system_trial_dir: var("KINTONE_ODBC_TRIAL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(SYSTEM_TRIAL_DIR)),
            user_dir,
        }
    }

    /// All paths under one directory (tests).
    pub fn under(root: &Path) -> Paths {
        Paths {
            system_license_dir: root.join("etc"),
            system_trial_dir: root.join("var"),
            user_dir: Some(root.join("user")),
        }
    }

    pub fn license_file(&self, scope: Scope) -> Option<PathBuf> {
        match scope {
            Scope::System => Some(self.system_license_dir.join(LICENSE_FILE)),
            Scope::User => self.user_dir.as_ref().map(|d| d.join(LICENSE_FILE)),
        }
    }

    pub fn trial_file(&self, scope: Scope) -> Option<PathBuf> {
        match scope {
            Scope::System => Some(self.system_trial_dir.join(TRIAL_FILE)),
            Scope::User => self.user_dir.as_ref().map(|d| d.join(TRIAL_FILE)),
        }
    }
}
