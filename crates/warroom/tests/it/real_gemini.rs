//! The real Gemini CLI (pinned, from npm) against the scripted model's
//! Gemini API: a team starts without a human (trust given by warroom in the
//! pane's environment, nothing written to the engineer's files), takes its
//! briefing, shows busy, idle, error, rate-limited and exited from its real
//! screen, and a killed agent comes back with its context once the daemon
//! watches.

use std::process::Command;
use std::time::Duration;

use warroom_testkit::{Action, ModelServer};

use crate::env::TestEnv;
use crate::real_clis::{
    clis_dir, deploy_one, env_with_repo, kill_agent, report_figures, revived_with_context,
    wait_or_dump, wait_state,
};

/// Gemini CLI against the endpoint: the API-key sign-in a person would
/// have chosen once, with update checks and usage statistics off.
pub(crate) fn gemini_env(env: &mut TestEnv, model: &ModelServer) {
    let settings = env.path("home").join(".gemini");
    std::fs::create_dir_all(&settings).expect("mkdir");
    std::fs::write(
        settings.join("settings.json"),
        serde_json::json!({
            "security": { "auth": { "selectedType": "gemini-api-key" } },
            "general": { "enableAutoUpdate": false, "enableAutoUpdateNotification": false },
            "privacy": { "usageStatisticsEnabled": false },
            "ui": { "theme": "Default" }
        })
        .to_string(),
    )
    .expect("settings");
    for (k, v) in [
        ("GEMINI_API_KEY", "test-key".to_owned()),
        ("GOOGLE_GEMINI_BASE_URL", model.base_url()),
    ] {
        env.extra.push((k.into(), v));
    }
}

#[test]
fn gemini_starts_takes_its_briefing_shows_its_states_and_comes_back_after_a_kill() {
    let Some(clis) = clis_dir("gemini") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    gemini_env(&mut env, &model);
    model
        .on("STALL", Action::Stall(Duration::from_secs(4)))
        .on("BROKEN", Action::Fail(400))
        .on("LIMIT", Action::Fail(429));
    let first = deploy_one(&env, "gm", "gemini");
    // Trusted by the pane's environment: no trust file was written. The
    // MCP server is in the worktree's own settings, which git does not see.
    assert!(!env.path("home/.gemini/trustedFolders.json").exists());
    let workdir = std::path::PathBuf::from(first["agent"]["workdir"].as_str().expect("workdir"));
    let settings = std::fs::read_to_string(workdir.join(".gemini/settings.json")).expect("seeded");
    assert!(
        settings.contains("\"warroom\"") && settings.contains("\"mcp\""),
        "{settings}"
    );
    let status = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(&workdir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git status");
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "nothing to commit"
    );
    wait_or_dump(
        &env,
        "gm",
        "the briefing at the model",
        Duration::from_secs(30),
        || {
            model
                .prompts()
                .iter()
                .any(|p| p.contains("BRIEFING. You are"))
        },
    );

    let mut figures = Vec::new();
    wait_state(&env, "gm", 0, "idle", Duration::from_secs(30));
    env.ok(&["agent", "send", "gm:0", "STALL: think about the pool"]);
    figures.push((
        "busy",
        wait_state(&env, "gm", 0, "busy", Duration::from_secs(20)).0,
    ));
    figures.push((
        "idle",
        wait_state(&env, "gm", 0, "idle", Duration::from_secs(30)).0,
    ));

    env.ok(&["agent", "send", "gm:0", "BROKEN request"]);
    let (took, seen) = wait_state(&env, "gm", 0, "error", Duration::from_secs(20));
    figures.push(("error", took));
    assert!(
        seen["state_detail"]
            .as_str()
            .is_some_and(|d| d.contains("Bad request")),
        "{seen}"
    );

    // A spent quota: Gemini asks whether to keep trying.
    env.ok(&["agent", "send", "gm:0", "LIMIT this one"]);
    figures.push((
        "rate-limited",
        wait_state(&env, "gm", 0, "rate-limited", Duration::from_secs(20)).0,
    ));

    figures.push(("exited", kill_agent(&env, "gm")));
    report_figures("gemini", &figures);

    revived_with_context(&env, "gm", || {
        model
            .prompts()
            .iter()
            .any(|p| p.contains("CONTEXT RESTORED"))
    });
    wait_state(&env, "gm", 0, "idle", Duration::from_secs(30));
}
