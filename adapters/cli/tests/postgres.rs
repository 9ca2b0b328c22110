//! The operator session on PostgreSQL (`--database-url`), in a database
//! created for the test and dropped afterwards.
//!
//! The server is `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test?sslmode=disable`). Without a
//! reachable server the test prints `SKIPPED` and passes, unless
//! `REQUIRE_POSTGRES_TESTS=1` is set, in which case it fails.

mod common;

use std::time::Duration;

use common::{Session, draft_id};
use predicates::prelude::*;
use sqlx::postgres::PgPoolOptions;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";

#[tokio::test(flavor = "multi_thread")]
async fn a_session_on_postgresql() {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let required = std::env::var("REQUIRE_POSTGRES_TESTS").is_ok_and(|v| v == "1");
    let admin = match PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(&url)
        .await
    {
        Ok(pool) => pool,
        Err(e) if required => panic!("PostgreSQL not reachable at {url}: {e}"),
        Err(_) => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {url}; set TEST_DATABASE_URL");
            return;
        }
    };
    let name = format!(
        "threads_cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_nanos()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("CREATE DATABASE");
    let mut db_url = url::Url::parse(&url).expect("URL");
    db_url.set_path(&name);
    let db_url = db_url.to_string();

    let outcome = tokio::task::spawn_blocking(move || session(&db_url)).await;

    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("DROP DATABASE");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

fn session(db_url: &str) {
    let s = Session::new();
    let on_pg = |args: &[&str]| {
        let mut all = vec!["--database-url", db_url];
        all.extend_from_slice(args);
        all.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |args: &[&str]| {
        let args = on_pg(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s.threads(&args)
    };
    run(&["connect", "--username", "frank"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Connected @frank"));
    let out = run(&["draft", "Stored in PostgreSQL."]).assert().success();
    let id = draft_id(&String::from_utf8_lossy(&out.get_output().stdout));
    run(&["approve", &id]).assert().success();
    run(&["publish", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("is published"));
    run(&["accounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@frank"))
        .stdout(predicate::str::contains("1 published"));
    // Nothing went to SQLite.
    assert!(!s.data_dir().join("threads.db").exists());
    run(&["delete", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Deleted @frank"));
    run(&["accounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No account is connected"));
}
