//! Each agent's own git worktree of the project, on its own branch
//! (`hotfix/<team>/<role>`), so agents never edit one checkout at once.
//! Created at deploy; removed when the team is killed, but never with
//! uncommitted work in it unless forced. The branch stays: it may hold the
//! fix. git itself runs in the adapter (`warroom_ops::git`); here are the
//! names.

use std::path::{Path, PathBuf};

/// The branch an agent of `team` in `role` works on.
pub fn branch_name(team: &str, role: &str) -> String {
    format!("hotfix/{team}/{role}")
}

/// Where the worktrees of a team live: beside the store, not in the
/// project (a worktree inside the checkout would show up in `git status`).
pub fn worktree_path(data_dir: &Path, team: &str, role: &str) -> PathBuf {
    data_dir.join("worktrees").join(team).join(role)
}
