//! Per-call overhead of a typed `threads-api` call against raw reqwest + serde_json.
//!
//! A tiny axum server on 127.0.0.1 serves a fixed container-status body. Both sides
//! use the same `reqwest::Client` (so the same keep-alive connection pool) and send
//! the same request: `GET /v1.0/{id}?fields=id,status,error_message&access_token=...`.
//!
//! * `typed`: `account.publish().container_status(&id)`: URL building with encoded
//!   segments, token placement, usage headers, error mapping, typed decode.
//! * `raw`: `format!` the URL, `client.get(url).send()`, `bytes()`,
//!   `serde_json::from_slice` into an equivalent plain struct.
//!
//! After the two criterion benchmarks, the bench prints the median typed/raw ratio of
//! interleaved rounds, which is robust to background load drifting between the two
//! criterion runs. Target: typed / raw ≤ 1.05. Run:
//! `cargo bench -p threads-benches --bench client_overhead -- --warm-up-time 1 --measurement-time 3`

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use threads_api::ids::{ContainerId, UserId};
use threads_api::{AccessToken, RetryPolicy, ThreadsClient};

const BODY: &str = r#"{"id":"17889615691921648","status":"FINISHED"}"#;
const CONTAINER: &str = "17889615691921648";
const TOKEN: &str = "THbenchmark-token-0123456789abcdef";

/// What a hand-written client would decode into.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawStatus {
    id: String,
    status: Option<String>,
    error_message: Option<String>,
}

async fn serve() -> SocketAddr {
    let app = Router::new().route(
        "/v1.0/{id}",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], BODY) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    addr
}

fn client_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let addr = rt.block_on(serve());
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();

    let client = ThreadsClient::builder()
        .graph_base_url(base.clone())
        .http_client(http.clone())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client");
    let account = client.account(UserId::new("17841405793187218"), AccessToken::new(TOKEN));
    let publish = account.publish();
    let id = ContainerId::new(CONTAINER);

    // Both sides must agree on the answer before they are timed.
    rt.block_on(async {
        let status = publish.container_status(&id).await.expect("typed call");
        assert!(status.is_ready());
    });

    let mut group = c.benchmark_group("client_overhead");
    group.bench_function("typed_container_status", |b| {
        b.to_async(&rt).iter(|| async {
            let status = publish.container_status(&id).await.expect("typed call");
            std::hint::black_box(status);
        });
    });
    group.bench_function("raw_reqwest_serde_json", |b| {
        b.to_async(&rt)
            .iter(|| async { std::hint::black_box(raw_call(&http, &base).await) });
    });
    group.finish();

    // Criterion runs the two functions minutes apart; on a shared, loaded machine the
    // background load drifts in between. Interleaving short blocks of both calls and
    // taking the median of the per-round ratios cancels most of that drift.
    let ratio = rt.block_on(async {
        let mut ratios = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let typed = async {
                let start = Instant::now();
                for _ in 0..CALLS_PER_BLOCK {
                    let status = publish.container_status(&id).await.expect("typed call");
                    std::hint::black_box(status);
                }
                start.elapsed()
            };
            let raw = async {
                let start = Instant::now();
                for _ in 0..CALLS_PER_BLOCK {
                    std::hint::black_box(raw_call(&http, &base).await);
                }
                start.elapsed()
            };
            // Alternate which side goes first.
            let (t, r) = if round % 2 == 0 {
                let t = typed.await;
                (t, raw.await)
            } else {
                let r = raw.await;
                (typed.await, r)
            };
            ratios.push(t.as_secs_f64() / r.as_secs_f64());
        }
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    });
    println!(
        "client_overhead: typed/raw median ratio over {ROUNDS} interleaved rounds of {CALLS_PER_BLOCK} calls: {ratio:.3}"
    );
}

const ROUNDS: usize = 40;
const CALLS_PER_BLOCK: usize = 200;

async fn raw_call(http: &reqwest::Client, base: &str) -> RawStatus {
    let url =
        format!("{base}/v1.0/{CONTAINER}?fields=id%2Cstatus%2Cerror_message&access_token={TOKEN}");
    let response = http.get(url).send().await.expect("raw call");
    assert!(response.status().is_success());
    let bytes = response.bytes().await.expect("raw body");
    serde_json::from_slice(&bytes).expect("raw decode")
}

criterion_group!(benches, client_overhead);
criterion_main!(benches);
