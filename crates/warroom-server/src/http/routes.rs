//! The API's paths (stable: scripts rely on them) and the one way each
//! handler runs: check the token, call an app method on a blocking thread,
//! render the view or the error as JSON.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use warroom_app::{App, AppError, AuthError, ErrorKind, Scope, TodoAdd, UpdateInput};
use warroom_model::MessageId;

use super::extract::{ApiJson, ApiQuery};
use super::{Shared, page, stream};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/teams", get(teams))
        .route("/api/v1/teams/{name}", get(team))
        .route("/api/v1/teams/{name}/messages", get(messages).post(send))
        .route("/api/v1/teams/{name}/rollout", get(rollout))
        .route("/api/v1/teams/{name}/dashboard", get(dashboard))
        .route("/api/v1/incidents", get(incidents))
        .route("/api/v1/incidents/{id}", get(incident))
        .route("/api/v1/incidents/{id}/todos", get(todos).post(add_todo))
        .route("/api/v1/incidents/{id}/updates", post(post_update))
        .route("/api/v1/todos/{id}/done", post(todo_done))
        .route("/api/v1/events", get(stream::events))
        .route("/status", get(page::status))
        .route("/status.json", get(page::status_json))
        .route("/status/events", get(stream::public_events))
        // No token, no app, no store: the floor a benchmark compares with.
        .route("/ping", get(|| async { "ok" }))
        .with_state(shared)
}

/// `?token=` for what cannot send a header (a browser's page and its
/// EventSource); a header wins.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenQuery {
    pub token: Option<String>,
    pub all: Option<bool>,
    pub after: Option<i64>,
}

pub(crate) fn bearer(headers: &HeaderMap, query: &TokenQuery) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| query.token.clone())
}

#[derive(Serialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize)]
struct ErrorDetail {
    kind: &'static str,
    message: String,
    hints: Vec<warroom_app::Hint>,
}

pub(crate) fn refusal(status: StatusCode, kind: &'static str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            kind,
            message,
            hints: Vec::new(),
        },
    };
    (status, Json(body)).into_response()
}

pub(crate) fn auth_refusal(e: &AuthError) -> Response {
    match e {
        AuthError::ReadOnly => refusal(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
        _ => refusal(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string()),
    }
}

fn app_refusal(e: &AppError) -> Response {
    let (status, kind) = match e.kind() {
        ErrorKind::BadInput if e.to_string().starts_with("no ") => {
            (StatusCode::NOT_FOUND, "not-found")
        }
        ErrorKind::BadInput => (StatusCode::BAD_REQUEST, "bad-input"),
        ErrorKind::Failed => (StatusCode::INTERNAL_SERVER_ERROR, "failed"),
    };
    let body = ErrorBody {
        error: ErrorDetail {
            kind,
            message: e.to_string(),
            hints: e.hints().to_vec(),
        },
    };
    (status, Json(body)).into_response()
}

enum Refused {
    Auth(AuthError),
    App(AppError),
}

/// Authorises, then runs `f` on a blocking thread: a write as the token's
/// holder (its name is the actor of what it changes). A refusal comes back
/// as the response to send.
pub(crate) async fn run<T, F>(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    query: &TokenQuery,
    need: Scope,
    f: F,
) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&App) -> Result<T, AppError> + Send + 'static,
{
    let app = Arc::clone(&shared.app);
    let token = bearer(headers, query);
    let anonymous = shared.anonymous_reads;
    let done = tokio::task::spawn_blocking(move || {
        let who = app
            .authorize(token.as_deref(), need, anonymous)
            .map_err(Refused::Auth)?;
        match (who, need) {
            (Some(token), Scope::Write) => app.acting_for(&token.name, f),
            _ => f(&app),
        }
        .map_err(Refused::App)
    })
    .await;
    match done {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(Refused::Auth(e))) => Err(auth_refusal(&e)),
        Ok(Err(Refused::App(e))) => Err(app_refusal(&e)),
        Err(e) => Err(refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed",
            format!("the request's work failed: {e}"),
        )),
    }
}

/// [`run`], its view rendered as JSON.
pub(crate) async fn call<T, F>(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    query: &TokenQuery,
    need: Scope,
    f: F,
) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&App) -> Result<T, AppError> + Send + 'static,
{
    match run(shared, headers, query, need, f).await {
        Ok(value) => Json(value).into_response(),
        Err(refused) => refused,
    }
}

type S = State<Arc<Shared>>;
type Q = ApiQuery;

async fn teams(State(s): S, h: HeaderMap, ApiQuery(q): Q) -> Response {
    call(&s, &h, &q, Scope::Read, |app| app.list_teams()).await
}

async fn team(State(s): S, h: HeaderMap, ApiQuery(q): Q, Path(name): Path<String>) -> Response {
    call(&s, &h, &q, Scope::Read, move |app| app.team_status(&name)).await
}

async fn messages(State(s): S, h: HeaderMap, ApiQuery(q): Q, Path(name): Path<String>) -> Response {
    let after = MessageId(q.after.unwrap_or(0));
    call(&s, &h, &q, Scope::Read, move |app| {
        app.messages(&name, after)
    })
    .await
}

async fn rollout(State(s): S, h: HeaderMap, ApiQuery(q): Q, Path(name): Path<String>) -> Response {
    call(&s, &h, &q, Scope::Read, move |app| {
        app.rollout_status(&name)
    })
    .await
}

async fn dashboard(
    State(s): S,
    h: HeaderMap,
    ApiQuery(q): Q,
    Path(name): Path<String>,
) -> Response {
    call(&s, &h, &q, Scope::Read, move |app| {
        app.dashboard(Some(&name), false)
    })
    .await
}

async fn incidents(State(s): S, h: HeaderMap, ApiQuery(q): Q) -> Response {
    let all = q.all.unwrap_or(false);
    call(&s, &h, &q, Scope::Read, move |app| app.list_incidents(all)).await
}

async fn incident(State(s): S, h: HeaderMap, ApiQuery(q): Q, Path(id): Path<String>) -> Response {
    call(&s, &h, &q, Scope::Read, move |app| app.incident_status(&id)).await
}

async fn todos(State(s): S, h: HeaderMap, ApiQuery(q): Q, Path(id): Path<String>) -> Response {
    let all = q.all.unwrap_or(false);
    call(&s, &h, &q, Scope::Read, move |app| app.list_todos(&id, all)).await
}

#[derive(Deserialize)]
struct SendBody {
    /// `auth-hotfix:0`, `auth-hotfix:pm` or an agent id; a bare role or
    /// window is taken within the team of the path.
    to: String,
    text: String,
}

async fn send(
    State(s): S,
    h: HeaderMap,
    ApiQuery(q): Q,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<SendBody>,
) -> Response {
    call(&s, &h, &q, Scope::Write, move |app| {
        app.send_in_team(&name, &body.to, &body.text)
    })
    .await
}

#[derive(Deserialize)]
struct TodoBody {
    title: String,
    owner: Option<String>,
    priority: Option<String>,
}

async fn add_todo(
    State(s): S,
    h: HeaderMap,
    ApiQuery(q): Q,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TodoBody>,
) -> Response {
    call(&s, &h, &q, Scope::Write, move |app| {
        app.add_todo(
            &id,
            &TodoAdd {
                title: &body.title,
                owner: body.owner.as_deref(),
                priority: body.priority.as_deref(),
                due: None,
                gate: None,
                kind: None,
                after: &[],
            },
        )
    })
    .await
}

#[derive(Deserialize)]
struct DoneBody {
    note: Option<String>,
}

async fn todo_done(
    State(s): S,
    h: HeaderMap,
    ApiQuery(q): Q,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DoneBody>,
) -> Response {
    call(&s, &h, &q, Scope::Write, move |app| {
        app.finish_todo(&id, body.note.as_deref(), false)
    })
    .await
}

#[derive(Deserialize)]
struct UpdateBody {
    text: String,
    status: Option<String>,
}

async fn post_update(
    State(s): S,
    h: HeaderMap,
    ApiQuery(q): Q,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Response {
    call(&s, &h, &q, Scope::Write, move |app| {
        app.post_update(
            &id,
            &UpdateInput {
                status: body.status.as_deref(),
                text: &body.text,
                conditions: None,
                actions: &[],
                needs: &[],
            },
        )
    })
    .await
}
