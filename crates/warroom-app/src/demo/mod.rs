//! `warroom demo`: the seed's auth-hotfix scenario, end to end, with
//! simulated agents: declare, deploy, brief, send the error log, let the
//! agents talk, export the messages; then (`hotfix`) the fix, the quick
//! checks, the pull request, the canary, the resolution, the report and
//! the postmortem.

mod hotfix;

pub use hotfix::{BRANCH, DemoProduction};

use std::path::PathBuf;
use std::time::{Duration, Instant};
use warroom_model::MessageId;

use warroom_model::Outcome;

use crate::agent::messages::ExportFormat;
use crate::team::deploy::DeployOptions;
use crate::views::{BroadcastResult, DeployResult, MessageResult};
use crate::{App, AppError};

pub const BRIEFING: &str = "CRITICAL: Auth service returning 500 errors.
Users cannot log in. Started 10 minutes ago.
Logs show 'connection pool exhausted' errors.
Priority: Fix immediately.";

pub struct DemoOptions {
    pub team: String,
    /// Kill the team's session at the end instead of leaving it to attach to.
    pub cleanup: bool,
    /// How long to let the agents talk before writing the report.
    pub settle_timeout: Duration,
    /// Where the fix is rolled out; without it the demo stops before the
    /// rollout and says so.
    pub production: Option<DemoProduction>,
}

pub enum DemoStep<'a> {
    Deployed(&'a DeployResult),
    Broadcast(&'a BroadcastResult),
    LogSent(&'a MessageResult),
    Conversation {
        messages: usize,
        settled: bool,
    },
    Exported {
        path: &'a PathBuf,
        count: usize,
    },
    /// The backend developer's fix, committed for it (simulated).
    Fixed {
        branch: &'a str,
        commit: &'a str,
    },
    Checked(&'a crate::CheckView),
    PullRequest(&'a crate::PullRequestView),
    CanaryStarted(&'a crate::RolloutView),
    RolledOut(&'a crate::RolloutView),
    /// The incident resolved (only after a promoted rollout).
    Resolved(&'a str),
    /// The fix did not reach production: the incident stays open.
    StaysOpen(&'a str),
    Reported(&'a PathBuf),
    Postmortem(&'a PathBuf),
    CleanedUp,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoResult {
    pub team: String,
    pub messages: usize,
    pub submitted: usize,
    pub export: PathBuf,
    /// The project the team worked on (the demo's own).
    pub project: PathBuf,
    pub check: String,
    /// How the rollout ended (`promoted`, `rolled-back`), when there was one.
    pub rollout: Option<String>,
    pub report: PathBuf,
    pub postmortem: Option<PathBuf>,
    pub cleaned_up: bool,
    pub tmux_socket: String,
}

impl DemoResult {
    pub fn all_submitted(&self) -> bool {
        self.messages == self.submitted
    }
}

impl App {
    pub fn demo(
        &self,
        options: &DemoOptions,
        progress: &mut dyn FnMut(DemoStep<'_>),
    ) -> Result<DemoResult, AppError> {
        let existing = self.store().team_by_name(&options.team)?;
        if existing.is_some_and(|t| t.ended_at.is_none()) {
            return Err(AppError::bad_input(format!(
                "a team named {} is already running",
                options.team
            ))
            .hint(format!("stop it with: warroom team kill {}", options.team))
            .hint("or run the demo under another name: warroom demo --team <name>"));
        }
        // Declared from its impact first, as the seed's incident commander
        // would: the team then works on an assessed SEV1, not an implicit one.
        let declared = self.declare(&crate::DeclareOptions {
            title: "Auth service returning 500 errors",
            impact: Some("users=10000,availability=down"),
            domain: Some("auth"),
            severity: None,
            slug: None,
            logs: &[],
            compliance: &[],
            team_type: None,
            detected_at: None,
            deploy: false,
            deploy_options: DeployOptions::default(),
        })?;
        let incident = warroom_model::parse_incident_ref(&declared.incident.id);
        let project = self.demo_project(&options.team)?;
        let deploy = self.quick_deploy(
            "backend",
            3,
            &options.team,
            &DeployOptions {
                agent_cli: Some("sim"),
                purpose: None,
                scenario: Some("auth-hotfix"),
                incident,
                // The demo's own project, shared: the simulated agents edit
                // nothing, and the fix goes on the seed's branch.
                no_worktree: true,
                project_dir: Some(&project),
            },
        )?;
        progress(DemoStep::Deployed(&deploy));
        if !deploy.all_ready() {
            return Err(AppError::failed(
                "not every agent started and took its briefing",
            ));
        }
        let broadcast = self.broadcast(&options.team, BRIEFING)?;
        progress(DemoStep::Broadcast(&broadcast));
        let log = self.send(&format!("{}:0", options.team), &error_log(self.now(), 100))?;
        progress(DemoStep::LogSent(&log));

        let (messages, settled) = self.settle(&options.team, options.settle_timeout)?;
        progress(DemoStep::Conversation { messages, settled });

        let dir = self.data_dir.join("reports").join(&options.team);
        let export = dir.join("incident-log.txt");
        let (_, count) = self.export_messages(&options.team, ExportFormat::Text, Some(&export))?;
        progress(DemoStep::Exported {
            path: &export,
            count,
        });
        let commit = self.demo_fix(&project)?;
        progress(DemoStep::Fixed {
            branch: BRANCH,
            commit: &commit,
        });
        let check = self.demo_check(&options.team)?;
        progress(DemoStep::Checked(&check));
        if !check.passed() {
            // Stopped, so the demo can run again; the incident stays on record.
            let _ = self.kill_team(&options.team, false);
            let err = if check.verdict == warroom_ops::checks::Verdict::Error {
                AppError::failed(
                    "the test runner could not run the demo's checks (its words are above); the fix was not judged",
                )
                .hint("the demo's project is Rust: check that `cargo test` works here")
            } else {
                AppError::failed("the fix did not pass its quick checks")
            };
            return Err(err.hint(format!(
                "team {} was stopped; run the demo again when that is fixed",
                options.team
            )));
        }
        let pr = self.demo_pull_request(&options.team)?;
        progress(DemoStep::PullRequest(&pr));
        let rollout = match &options.production {
            Some(production) => {
                let mut started = |v: &crate::RolloutView| progress(DemoStep::CanaryStarted(v));
                let done = self.demo_rollout(&options.team, production, &mut started)?;
                progress(DemoStep::RolledOut(&done));
                Some(done)
            }
            None => None,
        };
        let reference = declared.incident.id.clone();
        let promoted = rollout.as_ref().is_some_and(|r| r.stage == "promoted");
        if promoted {
            self.set_phase(
                &reference,
                "resolved",
                Some("the demo's simulated team leaves its checklist open"),
            )?;
            progress(DemoStep::Resolved(&reference));
        } else if rollout.is_some() {
            progress(DemoStep::StaysOpen(&reference));
        }
        let report = self.write_report(&options.team, "incident", None)?;
        progress(DemoStep::Reported(&report));
        let postmortem = if promoted {
            let (path, _) = self.write_postmortem(&reference, crate::DocFormat::Markdown, None)?;
            progress(DemoStep::Postmortem(&path));
            Some(path)
        } else {
            None
        };

        let all = self.messages(&options.team, MessageId::NEW)?;
        let submitted = all
            .iter()
            .filter(|m| m.outcome == Outcome::Submitted)
            .count();
        if options.cleanup {
            self.kill_team(&options.team, false)?;
            progress(DemoStep::CleanedUp);
        }
        Ok(DemoResult {
            team: options.team.clone(),
            messages: all.len(),
            submitted,
            export,
            project,
            check: check.verdict.to_string(),
            rollout: rollout.map(|r| r.stage),
            report,
            postmortem,
            cleaned_up: options.cleanup,
            tmux_socket: self.tmux.socket().to_string(),
        })
    }

    /// Waits until the agents stop talking: no delivery in flight and no new
    /// message for a while. Returns the message count and whether it settled.
    fn settle(&self, team: &str, timeout: Duration) -> Result<(usize, bool), AppError> {
        let start = Instant::now();
        let quiet_for = Duration::from_millis(1500);
        let mut last_change = Instant::now();
        let mut last_count = usize::MAX;
        loop {
            let messages = self.messages(team, MessageId::NEW)?;
            let pending = messages.iter().any(|m| m.outcome == Outcome::Pending);
            if messages.len() != last_count || pending {
                last_count = messages.len();
                last_change = Instant::now();
            } else if last_change.elapsed() >= quiet_for {
                return Ok((messages.len(), true));
            }
            if start.elapsed() >= timeout {
                return Ok((messages.len(), false));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A hundred lines of an auth service's error log, with the shell and tmux
/// syntax real logs carry: delivered as text, none of it may run.
pub fn error_log(now: warroom_model::Millis, lines: usize) -> String {
    (0..lines)
        .map(|i| {
            let at = chrono::DateTime::from_timestamp_millis(now - ((lines - i) as i64) * 6_000)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                .unwrap_or_default();
            match i % 4 {
                0 => format!("{at} ERROR auth-service[812]: connection pool exhausted (active=50 idle=0 waiting={})", 30 + i % 17),
                1 => format!("{at} ERROR auth-service[812]: POST /login 500 user=$(whoami) next=`id`; rm -rf /tmp/x #{{pane_id}}"),
                2 => format!("{at} WARN  auth-service[812]: src/lib.rs login(): error path returned without pool.release()"),
                _ => format!("{at} ERROR auth-service[812]: timeout acquiring connection after 5000ms; retries=3 && echo done"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
