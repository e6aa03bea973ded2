//! Carrying a fix to production: the quick checks on the hotfix branch
//! (and, in later work, the pull request and the rollout).

pub(crate) mod checks;
pub(crate) mod pull_request;
