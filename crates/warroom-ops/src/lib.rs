//! Adapters to the world outside tmux and the store: git (worktrees), the
//! project's test runners, the forge's pull requests, the deploy runbook's
//! commands and checks, and notification channels. Each is tested against the real thing (real git repositories,
//! real pytest and nextest projects, HTTP servers on 127.0.0.1, a real file).

pub mod checks;
pub mod deploy;
pub mod forge;
pub mod git;
pub mod notify;

pub use forge::{
    Forge, ForgeAccess, ForgeError, ForgeTarget, GitHubApi, Opened, PullRequest, PullRequestDraft,
    PullRequests, repo_from_remote, token_from_environment,
};
pub use git::{Git, GitError, Worktrees};
pub use notify::{ChannelKind, ChannelSpec, Delivery, Notifier, Notify, NotifyError, Payload};
