//! `pm create-pr` for real: a git repository with a bare remote, a forge on
//! 127.0.0.1 that speaks the pull-request subset of the GitHub API and
//! keeps what it was sent, refusal without a passing check, one pull
//! request however often it runs, and the token nowhere but its header.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::env::TestEnv;
use crate::repo::{git, init_repo, write};

pub(crate) const TOKEN: &str = "ghp_TestTokenNeverShownAnywhere0123456789";

/// What the forge was sent: method, URL, body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

pub(crate) struct FakeForge {
    pub(crate) url: String,
    seen: Seen,
    server: Arc<tiny_http::Server>,
}

impl FakeForge {
    pub(crate) fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let seen: Seen = Arc::default();
        let (s, record) = (Arc::clone(&server), Arc::clone(&seen));
        std::thread::spawn(move || {
            let mut opened = false;
            for mut request in s.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let method = request.method().to_string();
                let url = request.url().to_owned();
                record
                    .lock()
                    .expect("lock")
                    .push((method.clone(), url.clone(), body));
                let authorized = request.headers().iter().any(|h| {
                    h.field.equiv("Authorization") && h.value.as_str() == format!("Bearer {TOKEN}")
                });
                let pr = format!(
                    r#"{{"number":1,"html_url":"http://127.0.0.1:{port}/acme/auth/pull/1"}}"#
                );
                let (status, answer) = if !authorized {
                    (401, r#"{"message":"Bad credentials"}"#.to_owned())
                } else if method == "GET" && url.starts_with("/repos/acme/auth/pulls?") {
                    (
                        200,
                        if opened {
                            format!("[{pr}]")
                        } else {
                            "[]".into()
                        },
                    )
                } else if method == "POST" && url == "/repos/acme/auth/pulls" {
                    if opened {
                        (
                            422,
                            r#"{"message":"A pull request already exists"}"#.to_owned(),
                        )
                    } else {
                        opened = true;
                        (201, pr)
                    }
                } else if method == "PATCH" && url == "/repos/acme/auth/pulls/1" {
                    (200, pr)
                } else if method == "POST" && url == "/repos/acme/auth/issues/1/labels" {
                    (200, "[]".into())
                } else if method == "POST" && url == "/repos/acme/auth/pulls/1/requested_reviewers"
                {
                    (201, "{}".into())
                } else {
                    (404, r#"{"message":"Not Found"}"#.into())
                };
                let _ = request
                    .respond(tiny_http::Response::from_string(answer).with_status_code(status));
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}"),
            seen,
            server,
        }
    }

    pub(crate) fn seen(&self) -> Vec<(String, String, String)> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for FakeForge {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read(&path)
            .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn create_pr_rests_on_a_passing_check_opens_one_pull_request_and_keeps_the_token_secret() {
    let forge = FakeForge::start();
    let mut env = TestEnv::start();
    env.extra.push(("GITHUB_API_URL".into(), forge.url.clone()));
    env.extra.push(("GITHUB_TOKEN".into(), TOKEN.into()));
    let project = env.path("project");
    let remote = env.path("remote.git");
    write(&project, "pytest.ini", "[pytest]\n");
    write(&project, "auth/__init__.py", "");
    write(
        &project,
        "auth/pool.py",
        "def release(free):\n    return free\n",
    );
    write(
        &project,
        "tests/test_pool.py",
        "from auth.pool import release\n\ndef test_release():\n    assert release(1) == 2\n",
    );
    write(
        &project,
        "warroom.toml",
        "[forge]\nrepo = \"acme/auth\"\nreviewers = [\"oncall-lead\"]\n",
    );
    init_repo(&project, "auth service");
    git(env.dir.path(), &["init", "-q", "--bare", "remote.git"]);
    git(
        &project,
        &["remote", "add", "origin", &remote.display().to_string()],
    );
    env.ok(&[
        "incident",
        "declare",
        "Auth returns 500",
        "--impact",
        "users=10000,availability=down",
        "--deploy",
        "--agent",
        "sim",
    ]);
    let team = "auth-returns-500";
    let agents = env.json(&["agent", "list", team]);
    let workdir = std::path::PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));
    let branch = agents[0]["branch"].as_str().expect("branch").to_owned();
    write(
        &workdir,
        "auth/pool.py",
        "def release(free):\n    return free + 1\n",
    );
    git(
        &workdir,
        &["commit", "-qam", "release gives the connection back"],
    );
    env.ok(&[
        "incident",
        "milestone",
        "INC-1",
        "root-cause",
        "connections not released on the error path",
    ]);

    // No passing check of this commit: refused, and nothing pushed or sent.
    let refused = env.run(&["pm", "create-pr", team, "--emergency", "--skip-full-tests"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("no passing --fast check"),
        "{}",
        refused.stderr
    );
    assert!(forge.seen().is_empty());

    env.ok(&["pm", "quality-check", team, "--fast"]);
    // A fast check is not enough for an ordinary pull request...
    let full_wanted = env.run(&["pm", "create-pr", team]);
    assert_eq!(full_wanted.code, 2, "{}", full_wanted.stderr);
    assert!(
        full_wanted.stderr.contains("no passing full check"),
        "{}",
        full_wanted.stderr
    );

    // ...and is for an emergency one, in the seed's own words.
    let opened = env.json(&[
        "pm",
        "create-pr",
        team,
        "--branch",
        &branch,
        "--base",
        "main",
        "--emergency",
    ]);
    assert_eq!(opened["opened"], "created", "{opened}");
    assert_eq!(opened["number"], 1);
    let commit = opened["commit"].as_str().expect("commit").to_owned();
    let seen = forge.seen();
    let create = seen
        .iter()
        .find(|(m, u, _)| m == "POST" && u == "/repos/acme/auth/pulls")
        .expect("a create request");
    let sent: serde_json::Value = serde_json::from_str(&create.2).expect("JSON");
    assert_eq!(sent["head"], branch.as_str());
    assert_eq!(sent["base"], "main");
    assert!(
        sent["title"]
            .as_str()
            .expect("title")
            .starts_with("[INC-1 SEV1] Fix: Auth returns 500")
    );
    let body = sent["body"].as_str().expect("body");
    for part in [
        "connections not released on the error path",
        &commit,
        "fast checks on this commit: pass (1 passed, 0 failed)",
        "auth/pool.py",
        "roll back",
    ] {
        assert!(body.contains(part), "no {part:?} in:\n{body}");
    }
    assert!(seen.iter().any(|(m, u, b)| m == "POST"
        && u == "/repos/acme/auth/issues/1/labels"
        && b.contains("emergency")));
    assert!(
        seen.iter()
            .any(|(_, u, b)| u.ends_with("/requested_reviewers") && b.contains("oncall-lead"))
    );

    // The branch reached the remote.
    let pushed = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&remote)
        .args(["rev-parse", &format!("refs/heads/{branch}")])
        .output()
        .expect("git");
    assert_eq!(String::from_utf8_lossy(&pushed.stdout).trim(), commit);

    // Again: the same pull request, updated.
    let again = env.json(&["pm", "create-pr", team, "--skip-full-tests"]);
    assert_eq!(again["opened"], "updated", "{again}");
    let creates = forge
        .seen()
        .iter()
        .filter(|(m, u, _)| m == "POST" && u == "/repos/acme/auth/pulls")
        .count();
    assert_eq!(creates, 1);
    let status = env.ok(&["incident", "status", "INC-1"]).stdout;
    assert!(
        status.contains("pull request #1: http://127.0.0.1:"),
        "{status}"
    );
    // Stakeholders hear where the fix stands.
    let update = env.json(&["incident", "update", "INC-1", "Fix ready for review."]);
    assert!(
        update["text"]
            .as_str()
            .is_some_and(|t| t.contains("Fix under review: pull request #1 http://127.0.0.1:")),
        "{update}"
    );

    // A wrong token is the forge's answer, said plainly.
    let mut wrong = env.warroom();
    wrong
        .env("GITHUB_TOKEN", "ghp_wrong")
        .args(["pm", "create-pr", team, "--skip-full-tests"]);
    let out = wrong.output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 401: Bad credentials"));

    // The token is nowhere: not in the data directory, the project, or the
    // forge's bodies.
    assert!(files_holding(&env.path("data"), TOKEN).is_empty());
    assert!(files_holding(&project, TOKEN).is_empty());
    assert!(
        !forge
            .seen()
            .iter()
            .any(|(_, u, b)| u.contains(TOKEN) || b.contains(TOKEN))
    );
}

#[test]
fn a_project_without_the_remote_is_told_how_to_add_it() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "auth.py", "def login():\n    return 500\n");
    init_repo(&project, "auth service");
    env.deploy("no-remote", "2", "default");
    let forced = env.run(&[
        "pm",
        "create-pr",
        "no-remote",
        "--emergency",
        "--force",
        "the incident commander decided",
    ]);
    assert_eq!(forced.code, 2, "{}{}", forced.stdout, forced.stderr);
    assert!(
        forced.stderr.contains("git remote add origin"),
        "{}",
        forced.stderr
    );
}
