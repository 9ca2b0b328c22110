//! [`SourceError`]: why a source could not be fetched, read or remixed.

use std::net::IpAddr;
use std::time::Duration;

use store_traits::{DraftId, SourceId, SourceKind, SourceStatus};

use super::address::AddressClass;
use crate::error::BoxError;

/// Why a source could not be fetched, read or turned into a draft.
///
/// Messages name hosts, addresses, limits and content types, never a full URL
/// (its query may carry a token), a response body or a secret. Each variant
/// has a stable [`code`](SourceError::code), also stored on a failed source's
/// `metadata["error_code"]`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The URL cannot be parsed or has no host.
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },

    /// Only `http` and `https` URLs are fetched.
    #[error("URL scheme `{scheme}` is not allowed (http and https only)")]
    SchemeNotAllowed {
        /// The scheme found.
        scheme: String,
    },

    /// The URL carries a user name or password; such URLs are not fetched
    /// (the credentials would be sent to whoever answers).
    #[error("URLs with credentials are not fetched")]
    CredentialsInUrl,

    /// The host is a name that always means this machine (`localhost`).
    #[error("host `{host}` is not fetched: {reason}")]
    ForbiddenHost {
        /// The host.
        host: String,
        /// Why.
        reason: &'static str,
    },

    /// The host is, or resolves to, an address outside the public internet
    /// (loopback, private, link-local, metadata, ...). Nothing was sent.
    #[error("host `{host}` is {ip}, a {reason} address: not fetched")]
    ForbiddenAddress {
        /// The host as written in the URL (or the redirect).
        host: String,
        /// The refused address.
        ip: IpAddr,
        /// The range it belongs to.
        reason: AddressClass,
    },

    /// The host name could not be resolved.
    #[error("host `{host}` cannot be resolved: {source}")]
    Resolve {
        /// The host.
        host: String,
        /// The resolver's error.
        #[source]
        source: std::io::Error,
    },

    /// The host name resolved to no address.
    #[error("host `{host}` has no address")]
    NoAddress {
        /// The host.
        host: String,
    },

    /// The server redirected more often than allowed.
    #[error("more than {max} redirects")]
    TooManyRedirects {
        /// The limit.
        max: u32,
    },

    /// A redirect without a usable `Location`.
    #[error("unusable redirect: {reason}")]
    BadRedirect {
        /// What is wrong with it.
        reason: String,
    },

    /// The body (after decompression) is larger than allowed; reading
    /// stopped at the limit.
    #[error("body larger than {limit} bytes (after decompression)")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// The whole fetch (every redirect and the body) took longer than allowed.
    #[error("no complete answer within {after:?}")]
    Timeout {
        /// The limit.
        after: Duration,
    },

    /// The response's content type is not on the allow-list.
    #[error("content type `{found}` is not allowed")]
    ContentType {
        /// The content type found (`"(none)"` when the server sent none).
        found: String,
    },

    /// The server answered with an error status.
    #[error("the server answered HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
    },

    /// Connecting to the server failed (refused, unreachable, TLS).
    #[error("connection to `{host}` failed: {source}")]
    Connect {
        /// The host.
        host: String,
        /// The HTTP client's error (without the URL).
        #[source]
        source: BoxError,
    },

    /// Another HTTP failure (a malformed answer, a reset connection).
    #[error("HTTP: {source}")]
    Http {
        /// The HTTP client's error (without the URL).
        #[source]
        source: BoxError,
    },

    /// The page has no readable main content.
    #[error("no readable content: {reason}")]
    Extraction {
        /// What was missing.
        reason: String,
    },

    /// The feed cannot be parsed as RSS, Atom or JSON Feed.
    #[error("the feed cannot be read: {source}")]
    Feed {
        /// The parser's error.
        #[source]
        source: BoxError,
    },

    /// The draft's text is nearly the same as a recent draft or post of the
    /// account; nothing was stored.
    #[error("nearly the same text as draft {of} ({similarity}% similar)")]
    NearDuplicate {
        /// The draft (the first part, for a reply chain) it duplicates.
        of: DraftId,
        /// How similar, in percent (word-shingle overlap).
        similarity: u8,
    },

    /// No remix template has this name.
    #[error("no remix template named `{name}`")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
    },

    /// The source has no content to remix (still pending, or failed).
    #[error("source {source_id} is {status}: nothing to remix")]
    NotReady {
        /// The source.
        source_id: SourceId,
        /// Its status.
        status: SourceStatus,
    },

    /// The operation does not apply to this kind of source (a feed is not
    /// remixed itself: its items are).
    #[error("source {source_id} is a {kind} source: cannot {operation}")]
    WrongKind {
        /// The source.
        source_id: SourceId,
        /// Its kind.
        kind: SourceKind,
        /// What was attempted.
        operation: &'static str,
    },
}

impl SourceError {
    /// A stable, machine-readable name for the variant
    /// (`"forbidden_address"`, `"timeout"`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "invalid_url",
            Self::SchemeNotAllowed { .. } => "scheme_not_allowed",
            Self::CredentialsInUrl => "credentials_in_url",
            Self::ForbiddenHost { .. } => "forbidden_host",
            Self::ForbiddenAddress { .. } => "forbidden_address",
            Self::Resolve { .. } => "resolve",
            Self::NoAddress { .. } => "no_address",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::BadRedirect { .. } => "bad_redirect",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::Timeout { .. } => "timeout",
            Self::ContentType { .. } => "content_type",
            Self::Status { .. } => "status",
            Self::Connect { .. } => "connect",
            Self::Http { .. } => "http",
            Self::Extraction { .. } => "extraction",
            Self::Feed { .. } => "feed",
            Self::NearDuplicate { .. } => "near_duplicate",
            Self::UnknownTemplate { .. } => "unknown_template",
            Self::NotReady { .. } => "not_ready",
            Self::WrongKind { .. } => "wrong_kind",
        }
    }

    /// Whether trying again later may succeed without anything changing on
    /// our side: timeouts, connection and resolution failures, and server
    /// errors (HTTP 5xx, 408, 429).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Http { .. }
            | Self::Resolve { .. }
            | Self::NoAddress { .. } => true,
            Self::Status { status } => *status >= 500 || *status == 408 || *status == 429,
            _ => false,
        }
    }
}
