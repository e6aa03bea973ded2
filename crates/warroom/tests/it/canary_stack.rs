//! A small production for rollout tests, all real and on 127.0.0.1: a
//! service in two versions (Python's http.server: `/` and `/health`
//! answered, requests counted per version and status on `/metrics`), a real
//! HAProxy in front whose weights its runtime API sets (the runbook's
//! set-weight command), a real Prometheus scraping both versions every
//! second, and traffic through the proxy. Every process is ours, ended by
//! its pid when the stack is dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::env::wait_until;

const SERVICE: &str = r##"import http.server, sys, threading
port, version, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
counts, lock = {}, threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def answer(self, code, body, kind="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/metrics":
            with lock:
                lines = [f'http_requests_total{{version="{version}",code="{c}"}} {n}' for c, n in counts.items()]
            return self.answer(200, "# TYPE http_requests_total counter\n" + "\n".join(lines) + "\n")
        code = 500 if mode == "bad" else 200
        with lock:
            counts[str(code)] = counts.get(str(code), 0) + 1
        self.answer(code, f"{version} {'error' if code == 500 else 'ok'}\n")
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
"##;

/// The runbook's set-weight: the canary gets `weight`, the stable the rest,
/// through HAProxy's runtime API; anything HAProxy answers is an error.
const SET_WEIGHT: &str = r#"import socket, sys
sock, weight = sys.argv[1], int(sys.argv[2])
for server, w in (("canary", weight), ("stable", 100 - weight)):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(f"set weight be/{server} {w}\n".encode())
    answer = b""
    while chunk := s.recv(4096):
        answer += chunk
    s.close()
    if answer.strip():
        print(answer.decode())
        sys.exit(1)
print(f"canary {weight}%")
"#;

pub struct Stack {
    pub dir: PathBuf,
    pub proxy: u16,
    pub canary: u16,
    pub prometheus: u16,
    children: Vec<Child>,
    load: Arc<AtomicBool>,
    load_thread: Option<std::thread::JoinHandle<()>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn spawn(cmd: &mut Command, what: &str) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start ({e}): .ci/run installs it"))
}

/// One HTTP GET; the status and body, or `None` when nothing answered.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    Some((status, body))
}

impl Stack {
    /// Stable `v1` and canary `v2` (answering 500 to everything when
    /// `bad`), the canary at weight 0.
    pub fn start(dir: &Path, bad: bool) -> Stack {
        std::fs::create_dir_all(dir).expect("mkdir");
        std::fs::write(dir.join("service.py"), SERVICE).expect("service");
        std::fs::write(dir.join("set_weight.py"), SET_WEIGHT).expect("set_weight");
        let (stable, canary, proxy, prometheus) =
            (free_port(), free_port(), free_port(), free_port());
        let mut children = Vec::new();
        for (port, version, mode) in [
            (stable, "v1", "good"),
            (canary, "v2", if bad { "bad" } else { "good" }),
        ] {
            children.push(spawn(
                Command::new("python3").arg(dir.join("service.py")).args([
                    &port.to_string(),
                    version,
                    mode,
                ]),
                "python3",
            ));
        }
        let haproxy = format!(
            "global\n  stats socket {sock} mode 600 level admin\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind 127.0.0.1:{proxy}\n  default_backend be\nbackend be\n  balance roundrobin\n  server stable 127.0.0.1:{stable} weight 100\n  server canary 127.0.0.1:{canary} weight 0\n",
            sock = dir.join("haproxy.sock").display()
        );
        std::fs::write(dir.join("haproxy.cfg"), haproxy).expect("haproxy.cfg");
        children.push(spawn(
            Command::new("haproxy")
                .arg("-f")
                .arg(dir.join("haproxy.cfg"))
                .arg("-db"),
            "haproxy",
        ));
        let scrape = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: service\n    static_configs:\n      - targets: ['127.0.0.1:{stable}', '127.0.0.1:{canary}']\n"
        );
        std::fs::write(dir.join("prometheus.yml"), scrape).expect("prometheus.yml");
        children.push(spawn(
            Command::new("prometheus")
                .arg(format!(
                    "--config.file={}",
                    dir.join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("tsdb").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{prometheus}"))
                .arg("--log.level=warn"),
            "prometheus",
        ));
        let mut stack = Stack {
            dir: dir.to_owned(),
            proxy,
            canary,
            prometheus,
            children,
            load: Arc::new(AtomicBool::new(true)),
            load_thread: None,
        };
        wait_until(
            "the services, proxy and Prometheus",
            Duration::from_secs(30),
            || {
                get(proxy, "/").is_some_and(|(s, _)| s == 200)
                    && get(canary, "/health").is_some()
                    && get(prometheus, "/-/ready").is_some_and(|(s, _)| s == 200)
            },
        );
        // Traffic, as production has: about a hundred requests a second.
        let load = Arc::clone(&stack.load);
        stack.load_thread = Some(std::thread::spawn(move || {
            while load.load(Ordering::Relaxed) {
                let _ = get(proxy, "/");
                std::thread::sleep(Duration::from_millis(10));
            }
        }));
        stack
    }

    /// The runbook, with this stack's addresses, as warroom.toml takes it.
    pub fn runbook(&self, steps_and_checks: &str) -> String {
        let set_weight = self.dir.join("set_weight.py");
        let sock = self.dir.join("haproxy.sock");
        format!(
            "[deploy]\nstable_version = \"v1\"\nversion = \"v2\"\ngates = []\nafter_rollback = \"served-by-stable\"\nset_weight = {{ run = [\"python3\", \"{w}\", \"{s}\", \"{{weight}}\"], timeout = \"10s\" }}\nrollback = {{ run = [\"python3\", \"{w}\", \"{s}\", \"0\"], timeout = \"10s\" }}\n{steps_and_checks}\n[[deploy.checks]]\nname = \"served-by-stable\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{proxy}/\"\nbody = \"^v1 \"\n",
            w = set_weight.display(),
            s = sock.display(),
            proxy = self.proxy
        )
    }

    /// The error-ratio check of the canary's version on this Prometheus.
    pub fn error_ratio_check(&self, version: &str, extra: &str) -> String {
        format!(
            "[[deploy.checks]]\nname = \"errors\"\nkind = \"prometheus\"\naddress = \"http://127.0.0.1:{p}\"\nquery = '(sum(rate(http_requests_total{{version=\"{version}\",code=~\"5..\"}}[5s])) or vector(0)) / sum(rate(http_requests_total{{version=\"{version}\"}}[5s]))'\ncondition = \"<= 0.05\"\ninterval = \"1s\"\n{extra}\n",
            p = self.prometheus
        )
    }

    /// Which versions answer 20 requests through the proxy.
    pub fn served(&self) -> Vec<String> {
        let mut versions: Vec<String> = (0..20)
            .filter_map(|_| get(self.proxy, "/"))
            .map(|(_, body)| {
                body.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        versions.sort();
        versions.dedup();
        versions
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.load.store(false, Ordering::Relaxed);
        if let Some(t) = self.load_thread.take() {
            let _ = t.join();
        }
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
