//! End to end: a backlog of posts over many accounts, published through the
//! emulator by 4 workers, on SQLite and on PostgreSQL; against a hand-written
//! minimal loop that makes the same HTTP calls without the ledger.
//!
//! Three processes, so that the figures are the worker's alone: the emulator
//! (a child), the coordinator (sets up accounts and the backlog, checks the
//! emulator's ledger afterwards) and the worker process (a child; it reports
//! its time and its peak resident memory).
//!
//! ```text
//! cargo bench -p threads-benches --bench pipeline            # 1,000 and 10,000 posts, both backends
//! PIPELINE_BACKLOGS=2000 PIPELINE_BACKENDS=sqlite cargo bench -p threads-benches --bench pipeline
//! ```
//!
//! Environment: `PIPELINE_BACKLOGS` (comma-separated, default `1000,10000`),
//! `PIPELINE_ACCOUNTS` (1,000), `PIPELINE_BACKENDS` (`sqlite,postgres`),
//! `PIPELINE_LATENCY_MS` (0: the emulator answers at once; set it to model the
//! real API's round trip, which the ledger's cost should be compared with),
//! `TEST_DATABASE_URL` for PostgreSQL.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use content_pipeline::{
    ContainerId, Pipeline, PostContent, Publisher, Task, ThreadsPublisher, Worker, WorkerConfig,
};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use store_traits::{
    Account, Draft, DraftFilter, DraftKind, DraftState, DynStore, SystemClock, TokenKind,
    TokenRecord,
};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_emulator::{AppSpec, Emulator, TokenSpec, UserSpec};
use token_crypto::{KeyMaterial, Keyring};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const ROLE: &str = "PIPELINE_ROLE";
const WORKERS: usize = 4;
const CONCURRENCY: usize = 8;

/// What the emulator child prints once it is ready.
#[derive(Serialize, Deserialize)]
struct EmulatorReady {
    base_url: String,
    app_id: String,
    app_secret: String,
    users: Vec<(String, String, String)>,
}

/// What a worker child prints when done.
#[derive(Serialize, Deserialize, Debug)]
struct WorkerDone {
    seconds: f64,
    peak_rss_kib: u64,
    posts: usize,
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ------------------------------------------------------------ the emulator

async fn emulator_child() -> Result<(), BoxError> {
    let accounts: usize = env_or("PIPELINE_ACCOUNTS", 1_000);
    let emu = Emulator::builder().clock(SystemClock).start().await?;
    let admin = emu.admin();
    let app = admin.create_app(AppSpec::default())?;
    // A network round trip per API call, as the real API has (0: none).
    let latency: u64 = env_or("PIPELINE_LATENCY_MS", 0);
    if latency > 0 {
        admin.set_faults(vec![threads_emulator::FaultRule::always(
            threads_emulator::Endpoint::Any,
            threads_emulator::FaultAction::Latency { ms: latency },
        )]);
    }
    let mut users = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let user = admin.create_user(UserSpec {
            username: format!("bench{i}"),
            ..UserSpec::default()
        })?;
        let token = admin.mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })?;
        users.push((
            user.id,
            user.username,
            token.access_token.expose_secret().to_owned(),
        ));
    }
    let ready = EmulatorReady {
        base_url: emu.base_url().to_owned(),
        app_id: app.id.clone(),
        app_secret: app.secret.expose_secret().to_owned(),
        users,
    };
    println!("{}", serde_json::to_string(&ready)?);
    std::io::stdout().flush()?;
    // Serve until the coordinator closes our stdin.
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
            line.clear();
        }
    })
    .await?;
    emu.shutdown().await;
    Ok(())
}

// ------------------------------------------------------------ the stores

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

async fn open_store(backend: Backend, location: &str) -> Result<Arc<DynStore>, BoxError> {
    Ok(match backend {
        Backend::Sqlite => Arc::new(
            store_sqlite::SqliteStore::connect(
                &store_sqlite::SqliteStoreOptions::file(location)
                    .busy_timeout(Duration::from_secs(30)),
                Arc::new(SystemClock),
            )
            .await?,
        ),
        Backend::Postgres => Arc::new(
            store_postgres::PgStore::connect(
                &store_postgres::PgStoreOptions::new(location)?.max_connections(16),
                Arc::new(SystemClock),
            )
            .await?,
        ),
    })
}

fn pg_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

/// A fresh database location; `None` when PostgreSQL is not reachable.
async fn fresh_location(backend: Backend, label: &str) -> Result<Option<String>, BoxError> {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("pipeline-bench-{label}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(Some(path.to_str().ok_or("path")?.to_owned()))
        }
        Backend::Postgres => {
            let Ok(admin) = sqlx::PgPool::connect(&pg_url()).await else {
                return Ok(None);
            };
            let name = format!("pipeline_bench_{label}");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await?;
            admin.close().await;
            let mut url = url::Url::parse(&pg_url())?;
            url.set_path(&name);
            Ok(Some(url.to_string()))
        }
    }
}

fn threads(base: &str, app_id: &str, secret: &str) -> Result<ThreadsPublisher, BoxError> {
    let client = ThreadsClient::builder()
        .graph_base_url(base)
        .authorize_base_url(base)
        .timeout(Duration::from_secs(30))
        .build()?;
    Ok(ThreadsPublisher::new(client).with_app(
        AppCredentials::new(app_id, AppSecret::new(secret)),
        "https://bench.example/cb",
    ))
}

// ------------------------------------------------------------ the worker

fn pipeline_config() -> content_pipeline::PipelineConfig {
    let mut c = content_pipeline::PipelineConfig::default();
    c.publish.poll_initial = TimeDelta::milliseconds(100);
    c.publish.retry_base = TimeDelta::milliseconds(100);
    c
}

async fn worker_child() -> Result<(), BoxError> {
    let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
    let backend = if var("PIPELINE_BACKEND")? == "postgres" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let posts: usize = var("PIPELINE_POSTS")?.parse()?;
    let store = open_store(backend, &var("PIPELINE_STORE")?).await?;
    let pipeline = Pipeline::builder()
        .store(store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(threads(
            &var("PIPELINE_EMULATOR")?,
            &var("PIPELINE_APP_ID")?,
            &var("PIPELINE_APP_SECRET")?,
        )?))
        .keyring(Arc::new(Keyring::from_spec(&var("PIPELINE_KEYS")?)?))
        .config(pipeline_config())
        .build()?;
    let started = Instant::now();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for i in 0..WORKERS {
        let mut config = WorkerConfig::named(format!("bench-{i}"));
        config.concurrency = CONCURRENCY;
        config.poll_interval = TimeDelta::milliseconds(20);
        let worker = Worker::new(pipeline.clone(), config);
        let mut stop = stop_rx.clone();
        handles.push(tokio::spawn(async move {
            worker
                .run_until(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        }));
    }
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let open = store
            .list_drafts(&DraftFilter {
                states: vec![DraftState::Scheduled, DraftState::Publishing],
                limit: Some(1),
                ..DraftFilter::default()
            })
            .await?;
        if open.is_empty() {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    for h in handles {
        h.await??;
    }
    let done = WorkerDone {
        seconds,
        peak_rss_kib: peak_rss_kib(),
        posts,
    };
    println!("{}", serde_json::to_string(&done)?);
    Ok(())
}

/// The baseline: the same HTTP calls per post (create, status, publish,
/// permalink), 32 at a time, no store, no ledger, no retries.
async fn minimal_child() -> Result<(), BoxError> {
    let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
    let ready: EmulatorReady = serde_json::from_str(&var("PIPELINE_READY")?)?;
    let posts: usize = var("PIPELINE_POSTS")?.parse()?;
    let threads = Arc::new(threads(&ready.base_url, &ready.app_id, &ready.app_secret)?);
    let started = Instant::now();
    let results = futures::stream::iter(0..posts)
        .map(|i| {
            let threads = threads.clone();
            let (user, _, token) = ready.users[i % ready.users.len()].clone();
            async move {
                let auth = content_pipeline::AccountAuth::new(user, SecretString::from(token));
                let content =
                    PostContent::text(format!("Minimal loop post {i}: bread and patience."));
                let container: ContainerId = threads.create_container(&auth, &content).await?;
                let _ = threads.container_status(&auth, &container).await?;
                let post = threads.publish(&auth, &container).await?;
                let _ = threads.permalink(&auth, &post.id).await?;
                Ok::<_, BoxError>(())
            }
        })
        .buffer_unordered(WORKERS * CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let failures = results.iter().filter(|r| r.is_err()).count();
    if failures > 0 {
        return Err(format!("{failures} minimal-loop posts failed").into());
    }
    let done = WorkerDone {
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
        posts,
    };
    println!("{}", serde_json::to_string(&done)?);
    Ok(())
}

// ------------------------------------------------------------ coordinator

struct EmulatorProcess {
    child: Child,
    ready: EmulatorReady,
    raw: String,
}

fn start_emulator(accounts: usize) -> Result<EmulatorProcess, BoxError> {
    let mut child = Command::new(std::env::current_exe()?)
        .env(ROLE, "emulator")
        .env("PIPELINE_ACCOUNTS", accounts.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let ready: EmulatorReady = serde_json::from_str(line.trim())?;
    Ok(EmulatorProcess {
        child,
        ready,
        raw: line.trim().to_owned(),
    })
}

fn run_child(role: &str, envs: &[(&str, String)]) -> Result<WorkerDone, BoxError> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.env(ROLE, role).stdout(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("{role} child failed: {}", out.status).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let last = text.lines().last().ok_or("no output")?;
    Ok(serde_json::from_str(last)?)
}

/// Accounts with sealed tokens, and `posts` drafts scheduled now with their jobs.
async fn seed(
    store: &Arc<DynStore>,
    keyring: &Keyring,
    ready: &EmulatorReady,
    posts: usize,
) -> Result<(), BoxError> {
    let now = chrono::Utc::now();
    let mut accounts = Vec::with_capacity(ready.users.len());
    for (id, username, _) in &ready.users {
        accounts.push(Account::new(id.clone(), username.clone(), now));
    }
    futures::stream::iter(accounts.iter().zip(&ready.users))
        .map(|(account, (_, _, token))| async move {
            store.insert_account(account).await?;
            let record = TokenRecord::seal(
                keyring,
                account.id,
                TokenKind::LongLived,
                &SecretString::from(token.clone()),
                now,
                now + TimeDelta::days(60),
            )?;
            store.put_token(&record).await?;
            Ok::<_, BoxError>(())
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    futures::stream::iter(0..posts)
        .map(|i| {
            let account = &accounts[i % accounts.len()];
            async move {
                let mut draft = Draft::new(
                    account.id,
                    DraftKind::Post,
                    format!("Bench post {i}: bread, patience and a hot oven."),
                    now,
                );
                draft.state = DraftState::Scheduled;
                draft.scheduled_at = Some(now);
                store.insert_draft(&draft).await?;
                store
                    .enqueue(Task::Publish { draft_id: draft.id }.to_job(Some(account.id), now)?)
                    .await?;
                Ok::<_, BoxError>(())
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

async fn published_in_ledger(base_url: &str) -> Result<(usize, usize), BoxError> {
    let ledger: serde_json::Value = reqwest::get(format!("{base_url}/__admin/ledger"))
        .await?
        .json()
        .await?;
    let mut texts = std::collections::HashMap::<String, usize>::new();
    for e in ledger["data"].as_array().ok_or("ledger")? {
        let ok = e["error_code"].is_null() && e["http_status"].is_null();
        if e["operation"] == "publish" && ok {
            *texts
                .entry(e["text"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
    }
    let duplicates = texts.values().map(|n| n.saturating_sub(1)).sum();
    Ok((texts.len(), duplicates))
}

struct Row {
    backend: Backend,
    posts: usize,
    ours: WorkerDone,
    minimal: WorkerDone,
    published: usize,
    duplicates: usize,
}

async fn measure(backend: Backend, posts: usize, accounts: usize) -> Result<Option<Row>, BoxError> {
    let label = format!(
        "{}_{posts}",
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "pg"
        }
    );
    let Some(location) = fresh_location(backend, &label).await? else {
        println!("SKIPPED: PostgreSQL not reachable at {}", pg_url());
        return Ok(None);
    };
    let mut emu = start_emulator(accounts)?;
    let key = KeyMaterial::generate()?;
    let spec = format!("*k1:{}", key.to_base64().expose_secret());
    let keyring = Keyring::from_spec(&spec)?;
    let store = open_store(backend, &location).await?;
    let seeding = Instant::now();
    seed(&store, &keyring, &emu.ready, posts).await?;
    eprintln!(
        "{label}: seeded {accounts} accounts and {posts} posts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    drop(store);
    let ours = run_child(
        "worker",
        &[
            ("PIPELINE_BACKEND", format!("{backend:?}").to_lowercase()),
            ("PIPELINE_STORE", location.clone()),
            ("PIPELINE_EMULATOR", emu.ready.base_url.clone()),
            ("PIPELINE_APP_ID", emu.ready.app_id.clone()),
            ("PIPELINE_APP_SECRET", emu.ready.app_secret.clone()),
            ("PIPELINE_KEYS", spec.clone()),
            ("PIPELINE_POSTS", posts.to_string()),
        ],
    )?;
    let (published, duplicates) = published_in_ledger(&emu.ready.base_url).await?;
    // The baseline against a fresh emulator (same setup, empty ledger).
    drop(emu.child.stdin.take());
    let _ = emu.child.wait();
    let mut emu2 = start_emulator(accounts)?;
    let minimal = run_child(
        "minimal",
        &[
            ("PIPELINE_READY", emu2.raw.clone()),
            ("PIPELINE_POSTS", posts.to_string()),
        ],
    )?;
    drop(emu2.child.stdin.take());
    let _ = emu2.child.wait();
    if backend == Backend::Sqlite {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{location}{suffix}"));
        }
    }
    Ok(Some(Row {
        backend,
        posts,
        ours,
        minimal,
        published,
        duplicates,
    }))
}

fn main() -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match std::env::var(ROLE).as_deref() {
        Ok("emulator") => return runtime.block_on(emulator_child()),
        Ok("worker") => return runtime.block_on(worker_child()),
        Ok("minimal") => return runtime.block_on(minimal_child()),
        _ => {}
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // run a tiny smoke version so the harness itself stays tested.
    let benching = std::env::args().any(|a| a == "--bench");
    let backlogs: Vec<usize> = if benching {
        std::env::var("PIPELINE_BACKLOGS")
            .unwrap_or_else(|_| "1000,10000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    } else {
        vec![40]
    };
    let accounts: usize = if benching {
        env_or("PIPELINE_ACCOUNTS", 1_000)
    } else {
        10
    };
    let backends: Vec<Backend> = std::env::var("PIPELINE_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .split(',')
        .filter_map(|b| match b.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" => Some(Backend::Postgres),
            _ => None,
        })
        .collect();
    let mut rows = Vec::new();
    for backend in &backends {
        for posts in &backlogs {
            if let Some(row) = runtime.block_on(measure(*backend, *posts, accounts))? {
                if row.published != *posts || row.duplicates != 0 {
                    return Err(format!(
                        "{:?} {posts}: {} published, {} duplicates",
                        row.backend, row.published, row.duplicates
                    )
                    .into());
                }
                rows.push(row);
            }
        }
    }
    let latency: u64 = env_or("PIPELINE_LATENCY_MS", 0);
    println!(
        "\n| backend | posts | accounts | API latency | workers | ours (s) | posts/s | peak RSS (MiB) | minimal loop (s) | ours / minimal |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {:?} | {} | {} | {} ms | {}×{} | {:.1} | {:.0} | {:.1} | {:.1} | {:.2}× |",
            r.backend,
            r.posts,
            accounts,
            latency,
            WORKERS,
            CONCURRENCY,
            r.ours.seconds,
            r.posts as f64 / r.ours.seconds,
            r.ours.peak_rss_kib as f64 / 1024.0,
            r.minimal.seconds,
            r.ours.seconds / r.minimal.seconds,
        );
    }
    // One machine-readable line per row, for `benches/run-all`.
    for r in &rows {
        println!(
            "RESULT name=pipeline/{:?}/{}_posts ours={:.3} baseline={:.3} unit=s",
            r.backend, r.posts, r.ours.seconds, r.minimal.seconds
        );
    }
    Ok(())
}
