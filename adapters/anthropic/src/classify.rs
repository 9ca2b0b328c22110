//! Mapping of HTTP failures onto the trait's [`LlmError`] kinds.

use std::time::Duration;

use persona_core::LlmError;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

use crate::wire::ApiError;

/// Turns a non-success response into an [`LlmError`].
pub(crate) fn error_from_response(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
    request_id: Option<&str>,
    key: &SecretString,
) -> LlmError {
    let api = ApiError::parse(body);
    // `StatusCode`'s Display says "<unknown status code>" for 529 and friends.
    let http = match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    };
    let kind = api.kind.as_deref().unwrap_or_default();
    let raw = match &api.message {
        Some(message) => message.clone(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let cleaned = scrub(&raw, key);
    let mut context = http;
    if !kind.is_empty() {
        context = format!("{context}, {kind}");
    }
    if let Some(id) = request_id {
        context = format!("{context}, request {id}");
    }
    let message = match cleaned.trim() {
        "" => context,
        text => format!("{text} ({context})"),
    };
    let lower = raw.to_ascii_lowercase();
    let status = status.as_u16();
    if status == 429 || kind == "rate_limit_error" {
        return if api.detail_code.as_deref() == Some("enforced_spend_limit_reached") {
            LlmError::Other {
                message: format!("spend limit reached: {message}"),
                source: None,
            }
        } else {
            LlmError::RateLimited { retry_after }
        };
    }
    if matches!(status, 401 | 403) || matches!(kind, "authentication_error" | "permission_error") {
        return LlmError::Auth { message };
    }
    if matches!(status, 408 | 409)
        || status >= 500
        || matches!(kind, "overloaded_error" | "api_error")
    {
        return LlmError::Transient {
            message,
            source: None,
        };
    }
    let too_long = [
        "prompt is too long",
        "context limit",
        "context window",
        "too many tokens",
    ]
    .iter()
    .any(|needle| lower.contains(needle));
    if status == 413 || kind == "request_too_large" || too_long {
        return LlmError::ContextTooLong { message };
    }
    if (400..500).contains(&status) {
        return LlmError::InvalidRequest { message };
    }
    LlmError::Other {
        message,
        source: None,
    }
}

/// Turns a transport failure (no HTTP answer) into an [`LlmError`].
pub(crate) fn error_from_transport(error: reqwest::Error) -> LlmError {
    let what = if error.is_timeout() {
        "the request timed out"
    } else if error.is_connect() {
        "could not connect to the Anthropic API"
    } else if error.is_builder() || error.is_redirect() {
        return LlmError::Other {
            message: "the HTTP request could not be sent".into(),
            source: Some(Box::new(error)),
        };
    } else {
        "the connection to the Anthropic API failed"
    };
    LlmError::Transient {
        message: what.into(),
        source: Some(Box::new(error)),
    }
}

/// Removes the API key from a provider message (a proxy may echo request
/// headers back) and bounds its length.
pub(crate) fn scrub(message: &str, key: &SecretString) -> String {
    persona_core::provider::scrub::scrub(message, key.expose_secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, kind: &str, message: &str) -> LlmError {
        let body = serde_json::json!({
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"
        });
        error_from_response(
            StatusCode::from_u16(status).unwrap(),
            body.to_string().as_bytes(),
            Some(Duration::from_secs(2)),
            None,
            &SecretString::from("sk-ant-test"),
        )
    }

    #[test]
    fn statuses_and_types_map_to_kinds() {
        assert!(matches!(
            classify(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
            LlmError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(2)
        ));
        assert!(matches!(
            classify(401, "authentication_error", "invalid x-api-key"),
            LlmError::Auth { .. }
        ));
        assert!(matches!(
            classify(403, "permission_error", "no access"),
            LlmError::Auth { .. }
        ));
        assert!(matches!(
            classify(529, "overloaded_error", "Overloaded"),
            LlmError::Transient { .. }
        ));
        assert!(matches!(
            classify(500, "api_error", "Internal server error"),
            LlmError::Transient { .. }
        ));
        assert!(matches!(
            classify(
                400,
                "invalid_request_error",
                "prompt is too long: 208310 tokens > 200000 maximum"
            ),
            LlmError::ContextTooLong { .. }
        ));
        assert!(matches!(
            classify(
                400,
                "invalid_request_error",
                "input length and `max_tokens` exceed context limit: 197693 + 21333 > 200000, decrease input length or `max_tokens` and try again"
            ),
            LlmError::ContextTooLong { .. }
        ));
        assert!(matches!(
            classify(
                413,
                "request_too_large",
                "Request exceeds the maximum allowed number of bytes."
            ),
            LlmError::ContextTooLong { .. }
        ));
        assert!(matches!(
            classify(400, "invalid_request_error", "max_tokens: Field required"),
            LlmError::InvalidRequest { .. }
        ));
        assert!(matches!(
            classify(404, "not_found_error", "model: claude-x"),
            LlmError::InvalidRequest { .. }
        ));
    }

    #[test]
    fn spend_limit_is_not_a_rate_limit() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}"#;
        let err = error_from_response(
            StatusCode::TOO_MANY_REQUESTS,
            body,
            None,
            None,
            &SecretString::from("k"),
        );
        assert!(matches!(err, LlmError::Other { .. }), "{err:?}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn messages_keep_status_and_type_and_lose_the_key() {
        let text = classify(401, "authentication_error", "bad key sk-ant-test").to_string();
        assert!(
            text.contains("bad key [redacted] (HTTP 401 Unauthorized, authentication_error)"),
            "{text}"
        );
        assert!(!text.contains("sk-ant-test"));
        let plain = error_from_response(
            StatusCode::BAD_GATEWAY,
            b"",
            None,
            Some("req_011CSHoEeqs5C35K2UUqR7Fy"),
            &SecretString::from("k"),
        );
        assert_eq!(
            plain.to_string(),
            "transient model provider failure: HTTP 502 Bad Gateway, request req_011CSHoEeqs5C35K2UUqR7Fy"
        );
    }
}
