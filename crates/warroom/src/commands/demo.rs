//! `warroom demo [--bad-fix]`: the seed's whole timeline, from the page to
//! the postmortem, saying at each step what is real and what simulated.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use warroom_app::{App, DEMO_BRANCH, DemoOptions, DemoProduction, DemoStep, Opened, Verdict};

use super::fail_if;
use super::pm::print_pull_request;
use super::rollout::print_rollout;
use clap::Args;

use crate::cli::{Cli, DaemonChoice};
use crate::output::{json, message_result};

#[derive(Debug, Args)]
pub struct Demo {
    /// The demo team's name.
    #[arg(long, default_value = "auth-hotfix")]
    pub team: String,
    /// Stop the team at the end instead of leaving it to `warroom attach`.
    #[arg(long)]
    pub cleanup: bool,
    /// Seconds to let the agents talk before the report.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Roll out a fix that passes its tests but fails in production: the
    /// canary is rolled back automatically.
    #[arg(long)]
    pub bad_fix: bool,
    #[command(flatten)]
    pub daemon: DaemonChoice,
}

pub fn run(cli: &Cli, app: &App, args: &Demo) -> Result<()> {
    let as_json = cli.json;
    let production = Production::start(args.bad_fix)?;
    let options = DemoOptions {
        team: args.team.clone(),
        cleanup: args.cleanup,
        settle_timeout: Duration::from_secs(args.timeout),
        production: Some(production.spec.clone()),
    };
    let bad_fix = args.bad_fix;
    let mut progress = |step: DemoStep<'_>| {
        if !as_json {
            print_step(&step, bad_fix);
        }
    };
    let result = app.demo(&options, &mut progress);
    drop(production);
    let result = result?;
    if as_json {
        json(&result)?;
    } else {
        println!(
            "\n{} of {} messages submitted.",
            result.submitted, result.messages
        );
        if !result.cleaned_up {
            if !args.daemon.no_daemon {
                app.set_supervision(Some(&result.team), true)?;
                let (info, _) = super::supervise::ensure(cli, app)?;
                println!(
                    "recovery start --emergency --session {}: the supervisor daemon (pid {}) watches the team; kill an agent and it comes back with its context (warroom daemon status).",
                    result.team, info.pid
                );
            }
            println!(
                "The team is still running: warroom attach {}   (warroom team kill {} to stop it)",
                result.team, result.team
            );
            println!("Its conversation: warroom agent messages {}", result.team);
        }
    }
    let expected = if bad_fix { "rolled-back" } else { "promoted" };
    fail_if(!result.all_submitted() || result.rollout.as_deref() != Some(expected))
}

fn print_step(step: &DemoStep<'_>, bad_fix: bool) {
    match step {
        DemoStep::Deployed(d) => {
            println!(
                "1. quick-deploy backend 3 --project-name {}   [simulated agents, real tmux]",
                d.team
            );
            super::deploy::print_deploy(d, "backend 3, simulated agents");
        }
        DemoStep::Broadcast(b) => {
            println!(
                "\n2. team broadcast {} \"CRITICAL: Auth service returning 500 errors. ...\"",
                b.team
            );
            for r in &b.results {
                println!("   {}", message_result(r));
            }
        }
        DemoStep::LogSent(r) => {
            println!(
                "\n3. agent send {} \"$(tail -n 100 error.log)\"   (shell and tmux syntax inside, delivered as text)",
                r.to.target
            );
            println!("   {}", message_result(r));
        }
        DemoStep::Conversation { messages, settled } => println!(
            "\n4. the agents coordinate: {messages} messages so far{}",
            if *settled {
                ""
            } else {
                " (still talking when the demo stopped waiting)"
            }
        ),
        DemoStep::Exported { path, count } => println!(
            "\n5. agent messages --export: {count} messages in {}",
            path.display()
        ),
        DemoStep::Fixed { branch, commit } => println!(
            "\n6. the backend developer commits the fix on {branch} at {}   [simulated: the demo commits it for the agent, in a real git repository]",
            commit.get(..12).unwrap_or(commit)
        ),
        DemoStep::Checked(c) => {
            println!(
                "\n7. pm quality-check {} --fast --branch {DEMO_BRANCH}   [real: cargo runs the project's tests]",
                c.team
            );
            for run in &c.runs {
                println!(
                    "   {}: {} ({} passed) in {:.1} s",
                    run.runner,
                    run.verdict,
                    run.passed,
                    run.duration_ms as f64 / 1000.0
                );
                // A runner that broke says why in its own words.
                for line in run.output_tail.iter().flat_map(|t| t.lines()) {
                    println!("   | {line}");
                }
            }
            let word = match c.verdict {
                Verdict::Pass => "PASS",
                Verdict::Error => "NOT JUDGED (the runner broke)",
                Verdict::Fail | Verdict::NoTests => "FAIL",
            };
            println!("   {word} at {}", c.commit.get(..12).unwrap_or(&c.commit));
        }
        DemoStep::PullRequest(pr) => {
            let how = if pr.opened == Opened::NotOpened {
                "[real push to a local bare remote; no forge is configured, so nothing is opened]"
            } else {
                "[real: opened on the configured forge]"
            };
            println!(
                "\n8. pm create-pr {} --branch {DEMO_BRANCH} --base main --emergency   {how}",
                pr.team
            );
            print_pull_request(pr);
        }
        DemoStep::CanaryStarted(r) => {
            println!(
                "\n9. deploy {} --canary   [real: the runbook's commands and health checks against a small service on 127.0.0.1{}]",
                r.team,
                if bad_fix {
                    "; --bad-fix: the canary version answers 500, as a fix that passes its tests and breaks in production would"
                } else {
                    ""
                }
            );
            println!(
                "   the DevOps engineer's plan: 5% of traffic, watch it (5 s here, 5 minutes in production), then everything"
            );
        }
        DemoStep::RolledOut(r) => {
            print_rollout(r);
            if r.stage != "promoted" {
                println!(
                    "   traffic is back on {}, and the team goes back to the fix",
                    r.stable_version
                );
            }
        }
        DemoStep::Resolved(id) => println!("\n10. incident phase {id} resolved"),
        DemoStep::StaysOpen(id) => {
            println!("\n10. incident {id} stays open: the fix did not reach production")
        }
        DemoStep::Reported(path) => println!("\n11. pm report --type incident: {}", path.display()),
        DemoStep::Postmortem(path) => println!("12. postmortem: {}", path.display()),
        DemoStep::CleanedUp => println!("13. team kill: the demo team is stopped"),
    }
}

/// The demo's production: `warroom demo-service` processes of this very
/// binary, a stable version, a canary and a router, ended when dropped.
struct Production {
    spec: DemoProduction,
    children: Vec<Child>,
}

impl Production {
    fn start(bad_fix: bool) -> Result<Production> {
        let exe = std::env::current_exe().context("finding the warroom binary")?;
        let mut production = Production {
            spec: DemoProduction {
                router: String::new(),
                canary: String::new(),
                set_weight: Vec::new(),
            },
            children: Vec::new(),
        };
        let stable = production.spawn(&exe, &["serve", "--version", "v1"])?;
        let mut canary_args = vec!["serve", "--version", "v2"];
        if bad_fix {
            canary_args.push("--failing");
        }
        let canary = production.spawn(&exe, &canary_args)?;
        let router =
            production.spawn(&exe, &["route", "--stable", &stable, "--canary", &canary])?;
        production.spec = DemoProduction {
            set_weight: vec![
                exe.to_string_lossy().into_owned(),
                "demo-service".into(),
                "set-weight".into(),
                "--router".into(),
                router.clone(),
            ],
            router,
            canary,
        };
        Ok(production)
    }

    /// Starts one service and reads the address it listens on.
    fn spawn(&mut self, exe: &std::path::Path, args: &[&str]) -> Result<String> {
        let mut child = Command::new(exe)
            .arg("demo-service")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the demo's service")?;
        let stdout = child.stdout.take().context("the service's output")?;
        self.children.push(child);
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the service's address")?;
        match line.trim().strip_prefix("listening ") {
            Some(addr) => Ok(addr.to_owned()),
            None => bail!("the demo's service did not start: {line:?}"),
        }
    }
}

impl Drop for Production {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
