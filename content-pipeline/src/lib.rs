//! # content-pipeline
//!
//! The orchestration layer of the threads-toolkit workspace: sources → drafts →
//! approval → schedule → publish, replies and mentions, sync, insights, and the
//! privacy operations (retention, deletion, export).
//!
//! This crate is reserved in the workspace and **intentionally empty** in this
//! release: its issue has not been worked yet. It exports nothing, so nothing in
//! it can be mistaken for a working feature.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
