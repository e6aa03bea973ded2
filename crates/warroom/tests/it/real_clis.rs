//! The real agent CLIs (installed by scripts/install-agent-clis at pinned
//! versions) in a private tmux server, against the scripted model endpoint
//! of warroom-testkit. Nothing leaves 127.0.0.1; HOME is a temp dir.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use warroom_testkit::{Action, ModelServer};

use crate::env::{TestEnv, wait_until};
use crate::repo::init_repo;

/// Where the pinned CLIs are, or None (with a notice) when the run says to
/// skip them. Missing CLIs fail the test: a skipped end-to-end test must
/// never pass silently.
pub(crate) fn clis_dir(cli: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("WARROOM_AGENT_CLIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/agent-clis/node_modules/.bin")
        });
    if dir.join(cli).exists() {
        return Some(dir);
    }
    if std::env::var_os("WARROOM_SKIP_REAL_CLIS").is_some() {
        eprintln!("SKIPPED: {cli} is not installed and WARROOM_SKIP_REAL_CLIS is set");
        return None;
    }
    panic!(
        "{cli} is not installed in {}: run scripts/install-agent-clis (or set WARROOM_SKIP_REAL_CLIS=1 to skip)",
        dir.display()
    );
}

/// A test env whose project is a git repository, with the CLIs and this
/// warroom on PATH (the agents call `warroom` from their shell tool).
pub(crate) fn env_with_repo(clis: &Path) -> TestEnv {
    let mut env = TestEnv::start();
    let project = env.path("project");
    std::fs::write(project.join("auth.py"), "def login():\n    return 500\n").expect("write");
    init_repo(&project, "auth service");
    let warroom = PathBuf::from(assert_cmd::cargo::cargo_bin!("warroom"));
    let path = format!(
        "{}:{}:{}",
        warroom.parent().expect("bin dir").display(),
        clis.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.extra.push(("PATH".into(), path));
    env
}

/// Claude Code against the endpoint: the API key a person would have
/// approved once (warroom seeds trust and onboarding itself).
pub(crate) fn claude_env(env: &mut TestEnv, model: &ModelServer) {
    let home = env.path("home");
    std::fs::write(
        home.join(".claude.json"),
        serde_json::json!({ "customApiKeyResponses": { "approved": ["sk-test"], "rejected": [] } })
            .to_string(),
    )
    .expect("seed");
    for (k, v) in [
        ("ANTHROPIC_BASE_URL", model.base_url()),
        ("ANTHROPIC_API_KEY", "sk-test".into()),
        ("DISABLE_TELEMETRY", "1".into()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
        ("DISABLE_AUTOUPDATER", "1".into()),
        // Errors end the turn at once, so warroom (not the CLI) decides.
        ("CLAUDE_CODE_MAX_RETRIES", "0".into()),
    ] {
        env.extra.push((k.into(), v));
    }
}

/// Like `wait_until`, but shows every pane of the team before failing.
pub(crate) fn wait_or_dump(
    env: &TestEnv,
    team: &str,
    what: &str,
    timeout: Duration,
    mut f: impl FnMut() -> bool,
) {
    let start = Instant::now();
    while !f() {
        if start.elapsed() > timeout {
            for pane in env
                .tmux(&[
                    "list-panes",
                    "-s",
                    "-t",
                    &format!("={team}"),
                    "-F",
                    "#{pane_id}",
                ])
                .lines()
            {
                eprintln!("----- {pane}\n{}", env.capture(pane));
            }
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn agent(env: &TestEnv, team: &str, window: u64) -> Value {
    let agents = env.json(&["agent", "list", team]);
    agents
        .as_array()
        .and_then(|a| a.iter().find(|a| a["window"] == window).cloned())
        .expect("agent listed")
}

/// Deploys a team of one `cli` agent and returns it: started without a
/// human, its briefing submitted and verified.
pub(crate) fn deploy_one(env: &TestEnv, team: &str, cli: &str) -> Value {
    let deploy = env.json(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        team,
        "--agent",
        cli,
    ]);
    let first = deploy["agents"][0].clone();
    assert_eq!(first["agent"]["cli"], cli, "{first}");
    assert_eq!(first["ready"], true, "{first}");
    assert_eq!(first["briefing"]["outcome"], "submitted", "{first}");
    first
}

/// Kills window 0's agent (SIGKILL, by its pid) and waits until it shows
/// exited; returns how long that took.
pub(crate) fn kill_agent(env: &TestEnv, team: &str) -> Duration {
    let pid = agent(env, team, 0)["pid"].as_u64().expect("pid");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    wait_state(env, team, 0, "exited", Duration::from_secs(10)).0
}

/// Starts the daemon and waits until it revived window 0's agent and the
/// agent was told what it was doing (`told`: the model saw it).
pub(crate) fn revived_with_context(env: &TestEnv, team: &str, told: impl FnMut() -> bool) {
    env.ok(&["daemon", "start"]);
    wait_or_dump(
        env,
        team,
        "the agent revived with its context",
        Duration::from_secs(60),
        told,
    );
    assert_eq!(agent(env, team, 0)["restarts"], 1);
}

/// Prints how long each state took to be seen.
pub(crate) fn report_figures(cli: &str, figures: &[(&str, Duration)]) {
    for (state, took) in figures {
        eprintln!(
            "{cli} {state:<13} seen {:>5} ms after the command returned",
            took.as_millis()
        );
    }
}

/// Waits for an agent's state and returns how long it took to be seen.
pub(crate) fn wait_state(
    env: &TestEnv,
    team: &str,
    window: u64,
    state: &str,
    timeout: Duration,
) -> (Duration, Value) {
    let start = Instant::now();
    let mut last = Value::Null;
    wait_or_dump(
        env,
        team,
        &format!("{team}:{window} to be {state}"),
        timeout,
        || {
            last = agent(env, team, window);
            last["state"] == state
        },
    );
    (start.elapsed(), last)
}

#[test]
fn claude_code_team_starts_takes_its_briefing_and_calls_warroom() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    claude_env(&mut env, &model);
    model.on(
        "REPORT-IN",
        Action::Tool(
            "warroom agent send cc:project-manager 'root cause: the token cache expired'".into(),
        ),
    );

    let deploy = env.json(&[
        "quick-deploy",
        "backend",
        "3",
        "--project-name",
        "cc",
        "--agent",
        "claude",
    ]);
    for a in deploy["agents"].as_array().expect("agents") {
        assert_eq!(a["agent"]["cli"], "claude", "{a}");
        assert_eq!(a["ready"], true, "{a}");
        assert_eq!(a["briefing"]["outcome"], "submitted", "{a}");
        // Its own worktree, on its own branch.
        let workdir = PathBuf::from(a["agent"]["workdir"].as_str().expect("workdir"));
        assert!(workdir.join("auth.py").exists(), "{}", workdir.display());
        let role = a["agent"]["role"].as_str().expect("role");
        assert_eq!(a["agent"]["branch"], format!("hotfix/cc/{role}"));
    }
    // The model really received the three briefings, each submitted once.
    wait_until(
        "the three briefings at the model",
        Duration::from_secs(20),
        || {
            model
                .prompts()
                .iter()
                .filter(|p| p.contains("BRIEFING. You are"))
                .count()
                == 3
        },
    );

    // The backend developer's own shell tool runs `warroom agent send`.
    env.ok(&["agent", "send", "cc:0", "REPORT-IN: what did you find?"]);
    wait_or_dump(
        &env,
        "cc",
        "the agent's own message to the PM",
        Duration::from_secs(30),
        || {
            env.messages("cc").iter().any(|m| {
                m["text"]
                    .as_str()
                    .is_some_and(|b| b.contains("token cache expired"))
                    && m["from_kind"] == "agent"
                    && m["outcome"] == "submitted"
            })
        },
    );
    // Its hooks reported the turn: the state's source is the CLI's own word.
    let (_, seen) = wait_state(&env, "cc", 0, "idle", Duration::from_secs(20));
    assert_eq!(seen["state_source"], "hook", "{seen}");

    // Uncommitted work in a worktree stops `team kill` before anything is
    // touched; --force removes it (the branches stay).
    let devops = env.path("data/worktrees/cc/devops-engineer");
    std::fs::write(devops.join("fix.py"), "pass\n").expect("write");
    let refused = env.run(&["team", "kill", "cc"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("fix.py") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(agent(&env, "cc", 1)["state"], "idle", "the team still runs");
    env.ok(&["team", "kill", "cc", "--force"]);
    assert!(
        !devops.exists() && !env.path("data/worktrees/cc/project-manager").exists(),
        "worktrees removed"
    );
    let branches = Command::new("git")
        .arg("-C")
        .arg(env.path("project"))
        .args(["branch", "--list", "hotfix/cc/*"])
        .output()
        .expect("git");
    assert_eq!(
        String::from_utf8_lossy(&branches.stdout).lines().count(),
        3,
        "branches stay"
    );
}

#[test]
fn claude_code_states_follow_the_real_screen_and_hooks() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    claude_env(&mut env, &model);
    // Default permission mode: a shell tool call asks a person first.
    std::fs::write(
        env.path("project/warroom.toml"),
        "[agents.claude]\ncommand = [\"claude\", \"--settings\", \"{settings}\", \"--permission-mode\", \"default\"]\n",
    )
    .expect("config");
    model
        .on("STALL", Action::Stall(Duration::from_secs(4)))
        .on("PERMIT", Action::Tool("touch permitted.txt".into()))
        .on("LIMIT", Action::Fail(429))
        .on("BROKEN", Action::Fail(500));
    env.ok(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "st",
        "--agent",
        "claude",
        "--no-worktree",
    ]);
    let mut figures = Vec::new();

    env.ok(&["agent", "send", "st:0", "STALL for a while"]);
    figures.push((
        "busy",
        wait_state(&env, "st", 0, "busy", Duration::from_secs(10)).0,
    ));
    // --now types into the running turn; Claude Code queues it itself.
    let queued = env.json(&[
        "agent",
        "send",
        "--now",
        "st:0",
        "while you work, note this",
    ]);
    assert_eq!(queued["outcome"], "queued", "{queued}");
    figures.push((
        "idle",
        wait_state(&env, "st", 0, "idle", Duration::from_secs(20)).0,
    ));
    wait_until(
        "the queued message at the model",
        Duration::from_secs(20),
        || {
            model
                .prompts()
                .iter()
                .any(|p| p.contains("while you work, note this"))
        },
    );

    env.ok(&["agent", "send", "st:0", "PERMIT me to touch a file"]);
    let (took, seen) = wait_state(&env, "st", 0, "waiting", Duration::from_secs(15));
    figures.push(("waiting", took));
    assert!(
        seen["state_detail"]
            .as_str()
            .is_some_and(|d| d.contains("touch permitted.txt") || d.contains("proceed")),
        "{seen}"
    );
    assert!(
        !env.path("project/permitted.txt").exists(),
        "nothing runs before a person says so"
    );
    // A message to a waiting agent is refused: nothing is typed into the dialog.
    let refused = env.run(&["agent", "send", "st:0", "are you there?"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let pane = agent(&env, "st", 0)["pane"]
        .as_str()
        .expect("pane")
        .to_owned();
    env.tmux(&["send-keys", "-t", &pane, "Escape"]);
    wait_state(&env, "st", 0, "idle", Duration::from_secs(15));

    env.ok(&["agent", "send", "st:0", "LIMIT this one"]);
    let (took, seen) = wait_state(&env, "st", 0, "rate-limited", Duration::from_secs(15));
    figures.push(("rate-limited", took));
    assert!(
        seen["state_source"] == "hook" || seen["state_source"] == "screen",
        "{seen}"
    );

    env.ok(&["agent", "send", "st:0", "BROKEN request"]);
    figures.push((
        "error",
        wait_state(&env, "st", 0, "error", Duration::from_secs(15)).0,
    ));

    let pid = agent(&env, "st", 0)["pid"].as_u64().expect("pid");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    let (took, seen) = wait_state(&env, "st", 0, "exited", Duration::from_secs(10));
    figures.push(("exited", took));
    assert_eq!(seen["state_source"], "tmux", "{seen}");
    report_figures("claude", &figures);
}

/// Codex against the endpoint: the provider a person would configure in
/// `$CODEX_HOME/config.toml` (warroom adds the folder trust itself).
pub(crate) fn codex_env(env: &mut TestEnv, model: &ModelServer) {
    let codex_home = env.path("home/.codex");
    std::fs::create_dir_all(&codex_home).expect("mkdir");
    std::fs::write(
        codex_home.join("config.toml"),
        format!(
            "model = \"gpt-fake\"\nmodel_provider = \"fake\"\ncheck_for_update_on_startup = false\n\n\
             [model_providers.fake]\nname = \"Scripted\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
             env_key = \"OPENAI_API_KEY\"\nrequires_openai_auth = false\nsupports_websockets = false\n\
             request_max_retries = 0\nstream_max_retries = 0\n",
            model.openai_url()
        ),
    )
    .expect("config");
    env.extra.push((
        "CODEX_HOME".into(),
        codex_home.to_string_lossy().into_owned(),
    ));
    env.extra.push(("OPENAI_API_KEY".into(), "sk-test".into()));
}

#[test]
fn codex_starts_trusted_takes_pasted_messages_and_shows_its_states() {
    let Some(clis) = clis_dir("codex") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    codex_env(&mut env, &model);
    model
        .on("STALL", Action::Stall(Duration::from_secs(4)))
        .on("BROKEN", Action::Fail(500))
        .on("LIMIT", Action::Fail(429));
    let first = deploy_one(&env, "cx", "codex");
    // Codex always gets a bracketed paste (a typed burst swallows Enter).
    assert_eq!(first["briefing"]["transport"], "paste", "{first}");
    // The trust gate was pre-seeded for the agent's worktree, not answered.
    let config = std::fs::read_to_string(env.path("home/.codex/config.toml")).expect("config");
    let workdir = first["agent"]["workdir"].as_str().expect("workdir");
    assert!(
        config.contains(workdir) && config.contains("trusted"),
        "{config}"
    );
    wait_or_dump(
        &env,
        "cx",
        "the briefing at the model",
        Duration::from_secs(20),
        || {
            model
                .prompts()
                .iter()
                .any(|p| p.contains("BRIEFING. You are"))
        },
    );

    let mut figures = Vec::new();
    wait_state(&env, "cx", 0, "idle", Duration::from_secs(20));
    env.ok(&["agent", "send", "cx:0", "STALL for a while"]);
    figures.push((
        "busy",
        wait_state(&env, "cx", 0, "busy", Duration::from_secs(10)).0,
    ));
    figures.push((
        "idle",
        wait_state(&env, "cx", 0, "idle", Duration::from_secs(20)).0,
    ));
    env.ok(&["agent", "send", "cx:0", "BROKEN request"]);
    figures.push((
        "error",
        wait_state(&env, "cx", 0, "error", Duration::from_secs(20)).0,
    ));
    env.ok(&["agent", "send", "cx:0", "LIMIT this one"]);
    figures.push((
        "rate-limited",
        wait_state(&env, "cx", 0, "rate-limited", Duration::from_secs(20)).0,
    ));

    figures.push(("exited", kill_agent(&env, "cx")));
    report_figures("codex", &figures);
    env.ok(&["team", "kill", "cx"]);
}
