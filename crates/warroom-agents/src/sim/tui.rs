//! The simulated agent's terminal loop. Its screen follows the shape the
//! `sim` profile reads: the last row is either the input prompt (`❯ …`,
//! idle) or the busy marker (`✻ Working…`).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyCode, KeyEventKind, KeyModifiers,
};
use crossterm::terminal;

use super::scenario::{Scenario, Step};

const PROMPT: &str = "❯ ";
const BUSY: &str = "✻ Working… (esc to interrupt)";

pub struct SimOptions {
    pub role: String,
    pub name: String,
    pub team: Option<String>,
    pub scenario: Scenario,
    /// The agent CLI this simulation stands in for, when it was not installed.
    pub stands_in_for: Option<String>,
    /// Where every received message is appended, as JSON lines.
    pub transcript: Option<PathBuf>,
    pub warroom_exe: PathBuf,
}

/// Restores the terminal however the loop ends.
struct RawMode;

impl RawMode {
    fn enter() -> io::Result<Self> {
        terminal::enable_raw_mode()?;
        crossterm::execute!(io::stdout(), EnableBracketedPaste)?;
        Ok(Self)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::execute!(io::stdout(), DisableBracketedPaste);
        let _ = terminal::disable_raw_mode();
    }
}

pub fn run(mut options: SimOptions) -> io::Result<()> {
    let mut out = io::stdout();
    write!(
        out,
        "▌ warroom sim-agent · {} ({})\r\n",
        options.name, options.role
    )?;
    if let Some(cli) = &options.stands_in_for {
        write!(
            out,
            "▌ NOTICE: {cli} is not installed; this simulated agent stands in for it.\r\n"
        )?;
    }
    write!(
        out,
        "▌ scenario: {} · Enter submits · Ctrl-D on an empty prompt exits\r\n\r\n",
        options.scenario.name
    )?;
    out.flush()?;
    std::thread::sleep(Duration::from_millis(options.scenario.startup_ms));
    let _raw = RawMode::enter()?;
    let mut composer = String::new();
    draw_prompt(&mut out, &composer)?;
    loop {
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Char('d') if ctrl && composer.is_empty() => break,
                    KeyCode::Char('c') if ctrl && composer.is_empty() => break,
                    KeyCode::Char('u' | 'c') if ctrl => {
                        composer.clear();
                        draw_prompt(&mut out, &composer)?;
                    }
                    KeyCode::Char(_) if ctrl => {}
                    KeyCode::Char(c) => {
                        composer.push(c);
                        write!(out, "{c}")?;
                        out.flush()?;
                    }
                    KeyCode::Backspace => {
                        composer.pop();
                        draw_prompt(&mut out, &composer)?;
                    }
                    KeyCode::Enter if composer.trim().is_empty() => {
                        composer.clear();
                        draw_prompt(&mut out, &composer)?;
                    }
                    KeyCode::Enter => {
                        let message = std::mem::take(&mut composer);
                        write!(out, "\r\n")?;
                        turn(&mut out, &mut options, &message)?;
                        draw_prompt(&mut out, &composer)?;
                    }
                    _ => {}
                }
            }
            Event::Paste(text) => {
                composer.push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
                draw_prompt(&mut out, &composer)?;
            }
            _ => {}
        }
    }
    write!(out, "\r\nsession ended\r\n")?;
    out.flush()
}

/// Long or multi-line input is shown folded, as agent CLIs do.
fn composer_view(text: &str) -> String {
    let lines = text.lines().count();
    if lines <= 1 && text.chars().count() <= 1024 {
        return text.to_owned();
    }
    let first: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    format!(
        "{first} [+{} lines, {} bytes]",
        lines.saturating_sub(1),
        text.len()
    )
}

fn draw_prompt(out: &mut impl Write, composer: &str) -> io::Result<()> {
    write!(out, "\r\x1b[2K{PROMPT}{}", composer_view(composer))?;
    out.flush()
}

fn draw_busy(out: &mut impl Write) -> io::Result<()> {
    write!(out, "\r\x1b[2K{BUSY}")?;
    out.flush()
}

fn say(out: &mut impl Write, text: &str) -> io::Result<()> {
    write!(out, "\r\x1b[2K")?;
    for line in text.lines() {
        write!(out, "● {line}\r\n")?;
    }
    draw_busy(out)
}

fn turn(out: &mut impl Write, options: &mut SimOptions, message: &str) -> io::Result<()> {
    let started = Instant::now();
    record(options, message);
    draw_busy(out)?;
    std::thread::sleep(Duration::from_millis(options.scenario.think_ms));
    let first_line = body_of(message)
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect::<String>();
    let fill = |s: &str| {
        s.replace("{first_line}", &first_line)
            .replace("{role}", &options.role)
            .replace("{name}", &options.name)
            .replace("{team}", options.team.as_deref().unwrap_or("?"))
    };
    let mut sends = Vec::new();
    for step in options.scenario.respond(&options.role, message) {
        match step {
            Step::WaitMs(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Step::Say(text) => say(out, &fill(&text))?,
            Step::Run(command) => {
                // `{warroom}` is this binary, quoted for the shell: the
                // simulated agent calls warroom as a real one would.
                let exe = options.warroom_exe.to_string_lossy().replace('\'', "'\\''");
                let command = fill(&command).replace("{warroom}", &format!("'{exe}'"));
                let result = Command::new("sh")
                    .arg("-c")
                    .arg(&command)
                    .stdin(Stdio::null())
                    .output();
                let shown = match result {
                    Ok(o) => format!(
                        "$ {command}\n{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    ),
                    Err(e) => format!("$ {command}\n(could not run: {e})"),
                };
                say(out, &shown)?;
            }
            Step::Send { to, text } => sends.push((to, fill(&text))),
            Step::Ask(question) => {
                let answer = ask(out, &fill(&question))?;
                say(out, &format!("answered: {answer}"))?;
            }
            Step::Exit(code) => {
                write!(out, "\r\n")?;
                out.flush()?;
                std::process::exit(code);
            }
        }
    }
    write!(
        out,
        "\r\x1b[2K✓ Done in {:.1}s\r\n",
        started.elapsed().as_secs_f64()
    )?;
    for (to, text) in sends {
        send_later(options, &to, &text);
    }
    Ok(())
}

/// Shows a question where the prompt would be and waits for its answer.
fn ask(out: &mut impl Write, question: &str) -> io::Result<&'static str> {
    write!(out, "\r\x1b[2K? {question} (y/n)")?;
    out.flush()?;
    loop {
        if let Event::Key(key) = event::read()?
            && key.kind != KeyEventKind::Release
        {
            let answer = match key.code {
                KeyCode::Char('y' | 'Y') => "yes",
                KeyCode::Char('n' | 'N') => "no",
                KeyCode::Esc => "cancelled",
                _ => continue,
            };
            write!(out, "\r\n")?;
            return Ok(answer);
        }
    }
}

/// The message without warroom's `[warroom #N from X] ` tag.
fn body_of(message: &str) -> &str {
    if message.starts_with("[warroom #")
        && let Some(end) = message.find("] ")
    {
        return &message[end + 2..];
    }
    message
}

fn record(options: &SimOptions, message: &str) {
    let Some(path) = &options.transcript else {
        return;
    };
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let line = serde_json::json!({ "at_ms": at, "text": message }).to_string();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{line}"));
    if let Err(e) = written {
        eprintln!("sim-agent: cannot write transcript {}: {e}", path.display());
    }
}

/// Sends run once the turn is over, in the background, as an agent's tool
/// call would: the agent is idle again and can receive replies meanwhile.
fn send_later(options: &SimOptions, to: &str, text: &str) {
    let target = match (&options.team, to.contains(':') || to.starts_with("ag-")) {
        (Some(team), false) => format!("{team}:{to}"),
        _ => to.to_owned(),
    };
    let child = Command::new(&options.warroom_exe)
        .args(["agent", "send", &target, text])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        std::thread::spawn(move || child.wait());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_folded_but_keeps_its_start() {
        assert_eq!(composer_view("short"), "short");
        let view = composer_view("[warroom #4 from a] x\nsecond\nthird");
        assert_eq!(view, "[warroom #4 from a] x [+2 lines, 34 bytes]");
    }

    #[test]
    fn the_tag_is_stripped_for_matching_placeholders() {
        assert_eq!(body_of("[warroom #4 from alice] hello"), "hello");
        assert_eq!(body_of("hello"), "hello");
    }
}
