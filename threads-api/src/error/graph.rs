//! The Graph error envelope (`{"error": {...}}`) and the flat OAuth error shape, parsed
//! from a non-success response, and what to do about a Graph error.
//!
//! Meta documents the envelope in its Graph API error-handling guide:
//! <https://developers.facebook.com/docs/graph-api/guides/error-handling>.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use super::{Error, ErrorAction, ErrorCode, ErrorSubcode, ThreadsErrorCode, status_action};
use crate::usage::Usage;

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
}
