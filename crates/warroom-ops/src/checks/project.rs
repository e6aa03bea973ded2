//! The checks seam: what the app asks of a project's runners. The app's
//! rules (which runners, which tier runs the project's commands, what is
//! recorded and what a pass completes) are tested against a fake of it;
//! [`ProjectRunners`] is tested for real on pytest and nextest projects.

use std::path::Path;

use super::{
    ChecksError, CommandCheck, CommandRun, Runner, Selection, SmokeSet, TestRun, select::Layout,
};

pub trait TestRunners: Send + Sync {
    /// The runners the project at `dir` uses, from its files.
    fn detect(&self, dir: &Path) -> Vec<Runner>;
    /// What selection needs to know of the project at `dir`.
    fn layout(&self, dir: &Path) -> Layout;
    /// Runs `selection` with `runner`, its results written under `results`.
    fn run(
        &self,
        runner: Runner,
        dir: &Path,
        selection: &Selection,
        results: &Path,
    ) -> Result<TestRun, ChecksError>;
    /// Runs one of the project's own commands in `dir`.
    fn run_command(&self, check: &CommandCheck, dir: &Path) -> CommandRun;
}

/// The real runners: pytest and cargo-nextest as installed, with the
/// project's smoke set.
#[derive(Debug, Default, Clone)]
pub struct ProjectRunners {
    pub smoke: SmokeSet,
}

impl TestRunners for ProjectRunners {
    fn detect(&self, dir: &Path) -> Vec<Runner> {
        super::detect(dir)
    }
    fn layout(&self, dir: &Path) -> Layout {
        super::layout(dir)
    }
    fn run(
        &self,
        runner: Runner,
        dir: &Path,
        selection: &Selection,
        results: &Path,
    ) -> Result<TestRun, ChecksError> {
        super::run_with(runner, dir, selection, results, &self.smoke)
    }
    fn run_command(&self, check: &CommandCheck, dir: &Path) -> CommandRun {
        super::run_command(check, dir)
    }
}
