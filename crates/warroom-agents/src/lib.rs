//! Agent CLIs: their profiles (data), how their screens read, how their
//! states are fused from hooks, tmux and the screen, how a message is
//! delivered and proven submitted, how a CLI is pre-seeded so it starts
//! without a gate, and the simulated agent that stands in when a CLI is not
//! installed.

pub mod delivery;
pub mod hooks;
pub mod profile;
pub mod registry;
pub mod screen;
pub mod seed;
pub mod sim;
pub mod state;

pub use delivery::{Delivery, DeliveryOptions, deliver, wait_until_idle};
pub use profile::{AgentProfile, BriefingMode, HookProtocol, ProfileError, Verified};
pub use screen::{ScreenPatterns, ScreenState, classify, meaningful_line};
pub use seed::{SeedError, SeedSpec};
pub use state::{AgentState, Observation, StateSource, judge, observe};
