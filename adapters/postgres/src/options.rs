//! How to connect: server, pool size, durability of commits, statement planning.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use crate::error::Error;

/// Whether a commit waits for its WAL record to reach disk (`synchronous_commit`,
/// set on every connection of the store's pool).
///
/// | setting | after a server crash | cost |
/// |---|---|---|
/// | [`On`](SynchronousCommit::On) (default) | every commit that returned is kept | one WAL flush per commit (shared by concurrent commits) |
/// | [`Off`](SynchronousCommit::Off) | the last few hundred milliseconds of commits may be lost; the database stays consistent | none at commit time |
///
/// With `Off`, a job completed just before a crash may be handed out again and
/// a quota reservation forgotten; a publisher that reconciles (as
/// `content-pipeline` does) tolerates that, but `On` is the safe default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SynchronousCommit {
    /// Commits are durable when they return (PostgreSQL's own default).
    #[default]
    On,
    /// Commits return before their WAL is flushed.
    Off,
}

/// How the server plans the store's statements (`plan_cache_mode`, set on
/// every connection of the store's pool).
///
/// The store sends every statement as a prepared statement with parameters.
/// Under PostgreSQL's default (`auto`) the server plans such a statement anew
/// for each execution as long as a plan for the actual values looks cheaper
/// than the generic one, which the job claim (two CTEs, an `OR` of lease
/// conditions, a parameter `LIMIT`) always does; planning it then costs more
/// than running it. Measured with `cargo bench -p threads-benches --bench
/// queue` (4 workers, `claim(1)` + `complete`, `synchronous_commit = off`, 2
/// cores): 1,630 jobs/s with `auto` against 2,992 with a generic plan, next to
/// 3,094 for a minimal hand-written loop.
///
/// Every statement of the store looks rows up by key or walks an index in
/// order, so one generic plan per statement and connection serves it well.
/// Choose [`Auto`](PlanCache::Auto) if your own connection settings or
/// extensions rely on per-execution planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlanCache {
    /// `force_generic_plan`: each statement is planned once per connection.
    #[default]
    Generic,
    /// `auto` (the server's default): custom plans while they look cheaper.
    Auto,
}

/// Options for [`PgStore::connect`](crate::PgStore::connect).
///
/// ```
/// use store_postgres::{PgStoreOptions, SynchronousCommit};
///
/// let options = PgStoreOptions::new("postgres://app@db.internal:5432/threads")?
///     .max_connections(20)
///     .synchronous_commit(SynchronousCommit::On);
/// # let _ = options;
/// # Ok::<(), store_postgres::Error>(())
/// ```
#[derive(Clone)]
pub struct PgStoreOptions {
    pub(crate) connect: PgConnectOptions,
    pub(crate) max_connections: u32,
    pub(crate) min_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) synchronous_commit: SynchronousCommit,
    pub(crate) plan_cache: PlanCache,
}

impl PgStoreOptions {
    /// Options from a `postgres://user:password@host:port/database?sslmode=...` URL.
    ///
    /// TLS (`sslmode=require`, `verify-full`, ...) uses rustls.
    pub fn new(url: &str) -> Result<Self, Error> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::InvalidOptions(
                "a PostgreSQL URL starts with postgres:// or postgresql://".into(),
            ));
        }
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| Error::InvalidOptions(format!("invalid PostgreSQL URL: {e}")))?;
        Ok(Self::from_connect_options(connect))
    }

    /// Options from sqlx connection options (for settings a URL cannot carry).
    pub fn from_connect_options(connect: PgConnectOptions) -> Self {
        Self {
            connect,
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
            synchronous_commit: SynchronousCommit::On,
            plan_cache: PlanCache::Generic,
        }
    }

    /// Upper bound of the connection pool (default 10). Each concurrent store
    /// call holds one connection while it runs; size it to the worker count.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// Connections kept open when idle (default 0).
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }

    /// How long a call waits for a free pooled connection before failing (default 30 s).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Durability of commits (default [`SynchronousCommit::On`]).
    pub fn synchronous_commit(mut self, mode: SynchronousCommit) -> Self {
        self.synchronous_commit = mode;
        self
    }

    /// How the server plans the store's statements (default
    /// [`PlanCache::Generic`]).
    pub fn plan_cache(mut self, mode: PlanCache) -> Self {
        self.plan_cache = mode;
        self
    }

    /// `host:port/database`, for messages (never the password).
    pub(crate) fn describe(&self) -> String {
        format!(
            "{}:{}/{}",
            self.connect.get_host(),
            self.connect.get_port(),
            self.connect.get_database().unwrap_or("")
        )
    }
}

/// Shows where the store connects and how, never the password.
impl std::fmt::Debug for PgStoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStoreOptions")
            .field("location", &self.describe())
            .field("username", &self.connect.get_username())
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("synchronous_commit", &self.synchronous_commit)
            .field("plan_cache", &self.plan_cache)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_password() {
        let options = PgStoreOptions::new("postgres://app:s3cr3t-pw@db.internal:5433/threads")
            .expect("valid URL");
        let text = format!("{options:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("db.internal:5433/threads"), "{text}");
    }

    #[test]
    fn other_schemes_are_rejected() {
        assert!(matches!(
            PgStoreOptions::new("mysql://db/threads"),
            Err(Error::InvalidOptions(_))
        ));
    }
}
