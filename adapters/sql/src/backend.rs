//! What a database backend supplies: [`Backend`].

use std::fmt;

use async_trait::async_trait;
use store_traits::{AccountId, QuotaKind};

use crate::exec::{DbError, Executor, Transaction};
use crate::value::{Param, Row};

/// Every column of `jobs`, in the order [`Backend::claim`] must return them
/// (and every `SELECT` of whole jobs uses).
pub const JOB_COLUMNS: &str = "id, queue, kind, payload, account_id, dedup_key, state, \
     run_at_ns, attempts, max_attempts, fence, lease_owner, lease_expires_ns, last_error, \
     created_ns, updated_ns, finished_ns";

/// [`JOB_COLUMNS`], each qualified by `table` (`jobs.id, jobs.queue, ...`),
/// for claim statements that join.
pub fn job_columns_of(table: &str) -> String {
    JOB_COLUMNS
        .split(", ")
        .map(|c| format!("{table}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stored as `last_error` on jobs whose final lease ran out (claims
/// dead-letter due jobs that used up their attempts instead of handing them out).
pub const LEASE_EXHAUSTED: &str = "lease expired on the final attempt";

/// One claim, as [`Backend::claim`] receives it (already validated:
/// `max >= 1`, the lease positive).
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The queue to take jobs from.
    pub queue: &'a str,
    /// The claiming worker, stored as the lease owner.
    pub worker: &'a str,
    /// At most this many jobs.
    pub max: usize,
    /// The store clock's now, in nanoseconds.
    pub now_ns: i64,
    /// When the new leases expire, in nanoseconds.
    pub expires_ns: i64,
}

/// A SQL database under [`SqlStore`](crate::SqlStore): connections, schema,
/// dialect fragments and the job-claim statement. Everything else (every
/// store trait) is written once in this crate on top of it.
///
/// Statements use `$1`, `$2`, ... placeholders; a backend binds
/// [`Param`]s with their types and decodes each result column into a
/// [`Cell`](crate::Cell).
#[async_trait]
pub trait Backend: fmt::Debug + Send + Sync + Sized + 'static {
    /// How to reach and configure the database.
    type Options: Send + Sync;
    /// Errors of opening, configuring and migrating.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Suffix of a `SELECT` in a read-modify-write transaction that locks the
    /// selected rows until commit (`" FOR UPDATE"`), or `""` where the
    /// transaction already excludes other writers (SQLite's `BEGIN IMMEDIATE`).
    const ROW_LOCK: &'static str;
    /// Like [`ROW_LOCK`](Self::ROW_LOCK) for a row that must only not
    /// disappear before commit (`" FOR SHARE"`).
    const SHARE_LOCK: &'static str;

    /// Opens the connections (without migrating).
    async fn connect(options: &Self::Options) -> Result<Self, Self::Error>;

    /// Applies the embedded migrations the database lacks; a no-op when none do.
    async fn migrate(&self) -> Result<(), Self::Error>;

    /// The newest schema version recorded in the database (`None` for a fresh one).
    async fn schema_version(&self) -> Result<Option<i64>, Self::Error>;

    /// The newest schema version this release of the backend ships.
    fn supported_schema_version() -> i64;

    /// Waits for running statements and closes every connection.
    async fn close(&self);

    /// Runs reads (each statement on a read connection, in autocommit).
    fn reader(&self) -> Box<dyn Executor + '_>;

    /// Runs single-statement writes (each in autocommit).
    fn writer(&self) -> Box<dyn Executor + '_>;

    /// Starts a transaction for a read-modify-write. Combined with
    /// [`ROW_LOCK`](Self::ROW_LOCK) on its reads, no other writer changes what
    /// it read before it commits.
    async fn begin_write(&self) -> Result<Box<dyn Transaction>, DbError>;

    /// Starts a read-only transaction that sees one consistent snapshot of
    /// every table (for exports).
    async fn begin_snapshot(&self) -> Result<Box<dyn Transaction>, DbError>;

    /// A condition that `column` is one of the texts bound at `$param` as a
    /// [`Param::TextList`].
    fn text_in(column: &str, param: usize) -> String;

    /// A `LIMIT` parameter (`None`: no limit).
    fn limit(limit: Option<usize>) -> Param;

    /// Serialises quota reservations of one account and kind until `tx`
    /// commits (the reservation then counts and inserts). A no-op where
    /// [`begin_write`](Self::begin_write) already serialises every writer.
    async fn lock_quota(
        &self,
        tx: &mut dyn Transaction,
        account_id: AccountId,
        kind: QuotaKind,
    ) -> Result<(), DbError> {
        let _ = (tx, account_id, kind);
        Ok(())
    }

    /// Claims up to `claim.max` due jobs of `claim.queue`: due jobs that used
    /// up their attempts are dead-lettered with [`LEASE_EXHAUSTED`]; the
    /// others, in `(run_at, id)` order, become `running` with one more
    /// attempt, the lease, and a fresh fencing token each, greater than every
    /// token handed out before. Returns the claimed rows
    /// ([`JOB_COLUMNS`] order, any row order). Each due job goes to exactly one
    /// concurrent claimer, across every process sharing the database.
    async fn claim(&self, claim: Claim<'_>) -> store_traits::Result<Vec<Row>>;
}

/// Backends whose stores open from a short target: a file path, a URL.
pub trait Open<T>: Backend {
    /// The options for `target` (everything else at its default).
    fn open_options(target: T) -> Result<Self::Options, Self::Error>;
}

/// Backends that can hold a private database in memory.
pub trait InMemory: Backend {
    /// The options of a fresh in-memory database.
    fn in_memory_options() -> Self::Options;
}
