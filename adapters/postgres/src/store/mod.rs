//! [`PgStore`]: the pool; the trait implementations live in the submodules.

use std::fmt;
use std::sync::Arc;

use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, PgPool, Postgres, Transaction};
use store_traits::{Clock, Result as StoreResult, Store, StoreFactory};

use crate::codec::db;
use crate::error::Error;
use crate::options::{PgStoreOptions, SynchronousCommit};
use crate::schema;

mod conversations;
mod drafts;
mod logs;
mod privacy;
mod queue;
mod quota;
mod records;

/// Every store trait of `store-traits` over one PostgreSQL database.
///
/// Cheap to clone (the pool and the clock are shared). See the
/// [crate docs](crate) for how to connect and what it guarantees.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    location: Arc<str>,
    synchronous_commit: SynchronousCommit,
}

impl PgStore {
    /// Connects with default options (a pool of up to 10 connections) and
    /// migrates the database to the current schema.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use store_postgres::PgStore;
    /// use store_traits::SystemClock;
    ///
    /// # async fn demo() -> Result<(), store_postgres::Error> {
    /// let store = PgStore::open("postgres://app@localhost/threads", Arc::new(SystemClock)).await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        Self::connect(&PgStoreOptions::new(url)?, clock).await
    }

    /// Connects with explicit options and migrates the database to the current
    /// schema. Fails with [`Error::SchemaTooNew`] (changing nothing) if a newer
    /// release of this crate migrated the database.
    pub async fn connect(options: &PgStoreOptions, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        if options.max_connections == 0 || options.min_connections > options.max_connections {
            return Err(Error::InvalidOptions(
                "max_connections must be at least 1 and at least min_connections".into(),
            ));
        }
        let location = options.describe();
        let mut connect = options.connect.clone().disable_statement_logging();
        if options.synchronous_commit == SynchronousCommit::Off {
            connect = connect.options([("synchronous_commit", "off")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|source| Error::Open {
                location: location.clone(),
                source,
            })?;
        let store = Self {
            pool,
            clock,
            location: location.into(),
            synchronous_commit: options.synchronous_commit,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any embedded migrations the database lacks. [`connect`](Self::connect)
    /// already does this; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), Error> {
        let tx = self
            .pool
            .begin()
            .await
            .map_err(Error::database("starting the migration transaction"))?;
        schema::migrate(tx).await
    }

    /// The newest schema version recorded in the database.
    pub async fn schema_version(&self) -> Result<Option<i64>, Error> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(Error::database("reading the schema version"))?;
        schema::recorded_version(&mut conn).await
    }

    /// The newest schema version this release of the crate ships.
    pub fn supported_schema_version() -> i64 {
        schema::supported_version()
    }

    /// The clock the store reads time from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The connection pool (for health checks and metrics; the store's tables
    /// are its own business).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Waits for running statements and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The pool, for single statements.
    pub(crate) fn db(&self) -> &PgPool {
        &self.pool
    }

    /// A read-committed transaction; read-modify-writes lock their rows with
    /// `SELECT ... FOR UPDATE` (or an advisory lock) inside it.
    pub(crate) async fn tx(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool
            .begin()
            .await
            .map_err(db("starting a transaction"))
    }
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("synchronous_commit", &self.synchronous_commit)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// Builds [`PgStore`]s for [`StoreFactory`] users (the conformance suite): each
/// `create` connects a new pool to the configured database. Stores made by one
/// factory share the database (the suite isolates its data by unique ids).
#[derive(Debug, Clone)]
pub struct PgStoreFactory {
    options: PgStoreOptions,
}

impl PgStoreFactory {
    /// Every store connects with these options.
    pub fn new(options: PgStoreOptions) -> Self {
        Self { options }
    }
}

#[async_trait::async_trait]
impl StoreFactory for PgStoreFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(PgStore::connect(&self.options, clock).await?))
    }
}
