//! "Commit returns → SIGKILL → restart" loses no committed schedule: a write
//! whose call returned survives the writer being killed at any moment.
//!
//! The loop itself (writer, acknowledgements, kill plan, checks) is
//! `store_traits::conformance::durability`; this file supplies the PostgreSQL
//! parts. It has its own `main` (`harness = false`). Run without the child
//! variable it is the coordinator: it creates a throw-away database on the
//! server at `TEST_DATABASE_URL` (or prints SKIPPED, or fails when
//! `REQUIRE_POSTGRES_TESTS=1`; see `common`). With
//! `STORE_PG_DURABILITY_CHILD=<database URL>` it is one writer process (the
//! coordinator starts copies of this very binary).
//!
//! Only the client is killed, not the server: what this checks is that the
//! store acknowledges a write only once PostgreSQL committed it (no buffering,
//! no asynchronous commit) and that a client dying mid-call leaves at most
//! that call's record behind. Surviving a crash of the server itself is
//! PostgreSQL's `synchronous_commit = on` (asserted) and `fsync = on` (reported).
//!
//! Every writer connects with `synchronous_commit = on`; the coordinator reads
//! the database back through its own connection after each kill.
//!
//! Environment (besides `TEST_DATABASE_URL` and `REQUIRE_POSTGRES_TESTS`):
//! - `DURABILITY_ITERATIONS` (default [`DEFAULT_ITERATIONS`]): kill/restart cycles;
//!   CI runs 1,000;
//! - `DURABILITY_SEED` (decimal or `0x` hex, default
//!   `store_traits::conformance::durability::DEFAULT_SEED`): the seed of the
//!   kill schedule, printed so a failing run can be replayed (the kill moments
//!   are only as reproducible as process timing allows).

mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use store_postgres::{PgStore, PgStoreOptions, SynchronousCommit};
use store_traits::conformance::durability::{self, Config, Opened, Target};
use store_traits::{BoxError, Store, SystemClock};

/// About 12 s for this binary on a 2-core machine: each writer opens a new
/// connection, and with the default `sslmode=prefer` the TLS handshake of a
/// debug build costs most of the ~300 ms an iteration takes (~100 ms without TLS).
const DEFAULT_ITERATIONS: u64 = 40;
/// Longest delay of a kill timed from the writer's start (connecting takes ~50 to ~300 ms).
const START_WINDOW: Duration = Duration::from_millis(400);

fn config() -> Config {
    Config::new("STORE_PG_DURABILITY", DEFAULT_ITERATIONS).start_window(START_WINDOW)
}

fn options(url: &str) -> Result<PgStoreOptions, store_postgres::Error> {
    Ok(PgStoreOptions::new(url)?
        .max_connections(2)
        .synchronous_commit(SynchronousCommit::On))
}

/// `synchronous_commit` and `fsync` as one of the store's connections sees them.
async fn settings(store: &PgStore) -> Result<(String, String), BoxError> {
    let synchronous_commit = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(store.pool())
        .await?;
    let fsync = sqlx::query_scalar("SHOW fsync")
        .fetch_one(store.pool())
        .await?;
    Ok((synchronous_commit, fsync))
}

/// The writers connect on their own; the coordinator reads through `checker`,
/// its own connection (the process that dies and restarts is the client, the
/// server keeps running).
struct Postgres {
    checker: Option<Arc<dyn Store>>,
}

#[async_trait::async_trait]
impl Target for Postgres {
    async fn open(&self, url: &str) -> Result<Opened, BoxError> {
        let store = PgStore::connect(&options(url)?, Arc::new(SystemClock)).await?;
        let (synchronous_commit, fsync) = settings(&store).await?;
        Ok(Opened {
            store: Arc::new(store),
            settings: format!("{synchronous_commit} {fsync}"),
        })
    }

    async fn reopen(&self, url: &str) -> Result<Arc<dyn Store>, BoxError> {
        match &self.checker {
            Some(store) => Ok(store.clone()),
            None => Ok(self.open(url).await?.store),
        }
    }

    fn check_writer_settings(&self, settings: &str) {
        assert_eq!(
            settings.split(' ').next(),
            Some("on"),
            "the writer's commits wait for the WAL flush"
        );
    }
}

async fn coordinator(config: Config) -> Result<(), BoxError> {
    let iterations = config.iterations()?;
    let seed = config.seed()?;
    println!("running 1 test");
    println!(
        "test commit_sigkill_restart_loses_no_committed_schedule ... \
         (iterations {iterations}, DURABILITY_SEED={seed:#x})"
    );
    let ran = common::with_database("durability", move |_, url| async move {
        if let Err(e) = run(&config, &url, iterations, seed).await {
            panic!("{e}");
        }
    })
    .await;
    if !ran {
        println!("test commit_sigkill_restart_loses_no_committed_schedule ... skipped");
    }
    Ok(())
}

async fn run(config: &Config, url: &str, iterations: u64, seed: u64) -> Result<(), BoxError> {
    // Migrates once, so that the kills hit writes, not the first migration.
    let store = Arc::new(PgStore::connect(&options(url)?, Arc::new(SystemClock)).await?);
    let (synchronous_commit, _) = settings(&store).await?;
    assert_eq!(synchronous_commit, "on", "synchronous_commit");
    let target = Postgres {
        checker: Some(store.clone()),
    };
    let summary = durability::coordinator(config, &target, url, iterations, seed).await;
    drop(target);
    store.close().await;
    let summary = summary?;
    let fsync = summary
        .writer_settings
        .as_deref()
        .and_then(|settings| settings.split(' ').nth(1))
        .unwrap_or("unknown");
    println!("postgres durability: {summary}, server fsync = {fsync}");
    summary.check()?;
    println!("test commit_sigkill_restart_loses_no_committed_schedule ... ok");
    Ok(())
}

fn main() -> ExitCode {
    let config = config();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match config.writer_location() {
        Some(url) => runtime
            .block_on(durability::writer(
                &config,
                &Postgres { checker: None },
                &url,
            ))
            .map_err(BoxError::from),
        None => runtime.block_on(coordinator(config)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
