//! [`SqliteBackend`]: the connections, and the SQLite side of [`Backend`].

use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};
use store_sql::{
    Backend, Claim, DbError, Executor, InMemory, LEASE_EXHAUSTED, Open, Param, Query, Row,
    SqlStore, Transaction, db, job_columns_of,
};
use store_traits::{Clock, Result as StoreResult, Store, StoreFactory};

use crate::error::Error;
use crate::exec::{OnPool, Tx, error};
use crate::group::{Done, GroupWriter, Grouped, Op, Step};
use crate::options::{Location, SqliteStoreOptions, Synchronous};
use crate::schema;

/// Every store trait of `store-traits` over one SQLite database.
///
/// Cheap to clone (the pools and the clock are shared). See the
/// [crate docs](crate) for how to open one and what it guarantees; the
/// SQLite-specific methods ([`connection_settings`](SqliteBackend::connection_settings))
/// are [`SqliteBackend`]'s, callable on the store directly.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// The SQLite connections under a [`SqliteStore`]: one writer, a pool of readers.
pub struct SqliteBackend {
    /// One connection: SQLite has one writer at a time, so writers of this
    /// process queue here instead of spinning on the file lock.
    writer: SqlitePool,
    /// Readers (WAL lets them run beside the writer). The writer pool in memory.
    reader: SqlitePool,
    location: String,
    synchronous: Synchronous,
    /// Single-statement writes and claims, committed in groups (see the
    /// crate docs on durability).
    group: GroupWriter,
}

impl SqliteBackend {
    /// The settings SQLite reports on the write connection: journal mode,
    /// `synchronous` level (2 = FULL, 1 = NORMAL) and busy timeout in
    /// milliseconds. For checking a deployment.
    pub async fn connection_settings(&self) -> Result<(String, i64, i64), Error> {
        let mut conn = self
            .writer
            .acquire()
            .await
            .map_err(Error::database("reading connection settings"))?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::database("reading the journal mode"))?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::database("reading the synchronous level"))?;
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::database("reading the busy timeout"))?;
        Ok((journal, synchronous, busy))
    }
}

impl fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("location", &self.location)
            .field("synchronous", &self.synchronous)
            .finish_non_exhaustive()
    }
}

/// Claims take the due jobs in `(run_at, id)` order; each gets the next fence
/// (`$1` queue, `$2` now, `$3` limit, `$4` worker, `$5` lease expiry).
static CLAIM_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH due AS ( \
            SELECT id, ROW_NUMBER() OVER (ORDER BY run_at_ns, id) AS n FROM ( \
                SELECT id, run_at_ns FROM jobs \
                WHERE queue = $1 AND state = 'queued' AND run_at_ns <= $2 \
                UNION ALL \
                SELECT id, run_at_ns FROM jobs \
                WHERE queue = $1 AND state = 'running' \
                AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2) \
                ORDER BY run_at_ns, id LIMIT $3) \
         ) \
         UPDATE jobs SET state = 'running', attempts = attempts + 1, \
            fence = (SELECT value FROM job_fence WHERE id = 1) + due.n, \
            lease_owner = $4, lease_expires_ns = $5, updated_ns = $2 \
         FROM due WHERE jobs.id = due.id \
         RETURNING {}",
        job_columns_of("jobs")
    )
});

/// Whether anything is due (`$1` queue, `$2` now).
const DUE_SQL: &str = "SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'queued' AND run_at_ns <= $2) \
     OR EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'running' \
                AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))";

/// Dead-letters due jobs that used up their attempts (`$1` queue, `$2` now,
/// `$3` message).
const EXHAUSTED_SQL: &str = "UPDATE jobs SET state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
     updated_ns = $2, finished_ns = $2, last_error = $3 \
     WHERE queue = $1 AND state IN ('queued', 'running') AND attempts >= max_attempts AND \
     ((state = 'queued' AND run_at_ns <= $2) OR \
      (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2)))";

#[async_trait]
impl Backend for SqliteBackend {
    type Options = SqliteStoreOptions;
    type Error = Error;

    /// Nothing to add: a write transaction (`BEGIN IMMEDIATE`) holds SQLite's
    /// write lock from its first statement, so no other writer runs meanwhile.
    const ROW_LOCK: &'static str = "";
    const SHARE_LOCK: &'static str = "";

    async fn connect(options: &SqliteStoreOptions) -> Result<Self, Error> {
        if options.read_connections == 0 {
            return Err(Error::InvalidOptions(
                "read_connections must be at least 1".into(),
            ));
        }
        let location = options.location.describe();
        let open_error = |source| Error::Open {
            location: location.clone(),
            source,
        };
        let synchronous = match options.synchronous {
            Synchronous::Full => SqliteSynchronous::Full,
            Synchronous::Normal => SqliteSynchronous::Normal,
        };
        let (writer, reader) = match &options.location {
            Location::Memory => {
                let connect = SqliteConnectOptions::new()
                    .in_memory(true)
                    .synchronous(synchronous)
                    .disable_statement_logging();
                // The database lives exactly as long as its one connection.
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(connect)
                    .await
                    .map_err(open_error)?;
                (pool.clone(), pool)
            }
            Location::File(path) => {
                let connect = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(options.create_if_missing)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(options.busy_timeout)
                    .disable_statement_logging();
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(connect.clone())
                    .await
                    .map_err(open_error)?;
                let reader = SqlitePoolOptions::new()
                    .max_connections(options.read_connections)
                    .connect_lazy_with(connect.create_if_missing(false).read_only(true));
                (writer, reader)
            }
        };
        Ok(Self {
            group: GroupWriter::new(writer.clone()),
            writer,
            reader,
            location,
            synchronous: options.synchronous,
        })
    }

    async fn migrate(&self) -> Result<(), Error> {
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(Error::database("starting the migration transaction"))?;
        schema::migrate(tx).await
    }

    async fn schema_version(&self) -> Result<Option<i64>, Error> {
        let mut conn = self
            .reader
            .acquire()
            .await
            .map_err(Error::database("reading the schema version"))?;
        schema::recorded_version(&mut conn).await
    }

    fn supported_schema_version() -> i64 {
        schema::supported_version()
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    fn reader(&self) -> Box<dyn Executor + '_> {
        Box::new(OnPool(&self.reader))
    }

    /// Statements join the next group commit (see the crate docs).
    fn writer(&self) -> Box<dyn Executor + '_> {
        Box::new(Grouped(&self.group))
    }

    /// `BEGIN IMMEDIATE` on the write connection: the transaction holds
    /// SQLite's write lock from its first statement, so it never has to be
    /// retried half way, and its reads stay valid until it commits.
    async fn begin_write(&self) -> Result<Box<dyn Transaction>, DbError> {
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(error)?;
        Ok(Box::new(Tx(tx)))
    }

    /// A deferred transaction on a read connection: in WAL mode its first read
    /// fixes the snapshot every later read sees.
    async fn begin_snapshot(&self) -> Result<Box<dyn Transaction>, DbError> {
        let tx = self.reader.begin().await.map_err(error)?;
        Ok(Box::new(Tx(tx)))
    }

    /// The texts arrive as one JSON array.
    fn text_in(column: &str, param: usize) -> String {
        format!("{column} IN (SELECT value FROM json_each(${param}))")
    }

    /// SQLite treats a negative limit as "no limit".
    fn limit(limit: Option<usize>) -> Param {
        Param::Int(Some(
            limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        ))
    }

    /// One `BEGIN IMMEDIATE` transaction: dead-letter the exhausted due jobs,
    /// take the due ones in `(run_at, id)` order numbering them from the
    /// `job_fence` row, and advance that row. SQLite's single write lock makes
    /// it atomic across every connection and process sharing the file.
    async fn claim(&self, claim: Claim<'_>) -> StoreResult<Vec<Row>> {
        // Idle polls stay off the write lock: a read (which sees every committed
        // write) decides whether there is anything to take at all. The decision
        // who gets a job is made again below, under the write lock.
        let due = self
            .reader()
            .fetch_one(Query::new(DUE_SQL).bind(claim.queue).bind(claim.now_ns))
            .await
            .map_err(db("looking for due jobs"))?;
        if !due.get::<bool>(0)? {
            return Ok(Vec::new());
        }
        // Due jobs that used up their attempts are dead-lettered, not handed out.
        let exhausted = Query::new(EXHAUSTED_SQL)
            .bind(claim.queue)
            .bind(claim.now_ns)
            .bind(LEASE_EXHAUSTED);
        let take = Query::new(CLAIM_SQL.as_str())
            .bind(claim.queue)
            .bind(claim.now_ns)
            .bind(Self::limit(Some(claim.max)))
            .bind(claim.worker)
            .bind(claim.expires_ns);
        let advance = Query::new("UPDATE job_fence SET value = value + $1 WHERE id = 1");
        // Under the write lock (inside the group's `BEGIN IMMEDIATE`
        // transaction) the claim looks again: claimers that raced for the same
        // jobs find them gone with one read. Its writes take effect together
        // or not at all.
        let again = Query::new(DUE_SQL).bind(claim.queue).bind(claim.now_ns);
        let op = Op::Atomic(vec![
            Step::Guard(again),
            Step::Run(exhausted),
            Step::Rows(take),
            Step::IfRows(advance),
        ]);
        match self.group.submit(op).await {
            Ok(Done::Rows(rows)) => Ok(rows),
            Ok(_) => Err(db("claiming jobs")(DbError::new(
                "the group writer answered a claim with the wrong shape",
            ))),
            Err(e) => Err(db("claiming jobs")(e)),
        }
    }
}

impl<P: AsRef<Path>> Open<P> for SqliteBackend {
    /// The database file at `path` (created if missing), default options.
    fn open_options(path: P) -> Result<SqliteStoreOptions, Error> {
        Ok(SqliteStoreOptions::file(path))
    }
}

impl InMemory for SqliteBackend {
    fn in_memory_options() -> SqliteStoreOptions {
        SqliteStoreOptions::in_memory()
    }
}

/// Builds [`SqliteStore`]s for [`StoreFactory`] users (the conformance suite):
/// each `create` opens a fresh database.
#[derive(Debug, Clone)]
pub struct SqliteStoreFactory {
    options: SqliteStoreOptions,
}

impl SqliteStoreFactory {
    /// Every store opened with these options. For a file location the factory
    /// appends a unique suffix per store, so stores never share a file.
    pub fn new(options: SqliteStoreOptions) -> Self {
        Self { options }
    }
}

#[async_trait]
impl StoreFactory for SqliteStoreFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> StoreResult<Arc<dyn Store>> {
        let mut options = self.options.clone();
        if let Location::File(path) = &options.location {
            let mut name = path.as_os_str().to_owned();
            name.push(format!("-{}", uuid::Uuid::now_v7().simple()));
            options.location = Location::File(name.into());
        }
        Ok(Arc::new(SqliteStore::connect(&options, clock).await?))
    }
}
