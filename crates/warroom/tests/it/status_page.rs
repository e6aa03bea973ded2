//! The stakeholders' status page in a real browser (Debian's Chromium,
//! headless): the incident, its status in Statuspage's words and its
//! updates are there; nothing internal is (agents, their messages, todos,
//! logs). A screenshot is kept under target/test-artifacts/.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::env::{TestEnv, wait_until};

fn chromium() -> &'static str {
    for candidate in ["chromium", "chromium-browser"] {
        if Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return candidate;
        }
    }
    panic!("Chromium is not installed: .ci/run installs Debian's chromium");
}

/// Chromium, headless and quiet: no network beyond the page, its own
/// profile and HOME in the test's directory.
fn browser(env: &TestEnv, args: &[&str]) -> String {
    let profile = env.path("chromium-profile");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .env("HOME", env.path("home"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium runs");
    // The page keeps its event stream open; a browser that never finishes
    // is ended by its pid, not waited for.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts")
}

#[test]
fn the_status_page_shows_the_incident_and_its_updates_and_nothing_internal() {
    let env = TestEnv::start().with_daemon();
    env.deploy("auth-hotfix", "2", "default");
    // An agent at work on a todo: the stakeholders' update lists it as an
    // action, the public page must not.
    let developer = env.json(&["agent", "list", "auth-hotfix"])[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let claimed = env
        .warroom()
        .env("WARROOM_AGENT_ID", &developer)
        .args(["todo", "claim", "T-4"])
        .output()
        .expect("claim");
    assert!(claimed.status.success(), "{claimed:?}");
    env.ok(&[
        "incident",
        "update",
        "INC-1",
        "--status",
        "identified",
        "Some users cannot log in; the cause is found and a fix is being tested.",
    ]);
    // Internal work that must stay internal.
    env.ok(&[
        "agent",
        "send",
        "auth-hotfix:0",
        "INTERNAL-MESSAGE rotate the db password",
    ]);
    env.ok(&["todo", "add", "INC-1", "INTERNAL-TODO check pool metrics"]);
    let reader = env.json(&["token", "create", "--scope", "read", "--name", "status"])["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let mut base = String::new();
    wait_until("the daemon to serve HTTP", Duration::from_secs(15), || {
        base = env.json(&["daemon", "status"])["daemon"]["http"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        !base.is_empty()
    });
    let url = format!("{base}/status?token={reader}");

    let dom = browser(&env, &["--dump-dom", &url]);
    for said in [
        "Service status",
        "auth-hotfix (deployed with quick-deploy)",
        "identified",
        "Some users cannot log in; the cause is found and a fix is being tested.",
        "Next update by",
    ] {
        assert!(dom.contains(said), "no {said:?} in the page:\n{dom}");
    }
    for internal in [
        "INTERNAL-MESSAGE",
        "INTERNAL-TODO",
        "senior-backend-developer",
        "Identify the root cause",
        "BRIEFING",
        "connection pool exhausted",
    ] {
        assert!(
            !dom.contains(internal),
            "{internal:?} leaked to the page:\n{dom}"
        );
    }

    std::fs::create_dir_all(artifacts()).expect("artifacts dir");
    let shot = artifacts().join("status-page.png");
    let _ = std::fs::remove_file(&shot);
    browser(
        &env,
        &[
            "--window-size=1000,800",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    assert!(
        png.len() > 5_000,
        "a page, not a blank: {} bytes",
        png.len()
    );

    // Without a token, nothing.
    let page = browser(&env, &["--dump-dom", &format!("{base}/status")]);
    assert!(!page.contains("Some users cannot log in"), "{page}");
}
