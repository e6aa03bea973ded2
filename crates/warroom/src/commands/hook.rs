//! `warroom hook <event>`: an agent CLI's hook. It must never disturb the
//! agent: nothing on stdout (Claude Code adds a hook's stdout to the
//! conversation), exit 0 always, nothing at all outside a warroom agent.
//! What fails is appended to `hooks.log` in the data directory.

use std::io::{Read, Write};

use crate::cli::Cli;
use crate::context;

/// A hook's stdin is one JSON event; anything larger is not one.
const MAX_INPUT: u64 = 4 << 20;

pub fn run(cli: &Cli, event: &str) {
    if std::env::var_os("WARROOM_AGENT_ID").is_none() {
        return;
    }
    let mut input = String::new();
    let read = std::io::stdin()
        .take(MAX_INPUT)
        .read_to_string(&mut input)
        .map_err(anyhow::Error::from);
    let result = read.and_then(|_| {
        let app = context::open(cli)?;
        app.record_hook(event, &input)?;
        Ok(())
    });
    if let Err(err) = result {
        log_failure(cli, event, &err);
    }
}

fn log_failure(cli: &Cli, event: &str, err: &anyhow::Error) {
    let Ok(dir) = context::data_dir(cli) else {
        return;
    };
    let line = format!(
        "{} hook {event} agent {}: {err:#}\n",
        chrono::Utc::now().to_rfc3339(),
        std::env::var("WARROOM_AGENT_ID").unwrap_or_default()
    );
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("hooks.log"))
        .and_then(|mut f| f.write_all(line.as_bytes()));
}
