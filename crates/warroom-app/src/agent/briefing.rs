//! What an agent is told: its briefing (role, team, incident), as a
//! message or a file in its directory, and the context replayed when it is
//! restarted.

use std::path::Path;

use warroom_agents::BriefingMode;
use warroom_model::{MessageText, Sender};
use warroom_model::{RosterEntry, briefing};
use warroom_store::{AgentRecord, MessageKind, TeamRecord};
use warroom_tmux::ControlClient;

use crate::agent::delivery::Outgoing;
use crate::views::MessageResult;
use crate::{App, AppError};

impl App {
    pub(crate) fn briefing_for(
        &self,
        team: &TeamRecord,
        agent: &AgentRecord,
    ) -> Result<String, AppError> {
        let agents = self.store().agents(team.id)?;
        let roster: Vec<RosterEntry> = agents
            .iter()
            .map(|a| RosterEntry {
                window: a.window,
                role: a.role.clone(),
                name: a.display_name.clone(),
            })
            .collect();
        let me = RosterEntry {
            window: agent.window,
            role: agent.role.clone(),
            name: agent.display_name.clone(),
        };
        let spec = self.config.catalogue.role(&agent.role)?.1;
        let roles = &self.config.catalogue.roles;
        let mut text = briefing(
            &team.name,
            &me,
            spec,
            &roster,
            team.purpose.as_deref(),
            |r| roles.get(r).is_some_and(|s| s.may_change_production),
        );
        if let Some(section) = self.incident_briefing(team, agent)? {
            text.push('\n');
            text.push_str(&section);
        }
        // A CLI started with warroom's MCP server is told its tools exist.
        // A server given in a seeded file counts only where the file was
        // written (in the engineer's own checkout a tracked one is not).
        let profile = self.config.profile(&agent.cli)?;
        let workdir = std::path::Path::new(agent.workdir.as_deref().unwrap_or(&team.project_dir));
        let env = |name: &str| profile.env_var(name);
        let has_mcp = profile.launch_gives_mcp()
            || profile.mcp_seeds().any(|seed| {
                seed.path(workdir, &env)
                    .ok()
                    .and_then(|path| std::fs::read_to_string(path).ok())
                    .is_some_and(|text| text.contains("\"warroom\""))
            });
        if has_mcp {
            text.push_str(
                "\nTOOLS. Besides `warroom` in your shell, warroom's MCP tools are yours (server \"warroom\"): whoami, incident_status, list_todos, add_todo, claim_todo, update_todo, block_todo, finish_todo, record_milestone, send_message, ask_commander, and, as your role allows, run_checks, open_pull_request and start_rollout.\n",
            );
        }
        Ok(text)
    }

    /// Briefs an agent that just showed its prompt, the one way deploy,
    /// `team add`, `agent restart` and the supervisor all do it: its
    /// briefing, or with `restore` its restored context; with the profile's
    /// `briefing = "file"` written into its working directory and pointed
    /// to. Delivered and verified like any message.
    pub(crate) fn brief(
        &self,
        client: &ControlClient,
        team: &TeamRecord,
        agent: &AgentRecord,
        restore: bool,
    ) -> Result<MessageResult, AppError> {
        let (kind, text) = if restore {
            (MessageKind::Context, self.restored_context(team, agent)?)
        } else {
            (MessageKind::Briefing, self.briefing_for(team, agent)?)
        };
        let text = self.as_file_if_asked(team, agent, kind, text)?;
        let body = MessageText::new(&text)?;
        let out = Outgoing {
            client,
            team,
            agent,
            sender: &Sender::System,
            body: &body,
        };
        self.deliver(&out, kind, self.delivery_options())
    }

    /// The text itself, or with `briefing = "file"` a pointer to it written
    /// into the agent's directory.
    fn as_file_if_asked(
        &self,
        team: &TeamRecord,
        agent: &AgentRecord,
        kind: MessageKind,
        text: String,
    ) -> Result<String, AppError> {
        if self.config.profile(&agent.cli)?.briefing != BriefingMode::File {
            return Ok(text);
        }
        // What is typed is redacted on its way in; a file skips that road.
        let text = warroom_model::redact::redact(&text).text;
        let dir = Path::new(agent.workdir.as_deref().unwrap_or(&team.project_dir)).join(".warroom");
        let (name, what) = match kind {
            MessageKind::Context => (
                format!("context-{}.md", agent.id),
                "CONTEXT RESTORED: you were restarted; read",
            ),
            _ => (format!("briefing-{}.md", agent.id), "BRIEFING: read"),
        };
        let path = dir.join(name);
        crate::agent::messages::write_atomically(&path, text.as_bytes())?;
        Ok(format!(
            "{what} {} now; it is your role, your team and the incident, and how to report.",
            path.display()
        ))
    }

    pub(crate) fn restored_context(
        &self,
        team: &TeamRecord,
        agent: &AgentRecord,
    ) -> Result<String, AppError> {
        let team = self.store().team(team.id)?.unwrap_or_else(|| team.clone());
        let mut text =
            String::from("CONTEXT RESTORED: you were restarted; this is where the team stands.\n");
        text.push_str(&self.briefing_for(&team, agent)?);
        text.push_str(&format!(
            "\nTeam purpose: {}\n",
            team.purpose.as_deref().unwrap_or("(not stated yet)")
        ));
        if let (Some(workdir), Some(branch)) = (&agent.workdir, &agent.branch) {
            let stands = self
                .git
                .summary(Path::new(workdir))
                .unwrap_or_else(|e| format!("unreadable ({e})"));
            text.push_str(&format!(
                "Your worktree {workdir} (branch {branch}): {stands}.\n"
            ));
        }
        let limit = self.config.delivery.restore_messages;
        let to_me = self
            .store()
            .messages_to(agent.id, MessageKind::Message, limit)?;
        let from_me = self.store().messages_from(agent.id, limit)?;
        // Messages still pending follow the context on their own.
        let mut recent: Vec<_> = to_me
            .into_iter()
            .chain(from_me)
            .filter(|m| m.outcome != warroom_model::Outcome::Pending)
            .collect();
        recent.sort_by_key(|m| m.id);
        if recent.is_empty() {
            text.push_str("No messages had been sent to you or by you yet.");
        } else {
            text.push_str("The last messages to and from you, oldest first:\n");
            for m in recent {
                let at = chrono::DateTime::from_timestamp_millis(m.created_at)
                    .map(|t| t.format("%H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                let direction = if m.sender_agent == Some(agent.id) {
                    format!("you sent to {}", m.recipient)
                } else {
                    format!("from {}", m.sender_label)
                };
                text.push_str(&format!(
                    "--- #{} at {at}, {direction} ({}):\n{}\n",
                    m.id,
                    m.outcome,
                    clip(&m.body, 2000)
                ));
            }
        }
        Ok(text)
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let cut = (0..=max)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    format!(
        "{}\n[… {} more bytes: warroom agent messages has the whole message]",
        &text[..cut],
        text.len() - cut
    )
}

#[cfg(test)]
mod tests {
    use warroom_model::{Outcome, Sender, Transport};
    use warroom_store::{MessageKind, NewMessage};

    use crate::testing::{FakeGit, app, team};

    #[test]
    fn a_restarted_agent_is_briefed_with_its_context() {
        let t = app(FakeGit {
            uncommitted: vec![" M auth.py".into()],
            ..FakeGit::default()
        });
        let (team, agents) = team(
            &t,
            "revive",
            &["senior-backend-developer", "project-manager"],
        );
        let (dev, pm) = (&agents[0], &agents[1]);
        t.app
            .write("alice", |tx| {
                let id = tx.create_message(&NewMessage {
                    team_id: team.id,
                    kind: MessageKind::Message,
                    sender: &Sender::Agent {
                        id: pm.id,
                        label: "project-manager (revive:1)".into(),
                    },
                    recipient: dev.id,
                    body: "The pool leaks in handler.rs line 88",
                })?;
                tx.finish_message(id, Outcome::Submitted, Transport::Typed, None)?;
                Ok(())
            })
            .expect("message");
        let dev = t.app.stored_agent(dev.id).expect("agent");
        let context = t.app.restored_context(&team, &dev).expect("context");
        for part in [
            "CONTEXT RESTORED",
            "BRIEFING. You are the senior-backend-developer",
            "Team purpose: Fix the auth 500s",
            "(branch hotfix/revive/senior-backend-developer): newest commit abc123 fix the leak; 1 uncommitted",
            "from project-manager (revive:1)",
            "The pool leaks in handler.rs line 88",
        ] {
            assert!(context.contains(part), "no {part:?} in:\n{context}");
        }
    }
}
