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

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadInput { message: String, hints: Vec<String> },
    #[error("{message}")]
    Failed { message: String, hints: Vec<String> },
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
            hints.push(hint.into());
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

    pub fn hints(&self) -> &[String] {
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
