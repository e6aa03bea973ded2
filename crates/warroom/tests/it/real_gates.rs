//! Claude Code and an API key it has never seen: the agent is reported
//! gated with a hint (never typed into), and with the opt-in
//! `approve_api_key` warroom approves the key before launch, recorded.

use warroom_testkit::ModelServer;

use crate::real_clis::{claude_env, clis_dir, env_with_repo};

#[test]
fn an_unseen_api_key_is_a_gate_with_a_hint_until_the_engineer_opts_in() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis);
    claude_env(&mut env, &model);
    // A key this HOME's Claude Code has never been asked about.
    let key = "sk-ant-api03-freshkeyneverseenbefore0123456789";
    env.extra.retain(|(k, _)| k != "ANTHROPIC_API_KEY");
    env.extra.push(("ANTHROPIC_API_KEY".into(), key.into()));
    std::fs::write(env.path("home/.claude.json"), "{}").expect("reset");
    std::fs::write(
        env.path("project/warroom.toml"),
        "[delivery]\nready_secs = 8\n",
    )
    .expect("config");

    let gated = env.run(&[
        "--json",
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "keys",
        "--agent",
        "claude",
        "--no-worktree",
    ]);
    assert_eq!(gated.code, 1, "{}{}", gated.stdout, gated.stderr);
    let result: serde_json::Value = serde_json::from_str(&gated.stdout).expect("JSON");
    let agent = &result["agents"][0];
    assert_eq!(agent["ready"], false, "{agent}");
    assert!(
        agent["screen_tail"]
            .as_str()
            .is_some_and(|t| t.starts_with("[gated]") && !t.contains("seenbefore0123456789")),
        "{agent}"
    );
    assert!(
        agent["hint"]
            .as_str()
            .is_some_and(|h| h.contains("approve_api_key = true")),
        "{agent}"
    );
    let listed = env.json(&["agent", "list", "keys"]);
    assert_eq!(listed[0]["state"], "gated", "{listed}");
    assert_eq!(listed[0]["state_detail"], "api-key", "{listed}");
    env.ok(&["team", "kill", "keys", "--force"]);

    // Opted in: approved before launch, the agent starts and is briefed.
    std::fs::write(
        env.path("project/warroom.toml"),
        "[delivery]\nready_secs = 30\n[agents.claude]\napprove_api_key = true\n",
    )
    .expect("config");
    let deployed = env.json(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "keys2",
        "--agent",
        "claude",
        "--no-worktree",
    ]);
    assert_eq!(deployed["agents"][0]["ready"], true, "{deployed}");
    assert_eq!(deployed["agents"][0]["briefing"]["outcome"], "submitted");
    let seeded = std::fs::read_to_string(env.path("home/.claude.json")).expect("seeded");
    assert!(seeded.contains("\"seenbefore0123456789\""), "{seeded}");
    assert!(!seeded.contains(key), "the whole key is never written");
    let report = env
        .ok(&["pm", "report", "keys2", "--type", "incident"])
        .stdout;
    let report = std::fs::read_to_string(report.trim()).expect("report");
    assert!(
        report.contains("approve_api_key (opted in)"),
        "the approval is on the record:\n{report}"
    );
}
