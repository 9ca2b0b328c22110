//! # token-crypto
//!
//! AES-256-GCM token sealing with key rotation, Meta webhook and signed_request verification, and signed OAuth state.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
