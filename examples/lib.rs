//! Runnable example programs for the threads-toolkit workspace.
//!
//! Each program lives next to this file and is declared as an `[[example]]`
//! in `Cargo.toml`; run one with `cargo run -p threads-examples --example <name>`.
//!
//! | Example | What it shows |
//! |---|---|
//! | `tour` | The `threads-api` client against the in-process `threads-emulator`: OAuth, one post of every kind, replies, insights, quotas and a token refresh on the emulator's virtual clock. No network, no keys. |
//! | `quickstart` | The main loop: connect, persona from past posts, draft from a source, approve, schedule, publish, a reply by webhook through the `threads-axum` router, the answer approved and published. |
//! | `persona_manager` | An AI persona manager: an organisation with roles (typed refusals), persona learned from past posts, AI posts in posting-window slots, remixes from a local web page (SSRF guard kept on, loopback trusted explicitly) and from text with a custom template, replies and mentions by webhook with caps, automatic and manual approval, abuse hidden, retention sweep and export. |
//! | `analytics_centre` | An analytics command centre: four simulated months of snapshots, profile and follower metrics, post history with engagement, demographics, best hours, a strategist report, SVG/PNG charts with `threads-charts` (`EXAMPLE_OUT_DIR`), purge after 12 months of inactivity. |
//! | `media_publisher` | A media publisher: local media storage with `threads-media`, preflight (a pass and a refusal with rule and measured value), URL-based publishing, publish history with a Meta-side media error, the Meta connection record (requested vs granted scopes, token metadata), Meta's data-deletion callback through the router. |
//! | `webhook_server` | The router's webhook routes in a minimal app: handshake, signed (and duplicated) delivery recorded once, forged and unsigned deliveries refused, an answer drafted. `-- --serve` keeps serving (Meta's real webhooks with `THREADS_*` set). |
//! | `oauth_connect` | The router's OAuth routes in a minimal app: start, Meta's consent, callback, connected account; replayed and foreign callbacks refused. `-- --serve` keeps serving (real accounts with `THREADS_*` set). |
//! | `approved_publisher` | A whole product on `content-pipeline` in under 100 lines: connect with OAuth, sealed token, persona from past posts, draft, approve, schedule, a worker publishes, ids and status, disconnect. SQLite, the offline model, the emulator. |
//!
//! This package also holds the client's integration tests against the emulator
//! (`tests/`, one file per API area), so the library crates need no dependency
//! on the emulator: `cargo test -p threads-examples`.
