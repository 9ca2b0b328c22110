//! The [`LlmProvider`] trait: how the toolkit talks to a language model.
//!
//! A provider takes a chat-style [`CompletionRequest`] (a system prompt plus
//! user/assistant turns) and returns a [`Completion`] with the text and token
//! [`Usage`]. Implementations live outside this crate (the offline provider in
//! this crate; OpenAI-compatible and Anthropic providers in `adapters/`), and
//! hosts may bring their own. The trait is object safe: the pipeline holds an
//! `Arc<dyn LlmProvider>`.
//!
//! Whether a failure is worth retrying is part of the error
//! ([`LlmError::is_retryable`]); when and how to retry (the policy, the
//! server's `retry-after` hints, the backoff loop) belongs to the transport
//! and lives with the HTTP adapters (the `llm-http` crate). The cleaning of
//! server messages is shared through [`scrub`], which needs no HTTP crate.

pub mod scrub;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Who said a [`ChatMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person (or the pipeline acting for them) asking the model.
    User,
    /// An earlier answer of the model, used for few-shot turns.
    Assistant,
}

/// One turn of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What they say.
    pub content: String,
}

impl ChatMessage {
    /// A user turn.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant turn.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The shape the caller wants the answer in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResponseFormat {
    /// Free text (the default).
    #[default]
    Text,
    /// A single JSON object. Providers that support a JSON mode turn it on;
    /// the others are asked for JSON in the prompt.
    Json,
}

/// A request for one completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompletionRequest {
    /// The system prompt (instructions, persona, guardrails).
    pub system: Option<String>,
    /// The conversation, oldest first. Must not be empty.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature; `None` leaves the provider's default.
    pub temperature: Option<f32>,
    /// Upper bound on generated tokens; `None` leaves the provider's default.
    pub max_tokens: Option<u32>,
    /// Text or JSON output.
    pub response_format: ResponseFormat,
    /// A model name overriding the provider's configured default.
    pub model: Option<String>,
}

impl CompletionRequest {
    /// A request with one user message and default settings.
    pub fn new(user: impl Into<String>) -> Self {
        Self {
            system: None,
            messages: vec![ChatMessage::user(user)],
            temperature: None,
            max_tokens: None,
            response_format: ResponseFormat::Text,
            model: None,
        }
    }

    /// A request from an explicit list of messages.
    pub fn from_messages(messages: Vec<ChatMessage>) -> Self {
        Self {
            messages,
            ..Self::new("")
        }
    }

    /// Sets the system prompt.
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets the maximum number of generated tokens.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Asks for JSON output.
    pub fn json(mut self) -> Self {
        self.response_format = ResponseFormat::Json;
        self
    }

    /// Overrides the model for this request.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
}

/// Token accounting for one completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub input_tokens: u32,
    /// Tokens generated.
    pub output_tokens: u32,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FinishReason {
    /// A natural end of the answer.
    Stop,
    /// The `max_tokens` bound was hit; the text may be cut.
    Length,
    /// The provider's content filter stopped the answer.
    ContentFilter,
    /// Any other reason, as the provider named it.
    Other(String),
}

/// The model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Completion {
    /// The generated text.
    pub text: String,
    /// Token usage as reported by the provider (zero when it reports none).
    pub usage: Usage,
    /// The model that answered.
    pub model: String,
    /// Why generation ended.
    pub finish_reason: FinishReason,
}

impl Completion {
    /// Builds a completion (for providers implemented outside this crate).
    pub fn new(
        text: impl Into<String>,
        model: impl Into<String>,
        usage: Usage,
        finish_reason: FinishReason,
    ) -> Self {
        Self {
            text: text.into(),
            usage,
            model: model.into(),
            finish_reason,
        }
    }
}

/// What went wrong in a provider call. Callers decide from the variant whether
/// to wait, shorten the prompt, give up or re-authenticate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// The provider throttled us; retry after the given delay if known.
    #[error("rate limited by the model provider{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// How long the provider asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The prompt (plus requested output) does not fit the model's context.
    #[error("prompt too long for the model's context: {message}")]
    ContextTooLong {
        /// The provider's explanation.
        message: String,
    },
    /// The provider refused the prompt or the answer on content grounds.
    #[error("blocked by the provider's content filter: {message}")]
    ContentFiltered {
        /// The provider's explanation.
        message: String,
    },
    /// A temporary failure (network, 5xx, overload); retrying may succeed.
    #[error("transient model provider failure: {message}")]
    Transient {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The credentials were refused.
    #[error("the model provider refused our credentials: {message}")]
    Auth {
        /// The provider's explanation (never contains the key).
        message: String,
    },
    /// The request itself was invalid (empty messages, bad parameters).
    #[error("invalid completion request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
    /// Anything else.
    #[error("model provider error: {message}")]
    Other {
        /// What happened.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl LlmError {
    /// Whether retrying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }
}

/// A language model behind a chat-style API.
///
/// Implementations must be cheap to share (`Send + Sync`) and must never put
/// their API keys in `Debug` output or errors.
#[async_trait]
pub trait LlmProvider: Send + Sync + fmt::Debug {
    /// A short name for logs and audit events (e.g. `"openai"`, `"offline"`).
    fn name(&self) -> &str;

    /// Generates one completion.
    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError>;
}
