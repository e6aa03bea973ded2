//! The daemon's HTTP API, its live event stream and the stakeholders'
//! status page (axum on a tokio runtime of its own thread). Every handler
//! checks the caller's token, calls one `warroom-app` method on a blocking
//! thread and renders its view as JSON (or, for `/status`, as HTML).

mod extract;
mod page;
mod routes;
mod stream;

use std::net::SocketAddr;
use std::sync::Arc;

use warroom_app::App;

/// Where and how the API is served.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    /// Reads without a token (loopback only).
    pub anonymous_reads: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Refused(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// The settings from the configuration, checked: an address that is not
/// loopback is served only when tokens exist, and never without them.
pub fn settings(app: &App) -> Result<Option<HttpSettings>, HttpError> {
    let config = &app.config().http;
    if !config.enabled {
        return Ok(None);
    }
    let listen: SocketAddr = config
        .listen
        .parse()
        .map_err(|e| HttpError::Refused(format!("[http] listen = {:?}: {e}", config.listen)))?;
    let loopback = listen.ip().is_loopback();
    if config.anonymous_reads && !loopback {
        return Err(HttpError::Refused(format!(
            "[http] anonymous_reads is for a loopback address only, not {listen}"
        )));
    }
    if !loopback {
        let live = app
            .list_tokens()
            .map_err(|e| HttpError::Refused(e.to_string()))?
            .iter()
            .any(|t| t.revoked_at.is_none());
        if !live {
            return Err(HttpError::Refused(format!(
                "not serving {listen}: it is not loopback and no token exists (warroom token create --scope read)"
            )));
        }
    }
    Ok(Some(HttpSettings {
        listen,
        anonymous_reads: config.anonymous_reads,
    }))
}

/// Shared by every handler.
pub(crate) struct Shared {
    pub app: Arc<App>,
    pub anonymous_reads: bool,
}

/// Serves until the process ends; `on_bound` hears the address once bound.
pub fn serve(
    app: Arc<App>,
    settings: HttpSettings,
    on_bound: impl FnOnce(SocketAddr) + Send + 'static,
) -> Result<(), HttpError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("http")
        .enable_all()
        .build()
        .map_err(|source| HttpError::Io {
            what: "starting the HTTP runtime".into(),
            source,
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|source| HttpError::Io {
                what: format!("listening on {}", settings.listen),
                source,
            })?;
        let bound = listener.local_addr().map_err(|source| HttpError::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        on_bound(bound);
        let shared = Arc::new(Shared {
            app,
            anonymous_reads: settings.anonymous_reads,
        });
        axum::serve(listener, routes::router(shared))
            .await
            .map_err(|source| HttpError::Io {
                what: "serving HTTP".into(),
                source,
            })
    })
}
