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
    /// Where warroom keeps its store, reports and locks.
    #[arg(
        long,
        global = true,
        env = "WARROOM_HOME",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub data_dir: Option<PathBuf>,
    /// The private tmux server: a socket name (tmux -L) or a path (tmux -S).
    #[arg(
        long,
        global = true,
        env = "WARROOM_TMUX_SOCKET",
        hide_env_values = true,
        value_name = "NAME|PATH",
        default_value = "warroom"
    )]
    pub tmux_socket: String,
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
    /// Teams: add an agent, list, status, broadcast, kill.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Agents: send, send-all, list, restart, messages.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Project-manager actions: reports.
    #[command(subcommand)]
    Pm(PmCommand),
    /// Attach your terminal to a team's tmux session.
    Attach { team: String },
    /// Run the seed's auth-hotfix scenario end to end with simulated agents.
    Demo(Demo),
    /// The simulated agent (run by warroom inside a pane).
    #[command(hide = true)]
    SimAgent(SimAgent),
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
    /// The scenario simulated agents follow.
    #[arg(long, hide = true)]
    pub scenario: Option<String>,
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
    /// Stop a team: its tmux session ends; its history stays.
    Kill { team: String },
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Send a message to one agent: TARGET is team:window, team:role or an agent id.
    Send {
        target: String,
        #[command(flatten)]
        input: MessageInput,
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

#[derive(Debug, Subcommand)]
pub enum PmCommand {
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
pub struct Demo {
    /// The demo team's name.
    #[arg(long, default_value = "auth-hotfix")]
    pub team: String,
    /// Stop the team at the end instead of leaving it to `warroom attach`.
    #[arg(long)]
    pub cleanup: bool,
    /// Seconds to let the agents talk before the report.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
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
