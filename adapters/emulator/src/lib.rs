//! # threads-emulator
//!
//! A local Threads Graph API emulator with virtual time, webhooks and seeded fault injection, for offline tests and demos.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
