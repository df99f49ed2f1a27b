//! Which odbcinst.ini / odbc.ini each driver manager reads (odbc-driver-notes.md §2.2,
//! §2.3, §3).
//!
//! unixODBC: system files in `$ODBCSYSINI` (a directory; `$ODBCINSTINI` is the file name
//! in it), else where `odbcinst -j` says, else `/etc`; user files `$ODBCINI` (a path) or
//! `~/.odbc.ini` and `~/.odbcinst.ini`.
//! iODBC: `$ODBCINSTINI` / `$ODBCINI` when they are absolute paths (they take precedence
//! over everything); else on macOS `/Library/ODBC/` (system) and `~/Library/ODBC/` (user),
//! on Linux `$SYSODBCINSTINI`/`$SYSODBCINI` or `/etc` (system) and `~/.odbcinst.ini`,
//! `~/.odbc.ini` (user).
//!
//! `--dm auto` registers with every manager found, except that a set `ODBCSYSINI`
//! without an absolute `ODBCINSTINI` keeps iODBC's system files out of it.
//!
//! Override for checking another OS's layout (tests, image builds): `--target-os
//! linux|macos` and `--root DIR` (or `KINTONE_ODBC_TARGET_OS`, `KINTONE_ODBC_ROOT`).
//! Under a root, system files are `DIR/Library/ODBC/*.ini` (macOS iODBC),
//! `DIR/opt/homebrew/etc/*.ini` (macOS unixODBC) or `DIR/etc/*.ini` (Linux), user files
//! are under `$HOME` as usual, and the `ODBC*` variables and `odbcinst -j` are ignored.

use std::path::{Path, PathBuf};

use kintone_license::Scope;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dm {
    #[value(name = "unixodbc")]
    UnixOdbc,
    #[value(name = "iodbc")]
    Iodbc,
}

impl Dm {
    pub fn label(self) -> &'static str {
        match self {
            Dm::UnixOdbc => "unixODBC",
            Dm::Iodbc => "iODBC",
        }
    }
}

/// `--dm`: one manager, both, or the ones found on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DmChoice {
    Auto,
    #[value(name = "unixodbc")]
    UnixOdbc,
    #[value(name = "iodbc")]
    Iodbc,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetOs {
    Linux,
    Macos,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub os: TargetOs,
    pub root: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

/// The two files of one manager in one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IniFiles {
    pub odbcinst: PathBuf,
    pub odbc: PathBuf,
}

fn env_path(k: &str) -> Option<PathBuf> {
    std::env::var_os(k)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Layout {
    pub fn new(os: Option<TargetOs>, root: Option<PathBuf>) -> Layout {
        let os = os
            .or_else(
                || match std::env::var("KINTONE_ODBC_TARGET_OS").ok()?.as_str() {
                    "macos" => Some(TargetOs::Macos),
                    "linux" => Some(TargetOs::Linux),
                    _ => None,
                },
            )
            .unwrap_or(if cfg!(target_os = "macos") {
                TargetOs::Macos
            } else {
                TargetOs::Linux
            });
        Layout {
            os,
            root: root.or_else(|| env_path("KINTONE_ODBC_ROOT")),
            home: env_path("HOME"),
        }
    }

    fn home(&self) -> Result<&Path, String> {
        self.home
            .as_deref()
            .ok_or_else(|| "HOME is not set: cannot find the user's ini files".to_string())
    }

    /// The managers `choice` stands for; `Auto` probes this machine (or, under a root,
    /// takes what the target OS ships: iODBC on macOS, unixODBC on Linux).
    pub fn managers(&self, choice: DmChoice) -> Vec<Dm> {
        match choice {
            DmChoice::UnixOdbc => vec![Dm::UnixOdbc],
            DmChoice::Iodbc => vec![Dm::Iodbc],
            DmChoice::Both => vec![Dm::UnixOdbc, Dm::Iodbc],
            DmChoice::Auto if self.root.is_some() => match self.os {
                TargetOs::Macos => vec![Dm::Iodbc],
                TargetOs::Linux => vec![Dm::UnixOdbc],
            },
            DmChoice::Auto => {
                let mut v = Vec::new();
                if unixodbc_present() {
                    v.push(Dm::UnixOdbc);
                }
                // macOS apps (Excel, Tableau) load iODBC or their own copy of it, and
                // they all read /Library/ODBC: always register there. But ODBCSYSINI
                // alone means "private unixODBC files" (tests, quickstart): iODBC's
                // system files are then left alone unless its own ODBCINSTINI names
                // a file.
                let private = env_path("ODBCSYSINI").is_some() && iodbc_override().0.is_none();
                if !private && (self.os == TargetOs::Macos || iodbc_present()) {
                    v.push(Dm::Iodbc);
                }
                v
            }
        }
    }

    pub fn files(&self, dm: Dm, scope: Scope) -> Result<IniFiles, String> {
        if let Some(root) = &self.root {
            return match scope {
                Scope::System => {
                    let dir = match (self.os, dm) {
                        (TargetOs::Macos, Dm::Iodbc) => root.join("Library/ODBC"),
                        (TargetOs::Macos, Dm::UnixOdbc) => root.join("opt/homebrew/etc"),
                        (TargetOs::Linux, _) => root.join("etc"),
                    };
                    Ok(IniFiles {
                        odbcinst: dir.join("odbcinst.ini"),
                        odbc: dir.join("odbc.ini"),
                    })
                }
                Scope::User => self.user_files(dm, false),
            };
        }
        match (dm, scope) {
            (Dm::UnixOdbc, Scope::System) => {
                let (odbcinst, odbc) = unixodbc_system_files();
                Ok(IniFiles { odbcinst, odbc })
            }
            (Dm::Iodbc, Scope::System) => {
                let overridden = iodbc_override();
                let (inst_default, odbc_default) = match self.os {
                    TargetOs::Macos => (
                        PathBuf::from("/Library/ODBC/odbcinst.ini"),
                        PathBuf::from("/Library/ODBC/odbc.ini"),
                    ),
                    TargetOs::Linux => (
                        env_path("SYSODBCINSTINI")
                            .unwrap_or_else(|| PathBuf::from("/etc/odbcinst.ini")),
                        env_path("SYSODBCINI").unwrap_or_else(|| PathBuf::from("/etc/odbc.ini")),
                    ),
                };
                Ok(IniFiles {
                    odbcinst: overridden.0.unwrap_or(inst_default),
                    odbc: overridden.1.unwrap_or(odbc_default),
                })
            }
            (_, Scope::User) => self.user_files(dm, true),
        }
    }

    fn user_files(&self, dm: Dm, use_env: bool) -> Result<IniFiles, String> {
        let home = self.home()?;
        let (inst, odbc) = match (dm, self.os) {
            (Dm::Iodbc, TargetOs::Macos) => (
                home.join("Library/ODBC/odbcinst.ini"),
                home.join("Library/ODBC/odbc.ini"),
            ),
            _ => (home.join(".odbcinst.ini"), home.join(".odbc.ini")),
        };
        if !use_env {
            return Ok(IniFiles {
                odbcinst: inst,
                odbc,
            });
        }
        Ok(match dm {
            Dm::UnixOdbc => IniFiles {
                odbcinst: inst,
                odbc: env_path("ODBCINI").unwrap_or(odbc),
            },
            Dm::Iodbc => {
                let (i, o) = iodbc_override();
                IniFiles {
                    odbcinst: i.unwrap_or(inst),
                    odbc: o.unwrap_or(odbc),
                }
            }
        })
    }
}

/// iODBC's `ODBCINSTINI` / `ODBCINI`, honoured only as absolute paths: unixODBC reads
/// `ODBCINSTINI` as a file name inside `ODBCSYSINI`, and both styles are often set at
/// once for hermetic tests.
fn iodbc_override() -> (Option<PathBuf>, Option<PathBuf>) {
    let abs = |k| env_path(k).filter(|p| p.is_absolute());
    (abs("ODBCINSTINI"), abs("ODBCINI"))
}

fn unixodbc_system_files() -> (PathBuf, PathBuf) {
    if let Some(dir) = env_path("ODBCSYSINI") {
        let inst = env_path("ODBCINSTINI")
            .map(|f| if f.is_absolute() { f } else { dir.join(f) })
            .unwrap_or_else(|| dir.join("odbcinst.ini"));
        return (inst, dir.join("odbc.ini"));
    }
    if let Some(found) = odbcinst_j() {
        return found;
    }
    (
        PathBuf::from("/etc/odbcinst.ini"),
        PathBuf::from("/etc/odbc.ini"),
    )
}

/// `odbcinst -j` knows the build-time paths (Homebrew prefixes, /usr/local builds).
fn odbcinst_j() -> Option<(PathBuf, PathBuf)> {
    let out = std::process::Command::new("odbcinst")
        .arg("-j")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| PathBuf::from(v.trim()))
    };
    Some((field("DRIVERS")?, field("SYSTEM DATA SOURCES")?))
}

fn lib_exists(names: &[&str]) -> bool {
    const DIRS: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/usr/local/lib",
        "/opt/homebrew/lib",
    ];
    DIRS.iter()
        .any(|d| names.iter().any(|n| Path::new(d).join(n).exists()))
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

pub fn unixodbc_present() -> bool {
    on_path("odbcinst") || lib_exists(&["libodbc.so.2", "libodbc.2.dylib"])
}

pub fn iodbc_present() -> bool {
    on_path("iodbctest")
        || on_path("iodbc-config")
        || lib_exists(&["libiodbc.so.2", "libiodbc.2.dylib"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rooted(os: TargetOs) -> Layout {
        Layout {
            os,
            root: Some(PathBuf::from("/r")),
            home: Some(PathBuf::from("/h")),
        }
    }

    #[test]
    fn macos_layout_under_a_root() {
        let l = rooted(TargetOs::Macos);
        assert_eq!(l.managers(DmChoice::Auto), vec![Dm::Iodbc]);
        assert_eq!(
            l.files(Dm::Iodbc, Scope::System).unwrap(),
            IniFiles {
                odbcinst: PathBuf::from("/r/Library/ODBC/odbcinst.ini"),
                odbc: PathBuf::from("/r/Library/ODBC/odbc.ini"),
            }
        );
        assert_eq!(
            l.files(Dm::Iodbc, Scope::User).unwrap(),
            IniFiles {
                odbcinst: PathBuf::from("/h/Library/ODBC/odbcinst.ini"),
                odbc: PathBuf::from("/h/Library/ODBC/odbc.ini"),
            }
        );
        assert_eq!(
            l.files(Dm::UnixOdbc, Scope::System).unwrap().odbcinst,
            PathBuf::from("/r/opt/homebrew/etc/odbcinst.ini")
        );
    }

    #[test]
    fn linux_layout_under_a_root() {
        let l = rooted(TargetOs::Linux);
        assert_eq!(l.managers(DmChoice::Auto), vec![Dm::UnixOdbc]);
        assert_eq!(l.managers(DmChoice::Both), vec![Dm::UnixOdbc, Dm::Iodbc]);
        // Debian's iODBC and unixODBC share /etc: one file for both.
        assert_eq!(
            l.files(Dm::Iodbc, Scope::System).unwrap(),
            l.files(Dm::UnixOdbc, Scope::System).unwrap()
        );
        assert_eq!(
            l.files(Dm::UnixOdbc, Scope::User).unwrap(),
            IniFiles {
                odbcinst: PathBuf::from("/h/.odbcinst.ini"),
                odbc: PathBuf::from("/h/.odbc.ini"),
            }
        );
    }

    #[test]
    fn no_home_is_an_error_for_user_files() {
        let mut l = rooted(TargetOs::Linux);
        l.home = None;
        assert_eq!(
            l.files(Dm::UnixOdbc, Scope::User).unwrap_err(),
            "HOME is not set: cannot find the user's ini files"
        );
    }
}
