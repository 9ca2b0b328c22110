//! The PostgreSQL store passes the store-traits conformance suite, unchanged.

mod common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use store_postgres::{PgStore, PgStoreFactory, SynchronousCommit};
use store_traits::{ManualClock, Store, StoreFactory, conformance};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ))
}

/// How many exactly-one-claimer iterations to run: `PG_CLAIM_ITERATIONS`,
/// default 1,000 (the full 10,000 is a separate CI step).
fn claim_iterations() -> usize {
    std::env::var("PG_CLAIM_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_passes_the_whole_suite() {
    common::with_database("suite", |options, _| async move {
        let clock = clock();
        let store = PgStore::connect(&options.max_connections(34), clock.clone())
            .await
            .unwrap();
        conformance::run_all(Arc::new(store.clone()), &clock).await;
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn factory_built_stores_share_the_database() {
    common::with_database("factory", |options, _| async move {
        let clock = clock();
        let factory = PgStoreFactory::new(options);
        let first = factory.create(clock.clone()).await.unwrap();
        let second = factory.create(clock.clone()).await.unwrap();
        conformance::job_queue(&first, &clock).await;
        conformance::quota(&second, &clock).await;
        conformance::webhook_inbox(&second, &clock).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn exactly_one_of_32_claimers_wins_each_time() {
    common::with_database("claim", |options, _| async move {
        let clock = clock();
        // Durability is not what this checks; skip the WAL flush per commit to keep it fast.
        let options = options
            .max_connections(32)
            .synchronous_commit(SynchronousCommit::Off);
        let store = PgStore::connect(&options, clock.clone()).await.unwrap();
        let shared: Arc<dyn Store> = Arc::new(store.clone());
        conformance::exactly_one_claimer(&shared, &clock, claim_iterations(), 32).await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_server_skips_unless_required() {
    // Port 1 on loopback: nothing listens there.
    let url = "postgres://postgres@127.0.0.1:1/test";
    assert!(common::admin(url, false).await.is_none());
    let required = tokio::spawn(async move { common::admin(url, true).await.is_some() }).await;
    let panic = required.expect_err("a required but unreachable server must fail the test");
    assert!(panic.is_panic());
    let message = panic
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("REQUIRE_POSTGRES_TESTS=1"), "{message}");
}
