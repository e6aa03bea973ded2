//! The daemon's loop: each live team is looked at once per tick (sooner
//! when one of its panes prints, at most every `MIN_GAP`), the incident
//! timers run every second, and the status heartbeat every few seconds.
//! Everything it decides is in the store, so killing it loses nothing.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use warroom_app::{App, AppError, TeamWatcher};
use warroom_model::TeamId;

use crate::lifecycle::{DaemonGuard, log_line};

/// Looks at a team no more often than this, however much its panes print.
const MIN_GAP: Duration = Duration::from_millis(200);
/// How often the teams' output channels are looked at between ticks.
const OUTPUT_POLL: Duration = Duration::from_millis(25);
const TIMERS_EVERY: Duration = Duration::from_secs(1);
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// How often the list of live teams is read again.
const TEAMS_EVERY: Duration = Duration::from_secs(1);
/// How often running rollouts are moved on: well under a check's interval,
/// so a failing canary is rolled back within a quarter second of the
/// measurement that failed it.
const ROLLOUTS_EVERY: Duration = Duration::from_millis(250);

/// Opens the app for a tmux server (teams may live on different servers).
pub type OpenApp = dyn Fn(&str) -> Result<App, AppError>;

pub struct Supervisor {
    primary: Arc<App>,
    open_app: Box<OpenApp>,
    apps: HashMap<String, Arc<App>>,
    watchers: HashMap<TeamId, (Arc<App>, TeamWatcher)>,
}

impl Supervisor {
    pub fn new(primary: App, open_app: Box<OpenApp>) -> Self {
        let primary = Arc::new(primary);
        let mut apps = HashMap::new();
        apps.insert(primary.tmux_socket().to_string(), Arc::clone(&primary));
        Self {
            primary,
            open_app,
            apps,
            watchers: HashMap::new(),
        }
    }

    /// Runs until the process is stopped (SIGTERM from `daemon stop`, or
    /// any death: nothing is lost, see the module comment), or until there
    /// has been nothing to watch (no live team, no open incident) for
    /// `idle_exit`.
    pub fn run(&mut self, guard: &mut DaemonGuard, idle_exit: Duration) {
        log_line(
            "INFO",
            &format!(
                "warroom daemon {} (pid {}) supervising {}",
                guard.info.version,
                guard.info.pid,
                self.primary.data_dir().display()
            ),
        );
        let mut last_timers = Instant::now() - TIMERS_EVERY;
        let mut last_heartbeat = Instant::now();
        let mut last_teams = Instant::now() - TEAMS_EVERY;
        let mut idle_since: Option<Instant> = None;
        self.start_rollouts();
        let http = self.start_http();
        let mut http_told = false;
        loop {
            let started = Instant::now();
            let idle = self.watchers.is_empty()
                && !self.primary.has_open_incidents().unwrap_or(true)
                && !self.primary.has_active_rollouts().unwrap_or(true);
            match (idle, idle_since) {
                (false, _) => idle_since = None,
                (true, None) => idle_since = Some(started),
                (true, Some(since)) if since.elapsed() >= idle_exit => {
                    log_line(
                        "INFO",
                        &format!(
                            "nothing to watch for {idle_exit:?}: no live team, no open incident; exiting"
                        ),
                    );
                    return;
                }
                (true, Some(_)) => {}
            }
            if last_teams.elapsed() >= TEAMS_EVERY {
                last_teams = Instant::now();
                if let Err(e) = self.refresh_teams() {
                    log_line("ERROR", &format!("reading the live teams: {e}"));
                }
            }
            self.look_at_teams();
            if last_timers.elapsed() >= TIMERS_EVERY {
                last_timers = Instant::now();
                if let Err(e) = self.primary.run_timers() {
                    log_line("ERROR", &format!("timers: {e}"));
                }
            }
            if !http_told && let Some(said) = http.get() {
                http_told = true;
                let (address, refused) = match said {
                    Ok(address) => (Some(address.clone()), None),
                    Err(why) => (None, Some(why.clone())),
                };
                if let Err(e) = guard.set_http(address, refused) {
                    log_line("ERROR", &format!("recording the HTTP address: {e}"));
                }
            }
            if last_heartbeat.elapsed() >= HEARTBEAT_EVERY {
                last_heartbeat = Instant::now();
                let now = self.primary.clock().now();
                if let Err(e) = guard.heartbeat(now) {
                    log_line("ERROR", &format!("heartbeat: {e}"));
                }
            }
            self.wait(started);
        }
    }

    /// Rollouts run on a thread of their own, with an app of their own: a
    /// measurement that waits out its timeout must not hold up the agents'
    /// supervision, nor a stuck pane a rollback.
    fn start_rollouts(&self) {
        let app = match (self.open_app)(&self.primary.tmux_socket().to_string()) {
            Ok(app) => app,
            Err(e) => {
                log_line("ERROR", &format!("rollouts will not run: {e}"));
                return;
            }
        };
        let spawned = std::thread::Builder::new()
            .name("rollouts".into())
            .spawn(move || {
                loop {
                    let started = Instant::now();
                    match app.drive_rollouts() {
                        Ok(lines) => lines.iter().for_each(|l| log_line("INFO", l)),
                        Err(e) => log_line("ERROR", &format!("rollouts: {e}")),
                    }
                    std::thread::sleep(ROLLOUTS_EVERY.saturating_sub(started.elapsed()));
                }
            });
        if let Err(e) = spawned {
            log_line("ERROR", &format!("rollouts will not run: {e}"));
        }
    }

    /// The HTTP API on a thread of its own, with an app of its own; what
    /// came of it (the address, or why not) is set once.
    fn start_http(&self) -> Arc<OnceLock<Result<String, String>>> {
        let told: Arc<OnceLock<Result<String, String>>> = Arc::new(OnceLock::new());
        let app = match (self.open_app)(&self.primary.tmux_socket().to_string()) {
            Ok(app) => app,
            Err(e) => {
                let _ = told.set(Err(e.to_string()));
                return told;
            }
        };
        let settings = match crate::http::settings(&app) {
            Ok(Some(settings)) => settings,
            Ok(None) => {
                let _ = told.set(Err("[http] enabled = false".into()));
                return told;
            }
            Err(e) => {
                log_line("ERROR", &format!("HTTP API not served: {e}"));
                let _ = told.set(Err(e.to_string()));
                return told;
            }
        };
        let cell = Arc::clone(&told);
        let spawned = std::thread::Builder::new()
            .name("http".into())
            .spawn(move || {
                let bound = Arc::clone(&cell);
                let served = crate::http::serve(Arc::new(app), settings, move |addr| {
                    log_line(
                        "INFO",
                        &format!("HTTP API and status page on http://{addr}"),
                    );
                    let _ = bound.set(Ok(format!("http://{addr}")));
                });
                if let Err(e) = served {
                    log_line("ERROR", &format!("HTTP API: {e}"));
                    let _ = cell.set(Err(e.to_string()));
                }
            });
        if let Err(e) = spawned {
            let _ = told.set(Err(e.to_string()));
        }
        told
    }

    fn refresh_teams(&mut self) -> Result<(), AppError> {
        let mut live = Vec::new();
        for socket in self.primary.live_team_sockets()? {
            let app = match self.apps.get(&socket) {
                Some(app) => Arc::clone(app),
                None => {
                    let app = Arc::new((self.open_app)(&socket)?);
                    self.apps.insert(socket.clone(), Arc::clone(&app));
                    app
                }
            };
            for team in app.supervised_teams()? {
                live.push(team.id);
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    self.watchers.entry(team.id)
                {
                    log_line(
                        "INFO",
                        &format!("watching team {} (tmux server {socket})", team.name),
                    );
                    slot.insert((Arc::clone(&app), TeamWatcher::new(team)));
                }
            }
        }
        self.watchers.retain(|id, (_, w)| {
            let keep = live.contains(id);
            if !keep {
                log_line(
                    "INFO",
                    &format!("team {} ended; no longer watched", w.team.name),
                );
            }
            keep
        });
        Ok(())
    }

    fn look_at_teams(&mut self) {
        for (app, watcher) in self.watchers.values_mut() {
            match app.supervise_tick(watcher) {
                Ok(report) => {
                    for (agent, action) in &report.actions {
                        log_line(
                            "INFO",
                            &format!("{} {agent}: {}", watcher.team.name, action.describe()),
                        );
                    }
                    if report.restored {
                        log_line("WARN", &format!("team {} restored", watcher.team.name));
                    }
                    if let Some(reason) = report.detached {
                        log_line(
                            "WARN",
                            &format!("lost team {}'s tmux session: {reason}", watcher.team.name),
                        );
                    }
                }
                Err(e) => log_line("ERROR", &format!("team {}: {e}", watcher.team.name)),
            }
        }
    }

    /// Until the next tick, or earlier when a pane prints (but never
    /// sooner than `MIN_GAP` after the last look).
    fn wait(&mut self, started: Instant) {
        let tick = self
            .watchers
            .values()
            .filter_map(|(app, w)| app.supervision_policy(&w.team).ok())
            .map(|p| Duration::from_millis(p.tick.millis().max(50) as u64))
            .min()
            .unwrap_or(Duration::from_millis(500));
        if self.watchers.values().any(|(_, w)| w.has_news()) {
            std::thread::sleep(MIN_GAP.saturating_sub(started.elapsed()));
            return;
        }
        // Every team's output wakes the loop, whichever tmux server it is
        // on: the channels are looked at every 25 ms (no tmux
        // call), so one printing pane is seen within that.
        let deadline = started + tick;
        while Instant::now() < deadline {
            let now = self.primary.clock().now();
            let mut news = false;
            for (_, watcher) in self.watchers.values_mut() {
                news |= watcher.poll_output(now);
            }
            if news {
                break;
            }
            std::thread::sleep(OUTPUT_POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
        std::thread::sleep(MIN_GAP.saturating_sub(started.elapsed()));
    }
}
