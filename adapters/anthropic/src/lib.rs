//! # llm-anthropic
//!
//! An [`LlmProvider`](persona_core::LlmProvider) for the Anthropic
//! [Messages API](https://docs.anthropic.com/en/api/messages).
//!
//! * [Quick start](#quick-start)
//! * [Configuration](#configuration)
//! * [What is sent](#what-is-sent)
//! * [JSON mode](#json-mode)
//! * [Compatibility](#compatibility)
//! * [Retries](#retries)
//! * [Error mapping](#error-mapping)
//! * [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! ```no_run
//! use persona_core::{CompletionRequest, LlmProvider};
//! use llm_anthropic::AnthropicProvider;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL when set).
//! let provider = AnthropicProvider::from_env()?.model("claude-sonnet-4-5").build()?;
//!
//! let request = CompletionRequest::new("Write a one-line post about autumn.")
//!     .system("You write short, warm social posts.")
//!     .max_tokens(200);
//! let completion = provider.complete(&request).await?;
//! println!("{} ({} tokens out)", completion.text, completion.usage.output_tokens);
//! # Ok(())
//! # }
//! ```
//!
//! ## Configuration
//!
//! [`AnthropicProvider::builder`] takes the API key and offers:
//!
//! | Setting | Default | Notes |
//! |---|---|---|
//! | [`base_url`](AnthropicProviderBuilder::base_url) | [`DEFAULT_BASE_URL`] | `/v1/messages` is appended |
//! | [`model`](AnthropicProviderBuilder::model) | [`DEFAULT_MODEL`] | [`CompletionRequest::model`](persona_core::CompletionRequest::model) overrides it per call |
//! | [`default_max_tokens`](AnthropicProviderBuilder::default_max_tokens) | [`DEFAULT_MAX_TOKENS`] (1024) | the API requires `max_tokens`; used when the request sets none |
//! | [`http_client`](AnthropicProviderBuilder::http_client) | a client without redirects | share your pool and proxy settings |
//! | [`retry`](AnthropicProviderBuilder::retry) | [`RetryPolicy::default`] | 3 attempts, 500 ms base, 10 s cap, server waits up to 30 s |
//! | [`timeout`](AnthropicProviderBuilder::timeout) | [`DEFAULT_TIMEOUT`] (120 s) | per attempt |
//!
//! ```no_run
//! use std::time::Duration;
//! use llm_anthropic::{AnthropicProvider, RetryPolicy};
//!
//! # fn run() -> Result<(), llm_anthropic::Error> {
//! let provider = AnthropicProvider::builder("sk-ant-...")
//!     .model("claude-haiku-4-5")
//!     .default_max_tokens(512)
//!     .retry(RetryPolicy { max_attempts: 4, ..RetryPolicy::default() })
//!     .timeout(Duration::from_secs(60))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! TLS comes from reqwest: the `rustls` feature (default) or `native-tls`.
//!
//! ## What is sent
//!
//! One `POST {base_url}/v1/messages` per attempt with the headers
//! `x-api-key`, `anthropic-version: 2023-06-01` ([`ANTHROPIC_VERSION`]) and
//! `content-type: application/json`, and a JSON body with `model`,
//! `max_tokens` (the request's, else the builder's default), the system
//! prompt as the top-level `system` field, `messages` as `user` /
//! `assistant` turns with plain string content, and `temperature` only when
//! the request sets it. The temperature is passed through unchanged: the API
//! accepts 0.0 to 1.0 (narrower than OpenAI's 0.0 to 2.0) and answers a value
//! outside that range with a 400, returned as `InvalidRequest`.
//!
//! The answer's `text` content blocks are joined into the
//! [`Completion`](persona_core::Completion) text (other block types are
//! skipped). Usage: input tokens are `usage.input_tokens` plus the prompt
//! cache's `cache_creation_input_tokens` and `cache_read_input_tokens` (all
//! the prompt's tokens; the API counts them apart), output tokens are
//! `usage.output_tokens`. The echoed `model` is kept. `stop_reason` maps
//! `end_turn` / `stop_sequence` → `Stop`, `max_tokens` /
//! `model_context_window_exceeded` → `Length`, `refusal` → the
//! `ContentFiltered` error, anything else → `Other`.
//!
//! ## JSON mode
//!
//! The Messages API has no `response_format`. For
//! [`ResponseFormat::Json`](persona_core::ResponseFormat::Json) this crate
//! **instructs and checks**: it appends an instruction to the system prompt
//! ("Respond with a single JSON object and nothing else …") and then
//! requires the answer to contain a JSON object. A bare object, one wrapped
//! in a Markdown code fence, or one surrounded by stray prose are accepted,
//! and the completion's text is the object alone. An answer without a valid
//! object is an `LlmError::Other`. An answer cut by `max_tokens` is returned
//! unchecked with `FinishReason::Length`, so the caller sees why it is
//! incomplete.
//!
//! Prefilling the assistant turn with `{` was not chosen: it breaks when the
//! conversation already ends with an assistant turn and is not accepted
//! together with extended thinking; the instruction works in every case.
//!
//! ## Compatibility
//!
//! Any endpoint that serves the Messages API under `/v1/messages` works with
//! [`base_url`](AnthropicProviderBuilder::base_url): the official API, or an
//! internal gateway in front of it. `ANTHROPIC_BASE_URL` is read by
//! [`AnthropicProvider::from_env`] for that purpose.
//!
//! ## Retries
//!
//! Throttling (429), overload (529 `overloaded_error`), server errors (5xx,
//! 408, 409), timeouts and connection failures are retried per the
//! [`RetryPolicy`]: bounded attempts, the server's `retry-after` (seconds or
//! HTTP date) when present, else jittered exponential backoff.
//! `x-should-retry: true|false` from the server overrides the status-based
//! decision. A 429 caused by a reached spend limit
//! (`error.details.error_code: enforced_spend_limit_reached`) is never
//! retried. When the server asks for a longer wait than
//! [`max_retry_after`](RetryPolicy::max_retry_after), the call fails at once
//! with `RateLimited { retry_after }` so a scheduler can park the job.
//!
//! The policy, the header parsing and the retry loop come from the
//! [`llm_http`] crate, shared with `llm-openai`.
//!
//! ## Error mapping
//!
//! Errors arrive as `{"type": "error", "error": {"type", "message"}}`; the
//! last failure is returned as a [`persona_core::LlmError`]:
//!
//! | Answer | `LlmError` |
//! |---|---|
//! | 429 `rate_limit_error` | `RateLimited { retry_after }` (the server's hint, if any) |
//! | 429 with `enforced_spend_limit_reached` | `Other` (billing; waiting does not help) |
//! | 401 `authentication_error`, 403 `permission_error` | `Auth` |
//! | 529 `overloaded_error`, 500 `api_error`, other 5xx, 408, 409, timeout, connection error | `Transient` |
//! | 400 `invalid_request_error` saying the prompt is too long or exceeds the context limit; 413 `request_too_large` | `ContextTooLong` |
//! | `stop_reason: "refusal"` in a successful answer | `ContentFiltered` |
//! | other 4xx (`invalid_request_error`, `not_found_error`, …) | `InvalidRequest` |
//! | an empty message list or a non-finite temperature (nothing is sent) | `InvalidRequest` |
//! | an undecodable success body; JSON asked but none returned | `Other` |
//!
//! Error messages carry the API's message, the HTTP status, the error type
//! and the `request-id` header to quote to support.
//!
//! ## Security notes
//!
//! * The API key is held as a [`secrecy::SecretString`]. The `Debug` output
//!   of the provider and its builder shows `[redacted]` in its place, the
//!   `x-api-key` header is marked sensitive, and server messages are
//!   scrubbed of the key before they are put in an error.
//! * The default HTTP client follows no redirects: unlike `Authorization`,
//!   the custom `x-api-key` header is not dropped by reqwest on a redirect to
//!   another host. If you pass your own client with
//!   [`http_client`](AnthropicProviderBuilder::http_client), configure it the
//!   same way.
//! * Retry logs (`tracing`, level `debug`) contain the attempt number, the
//!   wait and the error message (scrubbed of the key), never the key itself
//!   or the prompt.

mod classify;
mod error;
mod json;
mod provider;
mod wire;

pub use error::Error;
/// The retry policy, shared with the other HTTP providers through
/// [`llm_http`].
pub use llm_http::RetryPolicy;
pub use provider::{
    ANTHROPIC_VERSION, AnthropicProvider, AnthropicProviderBuilder, DEFAULT_BASE_URL,
    DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_TIMEOUT,
};
