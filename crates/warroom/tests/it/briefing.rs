//! One way to brief: on deploy and on restart alike.

use crate::env::TestEnv;

/// Briefing on deploy and on restart are one path: a CLI whose profile
/// takes its briefing as a file gets its restored context as a file too.
#[test]
fn a_file_briefed_agent_gets_its_restored_context_as_a_file() {
    let env = TestEnv::start();
    std::fs::write(
        env.path("project/warroom.toml"),
        "[agents.sim]\nbriefing = \"file\"\n",
    )
    .expect("config");
    env.deploy("files", "1", "default");
    env.wait_idle("files");
    let id = env.json(&["agent", "list", "files"])[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        env.transcript(&id)
            .iter()
            .any(|m| m.contains("BRIEFING: read") && m.contains(".warroom/briefing-")),
        "{:?}",
        env.transcript(&id)
    );
    env.ok(&["agent", "restart", "files:0", "--restore-context"]);
    let pointer = env
        .transcript(&id)
        .into_iter()
        .find(|m| m.contains("CONTEXT RESTORED"))
        .expect("restored context");
    let path = pointer
        .split_whitespace()
        .find(|w| w.contains(".warroom/context-"))
        .expect("a path in the pointer");
    let context = std::fs::read_to_string(path).expect("context file");
    assert!(
        context.starts_with("CONTEXT RESTORED") && context.contains("BRIEFING. You are"),
        "{context}"
    );
}
