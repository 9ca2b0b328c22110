//! # llm-http
//!
//! Retries for model providers that talk HTTP, shared by `llm-openai` and
//! `llm-anthropic` so both behave the same way:
//!
//! * [`RetryPolicy`]: bounded attempts, jittered exponential backoff, and a
//!   bound on how long a server may make us wait;
//! * [`ServerHints`]: what an answer's headers say about retrying:
//!   `retry-after-ms`, `retry-after` in seconds or as an HTTP date
//!   ([`retry_after`]), and an explicit `x-should-retry: true|false`
//!   ([`should_retry`]);
//! * [`run`]: the retry loop over one attempt closure returning a
//!   [`Failure`] (a `persona_core::LlmError` plus the hints), driven by the
//!   [backon](https://docs.rs/backon) crate and slept with Tokio.
//!
//! A provider turns each HTTP answer into either a value or a [`Failure`],
//! and lets [`run`] decide:
//!
//! ```
//! use std::time::SystemTime;
//! use http::{HeaderMap, HeaderValue, StatusCode};
//! use llm_http::{Failure, RetryPolicy, ServerHints};
//! use persona_core::LlmError;
//!
//! /// What one attempt made of an answer.
//! fn classify(status: StatusCode, headers: &HeaderMap) -> Result<(), Failure> {
//!     if status.is_success() {
//!         return Ok(());
//!     }
//!     let hints = ServerHints::from_header_map(headers, SystemTime::now());
//!     let error = if status == StatusCode::TOO_MANY_REQUESTS {
//!         LlmError::RateLimited { retry_after: hints.retry_after }
//!     } else {
//!         LlmError::Transient { message: format!("HTTP {status}"), source: None }
//!     };
//!     Err(Failure::new(error, hints))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut busy = HeaderMap::new();
//! busy.insert("retry-after", HeaderValue::from_static("0"));
//! let answers = [StatusCode::TOO_MANY_REQUESTS, StatusCode::OK];
//! let outcome = llm_http::run(
//!     &RetryPolicy::default(),
//!     |attempt| {
//!         let status = answers[attempt as usize - 1];
//!         let busy = busy.clone();
//!         async move { classify(status, &busy) }
//!     },
//!     |attempt, wait, error| eprintln!("attempt {attempt} failed ({error}); retrying in {wait:?}"),
//! )
//! .await;
//! assert!(outcome.is_ok());
//! # }
//! ```
//!
//! The crate knows nothing of a particular HTTP client: headers come in as
//! an [`http::HeaderMap`] (which is reqwest's) or through a lookup closure.
//! `persona-core` itself stays free of HTTP: it only says which
//! [`LlmError`](persona_core::LlmError)s are worth retrying.

mod hints;
mod policy;
mod retry;

pub use hints::{ServerHints, retry_after, should_retry};
pub use policy::RetryPolicy;
pub use retry::{Failure, run};
