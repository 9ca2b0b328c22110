//! # llm-anthropic
//!
//! Anthropic Messages API provider for persona-core's LlmProvider trait.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
