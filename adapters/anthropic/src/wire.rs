//! The JSON shapes of the Messages API, as far as this crate uses them.
//!
//! Responses are decoded leniently: unknown fields and content block types
//! are ignored, and fields this crate can do without are optional.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The body of `POST /v1/messages`.
#[derive(Debug, Serialize)]
pub(crate) struct MessagesRequest<'a> {
    pub model: &'a str,
    pub max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<Cow<'a, str>>,
    pub messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// One message of the request (plain string content).
#[derive(Debug, Serialize)]
pub(crate) struct WireMessage<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

/// A successful answer.
#[derive(Debug, Deserialize)]
pub(crate) struct MessagesResponse {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// One content block; only `text` blocks carry text this crate returns.
#[derive(Debug, Deserialize)]
pub(crate) struct ContentBlock {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
}

/// Token counts. `input_tokens` excludes tokens read from or written to the
/// prompt cache, which are reported separately.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
}

/// The parts of `{"type": "error", "error": {"type", "message"}}` this
/// crate reads, plus `error.details.error_code` (spend limits).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub kind: Option<String>,
    pub message: Option<String>,
    pub detail_code: Option<String>,
}

impl ApiError {
    /// Reads the error description of a body; empty when there is none.
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Self::default();
        };
        let Some(error) = value.get("error") else {
            return Self::default();
        };
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_owned);
        Self {
            kind: text(error.get("type")),
            message: text(error.get("message")),
            detail_code: text(error.get("details").and_then(|d| d.get("error_code"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_is_read() {
        let body = br#"{"type":"error","error":{"type":"rate_limit_error","message":"spend","details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_011"}"#;
        assert_eq!(
            ApiError::parse(body),
            ApiError {
                kind: Some("rate_limit_error".into()),
                message: Some("spend".into()),
                detail_code: Some("enforced_spend_limit_reached".into()),
            }
        );
        assert_eq!(
            ApiError::parse(b"<html>bad gateway</html>"),
            ApiError::default()
        );
        assert_eq!(ApiError::parse(b"{}"), ApiError::default());
    }
}
