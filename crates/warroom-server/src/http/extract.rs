//! The request's query and JSON body, refused in the API's own error shape
//! (`{"error": {"kind", "message", "hints"}}`) rather than axum's plain text:
//! a script reads every refusal the same way.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::routes::{TokenQuery, refusal};

/// The query string (`?token=`, `?after=`, `?all=`).
pub(crate) struct ApiQuery(pub TokenQuery);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        Query::<TokenQuery>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e: QueryRejection| {
                refusal(StatusCode::BAD_REQUEST, "bad-input", e.body_text())
            })
    }
}

/// A JSON body.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Self(v))
            .map_err(|e: JsonRejection| refusal(e.status(), "bad-input", e.body_text()))
    }
}
