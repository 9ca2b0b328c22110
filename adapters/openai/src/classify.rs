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
    let code = api.code.as_deref().unwrap_or_default();
    let kind = api.kind.as_deref().unwrap_or_default();
    let raw = match &api.message {
        Some(message) => message.clone(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let cleaned = scrub(&raw, key);
    let request = request_id
        .map(|id| format!(", request {id}"))
        .unwrap_or_default();
    let message = match cleaned.trim() {
        "" => format!("{http}{request}"),
        text => format!("{text} ({http}{request})"),
    };
    let lower = raw.to_ascii_lowercase();
    let status = status.as_u16();
    if status == 429 {
        return if code == "insufficient_quota" {
            LlmError::Other {
                message: format!("quota exhausted: {message}"),
                source: None,
            }
        } else {
            LlmError::RateLimited { retry_after }
        };
    }
    if matches!(status, 401 | 403) {
        return LlmError::Auth { message };
    }
    if matches!(status, 408 | 409) || status >= 500 {
        return LlmError::Transient {
            message,
            source: None,
        };
    }
    let too_long = code == "context_length_exceeded"
        || kind == "exceed_context_size_error"
        || [
            "maximum context length",
            "context length",
            "context window",
            "context size",
        ]
        .iter()
        .any(|needle| lower.contains(needle));
    if status == 413 || too_long {
        return LlmError::ContextTooLong { message };
    }
    if matches!(code, "content_filter" | "content_policy_violation") {
        return LlmError::ContentFiltered { message };
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
        "could not connect to the model server"
    } else if error.is_builder() || error.is_redirect() {
        return LlmError::Other {
            message: "the HTTP request could not be sent".into(),
            source: Some(Box::new(error)),
        };
    } else {
        "the connection to the model server failed"
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
    use persona_core::provider::scrub::MAX_MESSAGE_CHARS;

    fn classify(status: u16, body: &str) -> LlmError {
        error_from_response(
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            Some(Duration::from_secs(3)),
            None,
            &SecretString::from("sk-test-secret"),
        )
    }

    #[test]
    fn statuses_and_codes_map_to_kinds() {
        assert!(matches!(
            classify(429, r#"{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}"#),
            LlmError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3)
        ));
        assert!(matches!(
            classify(
                429,
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#
            ),
            LlmError::Other { .. }
        ));
        assert!(matches!(classify(401, "{}"), LlmError::Auth { .. }));
        assert!(matches!(classify(403, "{}"), LlmError::Auth { .. }));
        assert!(matches!(classify(500, "oops"), LlmError::Transient { .. }));
        assert!(matches!(classify(503, ""), LlmError::Transient { .. }));
        assert!(matches!(classify(408, ""), LlmError::Transient { .. }));
        assert!(matches!(
            classify(
                400,
                r#"{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#
            ),
            LlmError::ContextTooLong { .. }
        ));
        assert!(matches!(
            classify(
                400,
                r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}"#
            ),
            LlmError::ContextTooLong { .. }
        ));
        assert!(matches!(
            classify(
                400,
                r#"{"error":{"message":"filtered","type":"invalid_request_error","param":"prompt","code":"content_filter"}}"#
            ),
            LlmError::ContentFiltered { .. }
        ));
        assert!(matches!(
            classify(
                400,
                r#"{"error":{"message":"Unsupported parameter","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#
            ),
            LlmError::InvalidRequest { .. }
        ));
        assert!(matches!(
            classify(404, "{}"),
            LlmError::InvalidRequest { .. }
        ));
        assert!(matches!(classify(302, ""), LlmError::Other { .. }));
    }

    #[test]
    fn messages_keep_status_and_lose_the_key() {
        let err = classify(
            401,
            r#"{"error":{"message":"Incorrect API key provided: sk-test-secret.","type":"invalid_request_error","code":"invalid_api_key"}}"#,
        );
        let text = err.to_string();
        assert!(
            text.contains("Incorrect API key provided: [redacted]."),
            "{text}"
        );
        assert!(text.contains("HTTP 401"), "{text}");
        assert!(!text.contains("sk-test-secret"));
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(5_000);
        let cut = scrub(&long, &SecretString::from(""));
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
