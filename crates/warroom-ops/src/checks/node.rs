//! JavaScript and TypeScript tests: node's own runner (`node --test`)
//! through a reporter of warroom's that writes one JSON line per test
//! (node's JUnit reporter names no file and is missing from Node 18), jest
//! with its JSON report, vitest with its JUnit report. Jest and vitest run
//! from the project's `node_modules`, as its own scripts would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;

use super::runners::{Part, in_parts, mark_flaky};
use super::{
    ChecksError, Runner, Selection, SmokeSet, TestResult, TestRun, TestStatus, io, junit, tail,
    verdict,
};

/// Test names that mark the smoke set, as a JavaScript regular expression
/// (jest and vitest take its source; node takes the literal form).
const SMOKE_NAMES: &str = "[Ss]moke|[Cc]ritical|SMOKE|CRITICAL";

/// Written beside the results and given to `node --test`.
const REPORTER: &str = r#"// warroom's reporter for node --test: one JSON line per test.
const stack = [];
const where = (error) => {
  const cause = error?.cause ?? error;
  if (!cause) return null;
  const text = String(cause.stack ?? cause);
  return text.split('\n').filter((l) => !/node:(internal|async_hooks)/.test(l)).join('\n');
};
export default async function* warroom(source) {
  for await (const { type, data } of source) {
    if (type === 'test:start') {
      stack.length = data.nesting;
      stack.push(data.name);
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    if (data.details?.type === 'suite') continue;
    const name = [...stack.slice(0, data.nesting), data.name].join(' > ');
    const skipped = Boolean(data.skip || data.todo);
    const status = skipped ? 'skipped' : type === 'test:pass' ? 'passed' : 'failed';
    const message = status === 'failed' ? where(data.details?.error) : null;
    yield JSON.stringify({ file: data.file ?? null, name, status, message }) + '\n';
  }
}
"#;

pub(super) fn run(
    runner: Runner,
    dir: &Path,
    selection: &Selection,
    results_dir: &Path,
    smoke: &SmokeSet,
) -> Result<TestRun, ChecksError> {
    let test_files = if smoke.is_empty() {
        Vec::new()
    } else {
        super::js_test_files(dir)
    };
    let smoke_files: Vec<String> = smoke.files(&test_files).into_iter().cloned().collect();
    in_parts(selection, &smoke_files, results_dir, |part, at| {
        let (files, names) = match part {
            Part::All => (&[][..], None),
            Part::These(files) => (files, None),
            Part::SmokeNames => (&[][..], Some(SMOKE_NAMES)),
        };
        let started = Instant::now();
        let first = once(runner, dir, files, names, &at.join("first"))?;
        let mut tests = first.tests;
        let failed_files: Vec<String> = tests
            .iter()
            .filter(|t| matches!(t.status, TestStatus::Failed | TestStatus::Error))
            .filter_map(|t| t.name.split_once("::").map(|(file, _)| file.to_owned()))
            .fold(Vec::new(), |mut files, f| {
                if !files.contains(&f) {
                    files.push(f);
                }
                files
            });
        if !failed_files.is_empty() {
            let again = once(runner, dir, &failed_files, names, &at.join("retry"))?;
            mark_flaky(&mut tests, &again.tests);
        }
        Ok(TestRun {
            runner,
            verdict: verdict(&tests, first.broke),
            tests,
            duration: started.elapsed(),
            results: first.results,
            output_tail: first.broke.then(|| tail(&first.output, 20)),
        })
    })
}

struct Once {
    tests: Vec<TestResult>,
    broke: bool,
    results: PathBuf,
    output: String,
}

/// One invocation of `runner` on `files` (all when empty), narrowed to the
/// test names `names` matches.
fn once(
    runner: Runner,
    dir: &Path,
    files: &[String],
    names: Option<&str>,
    results_dir: &Path,
) -> Result<Once, ChecksError> {
    std::fs::create_dir_all(results_dir)
        .map_err(io(format!("creating {}", results_dir.display())))?;
    let results_dir = std::path::absolute(results_dir)
        .map_err(io(format!("resolving {}", results_dir.display())))?;
    let (mut cmd, results) = match runner {
        Runner::Jest => {
            let results = results_dir.join("jest.json");
            let mut cmd = project_bin(dir, "jest")?;
            cmd.args(["--ci", "--json", "--passWithNoTests"])
                .arg(format!("--outputFile={}", results.display()));
            if let Some(names) = names {
                cmd.args(["-t", names]);
            }
            if !files.is_empty() {
                cmd.arg("--runTestsByPath").args(files);
            }
            (cmd, results)
        }
        Runner::Vitest => {
            let results = results_dir.join("vitest-junit.xml");
            let mut cmd = project_bin(dir, "vitest")?;
            cmd.args(["run", "--reporter=junit", "--passWithNoTests"])
                .arg(format!("--outputFile={}", results.display()));
            if let Some(names) = names {
                cmd.args(["-t", names]);
            }
            cmd.args(files);
            (cmd, results)
        }
        _ => {
            let results = results_dir.join("node-test.jsonl");
            let reporter = results_dir.join("warroom-reporter.mjs");
            std::fs::write(&reporter, REPORTER)
                .map_err(io(format!("writing {}", reporter.display())))?;
            let mut cmd = Command::new("node");
            cmd.arg("--test")
                .arg(format!("--test-reporter={}", reporter.display()))
                .arg(format!("--test-reporter-destination={}", results.display()));
            if let Some(names) = names {
                cmd.arg(format!("--test-name-pattern=/{names}/"));
            }
            cmd.args(files);
            (cmd, results)
        }
    };
    let _ = std::fs::remove_file(&results);
    cmd.current_dir(dir).env("CI", "true");
    let out = cmd
        .output()
        .map_err(io(format!("running {runner} (is node installed?)")))?;
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    let tests = if results.exists() {
        match runner {
            Runner::Jest => parse_jest(&results, dir)?,
            Runner::Vitest => junit::parse(&results)?,
            _ => parse_node(&results, dir)?,
        }
    } else {
        Vec::new()
    };
    // 0 passed, 1 tests failed; no results, or any other end, broke.
    let broke = !results.exists() || !matches!(out.status.code(), Some(0 | 1));
    Ok(Once {
        tests,
        broke,
        results,
        output,
    })
}

/// A runner the project installed (`node_modules/.bin`), or why not.
fn project_bin(dir: &Path, name: &str) -> Result<Command, ChecksError> {
    let bin = dir.join("node_modules/.bin").join(name);
    if !bin.exists() {
        return Err(ChecksError::Unsupported(format!(
            "the project uses {name}, but {} is missing: run npm install in the project",
            bin.display()
        )));
    }
    Ok(Command::new(bin))
}

/// `file` relative to the project, as selection names test files.
fn relative(file: &str, dir: &Path) -> String {
    let path = Path::new(file);
    let roots = [Some(dir.to_path_buf()), std::fs::canonicalize(dir).ok()];
    roots
        .iter()
        .flatten()
        .find_map(|root| path.strip_prefix(root).ok())
        .map_or_else(|| file.to_owned(), |rel| rel.to_string_lossy().into_owned())
}

#[derive(Deserialize)]
struct NodeLine {
    file: Option<String>,
    name: String,
    status: String,
    message: Option<String>,
}

/// The JSON lines warroom's reporter wrote.
fn parse_node(results: &Path, dir: &Path) -> Result<Vec<TestResult>, ChecksError> {
    let text = std::fs::read_to_string(results)
        .map_err(io(format!("reading the results {}", results.display())))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let l: NodeLine = serde_json::from_str(line).map_err(|e| ChecksError::Results {
                path: results.display().to_string(),
                message: e.to_string(),
            })?;
            let file = l.file.map(|f| relative(&f, dir)).unwrap_or_default();
            Ok(TestResult {
                name: format!("{file}::{}", l.name),
                status: status(&l.status),
                message: l.message,
            })
        })
        .collect()
}

fn status(word: &str) -> TestStatus {
    match word {
        "passed" => TestStatus::Passed,
        "failed" => TestStatus::Failed,
        _ => TestStatus::Skipped,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JestReport {
    test_results: Vec<JestFile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JestFile {
    name: String,
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    assertion_results: Vec<JestAssertion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JestAssertion {
    #[serde(default)]
    ancestor_titles: Vec<String>,
    title: String,
    status: String,
    #[serde(default)]
    failure_messages: Vec<String>,
}

/// jest's `--json` report: each assertion a test; a file that failed
/// without any (it did not load) a broken test of its own.
fn parse_jest(results: &Path, dir: &Path) -> Result<Vec<TestResult>, ChecksError> {
    let text = std::fs::read_to_string(results)
        .map_err(io(format!("reading the results {}", results.display())))?;
    let report: JestReport = serde_json::from_str(&text).map_err(|e| ChecksError::Results {
        path: results.display().to_string(),
        message: e.to_string(),
    })?;
    let mut tests = Vec::new();
    for file in report.test_results {
        let path = relative(&file.name, dir);
        if file.assertion_results.is_empty() && file.status == "failed" {
            tests.push(TestResult {
                name: format!("{path}::(file)"),
                status: TestStatus::Error,
                message: Some(file.message.trim().to_owned()),
            });
        }
        for a in file.assertion_results {
            let mut name = a.ancestor_titles;
            name.push(a.title);
            let said = a.failure_messages.join("\n");
            tests.push(TestResult {
                name: format!("{path}::{}", name.join(" > ")),
                status: status(&a.status),
                message: (!said.trim().is_empty()).then(|| said.trim().to_owned()),
            });
        }
    }
    Ok(tests)
}
