//! `completions` and `man`: generated from the command line's own
//! definition, so they can never disagree with it.

use std::io::Write;

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Command, CommandFactory};
use clap_complete::Generator;

use crate::cli::Cli;
use crate::output::json;

pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = visible(&Cli::command());
    cmd.set_bin_name("warroom");
    cmd.build();
    let mut out = std::io::stdout().lock();
    // `try_generate`, not `generate`: that one panics on a closed pipe.
    shell.try_generate(&cmd, &mut out)?;
    Ok(out.flush()?)
}

pub fn man(dir: Option<&Path>, as_json: bool) -> Result<()> {
    let Some(dir) = dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(Cli::command()).render(&mut out)?;
        return Ok(out.flush()?);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
    if as_json {
        json(&serde_json::json!({ "dir": dir }))
    } else {
        println!(
            "Manual pages written to {} (man -l {}/warroom.1)",
            dir.display(),
            dir.display()
        );
        Ok(())
    }
}

/// The command line as its help shows it. The generators would also offer
/// hidden commands and flags (`hook`, `sim-agent`, `--scenario`): warroom's
/// own plumbing, not for people to type. clap cannot remove a subcommand,
/// so the visible tree is built anew from the parts completion uses.
fn visible(cmd: &Command) -> Command {
    let mut copy = Command::new(cmd.get_name().to_owned())
        // Groups are left out: derive's groups name hidden members, and
        // completion does not use them.
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(visible),
        )
        .subcommand_required(cmd.is_subcommand_required_set())
        .arg_required_else_help(cmd.is_arg_required_else_help_set());
    if let Some(about) = cmd.get_about() {
        copy = copy.about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        copy = copy.version(version.to_owned());
    }
    copy
}
