//! # threads-api
//!
//! Typed async client for the Meta Threads Graph API: OAuth, publishing, replies, search, insights, webhooks payloads, pagination and retries.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
