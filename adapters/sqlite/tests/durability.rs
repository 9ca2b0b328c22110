//! "Commit returns → SIGKILL → restart" loses no committed schedule: a write
//! whose call returned survives the writer being killed at any moment.
//!
//! The loop itself (writer, acknowledgements, kill plan, checks) is
//! `store_traits::conformance::durability`; this file supplies the SQLite
//! parts. It has its own `main` (`harness = false`). Run without the child
//! variable it is the coordinator; with `STORE_SQLITE_DURABILITY_CHILD=<db path>`
//! it is one writer process (the coordinator starts copies of this very binary).
//!
//! Every writer and every restart opens one database file in WAL mode with
//! `synchronous = FULL` and a busy timeout; both are asserted, in the writers
//! and in the coordinator after each kill.
//!
//! Environment:
//! - `DURABILITY_ITERATIONS` (default [`DEFAULT_ITERATIONS`]): kill/restart cycles;
//!   CI runs 1,000;
//! - `DURABILITY_SEED` (decimal or `0x` hex, default
//!   `store_traits::conformance::durability::DEFAULT_SEED`): the seed of the
//!   kill schedule, printed so a failing run can be replayed (the kill moments
//!   are only as reproducible as process timing allows).

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store_sqlite::{SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::conformance::durability::{self, Config, Opened, Target};
use store_traits::{AccountId, BoxError, Store, SystemClock};

/// About 10 s for this binary on a 2-core machine (about 65 ms per iteration).
const DEFAULT_ITERATIONS: u64 = 150;
const BUSY_TIMEOUT: Duration = Duration::from_millis(7_500);

fn options(path: &str) -> SqliteStoreOptions {
    SqliteStoreOptions::file(path)
        .synchronous(Synchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
}

/// One database file; the store a restart opened, kept to close it.
#[derive(Default)]
struct Sqlite {
    reopened: Mutex<Option<Arc<SqliteStore>>>,
}

#[async_trait::async_trait]
impl Target for Sqlite {
    async fn open(&self, path: &str) -> Result<Opened, BoxError> {
        let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
        let (journal_mode, synchronous, busy_timeout_ms) = store.connection_settings().await?;
        Ok(Opened {
            store: Arc::new(store),
            settings: format!("{journal_mode} {synchronous} {busy_timeout_ms}"),
        })
    }

    async fn reopen(&self, path: &str) -> Result<Arc<dyn Store>, BoxError> {
        let store = Arc::new(SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?);
        let (journal, synchronous, _) = store.connection_settings().await?;
        assert_eq!(
            (journal.as_str(), synchronous),
            ("wal", 2),
            "the reopened store runs in WAL mode with synchronous = FULL"
        );
        if let Ok(mut slot) = self.reopened.lock() {
            *slot = Some(store.clone());
        }
        Ok(store)
    }

    async fn release(&self, store: Arc<dyn Store>) {
        drop(store);
        let reopened = self.reopened.lock().ok().and_then(|mut slot| slot.take());
        if let Some(store) = reopened {
            store.close().await;
        }
    }

    fn check_writer_settings(&self, settings: &str) {
        let fields: Vec<&str> = settings.split(' ').collect();
        let [journal_mode, synchronous, busy_timeout_ms] = fields[..] else {
            panic!("bad settings line {settings:?}");
        };
        assert_eq!(journal_mode, "wal", "the writer runs in WAL mode");
        assert_eq!(synchronous, "2", "the writer runs with synchronous = FULL");
        assert_eq!(
            busy_timeout_ms.parse::<u128>().ok(),
            Some(BUSY_TIMEOUT.as_millis()),
            "the writer's busy timeout is the one configured"
        );
    }
}

fn coordinator(runtime: &tokio::runtime::Runtime, config: &Config) -> Result<(), BoxError> {
    let iterations = config.iterations()?;
    let seed = config.seed()?;
    println!("running 1 test");
    println!(
        "test commit_sigkill_restart_loses_no_committed_schedule ... \
         (iterations {iterations}, DURABILITY_SEED={seed:#x})"
    );
    let path =
        std::env::temp_dir().join(format!("store-sqlite-durability-{}.db", AccountId::new()));
    let path = path.to_str().ok_or("temp path is not UTF-8")?.to_owned();
    let result = runtime.block_on(run(config, &path, iterations, seed));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    result
}

async fn run(config: &Config, path: &str, iterations: u64, seed: u64) -> Result<(), BoxError> {
    // Create and migrate the file once, so that the kills hit writes, not the
    // first migration; and check the settings durability needs.
    let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
    let (journal, synchronous, busy) = store.connection_settings().await?;
    assert_eq!(journal, "wal", "journal_mode");
    assert_eq!(synchronous, 2, "synchronous = FULL");
    assert!(busy > 0, "a busy timeout is set");
    store.close().await;

    let summary =
        durability::coordinator(config, &Sqlite::default(), path, iterations, seed).await?;
    println!("sqlite durability: {summary}");
    summary.check()?;
    println!("test commit_sigkill_restart_loses_no_committed_schedule ... ok");
    Ok(())
}

fn main() -> ExitCode {
    let config = Config::new("STORE_SQLITE_DURABILITY", DEFAULT_ITERATIONS);
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
        Some(path) => runtime
            .block_on(durability::writer(&config, &Sqlite::default(), &path))
            .map_err(BoxError::from),
        None => coordinator(&runtime, &config),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
