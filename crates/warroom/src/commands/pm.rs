//! `pm quality-check`, `pm report` and `execute test`.

use anyhow::Result;
use warroom_app::{
    App, CheckOptions, CheckView, Opened, PullRequestOptions, PullRequestView, Tier, Verdict,
};

use super::fail_if;
use crate::cli::{CheckTarget, ExecuteCommand, PmCommand};
use crate::output::{WIDTH, fit, json, wrap};

pub fn run(app: &App, cmd: &PmCommand, as_json: bool) -> Result<()> {
    match cmd {
        PmCommand::Report { team, kind, output } => {
            let path = app.write_report(team, kind, output.as_deref())?;
            if as_json {
                json(&serde_json::json!({ "path": path }))
            } else {
                println!("{}", path.display());
                Ok(())
            }
        }
        PmCommand::QualityCheck {
            target,
            fast,
            critical_only,
        } => {
            let tier = match (*fast, *critical_only) {
                (_, true) => Tier::Smoke,
                (true, false) => Tier::Fast,
                (false, false) => Tier::Full,
            };
            check(app, target, tier, as_json)
        }
        PmCommand::CreatePr {
            target,
            emergency,
            skip_full_tests,
            force,
            dry_run,
        } => {
            let view = app.create_pr(
                &target.team,
                &PullRequestOptions {
                    branch: target.branch.as_deref(),
                    agent: target.agent.as_deref(),
                    base: &target.base,
                    emergency: *emergency,
                    skip_full_tests: *skip_full_tests,
                    force: force.as_deref(),
                    dry_run: *dry_run,
                },
            )?;
            if as_json {
                json(&view)
            } else {
                print_pull_request(&view);
                Ok(())
            }
        }
    }
}

pub fn print_pull_request(view: &PullRequestView) {
    if let (Opened::NotOpened, Some((title, body))) = (&view.opened, &view.draft) {
        println!("Pull request NOT opened ({}); it would be:", view.branch);
        // In full: it is read, and copied, as it stands.
        println!("  title: {title}");
        for line in body.lines() {
            println!("  | {line}");
        }
        return;
    }
    let how = match view.opened {
        Opened::Created => "opened",
        Opened::Updated => "updated",
        Opened::NotOpened => "not opened",
    };
    println!(
        "{}",
        fit(
            &format!("Pull request #{} {how}: {}", view.number, view.url),
            WIDTH
        )
    );
    println!(
        "{}",
        fit(
            &format!(
                "  {} at {}{}",
                view.branch,
                view.commit.get(..12).unwrap_or(&view.commit),
                if view.emergency {
                    ", labelled and reviewers asked for an expedited review"
                } else {
                    ""
                }
            ),
            WIDTH
        )
    );
    match (&view.check, &view.forced) {
        (Some(c), _) => println!(
            "  rests on {} checks of this commit: {} ({} passed)",
            c.tier, c.verdict, c.passed
        ),
        (None, Some(reason)) => println!(
            "{}",
            fit(
                &format!("  opened without a passing check: {reason}"),
                WIDTH
            )
        ),
        (None, None) => {}
    }
}

pub fn execute(app: &App, cmd: &ExecuteCommand, as_json: bool) -> Result<()> {
    let ExecuteCommand::Test {
        target,
        smoke_only,
        fast,
    } = cmd;
    let tier = match (*smoke_only, *fast) {
        (true, _) => Tier::Smoke,
        (false, true) => Tier::Fast,
        (false, false) => Tier::Full,
    };
    check(app, target, tier, as_json)
}

fn check(app: &App, target: &CheckTarget, tier: Tier, as_json: bool) -> Result<()> {
    let view = app.quality_check(
        &target.team,
        &CheckOptions {
            tier,
            branch: target.branch.as_deref(),
            agent: target.agent.as_deref(),
            base: &target.base,
        },
    )?;
    if as_json {
        json(&view)?;
    } else {
        print_check(&view);
    }
    fail_if(!view.passed())
}

fn print_check(view: &CheckView) {
    println!(
        "{}",
        fit(
            &format!(
                "{} checks of {} at {} ({} file{} changed since {}):",
                view.tier,
                view.branch,
                view.commit.get(..12).unwrap_or(&view.commit),
                view.changed_files,
                if view.changed_files == 1 { "" } else { "s" },
                view.base
            ),
            WIDTH
        )
    );
    for run in &view.runs {
        println!("  {}, selected:", run.runner);
        for chosen in &run.selected {
            println!(
                "{}",
                fit(&format!("    {}: {}", chosen.id, chosen.reason), WIDTH)
            );
        }
        println!(
            "  {}: {} passed, {} failed, {} skipped in {:.1} s",
            run.verdict,
            run.passed,
            run.failed.len(),
            run.skipped,
            run.duration_ms as f64 / 1000.0
        );
        for failed in &run.failed {
            println!("{}", fit(&format!("  FAILED {}", failed.name), WIDTH));
            if let Some(message) = &failed.message {
                for line in message.lines().take(6) {
                    for part in wrap(line, WIDTH - 6) {
                        println!("      {part}");
                    }
                }
            }
        }
        for flaky in &run.flaky {
            println!(
                "{}",
                fit(&format!("  FLAKY {flaky} (failed, then passed)"), WIDTH)
            );
        }
        if let Some(tail) = &run.output_tail {
            println!("  the runner broke; its last lines:");
            for line in tail.lines() {
                println!("{}", fit(&format!("    {line}"), WIDTH));
            }
        }
        println!("{}", fit(&format!("  results: {}", run.results), WIDTH));
    }
    for command in &view.commands {
        println!(
            "  check {}: {} in {:.1} s",
            command.name,
            command.verdict,
            command.duration_ms as f64 / 1000.0
        );
        for line in command.output_tail.iter().flat_map(|t| t.lines()) {
            println!("{}", fit(&format!("    {line}"), WIDTH));
        }
    }
    let verdict = match view.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR: a runner or check broke",
        Verdict::NoTests => "FAIL: no tests ran",
    };
    println!("{verdict}");
    if let Some(why) = &view.nothing_ran_because {
        for part in wrap(&format!("why: {why}"), WIDTH) {
            println!("{part}");
        }
    }
}
