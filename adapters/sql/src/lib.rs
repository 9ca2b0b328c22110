//! # store-sql
//!
//! The store logic shared by `store-sqlite` and `store-postgres`: every
//! [`store_traits`] trait written once, as SQL, by [`SqlStore`]. A backend
//! crate implements [`Backend`] for what truly differs between databases and
//! names the result (`pub type SqliteStore = SqlStore<SqliteBackend>`).
//! Applications use those crates; this one matters to someone writing another
//! SQL backend.
//!
//! ## The backend interface
//!
//! The shared logic is not generic over a driver's database type. It speaks a
//! small typed value layer instead:
//! - a [`Query`] is SQL text with `$1`, `$2`, ... placeholders and typed
//!   [`Param`]s (a `NULL` keeps its type, so PostgreSQL can infer it);
//! - results come back as [`Row`]s of [`Cell`]s, read with typed getters
//!   (`row.get::<Option<i64>>(2)?`, see [`FromCell`]); a UUID decodes from a
//!   native `uuid` or a 16-byte blob alike;
//! - an [`Executor`] runs statements on a pool or connection, a
//!   [`Transaction`] also commits (dropping it rolls back), and driver errors
//!   arrive as [`DbError`], which says whether a unique constraint was broken.
//!
//! [`Backend`] adds connections (reads, single-statement writes, write and
//! snapshot transactions), schema migrations, dialect fragments (row locks,
//! text-set membership, "no limit") and the job-claim statement, the one place
//! where SQLite (a single writer) and PostgreSQL (`FOR UPDATE SKIP LOCKED`)
//! need different SQL. Both backends ship their schema as sqlx migrations
//! and apply them with one loop, [`apply_migrations`]; a backend supplies
//! its migration files, the transaction and the lock around it.
//!
//! ## Layout
//!
//! Each store trait is implemented in `src/store/<module>.rs`, where
//! `<module>` is the name of the trait's module in `store-traits` (`account`,
//! `token`, `persona`, `source`, `draft`, `conversation`, `publish`,
//! `insight`, `audit`, `oauth_state`, `inbox`, `quota`, `queue`, `privacy`).
//! Conversions between records and column values are in `codec`, the typed
//! value layer in `value`, statements and driver errors in `exec`, the
//! migration loop in `migrate`.
//!
//! ## Guarantees the shared logic relies on
//!
//! - Read-modify-writes (compare-and-swap updates of drafts and ledger
//!   entries, token rewraps, quota reservations, requeues, account deletion)
//!   run in a [`Backend::begin_write`] transaction whose reads lock what they
//!   read ([`Backend::ROW_LOCK`]); a quota reservation is also serialised per
//!   account and kind ([`Backend::lock_quota`]) and reads the account's limits
//!   inside that transaction.
//! - Decisions every backend must make alike come from `store-traits`:
//!   [`check_fenced_write`](store_traits::check_fenced_write),
//!   [`check_draft_transition`](store_traits::check_draft_transition) and
//!   [`QuotaRequest::check`](store_traits::QuotaRequest::check).
//! - Inserts that deduplicate (conversations, messages, publish entries, dedup
//!   keys of jobs, webhook event ids) claim their key with
//!   `INSERT ... ON CONFLICT DO NOTHING` against a unique index and read the
//!   holder when that conflicts, so concurrent duplicates never both win.
//! - Job updates after a claim are single statements fenced on
//!   `state = 'running' AND fence = $token`: a worker whose lease was taken
//!   over changes nothing and gets [`store_traits::Error::StaleFence`]. Fencing
//!   stops stale *writes*, not a stalled worker's external calls.
//! - Time always comes from the store's [`Clock`](store_traits::Clock);
//!   instants are stored as integer nanoseconds since the Unix epoch (UTC).

mod backend;
mod codec;
mod exec;
mod migrate;
mod store;
mod value;

pub use backend::{Backend, Claim, InMemory, JOB_COLUMNS, LEASE_EXHAUSTED, Open, job_columns_of};
pub use exec::{DbError, Executor, Transaction, db};
pub use migrate::apply_migrations;
pub use store::SqlStore;
pub use value::{Cell, DecodeError, FromCell, Param, Query, Row};
