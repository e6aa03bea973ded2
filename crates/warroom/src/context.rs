//! Builds the app from flags and environment: data directory, tmux socket,
//! clock, and who is acting.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use warroom_app::{App, AppOptions, Clock, Config, Socket};

use crate::cli::Cli;

pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    let dir = match &cli.data_dir {
        Some(dir) => dir.clone(),
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

fn clock() -> Result<Clock> {
    match std::env::var("WARROOM_NOW") {
        Ok(v) if !v.is_empty() => {
            let at = chrono::DateTime::parse_from_rfc3339(&v)
                .with_context(|| format!("WARROOM_NOW={v:?} is not an RFC 3339 time"))?;
            Ok(Clock::Fixed(at.timestamp_millis()))
        }
        _ => Ok(Clock::System),
    }
}

fn operator() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "operator".to_owned())
}

pub fn open(cli: &Cli) -> Result<App> {
    open_at(data_dir(cli)?, &cli.tmux_socket)
}

/// The app on a data directory and tmux server (the daemon watches teams
/// on several servers).
pub fn open_at(data_dir: PathBuf, tmux_socket: &str) -> Result<App> {
    if tmux_socket.is_empty() {
        bail!(warroom_app::AppError::bad_input("--tmux-socket is empty"));
    }
    let project_dir = std::env::current_dir().context("reading the current directory")?;
    let options = AppOptions {
        data_dir,
        tmux_socket: Socket::parse(tmux_socket),
        config_layers: Config::standard_layers(&project_dir),
        project_dir,
        clock: clock()?,
        operator: operator(),
        agent_id: std::env::var("WARROOM_AGENT_ID")
            .ok()
            .filter(|v| !v.is_empty()),
        warroom_exe: std::env::current_exe().context("finding the warroom binary")?,
    };
    Ok(App::open(options)?)
}
