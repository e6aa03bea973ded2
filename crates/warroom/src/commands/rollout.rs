//! `deploy <team> --canary` and `deploy status|promote|abort|retry`.

use std::time::Duration;

use anyhow::Result;
use clap::{Args, Subcommand};
use warroom_app::{App, AppError, CanaryOptions, RolloutView};

use super::fail_if;
use crate::cli::{Cli, DaemonChoice};
use crate::output::{WIDTH, fit, json};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DeployArgs {
    #[command(subcommand)]
    pub action: Option<DeployAction>,
    /// The team whose fix to roll out.
    #[arg(required = true)]
    pub team: Option<String>,
    /// Roll out by the runbook's steps ([deploy] in warroom.toml): a
    /// canary first, watched by its checks, rolled back when one fails.
    #[arg(long)]
    pub canary: bool,
    /// The branch whose head to deploy (default: the implementing agent's).
    #[arg(long)]
    pub branch: Option<String>,
    /// The agent whose branch to deploy (a role or an agent id).
    #[arg(long)]
    pub agent: Option<String>,
    /// Stay until the rollout ends; exit 0 promoted, 1 otherwise.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub daemon: DaemonChoice,
}

#[derive(Debug, Subcommand)]
pub enum DeployAction {
    /// The team's latest rollout: steps, weight, measurements, outcome.
    Status {
        team: String,
        /// Stay until the rollout ends; exit 0 promoted, 1 otherwise.
        #[arg(long)]
        wait: bool,
    },
    /// Past a pause or a manual gate, to the next step.
    Promote {
        team: String,
        /// Straight to the last step (100%).
        #[arg(long)]
        full: bool,
    },
    /// Traffic back to the stable version now.
    Abort {
        team: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// The last rollout's commit again, from the first step.
    Retry {
        team: String,
        #[arg(long)]
        wait: bool,
    },
}

pub fn run(cli: &Cli, app: &App, args: &DeployArgs, as_json: bool) -> Result<()> {
    let (view, wait, starts) = match &args.action {
        Some(DeployAction::Status { team, wait }) => (app.rollout_status(team)?, *wait, false),
        Some(DeployAction::Promote { team, full }) => {
            (app.promote_rollout(team, *full)?, false, true)
        }
        Some(DeployAction::Abort { team, reason }) => {
            (app.abort_rollout(team, reason.as_deref())?, false, true)
        }
        Some(DeployAction::Retry { team, wait }) => (app.retry_rollout(team)?, *wait, true),
        None => {
            let team = args.team.as_deref().unwrap_or_default();
            if !args.canary {
                return Err(AppError::bad_input(
                    "say how to deploy: --canary (the runbook's steps, behind its checks)",
                )
                .hint(format!("warroom deploy {team} --canary"))
                .into());
            }
            let view = app.deploy_canary(
                team,
                &CanaryOptions {
                    branch: args.branch.as_deref(),
                    agent: args.agent.as_deref(),
                    retry: false,
                },
            )?;
            (view, args.wait, true)
        }
    };
    // The daemon runs the bakes and measurements: one must be there.
    let daemon = if starts && !args.daemon.no_daemon {
        let (info, _) = super::supervise::ensure(cli, app)?;
        Some(info.pid)
    } else {
        None
    };
    if !wait {
        if as_json {
            json(&view)?;
        } else {
            print_rollout(&view);
            if let Some(pid) = daemon {
                println!(
                    "The daemon (pid {pid}) runs the steps; follow with: warroom deploy status {} --wait",
                    view.team
                );
            }
        }
        return Ok(());
    }
    let view = follow(app, view, as_json)?;
    fail_if(view.stage != "promoted")
}

/// Prints each change of the rollout until it ends.
fn follow(app: &App, mut view: RolloutView, as_json: bool) -> Result<RolloutView> {
    if !as_json {
        print_rollout(&view);
    }
    let mut seen = view.measurements.len();
    let mut stage = (view.stage.clone(), view.step);
    while !view.done() {
        std::thread::sleep(Duration::from_millis(250));
        view = app.rollout_status(&view.team)?;
        if as_json {
            continue;
        }
        for m in view.measurements.iter().skip(seen) {
            println!(
                "{}",
                fit(
                    &format!(
                        "  step {} {}: {} ({})",
                        m.step, m.check, m.judged, m.message
                    ),
                    WIDTH
                )
            );
        }
        seen = view.measurements.len();
        if (view.stage.clone(), view.step) != stage {
            stage = (view.stage.clone(), view.step);
            println!(
                "{}",
                fit(
                    &format!(
                        "rollout {}: {} at {}%{}",
                        view.id,
                        view.stage,
                        view.weight,
                        view.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ),
                    WIDTH
                )
            );
        }
    }
    if as_json {
        json(&view)?;
    }
    Ok(view)
}

pub fn print_rollout(view: &RolloutView) {
    let incident = view
        .incident
        .as_deref()
        .map(|i| format!(", {i}"))
        .unwrap_or_default();
    println!(
        "{}",
        fit(
            &format!(
                "Rollout {} of {} (stable {}) for team {}{incident}: {} at {}%",
                view.id, view.version, view.stable_version, view.team, view.stage, view.weight
            ),
            WIDTH
        )
    );
    for (i, step) in view.steps.iter().enumerate() {
        let bake = if step.bake_ms > 0 {
            format!(" for {}", warroom_model::span::human(step.bake_ms))
        } else {
            String::new()
        };
        let checks = if step.checks.is_empty() {
            String::new()
        } else {
            format!(", checks {}", step.checks.join(", "))
        };
        let gate = if step.manual_gate {
            ", then a person promotes"
        } else {
            ""
        };
        println!(
            "{}",
            fit(
                &format!(
                    "  step {}: {}%{bake}{checks}{gate}  [{}]",
                    i + 1,
                    step.weight,
                    step.state
                ),
                WIDTH
            )
        );
    }
    if let Some(reason) = &view.reason {
        println!("{}", fit(&format!("  why: {reason}"), WIDTH));
    }
    if let Some(healthy) = view.healthy_after_rollback {
        println!(
            "  after the rollback: {}",
            if healthy {
                "healthy"
            } else {
                "STILL FAILING its health check"
            }
        );
    }
    // The newest measurements, the same one repeated said once with a count.
    let mut said: Vec<(String, usize)> = Vec::new();
    for m in view.measurements.iter().rev().take(5).rev() {
        let line = format!(
            "  step {} {}: {} ({})",
            m.step, m.check, m.judged, m.message
        );
        match said.last_mut() {
            Some((last, n)) if *last == line => *n += 1,
            _ => said.push((line, 1)),
        }
    }
    for (line, n) in said {
        let times = if n > 1 {
            format!(" x{n}")
        } else {
            String::new()
        };
        println!("{}", fit(&format!("{line}{times}"), WIDTH));
    }
}
