//! The demo's second half, the seed's steps 5 to 7 and the end of the
//! incident: a real project (a small Rust auth service with the seed's
//! connection leak), the fix committed on the seed's branch on the backend
//! developer's behalf, the real quick checks, the pull request (opened when
//! a forge is configured, otherwise pushed to a local remote and shown),
//! the canary rolled out by the runbook to a real small production on
//! 127.0.0.1, and the incident resolved with its report and postmortem.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warroom_model::Span;
use warroom_model::rollout::{
    CheckKind, CheckSpec, CommandSpec, DeployGate, NoDataPolicy, Runbook, Step,
};

use crate::{App, AppError, CanaryOptions, CheckOptions, PullRequestOptions, Tier};

/// The seed's branch.
pub const BRANCH: &str = "hotfix/auth-connection-leak";
const AUTHOR: &str = "Senior Backend Developer (simulated) <backend-dev@warroom.invalid>";

/// The small production the CLI started: a router in front of the stable
/// version and the canary, and how to set the canary's weight.
#[derive(Debug, Clone)]
pub struct DemoProduction {
    /// host:port of the router.
    pub router: String,
    /// host:port of the canary version.
    pub canary: String,
    /// The set-weight command without its weight (`warroom demo-service
    /// set-weight --router …`).
    pub set_weight: Vec<String>,
}

const CARGO_TOML: &str = "[package]\nname = \"auth-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n# A project of its own, wherever the demo's data directory is.\n[workspace]\n";

const LIB: &str = r#"//! The auth service's connection pool, as the seed's incident found it.

pub struct Connection;

pub struct Pool {
    free: usize,
}

impl Pool {
    pub fn new(size: usize) -> Self {
        Self { free: size }
    }

    pub fn free(&self) -> usize {
        self.free
    }

    pub fn take(&mut self) -> Option<Connection> {
        self.free = self.free.checked_sub(1)?;
        Some(Connection)
    }

    pub fn release(&mut self, _connection: Connection) {
        self.free += 1;
    }
}

/// A login: a connection for the password check, given back after.
pub fn login(pool: &mut Pool, password_ok: bool) -> Result<(), &'static str> {
    let connection = pool.take().ok_or("connection pool exhausted")?;
    if !password_ok {
        // The error path keeps the connection.
        return Err("bad password");
    }
    pool.release(connection);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoke_a_good_login_succeeds() {
        assert_eq!(login(&mut Pool::new(2), true), Ok(()));
    }

    #[test]
    fn a_failed_login_gives_its_connection_back() {
        let mut pool = Pool::new(2);
        let _ = login(&mut pool, false);
        assert_eq!(pool.free(), 2, "the failed login leaked its connection");
    }
}
"#;

const FIX_FROM: &str =
    "        // The error path keeps the connection.\n        return Err(\"bad password\");";
const FIX_TO: &str = "        // Every path gives the connection back.\n        pool.release(connection);\n        return Err(\"bad password\");";

impl App {
    /// A fresh copy of the demo's service under the data directory, on
    /// `main` with the leak, with a local bare remote.
    pub(crate) fn demo_project(&self, team: &str) -> Result<PathBuf, AppError> {
        let base = self
            .data_dir
            .join("demo")
            .join(format!("{team}-{}", self.now()));
        let project = base.join("auth-service");
        let io = |what: &str, e: std::io::Error| AppError::failed(format!("{what}: {e}"));
        std::fs::create_dir_all(project.join("src")).map_err(|e| io("making the project", e))?;
        std::fs::write(project.join("Cargo.toml"), CARGO_TOML)
            .map_err(|e| io("writing Cargo.toml", e))?;
        std::fs::write(project.join("src/lib.rs"), LIB).map_err(|e| io("writing src/lib.rs", e))?;
        std::fs::write(project.join(".gitignore"), "target/\n")
            .map_err(|e| io("writing .gitignore", e))?;
        self.git
            .commit_all(&project, "main", AUTHOR, "auth service with the pool")?;
        self.git.add_bare_remote(
            &project,
            &self.config.forge.remote,
            &base.join("remote.git"),
        )?;
        Ok(project)
    }

    /// The backend developer's fix, committed on the seed's branch (the
    /// simulated agents write no code: the demo commits it for them).
    pub(crate) fn demo_fix(&self, project: &Path) -> Result<String, AppError> {
        let lib = project.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib)
            .map_err(|e| AppError::failed(format!("reading {}: {e}", lib.display())))?;
        std::fs::write(&lib, text.replace(FIX_FROM, FIX_TO))
            .map_err(|e| AppError::failed(format!("writing {}: {e}", lib.display())))?;
        Ok(self.git.commit_all(
            project,
            BRANCH,
            AUTHOR,
            "Give the connection back on the failed-login path",
        )?)
    }

    pub(crate) fn demo_check(&self, team: &str) -> Result<crate::CheckView, AppError> {
        self.quality_check(
            team,
            &CheckOptions {
                tier: Tier::Fast,
                branch: Some(BRANCH),
                agent: None,
                base: "main",
            },
        )
    }

    /// Opens the pull request when a forge is configured (`[forge] repo`
    /// and a token); otherwise pushes the branch to the demo's local remote
    /// and shows the pull request, not opened.
    pub(crate) fn demo_pull_request(&self, team: &str) -> Result<crate::PullRequestView, AppError> {
        let forge_configured = self.config.forge.repo.is_some() && self.forge.ready().is_ok();
        if !forge_configured {
            let project = std::path::PathBuf::from(&self.any_team(team)?.project_dir);
            self.git.push(&project, &self.config.forge.remote, BRANCH)?;
        }
        self.create_pr(
            team,
            &PullRequestOptions {
                branch: Some(BRANCH),
                agent: None,
                base: "main",
                emergency: true,
                skip_full_tests: false,
                force: None,
                dry_run: !forge_configured,
            },
        )
    }

    /// The seed's plan as a runbook (5 %, then everything; the bake is
    /// seconds here, minutes in production), started and driven in this
    /// process until it ends, as the daemon would.
    pub(crate) fn demo_rollout(
        &self,
        team: &str,
        production: &DemoProduction,
        on_start: &mut dyn FnMut(&crate::RolloutView),
    ) -> Result<crate::RolloutView, AppError> {
        let command = |weight: &str| CommandSpec {
            run: production
                .set_weight
                .iter()
                .cloned()
                .chain([weight.to_owned()])
                .collect(),
            timeout: Span::from_millis(5_000),
        };
        let http = |name: &str, url: String| CheckSpec {
            name: name.to_owned(),
            kind: CheckKind::Http {
                url,
                status: 200,
                body: None,
            },
            interval: Span::from_millis(1_000),
            timeout: Span::from_millis(2_000),
            failure_limit: 0,
            consecutive_error_limit: 2,
            inconclusive_limit: 0,
            on_no_data: NoDataPolicy::Fail,
        };
        let runbook = Runbook {
            stable_version: "v1".into(),
            version: "v2".into(),
            set_weight: command("{weight}"),
            rollback: command("0"),
            steps: vec![
                Step {
                    weight: 5,
                    bake: Span::from_millis(5_000),
                    checks: vec!["canary-health".into(), "served".into()],
                    manual_gate: false,
                },
                Step {
                    weight: 100,
                    bake: Span::from_millis(2_000),
                    checks: vec!["served".into()],
                    manual_gate: false,
                },
            ],
            checks: vec![
                http(
                    "canary-health",
                    format!("http://{}/health", production.canary),
                ),
                http("served", format!("http://{}/", production.router)),
            ],
            after_rollback: Some("served".into()),
            gates: vec![DeployGate::Checks],
        };
        let started = self.start_rollout(
            team,
            &CanaryOptions {
                branch: Some(BRANCH),
                agent: None,
                retry: false,
            },
            runbook,
        )?;
        on_start(&started);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            self.drive_rollouts()?;
            let view = self.rollout_status(team)?;
            if view.done() || Instant::now() >= deadline {
                return Ok(view);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
