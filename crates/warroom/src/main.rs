//! The warroom binary: parses the command line, calls warroom-app, prints.
//! Exit codes: 0 ok, 1 the action failed, 2 bad input (nothing was done).

mod cli;
mod commands;
mod context;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;
use warroom_app::{AppError, ErrorKind};

/// An outcome the command already reported, which must still exit non-zero.
#[derive(Debug)]
pub struct Reported(pub u8);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Reported {}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report_error(&err, json),
    }
}

fn report_error(err: &anyhow::Error, json: bool) -> ExitCode {
    if let Some(Reported(code)) = err.downcast_ref::<Reported>() {
        return ExitCode::from(*code);
    }
    let app = err.chain().find_map(|e| e.downcast_ref::<AppError>());
    let (code, kind) = match app.map(AppError::kind) {
        Some(ErrorKind::BadInput) => (2, "bad-input"),
        _ => (1, "failed"),
    };
    let hints = app.map(AppError::hints).unwrap_or_default();
    if json {
        let body = serde_json::json!({
            "error": { "kind": kind, "message": format!("{err:#}"), "hints": hints }
        });
        println!("{body}");
    } else {
        eprintln!("error: {err:#}");
        for hint in hints {
            eprintln!("hint: {hint}");
        }
    }
    ExitCode::from(code)
}
