//! The seed's quick checks for real: a Python service in a git repository,
//! a team whose developer works on its own branch, a planted bug caught by
//! `pm quality-check --fast` naming the test, the fix passing, and the
//! developer's uncommitted edits neither breaking nor faking the result;
//! then the five seed commands again on a Rust workspace through nextest.

use crate::env::TestEnv;
use crate::repo::{git, init_repo, write};

const POOL: &str = "class Pool:\n    def __init__(self):\n        self.free = 2\n    def take(self):\n        self.free -= 1\n    def release(self):\n        self.free += 1\n";

#[test]
fn quality_check_fast_catches_a_planted_bug_on_the_branch_and_passes_the_fix() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(
        &project,
        "pytest.ini",
        "[pytest]\nmarkers =\n    smoke: fast checks\n",
    );
    write(&project, "auth/__init__.py", "");
    write(&project, "auth/pool.py", POOL);
    write(
        &project,
        "tests/test_pool.py",
        "from auth.pool import Pool\n\ndef test_release_gives_the_connection_back():\n    p = Pool()\n    p.take()\n    p.release()\n    assert p.free == 2\n",
    );
    write(
        &project,
        "tests/test_api.py",
        "import pytest\n\n@pytest.mark.smoke\ndef test_service_answers():\n    assert True\n\ndef test_slow_unrelated():\n    assert True\n",
    );
    init_repo(&project, "auth service");
    env.deploy("auth-hotfix", "2", "default");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let dev = &agents[0];
    let workdir = std::path::PathBuf::from(dev["workdir"].as_str().expect("workdir"));
    let branch = dev["branch"].as_str().expect("branch").to_owned();

    // The developer commits a "fix" that leaks the connection.
    write(
        &workdir,
        "auth/pool.py",
        &POOL.replace("self.free += 1", "pass"),
    );
    git(&workdir, &["commit", "-qam", "release early"]);
    let caught = env.run(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(caught.code, 1, "{}{}", caught.stdout, caught.stderr);
    for line in [
        &format!("fast checks of {branch} at "),
        "tests/test_pool.py: tests auth/pool.py",
        "FAILED tests.test_pool::test_release_gives_the_connection_back",
        "FAIL",
    ] {
        assert!(
            caught.stdout.contains(line),
            "no {line:?} in:\n{}",
            caught.stdout
        );
    }
    assert!(
        !caught.stdout.contains("test_slow_unrelated"),
        "{}",
        caught.stdout
    );
    let validate = |env: &TestEnv| {
        env.json(&["todo", "list", "INC-1", "--all"])
            .as_array()
            .expect("todos")
            .iter()
            .find(|t| {
                t["title"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Validate the fix"))
            })
            .cloned()
            .expect("the QA todo")
    };
    assert_eq!(
        validate(&env)["status"],
        "open",
        "a failing check validates nothing"
    );

    // Uncommitted edits neither fake a pass nor break the check.
    let fix = format!("{POOL}# released on every path\n");
    write(&workdir, "auth/pool.py", &fix);
    let still = env.json_code(&["pm", "quality-check", "auth-hotfix", "--fast"], 1);
    assert_eq!(still["verdict"], "fail");
    git(&workdir, &["commit", "-qam", "release gives it back"]);
    let fixed = env.json(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(fixed["verdict"], "pass", "{fixed}");
    assert_eq!(fixed["runs"][0]["passed"], 2, "{fixed}");
    let commit = fixed["commit"].as_str().expect("commit").to_owned();
    // The passing run is the validation the QA todo asked for.
    assert_eq!(validate(&env)["status"], "done", "{}", validate(&env));

    // The seed's other words, and the record on the incident.
    let smoke = env.json(&["execute", "test", "auth-hotfix", "--smoke-only"]);
    assert_eq!(smoke["verdict"], "pass");
    assert_eq!(smoke["runs"][0]["passed"], 1, "{smoke}");
    let critical = env.json(&[
        "pm",
        "quality-check",
        "auth-hotfix",
        "--fast",
        "--critical-only",
    ]);
    assert_eq!(critical["tier"], "smoke");
    let report = env.ok(&["pm", "report", "auth-hotfix"]).stdout;
    let report = std::fs::read_to_string(report.trim()).expect("report");
    assert!(
        report.contains(&format!(
            "fast checks on {branch} at {}: pass",
            &commit[..12]
        )),
        "{report}"
    );
    let bad = env.run(&[
        "pm",
        "quality-check",
        "auth-hotfix",
        "--branch",
        "no-such-branch",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// The toolchain the suite itself runs on, lent to warroom's hermetic HOME:
/// rustup's toolchains are read, never written; cargo's own cache stays in
/// the test's directory.
pub(crate) fn rust_toolchain(env: &mut TestEnv) {
    let home = std::env::var("HOME").unwrap_or_default();
    let rustup = std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{home}/.rustup"));
    env.extra.push(("RUSTUP_HOME".into(), rustup));
    let cargo_home = env.path("cargo-home");
    env.extra
        .push(("CARGO_HOME".into(), cargo_home.display().to_string()));
}

const AUTH_LIB: &str = "pub fn released(free: u32) -> u32 { free + 1 }\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn smoke_service_answers() { assert!(super::released(0) > 0); }\n    #[test]\n    fn release_gives_the_connection_back() { assert_eq!(super::released(1), 2); }\n}\n";

#[test]
fn quality_check_fast_on_a_rust_workspace_runs_the_changed_crate_not_the_others() {
    let forge = crate::pull_request::FakeForge::start();
    let mut env = TestEnv::start();
    rust_toolchain(&mut env);
    env.extra.push(("GITHUB_API_URL".into(), forge.url.clone()));
    env.extra
        .push(("GITHUB_TOKEN".into(), crate::pull_request::TOKEN.into()));
    let project = env.path("project");
    write(&project, "warroom.toml", "[forge]\nrepo = \"acme/auth\"\n");
    write(
        &project,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/auth\", \"crates/billing\"]\nresolver = \"2\"\n",
    );
    let manifest = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
    };
    write(&project, "crates/auth/Cargo.toml", &manifest("auth"));
    write(&project, "crates/auth/src/lib.rs", AUTH_LIB);
    write(&project, "crates/billing/Cargo.toml", &manifest("billing"));
    write(
        &project,
        "crates/billing/src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn invoices_add_up() { assert_eq!(2 + 2, 4); }\n}\n",
    );
    write(&project, ".gitignore", "target/\n");
    init_repo(&project, "services");
    git(env.dir.path(), &["init", "-q", "--bare", "remote.git"]);
    let remote = env.path("remote.git").display().to_string();
    git(&project, &["remote", "add", "origin", &remote]);
    env.deploy("auth-hotfix", "2", "default");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let workdir = std::path::PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));

    write(
        &workdir,
        "crates/auth/src/lib.rs",
        &AUTH_LIB.replace("free + 1", "free"),
    );
    git(&workdir, &["commit", "-qam", "release early"]);
    let caught = env.run(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(caught.code, 1, "{}{}", caught.stdout, caught.stderr);
    for line in [
        "crates/auth/src/lib.rs is in package auth",
        "release_gives_the_connection_back",
        "FAIL",
    ] {
        assert!(
            caught.stdout.contains(line),
            "no {line:?} in:\n{}",
            caught.stdout
        );
    }
    assert!(
        !caught.stdout.contains("invoices_add_up"),
        "{}",
        caught.stdout
    );

    let fix = format!("{AUTH_LIB}// released on every path\n");
    write(&workdir, "crates/auth/src/lib.rs", &fix);
    git(&workdir, &["commit", "-qam", "release gives it back"]);
    let fixed = env.json(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(fixed["verdict"], "pass", "{fixed}");
    assert_eq!(fixed["runs"][0]["runner"], "nextest", "{fixed}");
    assert_eq!(fixed["runs"][0]["passed"], 2, "{fixed}");

    // The seed's other words on the same project.
    let smoke = env.json(&["execute", "test", "auth-hotfix", "--smoke-only"]);
    assert_eq!(smoke["verdict"], "pass", "{smoke}");
    assert_eq!(smoke["runs"][0]["passed"], 1, "{smoke}");
    let critical = env.json(&[
        "pm",
        "quality-check",
        "auth-hotfix",
        "--fast",
        "--critical-only",
    ]);
    assert_eq!(critical["verdict"], "pass", "{critical}");
    let branch = agents[0]["branch"].as_str().expect("branch");
    let opened = env.json(&[
        "pm",
        "create-pr",
        "auth-hotfix",
        "--branch",
        branch,
        "--base",
        "main",
        "--emergency",
        "--skip-full-tests",
    ]);
    assert_eq!(opened["opened"], "created", "{opened}");
    let seen = forge.seen();
    let (_, _, sent) = seen
        .iter()
        .find(|(m, u, _)| m == "POST" && u == "/repos/acme/auth/pulls")
        .expect("a create request");
    assert!(
        sent.contains("fast checks on this commit: pass (2 passed, 0 failed)"),
        "{sent}"
    );
    assert!(sent.contains("crates/auth/src/lib.rs"), "{sent}");
}

#[test]
fn checks_named_in_warroom_toml_run_beside_the_tests_and_can_fail_the_check() {
    let env = TestEnv::start();
    let project = env.path("project");
    // A Python project that also carries a Cargo.toml (say, for a native
    // module it does not build here): the runners are named, not guessed.
    write(
        &project,
        "Cargo.toml",
        "[package]\nname = \"native\"\nversion = \"0.1.0\"\n",
    );
    write(
        &project,
        "warroom.toml",
        "[checks]\nrunners = [\"pytest\"]\ncommands = [\n  { name = \"compile\", run = [\"python3\", \"-m\", \"compileall\", \"-q\", \"auth\"] },\n]\n",
    );
    write(&project, "auth/__init__.py", "");
    write(&project, "auth/pool.py", POOL);
    write(
        &project,
        "auth/retry.py",
        "def backoff(n):\n    return 2 ** n\n",
    );
    write(
        &project,
        "tests/test_pool.py",
        "from auth.pool import Pool\n\ndef test_release():\n    p = Pool()\n    p.take()\n    p.release()\n    assert p.free == 2\n",
    );
    init_repo(&project, "auth service");
    env.deploy("auth-hotfix", "2", "default");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let workdir = std::path::PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));

    // A syntax error in a module no test imports: the tests pass, the
    // project's own check does not.
    write(
        &workdir,
        "auth/retry.py",
        "def backoff(n):\n    return 2 ** n +\n",
    );
    git(&workdir, &["commit", "-qam", "tune the backoff"]);
    let broken = env.run(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(broken.code, 1, "{}{}", broken.stdout, broken.stderr);
    for line in [
        "check compile: fail",
        "retry.py",
        "1 passed, 0 failed",
        "FAIL",
    ] {
        assert!(
            broken.stdout.contains(line),
            "no {line:?} in:\n{}",
            broken.stdout
        );
    }
    assert!(!broken.stdout.contains("Nextest"), "{}", broken.stdout);
    // The smoke tier runs the smoke set alone.
    let smoke = env.json_code(&["execute", "test", "auth-hotfix", "--smoke-only"], 1);
    assert_eq!(smoke["commands"], serde_json::json!([]), "{smoke}");

    write(
        &workdir,
        "auth/retry.py",
        "def backoff(n):\n    return 2 ** n + 1\n",
    );
    git(&workdir, &["commit", "-qam", "tune the backoff, parsed"]);
    let fixed = env.json(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(fixed["verdict"], "pass", "{fixed}");
    assert_eq!(fixed["commands"][0]["name"], "compile", "{fixed}");
    assert_eq!(fixed["commands"][0]["verdict"], "pass", "{fixed}");
    assert_eq!(fixed["runs"].as_array().map(Vec::len), Some(1), "{fixed}");
}

#[test]
fn a_named_check_whose_program_is_missing_is_an_error_not_a_pass() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(
        &project,
        "warroom.toml",
        "[checks]\ncommands = [{ name = \"audit\", run = [\"no-such-auditor-xyz\", \"--strict\"] }]\n",
    );
    write(&project, "pytest.ini", "[pytest]\n");
    write(&project, "tests/test_ok.py", "def test_ok():\n    pass\n");
    init_repo(&project, "service");
    env.deploy("auth-hotfix", "2", "default");
    let out = env.run(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("check audit: error")
            && out.stdout.contains("no-such-auditor-xyz could not start"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_agent_checks_its_own_team_only_and_cannot_force_a_pull_request() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "pytest.ini", "[pytest]\n");
    write(&project, "tests/test_ok.py", "def test_ok():\n    pass\n");
    init_repo(&project, "service");
    env.deploy("auth-hotfix", "2", "default");
    env.deploy("billing-fix", "2", "default");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let id = agents[1]["id"].as_str().expect("id").to_owned();
    let as_agent = |args: &[&str]| {
        let out = env
            .warroom()
            .env("WARROOM_AGENT_ID", &id)
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = as_agent(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, _, stderr) = as_agent(&["pm", "quality-check", "billing-fix"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("only for its own team"), "{stderr}");
    let (code, _, stderr) = as_agent(&[
        "pm",
        "create-pr",
        "auth-hotfix",
        "--force",
        "no time for checks",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("may not force"), "{stderr}");
}

#[test]
fn a_smoke_glob_that_does_not_parse_is_refused_by_name() {
    let env = TestEnv::start();
    write(
        &env.path("project"),
        "warroom.toml",
        "[checks]\nsmoke = [\"tests/[\"]\n",
    );
    let out = env.run(&["execute", "test", "auth-hotfix", "--smoke-only"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("smoke glob \"tests/[\""),
        "{}",
        out.stderr
    );
}

#[test]
fn when_no_test_runs_the_check_fails_and_says_why() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "auth/__init__.py", "");
    write(&project, "auth/pool.py", POOL);
    write(
        &project,
        "tests/test_pool.py",
        "from auth.pool import Pool\n\ndef test_take():\n    assert Pool().take() is None\n",
    );
    init_repo(&project, "auth service without smoke tests");
    env.deploy("auth-hotfix", "2", "default");
    let branch = env.json(&["agent", "list", "auth-hotfix"])[0]["branch"]
        .as_str()
        .expect("branch")
        .to_owned();

    // The developer's branch holds no fix yet.
    let fast = env.run(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(fast.code, 1, "{}{}", fast.stdout, fast.stderr);
    assert!(
        fast.stdout.contains("FAIL: no tests ran"),
        "{}",
        fast.stdout
    );
    assert!(
        fast.stdout
            .contains(&format!("why: nothing changed on {branch} since main")),
        "{}",
        fast.stdout
    );
    let smoke = env.json_code(&["execute", "test", "auth-hotfix", "--smoke-only"], 1);
    assert!(
        smoke["nothing_ran_because"]
            .as_str()
            .is_some_and(|w| w.contains("no test is named smoke or critical")),
        "{smoke}"
    );
}
