//! [`PgBackend`]: the pool, and the PostgreSQL side of [`Backend`].

use std::fmt;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, PgPool};
use store_sql::{
    Backend, Claim, DbError, Executor, LEASE_EXHAUSTED, Open, Param, Query, Row, SqlStore,
    Transaction, db, job_columns_of,
};
use store_traits::{AccountId, Clock, QuotaKind, Result as StoreResult, Store, StoreFactory};

use crate::error::Error;
use crate::exec::{OnPool, Tx, error};
use crate::options::{PgStoreOptions, PlanCache, SynchronousCommit};
use crate::schema;

/// Every store trait of `store-traits` over one PostgreSQL database.
///
/// Cheap to clone (the pool and the clock are shared). See the
/// [crate docs](crate) for how to connect and what it guarantees; the
/// connection pool ([`pool`](PgBackend::pool)) is [`PgBackend`]'s, callable on
/// the store directly.
pub type PgStore = SqlStore<PgBackend>;

/// The connection pool under a [`PgStore`].
pub struct PgBackend {
    pool: PgPool,
    location: String,
    synchronous_commit: SynchronousCommit,
}

impl PgBackend {
    /// The connection pool (for health checks and metrics; the store's tables
    /// are its own business).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgBackend")
            .field("location", &self.location)
            .field("synchronous_commit", &self.synchronous_commit)
            .finish_non_exhaustive()
    }
}

/// The claim statement (`$1` queue, `$2` now, `$3` limit, `$4` worker,
/// `$5` lease expiry, `$6` dead-letter message).
///
/// - `exhausted` dead-letters due jobs that used up their attempts;
/// - `due` picks the next due jobs in `(run_at, id)` order, locking them and
///   skipping rows other claimers hold (`FOR UPDATE SKIP LOCKED`), so two
///   claimers never get the same row and never wait for each other;
/// - the `UPDATE` takes them: `running`, one more attempt, the lease, and a
///   fencing token from the `job_fence` sequence.
///
/// Under READ COMMITTED a locked row is re-checked against the `WHERE` clause
/// after the lock is granted, so a job that another claimer took (or someone
/// completed) in the meantime drops out instead of being handed out twice.
static CLAIM_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH exhausted AS ( \
            UPDATE jobs x SET state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
                updated_ns = $2, finished_ns = $2, last_error = $6 \
            FROM ( \
                SELECT id FROM jobs WHERE queue = $1 AND state IN ('queued', 'running') \
                AND attempts >= max_attempts AND ( \
                    (state = 'queued' AND run_at_ns <= $2) OR \
                    (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))) \
                FOR UPDATE SKIP LOCKED) gone \
            WHERE x.id = gone.id \
            RETURNING 1 \
         ), due AS ( \
            SELECT id FROM jobs \
            WHERE queue = $1 AND state IN ('queued', 'running') AND attempts < max_attempts AND ( \
                (state = 'queued' AND run_at_ns <= $2) OR \
                (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))) \
            ORDER BY run_at_ns, id \
            LIMIT $3 \
            FOR UPDATE SKIP LOCKED \
         ) \
         UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, \
            fence = nextval('job_fence'), lease_owner = $4, lease_expires_ns = $5, updated_ns = $2 \
         FROM due WHERE j.id = due.id \
         RETURNING {}",
        job_columns_of("j")
    )
});

/// The advisory-lock key of one account's quota of one kind: the UUID's last
/// eight bytes (the random part of a v7 id), with the kind mixed into the top
/// bits. Two pairs sharing a key only serialise each other; correctness does
/// not depend on distinct keys.
fn lock_key(account_id: AccountId, kind: QuotaKind) -> i64 {
    let bytes = account_id.as_uuid().as_bytes();
    let mut head = [0u8; 8];
    head.copy_from_slice(&bytes[8..16]);
    let tag: i64 = match kind.as_str() {
        "posts" => 1,
        "replies" => 2,
        "deletes" => 3,
        _ => 4,
    };
    i64::from_be_bytes(head) ^ (tag << 56)
}

#[async_trait]
impl Backend for PgBackend {
    type Options = PgStoreOptions;
    type Error = Error;

    const ROW_LOCK: &'static str = " FOR UPDATE";
    const SHARE_LOCK: &'static str = " FOR SHARE";

    async fn connect(options: &PgStoreOptions) -> Result<Self, Error> {
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
        if options.plan_cache == PlanCache::Generic {
            connect = connect.options([("plan_cache_mode", "force_generic_plan")]);
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
        Ok(Self {
            pool,
            location,
            synchronous_commit: options.synchronous_commit,
        })
    }

    async fn migrate(&self) -> Result<(), Error> {
        let tx = self
            .pool
            .begin()
            .await
            .map_err(Error::database("starting the migration transaction"))?;
        schema::migrate(tx).await
    }

    async fn schema_version(&self) -> Result<Option<i64>, Error> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(Error::database("reading the schema version"))?;
        schema::recorded_version(&mut conn).await
    }

    fn supported_schema_version() -> i64 {
        schema::supported_version()
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn reader(&self) -> Box<dyn Executor + '_> {
        Box::new(OnPool(&self.pool))
    }

    fn writer(&self) -> Box<dyn Executor + '_> {
        Box::new(OnPool(&self.pool))
    }

    /// A read-committed transaction; read-modify-writes lock their rows with
    /// `SELECT ... FOR UPDATE` (or an advisory lock) inside it.
    async fn begin_write(&self) -> Result<Box<dyn Transaction>, DbError> {
        let tx = self.pool.begin().await.map_err(error)?;
        Ok(Box::new(Tx(tx)))
    }

    async fn begin_snapshot(&self) -> Result<Box<dyn Transaction>, DbError> {
        let tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(error)?;
        Ok(Box::new(Tx(tx)))
    }

    /// The texts arrive as one `text[]`.
    fn text_in(column: &str, param: usize) -> String {
        format!("{column} = ANY(${param})")
    }

    /// PostgreSQL treats `LIMIT NULL` as "no limit".
    fn limit(limit: Option<usize>) -> Param {
        Param::Int(limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// A transaction-scoped advisory lock per account and kind: reservations
    /// of one account and kind queue across every worker and machine until
    /// commit; other accounts and kinds are not blocked.
    async fn lock_quota(
        &self,
        tx: &mut dyn Transaction,
        account_id: AccountId,
        kind: QuotaKind,
    ) -> Result<(), DbError> {
        tx.execute(Query::new("SELECT pg_advisory_xact_lock($1)").bind(lock_key(account_id, kind)))
            .await?;
        Ok(())
    }

    /// One statement, in autocommit (see the claim statement's documentation).
    async fn claim(&self, claim: Claim<'_>) -> StoreResult<Vec<Row>> {
        let query = Query::new(CLAIM_SQL.as_str())
            .bind(claim.queue)
            .bind(claim.now_ns)
            .bind(Self::limit(Some(claim.max)))
            .bind(claim.worker)
            .bind(claim.expires_ns)
            .bind(LEASE_EXHAUSTED);
        self.writer()
            .fetch_all(query)
            .await
            .map_err(db("claiming jobs"))
    }
}

impl<S: AsRef<str>> Open<S> for PgBackend {
    /// A `postgres://` URL, default options.
    fn open_options(url: S) -> Result<PgStoreOptions, Error> {
        PgStoreOptions::new(url.as_ref())
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

#[async_trait]
impl StoreFactory for PgStoreFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(PgStore::connect(&self.options, clock).await?))
    }
}
