//! The command line, word for word as the seed's hotfix example types it
//! (with `warroom` in place of `tmux-orc`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "Runs the response when production breaks: a team of AI coding agents in tmux, briefed, talking, watched and reported on.",
    after_help = "Start with `warroom demo`, or: warroom quick-deploy backend 3 --project-name auth-hotfix"
)]
pub struct Cli {
    /// Where warroom keeps its store, reports and locks [env: WARROOM_HOME].
    #[arg(long = "data-dir", global = true, value_name = "DIR")]
    pub(crate) data_dir_flag: Option<PathBuf>,
    /// The private tmux server: a socket name (tmux -L) or a path (tmux -S)
    /// [env: WARROOM_TMUX_SOCKET] [default: warroom].
    #[arg(long = "tmux-socket", global = true, value_name = "NAME|PATH")]
    pub(crate) tmux_socket_flag: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Deploy an emergency team: `quick-deploy backend 3 --project-name auth-hotfix`.
    QuickDeploy(QuickDeploy),
    /// Roll the fix out: `deploy auth-hotfix --canary`, then `deploy
    /// status|promote|abort|retry auth-hotfix`.
    Deploy(crate::commands::rollout::DeployArgs),
    /// Teams: add an agent, list, status, broadcast, kill.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Agents: send, send-all, list, restart, messages.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Project-manager actions: quality checks, reports.
    #[command(subcommand)]
    Pm(PmCommand),
    /// Run the project's tests on the hotfix branch: `execute test x --smoke-only`.
    #[command(subcommand)]
    Execute(ExecuteCommand),
    /// Incidents: declare, status, update, milestone, phase, severity, close, list, logs.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// The emergency to-do list: add, list, claim, update, done, block.
    #[command(subcommand)]
    Todo(TodoCommand),
    /// Write the postmortem draft of a resolved incident; prints its path.
    Postmortem {
        incident: String,
        #[arg(long, value_enum, default_value = "md")]
        format: DocFormatArg,
        /// Where to write it (default: the data directory's reports/).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The supervisor daemon: with no subcommand, start it (if needed) and
    /// show its status.
    Daemon {
        #[command(subcommand)]
        command: Option<DaemonCommand>,
    },
    /// Tokens for the daemon's HTTP API: create, list, revoke.
    #[command(subcommand)]
    Token(crate::commands::token::TokenCommand),
    /// Recovery: `recovery start [--emergency] [--session X]`.
    #[command(subcommand)]
    Recovery(RecoveryCommand),
    /// Watching: `monitor dashboard --session X` (live), `monitor performance`.
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// Attach your terminal to a team's tmux session.
    Attach { team: String },
    /// Run the seed's auth-hotfix scenario end to end with simulated agents.
    Demo(crate::commands::demo::Demo),
    /// Check the store, tmux, file permissions and the daemon; exit 1 if one fails.
    Doctor {
        /// Compare every index with its table and check every reference
        /// (slower); by default only pages and b-trees are checked.
        #[arg(long)]
        full: bool,
    },
    /// Print the completion script for a shell: `warroom completions bash`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `warroom man | man -l -`.
    Man {
        /// Write a page for every command (warroom.1, warroom-team-list.1, …)
        /// into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The simulated agent (run by warroom inside a pane).
    #[command(hide = true)]
    SimAgent(SimAgent),
    /// The demo's small production: two versions and a router.
    #[command(hide = true)]
    DemoService(crate::commands::demo_service::DemoService),
    /// An MCP server on stdio for the agent this pane runs
    /// (`WARROOM_AGENT_ID`), started by its agent CLI.
    #[command(hide = true)]
    Mcp,
    /// Record an agent CLI's hook event (its JSON on stdin); installed by
    /// warroom into the agents' settings. Always exits 0.
    #[command(hide = true)]
    Hook { event: String },
}

/// Whether a command that deploys a team also starts the supervisor.
#[derive(Debug, Args)]
pub struct DaemonChoice {
    /// Do not start the supervisor daemon (it restarts crashed agents and runs the timers).
    #[arg(long, env = "WARROOM_NO_DAEMON", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_daemon: bool,
}

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Start it unless it runs (a daemon of another version is replaced).
    Start,
    /// Whether it runs, since when, and what it watches.
    Status,
    /// Stop it (the teams keep running, unwatched).
    Stop,
    /// Its log.
    Logs {
        /// How many of the last lines.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: usize,
        /// Keep printing new lines.
        #[arg(long, short)]
        follow: bool,
    },
    /// Run the supervisor in this process (what the detached daemon runs).
    #[command(hide = true)]
    Run,
}

#[derive(Debug, Subcommand)]
pub enum RecoveryCommand {
    /// Watch a team (or every team) and revive its agents; starts the daemon.
    Start {
        /// The emergency policy's tighter thresholds.
        #[arg(long)]
        emergency: bool,
        /// The team (tmux session) to watch; every live team by default.
        #[arg(long, value_name = "TEAM")]
        session: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// The response at a glance, live: incident and clocks, agents and their
    /// last lines, todos, messages, the rollout. Without a terminal: one frame.
    Dashboard {
        /// The team (default: the only one running).
        #[arg(long, value_name = "TEAM")]
        session: Option<String>,
        /// Redraw at least every N seconds (it also redraws on every change).
        #[arg(long, value_name = "SECONDS", default_value_t = 5)]
        refresh: u64,
    },
    /// Time in each state, messages, restarts and todos per agent, and the clocks.
    Performance {
        #[arg(long, value_name = "TEAM")]
        session: String,
        /// Also name the bottlenecks the event log shows.
        #[arg(long)]
        analyze: bool,
    },
}

#[derive(Debug, Args)]
pub struct QuickDeploy {
    /// backend, frontend, fullstack, security, database or performance.
    pub team_type: String,
    /// How many agents (roles are added in the type's documented order).
    pub size: usize,
    /// The team's name; also its tmux session's name.
    #[arg(long, value_name = "NAME")]
    pub project_name: String,
    /// The agent CLI for every agent of this team (claude, codex, gemini, opencode, aider, sim).
    #[arg(long, value_name = "CLI")]
    pub agent: Option<String>,
    /// What the team is for (otherwise the first broadcast says it).
    #[arg(long)]
    pub purpose: Option<String>,
    /// The incident this team works on (INC-N); by default the only open
    /// incident without a team, else a new one.
    #[arg(long, value_name = "INCIDENT")]
    pub incident: Option<String>,
    /// Let every agent share the project's checkout instead of its own
    /// git worktree on branch hotfix/<team>/<role>.
    #[arg(long)]
    pub no_worktree: bool,
    #[command(flatten)]
    pub daemon: DaemonChoice,
    /// The scenario simulated agents follow.
    #[arg(long, hide = true)]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DocFormatArg {
    Md,
    Html,
}

#[derive(Debug, Args)]
pub struct Declare {
    /// What is broken, as people will read it ("Auth returns 500").
    pub title: String,
    /// users=N,revenue_per_min=N,availability=down|degraded,data_loss,security
    #[arg(long, value_name = "IMPACT")]
    pub impact: Option<String>,
    /// auth, payments, healthcare, data, frontend, security, ...
    #[arg(long)]
    pub domain: Option<String>,
    /// SEV1..SEV4, overriding the assessment (the override is recorded).
    #[arg(long)]
    pub severity: Option<String>,
    /// A log to attach; secrets are redacted before it is stored.
    #[arg(long = "log", value_name = "FILE")]
    pub logs: Vec<PathBuf>,
    /// A compliance regime the fix must keep (PCI-DSS, HIPAA); repeatable.
    #[arg(long)]
    pub compliance: Vec<String>,
    /// The incident's short name, which also names its team's tmux session.
    #[arg(long)]
    pub slug: Option<String>,
    /// When it was detected (RFC 3339), if before now.
    #[arg(long, value_name = "TIME")]
    pub detected_at: Option<String>,
    /// Deploy the team the severity and domain call for.
    #[arg(long)]
    pub deploy: bool,
    /// The team type for --deploy (default: the domain's).
    #[arg(long)]
    pub team_type: Option<String>,
    /// The agent CLI for every agent of the team.
    #[arg(long, value_name = "CLI")]
    pub agent: Option<String>,
    /// Let the agents share the project's checkout (no worktrees).
    #[arg(long)]
    pub no_worktree: bool,
    #[command(flatten)]
    pub daemon: DaemonChoice,
    #[arg(long, hide = true)]
    pub scenario: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident; prints its id, severity and why.
    Declare(Declare),
    /// Phase, clocks against targets, open todos and due updates.
    Status { incident: String },
    /// Post a stakeholder update (conditions, actions, needs) to the severity's audiences.
    Update {
        incident: String,
        /// investigating, identified, monitoring or resolved.
        #[arg(long)]
        status: Option<String>,
        /// What changed, in a sentence or two.
        text: String,
        /// Where things stand (default: from the incident).
        #[arg(long)]
        conditions: Option<String>,
        /// What is being done (default: the todos in progress); repeatable.
        #[arg(long = "action")]
        actions: Vec<String>,
        /// What the response needs (default: the blocked todos); repeatable.
        #[arg(long = "need")]
        needs: Vec<String>,
    },
    /// Record a milestone: detected, acknowledged, team-ready, triaged, root-cause, fix-ready, fix-deployed, mitigated, resolved.
    Milestone {
        incident: String,
        milestone: String,
        summary: Option<String>,
        /// When it happened (RFC 3339), if not now.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Change a milestone already set (the old time is kept in the log).
        #[arg(long)]
        correct: bool,
    },
    /// Move to a phase: triage, investigating, fixing, validating, deploying, monitoring, resolved.
    Phase {
        incident: String,
        phase: String,
        /// Go past open gate todos; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        force: Option<String>,
    },
    /// Describe an incident after the fact (title, impact, domain); a new
    /// impact re-assesses the severity, with the rules' reasons recorded.
    Edit {
        incident: String,
        #[arg(long)]
        title: Option<String>,
        /// users=N,revenue_per_min=N,availability=down|degraded,data_loss,security
        #[arg(long, value_name = "IMPACT")]
        impact: Option<String>,
        #[arg(long)]
        domain: Option<String>,
    },
    /// Re-assess the severity; its policy applies from now.
    Severity {
        incident: String,
        severity: String,
        reason: String,
    },
    /// Close a resolved incident (a postmortem first, where the policy asks for one).
    Close {
        incident: String,
        /// Close without the required postmortem; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        force: Option<String>,
    },
    /// Open incidents (all with --all).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Print the logs attached to an incident (as stored: redacted).
    Logs { incident: String },
}

#[derive(Debug, Subcommand)]
pub enum TodoCommand {
    /// Add a todo: `todo add INC-1 "Check the pool" --owner backend --priority P0`.
    Add {
        incident: String,
        title: String,
        /// A role (pm), an agent (team:1, ag-3), `me`, or a person's name.
        #[arg(long)]
        owner: Option<String>,
        /// P0..P3 (default P1).
        #[arg(long)]
        priority: Option<String>,
        /// Due in (15m, 2h); default from the severity's policy.
        #[arg(long)]
        due: Option<String>,
        /// The phase this todo must be done before the incident leaves.
        #[arg(long)]
        gate: Option<String>,
        /// investigate, mitigate, fix, validate, deploy, communicate, sign-off, prevent, process, other.
        #[arg(long = "type")]
        kind: Option<String>,
        /// A todo that must be done first; repeatable.
        #[arg(long, value_name = "TODO")]
        after: Vec<String>,
    },
    /// The incident's open todos (every one with --all).
    List {
        incident: String,
        #[arg(long)]
        all: bool,
    },
    /// Take a todo: you own it and it is in progress.
    Claim { todo: String },
    /// Change a todo.
    Update {
        todo: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        due: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Mark a todo done.
    Done {
        todo: String,
        #[arg(long)]
        note: Option<String>,
        /// Even though todos it waits for are open.
        #[arg(long)]
        force: bool,
    },
    /// Mark a todo blocked, saying on what.
    Block { todo: String, reason: String },
}

/// A message: given as an argument, `-` for standard input, or `--file`.
#[derive(Debug, Args)]
pub struct MessageInput {
    /// The message text; `-` reads standard input.
    #[arg(value_name = "MESSAGE", required_unless_present = "file")]
    pub message: Option<String>,
    /// Read the message from a file.
    #[arg(long, value_name = "FILE", conflicts_with = "message")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add an agent: `team add emergency "Security Expert" --role security`.
    Add {
        team: String,
        /// How the agent is called ("Security Expert").
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long, value_name = "CLI")]
        agent: Option<String>,
        /// Share the project's checkout instead of a worktree.
        #[arg(long)]
        no_worktree: bool,
    },
    /// List live teams.
    List,
    /// Show a team and its agents' states.
    Status { team: String },
    /// Send one message to every agent of a team (verified per agent).
    Broadcast {
        team: String,
        #[command(flatten)]
        input: MessageInput,
    },
    /// Stop a team: its tmux session ends and its agents' worktrees are
    /// removed (their branches stay); its history stays.
    Kill {
        team: String,
        /// Remove worktrees even with uncommitted work in them.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Send a message to one agent: TARGET is team:window, team:role or an agent id.
    Send {
        target: String,
        #[command(flatten)]
        input: MessageInput,
        /// Do not wait for a busy agent to finish its turn: Claude Code
        /// queues the message itself (outcome `queued`); others still wait.
        #[arg(long)]
        now: bool,
    },
    /// Send a message to every agent of a team (same as `team broadcast`).
    SendAll {
        team: String,
        #[command(flatten)]
        input: MessageInput,
    },
    /// List agents (of one team, or of all live teams).
    List { team: Option<String> },
    /// Start a new process for an agent.
    Restart {
        target: String,
        /// Give it its briefing, the team's purpose and its last messages.
        #[arg(long)]
        restore_context: bool,
    },
    /// Deliver a message recorded as pending (run by warroom in the background).
    #[command(hide = true)]
    DeliverQueued { message: i64 },
    /// The team's message log: sender, recipient, time and delivery outcome.
    Messages {
        team: String,
        /// Keep printing new messages as they come.
        #[arg(long, conflicts_with = "export")]
        follow: bool,
        /// Write the whole log to FILE, or to standard output without one.
        #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
        export: Option<PathBuf>,
        /// Export format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Jsonl,
}

/// Which commit to check, and against what.
#[derive(Debug, Args)]
pub struct CheckTarget {
    /// The team whose hotfix branch is checked.
    pub team: String,
    /// The branch to check (default: the implementing agent's).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Check this agent's branch instead (a role or an agent id).
    #[arg(long, value_name = "AGENT", conflicts_with = "branch")]
    pub agent: Option<String>,
    /// What the branch is compared with to find what changed.
    #[arg(long, value_name = "BRANCH", default_value = "main")]
    pub base: String,
}

#[derive(Debug, Subcommand)]
pub enum ExecuteCommand {
    /// The project's tests at a tier (all of them unless told otherwise).
    Test {
        #[command(flatten)]
        target: CheckTarget,
        /// Only the smoke and critical set.
        #[arg(long)]
        smoke_only: bool,
        /// What the change touched, and the smoke set.
        #[arg(long, conflicts_with = "smoke_only")]
        fast: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PmCommand {
    /// The quick checks of the hotfix branch's committed state, in a clean
    /// checkout: `pm quality-check auth-hotfix --fast`.
    QualityCheck {
        #[command(flatten)]
        target: CheckTarget,
        /// What the change touched (changed test files, tests of changed
        /// modules, dependents), and the smoke set.
        #[arg(long)]
        fast: bool,
        /// Only the critical (and smoke) set.
        #[arg(long)]
        critical_only: bool,
    },
    /// Push the hotfix branch and open (or update) its pull request:
    /// `pm create-pr auth-hotfix --branch hotfix/x --base main --emergency`.
    CreatePr {
        #[command(flatten)]
        target: CheckTarget,
        /// Expedite it: the configured labels and reviewers, and a passing
        /// --fast check of the head commit is enough.
        #[arg(long)]
        emergency: bool,
        /// A passing --fast check of the head commit is enough.
        #[arg(long)]
        skip_full_tests: bool,
        /// Open it without a passing check; the reason is recorded.
        #[arg(long, value_name = "REASON")]
        force: Option<String>,
        /// Show the pull request that would be opened; push and open nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a report: `pm report auth-hotfix --type incident`.
    Report {
        team: String,
        #[arg(long = "type", value_name = "TYPE", default_value = "incident")]
        kind: String,
        /// Where to write it (default: the data directory's reports/).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SimAgent {
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub name: String,
    /// A built-in scenario (default, auth-hotfix) or a TOML file.
    #[arg(long, default_value = "default")]
    pub scenario: String,
    /// The agent CLI this simulation stands in for.
    #[arg(long)]
    pub stands_in_for: Option<String>,
}
