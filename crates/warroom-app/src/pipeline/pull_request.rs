//! `pm create-pr`: the hotfix branch pushed and its pull request opened (or
//! updated: never a second one) through a GitHub-compatible API, its title
//! and body told from the incident, refused without a passing check of the
//! branch's head commit.

use serde::Serialize;
use warroom_model::redact::redact;
use warroom_model::{EventKind, Incident, IncidentEvent, Milestone};
use warroom_ops::{ForgeTarget, Opened, PullRequestDraft, repo_from_remote};
use warroom_store::TeamRecord;

use crate::{App, AppError};

#[derive(Debug, Clone, Copy)]
pub struct PullRequestOptions<'a> {
    pub branch: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub base: &'a str,
    /// Labels and reviewers for an expedited review.
    pub emergency: bool,
    /// A passing `--fast` check is enough (the full suite is skipped).
    pub skip_full_tests: bool,
    /// Open it without a passing check; the reason is recorded.
    pub force: Option<&'a str>,
    /// Compose the pull request and show it, but push and open nothing:
    /// to see what would go out, or for a project with no forge.
    pub dry_run: bool,
}

/// The check a pull request rests on.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRef {
    pub tier: String,
    pub verdict: String,
    pub passed: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PullRequestView {
    pub team: String,
    pub branch: String,
    pub commit: String,
    pub number: u64,
    pub url: String,
    pub opened: Opened,
    pub check: Option<CheckRef>,
    pub forced: Option<String>,
    pub emergency: bool,
    /// A dry run's title and body: what would have been opened.
    pub draft: Option<(String, String)>,
}

impl App {
    /// Pushes the hotfix branch and opens or updates its pull request.
    pub fn create_pr(
        &self,
        team: &str,
        options: &PullRequestOptions<'_>,
    ) -> Result<PullRequestView, AppError> {
        let team = self.any_team(team)?;
        let agent = self.agent_acting_on(&team, "open pull requests")?;
        if let (Some(agent), Some(_)) = (&agent, options.force) {
            return Err(AppError::bad_input(format!(
                "agent {} may not force a pull request past its checks",
                agent.id
            ))
            .hint("run the checks: warroom pm quality-check --fast")
            .hint("or ask the incident commander to decide on --force"));
        }
        let project = std::path::PathBuf::from(&team.project_dir);
        let branch = match options.branch {
            Some(b) => b.to_owned(),
            None => self.hotfix_branch(&team, options.agent)?,
        };
        let commit = self.git.commit_of(&project, &branch).map_err(|e| {
            AppError::bad_input(e.to_string()).hint("name the branch with --branch")
        })?;
        // An emergency pull request rests on the fast tier, as the seed's
        // fast track has it; any other on the full suite unless told.
        let fast_is_enough = options.skip_full_tests || options.emergency;
        let check = self.passing_check(&team, &commit, fast_is_enough)?;
        let forced = options
            .force
            .map(|r| redact(r.trim()).text)
            .filter(|r| !r.is_empty());
        if check.is_none() && forced.is_none() {
            let tier = if fast_is_enough { "--fast" } else { "full" };
            return Err(AppError::bad_input(format!(
                "no passing {tier} check of {branch} at {}; a pull request rests on one",
                &commit[..12.min(commit.len())]
            ))
            .hint(if fast_is_enough {
                format!("run: warroom pm quality-check {} --fast", team.name)
            } else {
                format!(
                    "run: warroom pm quality-check {} (or --fast, with --emergency or --skip-full-tests)",
                    team.name
                )
            })
            .hint("or open it anyway with --force \"<reason>\"; the reason is recorded"));
        }
        let incident = self.incident_of(&team)?;
        let stat = self
            .git
            .diff_stat(&project, options.base, &commit)
            .unwrap_or_default();
        let draft = PullRequestDraft {
            title: title(incident.as_ref(), &branch),
            body: redact(&body(
                incident.as_ref(),
                &commit,
                &stat,
                check.as_ref(),
                forced.as_deref(),
            ))
            .text,
            head: branch.clone(),
            base: options.base.to_owned(),
        };
        let forge = &self.config.forge;
        if options.dry_run {
            // Nothing leaves this machine: what would be pushed and opened
            // is shown, marked as not opened.
            return Ok(PullRequestView {
                team: team.name.clone(),
                branch,
                commit,
                number: 0,
                url: String::new(),
                opened: Opened::NotOpened,
                check,
                forced,
                emergency: options.emergency,
                draft: Some((draft.title, draft.body)),
            });
        }
        let repo = match &forge.repo {
            Some(repo) => repo.clone(),
            None => {
                let url = self.git.remote_url(&project, &forge.remote).map_err(|e| {
                    AppError::bad_input(e.to_string())
                        .hint(format!(
                            "the pull request goes through git remote {:?}: add it (git remote add {} <url>)",
                            forge.remote, forge.remote
                        ))
                        .hint("or name another under [forge] remote in warroom.toml")
                })?;
                repo_from_remote(&url).ok_or_else(|| {
                    AppError::bad_input(format!(
                        "cannot tell the repository from the remote's URL {url:?}"
                    ))
                    .hint("set repo = \"owner/name\" under [forge] in warroom.toml")
                })?
            }
        };
        self.forge
            .ready()
            .map_err(|e| AppError::failed(e.to_string()))?;
        let api_url = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| forge.api_url.clone());
        self.git
            .push(&project, &forge.remote, &branch)
            .map_err(|e| {
                AppError::failed(e.to_string()).hint(format!(
                    "git push {} {branch} must work from {} with your own credentials",
                    forge.remote,
                    project.display()
                ))
            })?;
        let target = ForgeTarget { api_url, repo };
        let (pr, opened) = self
            .forge
            .open(&target, &draft)
            .map_err(|e| AppError::failed(e.to_string()))?;
        if options.emergency {
            self.forge
                .expedite(&target, &pr, &forge.labels, &forge.reviewers)
                .map_err(|e| AppError::failed(e.to_string()))?;
        }
        let event = IncidentEvent::PullRequestOpened {
            number: pr.number,
            url: pr.html_url.clone(),
            branch: branch.clone(),
            commit: commit.clone(),
            created: opened == Opened::Created,
            emergency: options.emergency,
            forced: forced.clone(),
        };
        match &incident {
            Some(found) => {
                let reference = warroom_model::PullRequestRef {
                    number: pr.number,
                    url: pr.html_url.clone(),
                };
                self.change_incident(&found.reference(), |incident, _, _, _| {
                    incident.pull_request = Some(reference);
                    Ok((vec![event], ()))
                })?;
            }
            None => {
                let actor = self.actor()?.label();
                self.write(&actor, |tx| {
                    Ok(tx.event(Some(team.id), &EventKind::from(event))?)
                })?;
            }
        }
        Ok(PullRequestView {
            team: team.name.clone(),
            branch,
            commit,
            number: pr.number,
            url: pr.html_url,
            opened,
            check,
            forced,
            emergency: options.emergency,
            draft: None,
        })
    }

    pub(crate) fn incident_of(&self, team: &TeamRecord) -> Result<Option<Incident>, AppError> {
        match self.store().incident_of_team(team.id)? {
            Some(id) => Ok(Some(self.load_incident(id)?.0)),
            None => Ok(None),
        }
    }

    /// The newest passing check of `commit`: a full one, or with
    /// `fast_is_enough` a fast one.
    pub(crate) fn passing_check(
        &self,
        team: &TeamRecord,
        commit: &str,
        fast_is_enough: bool,
    ) -> Result<Option<CheckRef>, AppError> {
        let events = self.store().events(team.id)?;
        Ok(events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Incident(IncidentEvent::ChecksRun {
                tier,
                commit: checked,
                verdict,
                passed,
                failed,
                ..
            }) if checked == commit
                && verdict == "pass"
                && (tier == "full" || (fast_is_enough && tier == "fast")) =>
            {
                Some(CheckRef {
                    tier: tier.clone(),
                    verdict: verdict.clone(),
                    passed: *passed,
                    failed: *failed,
                })
            }
            _ => None,
        }))
    }
}

fn title(incident: Option<&Incident>, branch: &str) -> String {
    match incident {
        Some(i) => format!("[{} {}] Fix: {}", i.reference(), i.severity, i.title),
        None => format!("Hotfix: {branch}"),
    }
}

/// The body a reviewer approves at a glance: what broke, why, what changed,
/// what proves it, the risk and the way back.
fn body(
    incident: Option<&Incident>,
    commit: &str,
    stat: &str,
    check: Option<&CheckRef>,
    forced: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(i) = incident {
        out.push_str(&format!(
            "## Incident\n\n{} {}: {} (phase {}).\n\nImpact: {}\n\n",
            i.reference(),
            i.severity,
            i.title,
            i.phase,
            i.impact.describe()
        ));
        let root = i
            .milestones
            .get(&Milestone::RootCause)
            .and_then(|m| m.summary.clone())
            .unwrap_or_else(|| "not recorded yet".into());
        out.push_str(&format!("## Root cause\n\n{root}\n\n"));
    }
    out.push_str(&format!(
        "## What changed\n\nCommit `{commit}`.\n\n```\n{stat}\n```\n\n"
    ));
    out.push_str("## Checks\n\n");
    match (check, forced) {
        (Some(c), _) => out.push_str(&format!(
            "{} checks on this commit: {} ({} passed, {} failed).\n\n",
            c.tier, c.verdict, c.passed, c.failed
        )),
        (None, Some(reason)) => out.push_str(&format!(
            "No passing check of this commit: opened anyway ({reason}).\n\n"
        )),
        (None, None) => out.push_str("None.\n\n"),
    }
    out.push_str(
        "## Risk and rollback\n\nA hotfix under incident pressure: review the diff above closely. \
         To roll back, revert this pull request's commit and redeploy the previous version.\n\n",
    );
    if let Some(i) = incident {
        out.push_str(&format!(
            "Opened by warroom for {} (`warroom incident status {}`).\n",
            i.reference(),
            i.reference()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeForge, FakeGit, app, team};

    fn options(force: Option<&str>) -> PullRequestOptions<'_> {
        PullRequestOptions {
            branch: None,
            agent: None,
            base: "main",
            emergency: true,
            skip_full_tests: true,
            force,
            dry_run: false,
        }
    }

    #[test]
    fn without_a_passing_check_nothing_is_pushed_or_sent() {
        let git = FakeGit::default();
        let pushed = std::sync::Arc::clone(&git.pushed);
        let mut t = app(git);
        let forge = FakeForge::default();
        let calls = std::sync::Arc::clone(&forge.calls);
        t.app.forge = Box::new(forge);
        team(&t, "auth-hotfix", &["developer", "qa"]);
        let err = t
            .app
            .create_pr("auth-hotfix", &options(None))
            .expect_err("refused");
        assert_eq!(err.kind(), crate::error::ErrorKind::BadInput, "{err}");
        assert!(err.to_string().contains("no passing --fast check"), "{err}");
        assert!(pushed.lock().expect("lock").is_empty());
        assert!(calls.lock().expect("lock").is_empty());
    }

    #[test]
    fn a_dry_run_composes_but_pushes_nothing_and_asks_the_forge_nothing() {
        let git = FakeGit::default();
        let pushed = std::sync::Arc::clone(&git.pushed);
        let mut t = app(git);
        let forge = FakeForge {
            no_token: true,
            ..FakeForge::default()
        };
        let calls = std::sync::Arc::clone(&forge.calls);
        t.app.forge = Box::new(forge);
        team(&t, "auth-hotfix", &["developer"]);
        let view = t
            .app
            .create_pr(
                "auth-hotfix",
                &PullRequestOptions {
                    dry_run: true,
                    ..options(Some("demo"))
                },
            )
            .expect("a dry run needs no token");
        assert_eq!(view.opened, Opened::NotOpened);
        let (title, body) = view.draft.expect("what would be opened");
        assert!(title.contains("hotfix/auth-hotfix/developer"), "{title}");
        assert!(!body.is_empty());
        assert!(pushed.lock().expect("lock").is_empty());
        assert!(calls.lock().expect("lock").is_empty());
    }

    #[test]
    fn without_a_token_nothing_is_pushed() {
        let git = FakeGit::default();
        let pushed = std::sync::Arc::clone(&git.pushed);
        let mut t = app(git);
        t.app.forge = Box::new(FakeForge {
            no_token: true,
            ..FakeForge::default()
        });
        team(&t, "auth-hotfix", &["developer"]);
        let err = t
            .app
            .create_pr("auth-hotfix", &options(Some("customers are down")))
            .expect_err("no token");
        assert!(err.to_string().contains("no token for the forge"), "{err}");
        assert!(pushed.lock().expect("lock").is_empty());
    }

    #[test]
    fn a_forced_pull_request_is_opened_once_expedited_and_its_reason_kept_clean() {
        let git = FakeGit::default();
        let pushed = std::sync::Arc::clone(&git.pushed);
        let mut t = app(git);
        let forge = FakeForge::default();
        let calls = std::sync::Arc::clone(&forge.calls);
        t.app.forge = Box::new(forge);
        team(&t, "auth-hotfix", &["developer", "qa"]);
        let reason = "customers are down; the canary used ghp_ForcedReasonSecret0123456789abcdef";
        let first = t
            .app
            .create_pr("auth-hotfix", &options(Some(reason)))
            .expect("opened");
        assert_eq!(first.opened, Opened::Created);
        assert_eq!(first.number, 7);
        let kept = first.forced.as_deref().expect("the reason is kept");
        assert!(kept.starts_with("customers are down"), "{kept}");
        assert!(!kept.contains("ghp_ForcedReasonSecret"), "{kept}");
        let again = t
            .app
            .create_pr("auth-hotfix", &options(Some("still down")))
            .expect("updated");
        assert_eq!(again.opened, Opened::Updated);
        assert_eq!(
            *calls.lock().expect("lock"),
            [
                "open acme/auth main <- hotfix/auth-hotfix/developer",
                "expedite #7 labels emergency,hotfix reviewers ",
                "open acme/auth main <- hotfix/auth-hotfix/developer",
                "expedite #7 labels emergency,hotfix reviewers ",
            ]
        );
        assert_eq!(
            *pushed.lock().expect("lock"),
            [
                "origin hotfix/auth-hotfix/developer",
                "origin hotfix/auth-hotfix/developer"
            ]
        );
    }
}
