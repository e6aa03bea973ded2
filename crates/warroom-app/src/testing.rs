//! Unit tests of the application's decisions, without tmux: an App on a
//! temp store whose git is a fake, and teams written straight to the store.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use warroom_ops::{GitError, Worktrees};
use warroom_store::{AgentRecord, NewAgent, NewTeam, TeamRecord};
use warroom_tmux::Socket;

use crate::{App, AppOptions, Clock};

/// git as a test scripts it: what is uncommitted, and what was removed.
#[derive(Default)]
pub(crate) struct FakeGit {
    pub uncommitted: Vec<String>,
    pub removed: Mutex<Vec<PathBuf>>,
    /// Branches pushed, shared with the test after the App owns the fake.
    pub pushed: std::sync::Arc<Mutex<Vec<String>>>,
}

impl Worktrees for FakeGit {
    fn is_repository(&self, _dir: &Path) -> bool {
        true
    }
    fn create(&self, _project: &Path, path: &Path, _branch: &str) -> Result<(), GitError> {
        std::fs::create_dir_all(path).map_err(|source| GitError::Dir {
            path: path.display().to_string(),
            source,
        })
    }
    fn uncommitted(&self, _path: &Path) -> Result<Vec<String>, GitError> {
        Ok(self.uncommitted.clone())
    }
    fn tracks(&self, _dir: &Path, _file: &Path) -> bool {
        false
    }
    fn keep_out_of_commits(&self, _dir: &Path, _file: &Path) -> Result<(), GitError> {
        Ok(())
    }
    fn remove(&self, _project: &Path, path: &Path, _force: bool) -> Result<(), GitError> {
        self.removed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(path.to_owned());
        Ok(())
    }
    fn summary(&self, _path: &Path) -> Result<String, GitError> {
        Ok(format!(
            "newest commit abc123 fix the leak; {} uncommitted",
            self.uncommitted.len()
        ))
    }
    fn commit_of(&self, _project: &Path, rev: &str) -> Result<String, GitError> {
        Ok(format!("{rev}-commit"))
    }
    fn changed_files(
        &self,
        _project: &Path,
        _base: &str,
        _head: &str,
    ) -> Result<Vec<String>, GitError> {
        Ok(Vec::new())
    }
    fn checkout_detached(
        &self,
        _project: &Path,
        path: &Path,
        _commit: &str,
    ) -> Result<(), GitError> {
        self.create(Path::new(""), path, "")
    }
    fn diff_stat(&self, _project: &Path, _base: &str, _head: &str) -> Result<String, GitError> {
        Ok(" auth/pool.py | 2 +-".into())
    }
    fn remote_url(&self, _project: &Path, _remote: &str) -> Result<String, GitError> {
        Ok("git@github.com:acme/auth.git".into())
    }
    fn push(&self, _project: &Path, remote: &str, branch: &str) -> Result<(), GitError> {
        self.pushed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(format!("{remote} {branch}"));
        Ok(())
    }
    fn commit_all(
        &self,
        _dir: &Path,
        _branch: &str,
        _author: &str,
        _message: &str,
    ) -> Result<String, GitError> {
        Ok("0".repeat(40))
    }
    fn add_bare_remote(&self, _project: &Path, _name: &str, _path: &Path) -> Result<(), GitError> {
        Ok(())
    }
}

pub(crate) struct TestApp {
    pub app: App,
    pub dir: tempfile::TempDir,
}

/// An App on a temp data dir, a tmux socket no test starts, and `git`.
pub(crate) fn app(git: FakeGit) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = app_in(dir.path(), 1_795_312_800_000, git);
    TestApp { app, dir }
}

/// An App on `dir`'s data dir (and `dir/warroom.toml` when there is one),
/// its drill clock reading `now`.
pub(crate) fn app_in(dir: &Path, now: i64, git: FakeGit) -> App {
    let config = dir.join("warroom.toml");
    let mut app = App::open(AppOptions {
        data_dir: dir.join("data"),
        tmux_socket: Socket::Path(dir.join("no-tmux.sock")),
        project_dir: dir.to_owned(),
        config_layers: config.exists().then_some(config).into_iter().collect(),
        clock: Clock::drill(now),
        operator: "alice".into(),
        agent_id: None,
        warroom_exe: PathBuf::from("/bin/false"),
    })
    .expect("app");
    app.git = Box::new(git);
    app
}

/// Notifications as a test sees them: every payload handed over, each
/// delivered at once.
#[derive(Default)]
pub(crate) struct FakeNotify {
    pub sent: std::sync::Arc<Mutex<Vec<warroom_ops::Payload>>>,
}

impl warroom_ops::Notify for FakeNotify {
    fn deliver(
        &self,
        _channel: &warroom_ops::ChannelSpec,
        payload: &warroom_ops::Payload,
    ) -> warroom_ops::Delivery {
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(payload.clone());
        warroom_ops::Delivery {
            attempts: 1,
            result: Ok(()),
        }
    }
}

/// A forge as a test scripts it: whether a token is at hand, and every
/// call it was asked, in order. It knows one pull request, #7, once opened.
#[derive(Default)]
pub(crate) struct FakeForge {
    pub no_token: bool,
    pub calls: std::sync::Arc<Mutex<Vec<String>>>,
}

impl warroom_ops::PullRequests for FakeForge {
    fn ready(&self) -> Result<(), warroom_ops::ForgeError> {
        if self.no_token {
            Err(warroom_ops::ForgeError::NoToken)
        } else {
            Ok(())
        }
    }
    fn open(
        &self,
        target: &warroom_ops::ForgeTarget,
        draft: &warroom_ops::PullRequestDraft,
    ) -> Result<(warroom_ops::PullRequest, warroom_ops::Opened), warroom_ops::ForgeError> {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let opened = if calls.iter().any(|c| c.starts_with("open")) {
            warroom_ops::Opened::Updated
        } else {
            warroom_ops::Opened::Created
        };
        calls.push(format!(
            "open {} {} <- {}",
            target.repo, draft.base, draft.head
        ));
        Ok((
            warroom_ops::PullRequest {
                number: 7,
                html_url: format!("https://forge.test/{}/pull/7", target.repo),
            },
            opened,
        ))
    }
    fn expedite(
        &self,
        _target: &warroom_ops::ForgeTarget,
        pr: &warroom_ops::PullRequest,
        labels: &[String],
        reviewers: &[String],
    ) -> Result<(), warroom_ops::ForgeError> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(format!(
                "expedite #{} labels {} reviewers {}",
                pr.number,
                labels.join(","),
                reviewers.join(",")
            ));
        Ok(())
    }
}

/// Test runners as a test scripts them: the runners "detected", the tests
/// every run reports, the verdict of every project command, and each call.
pub(crate) struct FakeRunners {
    pub detected: Vec<warroom_ops::checks::Runner>,
    pub tests: Vec<warroom_ops::checks::TestResult>,
    pub command_verdict: warroom_ops::checks::Verdict,
    pub calls: std::sync::Arc<Mutex<Vec<String>>>,
}

impl warroom_ops::checks::TestRunners for FakeRunners {
    fn detect(&self, _dir: &Path) -> Vec<warroom_ops::checks::Runner> {
        self.detected.clone()
    }
    fn layout(&self, _dir: &Path) -> warroom_ops::checks::select::Layout {
        warroom_ops::checks::select::Layout::default()
    }
    fn run(
        &self,
        runner: warroom_ops::checks::Runner,
        _dir: &Path,
        selection: &warroom_ops::checks::Selection,
        results: &Path,
    ) -> Result<warroom_ops::checks::TestRun, warroom_ops::checks::ChecksError> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(format!("{runner:?} {selection:?}"));
        let failed = self.tests.iter().any(|t| {
            matches!(
                t.status,
                warroom_ops::checks::TestStatus::Failed | warroom_ops::checks::TestStatus::Error
            )
        });
        Ok(warroom_ops::checks::TestRun {
            runner,
            verdict: if failed {
                warroom_ops::checks::Verdict::Fail
            } else {
                warroom_ops::checks::Verdict::Pass
            },
            tests: self.tests.clone(),
            duration: std::time::Duration::from_millis(5),
            results: results.join("junit.xml"),
            output_tail: None,
        })
    }
    fn run_command(
        &self,
        check: &warroom_ops::checks::CommandCheck,
        _dir: &Path,
    ) -> warroom_ops::checks::CommandRun {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(format!("command {}", check.name));
        warroom_ops::checks::CommandRun {
            verdict: self.command_verdict,
            duration: std::time::Duration::from_millis(1),
            output_tail: Some("auth/retry.py:2: invalid syntax".into()),
        }
    }
}

/// A team of `roles` in the store (window 0 first), each agent in a
/// worktree directory that exists.
pub(crate) fn team(t: &TestApp, name: &str, roles: &[&str]) -> (TeamRecord, Vec<AgentRecord>) {
    let project = t.dir.path().to_string_lossy().into_owned();
    let workdirs: Vec<PathBuf> = roles
        .iter()
        .map(|r| t.dir.path().join("worktrees").join(name).join(r))
        .collect();
    for w in &workdirs {
        std::fs::create_dir_all(w).expect("workdir");
    }
    t.app
        .write("alice", |tx| {
            let team = tx.create_team(&NewTeam {
                name,
                team_type: Some("backend"),
                project_dir: &project,
                purpose: Some("Fix the auth 500s"),
                tmux_socket: "no-tmux.sock",
            })?;
            let mut agents = Vec::new();
            for (window, role) in roles.iter().enumerate() {
                let agent = tx.add_agent(&NewAgent {
                    team_id: team.id,
                    window: window as u32,
                    role,
                    display_name: role,
                    cli: "sim",
                    configured_cli: "sim",
                    command: &[],
                })?;
                let workdir = workdirs[window].to_string_lossy().into_owned();
                let branch = format!("hotfix/{name}/{role}");
                tx.set_workdir(&agent, &workdir, Some(&branch))?;
                agents.push(agent);
            }
            Ok((team, agents))
        })
        .expect("team")
}
