//! One function per command: call the app, print the result.

mod agent;
mod dashboard;
pub mod demo;
pub mod demo_service;
mod deploy;
mod docs;
mod doctor;
mod hook;
mod incident;
mod pm;
pub mod rollout;
mod supervise;
mod team;
pub mod token;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::context;

pub fn run(cli: Cli) -> Result<()> {
    if let Command::SimAgent(args) = &cli.command {
        return deploy::sim_agent(&cli, args);
    }
    if let Command::DemoService(args) = &cli.command {
        return demo_service::run(args);
    }
    if let Command::Hook { event } = &cli.command {
        hook::run(&cli, event);
        return Ok(());
    }
    if let Command::Daemon { command } = &cli.command {
        return supervise::daemon(&cli, command.as_ref(), cli.json);
    }
    if let Command::Completions { shell } = &cli.command {
        return docs::completions(*shell);
    }
    if let Command::Man { dir } = &cli.command {
        return docs::man(dir.as_deref(), cli.json);
    }
    let app = context::open(&cli)?;
    if let Command::Mcp = &cli.command {
        // stdout is the protocol's: nothing else may be printed there.
        return warroom_server::mcp::serve_stdio(app).map_err(anyhow::Error::msg);
    }
    match &cli.command {
        Command::QuickDeploy(args) => deploy::quick_deploy(&cli, &app, args),
        Command::Deploy(args) => rollout::run(&cli, &app, args, cli.json),
        Command::Team(cmd) => team::run(&app, cmd, cli.json),
        Command::Agent(cmd) => agent::run(&app, cmd, cli.json),
        Command::Pm(cmd) => pm::run(&app, cmd, cli.json),
        Command::Execute(cmd) => pm::execute(&app, cmd, cli.json),
        Command::Incident(cmd) => incident::run(&cli, &app, cmd, cli.json),
        Command::Todo(cmd) => incident::todo(&app, cmd, cli.json),
        Command::Postmortem {
            incident,
            format,
            output,
        } => incident::postmortem(&app, incident, *format, output.as_deref(), cli.json),
        Command::Token(cmd) => token::run(&app, cmd, cli.json),
        Command::Recovery(cmd) => supervise::recovery(&cli, &app, cmd, cli.json),
        Command::Monitor(cmd) => supervise::monitor(&app, cmd, cli.json),
        Command::Daemon { .. } => unreachable!("handled before opening the store"),
        Command::Attach { team } => team::attach(&app, team),
        Command::Demo(args) => demo::run(&cli, &app, args),
        Command::Doctor { full } => doctor::run(&app, *full, cli.json),
        Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("handled before opening the store")
        }
        Command::SimAgent(_) | Command::DemoService(_) | Command::Mcp => {
            unreachable!("handled before opening the store")
        }
        Command::Hook { .. } => unreachable!("handled before opening the store"),
    }
}

/// Exit 1 after output that already said what went wrong.
pub fn fail_if(failed: bool) -> Result<()> {
    if failed {
        Err(crate::Reported(1).into())
    } else {
        Ok(())
    }
}
