//! Job-queue throughput: claim + complete with 4 concurrent workers, through
//! `store-sqlite` and `store-postgres`, against a minimal hand-written SQL loop
//! on the same database (same schema, same transaction shape).
//!
//! ```text
//! cargo bench -p threads-benches --bench queue -- --warm-up-time 1 --measurement-time 5
//! ```
//!
//! Each measured iteration drains a queue of 400 due jobs (inserted in bulk
//! beforehand, not timed) with 4 workers that each loop `claim(1)` →
//! `complete` (`store`, and `minimal_sql` of the same shape), or `claim(16)` →
//! 16 × `complete` (`store_claim16` and `minimal_sql_claim16`). Criterion
//! reports elements per second = jobs per second; compare each store row with
//! the minimal row of the same batch size.
//!
//! PostgreSQL runs on a throw-away database on the server at
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`) and
//! is skipped with a message when the server is not reachable. The minimal
//! loops:
//! - SQLite: `BEGIN IMMEDIATE`, one `UPDATE ... FROM (due jobs in order, LIMIT
//!   n) RETURNING id, fence` numbering fences from the `job_fence` row, one
//!   `UPDATE` of that row, `COMMIT`; then one fenced `UPDATE` per job to
//!   complete, over one write connection (as the store uses);
//! - PostgreSQL: one `WITH due AS (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)
//!   UPDATE ... RETURNING` statement to claim, one fenced `UPDATE` per job to
//!   complete, over a pool of the same size as the store's.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};
use store_postgres::{PgStore, PgStoreOptions, SynchronousCommit};
use store_sqlite::{SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::{Clock, Store, SystemClock};

const JOBS: usize = 400;
const WORKERS: usize = 4;
const LEASE: TimeDelta = TimeDelta::minutes(5);

fn now_ns() -> i64 {
    Utc::now()
        .timestamp_nanos_opt()
        .expect("current time fits in i64 nanoseconds")
}

fn fresh_queue() -> String {
    format!("bench-{}", uuid::Uuid::now_v7().simple())
}

/// Drains `queue` with `WORKERS` tasks running `work` until each sees it empty.
async fn drain<F, Fut>(queue: &str, work: F) -> Duration
where
    F: Fn(String, usize) -> Fut,
    Fut: Future<Output = usize> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(work(queue.to_owned(), w)))
        .collect();
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("worker task");
    }
    let elapsed = start.elapsed();
    assert_eq!(done, JOBS, "every job was completed exactly once");
    elapsed
}

/// The store's own loop: `claim(batch)` then `complete` each, until nothing is due.
async fn store_worker(store: Arc<dyn Store>, queue: String, w: usize, batch: usize) -> usize {
    let name = format!("w{w}");
    let mut done = 0;
    loop {
        let jobs = store
            .claim(&queue, &name, batch, LEASE)
            .await
            .expect("claim");
        if jobs.is_empty() {
            return done;
        }
        for job in jobs {
            store
                .complete(job.id, job.fence.expect("claimed jobs carry a fence"))
                .await
                .expect("complete");
            done += 1;
        }
    }
}

// ---------------------------------------------------------------- SQLite

async fn sqlite_fill(pool: &SqlitePool, queue: &str) {
    let now = now_ns();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO jobs (id, queue, kind, payload, state, run_at_ns, attempts, max_attempts, \
         created_ns, updated_ns) \
         SELECT randomblob(16), $2, 'bench', '{}', 'queued', $3 - 1000000000 + i, 0, 5, $3, $3 FROM n",
    )
    .bind(JOBS as i64)
    .bind(queue)
    .bind(now)
    .execute(pool)
    .await
    .expect("bulk insert");
}

/// The minimal SQLite loop on one write connection (as the store uses):
/// claim up to `batch` due jobs in one `BEGIN IMMEDIATE` transaction, then
/// complete each with one fenced `UPDATE`.
async fn sqlite_minimal_worker(pool: SqlitePool, queue: String, w: usize, batch: usize) -> usize {
    let name = format!("w{w}");
    let mut done = 0;
    loop {
        let now = now_ns();
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.expect("begin");
        let claimed: Vec<(Vec<u8>, i64)> = sqlx::query_as(
            "WITH due AS ( \
                SELECT id, ROW_NUMBER() OVER (ORDER BY run_at_ns, id) AS n FROM ( \
                    SELECT id, run_at_ns FROM jobs WHERE queue = $1 AND state = 'queued' \
                    AND run_at_ns <= $4 ORDER BY run_at_ns, id LIMIT $5)) \
             UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                fence = (SELECT value FROM job_fence WHERE id = 1) + due.n, lease_owner = $2, \
                lease_expires_ns = $3, updated_ns = $4 \
             FROM due WHERE jobs.id = due.id RETURNING jobs.id, jobs.fence",
        )
        .bind(&queue)
        .bind(&name)
        .bind(now + 300_000_000_000)
        .bind(now)
        .bind(batch as i64)
        .fetch_all(&mut *tx)
        .await
        .expect("claim");
        if claimed.is_empty() {
            tx.commit().await.expect("commit");
            return done;
        }
        sqlx::query("UPDATE job_fence SET value = value + $1 WHERE id = 1")
            .bind(claimed.len() as i64)
            .execute(&mut *tx)
            .await
            .expect("fence");
        tx.commit().await.expect("commit");
        for (id, fence) in claimed {
            let completed = sqlx::query(
                "UPDATE jobs SET state = 'completed', lease_owner = NULL, lease_expires_ns = NULL, \
                 updated_ns = $3, finished_ns = $3 WHERE id = $1 AND state = 'running' AND fence = $2",
            )
            .bind(id)
            .bind(fence)
            .bind(now_ns())
            .execute(&pool)
            .await
            .expect("complete");
            assert_eq!(completed.rows_affected(), 1);
            done += 1;
        }
    }
}

fn temp_path(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "queue-bench-{label}-{}.db",
        uuid::Uuid::now_v7().simple()
    ))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn bench_sqlite(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    for (label, mode, raw) in [
        ("full", Synchronous::Full, SqliteSynchronous::Full),
        ("normal", Synchronous::Normal, SqliteSynchronous::Normal),
    ] {
        let path = temp_path(label);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = rt
            .block_on(SqliteStore::connect(
                &SqliteStoreOptions::file(&path).synchronous(mode),
                clock,
            ))
            .expect("open the SQLite store");
        let minimal = rt
            .block_on(
                SqlitePoolOptions::new().max_connections(1).connect_with(
                    SqliteConnectOptions::new()
                        .filename(&path)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(raw)
                        .busy_timeout(Duration::from_secs(10))
                        .disable_statement_logging(),
                ),
            )
            .expect("open the minimal pool");
        let shared: Arc<dyn Store> = Arc::new(store.clone());

        let mut group = c.benchmark_group(format!("queue_sqlite_{label}"));
        group.throughput(Throughput::Elements(JOBS as u64));
        group.sample_size(10);
        group.bench_function("store", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (shared, minimal) = (shared.clone(), minimal.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let queue = fresh_queue();
                        sqlite_fill(&minimal, &queue).await;
                        let s = shared.clone();
                        total += drain(&queue, move |q, w| store_worker(s.clone(), q, w, 1)).await;
                    }
                    total
                }
            })
        });
        group.bench_function("store_claim16", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (shared, minimal) = (shared.clone(), minimal.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let queue = fresh_queue();
                        sqlite_fill(&minimal, &queue).await;
                        let s = shared.clone();
                        total += drain(&queue, move |q, w| store_worker(s.clone(), q, w, 16)).await;
                    }
                    total
                }
            })
        });
        for (name, batch) in [("minimal_sql", 1), ("minimal_sql_claim16", 16)] {
            group.bench_function(name, |b| {
                b.to_async(rt).iter_custom(|iters| {
                    let minimal = minimal.clone();
                    async move {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let queue = fresh_queue();
                            sqlite_fill(&minimal, &queue).await;
                            let p = minimal.clone();
                            total += drain(&queue, move |q, w| {
                                sqlite_minimal_worker(p.clone(), q, w, batch)
                            })
                            .await;
                        }
                        total
                    }
                })
            });
        }
        group.finish();
        rt.block_on(async {
            minimal.close().await;
            store.close().await;
        });
        remove_db(&path);
    }
}

// ------------------------------------------------------------ PostgreSQL

async fn pg_fill(pool: &PgPool, queue: &str) {
    let now = now_ns();
    sqlx::query(
        "INSERT INTO jobs (id, queue, kind, payload, state, run_at_ns, attempts, max_attempts, \
         created_ns, updated_ns) \
         SELECT gen_random_uuid(), $2, 'bench', '{}', 'queued', $3 - 1000000000 + g, 0, 5, $3, $3 \
         FROM generate_series(1, $1) g",
    )
    .bind(JOBS as i64)
    .bind(queue)
    .bind(now)
    .execute(pool)
    .await
    .expect("bulk insert");
    sqlx::query("ANALYZE jobs")
        .execute(pool)
        .await
        .expect("analyze");
}

/// The minimal PostgreSQL loop: one statement claims up to `batch` jobs, one
/// statement completes each.
async fn pg_minimal_worker(pool: PgPool, queue: String, w: usize, batch: usize) -> usize {
    let name = format!("w{w}");
    let mut done = 0;
    loop {
        let now = now_ns();
        let claimed: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
            "WITH due AS ( \
                SELECT id FROM jobs WHERE queue = $1 AND state = 'queued' AND run_at_ns <= $4 \
                ORDER BY run_at_ns, id LIMIT $5 FOR UPDATE SKIP LOCKED) \
             UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, \
                fence = nextval('job_fence'), lease_owner = $2, lease_expires_ns = $3, updated_ns = $4 \
             FROM due WHERE j.id = due.id RETURNING j.id, j.fence",
        )
        .bind(&queue)
        .bind(&name)
        .bind(now + 300_000_000_000)
        .bind(now)
        .bind(batch as i64)
        .fetch_all(&pool)
        .await
        .expect("claim");
        if claimed.is_empty() {
            return done;
        }
        for (id, fence) in claimed {
            let completed = sqlx::query(
                "UPDATE jobs SET state = 'completed', lease_owner = NULL, lease_expires_ns = NULL, \
                 updated_ns = $3, finished_ns = $3 WHERE id = $1 AND state = 'running' AND fence = $2",
            )
            .bind(id)
            .bind(fence)
            .bind(now_ns())
            .execute(&pool)
            .await
            .expect("complete");
            assert_eq!(completed.rows_affected(), 1);
            done += 1;
        }
    }
}

fn bench_postgres(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let admin_options = PgConnectOptions::from_str(&url)
        .expect("valid TEST_DATABASE_URL")
        .disable_statement_logging();
    let admin = match rt.block_on(
        PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(admin_options.clone()),
    ) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {url} ({e}), set TEST_DATABASE_URL");
            return;
        }
    };
    let name = format!("queue_bench_{}", uuid::Uuid::now_v7().simple());
    rt.block_on(
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin),
    )
    .expect("create the bench database");
    let connect = admin_options.database(&name);

    for (label, mode) in [
        ("sync_on", SynchronousCommit::On),
        ("sync_off", SynchronousCommit::Off),
    ] {
        let options = PgStoreOptions::from_connect_options(connect.clone())
            .max_connections(WORKERS as u32 + 1)
            .synchronous_commit(mode);
        let store = rt
            .block_on(PgStore::connect(&options, Arc::new(SystemClock)))
            .expect("connect the PostgreSQL store");
        let mut raw = connect.clone();
        if mode == SynchronousCommit::Off {
            raw = raw.options([("synchronous_commit", "off")]);
        }
        let minimal = rt
            .block_on(
                PgPoolOptions::new()
                    .max_connections(WORKERS as u32 + 1)
                    .connect_with(raw),
            )
            .expect("connect the minimal pool");
        let shared: Arc<dyn Store> = Arc::new(store.clone());

        let mut group = c.benchmark_group(format!("queue_postgres_{label}"));
        group.throughput(Throughput::Elements(JOBS as u64));
        group.sample_size(10);
        group.bench_function("store", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (shared, minimal) = (shared.clone(), minimal.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let queue = fresh_queue();
                        pg_fill(&minimal, &queue).await;
                        let s = shared.clone();
                        total += drain(&queue, move |q, w| store_worker(s.clone(), q, w, 1)).await;
                    }
                    total
                }
            })
        });
        group.bench_function("store_claim16", |b| {
            b.to_async(rt).iter_custom(|iters| {
                let (shared, minimal) = (shared.clone(), minimal.clone());
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let queue = fresh_queue();
                        pg_fill(&minimal, &queue).await;
                        let s = shared.clone();
                        total += drain(&queue, move |q, w| store_worker(s.clone(), q, w, 16)).await;
                    }
                    total
                }
            })
        });
        for (name, batch) in [("minimal_sql", 1), ("minimal_sql_claim16", 16)] {
            group.bench_function(name, |b| {
                b.to_async(rt).iter_custom(|iters| {
                    let minimal = minimal.clone();
                    async move {
                        let mut total = Duration::ZERO;
                        for _ in 0..iters {
                            let queue = fresh_queue();
                            pg_fill(&minimal, &queue).await;
                            let p = minimal.clone();
                            total += drain(&queue, move |q, w| {
                                pg_minimal_worker(p.clone(), q, w, batch)
                            })
                            .await;
                        }
                        total
                    }
                })
            });
        }
        group.finish();
        rt.block_on(async {
            minimal.close().await;
            store.close().await;
        });
    }
    rt.block_on(
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin),
    )
    .expect("drop the bench database");
}

fn queue(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    bench_sqlite(c, &rt);
    bench_postgres(c, &rt);
}

criterion_group!(benches, queue);
criterion_main!(benches);
