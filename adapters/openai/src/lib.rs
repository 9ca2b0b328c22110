//! # llm-openai
//!
//! An [`LlmProvider`](persona_core::LlmProvider) for the OpenAI
//! [Chat Completions API](https://platform.openai.com/docs/api-reference/chat)
//! and for servers that speak it (llama.cpp, vLLM, Ollama and others).
//!
//! * [Quick start](#quick-start)
//! * [Configuration](#configuration)
//! * [What is sent](#what-is-sent)
//! * [Compatible servers](#compatible-servers)
//! * [Retries](#retries)
//! * [Error mapping](#error-mapping)
//! * [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! ```no_run
//! use persona_core::{CompletionRequest, LlmProvider};
//! use llm_openai::OpenAiProvider;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Reads OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_ORG_ID,
//! // OPENAI_PROJECT_ID when set).
//! let provider = OpenAiProvider::from_env()?.model("gpt-4o-mini").build()?;
//!
//! let request = CompletionRequest::new("Write a one-line post about autumn.")
//!     .system("You write short, warm social posts.")
//!     .max_tokens(120);
//! let completion = provider.complete(&request).await?;
//! println!("{} ({} tokens out)", completion.text, completion.usage.output_tokens);
//! # Ok(())
//! # }
//! ```
//!
//! ## Configuration
//!
//! [`OpenAiProvider::builder`] takes the API key and offers:
//!
//! | Setting | Default | Notes |
//! |---|---|---|
//! | [`base_url`](OpenAiProviderBuilder::base_url) | [`DEFAULT_BASE_URL`] | `/chat/completions` is appended |
//! | [`model`](OpenAiProviderBuilder::model) | [`DEFAULT_MODEL`] | [`CompletionRequest::model`](persona_core::CompletionRequest::model) overrides it per call |
//! | [`organization`](OpenAiProviderBuilder::organization), [`project`](OpenAiProviderBuilder::project) | none | sent as `OpenAI-Organization` / `OpenAI-Project` |
//! | [`token_limit_field`](OpenAiProviderBuilder::token_limit_field) | `max_completion_tokens` | see [`TokenLimitField`] |
//! | [`http_client`](OpenAiProviderBuilder::http_client) | a client without redirects | share your pool and proxy settings |
//! | [`retry`](OpenAiProviderBuilder::retry) | [`RetryPolicy::default`] | 3 attempts, 500 ms base, 10 s cap, server waits up to 30 s |
//! | [`timeout`](OpenAiProviderBuilder::timeout) | [`DEFAULT_TIMEOUT`] (120 s) | per attempt |
//! | [`name`](OpenAiProviderBuilder::name) | [`DEFAULT_NAME`] (`"openai"`) | what [`LlmProvider::name`](persona_core::LlmProvider::name) reports |
//!
//! ```no_run
//! use std::time::Duration;
//! use llm_openai::{OpenAiProvider, RetryPolicy, TokenLimitField};
//!
//! # fn run() -> Result<(), llm_openai::Error> {
//! let local = OpenAiProvider::builder("")          // no auth on a local server
//!     .base_url("http://localhost:8080/v1")        // llama.cpp's llama-server
//!     .model("qwen2.5-7b-instruct")
//!     .token_limit_field(TokenLimitField::MaxTokens)
//!     .retry(RetryPolicy { max_attempts: 2, ..RetryPolicy::default() })
//!     .timeout(Duration::from_secs(300))
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! TLS comes from reqwest: the `rustls` feature (default) or `native-tls`.
//!
//! ## What is sent
//!
//! One `POST {base_url}/chat/completions` per attempt with a JSON body:
//!
//! * `model`; `messages` with the system prompt first as a `system` message,
//!   then the conversation as `user` / `assistant` messages;
//! * `temperature` and the token limit only when the request sets them; the
//!   token limit goes in `max_completion_tokens` by default (see
//!   [`TokenLimitField`] for why and when to switch to `max_tokens`);
//! * in JSON mode, `response_format: {"type": "json_object"}`. OpenAI refuses
//!   JSON mode unless a message mentions "JSON", so when none does the
//!   sentence "Respond with a single JSON object." is added to the system
//!   prompt. The answer is returned as the model wrote it.
//!
//! The answer's first choice becomes the [`Completion`](persona_core::Completion):
//! `usage.prompt_tokens` / `usage.completion_tokens` map to input / output
//! tokens (zero when the server reports none), the echoed `model` is kept
//! (the requested one when the server omits it), and `finish_reason` maps
//! `stop` → `Stop`, `length` → `Length`, anything else → `Other`.
//!
//! ## Compatible servers
//!
//! Any server implementing `POST /v1/chat/completions` works with
//! [`base_url`](OpenAiProviderBuilder::base_url) pointed at its `/v1` prefix:
//!
//! * **llama.cpp** (`llama-server`, default `http://localhost:8080/v1`): no
//!   key needed (pass `""`, no `Authorization` header is sent, or the
//!   `--api-key` you started it with). Context overflows come back as
//!   `exceed_context_size_error` and are mapped to `ContextTooLong`.
//! * **vLLM** (`http://localhost:8000/v1`): some versions put errors at the
//!   top level of the body (`{"object":"error","message":…}`) instead of the
//!   `error` envelope; both are read. Its context errors say "maximum context
//!   length" and are mapped to `ContextTooLong`.
//! * **Ollama** (`http://localhost:11434/v1`): any non-empty key is accepted.
//!
//! What differs from OpenAI and how this crate copes:
//!
//! * the token-limit field: servers that predate `max_completion_tokens`
//!   ignore it silently, so set [`TokenLimitField::MaxTokens`] for them;
//! * JSON mode may be unsupported or unenforced; the prompt still asks for
//!   JSON, but validate what comes back;
//! * `usage` and `model` may be missing: usage is then zero and the model is
//!   the one requested;
//! * `retry-after-ms` is read when present, then `retry-after`.
//!
//! ## Retries
//!
//! Throttling (429), overload and server errors (5xx, 408, 409), timeouts and
//! connection failures are retried per the [`RetryPolicy`]: bounded attempts,
//! the server's `retry-after-ms` / `retry-after` (seconds or HTTP date) when
//! present, else jittered exponential backoff. `x-should-retry: true|false`
//! from the server overrides the status-based decision. A 429 caused by an
//! exhausted quota (`insufficient_quota`) is never retried. When the server
//! asks for a longer wait than
//! [`max_retry_after`](RetryPolicy::max_retry_after), the call fails at once
//! with `RateLimited { retry_after }` so a scheduler can park the job.
//!
//! The policy, the header parsing and the retry loop come from the
//! [`llm_http`] crate, shared with `llm-anthropic`.
//!
//! ## Error mapping
//!
//! The last failure is returned as a [`persona_core::LlmError`]:
//!
//! | Answer | `LlmError` |
//! |---|---|
//! | 429 | `RateLimited { retry_after }` (the server's hint, if any) |
//! | 429 with code `insufficient_quota` | `Other` (billing; waiting does not help) |
//! | 401, 403 | `Auth` |
//! | 408, 409, 5xx, timeout, connection error | `Transient` |
//! | code `context_length_exceeded`, type `exceed_context_size_error`, a message about the context length, or 413 | `ContextTooLong` |
//! | code `content_filter` / `content_policy_violation`; `finish_reason: "content_filter"`; a `refusal` in the answer | `ContentFiltered` |
//! | other 4xx | `InvalidRequest` |
//! | an empty message list or a non-finite temperature (nothing is sent) | `InvalidRequest` |
//! | an undecodable success body, no choices | `Other` |
//!
//! Error messages carry the server's message, the HTTP status and, when the
//! server sends `x-request-id`, the request id to quote to support.
//!
//! ## Security notes
//!
//! * The API key is held as a [`secrecy::SecretString`]. The `Debug` output
//!   of the provider and its builder shows `[redacted]` in its place, the
//!   `Authorization` header is marked sensitive, and server messages are
//!   scrubbed of the key before they are put in an error (a proxy may echo
//!   request headers). OpenAI's own 401 message echoes a masked key
//!   (`sk-…abcd`); that masked form is kept.
//! * The default HTTP client follows no redirects, so the key is never
//!   replayed to another host. If you pass your own client with
//!   [`http_client`](OpenAiProviderBuilder::http_client), configure it the
//!   same way.
//! * An `http://` base URL sends the key in clear text; use it only for
//!   servers on the same machine or a trusted network.
//! * Retry logs (`tracing`, level `debug`) contain the attempt number, the
//!   wait and the error message (scrubbed of the key), never the key itself
//!   or the prompt.

mod classify;
mod error;
mod provider;
mod wire;

pub use error::Error;
/// The retry policy, shared with the other HTTP providers through
/// [`llm_http`].
pub use llm_http::RetryPolicy;
pub use provider::{
    DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_NAME, DEFAULT_TIMEOUT, OpenAiProvider,
    OpenAiProviderBuilder, TokenLimitField,
};
