//! `warroom mcp`: an MCP server over stdio, started by an agent CLI in an
//! agent's pane, acting for that agent (`WARROOM_AGENT_ID`). Each tool is
//! one `warroom-app` method with typed input; its result is what the CLI's
//! `--json` prints, and a refusal (a role that may not deploy, a todo that
//! is not there) comes back as a tool error the model can read. Every rmcp
//! type stays in this module: the SDK's API moves with each release.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};
use warroom_app::{
    App, AppError, CanaryOptions, CheckOptions, PullRequestOptions, Tier, TodoAdd, TodoChange,
};

#[derive(Clone)]
pub struct WarroomMcp {
    app: Arc<App>,
    tool_router: ToolRouter<Self>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TodoRef {
    /// The todo, as `T-4`.
    pub todo: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TodoNote {
    /// The todo, as `T-4`.
    pub todo: String,
    /// What was done or found.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct TodoBlock {
    pub todo: String,
    /// What it waits for.
    pub reason: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct NewTodo {
    pub title: String,
    /// A role (`devops-engineer`) or an agent id; by default nobody yet.
    pub owner: Option<String>,
    /// P0 to P3.
    pub priority: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListTodos {
    /// Also the done and cancelled ones.
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct MilestoneInput {
    /// root-cause, fix-ready, fix-deployed, mitigated, acknowledged, …
    pub milestone: String,
    /// In a sentence: what was found or done.
    pub summary: Option<String>,
    /// Set a milestone already set again (a corrected root cause).
    #[serde(default)]
    pub correct: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct MessageInput {
    /// A teammate: a role (`pm`, `devops`), a window (`1`), an agent id
    /// (`ag-3`); or `team` for everyone.
    pub to: String,
    pub text: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct QuestionInput {
    /// What you need a person to decide or tell you.
    pub question: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ChecksInput {
    /// smoke, fast (the default) or full.
    pub tier: Option<String>,
    /// The branch to check (default: this agent's).
    pub branch: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PullRequestInput {
    /// Labels and reviewers for an expedited review.
    #[serde(default)]
    pub emergency: bool,
    /// A passing fast check is enough.
    #[serde(default)]
    pub skip_full_tests: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct NoInput {}

/// The app's answer as the tool's result: its JSON, or its refusal.
fn result<T: Serialize>(done: Result<T, AppError>) -> Result<CallToolResult, ErrorData> {
    match done {
        Ok(value) => {
            let text = serde_json::to_string_pretty(&value)
                .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
            Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
        }
        Err(e) => {
            let mut said = e.to_string();
            for hint in e.hints() {
                said.push_str(&format!("\nhint: {}", hint.text));
            }
            Ok(CallToolResult::error(vec![ContentBlock::text(said)]))
        }
    }
}

impl WarroomMcp {
    /// Runs an app method off the async runtime.
    async fn run<T, F>(&self, f: F) -> Result<CallToolResult, ErrorData>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(&App) -> Result<T, AppError> + Send + 'static,
    {
        let app = Arc::clone(&self.app);
        match tokio::task::spawn_blocking(move || f(&app)).await {
            Ok(done) => result(done),
            Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
        }
    }
}

/// The caller's incident, or why there is none.
fn incident_of(app: &App) -> Result<String, AppError> {
    app.caller()?.incident.ok_or_else(|| {
        AppError::bad_input("this agent's team works on no incident")
            .hint("the incident commander declares one: warroom incident declare")
    })
}

#[tool_router]
impl WarroomMcp {
    pub fn new(app: App) -> Self {
        Self {
            app: Arc::new(app),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Who you are here: your agent id, role, team and incident.")]
    async fn whoami(
        &self,
        Parameters(_): Parameters<NoInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(|app| app.caller()).await
    }

    #[tool(
        description = "Your incident: severity, phase, the clocks against their targets, milestones, open todos, pull request and rollout."
    )]
    async fn incident_status(
        &self,
        Parameters(_): Parameters<NoInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(|app| app.incident_status(&incident_of(app)?))
            .await
    }

    #[tool(description = "The incident's todo list, with owners, due times and escalation.")]
    async fn list_todos(
        &self,
        Parameters(input): Parameters<ListTodos>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| app.list_todos(&incident_of(app)?, input.all))
            .await
    }

    #[tool(description = "Add a todo to the incident.")]
    async fn add_todo(
        &self,
        Parameters(input): Parameters<NewTodo>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            app.add_todo(
                &incident_of(app)?,
                &TodoAdd {
                    title: &input.title,
                    owner: input.owner.as_deref(),
                    priority: input.priority.as_deref(),
                    due: None,
                    gate: None,
                    kind: None,
                    after: &[],
                },
            )
        })
        .await
    }

    #[tool(description = "Claim a todo: it is yours now.")]
    async fn claim_todo(
        &self,
        Parameters(input): Parameters<TodoRef>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| app.claim_todo(&input.todo)).await
    }

    #[tool(description = "Add a note to a todo (progress, a finding).")]
    async fn update_todo(
        &self,
        Parameters(input): Parameters<TodoNote>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            app.update_todo(
                &input.todo,
                &TodoChange {
                    note: input.note.as_deref(),
                    ..TodoChange::default()
                },
            )
        })
        .await
    }

    #[tool(description = "Mark a todo blocked, saying what it waits for.")]
    async fn block_todo(
        &self,
        Parameters(input): Parameters<TodoBlock>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| app.block_todo(&input.todo, &input.reason))
            .await
    }

    #[tool(description = "Finish a todo, with a note of what was done.")]
    async fn finish_todo(
        &self,
        Parameters(input): Parameters<TodoNote>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| app.finish_todo(&input.todo, input.note.as_deref(), false))
            .await
    }

    #[tool(
        description = "Record a milestone of the incident (root-cause, fix-ready, mitigated, …) with a one-sentence summary."
    )]
    async fn record_milestone(
        &self,
        Parameters(input): Parameters<MilestoneInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            app.set_milestone(
                &incident_of(app)?,
                &input.milestone,
                input.summary.as_deref(),
                None,
                input.correct,
            )
        })
        .await
    }

    #[tool(
        description = "Send a message to a teammate (by role, window or agent id), or to the whole team with to = \"team\". It is delivered and verified like any warroom message."
    )]
    async fn send_message(
        &self,
        Parameters(input): Parameters<MessageInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            let team = app.caller()?.team;
            if input.to == "team" {
                return app
                    .broadcast(&team, &input.text)
                    .map(|r| serde_json::json!(r));
            }
            app.send_in_team(&team, &input.to, &input.text)
                .map(|r| serde_json::json!(r))
        })
        .await
    }

    #[tool(
        description = "Ask the incident commander (a person) a question: it goes on the timeline and to their channel."
    )]
    async fn ask_commander(
        &self,
        Parameters(input): Parameters<QuestionInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| app.ask_commander(&input.question))
            .await
    }

    #[tool(
        description = "Run the quick checks of the hotfix branch (tier smoke, fast or full). Your role must allow it."
    )]
    async fn run_checks(
        &self,
        Parameters(input): Parameters<ChecksInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            let tier = match input.tier.as_deref().unwrap_or("fast") {
                "smoke" => Tier::Smoke,
                "fast" => Tier::Fast,
                "full" => Tier::Full,
                other => {
                    return Err(AppError::bad_input(format!(
                        "tier is smoke, fast or full, not {other:?}"
                    )));
                }
            };
            let caller = app.caller()?;
            app.quality_check(
                &caller.team,
                &CheckOptions {
                    tier,
                    branch: input.branch.as_deref(),
                    agent: Some(&caller.agent),
                    base: "main",
                },
            )
        })
        .await
    }

    #[tool(
        description = "Open (or update) the hotfix's pull request; it rests on a passing check of the branch's head. Your role must allow it."
    )]
    async fn open_pull_request(
        &self,
        Parameters(input): Parameters<PullRequestInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(move |app| {
            let caller = app.caller()?;
            app.create_pr(
                &caller.team,
                &PullRequestOptions {
                    branch: None,
                    agent: Some(&caller.agent),
                    base: "main",
                    emergency: input.emergency,
                    skip_full_tests: input.skip_full_tests,
                    force: None,
                    dry_run: false,
                },
            )
        })
        .await
    }

    #[tool(
        description = "Start the canary rollout of the fix by the project's runbook. Only the DevOps and deployment roles may."
    )]
    async fn start_rollout(
        &self,
        Parameters(_): Parameters<NoInput>,
    ) -> Result<CallToolResult, ErrorData> {
        self.run(|app| {
            let caller = app.caller()?;
            app.deploy_canary(&caller.team, &CanaryOptions::default())
        })
        .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for WarroomMcp {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::default();
        info.capabilities = ServerCapabilities::builder().enable_tools().build();
        info.server_info = Implementation::new("warroom", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(
            "warroom runs the incident you work on: read its status and todos, claim and finish todos, record milestones, message teammates, and (as your role allows) run the checks, open the pull request and start the rollout."
                .into(),
        );
        info
    }
}

/// Serves MCP on stdin and stdout until the client goes away.
pub fn serve_stdio(app: App) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the MCP runtime: {e}"))?;
    runtime.block_on(async move {
        let service = WarroomMcp::new(app)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("starting MCP on stdio: {e}"))?;
        service
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| format!("serving MCP: {e}"))
    })
}
