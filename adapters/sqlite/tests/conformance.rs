//! The SQLite store passes the store-traits conformance suite, unchanged.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use store_sqlite::{SqliteStore, SqliteStoreFactory, SqliteStoreOptions, Synchronous};
use store_traits::{ManualClock, Store, StoreFactory, conformance};

/// A database path in the system temp directory, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "store-sqlite-{name}-{}.db",
            uuid::Uuid::now_v7().simple()
        ));
        Self(path)
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ))
}

/// How many exactly-one-claimer iterations to run: `SQLITE_CLAIM_ITERATIONS`,
/// default 1,000 (the full 10,000 is a separate CI step).
fn claim_iterations() -> usize {
    std::env::var("SQLITE_CLAIM_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_passes_the_whole_suite() {
    let db = TempDb::new("suite");
    let clock = clock();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db.0, clock.clone()).await.unwrap());
    conformance::run_all(store, &clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_store_passes_the_whole_suite() {
    let clock = clock();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory(clock.clone()).await.unwrap());
    conformance::run_all(store, &clock).await;
}

/// A directory in the system temp directory, removed with its contents on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn factory_built_store_passes_the_queue_areas() {
    let dir = TempDir(std::env::temp_dir().join(format!(
        "store-sqlite-factory-{}",
        uuid::Uuid::now_v7().simple()
    )));
    std::fs::create_dir(&dir.0).unwrap();
    let configured = dir.0.join("threads.db");
    let clock = clock();
    let factory = SqliteStoreFactory::new(SqliteStoreOptions::file(&configured));
    let store = factory.create(clock.clone()).await.unwrap();
    conformance::job_queue(&store, &clock).await;
    conformance::fencing(&store, &clock).await;
    conformance::webhook_inbox(&store, &clock).await;
    conformance::quota(&store, &clock).await;
    let other = factory.create(clock.clone()).await.unwrap();
    assert!(
        other
            .list_jobs(&Default::default())
            .await
            .unwrap()
            .is_empty(),
        "each store made by the factory starts empty"
    );
    // The factory gave each store its own file next to the configured path.
    assert!(
        !configured.exists(),
        "the factory must not use the configured path itself"
    );
    let files = std::fs::read_dir(&dir.0)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().ends_with("-wal"))
        .filter(|e| !e.file_name().to_string_lossy().ends_with("-shm"))
        .count();
    assert_eq!(files, 2, "one database file per created store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn exactly_one_of_32_claimers_wins_each_time() {
    let db = TempDb::new("claim");
    let clock = clock();
    // Durability is not what this checks; skip the per-commit fsync to keep it fast.
    let options = SqliteStoreOptions::file(&db.0).synchronous(Synchronous::Normal);
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::connect(&options, clock.clone()).await.unwrap());
    conformance::exactly_one_claimer(&store, &clock, claim_iterations(), 32).await;
}
