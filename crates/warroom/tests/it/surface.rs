//! The command surface: the seed's words exist, and the simulated agent
//! stands in with a notice.

use crate::env::TestEnv;

#[test]
fn help_lists_the_commands_and_hides_the_simulator() {
    let env = TestEnv::start();
    let help = env.ok(&["--help"]).stdout;
    insta::assert_snapshot!("help", help);
    assert!(!help.contains("sim-agent"));
}

#[test]
fn a_missing_agent_cli_is_stood_in_for_with_a_notice() {
    let env = TestEnv::start();
    // The default configuration asks for claude; PATH has no claude here.
    let project = env.path("project");
    std::fs::write(
        project.join("warroom.toml"),
        "[agents.claude]\ncommand = [\"warroom-test-no-such-cli\"]\n",
    )
    .expect("write");
    let out = env.ok(&["quick-deploy", "backend", "1", "--project-name", "standin"]);
    assert!(
        out.stdout
            .contains("Notice: claude is not installed, so simulated agents stand in for it."),
        "{}",
        out.stdout
    );
    let agents = env.json(&["agent", "list", "standin"]);
    assert_eq!(agents[0]["cli"], "sim");
    assert_eq!(agents[0]["stands_in_for"], "claude");
    assert!(
        env.capture("=standin:0")
            .contains("NOTICE: claude is not installed")
    );
}

#[test]
fn team_list_and_status_show_state() {
    let env = TestEnv::start();
    env.deploy("one", "2", "default");
    let teams = env.json(&["team", "list"]);
    assert_eq!(teams[0]["name"], "one");
    assert_eq!(teams[0]["agents"], 2);
    assert_eq!(teams[0]["session"], true);
    env.wait_idle("one");
    let status = env.ok(&["team", "status", "one"]).stdout;
    assert!(status.contains("one:0"), "{status}");
    assert!(status.contains("idle"), "{status}");
    // A session killed behind warroom's back shows as lost, not idle.
    env.tmux(&["kill-session", "-t", "=one"]);
    let agents = env.json(&["agent", "list", "one"]);
    assert_eq!(agents[0]["state"], "lost");
}

#[test]
fn sessions_live_on_the_private_server_only() {
    let env = TestEnv::start();
    env.deploy("private", "1", "default");
    // The team is on our socket; the panes know where to call back.
    assert_eq!(
        env.tmux(&["list-sessions", "-F", "#{session_name}"]).trim(),
        "private"
    );
    let pane_env = env.tmux(&["show-environment", "-t", "=private"]);
    assert!(
        !pane_env.contains("WARROOM_AGENT_ID"),
        "agent ids belong to panes, not the session"
    );
    let store = env.path("data").join("warroom.db");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(store).expect("db").permissions().mode() & 0o777,
        0o600
    );
}
