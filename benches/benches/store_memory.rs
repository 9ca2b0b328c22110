//! The in-memory store's queue and quota paths.
//!
//! No speed target: these figures show what one `Mutex` costs per operation and
//! how claims stay flat as finished jobs pile up (claims scan live jobs only),
//! so hosts can judge when to move to SQLite or PostgreSQL.
//!
//! `cargo bench -p threads-benches --bench store_memory -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use store_traits::{
    AccountId, JobQueue, ManualClock, MemoryStore, NewJob, QuotaKind, QuotaLedger, QuotaLimits,
    QuotaRequest,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

fn store() -> MemoryStore {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date"),
    ));
    MemoryStore::new(clock)
}

fn job_cycle(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("memory_job_cycle");
    for finished in [0usize, 10_000] {
        let store = store();
        rt.block_on(async {
            for _ in 0..finished {
                let job = store
                    .enqueue(NewJob::new("q", "k", serde_json::Value::Null))
                    .await
                    .expect("enqueue")
                    .into_inner();
                let claimed = store
                    .claim("q", "w", 1, TimeDelta::minutes(5))
                    .await
                    .expect("claim");
                store
                    .complete(job.id, claimed[0].fence.expect("fence"))
                    .await
                    .expect("complete");
            }
        });
        group.bench_with_input(
            BenchmarkId::new("enqueue_claim_complete", finished),
            &finished,
            |b, _| {
                b.iter(|| {
                    rt.block_on(async {
                        let job = store
                            .enqueue(NewJob::new("q", "k", serde_json::Value::Null))
                            .await
                            .expect("enqueue")
                            .into_inner();
                        let claimed = store
                            .claim("q", "w", 1, TimeDelta::minutes(5))
                            .await
                            .expect("claim");
                        black_box(
                            store
                                .complete(job.id, claimed[0].fence.expect("fence"))
                                .await
                                .expect("complete"),
                        )
                    })
                })
            },
        );
    }
    group.finish();
}

fn quota_cycle(c: &mut Criterion) {
    let rt = runtime();
    let store = store();
    let account = AccountId::new();
    let request = QuotaRequest::new(account, QuotaKind::Posts);
    // An account near Meta's daily post limit: 250 committed reservations,
    // under a raised limit so the measured reservation still fits.
    let limits = QuotaLimits {
        posts: u32::MAX,
        ..QuotaLimits::threads()
    };
    rt.block_on(async {
        store
            .set_quota_limits(account, &limits)
            .await
            .expect("set_quota_limits");
        for _ in 0..250 {
            let r = store.reserve(&request).await.expect("reserve");
            store.commit(r.id).await.expect("commit");
        }
    });
    c.bench_function("memory_quota_reserve_release_250_in_window", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = store.reserve(black_box(&request)).await.expect("reserve");
                black_box(store.release(r.id).await.expect("release"))
            })
        })
    });
}

criterion_group!(benches, job_cycle, quota_cycle);
criterion_main!(benches);
