//! The only code in warroom that runs tmux.
//!
//! warroom works on a private tmux server (`tmux -L warroom` by default, or
//! a socket path), never the user's own. Plain `tmux` invocations create
//! sessions, load buffers and attach; everything else goes through one
//! control-mode client per session (`tmux -C`), which answers a command in
//! tens of microseconds instead of milliseconds. Every pane is addressed by
//! its `%id`, every session as `=name`: tmux's prefix matching never chooses
//! where text goes.

mod control;
mod error;
mod pane;
mod quote;
mod server;
mod socket;

pub use control::ControlClient;
pub use error::TmuxError;
pub use pane::{PaneId, PaneInfo, Spawn};
pub use quote::quote;
pub use server::Server;
pub use socket::Socket;
