//! The smoke set a project names in `[checks] smoke`, beside the built-in
//! one (pytest's `smoke`/`critical` markers, tests named smoke/critical):
//! globs matched against test files for pytest, and against test names
//! for nextest (its `test(#glob)` filter) and go (`-run`).

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::ChecksError;

#[derive(Debug, Clone)]
pub struct SmokeSet {
    globs: Vec<String>,
    files: GlobSet,
}

impl Default for SmokeSet {
    fn default() -> Self {
        Self {
            globs: Vec::new(),
            files: GlobSet::empty(),
        }
    }
}

impl SmokeSet {
    /// The set `globs` name; a glob that does not parse is refused, naming it.
    pub fn new(globs: &[String]) -> Result<Self, ChecksError> {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            builder.add(Glob::new(glob).map_err(|e| {
                ChecksError::Unsupported(format!("[checks] smoke glob {glob:?}: {e}"))
            })?);
        }
        let files = builder
            .build()
            .map_err(|e| ChecksError::Unsupported(format!("[checks] smoke: {e}")))?;
        Ok(Self {
            globs: globs.to_vec(),
            files,
        })
    }

    /// Whether the project named no globs.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// The test files (relative paths) in the set.
    pub fn files<'a>(&self, test_files: &'a [String]) -> Vec<&'a String> {
        test_files
            .iter()
            .filter(|f| self.files.is_match(f.as_str()))
            .collect()
    }

    /// A `go test -run` pattern for the set: the built-in names, and each
    /// glob matched against whole test names.
    pub fn go_pattern(&self) -> String {
        std::iter::once("(?i)smoke|critical".to_owned())
            .chain(self.globs.iter().map(|g| format!("^{}$", glob_to_regex(g))))
            .collect::<Vec<_>>()
            .join("|")
    }

    /// A nextest filterset term for the set: the built-in names and each glob.
    pub fn nextest_filter(&self) -> String {
        std::iter::once("test(/smoke|critical/)".to_owned())
            .chain(self.globs.iter().map(|g| format!("test(#{g})")))
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// A glob as an RE2 (Go) regular expression: `*` any run, `?` one
/// character, everything else literal.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c if "\\.+()|[]{}^$".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_pattern_takes_globs_as_whole_names() {
        let set = SmokeSet::new(&["TestLogin*".into(), "Test?ay.V1".into()]).expect("globs");
        assert_eq!(
            set.go_pattern(),
            "(?i)smoke|critical|^TestLogin.*$|^Test.ay\\.V1$"
        );
    }
}
