//! Requests as data.
//!
//! A [`RequestSpec`] describes one HTTP call completely (method, path segments, query and
//! form parameters, the token, the idempotency class) without doing any I/O. Handlers in
//! [`crate::api`] build one and hand it to [`ThreadsClient::send`](crate::ThreadsClient),
//! which adds the base URL, version prefix and token, sends it with retries appropriate to
//! its class, maps errors and decodes the body.
//!
//! # Writing a handler method
//!
//! ```text
//! // GET /{media-id}/insights?metric=views,likes
//! pub async fn media_insights(&self, id: &MediaId, metrics: &[Metric]) -> Result<Insights> {
//!     let spec = RequestSpec::get([id.as_str(), "insights"])
//!         .query("metric", join_comma(metrics))
//!         .token(&self.account.token);
//!     self.account.client.send(spec).await
//! }
//! ```
//!
//! * Paths are given as **segments**; each is percent-encoded, so an ID can never inject
//!   `/` or `?` into the URL.
//! * Use [`RequestSpec::get`] for reads (retried on transient errors),
//!   [`RequestSpec::post`] with [`Idempotency::Create`] or [`Idempotency::Irreversible`]
//!   for writes (never retried after they may have reached Meta) and
//!   [`RequestSpec::delete`] (irreversible).
//! * POST parameters go in the form body with [`RequestSpec::form`]; the token joins
//!   them. GET/DELETE parameters go in the query string with [`RequestSpec::query`].

use std::borrow::Cow;

use reqwest::Method;

use crate::retry::Idempotency;
use crate::token::AccessToken;

/// A parameter name: usually a `&'static str` wire name, owned for the escape hatch.
pub(crate) type ParamName = Cow<'static, str>;

/// One HTTP request to the Graph API, as data. See the [module docs](self).
///
/// `Debug` shows parameter *names* only: values may be secrets (`client_secret`,
/// `input_token`).
#[derive(Clone)]
pub(crate) struct RequestSpec {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(ParamName, String)>,
    pub(crate) form: Vec<(ParamName, String)>,
    pub(crate) token: Option<AccessToken>,
    pub(crate) idempotency: Idempotency,
    /// Prefix the path with the API version (`/v1.0`). Off for the token endpoints,
    /// which Meta documents unversioned.
    pub(crate) versioned: bool,
    /// The response (or the error body) may contain a secret (token endpoints): never
    /// copy it into an error.
    pub(crate) secret_response: bool,
}

impl std::fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |params: &[(ParamName, String)]| -> Vec<String> {
            params.iter().map(|(n, _)| n.to_string()).collect()
        };
        f.debug_struct("RequestSpec")
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &names(&self.query))
            .field("form", &names(&self.form))
            .field("idempotency", &self.idempotency)
            .field("versioned", &self.versioned)
            .finish_non_exhaustive()
    }
}

impl RequestSpec {
    fn new<I, S>(method: Method, segments: I, idempotency: Idempotency) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            form: Vec::new(),
            token: None,
            idempotency,
            versioned: true,
            secret_response: false,
        }
    }

    /// A read: `GET /{segments...}`, retried on transient errors.
    pub(crate) fn get<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::GET, segments, Idempotency::Read)
    }

    /// A write: `POST /{segments...}` with the given idempotency class.
    pub(crate) fn post<I, S>(segments: I, idempotency: Idempotency) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::POST, segments, idempotency)
    }

    /// `DELETE /{segments...}`, irreversible.
    pub(crate) fn delete<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::DELETE, segments, Idempotency::Irreversible)
    }

    /// Adds a query-string parameter.
    pub(crate) fn query(mut self, name: impl Into<ParamName>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a query-string parameter when `value` is `Some`.
    pub(crate) fn query_opt(
        self,
        name: impl Into<ParamName>,
        value: Option<impl Into<String>>,
    ) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds a form-body parameter (POST).
    pub(crate) fn form(mut self, name: impl Into<ParamName>, value: impl Into<String>) -> Self {
        self.form.push((name.into(), value.into()));
        self
    }

    /// Adds form-body parameters (POST).
    pub(crate) fn form_pairs<N, V>(mut self, pairs: impl IntoIterator<Item = (N, V)>) -> Self
    where
        N: Into<ParamName>,
        V: Into<String>,
    {
        self.form
            .extend(pairs.into_iter().map(|(n, v)| (n.into(), v.into())));
        self
    }

    /// Authenticates the request with `token`.
    pub(crate) fn token(mut self, token: &AccessToken) -> Self {
        self.token = Some(token.clone());
        self
    }

    /// Sends the path without the version prefix.
    pub(crate) fn unversioned(mut self) -> Self {
        self.versioned = false;
        self
    }

    /// Marks the response as secret-bearing (token endpoints).
    pub(crate) fn secret_response(mut self) -> Self {
        self.secret_response = true;
        self
    }

    /// Replaces (or removes, with `None`) every query parameter called `name`.
    pub(crate) fn set_query(&mut self, name: &'static str, value: Option<String>) {
        self.query.retain(|(n, _)| n != name);
        if let Some(v) = value {
            self.query.push((Cow::Borrowed(name), v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_lists_parameter_names_not_values() {
        let spec = RequestSpec::post(["oauth", "access_token"], Idempotency::Irreversible)
            .form("client_secret", "s3cret-value")
            .query("input_token", "THinput")
            .token(&AccessToken::new("THtoken"));
        let shown = format!("{spec:?}");
        for secret in ["s3cret-value", "THinput", "THtoken"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("client_secret"));
        assert!(shown.contains("input_token"));
    }

    #[test]
    fn set_query_replaces_and_removes() {
        let mut spec = RequestSpec::get(["me"])
            .query("after", "A")
            .query("limit", "5");
        spec.set_query("after", Some("B".into()));
        spec.set_query("limit", None);
        let pairs: Vec<(String, String)> = spec
            .query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(pairs, vec![("after".to_owned(), "B".to_owned())]);
    }
}
