use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// More environment for every warroom command (model endpoints, PATH).
    pub extra: Vec<(String, String)>,
    /// The drill clock every command runs on, once a test sets one: a test
    /// never mixes it with the wall clock.
    drill: Mutex<Option<(String, String)>>,
}

impl TestEnv {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "project", "data"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        Self {
            dir,
            extra: Vec::new(),
            drill: Mutex::new(None),
        }
    }

    /// From now on every command of this test, and every process they
    /// start, runs on one drill clock that reads `when` now and advances.
    pub fn drill(&self, when: &str) {
        let anchor = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis();
        *self.drill.lock().expect("drill lock") = Some((when.to_owned(), anchor.to_string()));
    }

    /// quick-deploy and incident declare --deploy start the supervisor.
    pub fn with_daemon(mut self) -> Self {
        self.extra.push(("WARROOM_NO_DAEMON".into(), "0".into()));
        self
    }

    /// The pid of the supervisor daemon this test's data directory holds.
    pub fn daemon_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.path("data/daemon/status.json")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let pid = v["pid"].as_u64()? as u32;
        // Only a live `warroom … daemon run` of ours, never a reused pid.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let ours = cmdline
            .split(|b| *b == 0)
            .any(|a| a == self.path("data").as_os_str().as_encoded_bytes());
        ours.then_some(pid)
    }

    pub fn kill_daemon(&self) {
        if let Some(pid) = self.daemon_pid() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).output();
            wait_until("the daemon to die", Duration::from_secs(5), || {
                !std::path::Path::new(&format!("/proc/{pid}")).exists()
                    || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                        .is_ok_and(|s| s.contains(") Z "))
            });
        }
    }

    /// What a file channel named `notices.jsonl` (in this env's dir)
    /// received, one JSON object per notice.
    pub fn notices(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("notices.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("notice is JSON"))
            .collect()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn socket(&self) -> PathBuf {
        self.path("tmux.sock")
    }

    /// `warroom` with a hermetic environment: nothing from the user's HOME,
    /// tmux server, git config or warroom settings leaks in.
    pub fn warroom(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("warroom"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("USER", "tester")
            .env("TZ", "UTC")
            .env("WARROOM_HOME", self.path("data"))
            .env("WARROOM_TMUX_SOCKET", self.socket())
            // Tests that want the supervisor say so (`with_daemon`).
            .env("WARROOM_NO_DAEMON", "1")
            .current_dir(self.path("project"));
        for (k, v) in &self.extra {
            cmd.env(k, v);
        }
        if let Some((when, anchor)) = self.drill.lock().expect("drill lock").as_ref() {
            cmd.env("WARROOM_NOW", when)
                .env("WARROOM_NOW_ANCHOR", anchor);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.warroom().args(args).output().expect("warroom runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and requires exit 0.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.code, 0,
            "warroom {args:?} failed:\n{}{}",
            out.stdout, out.stderr
        );
        out
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    }

    /// `--json` output of a command that must exit with `code`.
    pub fn json_code(&self, args: &[&str], code: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(
            out.code, code,
            "warroom {args:?}:\n{}{}",
            out.stdout, out.stderr
        );
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    }

    /// Deploys a team of simulated agents following `scenario`.
    pub fn deploy(&self, team: &str, size: &str, scenario: &str) -> Value {
        self.json(&[
            "quick-deploy",
            "backend",
            size,
            "--project-name",
            team,
            "--agent",
            "sim",
            "--scenario",
            scenario,
        ])
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(self.socket())
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn capture(&self, pane: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", pane, "-S", "-200"])
    }

    /// The messages a simulated agent received, exactly as it read them.
    pub fn transcript(&self, agent: &str) -> Vec<String> {
        let path = self.path("data").join("sim").join(format!("{agent}.jsonl"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("transcript line is JSON");
                v["text"].as_str().expect("text").to_owned()
            })
            .collect()
    }

    /// Waits until every agent of the team is idle (after a message it works).
    pub fn wait_idle(&self, team: &str) {
        wait_until(
            &format!("{team}'s agents to be idle"),
            Duration::from_secs(15),
            || {
                let agents = self.json(&["agent", "list", team]);
                agents
                    .as_array()
                    .is_some_and(|a| a.iter().all(|a| a["state"] == "idle"))
            },
        );
    }

    pub fn messages(&self, team: &str) -> Vec<Value> {
        let out = self.ok(&["--json", "agent", "messages", team]);
        out.stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Our own daemon, by the pid it wrote in our data directory.
        self.kill_daemon();
        // Our own server, by our own socket: never anything else.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(self.socket())
            .arg("kill-server")
            .output();
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A webhook receiver on 127.0.0.1 that keeps every body it is sent.
pub struct Receiver {
    pub url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (s, b) = (Arc::clone(&server), Arc::clone(&bodies));
        std::thread::spawn(move || {
            for mut request in s.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                b.lock().expect("lock").push(body);
                let _ = request.respond(tiny_http::Response::from_string("ok"));
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            bodies,
            server,
        }
    }

    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().expect("lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}
