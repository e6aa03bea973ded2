//! `warroom daemon run`: the supervisor in this process, once per data
//! directory; and reading its log as it grows, for `daemon logs --follow`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use warroom_app::App;

use crate::lifecycle::{DaemonError, DaemonGuard, DaemonPaths, log_line};
use crate::supervisor::{OpenApp, Supervisor};

/// Runs the supervisor until it has had nothing to watch for `idle_exit`.
/// A second daemon for the same data directory returns at once. `app` is
/// the primary app (its data directory and tmux server); `open_app` opens
/// one for another tmux server a team lives on.
pub fn run_daemon(
    paths: &DaemonPaths,
    tmux_socket: &str,
    app: App,
    open_app: Box<OpenApp>,
    idle_exit: Duration,
) -> Result<(), DaemonError> {
    let Some(mut guard) = DaemonGuard::acquire(paths, tmux_socket, app.clock().now())? else {
        log_line("INFO", "another daemon holds this data directory; exiting");
        return Ok(());
    };
    check_store(&app);
    if let Err(e) = app.record_daemon(true, guard.info.pid, &guard.info.version) {
        log_line("ERROR", &format!("recording the start: {e}"));
    }
    Supervisor::new(app, open_app).run(&mut guard, idle_exit);
    Ok(())
}

/// Damage in the store otherwise shows only when some query trips on it,
/// maybe mid-incident; the log says so at once. The daemon keeps going:
/// most of a damaged store still serves, and an unwatched team is worse.
fn check_store(app: &App) {
    match app.store_problems(false) {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            let first: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
            log_line(
                "ERROR",
                &format!(
                    "the store in {} is damaged ({} problems; warroom doctor lists them): {}{}",
                    app.data_dir().display(),
                    problems.len(),
                    first.join("; "),
                    if problems.len() > first.len() {
                        "; …"
                    } else {
                        ""
                    }
                ),
            );
        }
        Err(e) => log_line("ERROR", &format!("checking the store's integrity: {e}")),
    }
}

/// The daemon's log as it grows: each call to [`LogFollower::next_text`]
/// returns what was appended since the last (from the end when it started;
/// from the start again after the log was moved aside).
pub struct LogFollower {
    path: PathBuf,
    offset: u64,
}

impl LogFollower {
    pub fn new(paths: &DaemonPaths) -> Self {
        let path = paths.log();
        let offset = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Self { path, offset }
    }

    /// New text, or an empty string when there is none yet (or no log).
    pub fn next_text(&mut self) -> std::io::Result<String> {
        let Ok(mut file) = File::open(&self.path) else {
            return Ok(String::new());
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            self.offset = 0;
        }
        let mut text = String::new();
        if len > self.offset {
            file.seek(SeekFrom::Start(self.offset))?;
            file.read_to_string(&mut text)?;
            self.offset = len;
        }
        Ok(text)
    }
}
