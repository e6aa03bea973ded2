//! A control-mode client (`tmux -C attach`): commands go in as lines, each
//! answered by one `%begin … %end|%error` block; everything else is a
//! notification. A reader thread owns stdout and hands replies back in the
//! order the commands were written (tmux answers a client's commands in
//! order); `%output` is decoded and passed on when someone listens.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::TmuxError;
use crate::pane::{PANE_FORMAT, PaneId, PaneInfo, Spawn};
use crate::quote::quote;
use crate::server::Server;

const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

type Reply = Result<Vec<String>, String>;

#[derive(Default)]
struct Shared {
    pending: VecDeque<SyncSender<Reply>>,
    closed: Option<String>,
    output: Option<Sender<(PaneId, Vec<u8>)>>,
}

pub struct ControlClient {
    session: String,
    server: Server,
    shared: Arc<Mutex<Shared>>,
    stdin: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
    reader: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ControlClient {
    pub(crate) fn attach(server: &Server, session: &str) -> Result<Self, TmuxError> {
        // Held until the first reply: the attach is then complete.
        let turn = server.control_turn()?;
        let mut child = server
            .tmux()
            .args([
                "-C",
                "attach-session",
                "-f",
                "ignore-size",
                "-t",
                &format!("={session}"),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(TmuxError::Spawn)?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| TmuxError::Disconnected("no stdout".into()))?;
        let stdin = child.stdin.take();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let reader = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("tmux-control-{session}"))
                .spawn(move || read_loop(BufReader::new(stdout), &shared))?
        };
        let client = Self {
            session: session.to_owned(),
            server: server.clone(),
            shared,
            stdin: Mutex::new(stdin),
            child: Mutex::new(child),
            reader: Some(reader),
        };
        // A round trip proves the attach worked before anyone relies on it.
        let proven = client.command(&["display-message", "-p", "#{session_id}"]);
        // The turn ends before a failed client is dropped: its Drop takes a
        // turn of its own to detach.
        drop(turn);
        proven?;
        Ok(client)
    }

    pub fn session(&self) -> &str {
        &self.session
    }

    /// Runs one tmux command; every argument is quoted, so nothing in it is
    /// read as tmux syntax. Returns the reply's lines.
    pub fn command(&self, args: &[&str]) -> Result<Vec<String>, TmuxError> {
        let line = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
        let (tx, rx) = mpsc::sync_channel(1);
        {
            let mut stdin = lock(&self.stdin);
            let mut shared = lock(&self.shared);
            if let Some(reason) = &shared.closed {
                return Err(TmuxError::Disconnected(reason.clone()));
            }
            let pipe = stdin
                .as_mut()
                .ok_or_else(|| TmuxError::Disconnected("closed".into()))?;
            shared.pending.push_back(tx);
            drop(shared);
            pipe.write_all(line.as_bytes())?;
            pipe.write_all(b"\n")?;
            pipe.flush()?;
        }
        let name = args.first().copied().unwrap_or_default().to_owned();
        match rx.recv_timeout(REPLY_TIMEOUT) {
            Ok(Ok(lines)) => Ok(lines),
            Ok(Err(message)) => Err(TmuxError::Command {
                command: name,
                message,
            }),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(TmuxError::Timeout(name, REPLY_TIMEOUT)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(TmuxError::Disconnected(
                lock(&self.shared)
                    .closed
                    .clone()
                    .unwrap_or_else(|| "tmux exited".into()),
            )),
        }
    }

    /// Streams `%output` of this session's panes, decoded to raw bytes. Turns
    /// output notifications on for this client.
    pub fn output(&self) -> Receiver<(PaneId, Vec<u8>)> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared).output = Some(tx);
        rx
    }

    pub fn new_window(&self, index: u32, spawn: &Spawn) -> Result<PaneInfo, TmuxError> {
        let target = format!("={}:{index}", self.session);
        let cwd = spawn.cwd.to_string_lossy();
        let mut args: Vec<&str> = vec![
            "new-window",
            "-d",
            "-t",
            &target,
            "-n",
            &spawn.window_name,
            "-c",
            &cwd,
        ];
        let env: Vec<String> = spawn.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for e in &env {
            args.extend(["-e", e]);
        }
        args.extend(["-P", "-F", PANE_FORMAT, "--"]);
        args.extend(spawn.argv.iter().map(String::as_str));
        let lines = self.command(&args)?;
        let line = lines.first().ok_or_else(|| TmuxError::Parse {
            command: "new-window".into(),
            line: String::new(),
        })?;
        PaneInfo::parse("new-window", line)
    }

    /// Every pane of the session, from one query.
    pub fn panes(&self) -> Result<Vec<PaneInfo>, TmuxError> {
        let target = format!("={}", self.session);
        self.command(&["list-panes", "-s", "-t", &target, "-F", PANE_FORMAT])?
            .iter()
            .map(|l| PaneInfo::parse("list-panes", l))
            .collect()
    }

    /// One pane, or `None` when it no longer exists.
    pub fn pane(&self, pane: &PaneId) -> Result<Option<PaneInfo>, TmuxError> {
        Ok(self.panes()?.into_iter().find(|p| &p.pane_id == pane))
    }

    /// Types `text` literally (no key names, no formats).
    pub fn send_literal(&self, pane: &PaneId, text: &str) -> Result<(), TmuxError> {
        self.command(&["send-keys", "-t", pane.as_str(), "-l", "--", text])
            .map(drop)
    }

    /// Presses one named key (`Enter`, `Escape`, `C-u`).
    pub fn send_key(&self, pane: &PaneId, key: &str) -> Result<(), TmuxError> {
        self.command(&["send-keys", "-t", pane.as_str(), key])
            .map(drop)
    }

    /// Pastes a buffer with bracketed paste and deletes the buffer.
    pub fn paste_buffer(&self, pane: &PaneId, buffer: &str) -> Result<(), TmuxError> {
        self.command(&[
            "paste-buffer",
            "-p",
            "-d",
            "-b",
            buffer,
            "-t",
            pane.as_str(),
        ])
        .map(drop)
    }

    pub fn delete_buffer(&self, buffer: &str) -> Result<(), TmuxError> {
        self.command(&["delete-buffer", "-b", buffer]).map(drop)
    }

    /// The pane's text: the visible screen plus `history` lines of scrollback,
    /// wrapped lines joined, trailing blank rows removed.
    pub fn capture(&self, pane: &PaneId, history: u32) -> Result<String, TmuxError> {
        let start = format!("-{history}");
        let mut lines = self.command(&[
            "capture-pane",
            "-p",
            "-J",
            "-t",
            pane.as_str(),
            "-S",
            &start,
        ])?;
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        Ok(lines.join("\n"))
    }

    /// Replaces the pane's process with a new one (killing the old).
    pub fn respawn(&self, pane: &PaneId, spawn: &Spawn) -> Result<(), TmuxError> {
        let cwd = spawn.cwd.to_string_lossy();
        let mut args: Vec<&str> = vec!["respawn-pane", "-k", "-t", pane.as_str(), "-c", &cwd];
        let env: Vec<String> = spawn.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for e in &env {
            args.extend(["-e", e]);
        }
        args.push("--");
        args.extend(spawn.argv.iter().map(String::as_str));
        self.command(&args)?;
        self.command(&["clear-history", "-t", pane.as_str()])
            .map(drop)
    }
}

impl Drop for ControlClient {
    fn drop(&mut self) {
        // Detaching takes its turn too (see `Server::control_turn`); without
        // one, a crash of tmux is likelier than a slower exit, so go on.
        let _turn = self.server.control_turn().ok();
        // Closing stdin detaches the client; tmux then exits on its own.
        lock(&self.stdin).take();
        let mut child = lock(&self.child);
        for _ in 0..100 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn read_loop(mut reader: impl BufRead, shared: &Mutex<Shared>) {
    let mut parser = Parser::default();
    let mut buf = Vec::new();
    let reason = loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break "tmux exited".to_owned(),
            Ok(_) => {}
            Err(e) => break format!("reading tmux: {e}"),
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        match parser.feed(&buf) {
            Some(Parsed::Reply { ours: true, reply }) => {
                if let Some(tx) = lock(shared).pending.pop_front() {
                    let _ = tx.send(reply);
                }
            }
            Some(Parsed::Output(pane, data)) => {
                let mut s = lock(shared);
                if let Some(tx) = &s.output
                    && tx.send((pane, data)).is_err()
                {
                    s.output = None;
                }
            }
            Some(Parsed::Exit(reason)) => break reason,
            Some(Parsed::Reply { ours: false, .. }) | None => {}
        }
    };
    let mut s = lock(shared);
    s.closed = Some(reason);
    // Dropping the senders wakes every waiting command with "disconnected".
    s.pending.clear();
    s.output = None;
}

#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    Reply { ours: bool, reply: Reply },
    Output(PaneId, Vec<u8>),
    Exit(String),
}

/// The sans-IO half: one line of control-mode output in, at most one parsed
/// item out.
#[derive(Default)]
pub(crate) struct Parser {
    block: Option<Block>,
}

struct Block {
    guard: String,
    ours: bool,
    lines: Vec<String>,
}

impl Parser {
    pub(crate) fn feed(&mut self, line: &[u8]) -> Option<Parsed> {
        if let Some(block) = &mut self.block {
            // Inside a block every line is data unless it closes this very
            // block (same time, number and flags as its %begin).
            let text = String::from_utf8_lossy(line);
            for (tag, ok) in [("%end ", true), ("%error ", false)] {
                if text.strip_prefix(tag) == Some(block.guard.as_str()) {
                    let block = self.block.take()?;
                    let reply = if ok {
                        Ok(block.lines)
                    } else {
                        Err(block.lines.join("\n"))
                    };
                    return Some(Parsed::Reply {
                        ours: block.ours,
                        reply,
                    });
                }
            }
            block.lines.push(text.into_owned());
            return None;
        }
        let text = String::from_utf8_lossy(line);
        if let Some(rest) = text.strip_prefix("%begin ") {
            let flags: u32 = rest
                .split(' ')
                .nth(2)
                .and_then(|f| f.parse().ok())
                .unwrap_or(0);
            self.block = Some(Block {
                guard: rest.to_owned(),
                ours: flags & 1 == 1,
                lines: Vec::new(),
            });
            return None;
        }
        if let Some(rest) = line.strip_prefix(b"%output ") {
            let split = rest.iter().position(|b| *b == b' ')?;
            let pane = PaneId::new(std::str::from_utf8(&rest[..split]).ok()?).ok()?;
            return Some(Parsed::Output(pane, decode_octal(&rest[split + 1..])));
        }
        if text == "%exit" || text.starts_with("%exit ") {
            let reason = text.strip_prefix("%exit").unwrap_or_default().trim();
            return Some(Parsed::Exit(if reason.is_empty() {
                "detached".into()
            } else {
                reason.into()
            }));
        }
        None
    }
}

/// `%output` escapes bytes below 0x20 and the backslash as `\ooo`.
pub(crate) fn decode_octal(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let octal = data
            .get(i + 1..i + 4)
            .filter(|d| data[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match octal {
            Some(d) => {
                out.push(
                    d.iter()
                        .fold(0u8, |acc, b| acc.wrapping_mul(8).wrapping_add(b - b'0')),
                );
                i += 4;
            }
            None => {
                out.push(data[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(lines: &[&str]) -> Vec<Parsed> {
        let mut p = Parser::default();
        lines.iter().filter_map(|l| p.feed(l.as_bytes())).collect()
    }

    #[test]
    fn replies_are_told_apart_from_other_clients_blocks() {
        let got = feed_all(&[
            "%begin 1 10 0",
            "%end 1 10 0",
            "%session-changed $0 x",
            "%begin 1 11 1",
            "%end 1 10 1",
            "%3",
            "%end 1 11 1",
            "%begin 1 12 1",
            "can't find pane: %9",
            "%error 1 12 1",
        ]);
        assert_eq!(
            got,
            vec![
                Parsed::Reply {
                    ours: false,
                    reply: Ok(vec![])
                },
                Parsed::Reply {
                    ours: true,
                    reply: Ok(vec!["%end 1 10 1".into(), "%3".into()])
                },
                Parsed::Reply {
                    ours: true,
                    reply: Err("can't find pane: %9".into())
                },
            ]
        );
    }

    #[test]
    fn output_is_decoded_and_exit_reported() {
        let got = feed_all(&[
            "%output %2 a\\015\\012b\\134c ✓",
            "%exit server exited unexpectedly",
        ]);
        assert_eq!(
            got,
            vec![
                Parsed::Output(
                    PaneId::new("%2").expect("id"),
                    b"a\r\nb\\c \xe2\x9c\x93".to_vec()
                ),
                Parsed::Exit("server exited unexpectedly".into()),
            ]
        );
    }

    #[test]
    fn a_lone_backslash_is_kept() {
        assert_eq!(decode_octal(b"a\\9b\\"), b"a\\9b\\".to_vec());
    }
}
