//! `incident declare`: assessing, creating and (with `--deploy`) staffing an
//! incident, and the implicit incident of a team deployed without one.

use std::path::PathBuf;
use warroom_model::IncidentId;
use warroom_model::TodoId;

use warroom_model::incident::severity::{self, Assessment};
use warroom_model::redact::redact;
use warroom_model::{
    Impact, Incident, IncidentEvent, Milestone, Millis, Owner, Phase, Severity, TeamName, Todo,
    TodoStatus,
};

use crate::incident::change::todo_added;
use crate::incident::views::{DeclareResult, LogView};
use crate::{App, AppError, DeployOptions};

/// The largest log `--log` attaches; an incident's log excerpt, not an archive.
pub const MAX_LOG_BYTES: usize = 10 * 1024 * 1024;

/// What `incident edit` changes; `None` keeps it.
#[derive(Debug, Default, Clone, Copy)]
pub struct IncidentEdit<'a> {
    pub title: Option<&'a str>,
    pub impact: Option<&'a str>,
    pub domain: Option<&'a str>,
}

pub struct DeclareOptions<'a> {
    pub title: &'a str,
    pub impact: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub slug: Option<&'a str>,
    pub logs: &'a [PathBuf],
    pub compliance: &'a [String],
    pub team_type: Option<&'a str>,
    pub detected_at: Option<Millis>,
    pub deploy: bool,
    pub deploy_options: DeployOptions<'a>,
}

/// Lowercase words joined by '-', at most 40 characters: "auth-returns-500".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "incident".into()
    } else {
        slug
    }
}

impl App {
    /// `incident declare`.
    pub fn declare(&self, options: &DeclareOptions<'_>) -> Result<DeclareResult, AppError> {
        let title = redact(options.title.trim()).text;
        if title.is_empty() {
            return Err(AppError::bad_input("the incident needs a title"));
        }
        let impact = options
            .impact
            .map(Impact::parse)
            .transpose()?
            .unwrap_or_default();
        let explicit: Option<Severity> = options.severity.map(str::parse).transpose()?;
        let assessment = severity::assess_with_override(&impact, explicit);
        let domain = options.domain.map(|d| d.trim().to_ascii_lowercase());
        let domain_spec = domain.as_deref().map(|d| self.domain_spec(d)).transpose()?;
        if let Some(t) = options.team_type
            && !self.config.catalogue.team_types.contains_key(t)
        {
            self.config.catalogue.compose(t, 1)?;
        }
        // What the team would be started with is checked before anything is
        // written: a misspelt agent CLI leaves no half-declared incident.
        if options.deploy
            && let Some(cli) = options.deploy_options.agent_cli
        {
            self.config.profile(cli)?;
        }
        // Read and redact every log before anything is written: a bad path
        // leaves no half-declared incident behind.
        let logs = options
            .logs
            .iter()
            .map(|path| read_log(path))
            .collect::<Result<Vec<_>, _>>()?;
        let mut compliance: Vec<String> = domain_spec
            .map(|d| d.compliance.clone())
            .unwrap_or_default();
        for c in options.compliance {
            if !compliance.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                compliance.push(c.clone());
            }
        }
        let security_review = impact.security
            || impact.data_loss
            || !compliance.is_empty()
            || domain_spec.is_some_and(|d| d.security_review);
        let slug = match options.slug {
            Some(s) => TeamName::new(s)?.as_str().to_owned(),
            None => self.free_slug(&slugify(&title))?,
        };
        let now = self.now();
        let detected = options.detected_at.unwrap_or(now);
        if detected > now {
            return Err(AppError::bad_input("--detected-at is in the future"));
        }
        let actor = self.actor()?.label();
        let mut incident = self.new_incident(&slug, &title, assessment, impact, &actor)?;
        incident.domain = domain;
        incident.compliance = compliance;
        incident.security_review = security_review;
        incident.mark(Milestone::Detected, detected, &actor);
        incident.mark(Milestone::Declared, now, &actor);
        let checklist = self.checklist_for(&incident, now, &actor)?;
        let incident = self.write(&actor, |tx| {
            let incident = tx.create_incident(&incident, None)?;
            let mut events = vec![declared_event(&incident)];
            for (name, body, found) in &logs {
                tx.attach(incident.id, name, body)?;
                events.push(IncidentEvent::LogAttached {
                    name: name.clone(),
                    bytes: body.len(),
                    redacted: found.clone(),
                });
            }
            for draft in &checklist {
                let mut draft = draft.clone();
                draft.incident = incident.id;
                let todo = tx.create_todo(&draft)?;
                events.push(todo_added(&todo));
            }
            tx.save_incident(&incident, None, &events)?;
            Ok(incident)
        })?;
        let deploy = if options.deploy {
            let team_type = options
                .team_type
                .or(domain_spec.map(|d| d.team_type.as_str()))
                .unwrap_or("backend");
            let roles = self.roles_for(&incident, team_type)?;
            let deploy_options = DeployOptions {
                incident: Some(incident.id),
                ..options.deploy_options
            };
            Some(self.deploy_roles(team_type, &roles, &incident.slug, &deploy_options)?)
        } else {
            None
        };
        let (incident, team_id) = self.load_incident(incident.id)?;
        let incident = self.incident_view(&incident, team_id)?;
        Ok(DeclareResult {
            id: incident.id.clone(),
            severity: incident.severity.clone(),
            reasons: incident.reasons.clone(),
            incident,
            logs: logs
                .iter()
                .map(|(name, body, found)| LogView {
                    name: name.clone(),
                    bytes: body.len(),
                    redacted: found.values().sum(),
                })
                .collect(),
            deploy,
        })
    }

    fn domain_spec(&self, domain: &str) -> Result<&crate::config::DomainSpec, AppError> {
        self.config.domains.get(domain).ok_or_else(|| {
            AppError::bad_input(format!(
                "unknown domain {domain:?}; known: {}",
                self.config
                    .domains
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("domains are configured under [domains.<name>] in warroom.toml")
        })
    }

    /// `incident edit <id> [--title] [--impact] [--domain]`: describes an
    /// incident after the fact (a quick-deploy's implicit one, or a first
    /// guess), and assesses its severity again from the new impact, with the
    /// rules' reasons recorded. A severity set by hand is kept; the rules'
    /// verdict is recorded beside it.
    pub fn edit_incident(
        &self,
        input: &str,
        edit: &IncidentEdit<'_>,
    ) -> Result<crate::IncidentView, AppError> {
        let title = edit.title.map(|t| redact(t.trim()).text);
        if title.as_deref().is_some_and(str::is_empty) {
            return Err(AppError::bad_input("the title is empty"));
        }
        let impact = edit.impact.map(Impact::parse).transpose()?;
        let domain = edit.domain.map(|d| d.trim().to_ascii_lowercase());
        let domain_spec = domain.as_deref().map(|d| self.domain_spec(d)).transpose()?;
        if title.is_none() && impact.is_none() && domain.is_none() {
            return Err(AppError::bad_input(
                "say what changes: --title, --impact or --domain",
            ));
        }
        let (incident, ()) = self.change_incident(input, |incident, _, _, _| {
            let mut changes = Vec::new();
            let mut events = Vec::new();
            if let Some(title) = &title {
                changes.push(format!("title: {} -> {title}", incident.title));
                incident.title = title.clone();
            }
            if let (Some(domain), Some(spec)) = (&domain, domain_spec) {
                changes.push(format!(
                    "domain: {} -> {domain}",
                    incident.domain.as_deref().unwrap_or("none")
                ));
                incident.domain = Some(domain.clone());
                for c in &spec.compliance {
                    if !incident.compliance.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                        incident.compliance.push(c.clone());
                    }
                }
                incident.security_review |= spec.security_review || !incident.compliance.is_empty();
            }
            if let Some(impact) = &impact {
                changes.push(format!(
                    "impact: {} -> {}",
                    incident.impact.describe(),
                    impact.describe()
                ));
                incident.impact = impact.clone();
                incident.security_review |= impact.security || impact.data_loss;
                let by_hand = incident.assessment.overridden_from.is_some();
                let assessed = severity::assess(impact);
                let from = incident.severity;
                if by_hand {
                    incident.assessment.reasons.push(format!(
                        "re-assessed from the new impact: the rules give {} ({}); kept {from}, set by hand",
                        assessed.severity,
                        assessed.reasons.join("; ")
                    ));
                } else {
                    incident.assessment = assessed.clone();
                    if assessed.severity != from {
                        incident.severity = assessed.severity;
                        incident.policy = self.config.policy(assessed.severity)?.clone();
                        events.push(IncidentEvent::SeverityChanged {
                            from,
                            to: assessed.severity,
                            reason: format!(
                                "re-assessed from the impact: {}",
                                assessed.reasons.join("; ")
                            ),
                        });
                    }
                }
                incident.implicit = false;
            }
            events.insert(0, IncidentEvent::IncidentEdited { changes });
            Ok((events, ()))
        })?;
        self.view_of(incident.id)
    }

    fn new_incident(
        &self,
        slug: &str,
        title: &str,
        assessment: Assessment,
        impact: Impact,
        commander: &str,
    ) -> Result<Incident, AppError> {
        Ok(Incident {
            id: IncidentId::NEW,
            slug: slug.to_owned(),
            title: title.to_owned(),
            severity: assessment.severity,
            policy: self.config.policy(assessment.severity)?.clone(),
            assessment,
            impact,
            domain: None,
            compliance: Vec::new(),
            security_review: false,
            phase: Phase::Triage,
            milestones: Default::default(),
            commander: commander.to_owned(),
            team: None,
            last_update_at: None,
            update_reminded_for: None,
            clock_alerts: Default::default(),
            postmortem: None,
            pull_request: None,
            implicit: false,
        })
    }

    /// The incident a new team works on: the one named, else the only open
    /// incident without a team, else a new implicit one (quick-deploy
    /// without `incident declare`), assumed SEV1 until assessed.
    pub(crate) fn incident_for_team(
        &self,
        team: &str,
        explicit: Option<IncidentId>,
    ) -> Result<Incident, AppError> {
        if let Some(id) = explicit {
            let (incident, team_id) = self.load_incident(id)?;
            if incident.is_closed() {
                return Err(AppError::bad_input(format!(
                    "incident {} is closed",
                    incident.reference()
                )));
            }
            if let Some(other) = team_id.and_then(|t| self.store().team(t).ok().flatten())
                && other.ended_at.is_none()
            {
                return Err(AppError::bad_input(format!(
                    "incident {} already has team {}",
                    incident.reference(),
                    other.name
                )));
            }
            return Ok(incident);
        }
        let open = self.store().incidents(false)?;
        let teamless: Vec<Incident> = open
            .into_iter()
            .filter(|(_, team_id)| team_id.is_none())
            .map(|(i, _)| i)
            .collect();
        match teamless.as_slice() {
            [one] => Ok(one.clone()),
            [] => {
                let actor = self.actor()?.label();
                let assessment = Assessment {
                    severity: Severity::Sev1,
                    reasons: vec![
                        "not assessed yet: deployed with quick-deploy, so treated as SEV1 until triaged"
                            .into(),
                    ],
                    overridden_from: None,
                };
                let title = format!("{team} (deployed with quick-deploy)");
                let slug = self.free_slug(team)?;
                let mut incident =
                    self.new_incident(&slug, &title, assessment, Impact::default(), &actor)?;
                incident.implicit = true;
                incident.mark(Milestone::Declared, self.now(), &actor);
                Ok(incident)
            }
            many => Err(AppError::bad_input(format!(
                "{} open incidents have no team yet ({}); say which one this team is for",
                many.len(),
                many.iter()
                    .map(Incident::reference)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("pass --incident INC-N")),
        }
    }

    /// The roles the incident's severity and domain call for.
    fn roles_for(&self, incident: &Incident, team_type: &str) -> Result<Vec<String>, AppError> {
        let available = self
            .config
            .catalogue
            .team_types
            .get(team_type)
            .map_or(1, |t| t.roles.len());
        let size = incident.policy.team_size.clamp(1, available);
        let mut roles = self.config.catalogue.compose(team_type, size)?;
        // A security, data or regulated incident of SEV2 or worse gets a
        // security engineer whatever the team type lists first.
        let wanted = "security-engineer";
        if incident.security_review
            && incident.severity <= Severity::Sev2
            && !roles.iter().any(|r| r == wanted)
            && self.config.catalogue.roles.contains_key(wanted)
        {
            if roles.len() >= 3 {
                roles.pop();
            }
            roles.push(wanted.into());
        }
        Ok(roles)
    }

    pub(crate) fn checklist_for(
        &self,
        incident: &Incident,
        now: Millis,
        actor: &str,
    ) -> Result<Vec<Todo>, AppError> {
        Ok(self
            .config
            .checklist
            .iter()
            .filter(|item| item.when.is_none() || incident.security_review)
            .map(|item| Todo {
                id: TodoId::NEW,
                incident: IncidentId::NEW,
                title: item.title.clone(),
                kind: item.kind,
                priority: item.priority,
                status: TodoStatus::Open,
                owner: Some(Owner::Role {
                    role: item.owner.clone(),
                }),
                created_by: actor.to_owned(),
                created_at: now,
                due_at: Some(
                    now + item
                        .due
                        .unwrap_or(incident.policy.todo_due.for_priority(item.priority))
                        .millis(),
                ),
                gate: item.gate,
                depends_on: Vec::new(),
                follow_up: false,
                escalation_level: 0,
                notes: Vec::new(),
                blocked_reason: None,
                done_at: None,
            })
            .collect())
    }

    /// `base`, or `base-2`, `base-3`… whichever no open incident or live
    /// team uses.
    fn free_slug(&self, base: &str) -> Result<String, AppError> {
        let base = TeamName::new(base)?.as_str().to_owned();
        for n in 1.. {
            let candidate = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let incident = self.store().incident_by_slug(&candidate)?;
            let open = match incident {
                Some(id) => !self.load_incident(id)?.0.is_closed(),
                None => false,
            };
            let team = self.store().team_by_name(&candidate)?;
            if !open && team.is_none_or(|t| t.ended_at.is_some()) {
                return Ok(candidate);
            }
        }
        unreachable!("1.. never ends")
    }
}

pub(crate) fn declared_event(incident: &Incident) -> IncidentEvent {
    IncidentEvent::IncidentDeclared {
        incident: incident.reference(),
        title: incident.title.clone(),
        severity: incident.severity,
        reasons: incident.assessment.reasons.clone(),
        overridden_from: incident.assessment.overridden_from,
    }
}

/// The log's name, its redacted text, and what was removed.
fn read_log(
    path: &std::path::Path,
) -> Result<(String, String, std::collections::BTreeMap<String, usize>), AppError> {
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::bad_input(format!("cannot read log {}: {e}", path.display())))?;
    if bytes.len() > MAX_LOG_BYTES {
        return Err(AppError::bad_input(format!(
            "log {} is {} bytes; attach at most {} (the relevant excerpt)",
            path.display(),
            bytes.len(),
            MAX_LOG_BYTES
        )));
    }
    let text = String::from_utf8_lossy(&bytes);
    let redacted = redact(&text);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, redacted.text, redacted.found))
}
