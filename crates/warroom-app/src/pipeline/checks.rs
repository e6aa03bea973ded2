//! `pm quality-check` and `execute test`: the hotfix branch's committed
//! state, checked out clean (an agent's uncommitted edits neither break nor
//! fake the result), tested by the project's own runners at a tier, with
//! what was selected and why, and the verdict recorded on the incident.

use serde::Serialize;
use warroom_model::IncidentEvent;
use warroom_ops::checks::select::{Chosen, Tier, plan};
use warroom_ops::checks::{Runner, TestStatus, Verdict};
use warroom_store::{AgentRecord, TeamRecord};

use crate::{App, AppError};

/// What `quality_check` is asked.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    pub tier: Tier,
    /// The branch to check; by default the implementing agent's.
    pub branch: Option<&'a str>,
    /// The agent whose branch to check (a role or an agent id).
    pub agent: Option<&'a str>,
    /// What the branch is compared with to find the change.
    pub base: &'a str,
}

/// A failed test, where the runner said why.
#[derive(Debug, Clone, Serialize)]
pub struct FailedTest {
    pub name: String,
    pub message: Option<String>,
}

/// One runner's part of a check.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub runner: Runner,
    /// What was selected, and why.
    pub selected: Vec<Chosen>,
    pub verdict: Verdict,
    pub passed: usize,
    pub failed: Vec<FailedTest>,
    pub flaky: Vec<String>,
    pub skipped: usize,
    pub duration_ms: i64,
    pub results: String,
    /// The runner's last lines when it broke.
    pub output_tail: Option<String>,
}

/// A lint, type or security command the project named in `[checks]`.
#[derive(Debug, Clone, Serialize)]
pub struct CommandView {
    pub name: String,
    pub verdict: Verdict,
    pub duration_ms: i64,
    /// Its last lines when it did not pass.
    pub output_tail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub team: String,
    pub branch: String,
    /// The commit checked: the result belongs to it.
    pub commit: String,
    pub base: String,
    pub tier: Tier,
    pub changed_files: usize,
    pub runs: Vec<RunView>,
    /// The project's own checks; not run by the smoke tier.
    pub commands: Vec<CommandView>,
    pub verdict: Verdict,
    /// Why no test ran, when none did: what to do about it.
    pub nothing_ran_because: Option<String>,
}

impl CheckView {
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

impl App {
    /// Checks the team's hotfix branch at a tier.
    pub fn quality_check(
        &self,
        team: &str,
        options: &CheckOptions<'_>,
    ) -> Result<CheckView, AppError> {
        let team = self.any_team(team)?;
        self.agent_acting_on(&team, "run checks")?;
        let project = std::path::PathBuf::from(&team.project_dir);
        let branch = match options.branch {
            Some(b) => b.to_owned(),
            None => self.hotfix_branch(&team, options.agent)?,
        };
        let commit = self.git.commit_of(&project, &branch).map_err(|e| {
            AppError::bad_input(e.to_string()).hint("name the branch with --branch")
        })?;
        let changed = self
            .git
            .changed_files(&project, options.base, &commit)
            .map_err(|e| {
                AppError::bad_input(e.to_string()).hint("name the base branch with --base")
            })?;
        let short = commit.get(..12).unwrap_or(&commit).to_owned();
        let dir = self.data_dir.join("checks").join(&team.name);
        let checkout = dir.join(format!("{short}-checkout"));
        if checkout.exists() {
            // Left by a check that was killed: never reuse a checkout.
            let _ = self.git.remove(&project, &checkout, true);
            let _ = std::fs::remove_dir_all(&checkout);
        }
        self.git.checkout_detached(&project, &checkout, &commit)?;
        lend_installed_dependencies(&project, &checkout);
        let ran = self.run_checks(&checkout, &dir.join(&short), options.tier, &changed);
        let commands = if ran.is_ok() && options.tier != Tier::Smoke {
            self.run_commands(&checkout)
        } else {
            Vec::new()
        };
        let _ = self.git.remove(&project, &checkout, true);
        let runs = ran?;
        let verdict = overall(&runs, &commands);
        let nothing_ran_because = (verdict == Verdict::NoTests)
            .then(|| nothing_ran(options.tier, &branch, options.base, changed.len()));
        let view = CheckView {
            team: team.name.clone(),
            branch,
            commit,
            base: options.base.to_owned(),
            tier: options.tier,
            changed_files: changed.len(),
            runs,
            commands,
            verdict,
            nothing_ran_because,
        };
        self.record_check(&team, &view)?;
        Ok(view)
    }

    fn run_checks(
        &self,
        checkout: &std::path::Path,
        results: &std::path::Path,
        tier: Tier,
        changed: &[String],
    ) -> Result<Vec<RunView>, AppError> {
        let runners = match &self.config.checks.runners {
            chosen if chosen.is_empty() => self.runners.detect(checkout),
            chosen => chosen.clone(),
        };
        if runners.is_empty() {
            return Err(AppError::bad_input(
                "no test runner found in the project (warroom runs pytest, cargo nextest or cargo test, go test, node --test, jest and vitest)",
            )
            .hint("name one in warroom.toml: [checks] runners = [\"pytest\"]"));
        }
        let layout = self.runners.layout(checkout);
        let mut runs = Vec::new();
        for runner in runners {
            let plan = plan(runner, tier, changed, &layout);
            let dir = results.join(runner.as_str());
            let run = self
                .runners
                .run(runner, checkout, &plan.selection, &dir)
                .map_err(|e| AppError::failed(e.to_string()))?;
            runs.push(RunView {
                runner,
                selected: plan.chosen,
                verdict: run.verdict,
                passed: run.count(TestStatus::Passed) + run.count(TestStatus::Flaky),
                failed: run
                    .tests
                    .iter()
                    .filter(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error))
                    .map(|t| FailedTest {
                        name: t.name.clone(),
                        message: t
                            .message
                            .as_deref()
                            .map(|m| warroom_model::redact::redact(m).text),
                    })
                    .collect(),
                flaky: run
                    .tests
                    .iter()
                    .filter(|t| t.status == TestStatus::Flaky)
                    .map(|t| t.name.clone())
                    .collect(),
                skipped: run.count(TestStatus::Skipped),
                duration_ms: i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX),
                results: run.results.display().to_string(),
                output_tail: run
                    .output_tail
                    .map(|t| warroom_model::redact::redact(&t).text),
            });
        }
        Ok(runs)
    }

    fn run_commands(&self, checkout: &std::path::Path) -> Vec<CommandView> {
        self.config
            .checks
            .commands
            .iter()
            .map(|check| {
                let run = self.runners.run_command(check, checkout);
                CommandView {
                    name: check.name.clone(),
                    verdict: run.verdict,
                    duration_ms: i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX),
                    output_tail: run
                        .output_tail
                        .map(|t| warroom_model::redact::redact(&t).text),
                }
            })
            .collect()
    }

    /// The branch of the agent named, else of the team's implementing agent
    /// (the first with a worktree branch: the developer, window 0).
    pub(crate) fn hotfix_branch(
        &self,
        team: &TeamRecord,
        agent: Option<&str>,
    ) -> Result<String, AppError> {
        let agents = self.store().agents(team.id)?;
        let with_branch = |a: &&AgentRecord| a.branch.is_some();
        let chosen = match agent {
            Some(who) => agents
                .iter()
                .filter(with_branch)
                .find(|a| a.role == who || a.id.to_string() == who),
            None => agents.iter().find(with_branch),
        };
        chosen.and_then(|a| a.branch.clone()).ok_or_else(|| {
            AppError::bad_input(format!(
                "team {} has no agent working on a branch to check",
                team.name
            ))
            .hint("name the branch with --branch hotfix/...")
        })
    }

    fn record_check(&self, team: &TeamRecord, view: &CheckView) -> Result<(), AppError> {
        let event = IncidentEvent::ChecksRun {
            tier: view.tier.to_string(),
            branch: view.branch.clone(),
            commit: view.commit.clone(),
            verdict: view.verdict.to_string(),
            passed: view.runs.iter().map(|r| r.passed).sum(),
            failed: view.runs.iter().map(|r| r.failed.len()).sum(),
            duration_ms: view.runs.iter().map(|r| r.duration_ms).sum(),
            results: view.runs.iter().map(|r| r.results.clone()).collect(),
        };
        let incident = self.store().incident_of_team(team.id)?;
        let actor = self.actor()?.label();
        self.write(&actor, |tx| {
            match incident {
                Some(id) => tx.event_for(Some(team.id), Some(id), &event.clone().into())?,
                None => tx.event(Some(team.id), &event.clone().into())?,
            };
            Ok(())
        })?;
        // A passing full or fast run is the validation the QA todo asks for.
        if let Some(id) = incident
            && view.passed()
            && view.tier != Tier::Smoke
        {
            let open: Vec<warroom_model::TodoId> = self
                .store()
                .todos(id)?
                .into_iter()
                .filter(|t| t.kind == warroom_model::TodoKind::Validate && t.status.is_open())
                .map(|t| t.id)
                .collect();
            let note = format!(
                "{} checks of {} at {} passed",
                view.tier,
                view.branch,
                view.commit.get(..12).unwrap_or(&view.commit)
            );
            for todo in open {
                self.finish_todo(&todo.to_string(), Some(&note), true)?;
            }
        }
        Ok(())
    }
}

/// A checkout holds what is committed; what the project installed beside
/// its code (`node_modules`: jest, vitest and the code's own packages) is
/// lent to it as a link, never copied, never changed by the check.
fn lend_installed_dependencies(project: &std::path::Path, checkout: &std::path::Path) {
    let theirs = project.join("node_modules");
    let ours = checkout.join("node_modules");
    if theirs.is_dir() && !ours.exists() {
        // Best effort: without it, the runner says what is missing.
        let _ = std::os::unix::fs::symlink(&theirs, &ours);
    }
}

/// Why a tier selected no test, in words that say what to do.
fn nothing_ran(tier: Tier, branch: &str, base: &str, changed: usize) -> String {
    let no_smoke =
        "no test is named smoke or critical, and warroom.toml lists none under [checks] smoke";
    match tier {
        Tier::Fast if changed == 0 => format!(
            "nothing changed on {branch} since {base} (commit the fix there, or name its branch with --branch), and {no_smoke}"
        ),
        Tier::Fast => format!("no test covers the {changed} changed files, and {no_smoke}"),
        Tier::Smoke => format!("{no_smoke}; name some, or run the fast or full tier"),
        Tier::Full => "the project's test runners found no tests".to_owned(),
    }
}

/// A check passes only when every runner and command passed; no tests run
/// is a failure whatever the commands said.
fn overall(runs: &[RunView], commands: &[CommandView]) -> Verdict {
    let verdicts = || {
        runs.iter()
            .map(|r| r.verdict)
            .chain(commands.iter().map(|c| c.verdict))
    };
    if verdicts().any(|v| v == Verdict::Fail) {
        Verdict::Fail
    } else if verdicts().any(|v| v == Verdict::Error) {
        Verdict::Error
    } else if runs.iter().all(|r| r.verdict == Verdict::NoTests) {
        Verdict::NoTests
    } else {
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use warroom_ops::checks::{Runner, TestResult, TestStatus, Verdict};

    use super::*;
    use crate::testing::{FakeGit, FakeRunners, TestApp, app_in, team};

    const CONFIG: &str = "[checks]\nrunners = [\"pytest\"]\ncommands = [{ name = \"lint\", run = [\"ruff\", \"check\"] }]\n";

    fn test_app(runners: FakeRunners) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("warroom.toml"), CONFIG).expect("config");
        let mut app = app_in(dir.path(), 1_795_312_800_000, FakeGit::default());
        app.runners = Box::new(runners);
        TestApp { app, dir }
    }

    fn passed(name: &str) -> TestResult {
        TestResult {
            name: name.into(),
            status: TestStatus::Passed,
            message: None,
        }
    }

    fn options(tier: Tier) -> CheckOptions<'static> {
        CheckOptions {
            tier,
            branch: None,
            agent: None,
            base: "main",
        }
    }

    #[test]
    fn named_runners_replace_detection_and_commands_run_beside_the_tests() {
        let runners = FakeRunners {
            detected: vec![Runner::Nextest],
            tests: vec![passed("tests/test_pool.py::test_release")],
            command_verdict: Verdict::Fail,
            calls: std::sync::Arc::default(),
        };
        let calls = std::sync::Arc::clone(&runners.calls);
        let t = test_app(runners);
        team(&t, "auth-hotfix", &["developer"]);
        let view = t
            .app
            .quality_check("auth-hotfix", &options(Tier::Fast))
            .expect("checked");
        assert_eq!(view.branch, "hotfix/auth-hotfix/developer");
        assert_eq!(view.runs.len(), 1);
        assert_eq!(view.runs[0].runner, Runner::Pytest);
        assert_eq!(view.runs[0].verdict, Verdict::Pass);
        // The tests pass, the project's lint does not: the check fails.
        assert_eq!(view.commands[0].verdict, Verdict::Fail);
        assert_eq!(view.verdict, Verdict::Fail);
        let calls = calls.lock().expect("lock").clone();
        assert!(calls[0].starts_with("Pytest "), "{calls:?}");
        assert_eq!(calls[1], "command lint");
    }

    #[test]
    fn the_smoke_tier_runs_no_project_commands() {
        let runners = FakeRunners {
            detected: Vec::new(),
            tests: vec![passed("tests/test_api.py::test_smoke")],
            command_verdict: Verdict::Fail,
            calls: std::sync::Arc::default(),
        };
        let calls = std::sync::Arc::clone(&runners.calls);
        let t = test_app(runners);
        team(&t, "auth-hotfix", &["developer"]);
        let view = t
            .app
            .quality_check("auth-hotfix", &options(Tier::Smoke))
            .expect("checked");
        assert_eq!(view.verdict, Verdict::Pass);
        assert!(view.commands.is_empty());
        assert_eq!(*calls.lock().expect("lock"), ["Pytest Smoke"]);
    }

    #[test]
    fn a_failing_tests_message_is_redacted_before_it_is_shown() {
        let runners = FakeRunners {
            detected: Vec::new(),
            tests: vec![TestResult {
                name: "tests/test_pool.py::test_login".into(),
                status: TestStatus::Failed,
                message: Some(
                    "AssertionError: login with password=hunter2-Secret-Value failed".into(),
                ),
            }],
            command_verdict: Verdict::Pass,
            calls: std::sync::Arc::default(),
        };
        let t = test_app(runners);
        team(&t, "auth-hotfix", &["developer"]);
        let view = t
            .app
            .quality_check("auth-hotfix", &options(Tier::Full))
            .expect("checked");
        assert_eq!(view.verdict, Verdict::Fail);
        let message = view.runs[0].failed[0].message.as_deref().expect("message");
        assert!(
            message.starts_with("AssertionError: login with"),
            "{message}"
        );
        assert!(!message.contains("hunter2-Secret-Value"), "{message}");
    }
}
