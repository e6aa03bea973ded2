use warroom_model::incident::UnknownName;
use warroom_model::incident::severity::ImpactError;
use warroom_model::span::SpanError;
use warroom_model::{CatalogueError, IncidentError, MessageError, NameError, TargetError};
use warroom_ops::GitError;
use warroom_store::StoreError;
use warroom_tmux::TmuxError;

/// What kind of failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was wrong; nothing was done. Exit 2.
    BadInput,
    /// The action ran and failed. Exit 1.
    Failed,
}

/// What the person can do about an error: words, and the warroom command
/// that does it when there is one. Each front end renders it its way (the
/// CLI prints the command, an API can link it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hint {
    pub text: String,
    pub command: Option<String>,
}

impl Hint {
    /// Prose, with the command split off when the hint ends in one
    /// (`stop it with: warroom team kill x`).
    pub fn new(hint: impl Into<String>) -> Self {
        let hint = hint.into();
        match hint.split_once(": warroom ") {
            Some((text, rest)) if !rest.contains(": warroom ") => Hint {
                text: text.to_owned(),
                command: Some(format!("warroom {rest}")),
            },
            _ => Hint {
                text: hint,
                command: None,
            },
        }
    }
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.command {
            Some(command) => write!(f, "{}: {command}", self.text),
            None => f.write_str(&self.text),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadInput { message: String, hints: Vec<Hint> },
    #[error("{message}")]
    Failed { message: String, hints: Vec<Hint> },
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tmux(#[from] TmuxError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        AppError::BadInput {
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        AppError::Failed {
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        if let AppError::BadInput { hints, .. } | AppError::Failed { hints, .. } = &mut self {
            hints.push(Hint::new(hint));
        }
        self
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| AppError::Io { context, source }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::BadInput { .. } | AppError::Config(_) => ErrorKind::BadInput,
            AppError::Store(
                StoreError::TeamExists(_)
                | StoreError::WindowTaken { .. }
                | StoreError::IncidentExists(_),
            ) => ErrorKind::BadInput,
            _ => ErrorKind::Failed,
        }
    }

    pub fn hints(&self) -> &[Hint] {
        match self {
            AppError::BadInput { hints, .. } | AppError::Failed { hints, .. } => hints,
            _ => &[],
        }
    }
}

macro_rules! bad_input_from {
    ($($t:ty),*) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                AppError::bad_input(e.to_string())
            }
        }
    )*};
}
bad_input_from!(
    NameError,
    TargetError,
    MessageError,
    CatalogueError,
    IncidentError,
    ImpactError,
    UnknownName,
    SpanError
);

#[cfg(test)]
mod tests {
    use super::Hint;

    #[test]
    fn a_hint_ending_in_a_command_carries_it_apart() {
        let h = Hint::new("stop it first with: warroom team kill auth-hotfix");
        assert_eq!(h.text, "stop it first with");
        assert_eq!(h.command.as_deref(), Some("warroom team kill auth-hotfix"));
        assert_eq!(
            h.to_string(),
            "stop it first with: warroom team kill auth-hotfix"
        );
        let prose = Hint::new("for example 2026-11-22T14:05:00Z");
        assert_eq!(prose.command, None);
    }
}
