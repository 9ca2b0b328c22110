//! # threads-api
//!
//! Typed async client for the Meta Threads Graph API.
//!
//! (The crate guide is being written; see the repository README.)
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

// --- owned by the "models" work: ids, wire models, validation, webhooks ---
pub mod ids;
pub mod model;
pub mod text;
pub mod validation;
pub mod webhook;
