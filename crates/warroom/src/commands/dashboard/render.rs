//! Drawing one dashboard frame from the app's view: the incident and its
//! clocks, what needs a person, the agents, the rollout, the todos, and
//! the latest messages and updates. Pure: a view and the UI's state in, a
//! frame out; snapshot-tested on a test backend.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};
use warroom_app::{AgentView, DashboardView, ViewState};
use warroom_model::incident::clocks::ClockStatus;
use warroom_model::span::human;
use warroom_model::{AgentState, Millis};

/// What the person at the dashboard is doing.
#[derive(Debug, Default, Clone)]
pub struct Ui {
    /// Index into the filtered agents.
    pub selected: usize,
    /// A focused agent's screen: (target, text).
    pub focus: Option<(String, String)>,
    pub filter: String,
    pub mode: Mode,
    /// What is being typed (a filter or a message).
    pub input: String,
    /// The last thing said to the person ("message #12 submitted").
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Normal,
    Filter,
    Message,
}

/// The agents the filter lets through.
pub fn visible<'a>(view: &'a DashboardView, ui: &Ui) -> Vec<&'a AgentView> {
    let needle = ui.filter.to_lowercase();
    view.agents
        .iter()
        .filter(|a| {
            needle.is_empty()
                || [&a.target, &a.role, &a.name, &a.cli]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
                || a.state
                    .is_some_and(|s| s.to_string().to_lowercase().contains(&needle))
        })
        .collect()
}

pub fn draw(frame: &mut Frame<'_>, view: &DashboardView, ui: &Ui) {
    let area = frame.area();
    let compact = area.height < 30;
    let needs = view.needs.len().min(if compact { 2 } else { 4 }) as u16;
    let agents = visible(view, ui);
    let agent_rows = (agents.len() as u16 + 3).min(if compact { 9 } else { 14 });
    let rollout = u16::from(view.rollout.is_some()) * 3;
    let [head, needs_area, agents_area, rollout_area, rest, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(needs),
        Constraint::Length(agent_rows),
        Constraint::Length(rollout),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    header(frame, head, view);
    if needs > 0 {
        needs_lines(frame, needs_area, view, needs as usize);
    }
    agents_table(frame, agents_area, view, &agents, ui);
    if rollout > 0 {
        rollout_line(frame, rollout_area, view);
    }
    let [left, right] = if rest.width >= 100 {
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest)
    };
    todos(frame, left, view);
    messages(frame, right, view);
    footer(frame, foot, ui);
    if let Some((target, text)) = &ui.focus {
        focus(frame, area, target, text);
    }
}

fn clock_style(status: ClockStatus) -> Style {
    match status {
        ClockStatus::Green => Style::new().fg(Color::Green),
        ClockStatus::Amber => Style::new().fg(Color::Yellow),
        ClockStatus::Red => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ClockStatus::NotApplicable => Style::new().fg(Color::DarkGray),
    }
}

fn state_style(state: Option<ViewState>) -> Style {
    match state {
        Some(ViewState::Live(s)) => match s {
            AgentState::Busy => Style::new().fg(Color::Green),
            AgentState::Idle => Style::new().fg(Color::Cyan),
            AgentState::Starting => Style::new().fg(Color::Blue),
            AgentState::Waiting | AgentState::Gated | AgentState::RateLimited => {
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
            }
            AgentState::Error | AgentState::Exited | AgentState::Lost => {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            }
            AgentState::Foreign => Style::new().fg(Color::Magenta),
        },
        _ => Style::new().fg(Color::DarkGray),
    }
}

fn ago(now: Millis, at: Option<Millis>) -> String {
    at.map(|t| human((now - t).max(0)))
        .unwrap_or_else(|| "-".into())
}

fn header(frame: &mut Frame<'_>, area: Rect, view: &DashboardView) {
    let mut title = vec![Span::styled(
        format!(" {} ", view.team.name),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    let mut clocks = Vec::new();
    match &view.incident {
        Some(i) => {
            let sev = if i.severity == "SEV1" {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Yellow)
            };
            title.push(Span::styled(format!("{} {} ", i.id, i.severity), sev));
            title.push(Span::raw(format!("phase {} · {}", i.phase, i.title)));
            for c in i.clocks.iter().filter(|c| c.started_at.is_some()) {
                let elapsed = c.elapsed_ms.map(human).unwrap_or_else(|| "-".into());
                let mark = if c.stopped_at.is_some() { "✓" } else { "" };
                clocks.push(Span::styled(
                    format!("{} {elapsed}/{}{mark}  ", c.label, human(c.target.millis())),
                    clock_style(c.status),
                ));
            }
        }
        None => title.push(Span::raw("no incident")),
    }
    let block = Block::bordered().title(Line::from(title));
    frame.render_widget(Paragraph::new(Line::from(clocks)).block(block), area);
}

fn needs_lines(frame: &mut Frame<'_>, area: Rect, view: &DashboardView, rows: usize) {
    let lines: Vec<Line<'_>> = view
        .needs
        .iter()
        .take(rows)
        .map(|n| {
            Line::from(Span::styled(
                format!(" ! {}", n.what),
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn agents_table(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &DashboardView,
    agents: &[&AgentView],
    ui: &Ui,
) {
    let wide = area.width >= 110;
    let header = if wide {
        Row::new([
            "win",
            "role",
            "cli",
            "state",
            "since",
            "by",
            "rst",
            "last line",
        ])
    } else {
        Row::new(["win", "role", "state", "since", "rst", "last line"])
    }
    .style(Style::new().add_modifier(Modifier::BOLD));
    let rows = agents.iter().map(|a| {
        let state = a
            .state
            .map(|s| match &a.state_detail {
                Some(d)
                    if matches!(s, ViewState::Live(AgentState::Waiting | AgentState::Error)) =>
                {
                    format!("{s}: {d}")
                }
                _ => s.to_string(),
            })
            .unwrap_or_else(|| "-".into());
        let state = Cell::from(state).style(state_style(a.state));
        let last = a.last_line.clone().unwrap_or_default();
        let since = ago(view.now, a.state_since);
        if wide {
            Row::new(vec![
                Cell::from(a.window.to_string()),
                Cell::from(a.role.clone()),
                Cell::from(
                    a.stands_in_for
                        .as_ref()
                        .map_or(a.cli.clone(), |c| format!("{}→{c}", a.cli)),
                ),
                state,
                Cell::from(since),
                Cell::from(a.state_source.map(|s| s.to_string()).unwrap_or_default()),
                Cell::from(a.restarts.to_string()),
                Cell::from(last),
            ])
        } else {
            Row::new(vec![
                Cell::from(a.window.to_string()),
                Cell::from(a.role.clone()),
                state,
                Cell::from(since),
                Cell::from(a.restarts.to_string()),
                Cell::from(last),
            ])
        }
    });
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(3),
            Constraint::Length(24),
            Constraint::Length(7),
            Constraint::Length(16),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(3),
            Constraint::Fill(1),
        ]
    } else {
        vec![
            Constraint::Length(3),
            Constraint::Length(18),
            Constraint::Length(10),
            Constraint::Length(6),
            Constraint::Length(3),
            Constraint::Fill(1),
        ]
    };
    let title = if ui.filter.is_empty() {
        format!(" agents ({}) ", agents.len())
    } else {
        format!(" agents ({} matching {:?}) ", agents.len(), ui.filter)
    };
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default();
    if !agents.is_empty() {
        state.select(Some(ui.selected.min(agents.len() - 1)));
    }
    frame.render_stateful_widget(table, area, &mut state);
}

fn rollout_line(frame: &mut Frame<'_>, area: Rect, view: &DashboardView) {
    let Some(r) = &view.rollout else { return };
    let style = match r.stage.as_str() {
        "promoted" => Style::new().fg(Color::Green),
        "rolled-back" | "rollback-failed" | "rolling-back" => Style::new().fg(Color::Red),
        "paused" => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Cyan),
    };
    let steps: Vec<String> = r
        .steps
        .iter()
        .map(|s| format!("{}%[{}]", s.weight, s.state))
        .collect();
    let last = r
        .measurements
        .last()
        .map(|m| format!(" · last: {} {} ({})", m.check, m.judged, m.message))
        .unwrap_or_default();
    let text = Line::from(vec![
        Span::styled(format!("{} at {}%", r.stage, r.weight), style),
        Span::raw(format!(" · {} · {}{last}", r.version, steps.join(" "))),
    ]);
    frame.render_widget(
        Paragraph::new(text).block(Block::bordered().title(format!(" rollout {} ", r.id))),
        area,
    );
}

fn todos(frame: &mut Frame<'_>, area: Rect, view: &DashboardView) {
    let mut lines = Vec::new();
    if let Some(i) = &view.incident {
        for t in &i.open_todos {
            let due = match t.due_at {
                Some(at) if at < view.now => format!("{} late", human(view.now - at)),
                Some(at) => format!("in {}", human(at - view.now)),
                None => "-".into(),
            };
            let style = if t.overdue {
                Style::new().fg(Color::Red)
            } else {
                Style::new()
            };
            let esc = if t.escalation_level > 0 {
                format!(" ↑{}", t.escalation_level)
            } else {
                String::new()
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{} {} {} [{}] {due}{esc}",
                    t.id,
                    t.priority,
                    t.title,
                    t.owner.as_deref().unwrap_or("unowned")
                ),
                style,
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from("no open todos"));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(" open todos "))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn messages(frame: &mut Frame<'_>, area: Rect, view: &DashboardView) {
    let mut lines: Vec<Line<'_>> = Vec::new();
    for u in view.updates.iter().rev().take(2) {
        lines.push(Line::from(Span::styled(
            format!("update ({}): {}", u.status, u.summary),
            Style::new().fg(Color::Magenta),
        )));
    }
    let room = (area.height as usize).saturating_sub(2 + lines.len());
    for m in view
        .messages
        .iter()
        .skip(view.messages.len().saturating_sub(room))
    {
        let first = m.text.lines().next().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!("#{} {}→{} ", m.id, short(&m.from), short(&m.to)),
                Style::new().fg(Color::DarkGray),
            ),
            Span::raw(first.to_owned()),
        ]));
    }
    frame.render_widget(
        Paragraph::new(Text::from(lines)).block(Block::bordered().title(" messages and updates ")),
        area,
    );
}

/// A sender or recipient without its target: `devops-engineer` for
/// `devops-engineer (auth-hotfix:1)`.
fn short(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label)
}

fn footer(frame: &mut Frame<'_>, area: Rect, ui: &Ui) {
    let text = match ui.mode {
        Mode::Filter => format!("filter: {}▏  (Enter keeps it, Esc clears)", ui.input),
        Mode::Message => format!("message: {}▏  (Enter sends, Esc cancels)", ui.input),
        Mode::Normal => ui.status.clone().unwrap_or_else(|| {
            "↑↓ select · Enter screen · a attach · m message · / filter · q quit".into()
        }),
    };
    frame.render_widget(
        Paragraph::new(text).style(Style::new().fg(Color::DarkGray)),
        area,
    );
}

fn focus(frame: &mut Frame<'_>, area: Rect, target: &str, text: &str) {
    let popup = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(4),
    };
    frame.render_widget(Clear, popup);
    let rows = popup.height.saturating_sub(2) as usize;
    let lines: Vec<&str> = text.lines().collect();
    let shown = lines[lines.len().saturating_sub(rows)..].join("\n");
    frame.render_widget(
        Paragraph::new(shown)
            .block(Block::bordered().title(format!(" {target}: its screen (Esc closes) "))),
        popup,
    );
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
