//! Live tests on a private tmux server per test (a socket in a temp dir),
//! killed by its own socket when the test ends.

mod control;
mod hardening;
mod quoting;
mod sessions;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warroom_tmux::{PaneId, Server, Socket, Spawn};

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub server: Server,
}

impl TestServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let server =
            Server::new(Socket::Path(dir.path().join("sock")), dir.path()).expect("server");
        Self { dir, server }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.server.kill_server();
    }
}

pub fn spawn(name: &str, cwd: &Path, argv: &[&str]) -> Spawn {
    Spawn {
        window_name: name.into(),
        cwd: cwd.to_owned(),
        env: vec![("WARROOM_TEST".into(), "1".into())],
        argv: argv.iter().map(|s| s.to_string()).collect(),
    }
}

/// A pane running `cat` in raw mode into `out`: every byte typed lands in the file.
pub fn raw_cat(out: &Path) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!("stty raw -echo; exec cat > '{}'", out.display()),
    ]
}

pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn wait_for_command(client: &warroom_tmux::ControlClient, pane: &PaneId, command: &str) {
    wait_until(&format!("{pane} to run {command}"), || {
        client
            .pane(pane)
            .expect("list panes")
            .is_some_and(|p| p.current_command == command)
    });
}
