//! Configuration errors raised while building an [`AnthropicProvider`](crate::AnthropicProvider).
//!
//! Failures of a completion call are [`persona_core::LlmError`] values, the
//! trait's own error type; this enum only covers what can go wrong before the
//! first request is sent.

/// What can go wrong while configuring the provider.
///
/// No variant ever carries the API key: an invalid key is reported without
/// its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required environment variable is missing or empty.
    #[error("environment variable {name} is not set")]
    MissingEnv {
        /// The variable's name.
        name: &'static str,
    },
    /// The base URL could not be parsed.
    #[error("invalid base URL {url:?}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it did not parse.
        #[source]
        source: url::ParseError,
    },
    /// The base URL is not an `http` or `https` URL, or carries a query or
    /// fragment that the endpoint path cannot be appended to.
    #[error("unsupported base URL {url:?}: {reason}")]
    UnsupportedBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The API key is empty (the Messages API always needs one).
    #[error("the API key is empty")]
    EmptyApiKey,
    /// A value meant for an HTTP header (the API key) contains characters a
    /// header cannot carry.
    #[error("the {what} contains characters that are not allowed in an HTTP header")]
    InvalidHeaderValue {
        /// Which setting was invalid (`"API key"`).
        what: &'static str,
    },
    /// The default HTTP client could not be created (for example, no TLS
    /// backend could be initialised).
    #[error("could not create the HTTP client")]
    HttpClient(#[source] reqwest::Error),
}
