//! The JSON shapes of the Chat Completions API, as far as this crate uses them.
//!
//! Responses are decoded leniently: every field this crate does not need is
//! ignored and most fields are optional, because OpenAI-compatible servers
//! (llama.cpp, vLLM, Ollama) leave some of them out.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The body of `POST /chat/completions`.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormatParam>,
}

/// One message of the request.
#[derive(Debug, Serialize)]
pub(crate) struct WireMessage<'a> {
    pub role: &'static str,
    pub content: Cow<'a, str>,
}

/// `{"type": "json_object"}`.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseFormatParam {
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A successful answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

/// One choice (the crate asks for one).
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    pub message: Option<ResponseMessage>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The assistant message of a choice.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
}

/// Token counts.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
}

/// The parts of an error body this crate reads. OpenAI wraps them as
/// `{"error": {"message", "type", "param", "code"}}`; some compatible servers
/// put them at the top level or send `{"error": "text"}`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub message: Option<String>,
    pub kind: Option<String>,
    pub code: Option<String>,
}

impl ApiError {
    /// Reads whatever error description the body holds.
    pub(crate) fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Self::default();
        };
        let object = match value.get("error") {
            Some(serde_json::Value::String(message)) => {
                return Self {
                    message: Some(message.clone()),
                    ..Self::default()
                };
            }
            Some(inner @ serde_json::Value::Object(_)) => inner,
            _ => &value,
        };
        let text = |key: &str| match object.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        Self {
            message: text("message"),
            kind: text("type"),
            code: text("code"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_several_servers_are_understood() {
        let openai = br#"{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":"context_length_exceeded"}}"#;
        assert_eq!(
            ApiError::parse(openai),
            ApiError {
                message: Some("bad".into()),
                kind: Some("invalid_request_error".into()),
                code: Some("context_length_exceeded".into()),
            }
        );
        let vllm = br#"{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}"#;
        assert_eq!(
            ApiError::parse(vllm),
            ApiError {
                message: Some("too long".into()),
                kind: Some("BadRequestError".into()),
                code: Some("400".into()),
            }
        );
        assert_eq!(
            ApiError::parse(br#"{"error":"model 'x' not found"}"#)
                .message
                .as_deref(),
            Some("model 'x' not found")
        );
        assert_eq!(ApiError::parse(b"<html>502</html>"), ApiError::default());
    }
}
