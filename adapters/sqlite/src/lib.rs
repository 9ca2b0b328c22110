//! # store-sqlite
//!
//! SQLite implementation of the store-traits storage and job-queue traits (the embedded default).
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
