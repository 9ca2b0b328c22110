//! Pipeline errors as HTTP answers: a status and a fixed text per kind of
//! failure. Nothing from the error's own message reaches the body (it is
//! logged instead), so no value the error carries (an id, a network's
//! message, a host's text) can leak, and a 5xx never says more than that
//! something failed on our side.

use axum::response::{IntoResponse, Response};
use content_pipeline::{Error as PipelineError, FailureClass};
use http::StatusCode;
use serde::Serialize;
use store_traits::Error as StoreError;

use crate::pages::{Chrome, Message};

/// A pipeline error as a response: the status that fits its kind and a
/// short text written for the person who sees it, never the error's own
/// message.
///
/// Hosts that call the [`Pipeline`](content_pipeline::Pipeline) from their
/// own handlers can answer with it:
///
/// ```
/// use axum::response::IntoResponse;
/// use threads_axum::ErrorPage;
///
/// let error = content_pipeline::Error::InvalidInput("token=EAAB-not-for-display".into());
/// let page = ErrorPage::from(error);
/// assert_eq!(page.status(), http::StatusCode::UNPROCESSABLE_ENTITY);
/// assert!(!page.message().contains("EAAB"));
/// let response = page.into_response();
/// assert_eq!(response.status(), 422);
/// ```
///
/// | error | status |
/// |---|---|
/// | `Forbidden` | 403 |
/// | `Store(NotFound)` | 404 |
/// | `DraftState`, `Store(InvalidTransition \| VersionConflict \| StaleFence \| AlreadyExists)`, `AccountNotActive`, `NoToken`, `NoFreeSlot` | 409 |
/// | `InvalidInput`, `TextRejected`, `Store(InvalidInput)`, `Source` | 422 |
/// | `OAuthState`, `AuthorizationDenied`, `SignedRequest` | 400 |
/// | `Webhook` | 401 (413 for a body over the limit) |
/// | `Network` (retryable) | 503 |
/// | `Network` (other) | 502 |
/// | anything else | 500 |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    status: StatusCode,
    title: &'static str,
    message: &'static str,
    hint: Option<&'static str>,
}

impl ErrorPage {
    pub(crate) const fn new(
        status: StatusCode,
        title: &'static str,
        message: &'static str,
        hint: Option<&'static str>,
    ) -> Self {
        Self {
            status,
            title,
            message,
            hint,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The page's heading.
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// What happened, for a person.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// What to do next, if anything helps.
    pub fn hint(&self) -> Option<&'static str> {
        self.hint
    }

    /// The page with the request's chrome (request id, signed-in person).
    pub(crate) fn page(&self, chrome: &Chrome) -> Response {
        let mut page = Message::new(
            if self.status.is_server_error() {
                "error"
            } else {
                "warn"
            },
            self.title,
            self.message,
        );
        if let Some(hint) = self.hint {
            page = page.hint(hint);
        }
        page.respond(self.status, chrome)
    }

    /// The answer as JSON (`{"error": "<message>"}`), for machine callers
    /// (Meta's callbacks).
    pub(crate) fn json(&self) -> Response {
        #[derive(Serialize)]
        struct Body {
            error: &'static str,
        }
        let mut response = (
            self.status,
            axum::Json(Body {
                error: self.message,
            }),
        )
            .into_response();
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        response
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        self.page(&Chrome::default())
    }
}

pub(crate) const UNAUTHENTICATED: ErrorPage = ErrorPage::new(
    StatusCode::UNAUTHORIZED,
    "Sign in first",
    "This page is only for people signed in to the application.",
    Some("Sign in, then open this page again."),
);

pub(crate) const CSRF: ErrorPage = ErrorPage::new(
    StatusCode::FORBIDDEN,
    "The form has expired",
    "This form was not sent from a page of your current session, so nothing was changed.",
    Some("Reload the page and try again."),
);

pub(crate) const NOT_FOUND: ErrorPage = ErrorPage::new(
    StatusCode::NOT_FOUND,
    "Not found",
    "There is no such account or draft here.",
    None,
);

pub(crate) const INTERNAL: ErrorPage = ErrorPage::new(
    StatusCode::INTERNAL_SERVER_ERROR,
    "Something went wrong",
    "Something failed on our side. It was logged.",
    Some("Try again in a few minutes."),
);

const FORBIDDEN: ErrorPage = ErrorPage::new(
    StatusCode::FORBIDDEN,
    "Not allowed",
    "Your role does not allow this, or the account belongs to another organisation. Nothing was changed.",
    Some("Ask an owner or admin of the account if you need to do this."),
);

const CHANGED: ErrorPage = ErrorPage::new(
    StatusCode::CONFLICT,
    "The draft changed",
    "This draft is no longer in a state that allows this (it may have been decided, scheduled or published meanwhile). Nothing was changed.",
    Some("Reload the page to see its current state."),
);

const ACCOUNT_INACTIVE: ErrorPage = ErrorPage::new(
    StatusCode::CONFLICT,
    "The account is not active",
    "The account is paused, disconnected or must be connected again before this can be done.",
    Some("Connect the account again, or resume it."),
);

const NO_SLOT: ErrorPage = ErrorPage::new(
    StatusCode::CONFLICT,
    "No free slot",
    "The persona's posting windows have no free slot in the time searched.",
    Some("Pick a time instead."),
);

const INVALID: ErrorPage = ErrorPage::new(
    StatusCode::UNPROCESSABLE_ENTITY,
    "Not accepted",
    "The input was not accepted. Nothing was changed.",
    Some("Check the form and send it again."),
);

const BAD_REQUEST: ErrorPage = ErrorPage::new(
    StatusCode::BAD_REQUEST,
    "Request refused",
    "The request could not be verified and was refused.",
    None,
);

const WEBHOOK_SIGNATURE: ErrorPage = ErrorPage::new(
    StatusCode::UNAUTHORIZED,
    "Signature refused",
    "invalid or missing X-Hub-Signature-256",
    None,
);

const WEBHOOK_TOO_LARGE: ErrorPage = ErrorPage::new(
    StatusCode::PAYLOAD_TOO_LARGE,
    "Too large",
    "the body is over the size limit",
    None,
);

const NETWORK_BUSY: ErrorPage = ErrorPage::new(
    StatusCode::SERVICE_UNAVAILABLE,
    "Threads is not answering",
    "Threads did not answer in time or asked us to slow down. Nothing was lost.",
    Some("Try again in a few minutes."),
);

const NETWORK: ErrorPage = ErrorPage::new(
    StatusCode::BAD_GATEWAY,
    "Threads refused the request",
    "Threads answered with an error.",
    Some("Try again later; if it keeps happening, connect the account again."),
);

impl From<&PipelineError> for ErrorPage {
    fn from(error: &PipelineError) -> Self {
        let page = match error {
            PipelineError::Forbidden(_) => FORBIDDEN,
            PipelineError::Store(e) => match e {
                StoreError::NotFound { .. } => NOT_FOUND,
                StoreError::InvalidTransition { .. }
                | StoreError::VersionConflict { .. }
                | StoreError::StaleFence { .. }
                | StoreError::AlreadyExists { .. }
                | StoreError::InvalidState { .. } => CHANGED,
                StoreError::InvalidInput(_) => INVALID,
                _ => INTERNAL,
            },
            PipelineError::DraftState { .. } => CHANGED,
            PipelineError::AccountNotActive { .. } | PipelineError::NoToken(_) => ACCOUNT_INACTIVE,
            PipelineError::NoFreeSlot { .. } => NO_SLOT,
            PipelineError::InvalidInput(_)
            | PipelineError::TextRejected { .. }
            | PipelineError::Source(_) => INVALID,
            PipelineError::OAuthState(_)
            | PipelineError::AuthorizationDenied { .. }
            | PipelineError::SignedRequest(_) => BAD_REQUEST,
            PipelineError::Webhook(token_crypto::Error::BodyTooLarge { .. }) => WEBHOOK_TOO_LARGE,
            PipelineError::Webhook(_) => WEBHOOK_SIGNATURE,
            PipelineError::Network { source, .. } => match source.class() {
                FailureClass::Retry | FailureClass::Reconcile => NETWORK_BUSY,
                FailureClass::Reauthorize => ACCOUNT_INACTIVE,
                _ => NETWORK,
            },
            _ => INTERNAL,
        };
        if page.status.is_server_error() {
            tracing::error!(status = page.status.as_u16(), error = %error, "request failed");
        } else {
            tracing::info!(status = page.status.as_u16(), error = %error, "request refused");
        }
        page
    }
}

impl From<PipelineError> for ErrorPage {
    fn from(error: PipelineError) -> Self {
        Self::from(&error)
    }
}
