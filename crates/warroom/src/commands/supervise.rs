//! `daemon`, `recovery start` and `monitor performance`.

use std::time::Duration;

use anyhow::{Context, Result};
use warroom_app::{App, AppError, PerformanceView, SupervisedTeam};
use warroom_model::AgentState;
use warroom_model::span::human;
use warroom_server::{
    DaemonInfo, DaemonPaths, LogFollower, Probe, StartSpec, Started, ensure_running, run_daemon,
};

use crate::cli::{Cli, DaemonCommand, MonitorCommand, RecoveryCommand};
use crate::context;
use crate::output::{WIDTH, column, fit, json, stdout_closes_within};

fn paths(app: &App) -> DaemonPaths {
    DaemonPaths::new(app.data_dir())
}

/// Starts the daemon for this data directory and tmux server unless one of
/// this version runs.
pub fn ensure(cli: &Cli, app: &App) -> Result<(DaemonInfo, Started)> {
    let spec = StartSpec {
        exe: std::env::current_exe().context("finding the warroom binary")?,
        args: vec![
            "--data-dir".into(),
            app.data_dir().to_string_lossy().into_owned(),
            "--tmux-socket".into(),
            cli.tmux_socket(),
        ],
        cwd: std::env::current_dir().context("reading the current directory")?,
        env: app
            .clock()
            .child_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    };
    let (info, started) =
        ensure_running(&paths(app), &spec).context("starting the supervisor daemon")?;
    Ok((info, started))
}

/// Starts the supervisor after a deploy, before anything is printed: a
/// reader that stops reading early must not leave the team unwatched.
/// Returns the line to print about it.
pub fn start_after_deploy(cli: &Cli, app: &App) -> Result<String> {
    let (info, started) = ensure(cli, app)?;
    let how = match started {
        Started::AlreadyRunning => "already running",
        Started::Started => "started",
        Started::Replaced => "restarted at this version",
    };
    // It revives crashed agents and runs the timers; the README says so,
    // the line only says where to look.
    Ok(format!(
        "Supervisor: daemon {how} (pid {}); see warroom daemon status",
        info.pid
    ))
}

pub fn daemon(cli: &Cli, command: Option<&DaemonCommand>, as_json: bool) -> Result<()> {
    if let Some(DaemonCommand::Run) = command {
        return run(cli);
    }
    let app = context::open(cli)?;
    let paths = paths(&app);
    match command {
        None | Some(DaemonCommand::Start) => {
            ensure(cli, &app)?;
            status(&app, &paths, as_json)
        }
        Some(DaemonCommand::Status) => status(&app, &paths, as_json),
        Some(DaemonCommand::Stop) => {
            let stopped = warroom_server::stop(&paths).context("stopping the daemon")?;
            if let Some(info) = &stopped {
                app.record_daemon(false, info.pid, &info.version)?;
            }
            if as_json {
                json(&serde_json::json!({ "stopped": stopped }))?;
            } else {
                match stopped {
                    Some(info) => println!("Stopped the supervisor daemon (pid {}).", info.pid),
                    None => println!("No supervisor daemon was running."),
                }
            }
            Ok(())
        }
        Some(DaemonCommand::Logs { lines, follow }) => logs(&paths, *lines, *follow),
        Some(DaemonCommand::Run) => unreachable!("handled above"),
    }
}

fn status(app: &App, paths: &DaemonPaths, as_json: bool) -> Result<()> {
    let probe = paths.probe().context("reading the daemon's status")?;
    let teams = app.supervision_status()?;
    let now = app.clock().now();
    if as_json {
        let (running, info) = match &probe {
            Probe::Running(info) => (true, Some(info)),
            Probe::Stopped { last } => (false, last.as_ref()),
        };
        return json(&serde_json::json!({
            "running": running,
            "daemon": info,
            "log": paths.log(),
            "teams": teams,
        }));
    }
    match &probe {
        Probe::Running(info) => println!(
            "Supervisor daemon: running, pid {}, version {}, up {}, last heartbeat {} ago.",
            info.pid,
            info.version,
            human(now - info.started_at),
            human(now - info.heartbeat_at)
        ),
        Probe::Stopped { last: Some(info) } => println!(
            "Supervisor daemon: not running (the last one, pid {}, started {} ago).\n\
             Start it with: warroom daemon start",
            info.pid,
            human(now - info.started_at)
        ),
        Probe::Stopped { last: None } => {
            println!("Supervisor daemon: not running. Start it with: warroom daemon start")
        }
    }
    if let Probe::Running(info) = &probe {
        match (&info.http, &info.http_refused) {
            (Some(address), _) => println!(
                "HTTP API: {address}/api/v1/teams, events {address}/api/v1/events, status page {address}/status"
            ),
            (None, Some(why)) => println!("HTTP API: not served ({why})"),
            (None, None) => println!("HTTP API: starting"),
        }
    }
    println!("Log: {}", paths.log().display());
    print_teams(&teams, now);
    Ok(())
}

fn print_teams(teams: &[SupervisedTeam], now: i64) {
    if teams.is_empty() {
        println!("No live team on this tmux server.");
    }
    for team in teams {
        println!("Team {} ({} policy):", team.team, team.policy);
        for a in &team.agents {
            let since = a
                .state_since
                .map(|s| format!(" for {}", human(now - s)))
                .unwrap_or_default();
            let mut notes = Vec::new();
            if a.restarts > 0 {
                notes.push(format!(
                    "restarted {} time{} by the supervisor",
                    a.restarts,
                    if a.restarts == 1 { "" } else { "s" }
                ));
            }
            if a.failed {
                notes.push("FAILED: restart it by hand".into());
            }
            if let Some(until) = a.parked_until {
                notes.push(format!("parked {} more", human((until - now).max(0))));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  [{}]", notes.join("; "))
            };
            let line = format!(
                "  {} {} {}{since}{notes}",
                column(&a.target, 16),
                column(&a.role, 24),
                a.state
            );
            println!("{}", fit(&line, WIDTH));
        }
    }
}

fn logs(paths: &DaemonPaths, lines: usize, follow: bool) -> Result<()> {
    let tail = paths.log_tail(lines);
    if !tail.is_empty() {
        println!("{tail}");
    }
    if !follow {
        if tail.is_empty() {
            eprintln!("(the daemon's log {} is empty)", paths.log().display());
        }
        return Ok(());
    }
    let mut follower = LogFollower::new(paths);
    loop {
        // As `agent messages --follow`: end when the reader does.
        if stdout_closes_within(Duration::from_millis(250)) {
            return Ok(());
        }
        print!("{}", follower.next_text()?);
    }
}

/// `daemon run`: the supervisor in this process. The detached daemon
/// runs this; a second one for the same data directory exits at once.
fn run(cli: &Cli) -> Result<()> {
    let data_dir = context::data_dir(cli)?;
    let idle_exit = match std::env::var("WARROOM_DAEMON_IDLE_EXIT") {
        Ok(text) if !text.is_empty() => text
            .parse::<warroom_model::Span>()
            .map(|s| Duration::from_millis(s.millis() as u64))
            .map_err(|e| AppError::bad_input(format!("WARROOM_DAEMON_IDLE_EXIT: {e}")))?,
        _ => IDLE_EXIT,
    };
    let app = context::open(cli)?;
    let opener_dir = data_dir.clone();
    let open_app = Box::new(move |socket: &str| {
        context::open_at(opener_dir.clone(), socket).map_err(|e| AppError::failed(format!("{e:#}")))
    });
    run_daemon(
        &DaemonPaths::new(&data_dir),
        &cli.tmux_socket(),
        app,
        open_app,
        idle_exit,
    )?;
    Ok(())
}

/// The daemon leaves once nothing has needed it for this long.
const IDLE_EXIT: Duration = Duration::from_secs(600);

pub fn recovery(cli: &Cli, app: &App, command: &RecoveryCommand, as_json: bool) -> Result<()> {
    let RecoveryCommand::Start { emergency, session } = command;
    let teams = app.set_supervision(session.as_deref(), *emergency)?;
    let (info, started) = ensure(cli, app)?;
    if as_json {
        return json(&serde_json::json!({ "daemon": info, "started": started, "teams": teams }));
    }
    println!(
        "Recovery {} (daemon pid {}): crashed agents are restarted with their context, rate-limited ones parked and resumed, waiting ones reported.",
        if *emergency {
            "started with the emergency policy"
        } else {
            "started"
        },
        info.pid
    );
    print_teams(&teams, app.clock().now());
    Ok(())
}

pub fn monitor(app: &App, command: &MonitorCommand, as_json: bool) -> Result<()> {
    let (session, analyze) = match command {
        MonitorCommand::Dashboard { session, refresh } => {
            return super::dashboard::run(app, session.as_deref(), *refresh, as_json);
        }
        MonitorCommand::Performance { session, analyze } => (session, analyze),
    };
    let view = app.performance(session, *analyze)?;
    if as_json {
        return json(&view);
    }
    print_performance(&view);
    Ok(())
}

fn print_performance(view: &PerformanceView) {
    println!(
        "Team {}{}: {} observed.",
        view.team,
        view.incident
            .as_ref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default(),
        human(view.to - view.from)
    );
    println!(
        "  {:<15} {:<24} {:>8} {:>8} {:>8} {:>8}  {:>4} {:>4} {:>4} {:>5}",
        "agent", "role", "idle", "busy", "waiting", "down", "sent", "recv", "rest", "todos"
    );
    for a in &view.agents {
        let t = |s: &[AgentState]| human(s.iter().filter_map(|k| a.time_in.get(k)).sum());
        println!(
            "  {} {} {:>8} {:>8} {:>8} {:>8}  {:>4} {:>4} {:>4} {:>5}",
            column(&a.target, 15),
            column(&a.role, 24),
            t(&[AgentState::Idle, AgentState::Error]),
            t(&[AgentState::Busy]),
            t(&[
                AgentState::Waiting,
                AgentState::Gated,
                AgentState::RateLimited
            ]),
            t(&[AgentState::Exited, AgentState::Lost, AgentState::Starting]),
            a.messages_sent,
            a.messages_received,
            a.restarts,
            format!("{}/{}", a.todos_done, a.todos_done + a.todos_open),
        );
    }
    // An hourly rate drawn from a few minutes says more than it knows.
    let pace = if view.todos.over_ms >= 15 * 60_000 {
        format!("{} done per hour", view.todos.done_per_hour)
    } else {
        format!("in the first {}", human(view.todos.over_ms))
    };
    println!(
        "Todos: {} done, {} open ({} blocked), {pace}.",
        view.todos.done, view.todos.open, view.todos.blocked
    );
    for c in view.clocks.iter().filter(|c| c.elapsed_ms.is_some()) {
        println!(
            "  {:<32} {:>8} of {:>8}  {}",
            c.label,
            human(c.elapsed_ms.unwrap_or(0)),
            human(c.target.millis()),
            c.status.as_str()
        );
    }
    if let Some(found) = &view.bottlenecks {
        if found.is_empty() {
            println!("Bottlenecks: none in the event log.");
        } else {
            println!("Bottlenecks, worst first:");
            for b in found {
                println!("  - [{}] {}", b.kind, b.detail);
            }
        }
    }
}
