//! The supervisor with the real Claude Code (scripted model): a killed
//! agent comes back with its context, a rate limit is parked and resumed,
//! a permission question gives one notice.

use std::time::{Duration, Instant};

use warroom_testkit::{Action, ModelServer};

use crate::real_clis::{agent, claude_env, clis_dir, env_with_repo, wait_or_dump, wait_state};

#[test]
fn claude_code_is_revived_parked_resumed_and_its_question_reported_once() {
    let Some(clis) = clis_dir("claude") else {
        return;
    };
    let model = ModelServer::start().expect("model endpoint");
    let mut env = env_with_repo(&clis).with_daemon();
    claude_env(&mut env, &model);
    let notice_file = env.path("notices.jsonl");
    std::fs::write(
        env.path("project/warroom.toml"),
        format!(
            r#"
[agents.claude]
command = ["claude", "--settings", "{{settings}}", "--permission-mode", "default"]

[[channels]]
name = "incident-commander"
kind = "file"
path = "{}"
format = "jsonl"

[supervision.normal]
tick = "200ms"
rate_limit_park = "3s"
waiting_notify_after = "1s"
"#,
            notice_file.display()
        ),
    )
    .expect("config");
    model
        .once("LIMIT", Action::Fail(429))
        .on("PERMIT", Action::Tool("touch permitted.txt".into()));

    let out = env.ok(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "sup",
        "--agent",
        "claude",
        "--no-worktree",
    ]);
    assert!(
        out.stdout.contains("Supervisor: daemon started"),
        "{}",
        out.stdout
    );
    env.ok(&["agent", "send", "sup:0", "Remember: the leak is in pool.rs"]);
    wait_state(&env, "sup", 0, "idle", Duration::from_secs(20));

    // Killed: back, and the model hears its context, within seconds.
    let before = agent(&env, "sup", 0);
    let pid = before["pid"].as_u64().expect("pid").to_string();
    let killed = Instant::now();
    std::process::Command::new("kill")
        .args(["-9", &pid])
        .output()
        .expect("kill");
    wait_or_dump(
        &env,
        "sup",
        "the restored context at the model",
        Duration::from_secs(20),
        || {
            model.prompts().iter().any(|p| {
                p.contains("CONTEXT RESTORED") && p.contains("Remember: the leak is in pool.rs")
            })
        },
    );
    eprintln!(
        "real Claude Code: killed agent's context at the model after {:?}",
        killed.elapsed()
    );
    let (_, now) = wait_state(&env, "sup", 0, "idle", Duration::from_secs(20));
    assert_ne!(now["pid"], before["pid"]);
    assert_eq!(now["restarts"], 1);

    // A 429: parked (no reset shown, so the policy's 3 s), then told once
    // to continue.
    env.ok(&["agent", "send", "sup:0", "LIMIT test"]);
    wait_state(&env, "sup", 0, "rate-limited", Duration::from_secs(15));
    let limited = Instant::now();
    wait_or_dump(
        &env,
        "sup",
        "the continue message at the model",
        Duration::from_secs(20),
        || {
            model
                .prompts()
                .iter()
                .any(|p| p.contains("Your rate limit has reset"))
        },
    );
    let parked = limited.elapsed();
    eprintln!("real Claude Code: resumed {parked:?} after the rate limit showed");
    assert!(
        parked >= Duration::from_secs(2),
        "resumed too early: {parked:?}"
    );
    wait_state(&env, "sup", 0, "idle", Duration::from_secs(20));
    let resumes = model
        .prompts()
        .iter()
        .filter(|p| p.contains("Your rate limit has reset"))
        .count();
    assert_eq!(resumes, 1);

    // A permission question: one notice, nothing approved.
    env.ok(&["agent", "send", "sup:0", "PERMIT me to touch a file"]);
    wait_state(&env, "sup", 0, "waiting", Duration::from_secs(15));
    wait_or_dump(&env, "sup", "the notice", Duration::from_secs(10), || {
        !env.notices().is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    let all = env.notices();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(
        all[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("DECISION NEEDED: senior-backend-developer (sup:0)")),
        "{all:?}"
    );
    assert!(!env.path("project/permitted.txt").exists());
    assert_eq!(agent(&env, "sup", 0)["state"], "waiting");
}
