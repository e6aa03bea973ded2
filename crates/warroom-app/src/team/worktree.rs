//! Each agent's own git worktree of the project, on its own branch
//! (`hotfix/<team>/<role>`), so agents never edit one checkout at once.
//! Created at deploy; removed when the team is killed, but never with
//! uncommitted work in it unless forced. The branch stays: it may hold the
//! fix.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::AppError;

/// The branch an agent of `team` in `role` works on.
pub fn branch_name(team: &str, role: &str) -> String {
    format!("hotfix/{team}/{role}")
}

/// Where the worktrees of a team live: beside the store, not in the
/// project (a worktree inside the checkout would show up in `git status`).
pub fn worktree_path(data_dir: &Path, team: &str, role: &str) -> PathBuf {
    data_dir.join("worktrees").join(team).join(role)
}

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir);
    cmd
}

fn run(mut cmd: Command, what: &str) -> Result<String, AppError> {
    let out = cmd
        .output()
        .map_err(|e| AppError::failed(format!("{what}: could not run git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(AppError::failed(format!(
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Whether `dir` is inside a git work tree with at least one commit.
pub fn is_repository(dir: &Path) -> bool {
    let mut cmd = git(dir);
    cmd.args(["rev-parse", "--verify", "--quiet", "HEAD"]);
    cmd.output().is_ok_and(|o| o.status.success())
}

/// Adds a worktree at `path` on `branch` (created from HEAD unless it
/// exists, in which case its commits are kept and checked out).
pub fn create(project: &Path, path: &Path, branch: &str) -> Result<(), AppError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| AppError::failed(format!("{}: {e}", parent.display())))?;
    }
    let mut exists = git(project);
    exists.args([
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("refs/heads/{branch}"),
    ]);
    let branch_exists = exists.output().is_ok_and(|o| o.status.success());
    let mut add = git(project);
    add.args(["worktree", "add", "--quiet"]);
    if branch_exists {
        add.arg(path).arg(branch);
    } else {
        add.args(["-b", branch]).arg(path).arg("HEAD");
    }
    run(add, &format!("git worktree add {}", path.display()))?;
    Ok(())
}

/// What is uncommitted in a worktree (`git status --porcelain`), empty
/// when clean. Warroom's own `.warroom/` files do not count.
pub fn uncommitted(path: &Path) -> Result<Vec<String>, AppError> {
    let mut status = git(path);
    status.args(["status", "--porcelain", "--untracked-files=all"]);
    Ok(run(status, &format!("git status in {}", path.display()))?
        .lines()
        .filter(|l| !l[3.min(l.len())..].starts_with(".warroom/"))
        .map(str::to_owned)
        .collect())
}

/// Removes a worktree (its branch stays).
pub fn remove(project: &Path, path: &Path, force: bool) -> Result<(), AppError> {
    let mut cmd = git(project);
    cmd.args(["worktree", "remove"]);
    if force {
        cmd.arg("--force");
    }
    cmd.arg(path);
    run(cmd, &format!("git worktree remove {}", path.display()))?;
    Ok(())
}

/// Where a worktree stands, in one line for a restarted agent: its branch,
/// its newest commit and what is uncommitted.
pub fn summary(path: &Path) -> Result<String, AppError> {
    let mut head = git(path);
    head.args(["log", "-1", "--format=%h %s"]);
    let head = run(head, &format!("git log in {}", path.display()))?;
    let changes = uncommitted(path)?;
    let shown: Vec<&str> = changes.iter().take(10).map(|l| l.trim()).collect();
    Ok(format!(
        "newest commit {}; {}",
        head.trim(),
        if changes.is_empty() {
            "nothing uncommitted".to_owned()
        } else {
            format!(
                "{} uncommitted: {}{}",
                changes.len(),
                shown.join(", "),
                if changes.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            )
        }
    ))
}
