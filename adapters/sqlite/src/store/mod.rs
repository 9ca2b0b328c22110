//! [`SqliteStore`]: connection handling; the trait implementations live in the submodules.

use std::fmt;
use std::sync::Arc;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Sqlite, SqlitePool, Transaction};
use store_traits::{Clock, Result as StoreResult, Store, StoreFactory};

use crate::codec::db;
use crate::error::Error;
use crate::options::{Location, SqliteStoreOptions, Synchronous};
use crate::schema;

mod conversations;
mod drafts;
mod logs;
mod privacy;
mod queue;
mod quota;
mod records;

/// Every store trait of `store-traits` over one SQLite database.
///
/// Cheap to clone (the pools and the clock are shared). See the
/// [crate docs](crate) for how to open one and what it guarantees.
#[derive(Clone)]
pub struct SqliteStore {
    /// One connection: SQLite has one writer at a time, so writers of this
    /// process queue here instead of spinning on the file lock.
    writer: SqlitePool,
    /// Readers (WAL lets them run beside the writer). The writer pool in memory.
    reader: SqlitePool,
    clock: Arc<dyn Clock>,
    location: Arc<str>,
    synchronous: Synchronous,
    /// Serialises this process's claims (see `claim`).
    claim_gate: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` with default
    /// options, and migrates it to the current schema.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use store_sqlite::SqliteStore;
    /// use store_traits::SystemClock;
    ///
    /// # async fn demo() -> Result<(), store_sqlite::Error> {
    /// let store = SqliteStore::open("threads.db", Arc::new(SystemClock)).await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(
        path: impl AsRef<std::path::Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        Self::connect(&SqliteStoreOptions::file(path), clock).await
    }

    /// A fresh, private in-memory database (for tests, demos and one-shot tools).
    pub async fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Self, Error> {
        Self::connect(&SqliteStoreOptions::in_memory(), clock).await
    }

    /// Opens a database with explicit options and migrates it to the current schema.
    ///
    /// Fails with [`Error::SchemaTooNew`] (changing nothing) if a newer release
    /// of this crate migrated the database.
    pub async fn connect(
        options: &SqliteStoreOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
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
        let store = Self {
            writer,
            reader,
            clock,
            location: location.into(),
            synchronous: options.synchronous,
            claim_gate: Arc::new(tokio::sync::Mutex::new(())),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any embedded migrations the database lacks. [`connect`](Self::connect)
    /// already does this; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), Error> {
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(Error::database("starting the migration transaction"))?;
        schema::migrate(tx).await
    }

    /// The newest schema version recorded in the database.
    pub async fn schema_version(&self) -> Result<Option<i64>, Error> {
        let mut conn = self
            .reader
            .acquire()
            .await
            .map_err(Error::database("reading the schema version"))?;
        schema::recorded_version(&mut conn).await
    }

    /// The newest schema version this release of the crate ships.
    pub fn supported_schema_version() -> i64 {
        schema::supported_version()
    }

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

    /// The clock the store reads time from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Waits for running statements and closes every connection (an in-memory
    /// database is gone afterwards).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The connection for single-statement writes.
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Connections for reads.
    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Claims of this process take turns on this lock.
    pub(crate) fn claim_gate(&self) -> &tokio::sync::Mutex<()> {
        &self.claim_gate
    }

    /// A write transaction that holds SQLite's write lock from its first
    /// statement (`BEGIN IMMEDIATE`), for every read-modify-write.
    pub(crate) async fn write_tx(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db("starting a write transaction"))
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .field("synchronous", &self.synchronous)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
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

#[async_trait::async_trait]
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
