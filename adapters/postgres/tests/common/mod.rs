//! A throw-away database per test on the server at `TEST_DATABASE_URL`.
//!
//! Without a reachable server the tests print a `SKIPPED` line and pass, unless
//! `REQUIRE_POSTGRES_TESTS=1` is set (CI), in which case they fail.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use store_postgres::PgStoreOptions;

pub(crate) const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server URL tests use.
pub(crate) fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// Whether an unreachable server fails the tests instead of skipping them.
pub(crate) fn postgres_required() -> bool {
    std::env::var("REQUIRE_POSTGRES_TESTS").is_ok_and(|v| v == "1")
}

/// Connects to the server for administration, or decides what an unreachable
/// server means: `None` (after printing the SKIPPED line) or a panic when required.
pub(crate) async fn admin(url: &str, required: bool) -> Option<PgPool> {
    let options = match PgConnectOptions::from_str(url) {
        Ok(options) => options.disable_statement_logging(),
        Err(e) => panic!("TEST_DATABASE_URL {url:?} is not a valid PostgreSQL URL: {e}"),
    };
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await;
    match pool {
        Ok(pool) => Some(pool),
        Err(e) if required => {
            panic!("PostgreSQL not reachable at {url} and REQUIRE_POSTGRES_TESTS=1: {e}")
        }
        Err(_) => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {url}, set TEST_DATABASE_URL");
            None
        }
    }
}

/// Runs `body` against a fresh, uniquely named database that is dropped
/// afterwards (also when `body` panics). Returns `false` if skipped.
pub(crate) async fn with_database<F, Fut>(label: &str, body: F) -> bool
where
    F: FnOnce(PgStoreOptions, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let url = server_url();
    let Some(admin) = admin(&url, postgres_required()).await else {
        return false;
    };
    let name = format!("store_pg_{label}_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("CREATE DATABASE");
    let connect = PgConnectOptions::from_str(&url)
        .expect("valid URL")
        .database(&name);
    let db_url = {
        let mut parsed = url::Url::parse(&url).expect("valid URL");
        parsed.set_path(&name);
        parsed.to_string()
    };
    let outcome = tokio::spawn(body(PgStoreOptions::from_connect_options(connect), db_url)).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("DROP DATABASE");
    admin.close().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
    true
}
