//! A runbook command: no shell, placeholders filled per argument, killed
//! at its timeout (a set-weight that hangs must not hold the rollback).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{CommandOutcome, Vars, millis};

/// Runs `run` (a program and its arguments) in `dir`, for at most
/// `timeout`.
pub fn run_command(run: &[String], vars: &Vars, dir: &Path, timeout: Duration) -> CommandOutcome {
    let argv: Vec<String> = run.iter().map(|a| vars.fill(a)).collect();
    let started = Instant::now();
    let outcome = |exit_code, output: String, error: Option<String>| CommandOutcome {
        argv: argv.clone(),
        exit_code,
        duration_ms: millis(started.elapsed()),
        output: tail(&output, 10),
        error,
    };
    let Some((program, args)) = argv.split_first() else {
        return outcome(None, String::new(), Some("no program to run".into()));
    };
    // One file for both streams: read after the exit, so a chatty command
    // cannot fill a pipe and hang.
    let log = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => return outcome(None, String::new(), Some(format!("no temp file: {e}"))),
    };
    let (out, err) = match (log.try_clone(), log.try_clone()) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            return outcome(
                None,
                String::new(),
                Some("cannot share the output file".into()),
            );
        }
    };
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return outcome(
                None,
                String::new(),
                Some(format!("{program} could not start: {e}")),
            );
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(_) => break None,
        }
    };
    let mut output = String::new();
    let mut log = log;
    use std::io::Seek;
    let _ = log.seek(std::io::SeekFrom::Start(0));
    let _ = log.read_to_string(&mut output);
    match status {
        None => outcome(
            None,
            output,
            Some(format!(
                "timed out after {} ms and was killed",
                timeout.as_millis()
            )),
        ),
        Some(s) if s.success() => outcome(s.code(), output, None),
        Some(s) => {
            let error = match s.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".to_owned(),
            };
            outcome(s.code(), output, Some(error))
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
