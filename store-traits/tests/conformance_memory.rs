//! The memory store passes the conformance suite.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use store_traits::{
    ManualClock, MemoryStore, MemoryStoreFactory, Store, StoreFactory, conformance,
};

fn setup() -> (Arc<dyn Store>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ));
    (Arc::new(MemoryStore::new(clock.clone())), clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_whole_suite() {
    let (store, clock) = setup();
    conformance::run_all(store, &clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn factory_built_store_passes_the_whole_suite() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let store = MemoryStoreFactory.create(clock.clone()).await.unwrap();
    conformance::run_all(store, &clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn exactly_one_claimer_10k_iterations_32_claimers() {
    let (store, clock) = setup();
    conformance::exactly_one_claimer(&store, &clock, 10_000, 32).await;
}

#[tokio::test(flavor = "current_thread")]
async fn suite_runs_on_a_current_thread_runtime_too() {
    let (store, clock) = setup();
    conformance::job_queue(&store, &clock).await;
    conformance::webhook_inbox(&store, &clock).await;
    conformance::quota(&store, &clock).await;
}
