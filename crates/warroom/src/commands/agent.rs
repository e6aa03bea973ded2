use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use warroom_app::{App, ExportFormat};

use super::fail_if;
use crate::cli::{AgentCommand, Format};
use crate::commands::team::broadcast;
use crate::input::read_message;
use crate::output::{
    ShortRoles, WIDTH, agent_cli, agent_state, column, fit, json, message_line, message_result,
    redacted_note, stdout_closes_within,
};

pub fn run(app: &App, cmd: &AgentCommand, as_json: bool) -> Result<()> {
    match cmd {
        AgentCommand::Send { target, input, now } => {
            let text = read_message(input)?;
            let result = app.send_with(target, &text, *now)?;
            if as_json {
                json(&result)?;
            } else {
                println!("{}", message_result(&result));
                if let Some(note) = redacted_note(result.redacted) {
                    println!("{note}");
                }
            }
            fail_if(!result.outcome.is_success())
        }
        AgentCommand::DeliverQueued { message } => {
            let result = app.deliver_queued(warroom_model::MessageId(*message))?;
            if as_json {
                json(&result)?;
            } else {
                println!("{}", message_result(&result));
            }
            fail_if(!result.outcome.is_success())
        }
        AgentCommand::SendAll { team, input } => {
            broadcast(app, team, &read_message(input)?, as_json)
        }
        AgentCommand::List { team } => {
            let agents = app.list_agents(team.as_deref())?;
            if as_json {
                return json(&agents);
            }
            if agents.is_empty() {
                println!("No agents.");
            }
            for a in &agents {
                let line = format!(
                    "{} {:<5} {} {} {}",
                    column(&a.target, 16),
                    a.id.to_string(),
                    column(&a.role, 24),
                    column(&agent_cli(a), 16),
                    agent_state(a)
                );
                println!("{}", fit(&line, WIDTH));
            }
            Ok(())
        }
        AgentCommand::Restart {
            target,
            restore_context,
        } => {
            let result = app.restart(target, *restore_context)?;
            if as_json {
                json(&result)?;
            } else {
                let pid = |p: Option<u32>| p.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
                println!(
                    "{} {} restarted: pid {} → {}",
                    result.agent.target,
                    result.agent.role,
                    pid(result.old_pid),
                    pid(result.new_pid)
                );
                match &result.context {
                    Some(r) => println!(
                        "{}{}",
                        if result.restore_context {
                            "context "
                        } else {
                            "briefing "
                        },
                        message_result(r)
                    ),
                    None => println!("it did not show its prompt; nothing was sent"),
                }
            }
            fail_if(
                !result.ready
                    || !result
                        .context
                        .as_ref()
                        .is_some_and(|r| r.outcome.is_success()),
            )
        }
        AgentCommand::Messages {
            team,
            follow,
            export,
            format,
        } => {
            let format = match format {
                Format::Text => ExportFormat::Text,
                Format::Jsonl => ExportFormat::Jsonl,
            };
            if let Some(path) = export {
                let to_file = (path.as_os_str() != "-").then_some(path.as_path());
                let (text, count) = app.export_messages(team, format, to_file)?;
                match to_file {
                    None => print!("{text}"),
                    Some(p) if as_json => json(&serde_json::json!({"path": p, "messages": count}))?,
                    Some(p) => eprintln!("{count} messages written to {}", p.display()),
                }
                return Ok(());
            }
            messages(app, team, *follow, as_json)
        }
    }
}

fn messages(app: &App, team: &str, follow: bool, as_json: bool) -> Result<()> {
    let mut last = warroom_model::MessageId::NEW;
    let mut stdout = std::io::stdout();
    let roles = ShortRoles::new(app);
    loop {
        let batch = app.messages(team, last)?;
        // A message still being delivered is shown once it has its outcome.
        let ready: Vec<_> = if follow {
            batch
                .iter()
                .take_while(|m| m.outcome != warroom_model::Outcome::Pending)
                .collect()
        } else {
            batch.iter().collect()
        };
        for m in &ready {
            if as_json {
                writeln!(stdout, "{}", serde_json::to_string(m)?)?;
            } else {
                writeln!(stdout, "{}", message_line(m, team, &roles))?;
            }
            last = m.id;
        }
        stdout.flush()?;
        if !follow {
            if ready.is_empty() && !as_json {
                writeln!(stdout, "No messages yet.")?;
            }
            return Ok(());
        }
        // Waiting on the pipe, not sleeping: `--follow | head -3` must end
        // when head does, not at the next message, which may never come.
        if stdout_closes_within(Duration::from_millis(200)) {
            return Ok(());
        }
    }
}
