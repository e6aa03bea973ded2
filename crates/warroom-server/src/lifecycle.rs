//! The daemon's life: one per data directory, proven by a lock the running
//! daemon holds on `daemon/daemon.lock` (the kernel drops it when the
//! process dies, however it dies, so a stale lock cannot exist). Its
//! `status.json` says which pid and version hold it. Starting re-executes
//! this binary (`daemon run`) detached, before any thread exists in the
//! child; starters take `start.lock` so two of them never race.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use serde::{Deserialize, Serialize};
use warroom_model::Millis;

/// This build's version; a daemon of another version is replaced.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Bumped when the daemon's files or duties change incompatibly.
pub const PROTOCOL: u32 = 1;

const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// A log larger than this is moved aside (`daemon.log.1`) at start.
const LOG_LIMIT: u64 = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the daemon did not start within {0:?}; its log says:\n{1}")]
    DidNotStart(Duration, String),
    #[error("the daemon (pid {0}) did not stop within {1:?}")]
    DidNotStop(u32, Duration),
    #[error("{0}")]
    Status(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonError {
    let what = what.into();
    move |source| DaemonError::Io { what, source }
}

/// What the running daemon wrote about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonInfo {
    pub pid: u32,
    pub version: String,
    pub protocol: u32,
    pub started_at: Millis,
    pub heartbeat_at: Millis,
    /// The tmux server of the command that started it.
    pub tmux_socket: String,
    pub log: PathBuf,
    /// Where its HTTP API and status page answer (`http://127.0.0.1:…`),
    /// or why they do not.
    #[serde(default)]
    pub http: Option<String>,
    #[serde(default)]
    pub http_refused: Option<String>,
}

/// Whether a daemon holds the data directory.
#[derive(Debug, Clone)]
pub enum Probe {
    Running(DaemonInfo),
    /// None runs; `last` is what the previous one wrote, if any.
    Stopped {
        last: Option<DaemonInfo>,
    },
}

/// The daemon's files in a data directory.
#[derive(Debug, Clone)]
pub struct DaemonPaths {
    dir: PathBuf,
}

impl DaemonPaths {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("daemon"),
        }
    }

    pub fn lock(&self) -> PathBuf {
        self.dir.join("daemon.lock")
    }

    pub fn status(&self) -> PathBuf {
        self.dir.join("status.json")
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("daemon.log")
    }

    fn start_lock(&self) -> PathBuf {
        self.dir.join("start.lock")
    }

    fn open_lock(&self, path: &Path) -> Result<File, DaemonError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(io(format!("creating {}", self.dir.display())))?;
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io(format!("opening {}", path.display())))
    }

    fn read_status(&self) -> Option<DaemonInfo> {
        let text = std::fs::read_to_string(self.status()).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes the status atomically (a reader never sees half of it).
    pub(crate) fn write_status(&self, info: &DaemonInfo) -> Result<(), DaemonError> {
        let tmp = self.dir.join(format!("status.json.{}", info.pid));
        let text =
            serde_json::to_string_pretty(info).map_err(|e| DaemonError::Status(e.to_string()))?;
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, self.status()))
            .map_err(io(format!("writing {}", self.status().display())))
    }

    /// Whether a daemon runs, by its lock (not by a pid that may be reused).
    pub fn probe(&self) -> Result<Probe, DaemonError> {
        let lock = self.open_lock(&self.lock())?;
        match lock.try_lock() {
            Ok(()) => Ok(Probe::Stopped {
                last: self.read_status(),
            }),
            Err(TryLockError::WouldBlock) => {
                // The holder writes its status right after locking.
                let deadline = Instant::now() + Duration::from_secs(2);
                loop {
                    match self.read_status() {
                        Some(info) => return Ok(Probe::Running(info)),
                        None if Instant::now() > deadline => {
                            return Err(DaemonError::Status(format!(
                                "a daemon holds {} but wrote no status",
                                self.lock().display()
                            )));
                        }
                        None => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            Err(TryLockError::Error(e)) => Err(io(format!("locking {}", self.lock().display()))(e)),
        }
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// How to start the daemon: this binary and the global arguments that
/// point it at the same data directory and tmux server.
#[derive(Debug, Clone)]
pub struct StartSpec {
    pub exe: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// Set in the daemon's environment (the drill clock it runs on).
    pub env: Vec<(String, String)>,
}

/// What `ensure_running` found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Started {
    AlreadyRunning,
    Started,
    /// A daemon of another version was stopped and this one started.
    Replaced,
}

/// Starts the daemon unless one of this version runs already.
pub fn ensure_running(
    paths: &DaemonPaths,
    spec: &StartSpec,
) -> Result<(DaemonInfo, Started), DaemonError> {
    let start_lock = paths.open_lock(&paths.start_lock())?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match start_lock.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(DaemonError::DidNotStart(
                    START_TIMEOUT,
                    "another start is under way".into(),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(io("locking start.lock")(e)),
        }
    }
    let mut how = Started::Started;
    if let Probe::Running(info) = paths.probe()? {
        if info.version == VERSION && info.protocol == PROTOCOL {
            return Ok((info, Started::AlreadyRunning));
        }
        stop(paths)?;
        how = Started::Replaced;
    }
    let info = spawn(paths, spec)?;
    Ok((info, how))
}

fn spawn(paths: &DaemonPaths, spec: &StartSpec) -> Result<DaemonInfo, DaemonError> {
    std::fs::create_dir_all(&paths.dir).map_err(io("creating the daemon directory"))?;
    let log_path = paths.log();
    if std::fs::metadata(&log_path).is_ok_and(|m| m.len() > LOG_LIMIT) {
        let _ = std::fs::rename(&log_path, paths.dir.join("daemon.log.1"));
    }
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(io(format!("opening {}", log_path.display())))?;
    let log_err = log.try_clone().map_err(io("duplicating the log"))?;
    let mut child = Command::new(&spec.exe)
        .args(&spec.args)
        .args(["daemon", "run"])
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        // Not an agent, whatever pane started it.
        .env_remove("WARROOM_AGENT_ID")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(io(format!("starting {}", spec.exe.display())))?;
    let pid = child.id();
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Probe::Running(info) = paths.probe()?
            && info.pid == pid
        {
            // It lives on detached; reap it in the background if it ends
            // while this process still runs.
            std::thread::spawn(move || child.wait());
            return Ok(info);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(DaemonError::DidNotStart(
                START_TIMEOUT,
                format!("it exited ({status})\n{}", paths.log_tail(10)),
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DaemonError::DidNotStart(START_TIMEOUT, paths.log_tail(10)));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the running daemon (SIGTERM, then SIGKILL); returns what it was.
pub fn stop(paths: &DaemonPaths) -> Result<Option<DaemonInfo>, DaemonError> {
    let Probe::Running(info) = paths.probe()? else {
        return Ok(None);
    };
    if !is_our_daemon(info.pid) {
        return Err(DaemonError::Status(format!(
            "{} names pid {}, which is not a warroom daemon; not signalling it",
            paths.status().display(),
            info.pid
        )));
    }
    let pid = Pid::from_raw(info.pid as i32)
        .ok_or_else(|| DaemonError::Status(format!("bad pid {}", info.pid)))?;
    let _ = rustix::process::kill_process(pid, Signal::TERM);
    if wait_released(paths, STOP_TIMEOUT)? {
        return Ok(Some(info));
    }
    let _ = rustix::process::kill_process(pid, Signal::KILL);
    if wait_released(paths, STOP_TIMEOUT)? {
        return Ok(Some(info));
    }
    Err(DaemonError::DidNotStop(info.pid, STOP_TIMEOUT * 2))
}

fn wait_released(paths: &DaemonPaths, timeout: Duration) -> Result<bool, DaemonError> {
    let deadline = Instant::now() + timeout;
    loop {
        if matches!(paths.probe()?, Probe::Stopped { .. }) {
            return Ok(true);
        }
        if Instant::now() > deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Guards against a reused pid: the process must be `… daemon run`.
fn is_our_daemon(pid: u32) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => {
            let args: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
            args.windows(2).any(|w| w[0] == b"daemon" && w[1] == b"run")
        }
        // No /proc: trust the lock.
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

/// Held by the running daemon for its whole life.
pub struct DaemonGuard {
    _lock: File,
    paths: DaemonPaths,
    pub info: DaemonInfo,
}

impl DaemonGuard {
    /// In the daemon process: leaves the starter's session (no terminal
    /// hang-up reaches it), takes the lock, writes its status. `None` when
    /// another daemon holds the directory.
    pub fn acquire(
        paths: &DaemonPaths,
        tmux_socket: &str,
        now: Millis,
    ) -> Result<Option<Self>, DaemonError> {
        let _ = rustix::process::setsid();
        let lock = paths.open_lock(&paths.lock())?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io("locking daemon.lock")(e)),
        }
        let info = DaemonInfo {
            pid: std::process::id(),
            version: VERSION.to_owned(),
            protocol: PROTOCOL,
            started_at: now,
            heartbeat_at: now,
            tmux_socket: tmux_socket.to_owned(),
            log: paths.log(),
            http: None,
            http_refused: None,
        };
        paths.write_status(&info)?;
        Ok(Some(Self {
            _lock: lock,
            paths: paths.clone(),
            info,
        }))
    }

    /// Records where the API answers (or why it does not), at once.
    pub fn set_http(
        &mut self,
        address: Option<String>,
        refused: Option<String>,
    ) -> Result<(), DaemonError> {
        self.info.http = address;
        self.info.http_refused = refused;
        self.paths.write_status(&self.info)
    }

    pub fn heartbeat(&mut self, now: Millis) -> Result<(), DaemonError> {
        self.info.heartbeat_at = now;
        self.paths.write_status(&self.info)
    }
}

/// One line in the daemon's log (its stderr is the log file).
pub fn log_line(level: &str, message: &str) {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{at} {level:5} {message}");
}
