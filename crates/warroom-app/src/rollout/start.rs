//! Starting a rollout and a person's controls over it: the gates before
//! the first step, who may deploy, promote, abort and retry.

use warroom_model::redact::redact;
use warroom_model::rollout::{DeployGate, Run, Runbook};
use warroom_model::{EventKind, IncidentEvent, TodoKind, TodoStatus};
use warroom_store::{RolloutRecord, TeamRecord};

use super::RolloutView;
use crate::{App, AppError, UpdateInput};

/// The roles that may change production (and a person, always).
const DEPLOY_ROLES: [&str; 2] = ["devops-engineer", "deployment-engineer"];

#[derive(Debug, Clone, Copy, Default)]
pub struct CanaryOptions<'a> {
    /// The branch whose head is deployed; by default the implementing
    /// agent's.
    pub branch: Option<&'a str>,
    /// The agent whose branch (a role or an agent id).
    pub agent: Option<&'a str>,
    /// Deploy a commit whose last rollout was rolled back.
    pub retry: bool,
}

impl App {
    /// `deploy <team> --canary`: checks the gates and starts the runbook's
    /// first step; the daemon takes it from there.
    pub fn deploy_canary(
        &self,
        team: &str,
        options: &CanaryOptions<'_>,
    ) -> Result<RolloutView, AppError> {
        // Who asks comes before what is missing: a role that may not
        // deploy is told so, not how to write a runbook.
        self.may_deploy(&self.any_team(team)?, "deploy")?;
        self.start_rollout(team, options, self.runbook()?)
    }

    /// Starts `runbook` for the team's hotfix (the demo brings its own).
    pub(crate) fn start_rollout(
        &self,
        team: &str,
        options: &CanaryOptions<'_>,
        runbook: Runbook,
    ) -> Result<RolloutView, AppError> {
        let team = self.any_team(team)?;
        self.may_deploy(&team, "deploy")?;
        let rollouts = self.store().rollouts(team.id)?;
        if let Some(running) = rollouts.iter().find(|r| !r.run.is_done()) {
            return Err(AppError::bad_input(format!(
                "rollout {} of team {} is still running ({})",
                running.id,
                team.name,
                running.run.stage_name()
            ))
            .hint(format!("follow it: warroom deploy status {}", team.name))
            .hint(format!("or stop it: warroom deploy abort {}", team.name)));
        }
        let project = std::path::PathBuf::from(&team.project_dir);
        let branch = match options.branch {
            Some(b) => b.to_owned(),
            None => self.hotfix_branch(&team, options.agent)?,
        };
        let commit = self.git.commit_of(&project, &branch).map_err(|e| {
            AppError::bad_input(e.to_string()).hint("name the branch with --branch")
        })?;
        let short = commit.get(..12).unwrap_or(&commit).to_owned();
        if let Some(last) = rollouts.last()
            && last.run.commit == commit
            && last.run.outcome().is_some_and(|o| o.name() != "promoted")
            && !options.retry
        {
            return Err(AppError::bad_input(format!(
                "{short} was {} by rollout {}; deploy a new commit, or retry this one",
                last.run.stage_name(),
                last.id
            ))
            .hint(format!("warroom deploy retry {}", team.name)));
        }
        let missing = self.missing_gates(&team, &runbook, &commit)?;
        if !missing.is_empty() {
            let mut err = AppError::bad_input(format!(
                "the rollout of {short} waits for: {}",
                missing
                    .iter()
                    .map(|(gate, _)| gate.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for (_, hint) in missing {
                err = err.hint(hint);
            }
            return Err(err);
        }
        let version = runbook.version.replace("{commit}", &short);
        let now = self.clock().now();
        let run = Run::new(&version, &runbook.stable_version, &commit, now);
        let incident = self.store().incident_of_team(team.id)?;
        let actor = self.actor()?.label();
        let record = self.write(&actor, |tx| {
            let record = tx.create_rollout(team.id, incident, &runbook, &run)?;
            let event = IncidentEvent::RolloutStarted {
                rollout: record.id,
                version: version.clone(),
                stable_version: runbook.stable_version.clone(),
                commit: commit.clone(),
                weights: runbook.steps.iter().map(|s| s.weight).collect(),
            };
            tx.event_for(Some(team.id), incident, &EventKind::from(event))?;
            Ok(record)
        })?;
        if let Some(id) = incident {
            let first = runbook.steps.first().map_or(100, |s| s.weight);
            let text = format!(
                "The fix ({version}) is rolling out: {first}% of traffic first, watched by health checks, and rolled back at once if they fail."
            );
            self.tell_stakeholders(id, &text, Some("monitoring"));
        }
        self.rollout_view(&team, &record)
    }

    /// `deploy promote <team> [--full]`: past a pause or a manual gate, to
    /// the next step (or the last).
    pub fn promote_rollout(&self, team: &str, full: bool) -> Result<RolloutView, AppError> {
        self.change_rollout(team, "promote", |run, book, _| {
            run.promote(book, full)
                .map_err(|e| AppError::bad_input(e.to_string()))?;
            Ok(Some(if full {
                "promoted to the last step by hand".to_owned()
            } else {
                "promoted by hand".to_owned()
            }))
        })
    }

    /// `deploy abort <team> [--reason R]`: traffic back to the stable
    /// version now.
    pub fn abort_rollout(&self, team: &str, reason: Option<&str>) -> Result<RolloutView, AppError> {
        let reason = reason
            .map(|r| redact(r.trim()).text)
            .filter(|r| !r.is_empty());
        self.change_rollout(team, "abort", |run, _, actor| {
            let why = match &reason {
                Some(r) => format!("aborted by {actor}: {r}"),
                None => format!("aborted by {actor}"),
            };
            run.abort(&why)
                .map_err(|e| AppError::bad_input(e.to_string()))?;
            Ok(Some(why))
        })
    }

    /// `deploy retry <team>`: the last rollout's commit again, from the
    /// first step (the gates are checked again).
    pub fn retry_rollout(&self, team: &str) -> Result<RolloutView, AppError> {
        let record = self.any_team(team)?;
        let last = self.store().rollouts(record.id)?.pop().ok_or_else(|| {
            AppError::bad_input(format!("team {} has no rollout to retry", record.name))
        })?;
        if !last.run.is_done() {
            return Err(AppError::bad_input(format!(
                "rollout {} is still running",
                last.id
            )));
        }
        let branch = last.run.commit.clone();
        self.deploy_canary(
            team,
            &CanaryOptions {
                branch: Some(&branch),
                agent: None,
                retry: true,
            },
        )
    }

    /// A person's change to the running rollout, saved with its event.
    fn change_rollout(
        &self,
        team: &str,
        what: &str,
        change: impl FnOnce(&mut Run, &Runbook, &str) -> Result<Option<String>, AppError>,
    ) -> Result<RolloutView, AppError> {
        let team = self.any_team(team)?;
        self.may_deploy(&team, what)?;
        let actor = self.actor()?.label();
        let id = self
            .store()
            .rollouts(team.id)?
            .pop()
            .map(|r| r.id)
            .ok_or_else(|| AppError::bad_input(format!("no rollout for team {} yet", team.name)))?;
        let record = self.write(&actor, |tx| {
            let mut record: RolloutRecord = tx
                .rollout(id)?
                .ok_or_else(|| AppError::failed(format!("rollout {id} vanished")))?;
            let before = record.run.clone();
            let reason = change(&mut record.run, &record.runbook, &actor)?;
            if !tx.save_rollout(record.id, record.rev, &record.run)? {
                return Err(AppError::failed("the rollout changed meanwhile; try again"));
            }
            let event = super::drive::stage_event(&record, &before, reason);
            tx.event_for(Some(team.id), record.incident_id, &EventKind::from(event))?;
            record.rev += 1;
            Ok(record)
        })?;
        self.rollout_view(&team, &record)
    }

    /// Only the deployment roles may change production; a person may.
    fn may_deploy(&self, team: &TeamRecord, what: &str) -> Result<(), AppError> {
        if let Some(agent) = self.agent_acting_on(team, what)?
            && !DEPLOY_ROLES.contains(&agent.role.as_str())
        {
            return Err(AppError::bad_input(format!(
                "agent {} ({}) may not {what} a rollout: only {} may change production",
                agent.id,
                agent.role,
                DEPLOY_ROLES.join(" or ")
            ))
            .hint("ask the DevOps engineer, or the incident commander"));
        }
        Ok(())
    }

    /// The project's runbook, or how to write one.
    fn runbook(&self) -> Result<Runbook, AppError> {
        self.config.deploy.clone().ok_or_else(|| {
            AppError::bad_input("there is no deploy runbook: add [deploy] to warroom.toml")
                .hint("stable_version, set_weight = { run = [...] }, rollback = { run = [...] }, and [[deploy.checks]]; the README shows one")
        })
    }

    /// The runbook's gates this commit has not passed, each with what to do.
    fn missing_gates(
        &self,
        team: &TeamRecord,
        runbook: &Runbook,
        commit: &str,
    ) -> Result<Vec<(DeployGate, String)>, AppError> {
        let incident = self.incident_of(team)?;
        let mut missing = Vec::new();
        for gate in &runbook.gates {
            match gate {
                DeployGate::Checks => {
                    if self.passing_check(team, commit, true)?.is_none() {
                        missing.push((
                            *gate,
                            format!(
                                "a passing check of {}: warroom pm quality-check {} --fast",
                                commit.get(..12).unwrap_or(commit),
                                team.name
                            ),
                        ));
                    }
                }
                DeployGate::PullRequest => {
                    let opened = self.store().events(team.id)?.iter().any(|e| {
                        matches!(&e.kind, EventKind::Incident(IncidentEvent::PullRequestOpened { commit: c, .. }) if c == commit)
                    });
                    if !opened {
                        missing.push((
                            *gate,
                            format!(
                                "the pull request of this commit: warroom pm create-pr {} --emergency",
                                team.name
                            ),
                        ));
                    }
                }
                DeployGate::SecuritySignOff => {
                    let Some(incident) = &incident else { continue };
                    let open: Vec<_> = self
                        .store()
                        .todos(incident.id)?
                        .into_iter()
                        .filter(|t| t.kind == TodoKind::SignOff && t.status != TodoStatus::Done)
                        .collect();
                    for todo in open {
                        missing.push((
                            *gate,
                            format!(
                                "the security sign-off {} ({}): warroom todo done {}",
                                warroom_model::todo_ref(todo.id),
                                todo.title,
                                warroom_model::todo_ref(todo.id)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(missing)
    }

    /// Posts a stakeholder update; a failure is logged in the result of
    /// the rollout, never stops it.
    pub(crate) fn tell_stakeholders(
        &self,
        incident: warroom_model::IncidentId,
        text: &str,
        status: Option<&str>,
    ) {
        let Ok((incident, _)) = self.load_incident(incident) else {
            return;
        };
        if incident.is_closed() {
            return;
        }
        let _ = self.post_update(
            &incident.reference(),
            &UpdateInput {
                status,
                text,
                conditions: None,
                actions: &[],
                needs: &[],
            },
        );
    }
}
