//! [`SqlStore`]: construction and plumbing. Each store trait's implementation
//! is in the submodule named like the trait's module in `store-traits`
//! (`account`, `token`, ..., `privacy`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use store_traits::{Clock, Result};

use crate::backend::{Backend, InMemory, Open};
use crate::exec::{Transaction, db};

mod account;
mod audit;
mod conversation;
mod draft;
mod inbox;
mod insight;
mod oauth_state;
mod persona;
mod privacy;
mod publish;
mod queue;
mod quota;
mod source;
mod token;

/// Every store trait of `store-traits` over one SQL database reached through
/// the backend `B` (`store_sqlite::SqliteStore` and `store_postgres::PgStore`
/// are this type).
///
/// Cheap to clone (the backend and the clock are shared). Time comes from the
/// [`Clock`] given at construction, never from the database's own clock.
/// The backend's own methods (a pool, connection settings) are reachable
/// through [`backend`](Self::backend), or directly on the store (it
/// dereferences to `B`).
pub struct SqlStore<B> {
    backend: Arc<B>,
    clock: Arc<dyn Clock>,
}

impl<B> Clone for SqlStore<B> {
    fn clone(&self) -> Self {
        Self {
            backend: Arc::clone(&self.backend),
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// Opens a database with explicit options and migrates it to the current
    /// schema. A database migrated by a newer release of the backend is
    /// refused before anything is changed.
    pub async fn connect(options: &B::Options, clock: Arc<dyn Clock>) -> Result<Self, B::Error> {
        let store = Self::with_backend(B::connect(options).await?, clock);
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database at `target` (a file path for SQLite, a URL for
    /// PostgreSQL) with default options, and migrates it.
    pub async fn open<T>(target: T, clock: Arc<dyn Clock>) -> Result<Self, B::Error>
    where
        B: Open<T>,
    {
        Self::connect(&B::open_options(target)?, clock).await
    }

    /// A fresh, private in-memory database (for tests, demos and one-shot tools).
    pub async fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Self, B::Error>
    where
        B: InMemory,
    {
        Self::connect(&B::in_memory_options(), clock).await
    }

    /// A store over an already connected backend; does not migrate.
    pub fn with_backend(backend: B, clock: Arc<dyn Clock>) -> Self {
        Self {
            backend: Arc::new(backend),
            clock,
        }
    }

    /// Applies any embedded migrations the database lacks. [`connect`](Self::connect)
    /// already does this; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), B::Error> {
        self.backend.migrate().await
    }

    /// The newest schema version recorded in the database.
    pub async fn schema_version(&self) -> Result<Option<i64>, B::Error> {
        self.backend.schema_version().await
    }

    /// The newest schema version this release of the backend ships.
    pub fn supported_schema_version() -> i64 {
        B::supported_schema_version()
    }

    /// The clock the store reads time from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The backend (connections and backend-specific settings).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Waits for running statements and closes every connection (an in-memory
    /// database is gone afterwards).
    pub async fn close(&self) {
        self.backend.close().await;
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// A read-modify-write transaction (see [`Backend::begin_write`]).
    pub(crate) async fn write_tx(&self) -> Result<Box<dyn Transaction>> {
        self.backend
            .begin_write()
            .await
            .map_err(db("starting a write transaction"))
    }

    /// A `SELECT` suffix locking the rows read in a write transaction.
    pub(crate) fn row_lock() -> &'static str {
        B::ROW_LOCK
    }

    /// The record whose JSON document `sql` (`SELECT doc FROM t WHERE id = $1`)
    /// reads for `id`, if any.
    pub(crate) async fn doc_by_id<T: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
        id: uuid::Uuid,
        kind: store_traits::RecordKind,
        context: &'static str,
    ) -> Result<Option<T>> {
        let row = self
            .reader()
            .fetch_optional(crate::value::Query::new(sql).bind(id))
            .await
            .map_err(db(context))?;
        crate::codec::doc_of(row, kind)
    }

    /// Runs a `DELETE ... WHERE id = $1`; `true` if a row went.
    pub(crate) async fn delete_by_id(
        &self,
        sql: &'static str,
        id: uuid::Uuid,
        context: &'static str,
    ) -> Result<bool> {
        let done = self
            .writer()
            .execute(crate::value::Query::new(sql).bind(id))
            .await
            .map_err(db(context))?;
        Ok(done > 0)
    }
}

impl<B> Deref for SqlStore<B> {
    type Target = B;

    fn deref(&self) -> &B {
        &self.backend
    }
}

impl<B: fmt::Debug> fmt::Debug for SqlStore<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .field("clock", &self.clock)
            .finish()
    }
}
