//! [`ThreadsClientBuilder`]: configuration of a [`ThreadsClient`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use url::Url;

use super::{Inner, ThreadsClient};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The default Graph API host.
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.threads.net";
/// The default host of the OAuth authorization dialog.
pub const DEFAULT_AUTHORIZE_BASE_URL: &str = "https://threads.net";
/// The default API version prefix.
pub const DEFAULT_API_VERSION: &str = "v1.0";
/// The default per-request timeout of the client's own HTTP client.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the access token goes in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenPlacement {
    /// As the `access_token` parameter: in the query string for GET/DELETE, in the form
    /// body for POST. This is the documented way and the default.
    #[default]
    Parameter,
    /// As an `Authorization: Bearer <token>` header (accepted by Graph, not documented
    /// for Threads). Keeps tokens out of URLs, and so out of proxy and server logs.
    BearerHeader,
}

/// Builds a [`ThreadsClient`].
///
/// ```no_run
/// use std::time::Duration;
/// use threads_api::{RetryPolicy, ThreadsClient};
///
/// # fn main() -> Result<(), threads_api::Error> {
/// let client = ThreadsClient::builder()
///     .graph_base_url("https://graph.threads.com")
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy { max_attempts: 4, ..RetryPolicy::default() })
///     .user_agent("my-scheduler/1.2")
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ThreadsClientBuilder {
    graph_base_url: String,
    authorize_base_url: String,
    api_version: Option<String>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    user_agent: Option<String>,
    retry: RetryPolicy,
    token_placement: TokenPlacement,
}

impl Default for ThreadsClientBuilder {
    fn default() -> Self {
        Self {
            graph_base_url: DEFAULT_GRAPH_BASE_URL.to_owned(),
            authorize_base_url: DEFAULT_AUTHORIZE_BASE_URL.to_owned(),
            api_version: Some(DEFAULT_API_VERSION.to_owned()),
            http: None,
            timeout: None,
            user_agent: None,
            retry: RetryPolicy::default(),
            token_placement: TokenPlacement::default(),
        }
    }
}

impl ThreadsClientBuilder {
    /// A builder with the defaults: `https://graph.threads.net`, `v1.0`, 30 s timeout,
    /// [`RetryPolicy::default`], token as a parameter.
    pub fn new() -> Self {
        Self::default()
    }

    /// The Graph API base URL: `https://graph.threads.com`, an emulator, or a wiremock
    /// server in tests. A path prefix is kept (`http://localhost:8080/threads`).
    pub fn graph_base_url(mut self, url: impl Into<String>) -> Self {
        self.graph_base_url = url.into();
        self
    }

    /// The host of the OAuth dialog (`https://threads.net` by default;
    /// `https://www.threads.net` and `https://threads.com` are the same dialog).
    pub fn authorize_base_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_base_url = url.into();
        self
    }

    /// The version prefix of Graph paths (`v1.0` by default).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Sends paths without a version prefix (`/me` instead of `/v1.0/me`), as the
    /// official Postman collection does.
    pub fn without_api_version(mut self) -> Self {
        self.api_version = None;
        self
    }

    /// Uses a caller-supplied `reqwest::Client` (shared connection pool, proxies,
    /// custom TLS). Its own timeout and redirect settings apply; see the crate docs'
    /// security notes about redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Per-request timeout (default 30 s). With a caller-supplied HTTP client it is set on
    /// every request only when given explicitly.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `User-Agent` of the client's own HTTP client (ignored with
    /// [`http_client`](Self::http_client)).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// How reads are retried (see [`crate::retry`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where the access token goes (default: the `access_token` parameter).
    pub fn token_placement(mut self, placement: TokenPlacement) -> Self {
        self.token_placement = placement;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidBaseUrl`] for a base URL that is not an absolute `http(s)` URL
    /// without query or fragment; [`Error::ClientBuild`] if reqwest cannot initialise.
    pub fn build(self) -> Result<ThreadsClient> {
        let graph_base = parse_base(&self.graph_base_url)?;
        let authorize_base = parse_base(&self.authorize_base_url)?;
        let bad_version = |v: &&String| v.is_empty() || v.contains(['/', '?', '#']);
        if let Some(v) = self.api_version.as_ref().filter(bad_version) {
            return Err(Error::InvalidBaseUrl {
                url: v.clone(),
                reason: "the API version must be one non-empty path segment".into(),
            });
        }
        let (http, per_request_timeout) = match self.http {
            Some(client) => (client, self.timeout),
            None => {
                let client = reqwest::Client::builder()
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .user_agent(self.user_agent.unwrap_or_else(|| {
                        concat!("threads-api/", env!("CARGO_PKG_VERSION")).to_owned()
                    }))
                    // Tokens travel in URLs: never follow a redirect to another host.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(Error::ClientBuild)?;
                (client, None)
            }
        };
        Ok(ThreadsClient {
            inner: Arc::new(Inner {
                http,
                graph_base,
                authorize_base,
                api_version: self.api_version,
                per_request_timeout,
                retry: self.retry,
                token_placement: self.token_placement,
                last_usage: Mutex::new(None),
            }),
        })
    }
}

fn parse_base(raw: &str) -> Result<Url> {
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid("the URL needs a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("the URL must not have a query or fragment"));
    }
    Ok(url)
}
