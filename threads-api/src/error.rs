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

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::ids::ContainerId;
use crate::model::{ContainerErrorCode, ContainerState};
use crate::usage::Usage;
use crate::validation::ValidationError;

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

/// A Graph API error (`{"error": {...}}`), with the HTTP status and headers context.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GraphError {
    /// The HTTP status of the response.
    pub http_status: StatusCode,
    /// `message`.
    pub message: String,
    /// `type`: `OAuthException`, `THApiException`, ...
    pub error_type: Option<String>,
    /// The numeric `code`, typed. `None` when the code was missing or a string.
    pub code: Option<ErrorCode>,
    /// `error_subcode`, typed.
    pub subcode: Option<ErrorSubcode>,
    /// A Threads string code (`THREADS_API__...`) found in `code`, `message`,
    /// `error_user_title` or `error_user_msg`.
    pub threads_code: Option<ThreadsErrorCode>,
    /// `is_transient`.
    pub is_transient: Option<bool>,
    /// `error_user_title` (localized).
    pub user_title: Option<String>,
    /// `error_user_msg` (localized).
    pub user_message: Option<String>,
    /// `fbtrace_id`, to quote in a support request.
    pub fbtrace_id: Option<String>,
    /// Usage headers of the response, if any (retry hints).
    pub usage: Option<Usage>,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph API error")?;
        if let Some(code) = self.code {
            write!(f, " {}", code.as_i64())?;
        }
        if let Some(sub) = self.subcode {
            write!(f, "/{}", sub.as_i64())?;
        }
        if let Some(tc) = &self.threads_code {
            write!(f, " {}", tc.as_str())?;
        }
        if let Some(t) = &self.error_type {
            write!(f, " ({t})")?;
        }
        write!(f, " [HTTP {}]: {}", self.http_status.as_u16(), self.message)?;
        if let Some(m) = &self.user_message {
            write!(f, " — {m}")?;
        }
        if let Some(id) = &self.fbtrace_id {
            write!(f, " (fbtrace_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

impl GraphError {
    /// Builds the typed error from a raw envelope body and the response context.
    pub(crate) fn from_raw(
        raw: RawGraphError,
        http_status: StatusCode,
        usage: Option<Usage>,
    ) -> Self {
        let (code, code_string) = match raw.code {
            Some(RawCode::Int(n)) => (Some(ErrorCode::from_i64(n)), None),
            Some(RawCode::Str(s)) => match s.trim().parse::<i64>() {
                Ok(n) => (Some(ErrorCode::from_i64(n)), None),
                Err(_) => (None, Some(s)),
            },
            None => (None, None),
        };
        let threads_code = [
            code_string.as_deref(),
            Some(raw.message.as_str()),
            raw.error_user_title.as_deref(),
            raw.error_user_msg.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find_map(ThreadsErrorCode::find_in);
        Self {
            http_status,
            message: raw.message,
            error_type: raw.error_type,
            code,
            subcode: raw.error_subcode.map(ErrorSubcode::from_i64),
            threads_code,
            is_transient: raw.is_transient,
            user_title: raw.error_user_title,
            user_message: raw.error_user_msg,
            fbtrace_id: raw.fbtrace_id,
            usage,
        }
    }

    /// Whether this is a throttling error (HTTP 429 or codes 4, 17, 32, 341, 613).
    pub fn is_rate_limited(&self) -> bool {
        self.http_status == StatusCode::TOO_MANY_REQUESTS
            || self.code.is_some_and(ErrorCode::is_rate_limit)
    }

    /// `Retry-After`, or the business-use-case header's regain-access estimate.
    pub fn retry_after(&self) -> Option<Duration> {
        self.usage.as_ref().and_then(Usage::wait_hint)
    }

    /// What to do about this error; see [`Error::action`].
    pub fn action(&self) -> ErrorAction {
        if self.threads_code.is_some() {
            return ErrorAction::Terminal;
        }
        if matches!(self.code, Some(ErrorCode::ResourceNotFound))
            || matches!(self.subcode, Some(ErrorSubcode::MediaNotFound))
        {
            return ErrorAction::WaitForContainer;
        }
        if self.code.is_some_and(ErrorCode::is_auth)
            || self.subcode.is_some_and(ErrorSubcode::is_auth)
        {
            return ErrorAction::Reauthorize;
        }
        if self.is_rate_limited() {
            return self
                .retry_after()
                .map_or(ErrorAction::Retry, ErrorAction::RetryAfter);
        }
        if matches!(
            self.code,
            Some(ErrorCode::UnknownApiError | ErrorCode::ServiceUnavailable)
        ) || self.is_transient == Some(true)
        {
            return ErrorAction::Retry;
        }
        if self.code.is_none() || self.is_transient.is_none() {
            // No classification from the body: fall back to the status.
            return status_action(self.http_status, self.retry_after());
        }
        if self.http_status.is_server_error() && self.is_transient != Some(false) {
            return ErrorAction::Retry;
        }
        ErrorAction::Terminal
    }
}

/// Known numeric Graph error codes (facts §7.2); anything else is kept in
/// [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 1: unknown API error (temporary).
    UnknownApiError,
    /// 2: service temporarily unavailable.
    ServiceUnavailable,
    /// 3: the app lacks the capability for this method.
    AppCapability,
    /// 4: app call-rate limit.
    AppRateLimit,
    /// 10: permission denied (not granted or removed).
    PermissionDenied,
    /// 17: user call-rate limit.
    UserRateLimit,
    /// 24: the requested resource does not exist (publishing a container that is not
    /// ready yet).
    ResourceNotFound,
    /// 32: page call-rate limit.
    PageRateLimit,
    /// 100: invalid parameter or nonexistent field.
    InvalidParameter,
    /// 190: invalid or expired access token.
    InvalidToken,
    /// 200–299: a specific permission is missing (the code is kept).
    Permission(i64),
    /// 341: application limit reached.
    ApplicationLimit,
    /// 368: temporarily blocked for policy violations.
    PolicyBlock,
    /// 506: duplicate post.
    DuplicatePost,
    /// 613: custom rate limit.
    CustomRateLimit,
    /// Any other code.
    Unknown(i64),
}

impl ErrorCode {
    /// Types a numeric code.
    pub fn from_i64(code: i64) -> Self {
        match code {
            1 => Self::UnknownApiError,
            2 => Self::ServiceUnavailable,
            3 => Self::AppCapability,
            4 => Self::AppRateLimit,
            10 => Self::PermissionDenied,
            17 => Self::UserRateLimit,
            24 => Self::ResourceNotFound,
            32 => Self::PageRateLimit,
            100 => Self::InvalidParameter,
            190 => Self::InvalidToken,
            200..=299 => Self::Permission(code),
            341 => Self::ApplicationLimit,
            368 => Self::PolicyBlock,
            506 => Self::DuplicatePost,
            613 => Self::CustomRateLimit,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::UnknownApiError => 1,
            Self::ServiceUnavailable => 2,
            Self::AppCapability => 3,
            Self::AppRateLimit => 4,
            Self::PermissionDenied => 10,
            Self::UserRateLimit => 17,
            Self::ResourceNotFound => 24,
            Self::PageRateLimit => 32,
            Self::InvalidParameter => 100,
            Self::InvalidToken => 190,
            Self::Permission(c) | Self::Unknown(c) => c,
            Self::ApplicationLimit => 341,
            Self::PolicyBlock => 368,
            Self::DuplicatePost => 506,
            Self::CustomRateLimit => 613,
        }
    }

    /// Throttling codes: 4, 17, 32, 341, 613.
    pub fn is_rate_limit(self) -> bool {
        matches!(
            self,
            Self::AppRateLimit
                | Self::UserRateLimit
                | Self::PageRateLimit
                | Self::ApplicationLimit
                | Self::CustomRateLimit
        )
    }

    /// Token and permission codes: 190, 10, 200–299.
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            Self::InvalidToken | Self::PermissionDenied | Self::Permission(_)
        )
    }
}

/// Known Graph `error_subcode` values; anything else is kept in
/// [`ErrorSubcode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorSubcode {
    /// 33: object does not exist, cannot be loaded due to missing permissions, or does
    /// not support this operation.
    UnsupportedObject,
    /// 458: the user has not installed the app.
    AppNotInstalled,
    /// 459: the user is checkpointed.
    Checkpointed,
    /// 460: the password changed.
    PasswordChanged,
    /// 463: the token expired.
    TokenExpired,
    /// 464: unconfirmed user.
    UnconfirmedUser,
    /// 467: invalid token.
    InvalidToken,
    /// 2207051: "We restrict certain activity to protect our community".
    ActivityRestricted,
    /// 2207052: media could not be fetched.
    MediaFetchFailed,
    /// 4279009: "Media Not Found", a container that is not ready yet.
    MediaNotFound,
    /// 4279013: the user is restricted.
    UserRestricted,
    /// Any other subcode.
    Unknown(i64),
}

impl ErrorSubcode {
    /// Types a numeric subcode.
    pub fn from_i64(code: i64) -> Self {
        match code {
            33 => Self::UnsupportedObject,
            458 => Self::AppNotInstalled,
            459 => Self::Checkpointed,
            460 => Self::PasswordChanged,
            463 => Self::TokenExpired,
            464 => Self::UnconfirmedUser,
            467 => Self::InvalidToken,
            2_207_051 => Self::ActivityRestricted,
            2_207_052 => Self::MediaFetchFailed,
            4_279_009 => Self::MediaNotFound,
            4_279_013 => Self::UserRestricted,
            other => Self::Unknown(other),
        }
    }

    /// The numeric subcode.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::UnsupportedObject => 33,
            Self::AppNotInstalled => 458,
            Self::Checkpointed => 459,
            Self::PasswordChanged => 460,
            Self::TokenExpired => 463,
            Self::UnconfirmedUser => 464,
            Self::InvalidToken => 467,
            Self::ActivityRestricted => 2_207_051,
            Self::MediaFetchFailed => 2_207_052,
            Self::MediaNotFound => 4_279_009,
            Self::UserRestricted => 4_279_013,
            Self::Unknown(c) => c,
        }
    }

    /// The token subcodes of code 190 (458, 459, 460, 463, 464, 467).
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            Self::AppNotInstalled
                | Self::Checkpointed
                | Self::PasswordChanged
                | Self::TokenExpired
                | Self::UnconfirmedUser
                | Self::InvalidToken
        )
    }
}

/// Threads-specific string error codes (`THREADS_API__...`).
///
/// Where these appear in the error JSON is not documented (`code`, `message` and
/// `error_user_msg` have all been reported), so every one of those places is searched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThreadsErrorCode {
    /// `THREADS_API__LINK_LIMIT_EXCEEDED`: more than 5 unique links.
    LinkLimitExceeded,
    /// `THREADS_API__FEATURE_NOT_AVAILABLE`: the user lacks access to the feature.
    FeatureNotAvailable,
    /// `THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES`: unsupported country code(s).
    GeoGatingInvalidCountryCodes,
    /// Another `THREADS_API__...` code, kept verbatim.
    Other(String),
}

impl ThreadsErrorCode {
    const PREFIX: &'static str = "THREADS_API__";

    /// Types a full code string.
    pub fn parse(code: &str) -> Self {
        match code {
            "THREADS_API__LINK_LIMIT_EXCEEDED" => Self::LinkLimitExceeded,
            "THREADS_API__FEATURE_NOT_AVAILABLE" => Self::FeatureNotAvailable,
            "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES" => Self::GeoGatingInvalidCountryCodes,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Finds the first `THREADS_API__[A-Z0-9_]+` token in a text (e.g.
    /// `"ErrorCode::THREADS_API__LINK_LIMIT_EXCEEDED"` or a sentence quoting it).
    pub fn find_in(text: &str) -> Option<Self> {
        let start = text.find(Self::PREFIX)?;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let code = &rest[..end];
        (code.len() > Self::PREFIX.len()).then(|| Self::parse(code))
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::LinkLimitExceeded => "THREADS_API__LINK_LIMIT_EXCEEDED",
            Self::FeatureNotAvailable => "THREADS_API__FEATURE_NOT_AVAILABLE",
            Self::GeoGatingInvalidCountryCodes => "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES",
            Self::Other(s) => s,
        }
    }
}

/// The flat error shape of the OAuth code exchange:
/// `{"error_type": "OAuthException", "code": 400, "error_message": "..."}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status of the response.
    pub http_status: StatusCode,
    /// `error_type`.
    pub error_type: Option<String>,
    /// `code` (often the HTTP status repeated).
    pub code: Option<i64>,
    /// `error_message`.
    pub error_message: String,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OAuth error")?;
        if let Some(code) = self.code {
            write!(f, " {code}")?;
        }
        if let Some(t) = &self.error_type {
            write!(f, " ({t})")?;
        }
        write!(
            f,
            " [HTTP {}]: {}",
            self.http_status.as_u16(),
            self.error_message
        )
    }
}

impl std::error::Error for OAuthError {}

/// Wire shape of `{"error": {...}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawGraphEnvelope {
    pub(crate) error: RawGraphError,
}

/// Wire shape of the Graph error object.
#[derive(Debug, Deserialize)]
pub(crate) struct RawGraphError {
    #[serde(default)]
    pub(crate) message: String,
    #[serde(rename = "type", default)]
    pub(crate) error_type: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<RawCode>,
    #[serde(default)]
    pub(crate) error_subcode: Option<i64>,
    #[serde(default)]
    pub(crate) is_transient: Option<bool>,
    #[serde(default)]
    pub(crate) error_user_title: Option<String>,
    #[serde(default)]
    pub(crate) error_user_msg: Option<String>,
    #[serde(default)]
    pub(crate) fbtrace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawCode {
    Int(i64),
    Str(String),
}

/// Wire shape of the flat OAuth error.
#[derive(Debug, Deserialize)]
pub(crate) struct RawOAuthError {
    #[serde(default)]
    pub(crate) error_type: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<RawCode>,
    pub(crate) error_message: String,
}

/// Turns a non-2xx response body into the right error variant.
///
/// `keep_body` is false for token endpoints: their bodies are dropped rather than risk
/// keeping a secret in an error.
pub(crate) fn error_from_response(
    status: StatusCode,
    body: &[u8],
    usage: Option<Usage>,
    keep_body: bool,
) -> Error {
    if let Ok(env) = serde_json::from_slice::<RawGraphEnvelope>(body) {
        return Error::Graph(Box::new(GraphError::from_raw(env.error, status, usage)));
    }
    if let Ok(flat) = serde_json::from_slice::<RawOAuthError>(body) {
        let code = match flat.code {
            Some(RawCode::Int(n)) => Some(n),
            Some(RawCode::Str(s)) => s.trim().parse().ok(),
            None => None,
        };
        return Error::OAuth(Box::new(OAuthError {
            http_status: status,
            error_type: flat.error_type,
            code,
            error_message: flat.error_message,
        }));
    }
    Error::Http {
        status,
        body: if keep_body {
            String::from_utf8_lossy(body).into_owned()
        } else {
            String::new()
        },
        retry_after: usage.as_ref().and_then(Usage::wait_hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(status: u16, body: &str) -> Error {
        error_from_response(
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            None,
            true,
        )
    }

    #[test]
    fn media_not_found_means_wait_for_container() {
        let err = graph(
            400,
            r#"{"error": {"message": "The requested resource does not exist", "type": "OAuthException",
              "code": 24, "error_subcode": 4279009, "is_transient": false,
              "error_user_title": "Media Not Found",
              "error_user_msg": "The media with id 18079098539304490 cannot be found.",
              "fbtrace_id": "A-ptA4ve9FlWkRMi935kaIS"}}"#,
        );
        let g = err.graph().unwrap();
        assert_eq!(g.code, Some(ErrorCode::ResourceNotFound));
        assert_eq!(g.subcode, Some(ErrorSubcode::MediaNotFound));
        assert_eq!(g.fbtrace_id.as_deref(), Some("A-ptA4ve9FlWkRMi935kaIS"));
        assert_eq!(g.user_title.as_deref(), Some("Media Not Found"));
        assert_eq!(g.is_transient, Some(false));
        assert_eq!(err.action(), ErrorAction::WaitForContainer);
        assert!(!err.is_retryable());
        let shown = err.to_string();
        assert!(shown.contains("24/4279009"), "{shown}");
        assert!(shown.contains("A-ptA4ve9FlWkRMi935kaIS"), "{shown}");
    }

    #[test]
    fn nonexisting_field_is_terminal() {
        let err = graph(
            400,
            r#"{"error":{"message":"Tried accessing nonexisting field (status)","type":"THApiException","code":100}}"#,
        );
        let g = err.graph().unwrap();
        assert_eq!(g.code, Some(ErrorCode::InvalidParameter));
        assert_eq!(g.error_type.as_deref(), Some("THApiException"));
        assert_eq!(err.action(), ErrorAction::Terminal);
    }

    #[test]
    fn unsupported_get_request_is_terminal() {
        let err = graph(
            400,
            r#"{"error":{"message":"Unsupported get request. Object with ID '123' does not exist, cannot be loaded due to missing permissions, or does not support this operation","type":"THApiException","code":100,"error_subcode":33,"is_transient":false,"fbtrace_id":"x"}}"#,
        );
        assert_eq!(
            err.graph().unwrap().subcode,
            Some(ErrorSubcode::UnsupportedObject)
        );
        assert_eq!(err.action(), ErrorAction::Terminal);
    }

    #[test]
    fn token_errors_mean_reauthorize() {
        for sub in [458, 459, 460, 463, 464, 467] {
            let err = graph(
                400,
                &format!(
                    r#"{{"error":{{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":{sub}}}}}"#
                ),
            );
            assert!(err.is_auth_expired());
            assert_eq!(err.action(), ErrorAction::Reauthorize);
            assert!(err.graph().unwrap().subcode.unwrap().is_auth());
        }
        let perm = graph(
            403,
            r#"{"error":{"message":"(#200) Permission error","type":"OAuthException","code":200,"is_transient":false}}"#,
        );
        assert_eq!(perm.graph().unwrap().code, Some(ErrorCode::Permission(200)));
        assert_eq!(perm.action(), ErrorAction::Reauthorize);
        assert!(!perm.is_auth_expired());
        let ten = graph(400, r#"{"error":{"message":"denied","code":10}}"#);
        assert_eq!(ten.action(), ErrorAction::Reauthorize);
    }

    #[test]
    fn throttling_codes_are_rate_limited_and_retryable() {
        for code in [4, 17, 32, 341, 613] {
            let err = graph(
                400,
                &format!(
                    r#"{{"error":{{"message":"limit","type":"OAuthException","code":{code},"is_transient":true}}}}"#
                ),
            );
            assert!(err.is_rate_limited(), "{code}");
            assert!(err.is_retryable(), "{code}");
            assert_eq!(err.action(), ErrorAction::Retry);
        }
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        let usage = Usage::from_headers(&headers);
        let err = error_from_response(
            StatusCode::BAD_REQUEST,
            br#"{"error":{"message":"limit","code":17}}"#,
            usage,
            true,
        );
        assert_eq!(
            err.action(),
            ErrorAction::RetryAfter(Duration::from_secs(30))
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn transient_and_unknown_errors_retry() {
        let one = graph(
            500,
            r#"{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1,"error_subcode":2207052,"is_transient":false}}"#,
        );
        assert_eq!(
            one.graph().unwrap().subcode,
            Some(ErrorSubcode::MediaFetchFailed)
        );
        assert_eq!(one.action(), ErrorAction::Retry);
        let two = graph(
            503,
            r#"{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2,"is_transient":true}}"#,
        );
        assert!(two.is_retryable());
        let flagged = graph(
            400,
            r#"{"error":{"message":"x","type":"OAuthException","code":9999,"is_transient":true}}"#,
        );
        assert_eq!(
            flagged.graph().unwrap().code,
            Some(ErrorCode::Unknown(9999))
        );
        assert!(flagged.is_retryable());
    }

    #[test]
    fn policy_and_duplicate_are_terminal() {
        for code in [368, 506, 3] {
            let err = graph(
                400,
                &format!(
                    r#"{{"error":{{"message":"x","type":"OAuthException","code":{code},"is_transient":false}}}}"#
                ),
            );
            assert_eq!(err.action(), ErrorAction::Terminal, "{code}");
            assert_eq!(err.graph().unwrap().code.unwrap().as_i64(), code);
        }
        let restricted = graph(
            400,
            r#"{"error":{"message":"We restrict certain activity to protect our community","code":10000,"error_subcode":2207051,"is_transient":false}}"#,
        );
        assert_eq!(
            restricted.graph().unwrap().subcode,
            Some(ErrorSubcode::ActivityRestricted)
        );
        assert_eq!(restricted.action(), ErrorAction::Terminal);
        let user = graph(
            400,
            r#"{"error":{"message":"restricted","code":100,"error_subcode":4279013,"is_transient":false}}"#,
        );
        assert_eq!(
            user.graph().unwrap().subcode,
            Some(ErrorSubcode::UserRestricted)
        );
        assert_eq!(user.action(), ErrorAction::Terminal);
    }

    #[test]
    fn string_codes_are_found_anywhere() {
        let in_code = graph(
            400,
            r#"{"error":{"message":"Too many links","type":"THApiException","code":"THREADS_API__LINK_LIMIT_EXCEEDED"}}"#,
        );
        let g = in_code.graph().unwrap();
        assert_eq!(g.code, None);
        assert_eq!(g.threads_code, Some(ThreadsErrorCode::LinkLimitExceeded));
        assert_eq!(in_code.action(), ErrorAction::Terminal);

        let in_message = graph(
            400,
            r#"{"error":{"message":"ErrorCode::THREADS_API__LINK_LIMIT_EXCEEDED","type":"THApiException","code":100}}"#,
        );
        assert_eq!(
            in_message.graph().unwrap().threads_code,
            Some(ThreadsErrorCode::LinkLimitExceeded)
        );

        let in_user_msg = graph(
            400,
            r#"{"error":{"message":"Invalid parameter","code":100,"error_user_msg":"Failed: THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES."}}"#,
        );
        assert_eq!(
            in_user_msg.graph().unwrap().threads_code,
            Some(ThreadsErrorCode::GeoGatingInvalidCountryCodes)
        );

        let feature = graph(
            400,
            r#"{"error":{"message":"THREADS_API__FEATURE_NOT_AVAILABLE","code":100,"is_transient":true}}"#,
        );
        assert_eq!(
            feature.graph().unwrap().threads_code,
            Some(ThreadsErrorCode::FeatureNotAvailable)
        );
        assert_eq!(feature.action(), ErrorAction::Terminal);

        assert_eq!(
            ThreadsErrorCode::find_in("x THREADS_API__SOMETHING_NEW y"),
            Some(ThreadsErrorCode::Other("THREADS_API__SOMETHING_NEW".into()))
        );
        assert_eq!(ThreadsErrorCode::find_in("THREADS_API__"), None);
        assert_eq!(ThreadsErrorCode::find_in("nothing here"), None);
    }

    #[test]
    fn numeric_code_as_string_is_parsed() {
        let err = graph(400, r#"{"error":{"message":"x","code":"190"}}"#);
        assert_eq!(err.graph().unwrap().code, Some(ErrorCode::InvalidToken));
        assert!(err.is_auth_expired());
    }

    #[test]
    fn flat_oauth_error_decodes() {
        let err = graph(
            400,
            r#"{"error_type": "OAuthException", "code": 400, "error_message": "Matching code was not found or was already used"}"#,
        );
        match &err {
            Error::OAuth(o) => {
                assert_eq!(o.code, Some(400));
                assert_eq!(o.error_type.as_deref(), Some("OAuthException"));
                assert!(o.error_message.contains("already used"));
            }
            other => panic!("expected OAuth, got {other:?}"),
        }
        assert_eq!(err.action(), ErrorAction::Terminal);
    }

    #[test]
    fn bare_statuses_classify_by_status() {
        assert_eq!(
            graph(502, "<html>bad gateway</html>").action(),
            ErrorAction::Retry
        );
        assert_eq!(graph(429, "").action(), ErrorAction::Retry);
        assert!(graph(429, "").is_rate_limited());
        assert_eq!(graph(401, "").action(), ErrorAction::Reauthorize);
        assert!(graph(401, "").is_auth_expired());
        assert_eq!(graph(404, "not found").action(), ErrorAction::Terminal);
        let shown = graph(404, "not found").to_string();
        assert_eq!(shown, "HTTP 404 Not Found: not found");
    }

    #[test]
    fn dropped_bodies_are_not_kept() {
        let err = error_from_response(
            StatusCode::BAD_GATEWAY,
            b"access_token=THsecret",
            None,
            false,
        );
        assert!(!format!("{err:?}").contains("THsecret"));
    }

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
