//! What clap refuses: hidden commands kept out of its suggestions, and the
//! JSON error every command prints under `--json`.

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, CommandFactory};

use crate::cli::Cli;

/// What clap refused, as the JSON error every command prints under `--json`;
/// help and version print as always.
pub fn report(err: clap::Error) -> ExitCode {
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let err = without_hidden(err);
    if !json || !err.use_stderr() {
        err.exit();
    }
    let text = err.render().to_string();
    let mut message: Option<String> = None;
    let mut hints = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if let Some(m) = line.strip_prefix("error: ") {
            // The arguments it names follow on indented lines.
            let mut m = m.to_owned();
            while let Some(more) = lines.next_if(|l| l.starts_with(' ') && !l.trim().is_empty()) {
                m.push(' ');
                m.push_str(more.trim());
            }
            message.get_or_insert(m);
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            hints.push(tip.to_owned());
        } else if line.starts_with("Usage: ") {
            hints.push(line.to_owned());
        }
    }
    // A command group given without its subcommand prints its help instead
    // of an error line; its usage line names the group.
    let message = message.unwrap_or_else(|| {
        let group: Vec<&str> = hints
            .iter()
            .find_map(|h| h.strip_prefix("Usage: "))
            .unwrap_or("warroom")
            .split_whitespace()
            .take_while(|w| !w.starts_with(['[', '<']))
            .collect();
        format!("'{}' requires a subcommand", group.join(" "))
    });
    let hints: Vec<warroom_app::Hint> = hints.into_iter().map(warroom_app::Hint::new).collect();
    crate::print_json_error("bad-input", &message, &hints);
    ExitCode::from(2)
}

/// clap suggests and lists hidden subcommands (`hook`, `sim-agent`, `run`)
/// like any other when a subcommand is unknown or missing; those are
/// warroom's plumbing, so the error is rebuilt without them.
fn without_hidden(err: clap::Error) -> clap::Error {
    if !matches!(
        err.kind(),
        ErrorKind::InvalidSubcommand | ErrorKind::MissingSubcommand
    ) {
        return err;
    }
    let hidden = hidden_names(&Cli::command());
    let is_hidden = |name: &String| hidden.contains(name.as_str());
    let mut fresh = clap::Error::new(err.kind()).with_cmd(&Cli::command());
    for (kind, value) in err.context() {
        let value = match (kind, value) {
            (
                ContextKind::SuggestedSubcommand | ContextKind::ValidSubcommand,
                ContextValue::Strings(names),
            ) => {
                let names: Vec<String> = names.iter().filter(|n| !is_hidden(n)).cloned().collect();
                if names.is_empty() {
                    continue;
                }
                ContextValue::Strings(names)
            }
            (ContextKind::SuggestedSubcommand, ContextValue::String(name)) if is_hidden(name) => {
                continue;
            }
            // Empty, it would still print a blank line.
            (ContextKind::Suggested, ContextValue::StyledStrs(tips)) if tips.is_empty() => {
                continue;
            }
            _ => value.clone(),
        };
        fresh.insert(kind, value);
    }
    fresh
}

/// Names of hidden subcommands anywhere in the tree that no visible
/// subcommand also has.
fn hidden_names(root: &Command) -> BTreeSet<String> {
    fn walk(cmd: &Command, hidden: &mut BTreeSet<String>, visible: &mut BTreeSet<String>) {
        for sub in cmd.get_subcommands() {
            let names = if sub.is_hide_set() {
                &mut *hidden
            } else {
                &mut *visible
            };
            names.insert(sub.get_name().to_owned());
            walk(sub, hidden, visible);
        }
    }
    let (mut hidden, mut visible) = (BTreeSet::new(), BTreeSet::new());
    walk(root, &mut hidden, &mut visible);
    &hidden - &visible
}
