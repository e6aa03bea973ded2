//! Verdicts from JUnit XML, as the runners write it (pytest `--junitxml`,
//! nextest's JUnit profile): never from their human output.

use std::path::Path;

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde::Serialize;

use super::ChecksError;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestStatus {
    Passed,
    /// Passed after failing first: reported apart, never as a plain pass.
    Flaky,
    Failed,
    /// The test broke rather than asserted (an exception, a crash): a
    /// failure for the gate.
    Error,
    Skipped,
}

/// One test of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestResult {
    /// `tests/test_auth.py::test_login` (pytest), `crate::module::test` (nextest).
    pub name: String,
    pub status: TestStatus,
    /// What the runner said about a failure: its message, then its text.
    pub message: Option<String>,
}

/// Every test case of a JUnit file.
pub fn parse(path: &Path) -> Result<Vec<TestResult>, ChecksError> {
    let text = std::fs::read_to_string(path).map_err(|source| ChecksError::Io {
        what: format!("reading the results {}", path.display()),
        source,
    })?;
    parse_str(&text, &path.display().to_string())
}

/// Every test case of a JUnit document; `origin` names it in errors.
pub fn parse_str(text: &str, origin: &str) -> Result<Vec<TestResult>, ChecksError> {
    let text = whitespace_references(text);
    let report =
        Report::deserialize_from_str(&named_root(&text)).map_err(|e| ChecksError::Results {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
    let mut tests = Vec::new();
    for suite in &report.test_suites {
        for case in &suite.test_cases {
            let classname = case.classname.as_ref().map(|c| c.as_str()).unwrap_or("");
            let name = if classname.is_empty() {
                case.name.as_str().to_owned()
            } else {
                format!("{classname}::{}", case.name.as_str())
            };
            let (status, message) = match &case.status {
                TestCaseStatus::Success { flaky_runs } if flaky_runs.is_empty() => {
                    (TestStatus::Passed, None)
                }
                TestCaseStatus::Success { .. } => (TestStatus::Flaky, None),
                TestCaseStatus::NonSuccess {
                    kind,
                    message,
                    description,
                    ..
                } => {
                    // libtest says why only in the test's captured output.
                    let captured = case
                        .system_out
                        .as_ref()
                        .filter(|_| message.is_none() && description.is_none());
                    let said = [message.as_ref(), description.as_ref(), captured]
                        .into_iter()
                        .flatten()
                        .map(|s| s.as_str().trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join("\n");
                    let status = match kind {
                        NonSuccessKind::Failure => TestStatus::Failed,
                        NonSuccessKind::Error => TestStatus::Error,
                    };
                    (status, (!said.is_empty()).then_some(said))
                }
                TestCaseStatus::Skipped { .. } => (TestStatus::Skipped, None),
            };
            tests.push(TestResult {
                name,
                status,
                message,
            });
        }
    }
    Ok(tests)
}

/// libtest writes line breaks as character references (`&#xA;`), which the
/// reader does not resolve; they are written out here. Only whitespace: a
/// reference to `<` or `&` must stay one.
fn whitespace_references(text: &str) -> std::borrow::Cow<'_, str> {
    const REFERENCES: [(&str, &str); 6] = [
        ("&#xA;", "\n"),
        ("&#10;", "\n"),
        ("&#xD;", "\r"),
        ("&#13;", "\r"),
        ("&#x9;", "\t"),
        ("&#9;", "\t"),
    ];
    if !REFERENCES.iter().any(|(r, _)| text.contains(r)) {
        return text.into();
    }
    let mut out = text.to_owned();
    for (reference, character) in REFERENCES {
        out = out.replace(reference, character);
    }
    out.into()
}

/// JUnit makes every attribute optional; the reader wants the root named.
/// pytest writes a bare `<testsuites>`, so it gets a name here.
fn named_root(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = text.find("<testsuites") else {
        return text.into();
    };
    let end = text[start..].find('>').map_or(text.len(), |e| start + e);
    if text[start..end].contains(" name=") {
        return text.into();
    }
    let at = start + "<testsuites".len();
    format!("{} name=\"results\"{}", &text[..at], &text[at..]).into()
}
