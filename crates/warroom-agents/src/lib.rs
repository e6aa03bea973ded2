//! Agent CLIs: their profiles (data), how their screens read, how a message
//! is delivered and proven submitted, and the simulated agent that stands in
//! when a CLI is not installed.

pub mod delivery;
pub mod profile;
pub mod screen;
pub mod sim;

pub use delivery::{Delivery, DeliveryOptions, deliver, wait_until_idle};
pub use profile::{AgentProfile, ProfileError, ScreenPatterns};
pub use screen::{AgentState, Observation, ScreenState, classify, observe};
