//! Who may change a todo or an incident, and a finished todo stays
//! finished: an agent works on its own team's incident only, the incident
//! commander's calls are a person's, and claiming, finishing or blocking a
//! done todo is refused until someone reopens it.

use serde_json::Value;

use crate::env::TestEnv;

fn todo_of<'a>(list: &'a Value, title_part: &str) -> &'a str {
    list.as_array()
        .and_then(|ts| {
            ts.iter()
                .find(|t| t["title"].as_str().is_some_and(|x| x.contains(title_part)))
        })
        .and_then(|t| t["id"].as_str())
        .unwrap_or_else(|| panic!("no todo {title_part:?} in {list}"))
}

#[test]
fn an_agent_cannot_touch_another_incidents_todos() {
    let env = TestEnv::start();
    env.deploy("auth", "3", "default");
    env.deploy("payments", "3", "default");
    let payments_agent = env.json(&["agent", "list", "payments"])[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let auth_todos = env.json(&["todo", "list", "auth", "--all"]);
    let auth_root_cause = todo_of(&auth_todos, "root cause");
    let as_agent = |args: &[&str]| {
        let out = env
            .warroom()
            .env("WARROOM_AGENT_ID", &payments_agent)
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [
        vec!["todo", "claim", auth_root_cause],
        vec!["todo", "done", auth_root_cause],
        vec!["todo", "block", auth_root_cause, "waiting on payments"],
        vec!["todo", "add", "auth", "something for auth"],
    ] {
        let (code, said) = as_agent(&args);
        assert_eq!(code, Some(2), "{args:?}: {said}");
        assert!(said.contains("works for team payments"), "{args:?}: {said}");
    }
    let (code, said) = as_agent(&["incident", "milestone", "auth", "root-cause", "not mine"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("works for team payments"), "{said}");
    // On its own incident, the commander's calls are still a person's.
    for args in [
        vec![
            "incident",
            "phase",
            "payments",
            "fixing",
            "--force",
            "in a hurry",
        ],
        vec!["incident", "severity", "payments", "SEV4", "looks small"],
        vec!["incident", "close", "payments"],
    ] {
        let (code, said) = as_agent(&args);
        assert_eq!(code, Some(2), "{args:?}: {said}");
        assert!(
            said.contains("incident commander's call"),
            "{args:?}: {said}"
        );
    }
    let unchanged = env.json(&["todo", "list", "auth", "--all"]);
    assert_eq!(unchanged, auth_todos, "nothing was changed");
    // Its own team's todo it may claim; a person may touch any.
    let payments_todos = env.json(&["todo", "list", "payments", "--all"]);
    let (code, said) = as_agent(&["todo", "claim", todo_of(&payments_todos, "root cause")]);
    assert_eq!(code, Some(0), "{said}");
    env.ok(&["todo", "claim", auth_root_cause]);
}

#[test]
fn a_finished_todo_is_not_reopened_by_a_claim() {
    let env = TestEnv::start();
    env.deploy("auth", "3", "default");
    let todos = env.json(&["todo", "list", "auth", "--all"]);
    let id = todo_of(&todos, "root cause").to_owned();
    env.ok(&["todo", "done", &id, "--note", "the pool leak"]);
    for args in [
        vec!["todo", "claim", id.as_str()],
        vec!["todo", "done", id.as_str()],
        vec!["todo", "block", id.as_str(), "needs more"],
    ] {
        let out = env.run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("is already done"), "{}", out.stderr);
    }
    let after = env.json(&["todo", "list", "auth", "--all"]);
    let done = after
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == id.as_str()))
        .expect("listed");
    assert_eq!(done["status"], "done", "{done}");
    assert!(done["done_at"].is_number(), "{done}");
    // Reopened on purpose, it can be claimed again, and is no longer done.
    env.ok(&["todo", "update", &id, "--status", "open"]);
    let claimed = env.json(&["todo", "claim", &id]);
    assert_eq!(claimed["status"], "in-progress", "{claimed}");
    assert!(claimed["done_at"].is_null(), "{claimed}");
}

#[test]
fn an_owner_that_nearly_names_a_role_is_a_typo_not_a_person() {
    let env = TestEnv::start();
    env.deploy("auth", "3", "default");
    let out = env.run(&["todo", "add", "auth", "check the pool", "--owner", "devop"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("did you mean devops-engineer"),
        "{}",
        out.stderr
    );
    let person = env.json(&[
        "todo",
        "add",
        "auth",
        "check the pool",
        "--owner",
        "person:devop",
    ]);
    assert_eq!(person["owner"], "devop", "{person}");
    let named = env.json(&["todo", "add", "auth", "call the vendor", "--owner", "Dana"]);
    assert_eq!(named["owner"], "Dana", "{named}");
}
