use anyhow::{Context, Result};
use warroom_agents::sim::{self, Scenario, SimOptions};
use warroom_app::{App, DeployOptions, DeployResult, IncidentLink, IncidentLinkKind};

use super::fail_if;
use crate::cli::{Cli, QuickDeploy, SimAgent};
use crate::context;
use crate::output::{WIDTH, agent_cli, column, fit, json, message_result, wrap};

pub fn quick_deploy(cli: &Cli, app: &App, args: &QuickDeploy) -> Result<()> {
    let as_json = cli.json;
    let incident = args
        .incident
        .as_deref()
        .map(|i| app.incident_id(i))
        .transpose()?;
    let result = app.quick_deploy(
        &args.team_type,
        args.size,
        &args.project_name,
        &DeployOptions {
            agent_cli: args.agent.as_deref(),
            purpose: args.purpose.as_deref(),
            scenario: args.scenario.as_deref(),
            incident,
            no_worktree: args.no_worktree,
            project_dir: None,
        },
    )?;
    let supervisor = if args.daemon.no_daemon {
        None
    } else {
        Some(super::supervise::start_after_deploy(cli, app)?)
    };
    if as_json {
        json(&result)?;
    } else {
        print_deploy(&result, &format!("{} {}", args.team_type, args.size));
        if let Some(line) = supervisor {
            println!("{line}");
        }
    }
    fail_if(!result.all_ready())
}

pub fn print_deploy(result: &DeployResult, what: &str) {
    println!(
        "{}",
        fit(
            &format!(
                "Team {} ({what}), {:.1} s:",
                result.team,
                result.elapsed_ms as f64 / 1000.0,
            ),
            WIDTH
        )
    );
    // Whole, to be copied into `tmux -S`: a path cut short is no path.
    println!("  tmux server: {}", result.tmux_socket);
    if let Some(link) = &result.incident {
        println!("{}", incident_line(link));
    }
    for a in &result.agents {
        let status = match (&a.ready_ms, &a.briefing) {
            (Some(ms), Some(b)) => format!(
                "ready {:.1} s, #{} {}",
                *ms as f64 / 1000.0,
                b.message_id,
                b.outcome
            ),
            _ => "NOT READY".to_owned(),
        };
        // 2 + 16 + 1 + 6 + 1 + 24 + 1 + 18 + 1 = 70 columns before the status.
        println!(
            "  {} {} {} {} {}",
            column(&a.agent.target, 16),
            column(&a.agent.id.to_string(), 6),
            column(&a.agent.name, 24),
            column(&agent_cli(&a.agent), 18),
            fit(&status, WIDTH - 70)
        );
        if let Some(tail) = &a.screen_tail {
            println!("      its screen ends with:\n{}", indent(tail, 8));
        }
        if let Some(hint) = &a.hint {
            for line in wrap(&format!("hint: {hint}"), WIDTH - 6) {
                println!("      {line}");
            }
        }
        if let Some(b) = a.briefing.as_ref().filter(|b| !b.outcome.is_success()) {
            println!("      {}", message_result(b));
        }
    }
    let mut missing: Vec<&str> = result
        .agents
        .iter()
        .filter_map(|a| a.agent.stands_in_for.as_deref())
        .collect();
    missing.dedup();
    for cli in missing {
        println!("Notice: {cli} is not installed, so simulated agents stand in for it.");
    }
    println!("Attach with: warroom attach {}", result.team);
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}", " ".repeat(by)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The simulated agent: runs in a pane, so it needs no store or tmux.
pub fn sim_agent(cli: &Cli, args: &SimAgent) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)
        .map_err(|e| warroom_app::AppError::bad_input(e.to_string()))?;
    let transcript = std::env::var("WARROOM_AGENT_ID")
        .ok()
        .filter(|id| !id.is_empty())
        .map(|id| context::data_dir(cli).map(|d| d.join("sim").join(format!("{id}.jsonl"))))
        .transpose()?;
    if let Some(dir) = transcript.as_ref().and_then(|t| t.parent()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    sim::run(SimOptions {
        role: args.role.clone(),
        name: args.name.clone(),
        team: std::env::var("WARROOM_TEAM").ok().filter(|t| !t.is_empty()),
        scenario,
        stands_in_for: args.stands_in_for.clone(),
        transcript,
        warroom_exe: std::env::current_exe().context("finding the warroom binary")?,
    })
    .context("the simulated agent's terminal")
}

/// Which incident a deployed team works on, and how it came to it.
fn incident_line(link: &IncidentLink) -> String {
    match link.how {
        IncidentLinkKind::Created => format!(
            "Incident {id} declared for this team: {sev} until triaged, with its checklist.\n  Its todos: warroom todo list {id}\n  Describe it: warroom incident edit {id} --title \"...\" --impact users=N --domain auth",
            id = link.id,
            sev = link.severity
        ),
        IncidentLinkKind::Joined => format!(
            "Joined incident {} ({}), the only open incident without a team: {}",
            link.id,
            link.severity,
            fit(&link.title, 30)
        ),
        IncidentLinkKind::Named => format!(
            "Working on incident {} ({}): {}",
            link.id,
            link.severity,
            fit(&link.title, 60)
        ),
    }
}
