//! The HTTP client: [`ThreadsClient`], its builder and [`AccountClient`].
//!
//! A [`ThreadsClient`] holds configuration and a connection pool; it is cheap to clone
//! (an `Arc` inside) and is shared by every account a process manages. An
//! [`AccountClient`] binds it to one Threads user ID and access token and hands out the
//! per-area handlers (`account.posts()`, `account.publish()`, `account.replies()`, ...).
//!
//! Every handler method builds a request as data, and [`ThreadsClient`] sends it: base URL
//! and version prefix, the token, retries for reads only, usage headers, Graph error
//! mapping and typed decoding with the failing field's path.

mod builder;
pub(crate) mod request;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

pub use builder::{
    DEFAULT_API_VERSION, DEFAULT_AUTHORIZE_BASE_URL, DEFAULT_GRAPH_BASE_URL, DEFAULT_TIMEOUT,
    ThreadsClientBuilder, TokenPlacement,
};
pub(crate) use request::RequestSpec;

use crate::error::{Error, Result, error_from_response};
use crate::ids::UserId;
use crate::retry::{self, Idempotency, RetryPolicy};
use crate::token::AccessToken;
use crate::usage::Usage;

/// Placeholder kept in [`Error::Decode`] instead of a token endpoint's body.
const REDACTED_BODY: &str = "[redacted: token endpoint response]";

/// A client for the Threads Graph API.
///
/// Cheap to clone; clones share the connection pool, configuration and the
/// [`last_usage`](Self::last_usage) record.
///
/// ```no_run
/// use threads_api::{AccessToken, ThreadsClient, ids::UserId};
///
/// # async fn run() -> Result<(), threads_api::Error> {
/// let client = ThreadsClient::new()?;
/// let account = client.account(UserId::me(), AccessToken::new("TH..."));
/// let me = account.profile().get().send().await?;
/// println!("{:?}", me.username);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ThreadsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    graph_base: Url,
    authorize_base: Url,
    api_version: Option<String>,
    /// Set only with a caller-supplied HTTP client and an explicit timeout.
    per_request_timeout: Option<Duration>,
    retry: RetryPolicy,
    token_placement: TokenPlacement,
    last_usage: Mutex<Option<Usage>>,
}

impl fmt::Debug for ThreadsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadsClient")
            .field("graph_base", &self.inner.graph_base.as_str())
            .field("authorize_base", &self.inner.authorize_base.as_str())
            .field("api_version", &self.inner.api_version)
            .field("retry", &self.inner.retry)
            .field("token_placement", &self.inner.token_placement)
            .finish_non_exhaustive()
    }
}

impl ThreadsClient {
    /// A client with the default configuration (see [`ThreadsClientBuilder::new`]).
    ///
    /// # Errors
    /// [`Error::ClientBuild`] if the HTTP client cannot initialise (TLS backend).
    pub fn new() -> Result<Self> {
        ThreadsClientBuilder::new().build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ThreadsClientBuilder {
        ThreadsClientBuilder::new()
    }

    /// Binds the client to one account: its Threads user ID (or [`UserId::me`]) and
    /// access token.
    pub fn account(&self, user_id: impl Into<UserId>, token: AccessToken) -> AccountClient {
        AccountClient {
            client: self.clone(),
            user_id: user_id.into(),
            token,
        }
    }

    /// The Graph API base URL.
    pub fn graph_base_url(&self) -> &Url {
        &self.inner.graph_base
    }

    /// The OAuth dialog base URL.
    pub fn authorize_base_url(&self) -> &Url {
        &self.inner.authorize_base
    }

    /// The API version prefix, if any.
    pub fn api_version(&self) -> Option<&str> {
        self.inner.api_version.as_deref()
    }

    /// The retry policy for reads.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Usage headers of the most recent response that had any (`X-App-Usage`,
    /// `X-Business-Use-Case-Usage`, `Retry-After`). Shared by all clones. Threads does not
    /// document these headers, so expect `None`; see [`crate::usage`].
    pub fn last_usage(&self) -> Option<Usage> {
        self.inner
            .last_usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    // ----- typed escape hatch -------------------------------------------------------

    /// `GET` any Graph path and decode the JSON into `T`: for fields and endpoints Meta
    /// adds before this crate types them. Reuses base URL, version prefix, token
    /// placement and the read retry policy.
    ///
    /// `path` is split on `/`; each segment is percent-encoded.
    ///
    /// ```no_run
    /// # use threads_api::{AccessToken, ThreadsClient};
    /// # async fn run(client: ThreadsClient, token: AccessToken) -> Result<(), threads_api::Error> {
    /// let raw: serde_json::Value = client
    ///     .get_json("me", &[("fields", "id,username,some_new_field")], Some(&token))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Any [`Error`] of a request.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        token: Option<&AccessToken>,
    ) -> Result<T> {
        self.send(raw_spec(
            Method::GET,
            path,
            params,
            token,
            Idempotency::Read,
        ))
        .await
    }

    /// `POST` form parameters to any Graph path and decode the JSON into `T`.
    ///
    /// Treated as [`Idempotency::Irreversible`]: never retried once it may have reached
    /// Meta.
    ///
    /// # Errors
    /// Any [`Error`] of a request.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        token: Option<&AccessToken>,
    ) -> Result<T> {
        self.send(raw_spec(
            Method::POST,
            path,
            params,
            token,
            Idempotency::Irreversible,
        ))
        .await
    }

    /// `DELETE` any Graph path (parameters in the query string) and decode the JSON into
    /// `T`. Never retried once it may have reached Meta.
    ///
    /// # Errors
    /// Any [`Error`] of a request.
    pub async fn delete_json<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        token: Option<&AccessToken>,
    ) -> Result<T> {
        self.send(raw_spec(
            Method::DELETE,
            path,
            params,
            token,
            Idempotency::Irreversible,
        ))
        .await
    }

    // ----- the request layer ----------------------------------------------------------

    /// Sends a request, retrying as its idempotency class and the policy allow, and
    /// decodes the JSON body into `T`.
    pub(crate) async fn send<T: DeserializeOwned>(&self, spec: RequestSpec) -> Result<T> {
        retry::run(
            &self.inner.retry,
            spec.idempotency,
            || self.send_once(&spec),
            |attempt, delay, err| {
                tracing::debug!(
                    method = %spec.method,
                    path = %spec.segments.join("/"),
                    attempt,
                    ?delay,
                    error = %err,
                    "retrying Threads API request"
                );
            },
        )
        .await
    }

    async fn send_once<T: DeserializeOwned>(&self, spec: &RequestSpec) -> Result<T> {
        let inner = &*self.inner;
        let as_parameter = inner.token_placement == TokenPlacement::Parameter;
        let token_in_body = spec.method == Method::POST;

        let mut url = self.url_for(spec)?;
        let put_query =
            !spec.query.is_empty() || (as_parameter && !token_in_body && spec.token.is_some());
        if put_query {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &spec.query {
                pairs.append_pair(name, value);
            }
            if let (true, false, Some(token)) = (as_parameter, token_in_body, &spec.token) {
                pairs.append_pair("access_token", token.expose_secret());
            }
        }

        let mut request = inner.http.request(spec.method.clone(), url);
        if token_in_body {
            let mut form: Vec<(&str, &str)> = spec
                .form
                .iter()
                .map(|(n, v)| (n.as_ref(), v.as_str()))
                .collect();
            if let (true, Some(token)) = (as_parameter, &spec.token) {
                form.push(("access_token", token.expose_secret()));
            }
            request = request.form(&form);
        }
        if let (false, Some(token)) = (as_parameter, &spec.token) {
            request = request.bearer_auth(token.expose_secret());
        }
        if let Some(timeout) = inner.per_request_timeout {
            request = request.timeout(timeout);
        }

        let response = request.send().await.map_err(Error::from_reqwest)?;
        let status = response.status();
        let usage = Usage::from_headers(response.headers());
        if let Some(u) = &usage {
            *inner
                .last_usage
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(u.clone());
        }
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        if !status.is_success() {
            return Err(error_from_response(
                status,
                &body,
                usage,
                !spec.secret_response,
            ));
        }
        decode(&body, spec.secret_response)
    }

    /// The full URL of a request, without query parameters.
    fn url_for(&self, spec: &RequestSpec) -> Result<Url> {
        let mut url = self.inner.graph_base.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| Error::InvalidBaseUrl {
                    url: self.inner.graph_base.to_string(),
                    reason: "the URL cannot have a path".into(),
                })?;
            segments.pop_if_empty();
            if spec.versioned
                && let Some(version) = &self.inner.api_version
            {
                segments.push(version);
            }
            segments.extend(&spec.segments);
        }
        Ok(url)
    }
}

fn raw_spec(
    method: Method,
    path: &str,
    params: &[(&str, &str)],
    token: Option<&AccessToken>,
    idempotency: Idempotency,
) -> RequestSpec {
    let segments = path.split('/').filter(|s| !s.is_empty());
    let mut spec = match method {
        Method::POST => RequestSpec::post(segments, idempotency),
        Method::DELETE => RequestSpec::delete(segments),
        _ => RequestSpec::get(segments),
    };
    for (name, value) in params {
        let pair = ((*name).to_owned(), (*value).to_owned());
        spec = if spec.method == Method::POST {
            spec.form(pair.0, pair.1)
        } else {
            spec.query(pair.0, pair.1)
        };
    }
    if let Some(token) = token {
        spec = spec.token(token);
    }
    spec
}

/// Decodes a success body. The fast path is plain `serde_json`; only on failure is the
/// body decoded again with `serde_path_to_error` to name the failing field.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8], secret: bool) -> Result<T> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let (path, source) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.into_inner()),
                Ok(_) => (".".to_owned(), first),
            };
            Err(Error::Decode {
                path,
                source,
                body: if secret {
                    REDACTED_BODY.to_owned()
                } else {
                    String::from_utf8_lossy(body).into_owned()
                },
            })
        }
    }
}

/// A [`ThreadsClient`] bound to one account (user ID and access token).
///
/// Hands out one handler per API area. Handlers and the request builders they return own
/// a clone of this value, so pending requests are `'static + Send` and can move into
/// spawned tasks.
///
/// ```no_run
/// use threads_api::{AccessToken, ThreadsClient, ids::UserId};
///
/// # async fn run() -> Result<(), threads_api::Error> {
/// let client = ThreadsClient::new()?;
/// let account = client.account(UserId::new("17841405793187218"), AccessToken::new("TH..."));
/// let page = account.posts().list().limit(10).send().await?;
/// for post in &page {
///     println!("{} {:?}", post.id, post.text);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccountClient {
    pub(crate) client: ThreadsClient,
    pub(crate) user_id: UserId,
    pub(crate) token: AccessToken,
}

impl fmt::Debug for AccountClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountClient")
            .field("user_id", &self.user_id)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl AccountClient {
    /// The account's user ID (possibly the `me` alias).
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }

    /// The account's access token.
    pub fn token(&self) -> &AccessToken {
        &self.token
    }

    /// The underlying client.
    pub fn client(&self) -> &ThreadsClient {
        &self.client
    }

    /// The same account with another token (after a refresh).
    pub fn with_token(&self, token: AccessToken) -> Self {
        Self {
            token,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Thing {
        #[allow(dead_code)]
        id: String,
        #[allow(dead_code)]
        nested: Vec<Inner2>,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Inner2 {
        #[allow(dead_code)]
        n: u32,
    }

    #[test]
    fn decode_names_the_failing_path_and_keeps_the_body() {
        let body = br#"{"id":"1","nested":[{"n":1},{"n":"x"}]}"#;
        match decode::<Thing>(body, false) {
            Err(Error::Decode { path, body, .. }) => {
                assert_eq!(path, "nested[1].n");
                assert!(body.contains("\"x\""));
            }
            other => panic!("{other:?}"),
        }
        match decode::<Thing>(body, true) {
            Err(Error::Decode { body, .. }) => assert_eq!(body, REDACTED_BODY),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn url_keeps_prefix_and_encodes_segments() {
        let client = ThreadsClient::builder()
            .graph_base_url("http://localhost:1234/emu/")
            .build()
            .unwrap();
        let spec = RequestSpec::get(["me", "a/b?c"]);
        assert_eq!(
            client.url_for(&spec).unwrap().as_str(),
            "http://localhost:1234/emu/v1.0/me/a%2Fb%3Fc"
        );
        let spec = RequestSpec::get(["oauth", "access_token"]).unversioned();
        assert_eq!(
            client.url_for(&spec).unwrap().as_str(),
            "http://localhost:1234/emu/oauth/access_token"
        );
    }

    #[test]
    fn bad_base_urls_are_typed_errors() {
        for bad in [
            "not a url",
            "ftp://x.example",
            "https://x.example/?a=1",
            "mailto:a@b",
        ] {
            let err = ThreadsClient::builder()
                .graph_base_url(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidBaseUrl { .. }),
                "{bad}: {err:?}"
            );
        }
        let err = ThreadsClient::builder()
            .api_version("v1/x")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidBaseUrl { .. }));
    }

    #[test]
    fn debug_output_has_no_token() {
        let client = ThreadsClient::new().unwrap();
        let account = client.account(UserId::me(), AccessToken::new("THsecret"));
        let shown = format!("{account:?}");
        assert!(!shown.contains("THsecret"), "{shown}");
    }

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn clients_are_send_sync_static() {
        assert_send_sync::<ThreadsClient>();
        assert_send_sync::<AccountClient>();
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn requests_with_their_retry_loop_can_move_to_other_tasks() {
        let client = ThreadsClient::new().unwrap();
        let token = AccessToken::new("THsecret");
        let read = client.get_json::<serde_json::Value>("me", &[], Some(&token));
        assert_send(&read);
        let write = client.post_json::<serde_json::Value>("me/threads", &[], Some(&token));
        assert_send(&write);
    }
}
