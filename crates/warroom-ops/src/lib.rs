//! Adapters to the world outside tmux and the store: git (worktrees), the
//! project's test runners, and notification channels. Each is tested against the real thing (real git
//! repositories, an HTTP server on 127.0.0.1, a real file).

pub mod checks;
pub mod forge;
pub mod git;
pub mod notify;

pub use forge::{
    Forge, ForgeAccess, ForgeError, Opened, PullRequest, PullRequestDraft, repo_from_remote,
    token_from_environment,
};
pub use git::{Git, GitError, Worktrees};
pub use notify::{ChannelKind, ChannelSpec, Delivery, Notifier, Notify, NotifyError, Payload};
