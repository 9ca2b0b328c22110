//! # store-postgres
//!
//! PostgreSQL implementation of the store-traits storage and job-queue traits, for many workers on many machines.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
