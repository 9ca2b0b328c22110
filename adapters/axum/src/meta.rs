//! Meta's data-deletion and deauthorize callbacks, and the deletion status
//! page a data-deletion answer points to.
//!
//! Both callbacks are `POST`s with a form field `signed_request`, verified by
//! the pipeline (app-secret signature, algorithm, age) before anything is
//! done. The data-deletion answer is the JSON Meta expects,
//! `{"url": "...", "confirmation_code": "..."}`; its `url` is the pipeline's
//! [`deletion_status_url`](content_pipeline::PipelineBuilder::deletion_status_url)
//! with `?code=<code>`, which must be this router's
//! [`DELETION_STATUS`](crate::paths::DELETION_STATUS) route as the world
//! reaches it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::StatusCode;
use http::header::{self, HeaderValue};
use serde::Serialize;
use store_traits::DeletionStatus;

use crate::pages::{Message, render};
use crate::problems::{ErrorPage, INTERNAL};
use crate::state::{AppState, Context};

const MISSING: ErrorPage = ErrorPage::new(
    StatusCode::BAD_REQUEST,
    "Missing signed_request",
    "the form field signed_request is missing",
    None,
);

/// The `signed_request` field of a form body.
fn signed_request(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "signed_request")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /meta/data-deletion`.
pub(crate) async fn data_deletion(State(state): State<AppState>, body: Bytes) -> Response {
    let Some(value) = signed_request(&body) else {
        return MISSING.json();
    };
    match state.pipeline.handle_data_deletion(&value).await {
        Ok(answer) => no_store((StatusCode::OK, Json(answer)).into_response()),
        Err(e) => ErrorPage::from(&e).json(),
    }
}

/// `POST /meta/deauthorize`.
pub(crate) async fn deauthorize(State(state): State<AppState>, body: Bytes) -> Response {
    #[derive(Serialize)]
    struct Answer {
        accounts_disconnected: usize,
    }
    let Some(value) = signed_request(&body) else {
        return MISSING.json();
    };
    match state.pipeline.handle_deauthorize(&value).await {
        Ok(accounts) => no_store(
            (
                StatusCode::OK,
                Json(Answer {
                    accounts_disconnected: accounts.len(),
                }),
            )
                .into_response(),
        ),
        Err(e) => ErrorPage::from(&e).json(),
    }
}

#[derive(Serialize)]
struct StatusView {
    code: String,
    status: &'static str,
    tone: &'static str,
    headline: &'static str,
    explanation: &'static str,
    requested: String,
    completed: Option<String>,
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// `GET /meta/deletion-status?code=...`.
pub(crate) async fn deletion_status(
    State(state): State<AppState>,
    ctx: Context,
    RawQuery(query): RawQuery,
) -> Response {
    let chrome = ctx.chrome();
    let code = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .and_then(|v| token_crypto::deletion::ConfirmationCode::new(v).ok());
    let unknown = || {
        Message::new(
            "warn",
            "Unknown confirmation code",
            "No deletion request has this confirmation code.",
        )
        .hint("Check the code you were given; it is the part after code= in the link.")
    };
    let Some(code) = code else {
        return unknown().respond(StatusCode::NOT_FOUND, &chrome);
    };
    let request = match state.pipeline.deletion_status(code.as_str()).await {
        Ok(Some(request)) => request,
        Ok(None) => return unknown().respond(StatusCode::NOT_FOUND, &chrome),
        Err(e) => {
            tracing::error!(error = %e, "deletion status lookup failed");
            return INTERNAL.page(&chrome);
        }
    };
    let (tone, headline, explanation) = match request.status {
        DeletionStatus::Completed => (
            "ok",
            "Your data has been deleted",
            "Every record of the account was deleted: drafts, posts we kept, conversations, personas, tokens and the audit trail. Only this confirmation code and its status are kept.",
        ),
        DeletionStatus::Failed => (
            "error",
            "Deletion did not finish yet",
            "Access to the account was removed at once, but deleting its records failed part way. It is retried; check this page again later.",
        ),
        DeletionStatus::InProgress => (
            "warn",
            "Deletion in progress",
            "Access to the account was removed and its records are being deleted.",
        ),
        _ => (
            "warn",
            "Deletion requested",
            "The request was received and will be carried out shortly.",
        ),
    };
    let view = StatusView {
        code: code.as_str().to_owned(),
        status: request.status.as_str(),
        tone,
        headline,
        explanation,
        requested: when(request.requested_at),
        completed: request.completed_at.map(when),
    };
    render(StatusCode::OK, "deletion.html", &view, &chrome)
}
