#[derive(Debug, thiserror::Error)]
pub enum TmuxError {
    #[error("cannot run tmux: {0} (is tmux installed? apt-get install tmux)")]
    Spawn(#[source] std::io::Error),
    #[error("tmux {command}: {message}")]
    Command { command: String, message: String },
    #[error("no tmux session named {0:?} on this server")]
    NoSession(String),
    #[error("the tmux control client closed: {0}")]
    Disconnected(String),
    #[error("tmux did not answer {0:?} within {1:?}")]
    Timeout(String, std::time::Duration),
    #[error("unexpected tmux output for {command}: {line:?}")]
    Parse { command: String, line: String },
    #[error("{0:?} is not a tmux pane id (like %3)")]
    BadPaneId(String),
    #[error("i/o with tmux: {0}")]
    Io(#[from] std::io::Error),
}
