//! Runnable example programs for the threads-toolkit workspace.
//!
//! Each program lives next to this file and is declared as an `[[example]]`
//! in `Cargo.toml`; run one with `cargo run -p threads-examples --example <name>`.
//!
//! | Example | What it shows |
//! |---|---|
//! | `tour` | The `threads-api` client against the in-process `threads-emulator`: OAuth, one post of every kind, replies, insights, quotas and a token refresh on the emulator's virtual clock. No network, no keys. |
//! | `approved_publisher` | A whole product on `content-pipeline` in under 100 lines: connect with OAuth, sealed token, persona from past posts, draft, approve, schedule, a worker publishes, ids and status, disconnect. SQLite, the offline model, the emulator. |
//!
//! This package also holds the client's integration tests against the emulator
//! (`tests/`, one file per API area), so the library crates need no dependency
//! on the emulator: `cargo test -p threads-examples`.
