//! The live event stream (server-sent events): every event as it is
//! appended, each with its id, so a client that reconnects with
//! `Last-Event-ID` (or `?after=`) misses none and gets none twice. Each
//! stream reads the log after its last id every 100 ms: one indexed query.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use warroom_app::{App, EventView, Scope};

use super::Shared;
use super::extract::ApiQuery;
use super::routes::{TokenQuery, run};

const POLL: Duration = Duration::from_millis(100);
const PAGE: usize = 500;

/// Where a stream starts: after the client's last event, or now.
fn start(headers: &HeaderMap, query: &TokenQuery) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.after)
}

async fn authorised(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<(), Response> {
    run(shared, headers, query, Scope::Read, |_| Ok(())).await
}

/// Events after `after`, as they come, forever.
fn follow(app: Arc<App>, after: i64) -> impl Stream<Item = EventView> {
    stream::unfold((app, after), |(app, after)| async move {
        loop {
            let reader = Arc::clone(&app);
            let page = tokio::task::spawn_blocking(move || reader.events_after(after, PAGE))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            if let Some(last) = page.last() {
                let next = last.id;
                return Some((stream::iter(page), (app, next)));
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .flatten()
}

async fn head(app: &Arc<App>) -> i64 {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || app.last_event_id().unwrap_or(0))
        .await
        .unwrap_or(0)
}

/// A stream's token checked, and where it starts.
async fn opening(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<i64, Response> {
    authorised(shared, headers, query).await?;
    Ok(match start(headers, query) {
        Some(after) => after,
        None => head(&shared.app).await,
    })
}

/// `GET /api/v1/events`: every event, with its data.
pub(crate) async fn events(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery,
) -> Response {
    let after = match opening(&shared, &headers, &query).await {
        Ok(after) => after,
        Err(refused) => return refused,
    };
    let events = follow(Arc::clone(&shared.app), after).map(|e| {
        let event = Event::default().id(e.id.to_string()).event(e.kind.clone());
        Ok::<_, Infallible>(event.json_data(&e).unwrap_or_else(|_| Event::default()))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET /status/events`: that something stakeholders see changed (an
/// update, a phase, a severity, a new incident), with nothing else.
pub(crate) async fn public_events(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery,
) -> Response {
    let after = match opening(&shared, &headers, &query).await {
        Ok(after) => after,
        Err(refused) => return refused,
    };
    let events = follow(Arc::clone(&shared.app), after)
        .filter(|e| std::future::ready(App::is_public_event(&e.kind)))
        .map(|e| {
            Ok::<_, Infallible>(
                Event::default()
                    .id(e.id.to_string())
                    .event("changed")
                    .data(e.kind),
            )
        });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
