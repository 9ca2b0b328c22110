//! An insights snapshot sweep: 1,000 accounts, each with a few published
//! posts, all due at once, measured through the in-process emulator by one
//! worker (account figures, four demographics breakdowns and per-post
//! figures for each account), on the memory store and on SQLite.
//!
//! ```text
//! cargo bench -p threads-benches --bench insights             # 1,000 accounts, memory and SQLite
//! INSIGHTS_ACCOUNTS=5000 INSIGHTS_BACKENDS=sqlite cargo bench -p threads-benches --bench insights
//! ```
//!
//! Environment: `INSIGHTS_ACCOUNTS` (1,000), `INSIGHTS_POSTS` (posts per
//! account, 3), `INSIGHTS_CONCURRENCY` (jobs run at once, 16),
//! `INSIGHTS_BACKENDS` (`memory,sqlite`). Under `cargo test --benches` a
//! smoke version runs (20 accounts, memory store).
//!
//! Time runs on a manual clock shared by the emulator, the store and the
//! pipeline: the sweep is made due by moving the clock a day forward, so the
//! figures are the pipeline's and the emulator's work, not waiting.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use content_pipeline::{Pipeline, ThreadsPublisher, Worker, WorkerConfig};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use store_traits::{
    Account, Draft, DraftKind, DraftState, DynStore, InsightQuery, InsightScope, ManualClock,
    MemoryStore, TokenKind, TokenRecord,
};
use threads_api::ThreadsClient;
use threads_emulator::{AppSpec, Emulator, PostAs, RunningEmulator, TokenSpec, UserSpec};
use token_crypto::{KeyId, KeyMaterial, Keyring};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 2026-03-02 09:00 UTC: before the real present, which the client checks
/// insights ranges against.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Memory,
    Sqlite,
}

async fn open_store(backend: Backend, clock: Arc<ManualClock>) -> Result<Arc<DynStore>, BoxError> {
    Ok(match backend {
        Backend::Memory => Arc::new(MemoryStore::new(clock)),
        Backend::Sqlite => {
            let path = std::env::temp_dir().join("insights-bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Arc::new(
                store_sqlite::SqliteStore::connect(
                    &store_sqlite::SqliteStoreOptions::file(&path)
                        .busy_timeout(Duration::from_secs(30)),
                    clock,
                )
                .await?,
            )
        }
    })
}

/// Accounts with sealed tokens and published posts (drafts with the ids of
/// posts made on the emulator).
async fn seed(
    emu: &RunningEmulator,
    store: &Arc<DynStore>,
    keyring: &Keyring,
    accounts: usize,
    posts: usize,
) -> Result<Vec<Account>, BoxError> {
    let admin = emu.admin();
    let app = admin.create_app(AppSpec::default())?;
    let now = start();
    let mut out = Vec::with_capacity(accounts);
    let mut seeded = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let user = admin.create_user(UserSpec {
            username: format!("insights{i}"),
            // Demographics need at least 100 followers.
            followers: 100 + (i as u64 * 37) % 5_000,
            ..UserSpec::default()
        })?;
        let token = admin.mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })?;
        let mut media = Vec::with_capacity(posts);
        for p in 0..posts {
            let at = now - TimeDelta::hours(6 * (p as i64 + 1));
            let id = admin.post_as(PostAs {
                author: user.id.clone(),
                text: Some(format!(
                    "bench post {p} of {}: flour, water, salt",
                    user.username
                )),
                at: Some(at.timestamp()),
                ..PostAs::default()
            })?;
            media.push((id, at));
        }
        let account = Account::new(user.id, user.username, now);
        seeded.push((
            account.clone(),
            token.access_token.expose_secret().to_owned(),
            media,
        ));
        out.push(account);
    }
    futures::stream::iter(seeded)
        .map(|(account, token, media)| async move {
            store.insert_account(&account).await?;
            let record = TokenRecord::seal(
                keyring,
                account.id,
                TokenKind::LongLived,
                &SecretString::from(token),
                now,
                now + TimeDelta::days(60),
            )?;
            store.put_token(&record).await?;
            for (id, at) in media {
                let mut draft = Draft::new(account.id, DraftKind::Post, "bench post", at);
                draft.state = DraftState::Published;
                draft.provider.media_id = Some(id);
                draft.published_at = Some(at);
                store.insert_draft(&draft).await?;
            }
            Ok::<_, BoxError>(())
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(out)
}

struct Row {
    backend: Backend,
    accounts: usize,
    posts: usize,
    concurrency: usize,
    seconds: f64,
    calls: usize,
    snapshots: usize,
}

async fn measure(
    backend: Backend,
    accounts: usize,
    posts: usize,
    concurrency: usize,
) -> Result<Row, BoxError> {
    let clock = Arc::new(ManualClock::new(start()));
    let emu = Emulator::builder()
        .seed(3)
        .clock(Arc::clone(&clock))
        .start()
        .await?;
    let store = open_store(backend, clock.clone()).await?;
    let keyring = Keyring::new(KeyId::new("k1")?, KeyMaterial::generate()?);
    let seeding = Instant::now();
    let seeded = seed(&emu, &store, &keyring, accounts, posts).await?;
    let client = ThreadsClient::builder()
        .graph_base_url(emu.base_url())
        .authorize_base_url(emu.base_url())
        .timeout(Duration::from_secs(30))
        .build()?;
    let pipeline = Pipeline::builder()
        .store(store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(ThreadsPublisher::new(client)))
        .keyring(Arc::new(keyring))
        .manual_clock(clock.clone())
        .build()?;
    for account in &seeded {
        pipeline.schedule_snapshots(account.id).await?;
    }
    eprintln!(
        "{backend:?}: seeded {accounts} accounts × {posts} posts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    // A day later every account's slot has passed: one sweep.
    clock.advance(TimeDelta::hours(24));
    let mut config = WorkerConfig::named("insights-bench");
    config.concurrency = concurrency;
    let worker = Worker::new(pipeline, config);
    let started = Instant::now();
    let report = worker.drain().await?;
    let seconds = started.elapsed().as_secs_f64();
    if report.errors > 0 {
        return Err(format!("{backend:?}: {} snapshot runs failed", report.errors).into());
    }

    let mut snapshots = 0;
    for account in &seeded {
        let stored = store
            .list_snapshots(&InsightQuery {
                account_id: account.id,
                scope: InsightScope::All,
                since: None,
                until: None,
                limit: None,
            })
            .await?;
        snapshots += stored.len();
    }
    let expected = accounts * (1 + 4 + posts);
    if snapshots != expected {
        return Err(
            format!("{backend:?}: {snapshots} snapshots stored, {expected} expected").into(),
        );
    }
    emu.shutdown().await;
    Ok(Row {
        backend,
        accounts,
        posts,
        concurrency,
        seconds,
        calls: expected,
        snapshots,
    })
}

fn main() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // run a tiny smoke version so the harness itself stays tested.
    let benching = std::env::args().any(|a| a == "--bench");
    let accounts = if benching {
        env_or("INSIGHTS_ACCOUNTS", 1_000)
    } else {
        20
    };
    let posts = env_or("INSIGHTS_POSTS", 3);
    let concurrency = env_or("INSIGHTS_CONCURRENCY", 16);
    let backends: Vec<Backend> = if benching {
        std::env::var("INSIGHTS_BACKENDS")
            .unwrap_or_else(|_| "memory,sqlite".into())
            .split(',')
            .filter_map(|b| match b.trim() {
                "memory" => Some(Backend::Memory),
                "sqlite" => Some(Backend::Sqlite),
                _ => None,
            })
            .collect()
    } else {
        vec![Backend::Memory]
    };
    let mut rows = Vec::new();
    for backend in backends {
        rows.push(runtime.block_on(measure(backend, accounts, posts, concurrency))?);
    }
    println!(
        "\n| store | accounts | posts/account | concurrency | API calls | snapshots stored | sweep (s) | accounts/s | ms/account |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {:?} | {} | {} | {} | {} | {} | {:.2} | {:.0} | {:.2} |",
            r.backend,
            r.accounts,
            r.posts,
            r.concurrency,
            r.calls,
            r.snapshots,
            r.seconds,
            r.accounts as f64 / r.seconds,
            r.seconds * 1_000.0 / r.accounts as f64,
        );
    }
    // One machine-readable line per row, for `benches/run-all` (no baseline).
    for r in &rows {
        println!(
            "RESULT name=insights/{:?}/{}_accounts ours={:.3} unit=ms",
            r.backend,
            r.accounts,
            r.seconds * 1_000.0 / r.accounts as f64
        );
    }
    Ok(())
}
