//! # store-postgres
//!
//! PostgreSQL implementation of every [`store_traits`] trait, job queue
//! included: for many worker processes on many machines sharing one database.
//! It passes the `store-traits` conformance suite unchanged.
//!
//! ## Connecting
//!
//! ```no_run
//! use std::sync::Arc;
//! use store_postgres::{PgStore, PgStoreOptions, SynchronousCommit};
//! use store_traits::{JobQueueExt, SystemClock};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // A URL, default options (pool of up to 10 connections):
//! let store = PgStore::open("postgres://app@db.internal/threads", Arc::new(SystemClock)).await?;
//!
//! // Explicit pool size and durability (TLS via `?sslmode=verify-full`, rustls):
//! let options = PgStoreOptions::new("postgres://app@db.internal/threads?sslmode=verify-full")?
//!     .max_connections(32)
//!     .synchronous_commit(SynchronousCommit::On);
//! let store = PgStore::connect(&options, Arc::new(SystemClock)).await?;
//! store.enqueue_now("publish", "post", serde_json::json!({"draft": 1})).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Size the pool to the work: every store call holds one connection while it
//! runs, so a process with N concurrent workers wants about N connections (and
//! the server's `max_connections` must cover every process). Time comes from
//! the [`Clock`](store_traits::Clock) given at construction, never from the
//! server's `now()`, so tests drive it with a `ManualClock` and machines must
//! keep their clocks in sync (NTP): lease expiry and quota windows are judged by
//! the clock of the process that asks.
//!
//! ## Durability
//!
//! By default every commit is durable when it returns (`synchronous_commit = on`,
//! PostgreSQL's default). [`SynchronousCommit::Off`] trades the last few hundred
//! milliseconds of commits after a server crash for much cheaper commits; the
//! database stays consistent either way. See [`SynchronousCommit`].
//!
//! ## Migrations
//!
//! The schema ships inside the crate (`migrations/`, embedded with
//! `sqlx::migrate!`) and is applied when a store connects, in one transaction
//! that first takes an advisory lock, so processes starting together migrate
//! once. Applied versions are recorded in `store_postgres_migrations` (in the
//! connection's current schema). Applying them again is a no-op
//! ([`PgStore::migrate`]). A database migrated by a *newer* release of this crate
//! is refused with [`Error::SchemaTooNew`] before anything is touched.
//!
//! ## Many workers, many machines
//!
//! - **Claims**: one statement selects due jobs with `FOR UPDATE SKIP LOCKED`
//!   and takes them with `UPDATE ... RETURNING`, setting lease owner, lease
//!   expiry and a fencing token from a sequence. Concurrent claimers skip each
//!   other's rows, so each due job goes to exactly one of them and nobody waits.
//! - **Fenced writes** (complete, retry, extend, dead-letter) are one conditional
//!   `UPDATE` each; drafts and ledger entries lock their row (`FOR UPDATE`) for
//!   the fence and version check (and, for drafts, the life-cycle check).
//! - **Quota**: a reservation locks its account and kind with a
//!   transaction-scoped advisory lock, reads the account's limits, counts, and
//!   inserts before committing.
//! - **Webhook intake**: the event id row and the job are written in one
//!   transaction; a concurrent duplicate waits on the event id and then writes
//!   nothing.
//!
//! Limits: fencing tokens stop stale *writes*, not a stalled worker's external
//! calls (see [`JobQueue`](store_traits::JobQueue)); with
//! [`SynchronousCommit::Off`] a crash can forget recent completions (the jobs
//! are then claimed again: handlers must be idempotent anyway).
//!
//! ## Structure
//!
//! The store logic (every trait, its SQL and row decoding) lives in
//! [`store_sql`], shared with `store-sqlite`: [`PgStore`] is
//! [`SqlStore`]`<`[`PgBackend`]`>`. This crate holds what is PostgreSQL's own:
//! the pool, options, the migration files and the locked transaction they are
//! applied in (the loop itself is [`store_sql::apply_migrations`]), the claim
//! statement, the quota advisory lock, and binding/decoding with sqlx's
//! PostgreSQL driver. The pool
//! ([`pool`](PgBackend::pool)) is callable on the store directly.
//!
//! ## Storage layout
//!
//! Ids are `uuid`, instants are `BIGINT` nanoseconds since the Unix epoch (UTC,
//! exactly as the SQLite backend stores them), and records the store does not
//! interpret are stored whole as JSON text in a `doc` column beside the columns
//! it filters and orders on; jobs, quota reservations and quota limits are
//! fully columnar.

mod backend;
mod error;
mod exec;
mod options;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{PgBackend, PgStore, PgStoreFactory};
pub use error::Error;
pub use options::{PgStoreOptions, PlanCache, SynchronousCommit};
pub use store_sql::SqlStore;
