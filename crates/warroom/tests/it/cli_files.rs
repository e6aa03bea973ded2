//! Files warroom writes for an agent's CLI inside the agent's directory
//! (Gemini CLI's `.gemini/settings.json` with warroom's MCP server), with
//! real git: merged into the project's own, out of the agent's commits, and
//! never a file the engineer tracks in their own checkout.

use std::process::Command;

use serde_json::Value;

use crate::env::TestEnv;
use crate::repo::{init_repo, write};

/// The simulated agent given the seed Gemini CLI has, by the project's
/// warroom.toml (any registry key can be overridden there).
const SEEDED: &str = r#"
[[agents.sim.seed]]
file = ["{dir}/.gemini/settings.json"]
format = "json"
merge = '{"mcpServers": {"warroom": {"command": "{warroom}", "args": ["mcp"], "trust": true}}}'
[[agents.sim.seed]]
file = ["{dir}/.other-cli/config.json"]
format = "json"
merge = '{"seeded": true}'
"#;

fn status(dir: &std::path::Path) -> String {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git status");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the agent's briefing told it of warroom's MCP tools.
fn told_of_tools(env: &TestEnv) -> bool {
    env.messages("fw").iter().any(|m| {
        m["text"]
            .as_str()
            .is_some_and(|t| t.contains("BRIEFING") && t.contains("MCP tools"))
    })
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn a_cli_file_in_the_agents_worktree_is_merged_and_never_committed() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "warroom.toml", SEEDED);
    write(&project, ".gemini/settings.json", "{\"theirs\": true}\n");
    write(&project, "auth.py", "def login():\n    return 500\n");
    init_repo(&project, "auth service with gemini settings");

    let deployed = env.json(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "fw",
        "--agent",
        "sim",
    ]);
    let workdir = std::path::PathBuf::from(
        deployed["agents"][0]["agent"]["workdir"]
            .as_str()
            .expect("workdir"),
    );
    let settings = read_json(&workdir.join(".gemini/settings.json"));
    assert_eq!(settings["theirs"], true, "the project's own keys stay");
    let server = &settings["mcpServers"]["warroom"];
    assert_eq!(server["args"], serde_json::json!(["mcp"]), "{settings}");
    assert!(
        server["command"]
            .as_str()
            .is_some_and(|c| c.ends_with("/warroom")),
        "{settings}"
    );
    assert_eq!(
        read_json(&workdir.join(".other-cli/config.json"))["seeded"],
        true
    );
    assert_eq!(status(&workdir), "", "nothing for the agent to commit");
    assert!(told_of_tools(&env), "the briefing names the MCP tools");
    // The engineer's checkout is untouched.
    assert_eq!(
        std::fs::read_to_string(project.join(".gemini/settings.json")).expect("read"),
        "{\"theirs\": true}\n"
    );
    assert_eq!(status(&project), "");
}

#[test]
fn in_the_engineers_own_checkout_a_tracked_cli_file_is_left_alone() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "warroom.toml", SEEDED);
    write(&project, ".gemini/settings.json", "{\"theirs\": true}\n");
    init_repo(&project, "a project with gemini settings");

    env.json(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "fw",
        "--agent",
        "sim",
        "--no-worktree",
    ]);
    assert_eq!(
        std::fs::read_to_string(project.join(".gemini/settings.json")).expect("read"),
        "{\"theirs\": true}\n",
        "a tracked file of the engineer's is theirs"
    );
    assert!(
        !told_of_tools(&env),
        "no MCP server was given, so none is promised"
    );
    // An untracked one is written, and ignored beside itself.
    assert_eq!(
        read_json(&project.join(".other-cli/config.json"))["seeded"],
        true
    );
    assert_eq!(status(&project), "");
}
