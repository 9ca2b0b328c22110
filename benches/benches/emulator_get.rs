//! Simple GETs per second against the Threads emulator, client and server sharing one
//! current-thread Tokio runtime (one core).
//!
//! Run: `cargo bench -p threads-benches --bench emulator_get -- --warm-up-time 1 --measurement-time 3`
//! Target: ≥ 10,000 GET/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secrecy::ExposeSecret;
use threads_emulator::{AppSpec, Emulator, PostAs, TokenSpec, UserSpec};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (emu, url_me, url_post, client) = rt.block_on(async {
        let emu = Emulator::builder().start().await.expect("emulator");
        let admin = emu.admin();
        let app = admin.create_app(AppSpec::default()).expect("app");
        let user = admin
            .create_user(UserSpec {
                username: "bench".into(),
                followers: 1_000,
                ..UserSpec::default()
            })
            .expect("user");
        let token = admin
            .mint_token(TokenSpec {
                app_id: app.id,
                user_id: user.id.clone(),
                long_lived: true,
                ..TokenSpec::default()
            })
            .expect("token");
        let post = admin
            .post_as(PostAs {
                author: user.id,
                text: Some("hello bench".into()),
                ..PostAs::default()
            })
            .expect("post");
        let t = token.access_token.expose_secret().to_owned();
        let url_me = format!(
            "{}/v1.0/me?fields=id,username&access_token={t}",
            emu.base_url()
        );
        let url_post = format!(
            "{}/v1.0/{post}?fields=id,text,media_type,timestamp,permalink&access_token={t}",
            emu.base_url()
        );
        (emu, url_me, url_post, reqwest::Client::new())
    });

    let mut g = c.benchmark_group("emulator_get");
    g.throughput(Throughput::Elements(1));
    g.bench_function("me_sequential", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client.get(&url_me).send().await.expect("send");
            assert!(r.status().is_success());
            r.bytes().await.expect("body")
        })
    });
    g.bench_function("media_sequential", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client.get(&url_post).send().await.expect("send");
            r.bytes().await.expect("body")
        })
    });
    const IN_FLIGHT: usize = 32;
    g.throughput(Throughput::Elements(IN_FLIGHT as u64));
    g.bench_function("me_32_in_flight", |b| {
        b.to_async(&rt).iter(|| async {
            let calls = (0..IN_FLIGHT).map(|_| async {
                let r = client.get(&url_me).send().await.expect("send");
                r.bytes().await.expect("body")
            });
            futures::future::join_all(calls).await
        })
    });
    g.finish();
    drop(emu);
}

criterion_group!(benches, bench);
criterion_main!(benches);
