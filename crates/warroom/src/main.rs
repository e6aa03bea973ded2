//! The warroom binary: parses the command line, calls warroom-app, prints.
//! Exit codes: 0 ok, 1 the action failed, 2 bad input (nothing was done).

mod cli;
mod commands;
mod context;
mod input;
mod output;
mod usage;

use std::process::ExitCode;

use clap::Parser;
use warroom_app::{AppError, ErrorKind, Hint};

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
    quiet_on_closed_stdout();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage::report(err),
    };
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report_error(&err, json),
    }
}

/// `warroom team list | head -1`: once the reader has what it wanted, the
/// rest of the output has nowhere to go, and that is not a failure. Rust
/// ignores SIGPIPE, and restoring it needs `unsafe`, so a `println!` that
/// meets the closed pipe panics; this ends the process quietly instead.
/// Only that panic, and only when standard output really is closed.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if payload.starts_with("failed printing to stdout") && output::stdout_closed() {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether `err` is a write to standard output after its reader left.
fn is_closed_stdout(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }) && output::stdout_closed()
}

fn report_error(err: &anyhow::Error, json: bool) -> ExitCode {
    if let Some(Reported(code)) = err.downcast_ref::<Reported>() {
        return ExitCode::from(*code);
    }
    if is_closed_stdout(err) {
        return ExitCode::SUCCESS;
    }
    let app = err.chain().find_map(|e| e.downcast_ref::<AppError>());
    let (code, kind) = match app.map(AppError::kind) {
        Some(ErrorKind::BadInput) => (2, "bad-input"),
        _ => (1, "failed"),
    };
    let hints = app.map(AppError::hints).unwrap_or_default();
    let message = causes(err);
    if json {
        print_json_error(kind, &message, hints);
    } else {
        eprintln!("error: {message}");
        for hint in hints {
            eprintln!("hint: {hint}");
        }
    }
    ExitCode::from(code)
}

pub(crate) fn print_json_error(kind: &str, message: &str, hints: &[Hint]) {
    let body = serde_json::json!({
        "error": { "kind": kind, "message": message, "hints": hints }
    });
    println!("{body}");
}

/// The error and its causes, each once. Many errors already show their
/// source in their own message (`cannot open X: {source}`) and also return
/// it as their `source()`; `{:#}` would then print it again at every level.
fn causes(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
