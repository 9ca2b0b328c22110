//! The crate's error type and the classification of Graph API errors.
//!
//! Every fallible call returns [`Error`]. The variants separate *where* a failure happened:
//!
//! | Variant | Meaning |
//! |---|---|
//! | [`Error::Validation`] | the request was rejected before it was sent |
//! | [`Error::Transport`] / [`Error::Timeout`] | no HTTP response (DNS, TLS, connect, reset, timeout) |
//! | [`Error::Graph`] | Meta answered with the Graph error envelope `{"error": {...}}` |
//! | [`Error::OAuth`] | the flat OAuth error shape of the code exchange |
//! | [`Error::Http`] | a non-2xx status without a recognisable error body |
//! | [`Error::Decode`] | a 2xx body that does not match the expected type |
//! | [`Error::ContainerFailed`] / [`Error::ContainerNotReady`] | the publish flow's container checks |
//!
//! and [`Error::action`] says what to *do* about any of them ([`ErrorAction`]): retry, wait
//! for a container, recreate it, send the user through OAuth again, or give up.
//!
//! ```
//! use threads_api::error::{Error, ErrorAction};
//!
//! fn handle(err: &Error) {
//!     match err.action() {
//!         ErrorAction::Reauthorize => { /* mark the account as needing login */ }
//!         ErrorAction::WaitForContainer => { /* poll the container status, then publish */ }
//!         ErrorAction::RetryAfter(d) => { /* schedule again after `d` */ let _ = d; }
//!         _ => { /* log and surface */ }
//!     }
//! }
//! ```
//!
//! Errors never contain access tokens: transport errors are stripped of their URL (which
//! carries `access_token` in the query string) and bodies of token endpoints are not kept.
//!
//! The Graph error envelope is parsed into [`GraphError`]; its numeric and string codes
//! ([`ErrorCode`], [`ErrorSubcode`], [`ThreadsErrorCode`]) are typed and classified in
//! their own module.

mod codes;
mod graph;

use std::time::Duration;

use reqwest::StatusCode;

use crate::ids::ContainerId;
use crate::model::{ContainerErrorCode, ContainerState};
use crate::validation::ValidationError;

pub use codes::{ErrorCode, ErrorSubcode, ThreadsErrorCode};
pub(crate) use graph::error_from_response;
pub use graph::{GraphError, OAuthError};

/// Result alias with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to the Threads API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed a client-side check and was not sent.
    #[error("invalid request: {0}")]
    Validation(#[from] ValidationError),

    /// The request could not be completed at the transport level (DNS, connect, TLS,
    /// connection reset, body read). The error's URL is removed because it may carry
    /// the access token.
    #[error("HTTP transport error")]
    Transport(#[source] reqwest::Error),

    /// The request timed out (the client's timeout, or reqwest's).
    #[error("request timed out")]
    Timeout(#[source] reqwest::Error),

    /// Meta answered with a Graph API error envelope.
    #[error("{0}")]
    Graph(Box<GraphError>),

    /// Meta answered with the flat OAuth error shape used by the code exchange
    /// (`{"error_type": ..., "code": ..., "error_message": ...}`).
    #[error("{0}")]
    OAuth(Box<OAuthError>),

    /// A non-success HTTP status without a recognisable error body.
    #[error("HTTP {status}{}", body_excerpt(.body))]
    Http {
        /// The HTTP status.
        status: StatusCode,
        /// The raw body (empty for token endpoints, whose bodies may hold secrets).
        body: String,
        /// `Retry-After`, if the response had one.
        retry_after: Option<Duration>,
    },

    /// A success response whose body did not match the expected type.
    #[error("could not decode the response at `{path}`: {source}")]
    Decode {
        /// The JSON path of the field that failed (`data[3].timestamp`), `.` for the root.
        path: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
        /// The raw body, for debugging (replaced by a placeholder for token endpoints,
        /// whose bodies hold secrets).
        body: String,
    },

    /// A configured base URL cannot be used.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The OAuth redirect URL could not be understood (no `code`, `state` mismatch, not a
    /// URL).
    #[error("invalid OAuth redirect: {reason}")]
    InvalidRedirect {
        /// What was wrong.
        reason: String,
    },

    /// The user declined the authorization dialog (or it failed): the redirect carried
    /// `error=...` instead of a code.
    #[error("authorization was not granted: {error} ({reason}): {description}")]
    AuthorizationDenied {
        /// `error` (usually `access_denied`).
        error: String,
        /// `error_reason` (usually `user_denied`).
        reason: String,
        /// `error_description`.
        description: String,
    },

    /// A media container ended in `ERROR` or `EXPIRED` and can never be published; create
    /// a new one.
    #[error("container {container_id} is {status}{}", suffix(.error_message))]
    ContainerFailed {
        /// The container.
        container_id: ContainerId,
        /// The final status (`ERROR` or `EXPIRED`).
        status: ContainerState,
        /// Meta's `error_message`, for `ERROR` (e.g. `FAILED_DOWNLOADING_VIDEO`).
        error_message: Option<ContainerErrorCode>,
    },

    /// A container was still not `FINISHED` when the publish flow's deadline passed.
    /// Nothing was published; check again later and publish then.
    #[error("container {container_id} not ready after waiting {waited:?} (last status {})", .last_status.as_ref().map_or("unknown", ContainerState::as_str))]
    ContainerNotReady {
        /// The container.
        container_id: ContainerId,
        /// Its last seen status.
        last_status: Option<ContainerState>,
        /// How long the flow waited.
        waited: Duration,
    },

    /// The container turned out to be `PUBLISHED` already (by an earlier or concurrent
    /// publish call). Do not publish again; find the post in the account's threads.
    #[error("container {container_id} is already published")]
    ContainerAlreadyPublished {
        /// The container.
        container_id: ContainerId,
    },

    /// The HTTP client could not be built.
    #[error("could not build the HTTP client")]
    ClientBuild(#[source] reqwest::Error),
}

fn suffix(message: &Option<ContainerErrorCode>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn body_excerpt(body: &str) -> String {
    if body.is_empty() {
        return String::new();
    }
    let mut end = body.len().min(200);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let ellipsis = if end < body.len() { "…" } else { "" };
    format!(": {}{ellipsis}", &body[..end])
}

/// What a caller should do about an error. See [`Error::action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorAction {
    /// A transient failure: the same request may succeed if retried with backoff (only
    /// ever done automatically for reads).
    Retry,
    /// Throttled: retry no earlier than after this duration.
    RetryAfter(Duration),
    /// The media container is not ready yet (`code 24 / subcode 4279009` on publish, or
    /// the publish flow's deadline): poll its status and publish once it is `FINISHED`.
    WaitForContainer,
    /// The container is `ERROR`/`EXPIRED`: create a new container (the old one can never
    /// go live).
    RecreateContainer,
    /// The token is invalid, expired or lacks a permission: the user must go through
    /// OAuth again (or the token be refreshed, if it is still valid).
    Reauthorize,
    /// Retrying will not help; fix the request or surface the error.
    Terminal,
}

impl Error {
    /// Classifies the error.
    ///
    /// * transport errors, timeouts, HTTP 5xx and Graph errors flagged `is_transient` or
    ///   with codes 1/2 → [`ErrorAction::Retry`];
    /// * HTTP 429 and the throttling codes 4, 17, 32, 341, 613 → [`ErrorAction::RetryAfter`]
    ///   when the response says how long to wait, else [`ErrorAction::Retry`];
    /// * code 24 (subcode 4279009, "Media Not Found" on publish) →
    ///   [`ErrorAction::WaitForContainer`];
    /// * code 190, its subcodes 458–467, HTTP 401, and the permission codes 10 and
    ///   200–299 → [`ErrorAction::Reauthorize`];
    /// * a failed container → [`ErrorAction::RecreateContainer`];
    /// * everything else (invalid parameters, string codes such as
    ///   `THREADS_API__LINK_LIMIT_EXCEEDED`, policy blocks 368, decode errors) →
    ///   [`ErrorAction::Terminal`].
    pub fn action(&self) -> ErrorAction {
        match self {
            Error::Transport(_) | Error::Timeout(_) => ErrorAction::Retry,
            Error::Graph(g) => g.action(),
            Error::OAuth(o) => {
                if o.code == Some(190) {
                    ErrorAction::Reauthorize
                } else if o.http_status.is_server_error() {
                    ErrorAction::Retry
                } else {
                    ErrorAction::Terminal
                }
            }
            Error::Http {
                status,
                retry_after,
                ..
            } => status_action(*status, *retry_after),
            Error::ContainerFailed { .. } => ErrorAction::RecreateContainer,
            Error::ContainerNotReady { .. } => ErrorAction::WaitForContainer,
            Error::Validation(_)
            | Error::Decode { .. }
            | Error::InvalidBaseUrl { .. }
            | Error::InvalidRedirect { .. }
            | Error::AuthorizationDenied { .. }
            | Error::ContainerAlreadyPublished { .. }
            | Error::ClientBuild(_) => ErrorAction::Terminal,
        }
    }

    /// Whether a retry (after backoff) may succeed: [`ErrorAction::Retry`] or
    /// [`ErrorAction::RetryAfter`]. The client only acts on this for reads.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.action(),
            ErrorAction::Retry | ErrorAction::RetryAfter(_)
        )
    }

    /// Whether the access token is invalid or expired (Graph code 190, or HTTP 401).
    pub fn is_auth_expired(&self) -> bool {
        match self {
            Error::Graph(g) => g.code == Some(ErrorCode::InvalidToken),
            Error::OAuth(o) => o.code == Some(190),
            Error::Http { status, .. } => *status == StatusCode::UNAUTHORIZED,
            _ => false,
        }
    }

    /// Whether the request was throttled (HTTP 429 or a throttling code).
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::Graph(g) => g.is_rate_limited(),
            Error::Http { status, .. } => *status == StatusCode::TOO_MANY_REQUESTS,
            _ => false,
        }
    }

    /// The Graph error, when Meta sent one.
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            Error::Graph(g) => Some(g),
            _ => None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<StatusCode> {
        match self {
            Error::Graph(g) => Some(g.http_status),
            Error::OAuth(o) => Some(o.http_status),
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// `Retry-After` (or the usage headers' wait estimate) of the failed response.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Graph(g) => g.retry_after(),
            Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the request certainly never reached Meta (the connection could not be
    /// established), so repeating it cannot duplicate an effect.
    pub fn is_connect(&self) -> bool {
        match self {
            Error::Transport(e) => e.is_connect(),
            _ => false,
        }
    }

    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        let err = err.without_url();
        if err.is_timeout() {
            Error::Timeout(err)
        } else {
            Error::Transport(err)
        }
    }
}

fn status_action(status: StatusCode, retry_after: Option<Duration>) -> ErrorAction {
    if status == StatusCode::TOO_MANY_REQUESTS {
        retry_after.map_or(ErrorAction::Retry, ErrorAction::RetryAfter)
    } else if status.is_server_error() {
        ErrorAction::Retry
    } else if status == StatusCode::UNAUTHORIZED {
        ErrorAction::Reauthorize
    } else {
        ErrorAction::Terminal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_errors_classify() {
        let failed = Error::ContainerFailed {
            container_id: ContainerId::new("1"),
            status: ContainerState::Error,
            error_message: Some(ContainerErrorCode::FailedDownloadingVideo),
        };
        assert_eq!(failed.action(), ErrorAction::RecreateContainer);
        assert_eq!(
            failed.to_string(),
            "container 1 is ERROR: FAILED_DOWNLOADING_VIDEO"
        );
        let waiting = Error::ContainerNotReady {
            container_id: ContainerId::new("1"),
            last_status: Some(ContainerState::InProgress),
            waited: Duration::from_secs(1),
        };
        assert_eq!(waiting.action(), ErrorAction::WaitForContainer);
    }
}
