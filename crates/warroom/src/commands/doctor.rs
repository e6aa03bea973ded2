//! `doctor`: the app's checks, plus the daemon's, whose status lives with
//! the daemon's files in this layer.

use std::io::Write;

use anyhow::Result;
use warroom_app::{App, CheckStatus, DoctorCheck};
use warroom_model::span::human;
use warroom_server::{DaemonPaths, Probe, VERSION};

use super::fail_if;
use crate::output::{WIDTH, json, wrap};

/// Where a check's text starts, after its status and name.
const INDENT: usize = 19;

/// A daemon writes its heartbeat every few seconds; this much silence means
/// it is stuck.
const HEARTBEAT_STALE_MS: i64 = 30_000;

pub fn run(app: &App, full: bool, as_json: bool) -> Result<()> {
    let mut view = app.doctor(full)?;
    view.checks.push(daemon_check(app));
    let passed = view.passed();
    if as_json {
        json(&serde_json::json!({ "passed": passed, "checks": view.checks }))?;
    } else {
        let mut out = std::io::stdout().lock();
        for check in &view.checks {
            let status = match check.status {
                CheckStatus::Ok => "ok",
                CheckStatus::Warn => "WARN",
                CheckStatus::Fail => "FAIL",
            };
            // Paths and SQLite's findings are long: wrapped beside the
            // status and name columns.
            let mut lead = format!("{status:<5} {:<12} ", check.name);
            for text in std::iter::once(&check.summary).chain(&check.details) {
                for line in wrap(text, WIDTH - INDENT) {
                    writeln!(out, "{lead}{line}")?;
                    lead = " ".repeat(INDENT);
                }
            }
        }
        let failed = view
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .count();
        match failed {
            0 => writeln!(out, "All checks passed.")?,
            1 => writeln!(out, "1 check failed.")?,
            n => writeln!(out, "{n} checks failed.")?,
        }
    }
    fail_if(!passed)
}

fn daemon_check(app: &App) -> DoctorCheck {
    let probe = match DaemonPaths::new(app.data_dir()).probe() {
        Ok(probe) => probe,
        Err(e) => return DoctorCheck::new("daemon", CheckStatus::Fail, e.to_string()),
    };
    let now = app.clock().now();
    match probe {
        Probe::Running(info) => {
            let silent = now - info.heartbeat_at;
            let mut check = DoctorCheck::new(
                "daemon",
                CheckStatus::Ok,
                format!(
                    "running, pid {}, version {}, last heartbeat {} ago",
                    info.pid,
                    info.version,
                    human(silent.max(0))
                ),
            );
            if silent > HEARTBEAT_STALE_MS {
                check.status = CheckStatus::Warn;
                check.details.push(format!(
                    "it has not written its heartbeat for {}: look at warroom daemon logs",
                    human(silent)
                ));
            }
            if info.version != VERSION {
                check.status = CheckStatus::Warn;
                check.details.push(format!(
                    "this warroom is {VERSION}; the next quick-deploy or daemon start replaces it"
                ));
            }
            check
        }
        Probe::Stopped { .. } => {
            let teams = app.list_teams().map(|t| t.len()).unwrap_or(0);
            let incidents = app.has_open_incidents().unwrap_or(false);
            if teams == 0 && !incidents {
                return DoctorCheck::new(
                    "daemon",
                    CheckStatus::Ok,
                    "not running; nothing to watch (no live team, no open incident)",
                );
            }
            let mut check = DoctorCheck::new("daemon", CheckStatus::Warn, "not running");
            check.details.push(format!(
                "{teams} live team(s){}: crashed agents are not restarted and timers do not \
                 run; warroom daemon start",
                if incidents { " and open incidents" } else { "" }
            ));
            check
        }
    }
}
