//! Several OS processes claim from one SQLite file; every job runs exactly once.
//!
//! The harness (jobs, workers, checks) is
//! `store_traits::conformance::multiprocess`; this file supplies the SQLite
//! parts. It has its own `main` (`harness = false`): run without arguments it
//! is the coordinator; with `STORE_SQLITE_WORKER=<db path>` it is one worker
//! process (the coordinator starts copies of this very binary).

use std::process::ExitCode;
use std::sync::Arc;

use store_sqlite::{SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::conformance::multiprocess::{self, Config};
use store_traits::{BoxError, SystemClock};

fn options(path: &str) -> SqliteStoreOptions {
    // Normal sync: the point is mutual exclusion across processes, not fsync.
    SqliteStoreOptions::file(path)
        .synchronous(Synchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(30))
}

/// One worker process on the file at `path`.
async fn worker(config: &Config, path: &str) -> Result<(), BoxError> {
    let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
    let name = config.worker_name();
    let done = multiprocess::worker(config, &store, &name).await;
    store.close().await;
    eprintln!("{name}: {} jobs", done?);
    Ok(())
}

async fn coordinator(config: &Config) -> Result<(), BoxError> {
    let path = std::env::temp_dir().join(format!(
        "store-sqlite-multiprocess-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let path_text = path.to_str().ok_or("temp path is not UTF-8")?.to_owned();
    let result = run(config, &path_text).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path_text}{suffix}"));
    }
    result
}

async fn run(config: &Config, path: &str) -> Result<(), BoxError> {
    // Create and migrate the file once before the workers start.
    let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
    let summary = multiprocess::coordinator(config, &store, path).await;
    store.close().await;
    println!("{}", summary?);
    Ok(())
}

fn main() -> ExitCode {
    let config = Config::new("STORE_SQLITE");
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
        Some(path) => runtime.block_on(worker(&config, &path)),
        None => {
            println!("running 1 test\ntest several_processes_complete_every_job_exactly_once ...");
            runtime.block_on(coordinator(&config))
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
