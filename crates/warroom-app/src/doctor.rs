//! `warroom doctor`: is this installation fit to run an incident? The store's
//! integrity, tmux, and who can read or change the data directory and the
//! store. Each check says what it found and, when it fails, what to do.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::Serialize;
use warroom_store::IntegrityCheck;

use crate::{App, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    /// Worth fixing, but nothing is at risk yet; does not fail `doctor`.
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorCheck {
    pub name: String,
    pub status: CheckStatus,
    pub summary: String,
    /// The problems found, one a line, and what to do about them.
    pub details: Vec<String>,
}

impl DoctorCheck {
    pub fn new(name: &str, status: CheckStatus, summary: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            status,
            summary: summary.into(),
            details: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorView {
    pub checks: Vec<DoctorCheck>,
}

impl DoctorView {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Fail)
    }
}

impl App {
    /// `doctor [--full]`. The daemon's liveness is the front end's to add:
    /// the daemon's files belong to warroom-server, above this layer.
    pub fn doctor(&self, full: bool) -> Result<DoctorView, AppError> {
        Ok(DoctorView {
            checks: vec![
                self.store_check(full),
                self.tmux_check(),
                data_dir_check(&self.data_dir),
                self.store_files_check(),
            ],
        })
    }

    /// The store's integrity problems, as SQLite words them; empty when
    /// sound. The daemon runs the quick check once at start.
    pub fn store_problems(&self, full: bool) -> Result<Vec<String>, AppError> {
        let check = if full {
            IntegrityCheck::Full
        } else {
            IntegrityCheck::Quick
        };
        Ok(self.store().check_integrity(check)?.problems)
    }

    fn store_check(&self, full: bool) -> DoctorCheck {
        let path = self.store().path().display().to_string();
        let what = if full {
            "full check: pages, b-trees, indexes and references"
        } else {
            "quick check: pages and b-trees (--full also compares indexes and references)"
        };
        let problems = match self.store_problems(full) {
            Ok(problems) => problems,
            Err(e) => {
                return DoctorCheck::new(
                    "store",
                    CheckStatus::Fail,
                    format!("{path}: the check could not run: {e}"),
                );
            }
        };
        if problems.is_empty() {
            let mut check = DoctorCheck::new("store", CheckStatus::Ok, format!("{path}: {what}"));
            if self.store().is_read_only() {
                check.status = CheckStatus::Warn;
                check.details.push(
                    "open read-only: this user cannot write it or its directory, so every \
                     change will fail"
                        .into(),
                );
            }
            return check;
        }
        let mut check = DoctorCheck::new(
            "store",
            CheckStatus::Fail,
            format!("{path} is damaged ({} problems found)", problems.len()),
        );
        check.details = problems;
        check.details.push(format!(
            "stop warroom (warroom daemon stop), keep a copy, then restore a backup or try \
             `sqlite3 {path} .recover` on the copy"
        ));
        check
    }

    fn tmux_check(&self) -> DoctorCheck {
        match self.tmux.version() {
            Ok(version) => DoctorCheck::new(
                "tmux",
                CheckStatus::Ok,
                format!("{version}, private server {}", self.tmux.socket()),
            ),
            Err(e) => DoctorCheck::new("tmux", CheckStatus::Fail, e.to_string()),
        }
    }

    fn store_files_check(&self) -> DoctorCheck {
        let store = self.store().path().to_owned();
        let mut files = vec![store.clone()];
        for suffix in ["-wal", "-shm"] {
            let mut side = store.clone().into_os_string();
            side.push(suffix);
            files.push(side.into());
        }
        let mut check = DoctorCheck::new("store-files", CheckStatus::Ok, "");
        let mut modes = Vec::new();
        for file in files {
            // The -wal and -shm files exist only while a process has the store open.
            let Some(mode) = mode_of(&file) else { continue };
            modes.push(format!("{} {mode:04o}", file.display()));
            if mode & 0o077 != 0 {
                check.status = CheckStatus::Fail;
                check.details.push(format!(
                    "{} is mode {mode:04o}: others can read the incident history; \
                     chmod 600 {}",
                    file.display(),
                    file.display()
                ));
            }
        }
        check.summary = modes.join(", ");
        check
    }
}

fn data_dir_check(dir: &Path) -> DoctorCheck {
    let shown = dir.display();
    let Some(mode) = mode_of(dir) else {
        return DoctorCheck::new("data-dir", CheckStatus::Fail, format!("{shown} is missing"));
    };
    let mut check = DoctorCheck::new("data-dir", CheckStatus::Ok, format!("{shown} {mode:04o}"));
    if mode & 0o022 != 0 {
        // Whoever can write here can swap the store or the daemon's files.
        check.status = CheckStatus::Fail;
        check.details.push(format!(
            "others can write to it (mode {mode:04o}); chmod 700 {shown}"
        ));
    } else if mode & 0o077 != 0 {
        check.status = CheckStatus::Warn;
        check.details.push(format!(
            "others can list it (mode {mode:04o}); warroom makes it 0700: chmod 700 {shown}"
        ));
    }
    check
}

fn mode_of(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}
