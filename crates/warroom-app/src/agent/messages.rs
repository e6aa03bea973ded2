//! The team's message log: listing, following and exporting.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use warroom_model::{AgentId, EventKind, MessageId, MessageKind};
use warroom_store::{MessageRecord, TeamRecord};

use crate::views::MessageView;
use crate::{App, AppError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Text,
    Jsonl,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Text => "text",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

impl App {
    /// The team's messages with an id above `after`, oldest first (pass the
    /// last id seen to follow the log).
    pub fn messages(&self, team: &str, after: MessageId) -> Result<Vec<MessageView>, AppError> {
        let team = self.any_team(team)?;
        self.message_views(&team, after)
    }

    pub(crate) fn message_views(
        &self,
        team: &TeamRecord,
        after: MessageId,
    ) -> Result<Vec<MessageView>, AppError> {
        let agents: HashMap<AgentId, String> = self
            .store()
            .agents(team.id)?
            .iter()
            .map(|a| (a.id, self.label(team, a)))
            .collect();
        let records = self.store().messages(team.id, after)?;
        Ok(records.into_iter().map(|m| view(m, &agents)).collect())
    }

    /// The whole log, rendered for export.
    fn render_export(
        &self,
        team: &TeamRecord,
        format: ExportFormat,
    ) -> Result<(String, usize), AppError> {
        let messages = self.message_views(team, MessageId::NEW)?;
        let mut out = String::new();
        match format {
            ExportFormat::Jsonl => {
                for m in &messages {
                    let line =
                        serde_json::to_string(m).map_err(|e| AppError::failed(e.to_string()))?;
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            ExportFormat::Text => {
                out.push_str(&format!(
                    "# messages of team {} ({} messages, times in UTC)\n",
                    team.name,
                    messages.len()
                ));
                for m in &messages {
                    out.push_str(&format!(
                        "\n#{} {} {} -> {} [{}{}]{}\n",
                        m.id,
                        utc(m.at),
                        m.from,
                        m.to,
                        m.outcome,
                        if m.kind == MessageKind::Message {
                            String::new()
                        } else {
                            format!(", {}", m.kind)
                        },
                        m.detail
                            .as_deref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    ));
                    out.push_str(&m.text);
                    out.push('\n');
                }
            }
        }
        Ok((out, messages.len()))
    }

    /// Writes the export to `path` (atomically) and records that it was
    /// taken; with no path the caller prints the returned text.
    pub fn export_messages(
        &self,
        team: &str,
        format: ExportFormat,
        path: Option<&Path>,
    ) -> Result<(String, usize), AppError> {
        let record = self.any_team(team)?;
        let (text, count) = self.render_export(&record, format)?;
        let shown = match path {
            Some(path) => {
                write_atomically(path, text.as_bytes())?;
                path.display().to_string()
            }
            None => "standard output".to_owned(),
        };
        let actor = self.actor()?.label();
        self.write(&actor, |tx| {
            Ok(tx.event(
                Some(record.id),
                &EventKind::MessagesExported {
                    path: shown,
                    format: format.as_str().into(),
                    count,
                },
            )?)
        })?;
        Ok((text, count))
    }
}

fn view(m: MessageRecord, agents: &HashMap<AgentId, String>) -> MessageView {
    MessageView {
        id: m.id,
        at: m.created_at,
        kind: m.kind,
        from: m.sender_label,
        from_kind: m.sender_kind,
        to: agents
            .get(&m.recipient)
            .cloned()
            .unwrap_or_else(|| m.recipient.to_string()),
        to_agent: m.recipient,
        outcome: m.outcome,
        transport: m.transport,
        detail: m.detail,
        text: m.body,
    }
}

pub(crate) fn utc(at: warroom_model::Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| at.to_string())
}

/// Write to a sibling temp file and rename: a reader never sees half a file,
/// and nobody but the owner reads it (reports and exports hold the
/// incident's story, redacted or not).
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> Result<(), AppError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(AppError::io(format!("creating {}", dir.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(data).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AppError::io(format!("writing {}", path.display()))(e)
    })
}
