//! The simulated agent (`warroom sim-agent`): a small terminal program that
//! behaves like an agent CLI (an input prompt, a busy marker while it works,
//! an idle prompt when done) and follows a scenario. It serves the demo and
//! the tests, and stands in when a role's agent CLI is not installed.

mod scenario;
mod tui;

pub use scenario::{Scenario, ScenarioError, Step};
pub use tui::{SimOptions, run};
