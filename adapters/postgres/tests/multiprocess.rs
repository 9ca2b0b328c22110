//! Several OS processes claim from one PostgreSQL database; every job runs exactly once.
//!
//! The harness (jobs, workers, checks) is
//! `store_traits::conformance::multiprocess`; this file supplies the
//! PostgreSQL parts. It has its own `main` (`harness = false`): run without
//! arguments it is the coordinator (it creates a throw-away database on the
//! server at `TEST_DATABASE_URL`, or prints SKIPPED; see `common`); with
//! `STORE_PG_WORKER=<database URL>` it is one worker process (the coordinator
//! starts copies of this very binary).

mod common;

use std::process::ExitCode;
use std::sync::Arc;

use store_postgres::{PgStore, PgStoreOptions};
use store_traits::conformance::multiprocess::{self, Config};
use store_traits::{BoxError, SystemClock};

fn options(url: &str) -> Result<PgStoreOptions, store_postgres::Error> {
    Ok(PgStoreOptions::new(url)?.max_connections(4))
}

/// One worker process on the database at `url`.
async fn worker(config: &Config, url: &str) -> Result<(), BoxError> {
    let store = PgStore::connect(&options(url)?, Arc::new(SystemClock)).await?;
    let name = config.worker_name();
    let done = multiprocess::worker(config, &store, &name).await;
    store.close().await;
    eprintln!("{name}: {} jobs", done?);
    Ok(())
}

async fn coordinator(config: Config) -> Result<(), BoxError> {
    let ran = common::with_database("multiprocess", |_, url| async move {
        if let Err(e) = run(&config, &url).await {
            panic!("{e}");
        }
    })
    .await;
    if !ran {
        println!("test several_processes_complete_every_job_exactly_once ... skipped");
    }
    Ok(())
}

async fn run(config: &Config, url: &str) -> Result<(), BoxError> {
    // Migrates once before the workers start.
    let store = PgStore::connect(&options(url)?, Arc::new(SystemClock)).await?;
    let summary = multiprocess::coordinator(config, &store, url).await;
    store.close().await;
    println!("{}", summary?);
    Ok(())
}

fn main() -> ExitCode {
    let config = Config::new("STORE_PG");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match config.worker_location() {
        Some(url) => runtime.block_on(worker(&config, &url)),
        None => {
            println!("running 1 test\ntest several_processes_complete_every_job_exactly_once ...");
            runtime.block_on(coordinator(config))
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
