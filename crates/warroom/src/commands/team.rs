use std::os::unix::process::CommandExt;

use anyhow::Result;
use warroom_app::{App, DeployOptions, TeamView};

use super::fail_if;
use crate::cli::TeamCommand;
use crate::commands::deploy::print_deploy;
use crate::input::read_message;
use crate::output::{
    WIDTH, agent_cli, agent_state, column, first_line, fit, json, local_time, message_result,
    redacted_note,
};

pub fn run(app: &App, cmd: &TeamCommand, as_json: bool) -> Result<()> {
    match cmd {
        TeamCommand::Add {
            team,
            name,
            role,
            agent,
            no_worktree,
        } => {
            let options = DeployOptions {
                agent_cli: agent.as_deref(),
                no_worktree: *no_worktree,
                ..DeployOptions::default()
            };
            let result = app.team_add(team, name, role, &options)?;
            if as_json {
                json(&result)?;
            } else {
                print_deploy(&result, &format!("added {name}"));
            }
            fail_if(!result.all_ready())
        }
        TeamCommand::List => {
            let teams = app.list_teams()?;
            if as_json {
                return json(&teams);
            }
            if teams.is_empty() {
                println!(
                    "No live teams. Start one: warroom quick-deploy backend 3 --project-name <name>"
                );
            }
            for t in &teams {
                print_team(t);
            }
            Ok(())
        }
        TeamCommand::Status { team } => {
            let status = app.team_status(team)?;
            if as_json {
                return json(&status);
            }
            print_team(&status.team);
            // The state on the agent's first line; what it runs and where
            // below it, each line within the width.
            for a in &status.agents {
                let lines = [
                    format!(
                        "  {} {:<5} {} {}",
                        column(&a.target, 16),
                        a.id.to_string(),
                        column(&a.role, 24),
                        agent_state(a)
                    ),
                    format!(
                        "  {:<16} {}, {}, pid {}",
                        "",
                        a.name,
                        agent_cli(a),
                        a.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    ),
                ];
                for line in lines {
                    println!("{}", fit(&line, WIDTH));
                }
                if let Some(branch) = &a.branch {
                    println!("{}", fit(&format!("  {:<16} branch {branch}", ""), WIDTH));
                    // Whole, to be copied: a path cut short is no path.
                    println!(
                        "  {:<16} worktree {}",
                        "",
                        a.workdir.as_deref().unwrap_or("?")
                    );
                }
            }
            Ok(())
        }
        TeamCommand::Broadcast { team, input } => {
            broadcast(app, team, &read_message(input)?, as_json)
        }
        TeamCommand::Kill { team, force } => {
            let view = app.kill_team(team, *force)?;
            if as_json {
                json(&view)
            } else {
                println!(
                    "Team {} stopped; its history stays (warroom agent messages {}).",
                    view.name, view.name
                );
                Ok(())
            }
        }
    }
}

pub fn broadcast(app: &App, team: &str, text: &str, as_json: bool) -> Result<()> {
    let result = app.broadcast(team, text)?;
    if as_json {
        json(&result)?;
    } else {
        for r in &result.results {
            println!("{}", message_result(r));
        }
        if let Some(note) = redacted_note(result.redacted) {
            println!("{note}");
        }
    }
    fail_if(!result.all_submitted())
}

fn print_team(t: &TeamView) {
    let line = format!(
        "{}  {}  {} agents  since {}  session {}{}",
        t.name,
        t.team_type.as_deref().unwrap_or("custom"),
        t.agents,
        local_time(t.created_at),
        if t.session { "running" } else { "missing" },
        t.ended_at
            .map(|at| format!("  stopped {}", local_time(at)))
            .unwrap_or_default()
    );
    println!("{}", fit(&line, WIDTH));
    if let Some(p) = &t.purpose {
        println!("  purpose: {}", first_line(p, WIDTH - 11));
    }
}

pub fn attach(app: &App, team: &str) -> Result<()> {
    use std::io::IsTerminal;
    let mut cmd = app.attach_command(team)?;
    if !std::io::stdin().is_terminal() {
        return Err(warroom_app::AppError::bad_input("attach needs a terminal").into());
    }
    // Only returns if exec failed.
    let err = cmd.exec();
    Err(anyhow::anyhow!("cannot run tmux attach: {err}"))
}
