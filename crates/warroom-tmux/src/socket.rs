use std::fmt;
use std::path::PathBuf;

/// Which tmux server: a name under tmux's socket directory (`-L`) or an
/// explicit socket path (`-S`, what tests use, inside a temp dir).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Socket {
    Name(String),
    Path(PathBuf),
}

impl Socket {
    pub const DEFAULT_NAME: &'static str = "warroom";

    /// A value with a '/' is a path; anything else is a name.
    pub fn parse(value: &str) -> Self {
        if value.contains('/') {
            Socket::Path(PathBuf::from(value))
        } else {
            Socket::Name(value.to_owned())
        }
    }

    pub(crate) fn args(&self) -> [std::ffi::OsString; 2] {
        match self {
            Socket::Name(n) => ["-L".into(), n.into()],
            Socket::Path(p) => ["-S".into(), p.into()],
        }
    }
}

impl Default for Socket {
    fn default() -> Self {
        Socket::Name(Self::DEFAULT_NAME.to_owned())
    }
}

impl fmt::Display for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Socket::Name(n) => f.write_str(n),
            Socket::Path(p) => write!(f, "{}", p.display()),
        }
    }
}
