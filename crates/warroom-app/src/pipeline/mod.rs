//! Carrying a fix to production: the quick checks on the hotfix branch
//! and its pull request (the rollout is later work).

mod acting;
pub(crate) mod checks;
pub(crate) mod pull_request;
