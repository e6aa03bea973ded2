//! git, the only place warroom runs it: each agent's own worktree of the
//! project on its own branch, its state, and its removal. Behind the
//! [`Worktrees`] trait so the application can be tested without git; tested
//! here against real repositories.

use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{what}: could not run git: {source}")]
    Spawn {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {message}")]
    Failed { what: String, message: String },
    #[error("{path}: {source}")]
    Dir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What the application asks of git.
pub trait Worktrees: Send + Sync {
    /// Whether `dir` is inside a git work tree with at least one commit.
    fn is_repository(&self, dir: &Path) -> bool;
    /// Adds a worktree at `path` on `branch`: created from HEAD unless it
    /// exists, in which case its commits are kept and checked out.
    fn create(&self, project: &Path, path: &Path, branch: &str) -> Result<(), GitError>;
    /// What is uncommitted (`git status --porcelain`), empty when clean.
    /// warroom's own `.warroom/` files do not count.
    fn uncommitted(&self, path: &Path) -> Result<Vec<String>, GitError>;
    /// Whether git tracks `file` in the work tree at `dir`.
    fn tracks(&self, dir: &Path, file: &Path) -> bool;
    /// Keeps `file`, a file warroom wrote for an agent's CLI inside the
    /// agent's directory `dir`, out of what the agent commits: a tracked
    /// file is marked skip-worktree (in this worktree's index only); an
    /// untracked one is ignored by a `.gitignore` beside it, unless git
    /// ignores it already. Nothing happens outside a repository.
    fn keep_out_of_commits(&self, dir: &Path, file: &Path) -> Result<(), GitError>;
    /// Removes a worktree; its branch stays (it may hold the fix).
    fn remove(&self, project: &Path, path: &Path, force: bool) -> Result<(), GitError>;
    /// Where a worktree stands, in one line: its newest commit and what is
    /// uncommitted.
    fn summary(&self, path: &Path) -> Result<String, GitError>;
    /// The commit a branch or revision names (its full hash).
    fn commit_of(&self, project: &Path, rev: &str) -> Result<String, GitError>;
    /// The files changed on `head` since it left `base` (`base...head`).
    fn changed_files(
        &self,
        project: &Path,
        base: &str,
        head: &str,
    ) -> Result<Vec<String>, GitError>;
    /// A clean checkout of `commit` at `path`, on no branch.
    fn checkout_detached(&self, project: &Path, path: &Path, commit: &str) -> Result<(), GitError>;
    /// `git diff --stat base...head`: what a pull request changes.
    fn diff_stat(&self, project: &Path, base: &str, head: &str) -> Result<String, GitError>;
    /// The URL of a remote.
    fn remote_url(&self, project: &Path, remote: &str) -> Result<String, GitError>;
    /// Pushes a branch to a remote with the engineer's own credentials.
    fn push(&self, project: &Path, remote: &str, branch: &str) -> Result<(), GitError>;
    /// Commits everything in `dir` (a new repository on `main` when it is
    /// none yet) as `author` ("Name <email>"), on `branch` (made from HEAD
    /// when new). Returns the commit. The demo's project is made this way.
    fn commit_all(
        &self,
        dir: &Path,
        branch: &str,
        author: &str,
        message: &str,
    ) -> Result<String, GitError>;
    /// A bare repository at `path`, added to `project` as remote `name`.
    fn add_bare_remote(&self, project: &Path, name: &str, path: &Path) -> Result<(), GitError>;
}

/// The `git` on PATH, with the engineer's own configuration, hooks and
/// credentials; `with_env` adds variables (tests give it a hermetic
/// config).
#[derive(Debug, Clone, Default)]
pub struct Git {
    env: Vec<(String, String)>,
}

impl Git {
    pub fn with_env(env: Vec<(String, String)>) -> Self {
        Self { env }
    }

    fn git(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(dir);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }
}

fn run(mut cmd: Command, what: &str) -> Result<String, GitError> {
    let out = cmd.output().map_err(|source| GitError::Spawn {
        what: what.to_owned(),
        source,
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(GitError::Failed {
            what: what.to_owned(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

impl Worktrees for Git {
    fn is_repository(&self, dir: &Path) -> bool {
        let mut cmd = self.git(dir);
        cmd.args(["rev-parse", "--verify", "--quiet", "HEAD"]);
        cmd.output().is_ok_and(|o| o.status.success())
    }

    fn create(&self, project: &Path, path: &Path, branch: &str) -> Result<(), GitError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Dir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let mut exists = self.git(project);
        exists.args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ]);
        let branch_exists = exists.output().is_ok_and(|o| o.status.success());
        let mut add = self.git(project);
        add.args(["worktree", "add", "--quiet"]);
        if branch_exists {
            add.arg(path).arg(branch);
        } else {
            add.args(["-b", branch]).arg(path).arg("HEAD");
        }
        run(add, &format!("git worktree add {}", path.display()))?;
        Ok(())
    }

    fn uncommitted(&self, path: &Path) -> Result<Vec<String>, GitError> {
        let mut status = self.git(path);
        status.args(["status", "--porcelain", "--untracked-files=all"]);
        Ok(run(status, &format!("git status in {}", path.display()))?
            .lines()
            .filter(|l| !l[3.min(l.len())..].starts_with(".warroom/"))
            .map(str::to_owned)
            .collect())
    }

    fn tracks(&self, dir: &Path, file: &Path) -> bool {
        let Ok(relative) = file.strip_prefix(dir) else {
            return false;
        };
        let mut cmd = self.git(dir);
        cmd.args(["ls-files", "--error-unmatch", "--"])
            .arg(relative);
        cmd.output().is_ok_and(|o| o.status.success())
    }

    fn keep_out_of_commits(&self, dir: &Path, file: &Path) -> Result<(), GitError> {
        let Ok(relative) = file.strip_prefix(dir) else {
            return Ok(());
        };
        if !self.is_repository(dir) {
            return Ok(());
        }
        let rel = relative.as_os_str();
        let what = format!("keeping {} out of commits", file.display());
        if self.tracks(dir, file) {
            let mut skip = self.git(dir);
            skip.args(["update-index", "--skip-worktree", "--"])
                .arg(rel);
            return run(skip, &what).map(drop);
        }
        let mut ignored = self.git(dir);
        ignored.args(["check-ignore", "-q", "--"]).arg(rel);
        if ignored.output().is_ok_and(|o| o.status.success()) {
            return Ok(());
        }
        let (Some(parent), Some(name)) = (file.parent(), file.file_name()) else {
            return Ok(());
        };
        let ignore = parent.join(".gitignore");
        // The project's own .gitignore there is not rewritten: this only
        // adds one where there is none (the file and the ignore itself).
        if parent == dir || ignore.exists() {
            return Ok(());
        }
        let text = format!(
            "# Written by warroom for this agent's CLI; never committed.\n{}\n.gitignore\n",
            name.to_string_lossy()
        );
        std::fs::write(&ignore, text).map_err(|source| GitError::Dir {
            path: ignore.display().to_string(),
            source,
        })
    }

    fn remove(&self, project: &Path, path: &Path, force: bool) -> Result<(), GitError> {
        let mut cmd = self.git(project);
        cmd.args(["worktree", "remove"]);
        if force {
            cmd.arg("--force");
        }
        cmd.arg(path);
        run(cmd, &format!("git worktree remove {}", path.display()))?;
        Ok(())
    }

    fn commit_of(&self, project: &Path, rev: &str) -> Result<String, GitError> {
        let mut cmd = self.git(project);
        cmd.args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"));
        Ok(run(cmd, &format!("no commit named {rev:?}"))?
            .trim()
            .to_owned())
    }

    fn changed_files(
        &self,
        project: &Path,
        base: &str,
        head: &str,
    ) -> Result<Vec<String>, GitError> {
        let mut cmd = self.git(project);
        cmd.args(["diff", "--name-only", "--end-of-options"])
            .arg(format!("{base}...{head}"));
        Ok(run(cmd, &format!("git diff {base}...{head}"))?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }

    fn checkout_detached(&self, project: &Path, path: &Path, commit: &str) -> Result<(), GitError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GitError::Dir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let mut cmd = self.git(project);
        cmd.args(["worktree", "add", "--quiet", "--detach"])
            .arg(path)
            .arg(commit);
        run(cmd, &format!("git worktree add {}", path.display()))?;
        Ok(())
    }

    fn diff_stat(&self, project: &Path, base: &str, head: &str) -> Result<String, GitError> {
        let mut cmd = self.git(project);
        cmd.args(["diff", "--stat", "--end-of-options"])
            .arg(format!("{base}...{head}"));
        Ok(run(cmd, &format!("git diff --stat {base}...{head}"))?
            .trim_end()
            .to_owned())
    }

    fn remote_url(&self, project: &Path, remote: &str) -> Result<String, GitError> {
        let mut cmd = self.git(project);
        cmd.args(["remote", "get-url", "--", remote]);
        Ok(run(cmd, &format!("no remote named {remote:?}"))?
            .trim()
            .to_owned())
    }

    fn push(&self, project: &Path, remote: &str, branch: &str) -> Result<(), GitError> {
        let mut cmd = self.git(project);
        cmd.args(["push", "--quiet", "--", remote])
            .arg(format!("refs/heads/{branch}:refs/heads/{branch}"));
        run(cmd, &format!("git push {remote} {branch}"))?;
        Ok(())
    }

    fn commit_all(
        &self,
        dir: &Path,
        branch: &str,
        author: &str,
        message: &str,
    ) -> Result<String, GitError> {
        if dir.join(".git").exists() {
            let mut current = self.git(dir);
            current.args(["rev-parse", "--abbrev-ref", "HEAD"]);
            if run(current, "git rev-parse")?.trim() != branch {
                let exists = self.commit_of(dir, &format!("refs/heads/{branch}")).is_ok();
                let mut switch = self.git(dir);
                switch.arg("checkout").arg("--quiet");
                if !exists {
                    switch.arg("-b");
                }
                switch.arg(branch);
                run(switch, &format!("git checkout {branch}"))?;
            }
        } else {
            let mut init = self.git(dir);
            init.args(["init", "--quiet", "--initial-branch", branch]);
            run(init, &format!("git init {}", dir.display()))?;
        }
        let mut add = self.git(dir);
        add.args(["add", "--all"]);
        run(add, "git add --all")?;
        let (name, email) = author
            .split_once(" <")
            .map(|(n, e)| (n.to_owned(), e.trim_end_matches('>').to_owned()))
            .unwrap_or_else(|| (author.to_owned(), "warroom@localhost".to_owned()));
        let mut commit = self.git(dir);
        commit
            .arg("-c")
            .arg(format!("user.name={name}"))
            .arg("-c")
            .arg(format!("user.email={email}"))
            .args(["commit", "--quiet", "--no-verify", "-m", message]);
        run(commit, &format!("git commit in {}", dir.display()))?;
        self.commit_of(dir, "HEAD")
    }

    fn add_bare_remote(&self, project: &Path, name: &str, path: &Path) -> Result<(), GitError> {
        let mut init = Command::new("git");
        init.envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(["init", "--quiet", "--bare"])
            .arg(path);
        run(init, &format!("git init --bare {}", path.display()))?;
        let mut remote = self.git(project);
        remote.args(["remote", "add", name]).arg(path);
        run(remote, &format!("git remote add {name}"))?;
        Ok(())
    }

    fn summary(&self, path: &Path) -> Result<String, GitError> {
        let mut head = self.git(path);
        head.args(["log", "-1", "--format=%h %s"]);
        let head = run(head, &format!("git log in {}", path.display()))?;
        let changes = self.uncommitted(path)?;
        let shown: Vec<&str> = changes.iter().take(10).map(|l| l.trim()).collect();
        let uncommitted = match changes.len() {
            0 => "nothing uncommitted".to_owned(),
            n => format!(
                "{n} uncommitted: {}{}",
                shown.join(", "),
                if n > shown.len() { ", …" } else { "" }
            ),
        };
        Ok(format!("newest commit {}; {uncommitted}", head.trim()))
    }
}
