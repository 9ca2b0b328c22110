//! Shared helpers of the integration tests: a wiremock server whose unmatched
//! routes fail loudly, a client pointed at it, and form-body matchers.
#![allow(dead_code)]

use std::time::Duration;

use threads_api::{AccessToken, AccountClient, RetryPolicy, ThreadsClient, ids::UserId};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// The token every test uses; tests assert it never leaks.
pub(crate) const TOKEN: &str = "THtest-token-0123456789";

/// A mock server with a lowest-priority catch-all that answers 418 with the
/// unmatched method and path, so a wrong URL fails with a clear message rather
/// than a confusing decode error (octocrab's `mock_error` idea).
pub(crate) async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Unmatched)
        .with_priority(u8::MAX)
        .named("catch-all: unexpected route")
        .mount(&server)
        .await;
    server
}

struct Unmatched;

impl Respond for Unmatched {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = request.url.query().unwrap_or("");
        let body = String::from_utf8_lossy(&request.body);
        ResponseTemplate::new(418).set_body_string(format!(
            "UNEXPECTED ROUTE: {} {}?{} body={}",
            request.method,
            request.url.path(),
            query,
            body
        ))
    }
}

/// Retry policy with tiny delays, so retry tests run fast without sleeping for real.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A client pointed at `server`.
pub(crate) fn client(server: &MockServer) -> ThreadsClient {
    ThreadsClient::builder()
        .graph_base_url(server.uri())
        .authorize_base_url("https://threads.net")
        .retry_policy(fast_retry())
        .build()
        .expect("a wiremock URL is a valid base URL")
}

/// An account `17841405793187218` with [`TOKEN`].
pub(crate) fn account(server: &MockServer) -> AccountClient {
    client(server).account(UserId::new("17841405793187218"), AccessToken::new(TOKEN))
}

/// Matches a form-urlencoded body parameter exactly.
pub(crate) struct FormParam(pub &'static str, pub String);

/// `FormParam` constructor.
pub(crate) fn form(name: &'static str, value: impl Into<String>) -> FormParam {
    FormParam(name, value.into())
}

impl Match for FormParam {
    fn matches(&self, request: &Request) -> bool {
        form_pairs(request)
            .iter()
            .any(|(k, v)| k == self.0 && *v == self.1)
    }
}

/// Matches when the form body has no parameter of this name.
pub(crate) struct FormParamMissing(pub &'static str);

impl Match for FormParamMissing {
    fn matches(&self, request: &Request) -> bool {
        !form_pairs(request).iter().any(|(k, _)| k == self.0)
    }
}

/// Matches when the form body has exactly these parameter names (any order).
pub(crate) struct FormKeys(pub Vec<&'static str>);

impl Match for FormKeys {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<String> = form_pairs(request).into_iter().map(|(k, _)| k).collect();
        got.sort();
        let mut want: Vec<String> = self.0.iter().map(|s| s.to_string()).collect();
        want.sort();
        got == want
    }
}

/// Matches when the query string has exactly these parameter names (any order).
pub(crate) struct QueryKeys(pub Vec<&'static str>);

impl Match for QueryKeys {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<String> = request
            .url
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        got.sort();
        let mut want: Vec<String> = self.0.iter().map(|s| s.to_string()).collect();
        want.sort();
        got == want
    }
}

/// The decoded form body of a request.
pub(crate) fn form_pairs(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A JSON response.
pub(crate) fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// Reads a fixture from `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Asserts that no received request carried the token outside the `access_token`
/// parameter or the Authorization header, and that the given text does not contain it.
pub(crate) fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked into: {text}");
}
