//! Stakeholder updates: `incident update`. Composed in the CAN form, stored,
//! queued for the severity's audiences in the same transaction, then sent.

use warroom_model::incident::comms::{UpdateDraft, UpdateStatus, compose};
use warroom_model::redact::redact;
use warroom_model::{IncidentEvent, Phase};

use crate::incident::views::{ChannelDelivery, UpdateResult};
use crate::{App, AppError};

pub struct UpdateInput<'a> {
    pub status: Option<&'a str>,
    pub text: &'a str,
    pub conditions: Option<&'a str>,
    pub actions: &'a [String],
    pub needs: &'a [String],
}

impl App {
    /// `incident update <id> [--status S] "<text>"`.
    pub fn post_update(
        &self,
        incident: &str,
        input: &UpdateInput<'_>,
    ) -> Result<UpdateResult, AppError> {
        let status: Option<UpdateStatus> = input.status.map(str::parse).transpose()?;
        let clean = |t: &str| redact(t.trim()).text;
        let summary = clean(input.text);
        if summary.is_empty() {
            return Err(AppError::bad_input("the update needs text"));
        }
        let draft = UpdateDraft {
            status,
            summary,
            conditions: input.conditions.map(clean),
            actions: input.actions.iter().map(|a| clean(a)).collect(),
            needs: input.needs.iter().map(|n| clean(n)).collect(),
        };
        let (incident, (update_id, update, queued)) = self
            .change_incident(incident, |incident, todos, now, actor| {
                if incident.is_closed() {
                    return Err(AppError::bad_input(format!(
                        "{} is closed",
                        incident.reference()
                    )));
                }
                // Stakeholders hear "resolved" when it is.
                if status == Some(UpdateStatus::Resolved) && incident.phase < Phase::Resolved {
                    return Err(AppError::bad_input(format!(
                        "{} is {}, not resolved: stakeholders would be told what is not so",
                        incident.reference(),
                        incident.phase
                    ))
                    .hint(format!(
                        "resolve it first: warroom incident phase {} resolved",
                        incident.reference()
                    )));
                }
                incident.last_update_at = Some(now);
                let mut draft = draft;
                // Stakeholders hear where the fix stands.
                if let Some(pr) = &incident.pull_request {
                    draft.actions.push(format!(
                        "Fix under review: pull request #{} {}",
                        pr.number, pr.url
                    ));
                }
                let update = compose(incident, todos, draft, actor, now);
                Ok((Vec::new(), update))
            })
            .and_then(|(incident, update)| {
                let text = update.to_text();
                let channels = incident.policy.audiences.clone();
                let (id, queued) = self.write(&update.author, |tx| {
                    let id = tx.create_update(incident.id, &update)?;
                    let mut queued = Vec::new();
                    for channel in &channels {
                        if let Some(n) = self.queue_to_channel(
                            tx,
                            &incident,
                            channel,
                            "stakeholder-update",
                            &text,
                        )? {
                            queued.push((channel.clone(), n));
                        }
                    }
                    let (current, team_id) = tx.incident(incident.id)?.ok_or_else(|| {
                        warroom_store::StoreError::Corrupt("incident vanished".into())
                    })?;
                    tx.save_incident(
                        &current,
                        team_id,
                        &[IncidentEvent::UpdatePosted {
                            update: id,
                            status: update.status,
                            channels: queued.iter().map(|(c, _)| c.clone()).collect(),
                        }],
                    )?;
                    Ok((id, queued))
                })?;
                Ok((incident, (id, update, queued)))
            })?;
        self.flush_notifications(incident.id)?;
        let unconfigured: Vec<String> = incident
            .policy
            .audiences
            .iter()
            .filter(|a| !queued.iter().any(|(c, _)| c == *a))
            .cloned()
            .collect();
        let deliveries = self
            .store()
            .notifications(incident.id)?
            .into_iter()
            .filter(|n| queued.iter().any(|(_, id)| *id == n.id))
            .map(|n| ChannelDelivery {
                channel: n.channel,
                status: n.status,
                attempts: n.attempts,
                error: n.last_error,
            })
            .collect();
        Ok(UpdateResult {
            id: update_id,
            text: update.to_text(),
            update,
            deliveries,
            unconfigured,
        })
    }
}
