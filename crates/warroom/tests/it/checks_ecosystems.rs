//! The seed's quick checks on the other ecosystems, for real: a Go module
//! through `go test -json`, and JavaScript projects through `node --test`,
//! jest and vitest (the last two from the project's own `node_modules`,
//! lent to the clean checkout). Each: a planted bug in a module caught by
//! `pm quality-check --fast`, naming the test; the unrelated tests not
//! run; the fix passing; `execute test --smoke-only` running the smoke set.

use std::path::{Path, PathBuf};

use crate::env::TestEnv;
use crate::repo::{git, init_repo, write};

/// A project in the ecosystem under test, and how its developer breaks and
/// fixes it.
struct Scenario {
    /// Files of the project, committed on main.
    files: Vec<(&'static str, String)>,
    /// The file the developer changes, its broken and its fixed text.
    module: &'static str,
    broken: String,
    fixed: String,
    runner: &'static str,
    /// Output the caught run must show: the selection's reason, the test.
    caught_says: Vec<String>,
    /// A test that must not run in the fast tier.
    unrelated: &'static str,
    /// How many tests the fast tier passes on the fix, and the smoke tier.
    fast_passes: u64,
    smoke_passes: u64,
}

fn run_scenario(env: &TestEnv, scenario: &Scenario, node_modules: Option<&Path>) {
    let project = env.path("project");
    for (path, text) in &scenario.files {
        write(&project, path, text);
    }
    write(&project, ".gitignore", "node_modules\n");
    init_repo(&project, "service");
    if let Some(installed) = node_modules {
        std::os::unix::fs::symlink(installed, project.join("node_modules")).expect("link");
    }
    env.deploy("auth-hotfix", "2", "default");
    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let workdir = PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));

    write(&workdir, scenario.module, &scenario.broken);
    git(&workdir, &["commit", "-qam", "release early"]);
    let caught = env.run(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(caught.code, 1, "{}{}", caught.stdout, caught.stderr);
    for line in scenario
        .caught_says
        .iter()
        .map(String::as_str)
        .chain(["FAIL"])
    {
        assert!(
            caught.stdout.contains(line),
            "no {line:?} in:\n{}",
            caught.stdout
        );
    }
    assert!(
        !caught.stdout.contains(scenario.unrelated),
        "{}",
        caught.stdout
    );

    write(&workdir, scenario.module, &scenario.fixed);
    git(&workdir, &["commit", "-qam", "release gives it back"]);
    let fixed = env.json(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(fixed["verdict"], "pass", "{fixed}");
    assert_eq!(fixed["runs"][0]["runner"], scenario.runner, "{fixed}");
    assert_eq!(fixed["runs"][0]["passed"], scenario.fast_passes, "{fixed}");
    let results = fixed["runs"][0]["results"].as_str().expect("results");
    assert!(Path::new(results).exists(), "{results}");

    let smoke = env.json(&["execute", "test", "auth-hotfix", "--smoke-only"]);
    assert_eq!(smoke["verdict"], "pass", "{smoke}");
    assert_eq!(smoke["runs"][0]["passed"], scenario.smoke_passes, "{smoke}");
    let full = env.json(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(full["verdict"], "pass", "{full}");
    assert_eq!(full["runs"][0]["passed"], 3, "{full}");
    if let Some(installed) = node_modules {
        assert!(
            installed.is_dir(),
            "the lent node_modules is left as it was"
        );
    }
}

const GO_POOL: &str = "package auth\n\ntype Pool struct{ Free int }\n\nfunc (p *Pool) Take() { p.Free-- }\n\nfunc (p *Pool) Release() { p.Free++ }\n";

#[test]
fn go_fast_checks_run_the_changed_package_and_its_importers() {
    let env = TestEnv::start();
    let scenario = Scenario {
        files: vec![
            ("go.mod", "module example.com/svc\n\ngo 1.19\n".into()),
            ("auth/pool.go", GO_POOL.into()),
            (
                "auth/pool_test.go",
                "package auth\n\nimport \"testing\"\n\nfunc TestReleaseGivesItBack(t *testing.T) {\n\tp := Pool{Free: 2}\n\tp.Take()\n\tp.Release()\n\tif p.Free != 2 {\n\t\tt.Fatalf(\"free = %d, want 2\", p.Free)\n\t}\n}\n".into(),
            ),
            (
                "api/api.go",
                "package api\n\nimport \"example.com/svc/auth\"\n\nfunc Answer() int { p := auth.Pool{Free: 1}; p.Take(); p.Release(); return p.Free }\n".into(),
            ),
            (
                "api/api_test.go",
                "package api\n\nimport \"testing\"\n\nfunc TestSmokeServiceAnswers(t *testing.T) {\n\tif Answer() < 0 {\n\t\tt.Fatal(\"no answer\")\n\t}\n}\n".into(),
            ),
            ("billing/billing.go", "package billing\n\nfunc Total(a, b int) int { return a + b }\n".into()),
            (
                "billing/billing_test.go",
                "package billing\n\nimport \"testing\"\n\nfunc TestInvoicesAddUp(t *testing.T) {\n\tif Total(2, 2) != 4 {\n\t\tt.Fatal(\"sum\")\n\t}\n}\n".into(),
            ),
        ],
        module: "auth/pool.go",
        broken: GO_POOL.replace("p.Free++", "p.Free += 0"),
        fixed: format!("{GO_POOL}\n// Released on every path.\n"),
        runner: "go",
        caught_says: vec![
            "auth/pool.go is in package example.com/svc/auth".into(),
            "example.com/svc/api: imports example.com/svc/auth, which changed".into(),
            "example.com/svc/auth::TestReleaseGivesItBack".into(),
            "free = 1, want 2".into(),
        ],
        unrelated: "TestInvoicesAddUp",
        fast_passes: 2,
        smoke_passes: 1,
    };
    run_scenario(&env, &scenario, None);
}

const JS_POOL: &str = "class Pool {\n  constructor() { this.free = 2; }\n  take() { this.free -= 1; }\n  release() { this.free += 1; }\n}\nmodule.exports = { Pool };\n";

/// The same project for each JavaScript runner: how its test files start
/// (the runner's own imports) and its package.json.
fn js_scenario(runner: &'static str, package: &str, header: &str) -> Scenario {
    let test = |body: &str| format!("{header}{body}");
    Scenario {
        files: vec![
            ("package.json", package.to_owned()),
            ("src/pool.js", JS_POOL.into()),
            (
                "test/pool.test.js",
                test(
                    "const { Pool } = require('../src/pool.js');\ntest('release gives the connection back', () => {\n  const p = new Pool();\n  p.take();\n  p.release();\n  assert.strictEqual(p.free, 2);\n});\n",
                ),
            ),
            (
                "test/api.test.js",
                test(
                    "describe('api', () => {\n  test('smoke: the service answers', () => { assert.ok(true); });\n});\n",
                ),
            ),
            (
                "test/billing.test.js",
                test("test('invoices add up', () => { assert.strictEqual(2 + 2, 4); });\n"),
            ),
        ],
        module: "src/pool.js",
        broken: JS_POOL.replace("this.free += 1;", "/* released later */"),
        fixed: format!("{JS_POOL}// Released on every path.\n"),
        runner,
        caught_says: vec![
            "test/pool.test.js: tests src/pool.js".into(),
            "test/pool.test.js::release gives the connection back".into(),
        ],
        unrelated: "invoices add up",
        fast_passes: 2,
        smoke_passes: 1,
    }
}

#[test]
fn node_test_fast_checks_run_the_tests_that_import_the_change() {
    let env = TestEnv::start();
    let scenario = js_scenario(
        "node-test",
        "{\"name\": \"svc\", \"scripts\": {\"test\": \"node --test\"}}\n",
        "const { test, describe } = require('node:test');\nconst assert = require('node:assert');\n",
    );
    run_scenario(&env, &scenario, None);
}

/// jest and vitest as `scripts/test` installed them, at pinned versions.
fn installed_runners(name: &str) -> PathBuf {
    let modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-runners/node_modules");
    assert!(
        modules.join(".bin").join(name).exists(),
        "{name} is not installed in {}: run scripts/test (or scripts/install-test-runners)",
        modules.display()
    );
    modules
}

#[test]
fn jest_fast_checks_run_from_the_projects_node_modules() {
    let env = TestEnv::start();
    let scenario = js_scenario(
        "jest",
        "{\"name\": \"svc\", \"devDependencies\": {\"jest\": \"30.5.2\"}}\n",
        "const assert = require('node:assert');\n",
    );
    run_scenario(&env, &scenario, Some(&installed_runners("jest")));
}

#[test]
fn vitest_fast_checks_run_from_the_projects_node_modules() {
    let env = TestEnv::start();
    let scenario = js_scenario(
        "vitest",
        "{\"name\": \"svc\", \"devDependencies\": {\"vitest\": \"3.2.4\"}}\n",
        "import { test, describe } from 'vitest';\nimport assert from 'node:assert';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n",
    );
    run_scenario(&env, &scenario, Some(&installed_runners("vitest")));
}

#[test]
fn go_a_retried_pass_is_flaky_and_a_package_that_does_not_build_breaks_the_check() {
    let env = TestEnv::start();
    let project = env.path("project");
    write(&project, "go.mod", "module example.com/svc\n\ngo 1.19\n");
    write(
        &project,
        "conn/conn_test.go",
        "package conn\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestConnectsOnARetry(t *testing.T) {\n\tif _, err := os.Stat(\".tried\"); err != nil {\n\t\t_ = os.WriteFile(\".tried\", nil, 0o600)\n\t\tt.Fatal(\"first try refused\")\n\t}\n}\n",
    );
    init_repo(&project, "service");
    env.deploy("auth-hotfix", "2", "default");
    let flaky = env.json(&["pm", "quality-check", "auth-hotfix"]);
    assert_eq!(flaky["verdict"], "pass", "{flaky}");
    assert_eq!(
        flaky["runs"][0]["flaky"][0], "example.com/svc/conn::TestConnectsOnARetry",
        "{flaky}"
    );

    let agents = env.json(&["agent", "list", "auth-hotfix"]);
    let workdir = PathBuf::from(agents[0]["workdir"].as_str().expect("workdir"));
    write(
        &workdir,
        "conn/conn.go",
        "package conn\n\nfunc Dial() int { return \"no\" }\n",
    );
    git(&workdir, &["add", "."]);
    git(&workdir, &["commit", "-qm", "dial"]);
    let broke = env.run(&["pm", "quality-check", "auth-hotfix", "--fast"]);
    assert_eq!(broke.code, 1, "{}{}", broke.stdout, broke.stderr);
    assert!(broke.stdout.contains("error:"), "{}", broke.stdout);
    assert!(
        broke.stdout.contains("conn/conn.go:3"),
        "the compiler's words: {}",
        broke.stdout
    );
}
