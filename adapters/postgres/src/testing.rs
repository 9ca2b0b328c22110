//! Throw-away databases for tests (feature `testing`).
//!
//! Each [`TestDatabase`] is a fresh, uniquely named database on the server
//! at `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped by [`TestDatabase::drop_database`]. When the server cannot be
//! reached, [`TestDatabase::create`] prints a `SKIPPED` line and returns
//! `Ok(None)`, so a machine without PostgreSQL still passes its tests; with
//! `REQUIRE_POSTGRES_TESTS=1` (CI) it returns the error instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), store_postgres::Error> {
//! use store_postgres::testing::TestDatabase;
//!
//! let Some(db) = TestDatabase::create("my_test").await? else {
//!     return Ok(()); // skipped: no server
//! };
//! let options = store_postgres::PgStoreOptions::new(db.url())?;
//! // ... open a store with `options` and test against it ...
//! db.drop_database().await;
//! # Ok(())
//! # }
//! ```

use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::Error;

/// The server used when `TEST_DATABASE_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server URL tests use: `TEST_DATABASE_URL`, else [`DEFAULT_SERVER_URL`].
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned())
}

/// Whether an unreachable server fails the tests (`REQUIRE_POSTGRES_TESTS=1`)
/// instead of skipping them.
pub fn required() -> bool {
    std::env::var("REQUIRE_POSTGRES_TESTS").is_ok_and(|v| v == "1")
}

/// A fresh database for one test.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    name: String,
    server: PgConnectOptions,
}

impl TestDatabase {
    /// Creates a database named `<label>_<uuid v7>` on [`server_url`].
    ///
    /// `Ok(None)` (after printing a `SKIPPED` line) when the server is not
    /// reachable and [`required`] is false.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOptions`] for a malformed `TEST_DATABASE_URL` or
    /// label (letters, digits and `_` only); [`Error::Open`] when the
    /// server is unreachable and required; [`Error::Database`] when
    /// `CREATE DATABASE` fails.
    pub async fn create(label: &str) -> Result<Option<Self>, Error> {
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::InvalidOptions(format!(
                "a test database label is letters, digits and `_`, not {label:?}"
            )));
        }
        let server_url = server_url();
        let server = PgConnectOptions::from_str(&server_url)
            .map_err(|e| Error::InvalidOptions(format!("invalid TEST_DATABASE_URL: {e}")))?
            .disable_statement_logging();
        let admin = match PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(server.clone())
            .await
        {
            Ok(pool) => pool,
            Err(source) if required() => {
                return Err(Error::Open {
                    location: describe(&server),
                    source,
                });
            }
            Err(_) => {
                println!(
                    "SKIPPED: PostgreSQL is not reachable at {}; set TEST_DATABASE_URL \
                     (REQUIRE_POSTGRES_TESTS=1 makes this a failure)",
                    describe(&server)
                );
                return Ok(None);
            }
        };
        let name = format!("{}_{}", label.to_lowercase(), uuid::Uuid::now_v7().simple());
        let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .map_err(Error::database("creating a test database"));
        admin.close().await;
        created?;
        let url = with_database(&server_url, &name);
        Ok(Some(Self { url, name, server }))
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The new database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database, closing its connections first. Failures are
    /// ignored: a leftover database is named for its test and harmless.
    pub async fn drop_database(self) {
        let Ok(pool) = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(self.server)
            .await
        else {
            return;
        };
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&pool)
        .await;
        pool.close().await;
    }
}

/// Host, port and database of the options (never the password).
fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}

/// `url` with its path (the database) replaced by `name`, query kept.
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    // The path starts at the first `/` after `scheme://authority`.
    let authority_start = head.find("://").map_or(0, |i| i + 3);
    let base = match head[authority_start..].find('/') {
        Some(slash) => &head[..authority_start + slash],
        None => head,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/test?sslmode=disable", "t_1"),
            "postgres://u@h:5432/t_1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t_2"), "postgres://h/t_2");
        assert_eq!(
            with_database("postgresql://u:p@h/db", "t_3"),
            "postgresql://u:p@h/t_3"
        );
    }
}
