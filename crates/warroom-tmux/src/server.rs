use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::control::ControlClient;
use crate::pane::{PANE_FORMAT, PaneInfo, Spawn};
use crate::{Socket, TmuxError};

/// The options of warroom's private server: dead panes stay visible (a crash
/// is evidence, not a vanished window), window names stay as warroom set them.
const SERVER_CONF: &str = "\
set -g remain-on-exit on
set -g history-limit 10000
set -g automatic-rename off
set -g allow-rename off
set -g focus-events on
set -g base-index 0
set -g exit-empty on
";

/// The longest wait for a turn to attach or detach: beyond any turn's
/// length (a reply's timeout).
const TURN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Where the processes using one tmux server take turns: beside a socket
/// given by path; for a named socket, in a per-user directory next to
/// tmux's own (`$TMUX_TMPDIR` or /tmp).
fn control_lock_path(socket: &Socket) -> Result<PathBuf, TmuxError> {
    match socket {
        Socket::Path(path) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".warroom-lock");
            Ok(PathBuf::from(name))
        }
        Socket::Name(name) => {
            let base = std::env::var_os("TMUX_TMPDIR")
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
            let uid = rustix::process::getuid().as_raw();
            let dir = base.join(format!("warroom-{uid}"));
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)?;
            Ok(dir.join(format!("{name}.control-lock")))
        }
    }
}

/// What a new session's first window runs until its program, with its
/// environment, replaces it.
const PLACEHOLDER: &[&str] = &["sleep", "2147483647"];

/// A tmux server reached through one socket. Plain invocations go through
/// here; per-session work goes through `control`.
#[derive(Debug, Clone)]
pub struct Server {
    socket: Socket,
    config: PathBuf,
    /// Taken while a control client attaches or detaches: tmux 3.3a
    /// segfaults when many control clients come and go at once. One per
    /// tmux server, whatever data directory the process works on.
    control_lock: PathBuf,
}

impl Server {
    /// `state_dir` receives the server's config file (used when this call
    /// starts the server).
    pub fn new(socket: Socket, state_dir: &Path) -> Result<Self, TmuxError> {
        std::fs::create_dir_all(state_dir)?;
        let config = state_dir.join("tmux.conf");
        if std::fs::read_to_string(&config).ok().as_deref() != Some(SERVER_CONF) {
            let tmp = state_dir.join(format!("tmux.conf.{}", std::process::id()));
            std::fs::write(&tmp, SERVER_CONF)?;
            std::fs::rename(&tmp, &config)?;
        }
        let control_lock = control_lock_path(&socket)?;
        Ok(Self {
            socket,
            config,
            control_lock,
        })
    }

    /// Waits for this process's turn to attach or detach a control client
    /// (every warroom process on this tmux server takes turns); the turn
    /// ends when the file is dropped. A turn lasts at most a reply's
    /// timeout, so a longer wait means something is stuck: an error, not a
    /// hang.
    pub(crate) fn control_turn(&self) -> Result<File, TmuxError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.control_lock)?;
        let deadline = std::time::Instant::now() + TURN_TIMEOUT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(TmuxError::Timeout(
                        "a turn to attach to tmux".into(),
                        TURN_TIMEOUT,
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
            }
        }
    }

    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// `tmux` with this server's socket and config; `TMUX` is removed so a
    /// warroom run inside the user's own tmux never talks to that server.
    pub(crate) fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.args(self.socket.args())
            .arg("-f")
            .arg(&self.config)
            .env_remove("TMUX");
        cmd
    }

    fn run<I, S>(&self, args: I) -> Result<String, TmuxError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.tmux();
        cmd.args(args).stdin(Stdio::null());
        let shown = format!("{:?}", cmd.get_args().skip(5).collect::<Vec<_>>());
        let out = cmd.output().map_err(TmuxError::Spawn)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(TmuxError::Command {
                command: shown,
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    fn is_no_server(err: &TmuxError) -> bool {
        matches!(err, TmuxError::Command { message, .. }
            if message.contains("no server running") || message.contains("error connecting to")
                || message.contains("No such file or directory"))
    }

    /// Starts a detached session whose first window runs `spawn` (starting
    /// the server if needed). The environment never goes on a command line
    /// (`ps` would show an API key for as long as the server lives, since the
    /// server keeps the argv of the client that started it): the window
    /// starts with a placeholder, and the program replaces it through a
    /// control client, whose commands travel on a pipe.
    pub fn new_session(
        &self,
        session: &str,
        spawn: &Spawn,
        size: (u16, u16),
    ) -> Result<PaneInfo, TmuxError> {
        let mut args: Vec<String> = vec![
            "new-session".into(),
            "-d".into(),
            "-s".into(),
            session.into(),
            "-n".into(),
            spawn.window_name.clone(),
            "-x".into(),
            size.0.to_string(),
            "-y".into(),
            size.1.to_string(),
            "-c".into(),
            spawn.cwd.to_string_lossy().into_owned(),
            "-P".into(),
            "-F".into(),
            PANE_FORMAT.into(),
            "--".into(),
        ];
        if spawn.env.is_empty() {
            args.extend(spawn.argv.iter().cloned());
        } else {
            args.extend(PLACEHOLDER.iter().map(|a| (*a).to_owned()));
        }
        let out = self.run(&args)?;
        let placeholder = PaneInfo::parse("new-session", out.trim_end_matches('\n'))?;
        if spawn.env.is_empty() {
            return Ok(placeholder);
        }
        let started = ControlClient::attach(self, session).and_then(|client| {
            client.respawn(&placeholder.pane_id, spawn)?;
            client
                .pane(&placeholder.pane_id)?
                .ok_or_else(|| TmuxError::Disconnected(format!("{session}'s first pane vanished")))
        });
        if started.is_err() {
            // No session left running a placeholder nobody will replace.
            let _ = self.run(["kill-session", "-t", &format!("={session}")]);
        }
        started
    }

    /// What `tmux -V` says (`tmux 3.3a`): the installed client, which needs
    /// no running server.
    pub fn version(&self) -> Result<String, TmuxError> {
        Ok(self.run(["-V"])?.trim().to_owned())
    }

    pub fn has_session(&self, session: &str) -> Result<bool, TmuxError> {
        match self.run(["has-session", "-t", &format!("={session}")]) {
            Ok(_) => Ok(true),
            Err(e) if Self::is_no_server(&e) => Ok(false),
            Err(TmuxError::Command { message, .. }) if message.contains("can't find session") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    pub fn list_sessions(&self) -> Result<Vec<String>, TmuxError> {
        match self.run(["list-sessions", "-F", "#{session_name}"]) {
            Ok(out) => Ok(out.lines().map(str::to_owned).collect()),
            Err(e) if Self::is_no_server(&e) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    pub fn kill_session(&self, session: &str) -> Result<(), TmuxError> {
        if !self.has_session(session)? {
            return Err(TmuxError::NoSession(session.to_owned()));
        }
        self.run(["kill-session", "-t", &format!("={session}")])
            .map(drop)
    }

    /// Ends the whole server (tests and demos on their own socket only).
    pub fn kill_server(&self) -> Result<(), TmuxError> {
        match self.run(["kill-server"]) {
            Err(e) if Self::is_no_server(&e) => Ok(()),
            other => other.map(drop),
        }
    }

    /// Loads `data` into a named paste buffer. Control mode cannot carry a
    /// large payload on its command line, so this is a plain invocation
    /// reading standard input.
    pub fn load_buffer(&self, buffer: &str, data: &[u8]) -> Result<(), TmuxError> {
        let mut child = self
            .tmux()
            .args(["load-buffer", "-b", buffer, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(TmuxError::Spawn)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(data)?;
        }
        let out = child.wait_with_output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(TmuxError::Command {
                command: "load-buffer".into(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    /// The command that attaches a terminal to a session (run by the caller,
    /// which hands it the terminal).
    pub fn attach_command(&self, session: &str) -> Command {
        let mut cmd = self.tmux();
        cmd.args(["attach-session", "-t", &format!("={session}")]);
        cmd
    }

    /// A control-mode client attached to `session`.
    pub fn control(&self, session: &str) -> Result<ControlClient, TmuxError> {
        if !self.has_session(session)? {
            return Err(TmuxError::NoSession(session.to_owned()));
        }
        ControlClient::attach(self, session)
    }
}
