//! Runnable example programs for the threads-toolkit workspace.
//!
//! Each program lives next to this file and is declared as an `[[example]]`
//! in `Cargo.toml`; run one with `cargo run -p threads-examples --example <name>`.
#![deny(missing_docs)]
