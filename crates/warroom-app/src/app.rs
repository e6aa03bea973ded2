use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warroom_model::{AgentId, Millis, Sender};
use warroom_ops::{Git, Notify, Worktrees};
use warroom_store::{AgentRecord, Store, StoreError, Tx};
use warroom_tmux::{Server, Socket};

use crate::store_pool::{Pooled, StorePool};
use crate::{AppError, Config};

/// Where "now" comes from: the system clock, or a drill clock for tests and
/// drills. A drill clock read `start` at the wall-clock time `anchor` and
/// advances at the real rate from there, so a daemon on a drill clock still
/// sees time pass. Every process of a drill shares the one clock: children
/// inherit `start` and `anchor` through [`Clock::child_env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Drill { start: Millis, anchor: Millis },
}

/// The drill clock's start time (RFC 3339).
pub const DRILL_START_VAR: &str = "WARROOM_NOW";
/// The wall-clock time (ms since the epoch) at which `WARROOM_NOW` was now.
pub const DRILL_ANCHOR_VAR: &str = "WARROOM_NOW_ANCHOR";

impl Clock {
    /// A drill clock that reads `start` now.
    pub fn drill(start: Millis) -> Self {
        Self::Drill {
            start,
            anchor: wall_now(),
        }
    }

    /// The drill clock for `start` in a data directory: the first command
    /// that names `start` anchors it, and later commands naming the same
    /// start continue its time, so a drill's commands stay in order. Best
    /// effort: without a readable directory, this command's own clock.
    pub fn drill_in(data_dir: &Path, start: Millis) -> Self {
        let path = data_dir.join("drill-clock");
        let anchored = std::fs::read_to_string(&path).ok().and_then(|text| {
            let (s, a) = text.trim().split_once(' ')?;
            (s.parse::<Millis>().ok()? == start).then(|| a.parse::<Millis>().ok())?
        });
        if let Some(anchor) = anchored {
            return Self::Drill { start, anchor };
        }
        let clock = Self::drill(start);
        if let Self::Drill { anchor, .. } = clock {
            let _ = std::fs::create_dir_all(data_dir).and_then(|()| {
                let tmp = data_dir.join(format!("drill-clock.{}", std::process::id()));
                OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&tmp)
                    .and_then(|mut f| {
                        std::io::Write::write_all(&mut f, format!("{start} {anchor}\n").as_bytes())
                    })
                    .and_then(|()| std::fs::rename(&tmp, &path))
            });
        }
        clock
    }

    pub fn now(&self) -> Millis {
        match *self {
            Clock::Drill { start, anchor } => start.saturating_add(wall_now() - anchor),
            Clock::System => wall_now(),
        }
    }

    /// The environment a child process (daemon, deliverer, agent) needs to
    /// run on this same clock.
    pub fn child_env(&self) -> Vec<(&'static str, String)> {
        match *self {
            Clock::System => Vec::new(),
            Clock::Drill { start, anchor } => {
                let start = chrono::DateTime::from_timestamp_millis(start)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default();
                vec![
                    (DRILL_START_VAR, start),
                    (DRILL_ANCHOR_VAR, anchor.to_string()),
                ]
            }
        }
    }
}

fn wall_now() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

pub struct AppOptions {
    pub data_dir: PathBuf,
    pub tmux_socket: Socket,
    /// Where agents work and where `warroom.toml` is looked for.
    pub project_dir: PathBuf,
    pub config_layers: Vec<PathBuf>,
    pub clock: Clock,
    /// The person at the terminal.
    pub operator: String,
    /// `WARROOM_AGENT_ID` when the command runs inside an agent's pane.
    pub agent_id: Option<String>,
    /// This binary, for agents that call back into warroom.
    pub warroom_exe: PathBuf,
}

pub struct App {
    pub(crate) data_dir: PathBuf,
    pub(crate) project_dir: PathBuf,
    store: StorePool,
    pub(crate) tmux: Server,
    /// git, for the agents' worktrees.
    pub(crate) git: Box<dyn Worktrees>,
    /// Where pull requests are opened.
    pub(crate) forge: Box<dyn warroom_ops::PullRequests>,
    /// The project's test runners and commands.
    pub(crate) runners: Box<dyn warroom_ops::checks::TestRunners>,
    /// The deploy runbook's commands and checks.
    pub(crate) actions: Box<dyn warroom_ops::deploy::RunbookActions>,
    /// What sends notifications; `None` builds the real one when needed
    /// (an HTTP client costs a moment to build, and most commands send
    /// nothing).
    pub(crate) notifier: Option<Box<dyn Notify>>,
    pub(crate) config: Config,
    clock: Clock,
    operator: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) warroom_exe: PathBuf,
    /// The tmux sessions as last listed, for read-only views that a
    /// long-lived front end (the daemon's HTTP API) serves many times a
    /// second; never for a decision.
    pub(crate) sessions_seen: SessionsSeen,
}

/// How long a listing of the tmux sessions serves read-only views.
const SESSIONS_FRESH_FOR: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Default)]
pub(crate) struct SessionsSeen(
    std::sync::Mutex<Option<(std::time::Instant, std::collections::HashSet<String>)>>,
);

impl App {
    /// Whether a session is running, as a read-only view may show it: from
    /// a listing at most 250 ms old, so a view served many times a second
    /// does not start tmux for each. Decisions ask tmux itself.
    pub(crate) fn session_shown_running(&self, session: &str) -> Result<bool, AppError> {
        let mut seen = self
            .sessions_seen
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = seen
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < SESSIONS_FRESH_FOR);
        if !fresh {
            let listed = self.tmux.list_sessions()?.into_iter().collect();
            *seen = Some((std::time::Instant::now(), listed));
        }
        Ok(seen
            .as_ref()
            .is_some_and(|(_, names)| names.contains(session)))
    }

    pub fn open(options: AppOptions) -> Result<Self, AppError> {
        let config = Config::load(&options.config_layers)?;
        let store = Store::open(&options.data_dir)?;
        let tmux = Server::new(options.tmux_socket, &options.data_dir.join("tmux"))?;
        Ok(Self {
            data_dir: options.data_dir,
            project_dir: options.project_dir,
            store: StorePool::new(store),
            tmux,
            git: Box::new(Git::default()),
            forge: Box::new(warroom_ops::GitHubApi::default()),
            runners: Box::new(warroom_ops::checks::ProjectRunners {
                smoke: config.smoke.clone(),
            }),
            actions: Box::new(warroom_ops::deploy::Prober::new()),
            notifier: None,
            config,
            clock: options.clock,
            operator: options.operator,
            agent_id: options.agent_id,
            warroom_exe: options.warroom_exe,
            sessions_seen: SessionsSeen::default(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn tmux_socket(&self) -> &Socket {
        self.tmux.socket()
    }

    pub(crate) fn now(&self) -> Millis {
        self.clock.now()
    }

    /// The app's clock: the one source of "now" for every caller.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// A connection to the store for this call (see `StorePool`).
    pub(crate) fn store(&self) -> Pooled<'_> {
        self.store.get()
    }

    /// One write transaction, stamped with now and the acting party.
    pub(crate) fn write<T>(
        &self,
        actor: &str,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let at = self.now();
        self.store().write(at, actor, f)
    }

    /// Who is acting: the agent whose pane this command runs in, or the person
    /// (a caller of the HTTP API acts under its token's name: `acting_for`).
    pub fn actor(&self) -> Result<Sender, AppError> {
        if let Some(name) = crate::api::acting_for_now() {
            return Ok(Sender::Human { name });
        }
        let Some(agent) = self.acting_agent()? else {
            return Ok(Sender::Human {
                name: self.operator.clone(),
            });
        };
        let team = self.store().team(agent.team_id)?.ok_or_else(|| {
            AppError::Store(StoreError::Corrupt(format!("{} has no team", agent.id)))
        })?;
        Ok(Sender::Agent {
            id: agent.id,
            label: agent_label(&team.name, &agent),
        })
    }

    /// The agent running this command (`WARROOM_AGENT_ID`, set in every
    /// pane warroom starts); `None` for a person.
    pub(crate) fn acting_agent(&self) -> Result<Option<AgentRecord>, AppError> {
        let Some(raw) = &self.agent_id else {
            return Ok(None);
        };
        let id: AgentId = raw.parse().map_err(|_| {
            AppError::bad_input(format!("WARROOM_AGENT_ID={raw:?} is not an agent id"))
        })?;
        let agent = self.store().agent(id)?.ok_or_else(|| {
            AppError::bad_input(format!(
                "WARROOM_AGENT_ID={raw} names no agent in {}",
                self.data_dir.display()
            ))
        })?;
        Ok(Some(agent))
    }

    /// Serialises deliveries to one agent across processes: two senders must
    /// never type into the same input box at once.
    pub(crate) fn agent_lock(&self, agent: AgentId, wait: Duration) -> Result<File, AppError> {
        let dir = self.data_dir.join("locks");
        std::fs::create_dir_all(&dir).map_err(AppError::io("creating the lock directory"))?;
        let path = dir.join(format!("{agent}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(AppError::io(format!("opening {}", path.display())))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(AppError::failed(format!(
                        "another delivery to {agent} has been running for {wait:.0?}; nothing was typed"
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(AppError::io(format!("locking {}", path.display()))(e));
                }
            }
        }
    }
}

/// How an agent is named to people and other agents: role and address.
pub(crate) fn agent_label(team: &str, agent: &AgentRecord) -> String {
    format!("{} ({team}:{})", agent.role, agent.window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drill_clock_starts_where_it_is_told_and_advances() {
        let start = 1_795_000_000_000;
        let clock = Clock::drill(start);
        let first = clock.now();
        assert!((start..start + 1_000).contains(&first), "{first}");
        std::thread::sleep(Duration::from_millis(30));
        assert!(clock.now() >= first + 30);
    }

    #[test]
    fn the_commands_of_a_drill_share_its_anchor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let start = 1_795_000_000_000;
        let first = Clock::drill_in(dir.path(), start);
        std::thread::sleep(Duration::from_millis(20));
        let second = Clock::drill_in(dir.path(), start);
        assert_eq!(first, second, "the same drill, the same anchor");
        assert!(second.now() >= start + 20, "its time went on");
        let other = Clock::drill_in(dir.path(), start + 60_000);
        assert_ne!(other, first, "another start is another drill");
    }

    #[test]
    fn children_share_the_drill_clock() {
        let clock = Clock::Drill {
            start: 1_795_000_000_000,
            anchor: 1_700_000_000_000,
        };
        let env = clock.child_env();
        assert_eq!(env[0], (DRILL_START_VAR, "2026-11-18T11:06:40.000Z".into()));
        assert_eq!(env[1], (DRILL_ANCHOR_VAR, "1700000000000".into()));
        assert!(Clock::System.child_env().is_empty());
    }
}
