//! The lint, type and security checks a project names in `[checks]`: each
//! a command run on the same clean checkout as the tests, passing when it
//! exits 0. Their verdict is their exit status; their output is kept only
//! to show why they failed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Verdict, tail};

/// One named command, as `warroom.toml` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandCheck {
    /// What the check is called in the output: `ruff`, `mypy`, `cargo-audit`.
    pub name: String,
    /// The program and its arguments, run in the checkout without a shell.
    pub run: Vec<String>,
}

/// How one command check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    pub verdict: Verdict,
    pub duration: Duration,
    /// The command's last lines when it did not pass.
    pub output_tail: Option<String>,
}

/// Runs `check` in `dir`. A command that cannot start is an error of the
/// check (say which program is missing), never a pass.
pub fn run_command(check: &CommandCheck, dir: &Path) -> CommandRun {
    let started = Instant::now();
    let Some((program, args)) = check.run.split_first() else {
        return CommandRun {
            verdict: Verdict::Error,
            duration: started.elapsed(),
            output_tail: Some(format!("check {} names no command to run", check.name)),
        };
    };
    match Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) if out.status.success() => CommandRun {
            verdict: Verdict::Pass,
            duration: started.elapsed(),
            output_tail: None,
        },
        Ok(out) => {
            let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
            output.push_str(&String::from_utf8_lossy(&out.stderr));
            // Killed by a signal: the check broke rather than judged.
            let verdict = if out.status.code().is_some() {
                Verdict::Fail
            } else {
                Verdict::Error
            };
            CommandRun {
                verdict,
                duration: started.elapsed(),
                output_tail: Some(tail(&output, 20)),
            }
        }
        Err(e) => CommandRun {
            verdict: Verdict::Error,
            duration: started.elapsed(),
            output_tail: Some(format!("{program} could not start: {e}")),
        },
    }
}
