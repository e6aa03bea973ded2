//! Which tests own a changed file, per ecosystem: Python test files named
//! for a module, Rust packages and their dependents, Go packages and the
//! packages importing them, JavaScript test files importing a module.

use std::path::Path;

use super::go::GoPackage;
use super::select::Chosen;

fn is_python_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
}

/// Changed test files, and the test files named for a changed module
/// (`auth/pool.py` → `test_pool.py`).
pub(super) fn pytest_tests(changed: &[String], test_files: &[String]) -> Vec<Chosen> {
    let mut chosen: Vec<Chosen> = Vec::new();
    let mut add = |id: &str, reason: String| {
        if !chosen.iter().any(|c| c.id == id) {
            chosen.push(Chosen {
                id: id.to_owned(),
                reason,
            });
        }
    };
    for path in changed {
        if is_python_test(path) {
            add(path, "a changed test file".into());
            continue;
        }
        let Some(module) = path.rsplit('/').next().and_then(|n| n.strip_suffix(".py")) else {
            continue;
        };
        for test in test_files {
            let name = test.rsplit('/').next().unwrap_or(test);
            if name == format!("test_{module}.py") || name == format!("{module}_test.py") {
                add(test, format!("tests {path}"));
            }
        }
    }
    chosen
}

/// A Rust package: its directory relative to the workspace root ("" for
/// the root), its name, and the names of the packages it depends on
/// (normal, dev and build dependencies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustPackage {
    pub dir: String,
    pub name: String,
    pub deps: Vec<String>,
}

/// The package owning `path`: the one whose directory is the longest
/// prefix of it.
fn rust_owner<'a>(path: &str, packages: &'a [RustPackage]) -> Option<&'a RustPackage> {
    packages
        .iter()
        .filter(|p| p.dir.is_empty() || path.starts_with(&format!("{}/", p.dir)))
        .max_by_key(|p| p.dir.len())
}

/// The packages holding changed files, as nextest filterset terms that
/// take in every package depending on them (`rdeps`).
pub(super) fn crates_touched(changed: &[String], packages: &[RustPackage]) -> Vec<Chosen> {
    let mut chosen: Vec<Chosen> = Vec::new();
    for path in changed {
        let Some(owner) = rust_owner(path, packages) else {
            continue;
        };
        let id = format!("rdeps({})", owner.name);
        if !chosen.iter().any(|c| c.id == id) {
            chosen.push(Chosen {
                id,
                reason: format!(
                    "{path} is in package {}; its tests and its dependents'",
                    owner.name
                ),
            });
        }
    }
    chosen
}

/// The packages holding changed files and every package depending on
/// them, directly or through others, by name (for `cargo test -p`).
pub(super) fn crates_and_dependents(changed: &[String], packages: &[RustPackage]) -> Vec<Chosen> {
    owners_and_dependents(
        changed,
        packages,
        |path| rust_owner(path, packages),
        |p| &p.name,
        |p| &p.deps,
        "depends on",
    )
}

/// The units owning changed files (`owner_of`), then every unit whose
/// `needs` name a chosen one, directly or through others, until none is
/// added; each with its reason (`"{verb} {dep}, which changed"`).
fn owners_and_dependents<'a, U>(
    changed: &[String],
    units: &'a [U],
    owner_of: impl Fn(&str) -> Option<&'a U>,
    id: impl Fn(&U) -> &String,
    needs: impl Fn(&U) -> &Vec<String>,
    verb: &str,
) -> Vec<Chosen> {
    let mut chosen: Vec<Chosen> = Vec::new();
    for path in changed {
        if let Some(owner) = owner_of(path)
            && !chosen.iter().any(|c| &c.id == id(owner))
        {
            chosen.push(Chosen {
                id: id(owner).clone(),
                reason: format!("{path} is in package {}", id(owner)),
            });
        }
    }
    loop {
        let before = chosen.len();
        for unit in units {
            if chosen.iter().any(|c| &c.id == id(unit)) {
                continue;
            }
            if let Some(dep) = needs(unit)
                .iter()
                .find(|d| chosen.iter().any(|c| &c.id == *d))
            {
                chosen.push(Chosen {
                    id: id(unit).clone(),
                    reason: format!("{verb} {dep}, which changed"),
                });
            }
        }
        if chosen.len() == before {
            return chosen;
        }
    }
}

/// A Go package, its directory relative to the module root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoUnit {
    pub dir: String,
    pub import_path: String,
    /// What the package and its tests import.
    pub imports: Vec<String>,
}

/// `go list`'s packages as units of the project at `root`.
pub fn go_units(root: &Path, packages: Vec<GoPackage>) -> Vec<GoUnit> {
    let roots = [Some(root.to_path_buf()), std::fs::canonicalize(root).ok()];
    packages
        .into_iter()
        .map(|p| {
            let dir = roots
                .iter()
                .flatten()
                .find_map(|r| Path::new(&p.dir).strip_prefix(r).ok())
                .map(|rel| rel.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.dir.clone());
            GoUnit {
                dir,
                imports: p.all_imports().cloned().collect(),
                import_path: p.import_path,
            }
        })
        .collect()
}

/// The packages holding changed files, and every package importing one of
/// them, directly or through others.
pub(super) fn go_packages_touched(changed: &[String], units: &[GoUnit]) -> Vec<Chosen> {
    owners_and_dependents(
        changed,
        units,
        |path| {
            units
                .iter()
                .filter(|u| u.dir.is_empty() || path.starts_with(&format!("{}/", u.dir)))
                .max_by_key(|u| u.dir.len())
        },
        |u| &u.import_path,
        |u| &u.imports,
        "imports",
    )
}

/// A JavaScript or TypeScript test file, and the stems of the modules it
/// imports by relative path (`../src/pool.js` → `pool`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsTest {
    pub path: String,
    pub imports: Vec<String>,
}

const JS_EXTENSIONS: [&str; 8] = ["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"];

/// A JavaScript or TypeScript file's stem (`pool` for `src/pool.test.ts`
/// is `pool.test`), when it is one.
fn js_stem(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let (stem, ext) = name.rsplit_once('.')?;
    JS_EXTENSIONS.contains(&ext).then_some(stem)
}

/// Whether `path` is a test file by the conventions node, jest and vitest
/// share.
pub fn is_js_test(path: &str) -> bool {
    let Some(stem) = js_stem(path) else {
        return false;
    };
    let in_test_dir = path
        .split('/')
        .rev()
        .skip(1)
        .any(|d| matches!(d, "test" | "tests" | "__tests__"));
    stem.ends_with(".test") || stem.ends_with(".spec") || stem == "test" || in_test_dir
}

/// The stems of the modules `source` names by a relative path in quotes
/// (`import … from '../src/pool.js'`, `require("./pool")`).
pub fn relative_imports(source: &str) -> Vec<String> {
    let mut stems = Vec::new();
    for quote in ['\'', '"', '`'] {
        for (i, piece) in source.split(quote).enumerate() {
            if i % 2 == 0 || !(piece.starts_with("./") || piece.starts_with("../")) {
                continue;
            }
            let name = piece.rsplit('/').next().unwrap_or(piece);
            let stem = js_stem(name).unwrap_or(name).to_owned();
            if !stem.is_empty() && !stems.contains(&stem) {
                stems.push(stem);
            }
        }
    }
    stems
}

/// Changed test files, and the test files importing a changed module or
/// named for it (`pool.js` → `pool.test.js`).
pub(super) fn js_tests_touched(changed: &[String], tests: &[JsTest]) -> Vec<Chosen> {
    let mut chosen: Vec<Chosen> = Vec::new();
    let mut add = |id: &str, reason: String| {
        if !chosen.iter().any(|c| c.id == id) {
            chosen.push(Chosen {
                id: id.to_owned(),
                reason,
            });
        }
    };
    for path in changed {
        if is_js_test(path) {
            add(path, "a changed test file".into());
            continue;
        }
        let Some(stem) = js_stem(path) else {
            continue;
        };
        for test in tests {
            let test_stem = js_stem(&test.path).unwrap_or_default();
            let named = test_stem == format!("{stem}.test") || test_stem == format!("{stem}.spec");
            if named || test.imports.iter().any(|i| i == stem) {
                add(&test.path, format!("tests {path}"));
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn a_changed_go_package_selects_its_importers_through_others() {
        let unit = |dir: &str, path: &str, imports: &[&str]| GoUnit {
            dir: dir.into(),
            import_path: path.into(),
            imports: s(imports),
        };
        let units = [
            unit("auth", "svc/auth", &["testing"]),
            unit("api", "svc/api", &["svc/auth"]),
            unit("web", "svc/web", &["svc/api"]),
            unit("util", "svc/util", &[]),
        ];
        let chosen = go_packages_touched(&s(&["auth/pool.go"]), &units);
        let ids: Vec<&str> = chosen.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["svc/auth", "svc/api", "svc/web"]);
        assert_eq!(chosen[0].reason, "auth/pool.go is in package svc/auth");
        assert_eq!(chosen[2].reason, "imports svc/api, which changed");
    }

    #[test]
    fn a_changed_js_module_selects_the_tests_that_import_it() {
        let imports = relative_imports(
            "import { size } from '../src/pool.js';\nconst x = require(\"./helpers\");\nimport t from 'node:test';",
        );
        assert_eq!(imports, ["pool", "helpers"]);
        let tests = [
            JsTest {
                path: "test/api.test.js".into(),
                imports,
            },
            JsTest {
                path: "src/login.spec.ts".into(),
                imports: Vec::new(),
            },
            JsTest {
                path: "test/other.test.js".into(),
                imports: s(&["other"]),
            },
        ];
        let chosen = js_tests_touched(&s(&["src/pool.js", "src/login.ts"]), &tests);
        let ids: Vec<&str> = chosen.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["test/api.test.js", "src/login.spec.ts"]);
        assert!(is_js_test("test/helpers/setup.mjs"));
        assert!(is_js_test("src/__tests__/pool.ts"));
        assert!(!is_js_test("src/pool.js"));
        assert!(!is_js_test("test/data.json"));
    }
}
