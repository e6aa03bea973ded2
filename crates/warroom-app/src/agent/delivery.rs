//! Sending: one agent, or every agent of a team at once. Each delivery is
//! recorded as pending before a key is typed and finished with its outcome.

use std::time::Duration;
use warroom_model::MessageId;

use std::os::unix::process::CommandExt;
use warroom_agents::{DeliveryOptions, deliver};

use warroom_model::{AgentId, Envelope, EventKind, MessageText, Outcome, Sender, Transport};
use warroom_store::{AgentRecord, MessageKind, NewMessage, TeamRecord};
use warroom_tmux::{ControlClient, PaneId};

use crate::views::{BroadcastResult, MessageResult};
use crate::{App, AppError};

impl App {
    /// `agent send <target> <text>`.
    pub fn send(&self, target: &str, text: &str) -> Result<MessageResult, AppError> {
        self.send_with(target, text, false)
    }

    /// A message to a member of `team` named the short way: a window or a
    /// role (`0`, `pm`), or a full target or agent id as `send` takes.
    pub fn send_in_team(
        &self,
        team: &str,
        to: &str,
        text: &str,
    ) -> Result<MessageResult, AppError> {
        let target = if to.contains(':') || to.starts_with("ag-") {
            to.to_owned()
        } else {
            format!("{team}:{to}")
        };
        self.send(&target, text)
    }

    /// `agent send [--now]`: with `now`, a busy agent that queues input
    /// itself (Claude Code) is typed to at once instead of waited for.
    pub fn send_with(
        &self,
        target: &str,
        text: &str,
        now: bool,
    ) -> Result<MessageResult, AppError> {
        let body = MessageText::new(text)?;
        let (team, agent) = self.resolve(target)?;
        let sender = self.actor()?;
        let client = self.control(&team)?;
        let mut options = self.delivery_options();
        options.now = now;
        let out = Outgoing {
            client: &client,
            team: &team,
            agent: &agent,
            sender: &sender,
            body: &body,
        };
        self.deliver(&out, MessageKind::Message, options)
    }

    /// `team broadcast <team> <text>` and `agent send-all`: every agent of the
    /// team but the sender, in parallel.
    pub fn broadcast(&self, team: &str, text: &str) -> Result<BroadcastResult, AppError> {
        let body = MessageText::new(text)?;
        let team = self.live_team(team)?;
        let sender = self.actor()?;
        let agents: Vec<AgentRecord> = self
            .store()
            .agents(team.id)?
            .into_iter()
            .filter(|a| sender.agent_id() != Some(a.id))
            .collect();
        if agents.is_empty() {
            return Err(AppError::bad_input(format!(
                "team {} has no other agent to tell",
                team.name
            )));
        }
        let client = self.control(&team)?;
        if matches!(sender, Sender::Human { .. }) {
            // The first thing a person tells the whole team is its mission.
            self.write(&sender.label(), |tx| {
                Ok(tx.set_purpose_if_unset(team.id, body.as_str())?)
            })?;
        }
        let results: Vec<Result<MessageResult, AppError>> = std::thread::scope(|s| {
            let handles: Vec<_> = agents
                .iter()
                .map(|agent| {
                    let (client, team, sender, body) = (&client, &team, &sender, &body);
                    s.spawn(move || {
                        let out = Outgoing {
                            client,
                            team,
                            agent,
                            sender,
                            body,
                        };
                        self.deliver(&out, MessageKind::Message, self.delivery_options())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(AppError::failed("a delivery thread panicked")))
                })
                .collect()
        });
        let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        let submitted = results.iter().filter(|r| r.outcome.is_success()).count();
        self.write(&sender.label(), |tx| {
            Ok(tx.event(
                Some(team.id),
                &EventKind::Broadcast {
                    recipients: results.len(),
                    submitted,
                },
            )?)
        })?;
        Ok(BroadcastResult {
            team: team.name.clone(),
            results,
            redacted: body.redacted(),
        })
    }

    pub(crate) fn control(&self, team: &TeamRecord) -> Result<ControlClient, AppError> {
        if !self.tmux.has_session(&team.name)? {
            return Err(AppError::failed(format!(
                "team {}'s tmux session is gone from server {}",
                team.name,
                self.tmux.socket()
            ))
            .hint(format!(
                "stop the team with: warroom team kill {}",
                team.name
            )));
        }
        Ok(self.tmux.control(&team.name)?)
    }

    pub(crate) fn delivery_options(&self) -> DeliveryOptions {
        DeliveryOptions {
            wait_idle: Duration::from_secs(self.config.delivery.wait_idle_secs),
            verify_timeout: Duration::from_secs(self.config.delivery.verify_secs),
            now: false,
        }
    }

    /// The one way a message reaches an agent: recorded as pending under
    /// the agent's lock (two senders never type into one input box at
    /// once), typed, verified, and finished with its outcome.
    pub(crate) fn deliver(
        &self,
        out: &Outgoing<'_>,
        kind: MessageKind,
        options: DeliveryOptions,
    ) -> Result<MessageResult, AppError> {
        let _lock = self.agent_lock(out.agent.id, options.wait_idle)?;
        let message_id = self.write(&out.sender.label(), |tx| {
            Ok(tx.create_message(&NewMessage {
                team_id: out.team.id,
                kind,
                sender: out.sender,
                recipient: out.agent.id,
                body: out.body.as_str(),
            })?)
        })?;
        self.type_recorded(out, message_id, &options)
    }

    /// Records a message from warroom itself as pending and hands its
    /// delivery to a background process, so the command that decided to send
    /// it (perhaps run by that very agent, which is busy until it returns)
    /// never waits for the recipient.
    pub(crate) fn queue_system_message(
        &self,
        team: &TeamRecord,
        agent: &AgentRecord,
        text: &str,
    ) -> Result<MessageId, AppError> {
        let body = MessageText::new(text)?;
        let id = self.write("warroom", |tx| {
            Ok(tx.create_message(&NewMessage {
                team_id: team.id,
                kind: MessageKind::Message,
                sender: &Sender::System,
                recipient: agent.id,
                body: body.as_str(),
            })?)
        })?;
        let spawned = std::process::Command::new(&self.warroom_exe)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--tmux-socket")
            .arg(self.tmux.socket().to_string())
            .args(["agent", "deliver-queued", &id.to_string()])
            .envs(self.clock().child_env())
            .env_remove("WARROOM_AGENT_ID")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn();
        if let Err(e) = spawned {
            self.write("warroom", |tx| {
                Ok(tx.finish_message(
                    id,
                    Outcome::Failed,
                    Transport::for_text(body.as_str(), usize::MAX),
                    Some(&format!("could not start the delivery process: {e}")),
                )?)
            })?;
        }
        Ok(id)
    }

    /// `agent deliver-queued <message-id>` (hidden): delivers a message that
    /// was recorded as pending. A message already delivered is left alone.
    pub fn deliver_queued(&self, message_id: MessageId) -> Result<MessageResult, AppError> {
        let found = self.store().message(message_id)?;
        let message =
            found.ok_or_else(|| AppError::bad_input(format!("no message #{message_id}")))?;
        let agent = self.stored_agent(message.recipient)?;
        let team = self.store().team(agent.team_id)?.ok_or_else(|| {
            AppError::Store(warroom_store::StoreError::Corrupt(format!(
                "{} has no team",
                agent.id
            )))
        })?;
        let options = self.delivery_options();
        let _lock = self.agent_lock(agent.id, options.wait_idle)?;
        let current = self.store().message(message_id)?;
        if current.is_some_and(|m| m.outcome != Outcome::Pending) {
            return Err(AppError::bad_input(format!(
                "message #{message_id} was already delivered"
            )));
        }
        let body = MessageText::new(&message.body)?;
        let client = self.control(&team)?;
        // A nudge or an escalation for an agent that is down waits for it:
        // typed into a dead pane it would be lost, and the restored context
        // replays only the last few messages.
        let pane = crate::team::deploy::pane_of(&agent)?;
        if client.pane(&pane)?.is_none_or(|p| p.dead) {
            return Ok(MessageResult {
                message_id,
                to: self.agent_view(&team, &agent),
                outcome: Outcome::Pending,
                transport: Transport::for_text(body.as_str(), 0),
                detail: Some(format!(
                    "held: {} is down; it gets this when it is back",
                    agent.id
                )),
                redacted: body.redacted(),
            });
        }
        let out = Outgoing {
            client: &client,
            team: &team,
            agent: &agent,
            sender: &Sender::System,
            body: &body,
        };
        self.type_recorded(&out, message_id, &self.delivery_options())
    }

    /// Delivers, oldest first, the messages warroom held for an agent while
    /// it was down (it is back: restarted and briefed). Each is delivered
    /// once: the agent's lock and the message's pending outcome see to that.
    /// Best effort: one that cannot be delivered now stays pending, and the
    /// restart that called this still succeeded.
    pub(crate) fn deliver_held(&self, team: &TeamRecord, agent: AgentId) {
        let held: Vec<MessageId> = match self.store().messages(team.id, MessageId::NEW) {
            Ok(messages) => messages
                .into_iter()
                // Only warroom's own (nudges, escalations): a person's or an
                // agent's message that failed was reported to its sender.
                .filter(|m| m.recipient == agent && m.outcome == Outcome::Pending)
                .filter(|m| m.sender_kind == Sender::System.kind())
                .map(|m| m.id)
                .collect(),
            Err(_) => return,
        };
        for id in held {
            // Delivered meanwhile by its own background process, or not
            // deliverable yet: either way it is not lost.
            let _ = self.deliver_queued(id);
        }
    }

    /// Types a recorded message into the agent's pane and records how it
    /// ended. The caller holds the agent's lock.
    fn type_recorded(
        &self,
        out: &Outgoing<'_>,
        message_id: MessageId,
        options: &DeliveryOptions,
    ) -> Result<MessageResult, AppError> {
        let profile = self.config.profile(&out.agent.cli)?;
        let actor = out.sender.label();
        let envelope = Envelope::new(message_id, out.sender, out.body);
        let delivery = match out.agent.pane_id.as_deref().map(PaneId::new) {
            Some(Ok(pane)) => deliver(&self.tmux, out.client, &pane, profile, &envelope, options),
            _ => warroom_agents::Delivery {
                outcome: Outcome::Failed,
                detail: Some("the agent has no pane".into()),
                transport: Transport::for_text(&envelope.text, profile.paste_threshold),
            },
        };
        // A refusal may quote what the agent's input box or dialog shows.
        let detail = delivery
            .detail
            .map(|d| warroom_model::redact::redact(&d).text);
        self.write(&actor, |tx| {
            Ok(tx.finish_message(
                message_id,
                delivery.outcome,
                delivery.transport,
                detail.as_deref(),
            )?)
        })?;
        Ok(MessageResult {
            message_id,
            to: self.agent_view(out.team, out.agent),
            outcome: delivery.outcome,
            transport: delivery.transport,
            detail,
            redacted: out.body.redacted(),
        })
    }
}

/// One message on its way to one agent of a team, over the team's control
/// client.
pub(crate) struct Outgoing<'a> {
    pub client: &'a ControlClient,
    pub team: &'a TeamRecord,
    pub agent: &'a AgentRecord,
    pub sender: &'a Sender,
    pub body: &'a MessageText,
}
