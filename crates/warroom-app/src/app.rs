use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use warroom_model::{AgentId, Millis, Sender};
use warroom_store::{AgentRecord, Store, StoreError, Tx};
use warroom_tmux::{Server, Socket};

use crate::{AppError, Config};

/// Where "now" comes from: the system clock, or a fixed time
/// (`WARROOM_NOW`) for tests and drills.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(Millis),
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
    pub(crate) store: Mutex<Store>,
    pub(crate) tmux: Server,
    pub(crate) config: Config,
    clock: Clock,
    operator: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) warroom_exe: PathBuf,
}

impl App {
    pub fn open(options: AppOptions) -> Result<Self, AppError> {
        let config = Config::load(&options.config_layers)?;
        let store = Store::open(&options.data_dir)?;
        let tmux = Server::new(options.tmux_socket, &options.data_dir.join("tmux"))?;
        Ok(Self {
            data_dir: options.data_dir,
            project_dir: options.project_dir,
            store: Mutex::new(store),
            tmux,
            config,
            clock: options.clock,
            operator: options.operator,
            agent_id: options.agent_id,
            warroom_exe: options.warroom_exe,
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
        match self.clock {
            Clock::Fixed(at) => at,
            Clock::System => chrono::Utc::now().timestamp_millis(),
        }
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // Store calls do not panic midway through a write (transactions roll
        // back on drop), so a poisoned lock still guards consistent data.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Who is acting: the agent whose pane this command runs in, or the person.
    pub fn actor(&self) -> Result<Sender, AppError> {
        let Some(raw) = &self.agent_id else {
            return Ok(Sender::Human {
                name: self.operator.clone(),
            });
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
        let team = self.store().team(agent.team_id)?.ok_or_else(|| {
            AppError::Store(StoreError::Corrupt(format!("{} has no team", agent.id)))
        })?;
        Ok(Sender::Agent {
            id,
            label: agent_label(&team.name, &agent),
        })
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
