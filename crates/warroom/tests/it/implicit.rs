//! A team deployed without an incident: quick-deploy says which incident it
//! created or joined, the implicit incident starts with its checklist, and
//! `incident edit` describes it afterwards, re-assessing its severity.

use crate::env::TestEnv;

#[test]
fn quick_deploy_names_its_incident_which_starts_with_its_checklist() {
    let env = TestEnv::start();
    let out = env.ok(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "first",
        "--agent",
        "sim",
        "--no-worktree",
    ]);
    assert!(
        out.stdout
            .contains("Incident INC-1 declared for this team: SEV1 until triaged"),
        "{}",
        out.stdout
    );
    let todos = env.json(&["todo", "list", "INC-1"]);
    let titles: Vec<&str> = todos
        .as_array()
        .expect("todos")
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("Confirm severity")),
        "{titles:?}"
    );

    // Described afterwards: the impact re-assesses the severity, recorded.
    let edited = env.json(&[
        "incident",
        "edit",
        "INC-1",
        "--title",
        "Login slow for some users",
        "--impact",
        "users=50",
    ]);
    assert_eq!(edited["title"], "Login slow for some users");
    assert_eq!(edited["severity"], "SEV3", "{edited}");
    assert_ne!(edited["impact"], "not described");
    assert_eq!(edited["implicit"], false);
    let status = env.ok(&["incident", "status", "INC-1"]).stdout;
    assert!(status.contains("Login slow for some users"), "{status}");
    let bad = env.run(&["incident", "edit", "INC-1", "--impact", "users=lots"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let nothing = env.run(&["incident", "edit", "INC-1"]);
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);

    // An open incident without a team is joined, and the deploy says so.
    env.ok(&[
        "incident",
        "declare",
        "Payments down",
        "--impact",
        "users=5000",
    ]);
    let joined = env.json(&[
        "quick-deploy",
        "backend",
        "1",
        "--project-name",
        "second",
        "--agent",
        "sim",
        "--no-worktree",
    ]);
    assert_eq!(joined["incident"]["id"], "INC-2", "{joined}");
    assert_eq!(joined["incident"]["how"], "joined");
    assert_eq!(joined["incident"]["title"], "Payments down");
}
