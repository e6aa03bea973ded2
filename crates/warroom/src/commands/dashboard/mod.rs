//! `monitor dashboard [--session X] [--refresh N]`: the response at a
//! glance, live. It redraws when the store's change marker moves (checked
//! every 100 ms, one query) and at least every `--refresh` seconds; agent
//! states come from the daemon, which already watches the panes (without a
//! daemon, the dashboard looks at the panes itself, once per refresh).
//! Without a terminal it prints one frame (`--json`: the view) and exits.

mod render;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use warroom_app::{App, DashboardView};
use warroom_server::{DaemonPaths, Probe};

use crate::output::json;
pub use render::{Mode, Ui, draw, visible};

/// How often the change marker is read.
const MARKER_EVERY: Duration = Duration::from_millis(100);

pub fn run(app: &App, session: Option<&str>, refresh: u64, as_json: bool) -> Result<()> {
    let daemon = matches!(
        DaemonPaths::new(app.data_dir()).probe(),
        Ok(Probe::Running(_))
    );
    if as_json {
        return json(&app.dashboard(session, !daemon)?);
    }
    if !std::io::stdout().is_terminal() {
        let view = app.dashboard(session, !daemon)?;
        let (width, height) = frame_size();
        // No keys work here: the footer says how to get the live view.
        let ui = Ui {
            status: Some(
                "one frame, printed without a terminal: run it in one for the live view".into(),
            ),
            ..Ui::default()
        };
        print!("{}", frame_text(&view, &ui, width, height));
        return Ok(());
    }
    let view = app.dashboard(session, !daemon)?;
    let mut terminal = ratatui::init();
    let result = live(app, &mut terminal, view, refresh.max(1), daemon);
    ratatui::restore();
    result
}

/// The size a frame is printed at without a terminal: `COLUMNS`/`LINES`
/// when set, else 100×30.
fn frame_size() -> (u16, u16) {
    let var = |name: &str, default: u16| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v >= 20)
            .unwrap_or(default)
    };
    (var("COLUMNS", 100), var("LINES", 30))
}

/// One frame as text, each row trimmed.
pub fn frame_text(view: &DashboardView, ui: &Ui, width: u16, height: u16) -> String {
    // A test backend cannot fail (its error is `Infallible`).
    let Ok(mut terminal) = Terminal::new(TestBackend::new(width, height));
    let _ = terminal.draw(|frame| draw(frame, view, ui));
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut row = String::new();
        for x in 0..width {
            row.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

fn live(
    app: &App,
    terminal: &mut ratatui::DefaultTerminal,
    mut view: DashboardView,
    refresh: u64,
    daemon: bool,
) -> Result<()> {
    let session = view.team.name.clone();
    let mut ui = Ui::default();
    let mut marker = app.change_marker().unwrap_or_default();
    let mut fetched = Instant::now();
    let mut marker_read = Instant::now();
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| draw(frame, &view, &ui))?;
            dirty = false;
        }
        if event::poll(Duration::from_millis(50))? {
            if let Event::Key(key) = event::read()? {
                if key.kind != KeyEventKind::Press {
                    continue;
                }
                let ctrl_c =
                    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
                if ctrl_c {
                    return Ok(());
                }
                match on_key(app, terminal, &view, &mut ui, key.code)? {
                    Step::Quit => return Ok(()),
                    Step::Refetch => fetched = Instant::now() - Duration::from_secs(refresh),
                    Step::Redraw => {}
                }
                dirty = true;
            } else {
                dirty = true;
            }
        }
        // The store says when something changed; --refresh bounds the wait.
        let mut due = fetched.elapsed() >= Duration::from_secs(refresh);
        if !due && marker_read.elapsed() >= MARKER_EVERY {
            marker_read = Instant::now();
            let now = app.change_marker().unwrap_or_default();
            if now != marker {
                marker = now;
                due = true;
            }
        }
        if due {
            // Without a daemon the panes are looked at, but only on the
            // refresh cadence, never on every change.
            let look = !daemon && fetched.elapsed() >= Duration::from_secs(refresh);
            if let Ok(fresh) = app.dashboard(Some(&session), look) {
                view = fresh;
            }
            fetched = Instant::now();
            dirty = true;
        }
    }
}

enum Step {
    Quit,
    Redraw,
    Refetch,
}

fn on_key(
    app: &App,
    terminal: &mut ratatui::DefaultTerminal,
    view: &DashboardView,
    ui: &mut Ui,
    code: KeyCode,
) -> Result<Step> {
    let agents = visible(view, ui);
    let selected = agents
        .get(ui.selected.min(agents.len().saturating_sub(1)))
        .map(|a| a.target.clone());
    match ui.mode {
        Mode::Filter | Mode::Message => {
            match code {
                KeyCode::Esc => {
                    if ui.mode == Mode::Filter {
                        ui.filter.clear();
                    }
                    ui.input.clear();
                    ui.mode = Mode::Normal;
                }
                KeyCode::Enter => {
                    let text = std::mem::take(&mut ui.input);
                    if ui.mode == Mode::Filter {
                        ui.filter = text;
                        ui.selected = 0;
                    } else if let Some(target) = &selected {
                        ui.status = Some(match app.send(target, &text) {
                            Ok(sent) => format!("message #{} sent to {target}", sent.message_id),
                            Err(e) => format!("not sent: {e}"),
                        });
                    }
                    ui.mode = Mode::Normal;
                    return Ok(Step::Refetch);
                }
                KeyCode::Backspace => {
                    ui.input.pop();
                    if ui.mode == Mode::Filter {
                        ui.filter.clone_from(&ui.input);
                    }
                }
                KeyCode::Char(c) => {
                    ui.input.push(c);
                    if ui.mode == Mode::Filter {
                        ui.filter.clone_from(&ui.input);
                        ui.selected = 0;
                    }
                }
                _ => {}
            }
            return Ok(Step::Redraw);
        }
        Mode::Normal => {}
    }
    if ui.focus.is_some() {
        if matches!(code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
            ui.focus = None;
        }
        return Ok(Step::Redraw);
    }
    match code {
        KeyCode::Char('q') | KeyCode::Esc => return Ok(Step::Quit),
        KeyCode::Up | KeyCode::Char('k') => ui.selected = ui.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            ui.selected = (ui.selected + 1).min(agents.len().saturating_sub(1));
        }
        KeyCode::Char('/') => {
            ui.mode = Mode::Filter;
            ui.input = ui.filter.clone();
        }
        KeyCode::Char('m') if selected.is_some() => {
            ui.mode = Mode::Message;
            ui.input.clear();
        }
        KeyCode::Enter => {
            if let Some(target) = selected {
                let rows = terminal.size().map(|s| s.height as usize).unwrap_or(30);
                ui.focus = Some(match app.agent_screen(&target, rows) {
                    Ok(text) => (target, text),
                    Err(e) => (target, format!("its screen cannot be read: {e}")),
                });
            }
        }
        KeyCode::Char('a') => {
            if let Some(target) = selected {
                ratatui::restore();
                let attached = app
                    .attach_agent_command(&target)
                    .map(|mut cmd| cmd.status());
                *terminal = ratatui::init();
                terminal.clear()?;
                ui.status = Some(match attached {
                    Ok(Ok(_)) => format!("back from {target}"),
                    Ok(Err(e)) => format!("tmux attach failed: {e}"),
                    Err(e) => format!("cannot attach: {e}"),
                });
            }
        }
        KeyCode::Char('r') => return Ok(Step::Refetch),
        _ => {}
    }
    Ok(Step::Redraw)
}
