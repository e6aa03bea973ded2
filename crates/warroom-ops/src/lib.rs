//! Adapters to the world outside tmux and the store. For now: notification
//! channels. Each is tested against the real thing (an HTTP server on
//! 127.0.0.1, a real file).

pub mod notify;

pub use notify::{ChannelKind, ChannelSpec, Delivery, Notifier, NotifyError, Payload};
