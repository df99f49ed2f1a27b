//! The 30-day trial: a marker file holding the day it started.
//!
//! Why it cannot be extended by running the activation again:
//! - activation never rewrites a marker: it refuses when any marker exists and reports
//!   the original start date;
//! - the state is computed from the *earliest* start among the system marker and the
//!   user's marker, so activating again in the other scope (with or without sudo) does
//!   not restart the clock;
//! - a marker that cannot be read as a date counts as an expired trial, so editing it
//!   into garbage ends the trial instead of restarting it;
//! - a clock set back before the start date gives 30 days, never more.
//!
//! This is a courtesy boundary, not copy protection: the source is open, source builds
//! never refuse connections, and a user who deletes every marker can start again. The
//! system marker (written by root) is what makes the trial once per machine.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::paths::{Paths, Scope};

pub const TRIAL_DAYS: i64 = 30;

/// What a marker says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    Started(NaiveDate),
    /// Present but unreadable or edited: treated as an expired trial.
    Damaged {
        path: PathBuf,
        reason: String,
    },
}

/// The trial as the markers describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrialState {
    NotStarted,
    Active {
        started: NaiveDate,
        days_left: i64,
    },
    Expired {
        /// `None` when a damaged marker ended it.
        started: Option<NaiveDate>,
    },
}

pub fn read_marker(path: &Path) -> Option<Marker> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(Marker::Damaged {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    let started = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("started="))
        .next()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    Some(match started {
        Some(d) => Marker::Started(d),
        None => Marker::Damaged {
            path: path.to_path_buf(),
            reason: "no 'started=YYYY-MM-DD' line".into(),
        },
    })
}

/// Earliest start over the system marker and the user's marker.
pub fn state(paths: &Paths, today: NaiveDate) -> TrialState {
    let markers: Vec<Marker> = [Scope::System, Scope::User]
        .into_iter()
        .filter_map(|s| paths.trial_file(s))
        .filter_map(|p| read_marker(&p))
        .collect();
    if markers.is_empty() {
        return TrialState::NotStarted;
    }
    if markers.iter().any(|m| matches!(m, Marker::Damaged { .. })) {
        return TrialState::Expired { started: None };
    }
    let Some(started) = markers
        .iter()
        .filter_map(|m| match m {
            Marker::Started(d) => Some(*d),
            Marker::Damaged { .. } => None,
        })
        .min()
    else {
        return TrialState::NotStarted;
    };
    let days_left = (TRIAL_DAYS - (today - started).num_days()).min(TRIAL_DAYS);
    if days_left <= 0 {
        TrialState::Expired {
            started: Some(started),
        }
    } else {
        TrialState::Active { started, days_left }
    }
}

/// What activating did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activation {
    Started {
        marker: PathBuf,
        days_left: i64,
    },
    /// A trial already runs: nothing was written.
    AlreadyActive {
        started: NaiveDate,
        days_left: i64,
    },
    /// The machine's trial is over: nothing was written.
    Expired {
        started: Option<NaiveDate>,
    },
}

/// Starts the trial in `scope` unless one was ever started (in either scope).
pub fn activate(
    paths: &Paths,
    scope: Scope,
    activated_by: &str,
    today: NaiveDate,
) -> Result<Activation, String> {
    match state(paths, today) {
        TrialState::Active { started, days_left } => {
            return Ok(Activation::AlreadyActive { started, days_left })
        }
        TrialState::Expired { started } => return Ok(Activation::Expired { started }),
        TrialState::NotStarted => {}
    }
    let path = paths.trial_file(scope).ok_or_else(|| {
        "cannot tell where the per-user trial marker goes: HOME is not set (set KINTONE_ODBC_USER_DIR)".to_string()
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let by: String = activated_by.chars().filter(|c| !c.is_control()).collect();
    let text = format!(
        "# Kintone ODBC driver: 30-day trial marker. The trial is activated once per machine;\n\
         # deleting or editing this file does not start a new trial.\n\
         started={}\nby={by}\n",
        today.format("%Y-%m-%d")
    );
    // create_new: two activations racing cannot both write a start date.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot write the trial marker {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write the trial marker {}: {e}", path.display()))?;
    Ok(Activation::Started {
        marker: path,
        days_left: TRIAL_DAYS,
    })
}
