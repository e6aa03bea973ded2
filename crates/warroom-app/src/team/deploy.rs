//! Starting agents: `quick-deploy` and `team add` (restarts: restart.rs). An agent
//! is its pane's own command (never typed into a shell); it counts as started
//! when its input prompt shows, and as briefed when its briefing is submitted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use warroom_model::IncidentId;

use warroom_model::TeamId;
use warroom_model::{AgentId, EventKind, IncidentEvent, Milestone, TeamName};
use warroom_store::{AgentRecord, NewAgent, NewTeam, StoreError, TeamRecord};
use warroom_tmux::{ControlClient, PaneId, Spawn};

use crate::team::readiness::Readiness;
use crate::team::worktree;
use crate::views::{DeployResult, IncidentLink, IncidentLinkKind, LaunchedAgent};
use crate::{App, AppError};

/// Every pane gets the same size, so screens read the same everywhere.
const PANE_SIZE: (u16, u16) = (160, 45);

/// The scenario simulated agents follow unless told otherwise.
const DEFAULT_SCENARIO: &str = "default";

/// What to launch for one agent.
struct Plan {
    role: String,
    name: String,
    /// The profile launched (`sim` when standing in).
    cli: String,
    configured: String,
    argv: Vec<String>,
    /// Where the agent works: its own worktree (with `branch`), or the
    /// project's checkout.
    workdir: PathBuf,
    branch: Option<String>,
}

#[derive(Default, Clone, Copy)]
pub struct DeployOptions<'a> {
    pub agent_cli: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub scenario: Option<&'a str>,
    /// The incident the team works on; see `incident_for_team` when unset.
    pub incident: Option<IncidentId>,
    /// Share the project's checkout instead of a worktree per agent.
    pub no_worktree: bool,
    /// The project the team works on, when not the one warroom runs in.
    pub project_dir: Option<&'a Path>,
}

impl App {
    /// `quick-deploy <type> <size> --project-name <team>`.
    pub fn quick_deploy(
        &self,
        team_type: &str,
        size: usize,
        team_name: &str,
        options: &DeployOptions<'_>,
    ) -> Result<DeployResult, AppError> {
        let roles = self.config.catalogue.compose(team_type, size)?;
        self.deploy_roles(team_type, &roles, team_name, options)
    }

    /// Deploys a team of these roles (window 0 first) for an incident.
    pub(crate) fn deploy_roles(
        &self,
        team_type: &str,
        roles: &[String],
        team_name: &str,
        options: &DeployOptions<'_>,
    ) -> Result<DeployResult, AppError> {
        let started = Instant::now();
        let name = TeamName::new(team_name)?;
        let existing = self.store().team_by_name(name.as_str())?;
        if existing.is_some_and(|t| t.ended_at.is_none()) {
            return Err(
                AppError::bad_input(format!("team {name} is already deployed")).hint(format!(
                    "stop it first with: warroom team kill {name}, or choose another --project-name"
                )),
            );
        }
        if self.tmux.has_session(name.as_str())? {
            return Err(AppError::bad_input(format!(
                "a tmux session named {name} already exists on server {}; warroom will not touch it",
                self.tmux.socket()
            )));
        }
        let plans = roles
            .iter()
            .map(|role| {
                let spec = &self.config.catalogue.roles[role];
                self.plan(name.as_str(), role, &spec.name, options)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let actor = self.actor()?.label();
        let project = options.project_dir.unwrap_or(&self.project_dir);
        let project_dir = project.to_string_lossy().into_owned();
        let socket = self.tmux.socket().to_string();
        let mut incident = self.incident_for_team(name.as_str(), options.incident)?;
        let how = match (incident.id, options.incident) {
            (IncidentId::NEW, _) => IncidentLinkKind::Created,
            (_, Some(_)) => IncidentLinkKind::Named,
            (_, None) => IncidentLinkKind::Joined,
        };
        // An implicit incident starts like a declared one: with its checklist.
        let checklist = if incident.id == IncidentId::NEW {
            let declared = incident.declared_at();
            self.checklist_for(&incident, declared, &actor)?
        } else {
            Vec::new()
        };
        let purpose = options
            .purpose
            .map(|p| warroom_model::redact::redact(p.trim()).text);
        let (team, agents) = self.write(&actor, |tx| {
            let team = tx.create_team(&NewTeam {
                name: name.as_str(),
                team_type: Some(team_type),
                project_dir: &project_dir,
                purpose: purpose.as_deref(),
                tmux_socket: &socket,
            })?;
            let mut events = Vec::new();
            if incident.id == IncidentId::NEW {
                incident = tx.create_incident(&incident, Some(team.id))?;
                events.push(crate::incident::declare::declared_event(&incident));
                for draft in &checklist {
                    let mut draft = draft.clone();
                    draft.incident = incident.id;
                    let todo = tx.create_todo(&draft)?;
                    events.push(crate::incident::change::todo_added(&todo));
                }
            }
            incident.team = Some(team.name.clone());
            events.push(IncidentEvent::TeamAssigned {
                team: team.name.clone(),
            });
            tx.save_incident(&incident, Some(team.id), &events)?;
            let agents = plans
                .iter()
                .enumerate()
                .map(|(window, plan)| add_agent(tx, &team, window as u32, plan))
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok((team, agents))
        })?;
        let spawned = self
            .prepare_all(team.id, project, &plans)
            .and_then(|()| self.spawn_all(&team, &agents));
        let client = match spawned {
            Ok(client) => client,
            Err(e) => {
                // Leave nothing half-built: no session, no fresh worktree,
                // and the team ended.
                let _ = self.tmux.kill_session(&team.name);
                for plan in &plans {
                    if plan.branch.is_some() && plan.workdir.exists() {
                        let _ = self.git.remove(project, &plan.workdir, false);
                    }
                }
                let _ = self.write(&actor, |tx| Ok(tx.end_team(&team)?));
                return Err(e);
            }
        };
        let agents = self.store().agents(team.id)?;
        let launched = self.ready_and_brief(&client, &team, &agents, false)?;
        if launched.iter().all(LaunchedAgent::ok) {
            self.change_incident(&incident.reference(), |incident, _, now, actor| {
                Ok((
                    incident
                        .mark(Milestone::TeamReady, now, actor)
                        .into_iter()
                        .collect(),
                    (),
                ))
            })?;
        }
        Ok(DeployResult {
            incident: Some(IncidentLink {
                id: incident.reference(),
                title: incident.title.clone(),
                severity: incident.severity.to_string(),
                how,
                implicit: incident.implicit,
            }),
            team: team.name.clone(),
            tmux_socket: self.tmux.socket().to_string(),
            agents: launched,
            elapsed_ms: started.elapsed().as_millis() as i64,
        })
    }

    /// `team add <team> "<display name>" --role <role>`: one more agent.
    pub fn team_add(
        &self,
        team: &str,
        display_name: &str,
        role: &str,
        options: &DeployOptions<'_>,
    ) -> Result<DeployResult, AppError> {
        let started = Instant::now();
        let team = self.live_team(team)?;
        let role = self.config.catalogue.role_key(role)?.to_owned();
        let display_name = display_name.trim();
        if display_name.is_empty() {
            return Err(AppError::bad_input("the display name is empty"));
        }
        // The newcomer works on the team's project, wherever this runs.
        let project = std::path::PathBuf::from(&team.project_dir);
        let options = DeployOptions {
            project_dir: Some(&project),
            ..*options
        };
        let plan = self.plan(&team.name, &role, display_name, &options)?;
        let client = self.control(&team)?;
        let actor = self.actor()?.label();
        self.prepare_all(team.id, &project, std::slice::from_ref(&plan))?;
        let agent = self.write(&actor, |tx| {
            let window = tx.next_window(team.id)?;
            Ok(add_agent(tx, &team, window, &plan)?)
        })?;
        let spawned = client.new_window(agent.window, &self.spawn_spec(&team, &agent));
        let info = match spawned {
            Ok(info) => info,
            Err(e) => {
                return Err(AppError::failed(format!(
                    "tmux could not start {}: {e}",
                    agent.id
                )));
            }
        };
        self.write(&actor, |tx| {
            Ok(tx.agent_started(&agent, info.pane_id.as_str(), info.pid, stand_in(&agent))?)
        })?;
        let agent = self.stored_agent(agent.id)?;
        let launched = self.ready_and_brief(&client, &team, std::slice::from_ref(&agent), false)?;
        Ok(DeployResult {
            incident: None,
            team: team.name.clone(),
            tmux_socket: self.tmux.socket().to_string(),
            agents: launched,
            elapsed_ms: started.elapsed().as_millis() as i64,
        })
    }

    fn plan(
        &self,
        team: &str,
        role: &str,
        name: &str,
        options: &DeployOptions<'_>,
    ) -> Result<Plan, AppError> {
        let spec = &self.config.catalogue.roles[role];
        let configured = options
            .agent_cli
            .or(spec.agent.as_deref())
            .unwrap_or(&self.config.default_agent)
            .to_owned();
        let profile = self.config.profile(&configured)?;
        let cli = if configured == "sim" || on_path(profile.program()) {
            configured.clone()
        } else {
            "sim".to_owned()
        };
        let project = options.project_dir.unwrap_or(&self.project_dir);
        let (workdir, branch) = if options.no_worktree || !self.git.is_repository(project) {
            (project.to_path_buf(), None)
        } else {
            (
                worktree::worktree_path(&self.data_dir, team, role),
                Some(worktree::branch_name(team, role)),
            )
        };
        let exe = self.warroom_exe.to_string_lossy();
        let mut argv = self.agent_argv(self.config.profile(&cli)?, &exe, &workdir)?;
        if cli == "sim" {
            argv.extend([
                "--role".into(),
                role.to_owned(),
                "--name".into(),
                name.to_owned(),
            ]);
            argv.extend([
                "--scenario".into(),
                options.scenario.unwrap_or(DEFAULT_SCENARIO).to_owned(),
            ]);
            if configured != "sim" {
                argv.extend(["--stands-in-for".into(), configured.clone()]);
            }
        }
        Ok(Plan {
            role: role.to_owned(),
            name: name.to_owned(),
            cli,
            configured,
            argv,
            workdir,
            branch,
        })
    }

    /// The profile's argv for an agent working in `workdir`.
    pub(crate) fn agent_argv(
        &self,
        profile: &warroom_agents::AgentProfile,
        exe: &str,
        workdir: &Path,
    ) -> Result<Vec<String>, AppError> {
        let mut argv = profile.argv(exe, &workdir.to_string_lossy());
        if argv.iter().any(|a| a.contains("{settings}")) {
            let settings = self.hook_settings(profile)?;
            argv = argv
                .into_iter()
                .map(|a| a.replace("{settings}", &settings.to_string_lossy()))
                .collect();
        }
        if profile.needs_mcp_config() {
            let config = self.mcp_config()?;
            argv = argv
                .into_iter()
                .map(|a| a.replace("{mcp_config}", &config.to_string_lossy()))
                .collect();
        }
        Ok(argv)
    }

    /// Creates each plan's worktree and pre-seeds its CLI's state files.
    fn prepare_all(&self, team_id: TeamId, project: &Path, plans: &[Plan]) -> Result<(), AppError> {
        for plan in plans {
            if let Some(branch) = &plan.branch {
                if plan.workdir.exists() {
                    return Err(AppError::bad_input(format!(
                        "{} already exists; remove it or deploy with --no-worktree",
                        plan.workdir.display()
                    )));
                }
                self.git.create(project, &plan.workdir, branch)?;
            }
            let profile = self.config.profile(&plan.cli)?;
            let env = |name: &str| profile.env_var(name);
            for seed in &profile.seed {
                let opted_in = match seed.when.as_deref() {
                    None => true,
                    Some(_) => profile.approve_api_key,
                };
                if !opted_in {
                    continue;
                }
                // In the engineer's own checkout (--no-worktree) a file the
                // project tracks stays theirs: the CLI goes without what the
                // seed would have given it (Gemini: the shell route, no MCP).
                if plan.branch.is_none()
                    && let Ok(path) = seed.path(&plan.workdir, &env)
                    && self.git.tracks(&plan.workdir, &path)
                {
                    continue;
                }
                let file = seed
                    .apply(&plan.workdir, &self.warroom_exe.to_string_lossy(), &env)
                    .map_err(|e| {
                        AppError::failed(format!(
                            "pre-seeding {} for {}: {e}",
                            plan.cli,
                            plan.workdir.display()
                        ))
                    })?;
                self.git.keep_out_of_commits(&plan.workdir, &file)?;
                if let Some(opt_in) = &seed.when {
                    self.write(&self.actor()?.label(), |tx| {
                        Ok(tx.event(
                            Some(team_id),
                            &EventKind::AgentGatePassed {
                                cli: plan.cli.clone(),
                                opt_in: opt_in.clone(),
                                file: file.display().to_string(),
                            },
                        )?)
                    })?;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn spawn_spec(&self, team: &TeamRecord, agent: &AgentRecord) -> Spawn {
        let workdir = agent.workdir.as_deref().unwrap_or(&team.project_dir);
        // The agent sees the environment of the warroom command that starts
        // it (API endpoints, keys, PATH), not the tmux server's, which was
        // fixed when the server first started.
        let mut env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, v)| passes_through(k, v))
            .collect();
        if let Ok(profile) = self.config.profile(&agent.cli) {
            let exe = self.warroom_exe.to_string_lossy();
            let mcp_config = self.mcp_config_path();
            for (k, v) in &profile.env {
                env.insert(
                    k.clone(),
                    v.replace("{dir}", workdir)
                        .replace("{warroom}", &exe)
                        .replace("{mcp_config}", &mcp_config.to_string_lossy()),
                );
            }
        }
        for (k, v) in self.clock().child_env() {
            env.insert(k.into(), v);
        }
        env.insert("WARROOM_AGENT_ID".into(), agent.id.to_string());
        env.insert("WARROOM_TEAM".into(), team.name.clone());
        env.insert(
            "WARROOM_HOME".into(),
            self.data_dir.to_string_lossy().into_owned(),
        );
        env.insert("WARROOM_TMUX_SOCKET".into(), self.tmux.socket().to_string());
        Spawn {
            window_name: agent.role.clone(),
            cwd: PathBuf::from(workdir),
            env: env.into_iter().collect(),
            argv: agent.command.clone(),
        }
    }

    /// Creates the session (window 0) and the other windows, and records
    /// each pane.
    pub(crate) fn spawn_all(
        &self,
        team: &TeamRecord,
        agents: &[AgentRecord],
    ) -> Result<ControlClient, AppError> {
        let first = agents
            .first()
            .ok_or_else(|| AppError::bad_input("a team needs an agent"))?;
        let info = self
            .tmux
            .new_session(&team.name, &self.spawn_spec(team, first), PANE_SIZE)?;
        let client = self.tmux.control(&team.name)?;
        let mut panes = vec![(first, info)];
        for agent in &agents[1..] {
            panes.push((
                agent,
                client.new_window(agent.window, &self.spawn_spec(team, agent))?,
            ));
        }
        let actor = self.actor()?.label();
        self.write(&actor, |tx| {
            for (agent, info) in &panes {
                tx.agent_started(agent, info.pane_id.as_str(), info.pid, stand_in(agent))?;
            }
            Ok(())
        })?;
        Ok(client)
    }

    /// Waits for each agent's prompt (all at once), then briefs them in
    /// parallel: their briefing, or with `restore` their restored context.
    pub(crate) fn ready_and_brief(
        &self,
        client: &ControlClient,
        team: &TeamRecord,
        agents: &[AgentRecord],
        restore: bool,
    ) -> Result<Vec<LaunchedAgent>, AppError> {
        std::thread::scope(|s| {
            let handles: Vec<_> = agents
                .iter()
                .map(|agent| {
                    s.spawn(move || -> Result<LaunchedAgent, AppError> {
                        let Readiness {
                            ready,
                            after_ms: ready_ms,
                            tail,
                            hint,
                        } = self.wait_ready(client, team, agent)?;
                        let briefing = if ready {
                            Some(self.brief(client, team, agent, restore)?)
                        } else {
                            None
                        };
                        Ok(LaunchedAgent {
                            agent: self.agent_view(team, agent),
                            ready,
                            ready_ms,
                            screen_tail: tail,
                            hint,
                            briefing,
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(AppError::failed("a launch thread panicked")))
                })
                .collect()
        })
    }

    pub(crate) fn stored_agent(&self, id: AgentId) -> Result<AgentRecord, AppError> {
        self.store()
            .agent(id)?
            .ok_or_else(|| AppError::Store(StoreError::Corrupt(format!("{id} vanished"))))
    }
}

fn add_agent(
    tx: &mut warroom_store::Tx<'_>,
    team: &TeamRecord,
    window: u32,
    plan: &Plan,
) -> Result<AgentRecord, StoreError> {
    let mut agent = tx.add_agent(&NewAgent {
        team_id: team.id,
        window,
        role: &plan.role,
        display_name: &plan.name,
        cli: &plan.cli,
        configured_cli: &plan.configured,
        command: &plan.argv,
    })?;
    let workdir = plan.workdir.to_string_lossy().into_owned();
    tx.set_workdir(&agent, &workdir, plan.branch.as_deref())?;
    agent.workdir = Some(workdir);
    agent.branch = plan.branch.clone();
    Ok(agent)
}

/// Which of warroom's own environment variables an agent inherits: all,
/// but tmux's own (the agent is not inside the user's tmux), warroom's
/// per-agent ones (set explicitly), and any that tmux's command line
/// cannot carry.
fn passes_through(name: &str, value: &str) -> bool {
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid_name
        && !matches!(name, "TMUX" | "TMUX_PANE" | "WARROOM_AGENT_ID")
        && !value.chars().any(char::is_control)
        && value.len() < 4096
}

pub(crate) fn stand_in(agent: &AgentRecord) -> Option<&str> {
    (agent.cli != agent.configured_cli).then_some(agent.configured_cli.as_str())
}

pub(crate) fn pane_of(agent: &AgentRecord) -> Result<PaneId, AppError> {
    let raw = agent
        .pane_id
        .as_deref()
        .ok_or_else(|| AppError::failed(format!("{} never got a pane", agent.id)))?;
    Ok(PaneId::new(raw)?)
}

/// Whether `program` would be found: a path that exists, or a name on PATH.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| executable(&dir.join(program)))
    })
}
