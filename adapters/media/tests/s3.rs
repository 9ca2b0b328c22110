//! The S3 backend against a local S3-compatible server: moto's
//! `moto_server` (from PyPI, `pip install 'moto[server]'`), started by the
//! test on a free 127.0.0.1 port.
//!
//! The server is found through `THREADS_MEDIA_TEST_S3_ENDPOINT` (an already
//! running server, e.g. `http://127.0.0.1:5000`), else the `MOTO_SERVER`
//! variable (path of the `moto_server` program), else `moto_server` on
//! `PATH`. Without any of them the tests print why and pass, except under
//! CI (`CI` set), where a missing server is a failure.

#![cfg(feature = "s3")]

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Mp4Spec, png, write_mp4};
use threads_media::{
    CleanupOutcome, MediaKind, MediaStore, MediaStoreBuilder, ProbeMethod, S3Config, probe_url,
};

/// A running server; a spawned one is killed on drop.
struct Server {
    endpoint: String,
    child: Option<Child>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn server() -> Option<Server> {
    if let Ok(endpoint) = std::env::var("THREADS_MEDIA_TEST_S3_ENDPOINT") {
        return Some(Server {
            endpoint,
            child: None,
        });
    }
    let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_owned());
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("test setup")
        .local_addr()
        .expect("test setup")
        .port();
    let child = match Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must provide an S3 test server: cannot start {program}: {e}"
            );
            eprintln!("skipping the S3 tests: cannot start {program}: {e}");
            return None;
        }
    };
    let server = Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{program} did not start in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

async fn bucket(server: &Server, name: &str) {
    let response = reqwest::Client::new()
        .put(format!("{}/{name}", server.endpoint))
        .send()
        .await
        .expect("test setup");
    assert!(response.status().is_success(), "{}", response.status());
}

fn config(server: &Server, name: &str) -> S3Config {
    S3Config::new(format!("s3://{name}"))
        .endpoint(&server.endpoint)
        .region("us-east-1")
        .credentials("test-key-id", "test-secret-key")
        .allow_http(true)
}

fn presigned(server: &Server, name: &str) -> MediaStore {
    MediaStoreBuilder::s3(config(server, name))
        .prefix("media")
        .build()
        .expect("test setup")
}

#[tokio::test]
async fn presigned_urls_serve_the_stored_bytes() {
    let Some(server) = server() else { return };
    bucket(&server, "presigned").await;
    let store = presigned(&server, "presigned");
    assert_eq!(store.backend(), "s3");

    let bytes = png(800, 600);
    let stored = store.put("acct", bytes.clone()).await.unwrap();
    let url = stored.url.url.as_str();
    assert!(url.contains("X-Amz-Signature="), "presigned: {url}");
    assert!(stored.url.expires_at.is_some());

    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "image/png",
        "the Content-Type attribute was stored"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let report = probe_url(url).await.unwrap();
    assert!(matches!(
        report.method,
        ProbeMethod::Head | ProbeMethod::RangedGet
    ));
    assert_eq!(report.content_length, Some(bytes.len() as u64));
    report.check(MediaKind::Image, store.limits()).unwrap();

    assert_eq!(store.key_from_url(url), Some(stored.key.clone()));
    assert!(!format!("{store:?}").contains("test-secret-key"));

    assert_eq!(
        store.after_publish(&stored.key).await.unwrap(),
        CleanupOutcome::Deleted
    );
    assert!(store.stat(&stored.key).await.is_err());
}

#[tokio::test]
async fn multipart_video_is_preflighted_with_ranged_gets() {
    let Some(server) = server() else { return };
    bucket(&server, "video").await;
    let store = presigned(&server, "video");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    write_mp4(&file, &Mp4Spec::default(), 20_000_000);

    let stored = store.put_file("acct", &file).await.unwrap();
    assert_eq!(stored.size, 20_000_000);
    let facts = store.preflight(&stored.key).await.unwrap();
    assert_eq!(facts.file_size(), 20_000_000);
    assert!(
        facts.bytes_read() < 64 * 1024,
        "read {}",
        facts.bytes_read()
    );
}

#[tokio::test]
async fn public_urls_and_account_deletion() {
    let Some(server) = server() else { return };
    bucket(&server, "public").await;
    let store = MediaStoreBuilder::s3(config(&server, "public"))
        .public_base_url(format!("{}/public/", server.endpoint))
        .build()
        .unwrap();
    let a = store.put("alice", png(400, 400)).await.unwrap();
    store.put("alice", png(500, 500)).await.unwrap();
    let b = store.put("bob", png(400, 400)).await.unwrap();
    assert_eq!(
        a.url.url.as_str(),
        format!("{}/public/{}", server.endpoint, a.key)
    );
    // Whether the bucket answers anonymous reads is the bucket's setting (an
    // R2 public bucket or custom domain), not this crate's: moto refuses
    // them. Presigning stays available for a store with public URLs.
    let signed = store
        .presigned_url(&a.key, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(reqwest::get(signed.url).await.unwrap().status(), 200);

    assert_eq!(store.delete_account("alice").await.unwrap(), 2);
    assert!(store.stat(&a.key).await.is_err());
    assert!(store.stat(&b.key).await.is_ok());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(store.delete_older_than(Duration::ZERO).await.unwrap(), 1);
}

/// `PipelineMedia` on presigned URLs: the key is found in the signed URL,
/// the stored copy is checked, the signed URL is probed (S3 signs it for
/// `GET`, so the probe's ranged `GET` is what answers), and the cleanup
/// deletes the object.
#[cfg(feature = "pipeline")]
#[tokio::test]
async fn pipeline_media_on_presigned_urls() {
    use content_pipeline::{MediaCleanup, MediaLifecycle};

    let Some(server) = server() else { return };
    bucket(&server, "pipeline").await;
    let media = threads_media::PipelineMedia::new(presigned(&server, "pipeline")).unwrap();
    let account = store_traits::Account::new("17841400000000001", "ana", chrono::Utc::now());

    let good = media.put(account.id, png(800, 600)).await.unwrap();
    let item = threads_media::PipelineMedia::attachment(&good, None);
    assert!(item.url.contains("X-Amz-Signature="), "presigned");
    media.preflight(&account, &item).await.unwrap();

    let tall = media.put(account.id, png(320, 3300)).await.unwrap();
    let refused = media
        .preflight(
            &account,
            &threads_media::PipelineMedia::attachment(&tall, None),
        )
        .await
        .expect_err("too tall");
    assert_eq!(refused.rule, "image.aspect_ratio");
    assert!(refused.is_permanent());

    assert_eq!(
        media.after_publish(&account, &item).await.unwrap(),
        MediaCleanup::Deleted
    );
    assert!(media.store().stat(&good.key).await.is_err());
    assert_eq!(media.delete_account(&account).await.unwrap(), 1);
}
