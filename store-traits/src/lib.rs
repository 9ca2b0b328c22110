//! # store-traits
//!
//! Domain records, storage and job-queue traits, an in-memory store and a conformance suite for Threads automation products.
//!
//! Work in progress: this crate is being built; see the repository README.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
