//! `incident …`, `todo …` and `postmortem`.

use std::path::Path;

use anyhow::Result;
use warroom_app::{
    App, AppError, DeclareOptions, DeployOptions, DocFormat, IncidentEdit, IncidentView, TodoAdd,
    TodoChange, TodoView, UpdateInput,
};
use warroom_model::Millis;
use warroom_model::incident::comms::NotificationStatus;
use warroom_model::span::human;

use super::deploy::print_deploy;
use super::fail_if;
use crate::cli::{Cli, DocFormatArg, IncidentCommand, TodoCommand};
use crate::output::{ShortRoles, WIDTH, column, fit, json, local_time, wrap};

fn parse_time(flag: &str, text: &str) -> Result<Millis> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            AppError::bad_input(format!("{flag} {text:?} is not an RFC 3339 time ({e})"))
                .hint("for example 2026-11-22T14:05:00Z")
                .into()
        })
}

pub fn run(cli: &Cli, app: &App, cmd: &IncidentCommand, as_json: bool) -> Result<()> {
    match cmd {
        IncidentCommand::Declare(args) => {
            let detected_at = args
                .detected_at
                .as_deref()
                .map(|t| parse_time("--detected-at", t))
                .transpose()?;
            let result = app.declare(&DeclareOptions {
                title: &args.title,
                impact: args.impact.as_deref(),
                domain: args.domain.as_deref(),
                severity: args.severity.as_deref(),
                slug: args.slug.as_deref(),
                logs: &args.logs,
                compliance: &args.compliance,
                team_type: args.team_type.as_deref(),
                detected_at,
                deploy: args.deploy,
                deploy_options: DeployOptions {
                    agent_cli: args.agent.as_deref(),
                    scenario: args.scenario.as_deref(),
                    no_worktree: args.no_worktree,
                    ..DeployOptions::default()
                },
            })?;
            let supervisor = if result.deploy.is_some() && !args.daemon.no_daemon {
                Some(super::supervise::start_after_deploy(cli, app)?)
            } else {
                None
            };
            if as_json {
                json(&result)?;
            } else {
                let i = &result.incident;
                let head = format!("{} declared ({}): ", i.id, i.severity);
                let room = WIDTH.saturating_sub(head.chars().count());
                println!("{head}{}", fit(&i.title, room));
                for r in &i.reasons {
                    println!("{}", fit(&format!("  because: {r}"), WIDTH));
                }
                for log in &result.logs {
                    println!(
                        "{}",
                        fit(
                            &format!(
                                "  log {} attached ({} bytes, {} secrets redacted)",
                                log.name, log.bytes, log.redacted
                            ),
                            WIDTH
                        )
                    );
                }
                println!(
                    "  {} todos to start with: warroom todo list {}",
                    i.open_todos.len(),
                    i.id
                );
                if let Some(deploy) = &result.deploy {
                    print_deploy(deploy, &format!("for {}", i.id));
                }
                if let Some(line) = supervisor {
                    println!("{line}");
                }
            }
            fail_if(result.deploy.as_ref().is_some_and(|d| !d.all_ready()))
        }
        IncidentCommand::Status { incident } => {
            let view = app.incident_status(incident)?;
            if as_json {
                return json(&view);
            }
            print_status(&view, &ShortRoles::new(app));
            Ok(())
        }
        IncidentCommand::Update {
            incident,
            status,
            text,
            conditions,
            actions,
            needs,
        } => {
            let result = app.post_update(
                incident,
                &UpdateInput {
                    status: status.as_deref(),
                    text,
                    conditions: conditions.as_deref(),
                    actions,
                    needs,
                },
            )?;
            if as_json {
                json(&result)?;
            } else {
                // As sent to the channels; only over-long lines are wrapped here.
                for line in result.text.lines() {
                    if line.chars().count() > WIDTH {
                        wrap(line, WIDTH).iter().for_each(|l| println!("{l}"));
                    } else {
                        println!("{line}");
                    }
                }
                for d in &result.deliveries {
                    let (channel, status, attempts) = (&d.channel, d.status, d.attempts);
                    match &d.error {
                        Some(e) => {
                            println!("→ {channel}: {status} after {attempts} attempts ({e})")
                        }
                        None => println!("→ {channel}: {status} (attempt {attempts})"),
                    }
                }
                for a in &result.unconfigured {
                    println!(
                        "→ {a}: no channel configured (add [[channels]] name = {a:?} to warroom.toml)"
                    );
                }
            }
            fail_if(
                result
                    .deliveries
                    .iter()
                    .any(|d| d.status != NotificationStatus::Sent),
            )
        }
        IncidentCommand::Milestone {
            incident,
            milestone,
            summary,
            at,
            correct,
        } => {
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let view = app.set_milestone(incident, milestone, summary.as_deref(), at, *correct)?;
            show(
                &view,
                as_json,
                &format!("{} milestone {milestone} recorded", view.id),
            )
        }
        IncidentCommand::Phase {
            incident,
            phase,
            force,
        } => {
            let view = app.set_phase(incident, phase, force.as_deref())?;
            show(
                &view,
                as_json,
                &format!("{} is now {}", view.id, view.phase),
            )
        }
        IncidentCommand::Severity {
            incident,
            severity,
            reason,
        } => {
            let view = app.set_severity(incident, severity, reason)?;
            show(
                &view,
                as_json,
                &format!("{} is now {}", view.id, view.severity),
            )
        }
        IncidentCommand::Edit {
            incident,
            title,
            impact,
            domain,
        } => {
            let view = app.edit_incident(
                incident,
                &IncidentEdit {
                    title: title.as_deref(),
                    impact: impact.as_deref(),
                    domain: domain.as_deref(),
                },
            )?;
            let headline = format!(
                "{} \"{}\": {}, {}",
                view.id,
                view.title,
                view.severity,
                view.reasons.last().map(String::as_str).unwrap_or_default()
            );
            show(&view, as_json, &headline)
        }
        IncidentCommand::Close { incident, force } => {
            let view = app.close_incident(incident, force.as_deref())?;
            show(&view, as_json, &format!("{} closed", view.id))
        }
        IncidentCommand::List { all } => {
            let list = app.list_incidents(*all)?;
            if as_json {
                return json(&list);
            }
            if list.is_empty() {
                println!("No open incidents.");
            }
            for i in &list {
                let line = format!(
                    "{:<7} {:<5} {:<13} {} {}",
                    i.id,
                    i.severity,
                    i.phase,
                    column(i.team.as_deref().unwrap_or("-"), 20),
                    i.title
                );
                println!("{}", fit(&line, WIDTH));
            }
            Ok(())
        }
        IncidentCommand::Logs { incident } => {
            let logs = app.incident_logs(incident)?;
            if as_json {
                return json(&logs);
            }
            for l in &logs {
                println!("==> {} <==\n{}", l.name, l.body.trim_end());
            }
            Ok(())
        }
    }
}

fn show(view: &IncidentView, as_json: bool, line: &str) -> Result<()> {
    if as_json {
        json(view)
    } else {
        println!("{line}");
        Ok(())
    }
}

fn print_status(v: &IncidentView, roles: &ShortRoles) {
    println!(
        "{}",
        fit(&format!("{} {} — {}", v.id, v.severity, v.title), WIDTH)
    );
    let line = format!(
        "  phase {}, team {}, commander {}, impact: {}",
        v.phase,
        v.team.as_deref().unwrap_or("none"),
        v.commander,
        v.impact
    );
    println!("{}", fit(&line, WIDTH));
    if v.security_review {
        println!("  security sign-off required before deploying");
    }
    if let Some(pr) = &v.pull_request {
        println!(
            "{}",
            fit(&format!("  pull request #{}: {}", pr.number, pr.url), WIDTH)
        );
    }
    if let Some(r) = &v.rollout {
        println!(
            "{}",
            fit(
                &format!(
                    "  rollout {} of {}: {} at {}% (step {} of {})",
                    r.id, r.version, r.stage, r.weight, r.step, r.steps
                ),
                WIDTH
            )
        );
    }
    println!("  clocks:");
    for c in &v.clocks {
        let elapsed = c.elapsed_ms.map(human).unwrap_or_else(|| "-".into());
        let state = if c.stopped_at.is_some() {
            "stopped"
        } else {
            "running"
        };
        println!(
            "    {:<30} {:>8} / {:<7} {:<6} {}",
            c.label,
            elapsed,
            c.target.to_string(),
            c.status.as_str(),
            if c.elapsed_ms.is_some() { state } else { "" }
        );
    }
    match (v.next_update_due, v.update_overdue) {
        (Some(due), true) => println!("  stakeholder update DUE since {}", local_time(due)),
        (Some(due), false) => println!("  next stakeholder update by {}", local_time(due)),
        _ => {}
    }
    for a in &v.unconfigured_audiences {
        println!("  audience {a} has no channel configured");
    }
    println!("  open todos ({} overdue):", v.overdue_todos);
    for t in &v.open_todos {
        println!("{}", todo_line(t, roles, "    "));
    }
}

/// A todo in fixed columns (the title cut to fit); what it gates or waits
/// for goes on a second line when the first has no room for it.
fn todo_line(t: &TodoView, roles: &ShortRoles, indent: &str) -> String {
    let owner = t
        .owner_agent
        .as_deref()
        .or(t.owner.as_deref())
        .map_or_else(|| "unowned".into(), |label| roles.label(label, None));
    let due = t.due_at.map(local_time).unwrap_or_else(|| "-".into());
    let flags = [
        t.overdue.then_some("OVERDUE".to_owned()),
        t.gate.as_ref().map(|g| format!("gate {g}")),
        t.blocked_reason.as_ref().map(|b| format!("needs: {b}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let line = format!(
        "{indent}{:<5} {} {:<11} {} {} due {due}",
        t.id,
        t.priority,
        t.status,
        column(&t.title, 28),
        column(&owner, 14),
    );
    let width = line.chars().count();
    if flags.is_empty() {
        line
    } else if width + 1 + flags.chars().count() <= WIDTH {
        format!("{line} {flags}")
    } else {
        let under_title = format!("{indent}{:21}", "");
        let flags = fit(&flags, WIDTH - under_title.chars().count());
        format!("{line}\n{under_title}{flags}")
    }
}

pub fn todo(app: &App, cmd: &TodoCommand, as_json: bool) -> Result<()> {
    let view = match cmd {
        TodoCommand::Add {
            incident,
            title,
            owner,
            priority,
            due,
            gate,
            kind,
            after,
        } => app.add_todo(
            incident,
            &TodoAdd {
                title,
                owner: owner.as_deref(),
                priority: priority.as_deref(),
                due: due.as_deref(),
                gate: gate.as_deref(),
                kind: kind.as_deref(),
                after,
            },
        )?,
        TodoCommand::List { incident, all } => {
            let list = app.list_todos(incident, *all)?;
            if as_json {
                return json(&list);
            }
            if list.is_empty() {
                println!("No open todos.");
            }
            let roles = ShortRoles::new(app);
            for t in &list {
                println!("{}", todo_line(t, &roles, ""));
            }
            return Ok(());
        }
        TodoCommand::Claim { todo } => app.claim_todo(todo)?,
        TodoCommand::Update {
            todo,
            status,
            priority,
            owner,
            due,
            title,
            note,
        } => app.update_todo(
            todo,
            &TodoChange {
                status: status.as_deref(),
                priority: priority.as_deref(),
                owner: owner.as_deref(),
                due: due.as_deref(),
                title: title.as_deref(),
                note: note.as_deref(),
            },
        )?,
        TodoCommand::Done { todo, note, force } => {
            app.finish_todo(todo, note.as_deref(), *force)?
        }
        TodoCommand::Block { todo, reason } => app.block_todo(todo, reason)?,
    };
    if as_json {
        json(&view)
    } else {
        println!("{}", todo_line(&view, &ShortRoles::new(app), ""));
        Ok(())
    }
}

pub fn postmortem(
    app: &App,
    incident: &str,
    format: DocFormatArg,
    output: Option<&Path>,
    as_json: bool,
) -> Result<()> {
    let format = match format {
        DocFormatArg::Md => DocFormat::Markdown,
        DocFormatArg::Html => DocFormat::Html,
    };
    let (path, filed) = app.write_postmortem(incident, format, output)?;
    if as_json {
        json(&serde_json::json!({"path": path, "follow_ups": filed}))
    } else {
        println!("{}", path.display());
        if !filed.is_empty() {
            eprintln!("follow-up todos filed: {}", filed.join(", "));
        }
        Ok(())
    }
}
