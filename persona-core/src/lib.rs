//! # persona-core
//!
//! Personas, writing-style analysis, prompt templates, the LlmProvider trait and output guardrails for AI-written social posts.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod provider;

pub use provider::{
    ChatMessage, Completion, CompletionRequest, FinishReason, LlmError, LlmProvider,
    ResponseFormat, Role, Usage,
};
