//! What a tier runs, from the files a change touched: the tests in changed
//! test files, the tests of changed modules, and the smoke set; everything
//! when a global file changed. Each choice keeps its reason.

use serde::Serialize;

use super::{Runner, Selection};

pub use super::owners::{GoUnit, JsTest, RustPackage, go_units, is_js_test, relative_imports};
use super::owners::{
    crates_and_dependents, crates_touched, go_packages_touched, js_tests_touched, pytest_tests,
};

/// How much of the suite a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Only the smoke and critical set.
    Smoke,
    /// What the change touched, and the smoke set.
    Fast,
    /// Everything.
    Full,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Smoke => "smoke",
            Tier::Fast => "fast",
            Tier::Full => "full",
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One choice, and why it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chosen {
    pub id: String,
    pub reason: String,
}

/// What a tier will run for a change, with reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub selection: Selection,
    pub chosen: Vec<Chosen>,
}

/// Files that every test may depend on: a change to one runs everything.
fn is_global(runner: Runner, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ci = path.starts_with(".github/") || path.starts_with(".ci/");
    ci || match runner {
        Runner::Pytest => matches!(
            name,
            "conftest.py"
                | "pyproject.toml"
                | "setup.py"
                | "setup.cfg"
                | "pytest.ini"
                | "tox.ini"
                | "requirements.txt"
                | "poetry.lock"
                | "uv.lock"
        ),
        Runner::Nextest | Runner::CargoTest => {
            matches!(
                name,
                "Cargo.lock" | "rust-toolchain" | "rust-toolchain.toml"
            ) || path == "Cargo.toml"
                || path.starts_with(".cargo/")
        }
        Runner::Go => matches!(name, "go.mod" | "go.sum" | "go.work" | "go.work.sum"),
        Runner::NodeTest | Runner::Jest | Runner::Vitest => {
            let config = [
                "jest.config.",
                "vitest.config.",
                "vite.config.",
                "babel.config.",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix));
            config
                || matches!(
                    name,
                    "package.json"
                        | "package-lock.json"
                        | "npm-shrinkwrap.json"
                        | "yarn.lock"
                        | "pnpm-lock.yaml"
                        | "tsconfig.json"
                        | ".babelrc"
                        | ".nvmrc"
                )
        }
    }
}

/// What a selection needs to know of the project: its Python test files,
/// its Rust packages with the directory each lives in ("" for the root),
/// its Go packages (`None` when it is not a Go module; an error when `go
/// list` could not map them), and its JavaScript tests with what they import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub test_files: Vec<String>,
    pub packages: Vec<RustPackage>,
    pub go: Option<Result<Vec<GoUnit>, String>>,
    pub js_tests: Vec<JsTest>,
}

/// The plan for `runner` at `tier`, given the files changed against the
/// base and the project's layout.
pub fn plan(runner: Runner, tier: Tier, changed: &[String], layout: &Layout) -> Plan {
    match tier {
        Tier::Full => Plan {
            selection: Selection::All,
            chosen: vec![Chosen {
                id: "all".into(),
                reason: "the full suite".into(),
            }],
        },
        Tier::Smoke => Plan {
            selection: Selection::Smoke,
            chosen: vec![smoke()],
        },
        Tier::Fast => {
            if let Some(global) = changed.iter().find(|p| is_global(runner, p)) {
                return Plan {
                    selection: Selection::All,
                    chosen: vec![Chosen {
                        id: "all".into(),
                        reason: format!("{global} changed, and every test may depend on it"),
                    }],
                };
            }
            let mut chosen = match runner {
                Runner::Pytest => pytest_tests(changed, &layout.test_files),
                Runner::Nextest => crates_touched(changed, &layout.packages),
                Runner::CargoTest => crates_and_dependents(changed, &layout.packages),
                Runner::Go => match &layout.go {
                    Some(Err(why)) if changed.iter().any(|p| p.ends_with(".go")) => {
                        return Plan {
                            selection: Selection::All,
                            chosen: vec![Chosen {
                                id: "all".into(),
                                reason: format!("the Go packages could not be mapped ({why})"),
                            }],
                        };
                    }
                    Some(Ok(units)) => go_packages_touched(changed, units),
                    _ => Vec::new(),
                },
                Runner::NodeTest | Runner::Jest | Runner::Vitest => {
                    js_tests_touched(changed, &layout.js_tests)
                }
            };
            chosen.push(smoke());
            let ids = chosen
                .iter()
                .filter(|c| c.id != SMOKE)
                .map(|c| c.id.clone())
                .collect();
            Plan {
                selection: Selection::Some {
                    ids,
                    with_smoke: true,
                },
                chosen,
            }
        }
    }
}

const SMOKE: &str = "smoke";

fn smoke() -> Chosen {
    Chosen {
        id: SMOKE.into(),
        reason: "the smoke and critical set (marked or named smoke/critical)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn a_changed_module_selects_its_tests_and_the_smoke_set() {
        let p = plan(
            Runner::Pytest,
            Tier::Fast,
            &s(&["auth/pool.py", "tests/test_login.py"]),
            &Layout {
                test_files: s(&[
                    "tests/test_pool.py",
                    "tests/test_login.py",
                    "tests/test_api.py",
                ]),
                ..Layout::default()
            },
        );
        assert_eq!(
            p.selection,
            Selection::Some {
                ids: s(&["tests/test_pool.py", "tests/test_login.py"]),
                with_smoke: true
            }
        );
        assert_eq!(p.chosen[0].reason, "tests auth/pool.py");
        assert_eq!(p.chosen[1].reason, "a changed test file");
    }

    #[test]
    fn a_global_file_runs_everything_and_says_why() {
        let p = plan(
            Runner::Pytest,
            Tier::Fast,
            &s(&["auth/pool.py", "requirements.txt"]),
            &Layout::default(),
        );
        assert_eq!(p.selection, Selection::All);
        assert!(p.chosen[0].reason.starts_with("requirements.txt changed"));
        let rust = plan(
            Runner::Nextest,
            Tier::Fast,
            &s(&["Cargo.lock"]),
            &Layout::default(),
        );
        assert_eq!(rust.selection, Selection::All);
    }

    #[test]
    fn a_changed_crate_selects_it_and_its_dependents() {
        let layout = Layout {
            packages: vec![
                RustPackage {
                    dir: String::new(),
                    name: "server".into(),
                    deps: vec!["auth-core".into()],
                },
                RustPackage {
                    dir: "crates/auth".into(),
                    name: "auth-core".into(),
                    deps: Vec::new(),
                },
                RustPackage {
                    dir: "crates/billing".into(),
                    name: "billing".into(),
                    deps: Vec::new(),
                },
            ],
            ..Layout::default()
        };
        let changed = s(&["crates/auth/src/pool.rs", "crates/auth/src/lib.rs"]);
        // cargo test has no rdeps: warroom follows the dependencies itself.
        let cargo = plan(Runner::CargoTest, Tier::Fast, &changed, &layout);
        assert_eq!(
            cargo.selection,
            Selection::Some {
                ids: s(&["auth-core", "server"]),
                with_smoke: true
            }
        );
        assert_eq!(
            cargo.chosen[1].reason,
            "depends on auth-core, which changed"
        );
        let p = plan(
            Runner::Nextest,
            Tier::Fast,
            &s(&[
                "crates/auth/src/pool.rs",
                "crates/auth/src/lib.rs",
                "src/main.rs",
            ]),
            &Layout {
                packages: vec![
                    RustPackage {
                        dir: String::new(),
                        name: "server".into(),
                        deps: vec!["auth-core".into()],
                    },
                    RustPackage {
                        dir: "crates/auth".into(),
                        name: "auth-core".into(),
                        deps: Vec::new(),
                    },
                ],
                ..Layout::default()
            },
        );
        assert_eq!(
            p.selection,
            Selection::Some {
                ids: s(&["rdeps(auth-core)", "rdeps(server)"]),
                with_smoke: true
            }
        );
    }
}
