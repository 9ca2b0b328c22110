//! Webhook intake over HTTP: a signed delivery `POST`ed to threads-axum's
//! webhook route, its `X-Hub-Signature-256` verified over the raw body,
//! its event matched to a connected account and recorded in the store's
//! inbox with its job, and the 200 read by the client. Latency per request
//! (p50, p99, max) and requests per second, sequentially and with
//! concurrent senders, on SQLite and (when `TEST_DATABASE_URL` is set) on
//! PostgreSQL; against a floor route on the same HTTP stack that only
//! verifies the signature and stores nothing.
//!
//! Every delivery carries a new comment, so each one is written; afterwards
//! the inbox must hold exactly one entry per delivery.
//!
//! ```text
//! cargo bench -p threads-benches --bench webhook_intake                       # 500 deliveries per run
//! WEBHOOK_INTAKE_REQUESTS=10000 cargo bench -p threads-benches --bench webhook_intake
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p threads-benches --bench webhook_intake
//! ```
//!
//! Environment: `WEBHOOK_INTAKE_REQUESTS` (deliveries per run, default 500),
//! `WEBHOOK_INTAKE_CONCURRENCY` (senders in the concurrent run, default 8),
//! `WEBHOOK_INTAKE_ACCOUNTS` (connected accounts the deliveries are spread
//! over, default 10), `TEST_DATABASE_URL` (adds PostgreSQL). Client, server
//! and store share one process and a two-thread runtime.
//!
//! `cargo test --benches` runs 40 deliveries, to keep the harness tested.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use content_pipeline::{Pipeline, ThreadsPublisher};
use futures::StreamExt;
use secrecy::SecretString;
use store_traits::{Account, DynStore, SystemClock};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_axum::{Group, ThreadsRouter};
use token_crypto::webhook::{WebhookVerifier, sign};
use token_crypto::{KeyId, KeyMaterial, Keyring};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const APP_SECRET: &str = "bench-app-secret-0123456789abcdef";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    /// The HTTP stack and the signature check, no store.
    Floor,
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Floor => "floor (verify only)",
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// A store, and how to clean up after it.
struct Location {
    store: Arc<DynStore>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { server: String, name: String },
}

async fn open(backend: Backend) -> Result<Location, BoxError> {
    let label = uuid::Uuid::now_v7().simple().to_string();
    match backend {
        Backend::Sqlite | Backend::Floor => {
            let path = std::env::temp_dir().join(format!("webhook-intake-{label}.db"));
            let store = store_sqlite::SqliteStore::connect(
                &store_sqlite::SqliteStoreOptions::file(&path)
                    .busy_timeout(Duration::from_secs(30)),
                Arc::new(SystemClock),
            )
            .await?;
            Ok(Location {
                store: Arc::new(store),
                cleanup: Cleanup::File(path),
            })
        }
        Backend::Postgres => {
            let server = std::env::var("TEST_DATABASE_URL")?;
            let admin = sqlx::PgPool::connect(&server).await?;
            let name = format!("webhook_intake_{label}");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await?;
            admin.close().await;
            let mut url = url::Url::parse(&server)?;
            url.set_path(&name);
            let store = store_postgres::PgStore::connect(
                &store_postgres::PgStoreOptions::new(url.as_str())?.max_connections(16),
                Arc::new(SystemClock),
            )
            .await?;
            Ok(Location {
                store: Arc::new(store),
                cleanup: Cleanup::Database { server, name },
            })
        }
    }
}

async fn clean(cleanup: Cleanup) {
    match cleanup {
        Cleanup::File(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        Cleanup::Database { server, name } => {
            if let Ok(pool) = sqlx::PgPool::connect(&server).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&pool)
                .await;
                pool.close().await;
            }
        }
    }
}

fn pipeline(store: Arc<DynStore>) -> Result<Pipeline, BoxError> {
    // The intake makes no call to Threads; the client points nowhere.
    let client = ThreadsClient::builder()
        .graph_base_url("http://127.0.0.1:9")
        .authorize_base_url("http://127.0.0.1:9")
        .build()?;
    let threads = ThreadsPublisher::new(client).with_app(
        AppCredentials::new("bench-app", AppSecret::new(APP_SECRET)),
        "https://bench.example/threads/oauth/callback",
    );
    Ok(Pipeline::builder()
        .store(store)
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(threads))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("k1")?,
            KeyMaterial::generate()?,
        )))
        .webhook_verifier(WebhookVerifier::with_secrets([SecretString::from(
            APP_SECRET,
        )])?)
        .build()?)
}

/// Serves `router` on a free local port; returns the webhook URL.
async fn serve(router: axum::Router) -> Result<String, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/threads/webhooks", listener.local_addr()?);
    let app = axum::Router::new().nest("/threads", router);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

/// The floor: same server stack, the signature checked, nothing stored.
fn floor_router() -> Result<axum::Router, BoxError> {
    let verifier = Arc::new(WebhookVerifier::with_secrets([SecretString::from(
        APP_SECRET,
    )])?);
    Ok(axum::Router::new().route(
        "/webhooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let verifier = verifier.clone();
            async move {
                let signature = headers
                    .get("x-hub-signature-256")
                    .and_then(|v| v.to_str().ok());
                match verifier.verify(signature, &body) {
                    Ok(_) => (StatusCode::OK, "{}"),
                    Err(_) => (StatusCode::UNAUTHORIZED, "{}"),
                }
            }
        }),
    ))
}

/// A comment under the account's post, as Meta delivers it.
fn delivery(threads_user: &str, n: usize) -> String {
    serde_json::json!({
        "app_id": "bench-app",
        "topic": "moderate",
        "target_id": threads_user,
        "time": chrono::Utc::now().timestamp(),
        "subscription_id": "1",
        "has_uid_field": false,
        "values": {"field": "replies", "value": {
            "id": format!("reply-{n}"),
            "username": format!("fan{}", n % 97),
            "text": "Which flour do you use for the rye?",
            "root_post": {"id": format!("post-{threads_user}"), "owner_id": threads_user, "username": "ana"},
            "replied_to": {"id": format!("post-{threads_user}")},
            "timestamp": "2026-03-02T09:30:00+0000"
        }}
    })
    .to_string()
}

/// One run's figures.
struct Row {
    backend: Backend,
    senders: usize,
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// Sends `bodies` with `senders` concurrent senders; every answer must be 200.
async fn send(
    client: &reqwest::Client,
    url: &str,
    bodies: Vec<String>,
    senders: usize,
) -> Result<(f64, Vec<Duration>), BoxError> {
    let secret = SecretString::from(APP_SECRET);
    let signed: Vec<(String, String)> = bodies
        .into_iter()
        .map(|b| (sign(&secret, b.as_bytes()), b))
        .collect();
    let started = Instant::now();
    let results: Vec<Result<Duration, BoxError>> = futures::stream::iter(signed)
        .map(|(signature, body)| async move {
            let began = Instant::now();
            let response = client
                .post(url)
                .header("x-hub-signature-256", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let _ = response.bytes().await?;
            if status != reqwest::StatusCode::OK {
                return Err(format!("answered {status}").into());
            }
            Ok(began.elapsed())
        })
        .buffer_unordered(senders)
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    latencies.sort();
    Ok((seconds, latencies))
}

async fn measure(
    backend: Backend,
    requests: usize,
    concurrency: usize,
    accounts: usize,
) -> Result<Vec<Row>, BoxError> {
    let location = open(backend).await?;
    let store = location.store.clone();
    let now = chrono::Utc::now();
    let mut users = Vec::with_capacity(accounts);
    let mut account_ids = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let user = format!("1789{i:06}");
        let account = Account::new(user.clone(), format!("bench{i}"), now);
        store.insert_account(&account).await?;
        users.push(user);
        account_ids.push(account.id);
    }
    let router = match backend {
        Backend::Floor => floor_router()?,
        Backend::Sqlite | Backend::Postgres => ThreadsRouter::builder(pipeline(store.clone())?)
            .only([Group::Webhooks])
            .webhook_verify_token(SecretString::from("bench-verify-token"))
            .build()?,
    };
    let url = serve(router).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency.max(1))
        .build()?;
    // Warm up connections (and the store's pool) with deliveries that are
    // not counted.
    let warm: Vec<String> = (0..concurrency.max(4))
        .map(|i| delivery(&users[i % users.len()], 1_000_000_000 + i))
        .collect();
    let warmed = warm.len();
    send(&client, &url, warm, concurrency).await?;

    let mut rows = Vec::new();
    let mut sent = warmed;
    for (run, senders) in [1, concurrency].into_iter().enumerate() {
        let bodies: Vec<String> = (0..requests)
            .map(|i| delivery(&users[i % users.len()], run * requests + i))
            .collect();
        let (seconds, latencies) = send(&client, &url, bodies, senders).await?;
        sent += requests;
        rows.push(Row {
            backend,
            senders,
            requests,
            seconds,
            p50_ms: percentile(&latencies, 50.0),
            p99_ms: percentile(&latencies, 99.0),
            max_ms: latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        });
    }
    if backend != Backend::Floor {
        let mut recorded = 0;
        for id in &account_ids {
            recorded += store.list_inbox_entries(*id, None).await?.len();
        }
        if recorded != sent {
            return Err(format!(
                "{}: {sent} deliveries, {recorded} in the inbox",
                backend.name()
            )
            .into());
        }
    }
    clean(location.cleanup).await;
    Ok(rows)
}

fn main() -> Result<(), BoxError> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // run a tiny version so the harness itself stays tested.
    let benching = std::env::args().any(|a| a == "--bench");
    let requests: usize = if benching {
        env_or("WEBHOOK_INTAKE_REQUESTS", 500)
    } else {
        40
    };
    let concurrency: usize = env_or("WEBHOOK_INTAKE_CONCURRENCY", 8).max(1);
    let accounts: usize = env_or("WEBHOOK_INTAKE_ACCOUNTS", 10).max(1);
    let mut backends = vec![Backend::Floor, Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        backends.push(Backend::Postgres);
    } else {
        println!("PostgreSQL skipped: TEST_DATABASE_URL is not set");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    for backend in backends {
        rows.extend(runtime.block_on(measure(backend, requests, concurrency, accounts))?);
    }
    println!("\n| store | senders | deliveries | p50 (ms) | p99 (ms) | max (ms) | deliveries/s |");
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.0} |",
            r.backend.name(),
            r.senders,
            r.requests,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.requests as f64 / r.seconds.max(1e-9),
        );
    }
    // One machine-readable line per store row, for `benches/run-all`: wall time per
    // delivery, against the floor with the same number of senders.
    let per_delivery = |r: &Row| r.seconds * 1e3 / r.requests.max(1) as f64;
    for r in rows.iter().filter(|r| r.backend != Backend::Floor) {
        if let Some(floor) = rows
            .iter()
            .find(|f| f.backend == Backend::Floor && f.senders == r.senders)
        {
            println!(
                "RESULT name=webhook_intake/{:?}/{}_senders ours={:.4} baseline={:.4} unit=ms",
                r.backend,
                r.senders,
                per_delivery(r),
                per_delivery(floor)
            );
        }
    }
    Ok(())
}
