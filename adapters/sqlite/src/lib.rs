//! # store-sqlite
//!
//! SQLite implementation of every [`store_traits`] trait, job queue included: the
//! embedded default for one machine (a creator, a small agency, a CLI, tests).
//! It passes the `store-traits` conformance suite unchanged.
//!
//! ## Opening a store
//!
//! ```no_run
//! use std::sync::Arc;
//! use store_sqlite::{SqliteStore, SqliteStoreOptions, Synchronous};
//! use store_traits::{JobQueueExt, SystemClock};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // A file (created and migrated if needed), default options:
//! let store = SqliteStore::open("threads.db", Arc::new(SystemClock)).await?;
//!
//! // The same with explicit options:
//! let options = SqliteStoreOptions::file("threads.db")
//!     .synchronous(Synchronous::Full)
//!     .busy_timeout(std::time::Duration::from_secs(30));
//! let store = SqliteStore::connect(&options, Arc::new(SystemClock)).await?;
//!
//! // A private in-memory database (tests, demos):
//! let scratch = SqliteStore::open_in_memory(Arc::new(SystemClock)).await?;
//! scratch.enqueue_now("publish", "post", serde_json::json!({"draft": 1})).await?;
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! Hand the store to the rest of the toolkit as an `Arc<dyn store_traits::Store>`.
//! Time comes from the [`Clock`](store_traits::Clock) given at construction,
//! never from SQLite's own clock, so tests drive it with a `ManualClock`.
//!
//! ## Durability
//!
//! File databases run in WAL mode with `synchronous = FULL` by default: when a
//! write returns, it is on disk and survives a crash of the process *and* of the
//! machine. [`Synchronous::Normal`] skips the per-commit `fsync` (faster on slow
//! disks) at the price of possibly losing the last commits on power loss; it
//! still survives a crash of the process. See [`Synchronous`] for the table.
//! Every read-modify-write (claims, quota reservations, compare-and-swap updates,
//! webhook intake) runs in a `BEGIN IMMEDIATE` transaction, which takes SQLite's
//! write lock up front, so the transaction never has to be retried half way.
//!
//! ### Group commit
//!
//! With `FULL`, the `fsync` per commit, not the SQL, limits how many writes a
//! second one file takes. So single-statement writes (job completions, lease
//! extensions, inserts, ...) and job claims made concurrently by one process
//! share commits: while one group's transaction runs, new writes wait, then
//! run together in the next `BEGIN IMMEDIATE ... COMMIT`, and one `fsync`
//! covers them all. A write that finds nothing running starts at once, so a
//! quiet store adds no delay. Each caller still sees its own write alone:
//! the answer arrives only after the group committed; a constraint error
//! (duplicate key, ...) undoes only that statement and reaches only its
//! caller; an I/O-level error, or any error inside a claim, rolls the group
//! back, fails the write that hit it, and runs the others again in a new
//! group (so a claim takes effect whole or not at all). Groups run on a spawned task, so
//! dropping a caller's future does not cancel its write half way (the store
//! therefore needs a Tokio runtime, as sqlx does).
//!
//! ## Migrations
//!
//! The schema ships inside the crate (`migrations/`, embedded with
//! `sqlx::migrate!`) and is applied when a store opens, inside one
//! `BEGIN IMMEDIATE` transaction; applied versions are recorded in the
//! `store_sqlite_migrations` table. Applying them again is a no-op
//! ([`SqliteStore::migrate`]). A database migrated by a *newer* release of this
//! crate is refused with [`Error::SchemaTooNew`] before anything is touched.
//!
//! ## Several processes on one file
//!
//! Any number of processes on one machine may open the same file: SQLite's file
//! lock makes each write transaction atomic across all of them, so a due job is
//! claimed by exactly one process and quota checks see every reservation.
//! Within one process, writes queue on one dedicated connection (no lock
//! spinning); between processes, a writer waits up to the
//! [busy timeout](SqliteStoreOptions::busy_timeout) for another's transaction.
//!
//! Limits:
//! - one writer at a time: throughput is bounded by commit latency (see the
//!   `queue` benchmark), not by the number of workers;
//! - the file must be on a local disk: WAL needs shared memory, which network
//!   file systems (NFS, SMB) do not provide; past one machine, use `store-postgres`;
//! - fencing tokens stop stale *writes*, not a stalled worker's external calls
//!   (see [`JobQueue`](store_traits::JobQueue)).
//!
//! ## Structure
//!
//! The store logic (every trait, its SQL and row decoding) lives in
//! [`store_sql`], shared with `store-postgres`: [`SqliteStore`] is
//! [`SqlStore`]`<`[`SqliteBackend`]`>`. This crate holds what is SQLite's own:
//! the connections (one writer, a pool of readers), options, the migration
//! files and the write transaction they are applied in (the loop itself is
//! [`store_sql::apply_migrations`]), the claim transaction, and
//! binding/decoding with sqlx's SQLite driver.
//! SQLite-specific methods such as
//! [`connection_settings`](SqliteBackend::connection_settings) are callable on
//! the store directly.
//!
//! ## Storage layout
//!
//! Ids are 16-byte UUID blobs and instants are integer nanoseconds since the
//! Unix epoch (UTC). Records the store does not interpret (accounts, drafts,
//! messages, ...) are stored whole as JSON in a `doc` column beside the columns
//! it filters and orders on; jobs, quota reservations and quota limits are
//! fully columnar.

mod backend;
mod error;
mod exec;
mod group;
mod options;
mod schema;

pub use backend::{SqliteBackend, SqliteStore, SqliteStoreFactory};
pub use error::Error;
pub use options::{SqliteStoreOptions, Synchronous};
pub use store_sql::SqlStore;
