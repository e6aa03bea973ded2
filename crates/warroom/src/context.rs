//! Builds the app from flags and environment: data directory, tmux socket,
//! clock, and who is acting.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use warroom_app::{App, AppOptions, Clock, Config, Socket};

use crate::cli::Cli;

// WARROOM_HOME and WARROOM_TMUX_SOCKET are read here rather than by clap:
// clap shows an option its environment supplied in every usage line, as if
// it were required.
impl Cli {
    /// `--data-dir`, else `WARROOM_HOME`.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data_dir_flag.clone().or_else(|| {
            std::env::var_os("WARROOM_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// `--tmux-socket`, else `WARROOM_TMUX_SOCKET`, else `warroom`.
    pub fn tmux_socket(&self) -> String {
        self.tmux_socket_flag
            .clone()
            .or_else(|| std::env::var("WARROOM_TMUX_SOCKET").ok())
            .unwrap_or_else(|| "warroom".to_owned())
    }
}

pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    let dir = match cli.data_dir() {
        Some(dir) => dir,
        None => std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .context("cannot find a data directory: set WARROOM_HOME, XDG_DATA_HOME or HOME")?
            .join("warroom"),
    };
    // Agents get this path in their environment, so it must not depend on
    // the directory they run in.
    std::path::absolute(&dir).with_context(|| format!("resolving {}", dir.display()))
}

/// The system clock, or the drill clock `WARROOM_NOW` names: anchored at
/// `WARROOM_NOW_ANCHOR` when a parent process passed its clock on, else
/// where the drill's first command in this data directory anchored it.
pub fn clock(data_dir: &std::path::Path) -> Result<Clock> {
    use warroom_app::{AppError, DRILL_ANCHOR_VAR, DRILL_START_VAR};
    let Some(start) = std::env::var(DRILL_START_VAR)
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return Ok(Clock::System);
    };
    let start = chrono::DateTime::parse_from_rfc3339(&start)
        .map_err(|e| {
            AppError::bad_input(format!(
                "{DRILL_START_VAR}={start:?} is not an RFC 3339 time ({e}), e.g. 2026-11-22T14:00:00Z"
            ))
        })?
        .timestamp_millis();
    match std::env::var(DRILL_ANCHOR_VAR)
        .ok()
        .filter(|v| !v.is_empty())
    {
        None => Ok(Clock::drill_in(data_dir, start)),
        Some(anchor) => {
            let anchor = anchor.parse().map_err(|_| {
                AppError::bad_input(format!(
                    "{DRILL_ANCHOR_VAR}={anchor:?} is not a time in milliseconds since the epoch"
                ))
            })?;
            Ok(Clock::Drill { start, anchor })
        }
    }
}

fn operator() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "operator".to_owned())
}

pub fn open(cli: &Cli) -> Result<App> {
    open_at(data_dir(cli)?, &cli.tmux_socket())
}

/// The app on a data directory and tmux server (the daemon watches teams
/// on several servers).
pub fn open_at(data_dir: PathBuf, tmux_socket: &str) -> Result<App> {
    if tmux_socket.is_empty() {
        bail!(warroom_app::AppError::bad_input("--tmux-socket is empty"));
    }
    let project_dir = std::env::current_dir().context("reading the current directory")?;
    let clock = clock(&data_dir)?;
    let options = AppOptions {
        data_dir,
        tmux_socket: Socket::parse(tmux_socket),
        config_layers: Config::standard_layers(&project_dir),
        project_dir,
        clock,
        operator: operator(),
        agent_id: std::env::var("WARROOM_AGENT_ID")
            .ok()
            .filter(|v| !v.is_empty()),
        warroom_exe: std::env::current_exe().context("finding the warroom binary")?,
    };
    let app = App::open(options)?;
    crate::output::show_times_against(app.clock().now());
    Ok(app)
}
