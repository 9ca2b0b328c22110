//! MediaStore on the local-directory and in-memory backends: keys, URLs,
//! streaming uploads, preflight through ranged reads, cleanup and account
//! deletion.

mod common;

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use common::{Mp4Spec, jpeg, mp4, png, write_mp4};
use futures::StreamExt as _;
use threads_media::object_store::path::Path;
use threads_media::object_store::{Attribute, ObjectStoreExt};
use threads_media::{
    Cleanup, CleanupOutcome, Error, MediaFacts, MediaKey, MediaStore, MediaStoreBuilder, MediaType,
    Rule,
};

fn local(dir: &std::path::Path) -> MediaStore {
    MediaStoreBuilder::local(dir, "https://example.com/media")
        .prefix("v1")
        .build()
        .expect("test setup")
}

#[tokio::test]
async fn local_put_url_stat_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let bytes = png(640, 480);
    let stored = store.put("acct-1", bytes.clone()).await.unwrap();

    assert_eq!(stored.media_type, MediaType::Png);
    assert_eq!(stored.content_type(), "image/png");
    assert_eq!(stored.size, bytes.len() as u64);
    assert!(stored.key.as_str().starts_with("v1/acct-1/"));
    assert!(stored.key.as_str().ends_with(".png"));
    assert_eq!(
        stored.url.url.as_str(),
        format!("https://example.com/media/{}", stored.key)
    );
    assert_eq!(stored.url.expires_at, None);

    // The file is where the router will look for it, byte for byte.
    let file = store.local_file(&stored.key).await.unwrap();
    assert!(file.path.starts_with(dir.path().canonicalize().unwrap()));
    assert_eq!(std::fs::read(&file.path).unwrap(), bytes);
    assert_eq!(file.size, bytes.len() as u64);
    assert_eq!(file.media_type, MediaType::Png);

    let stat = store.stat(&stored.key).await.unwrap();
    assert_eq!(stat, stored);
    assert_eq!(
        store.key_from_url(stored.url.url.as_str()),
        Some(stored.key.clone())
    );
    assert_eq!(
        store.key_from_url("https://elsewhere.example/v1/acct-1/x.png"),
        None
    );

    let MediaFacts::Image(facts) = store.preflight(&stored.key).await.unwrap() else {
        panic!("not an image")
    };
    assert_eq!((facts.width, facts.height), (640, 480));

    store.delete(&stored.key).await.unwrap();
    store.delete(&stored.key).await.unwrap(); // idempotent
    assert!(matches!(
        store.local_file(&stored.key).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.stat(&stored.key).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    assert!(matches!(
        store.put("acct", b"GIF89a......".to_vec()).await,
        Err(Error::UnknownMediaType { .. })
    ));
    for account in ["", "..", "a/b", "a b"] {
        assert!(
            matches!(
                store.put(account, png(400, 400)).await,
                Err(Error::InvalidAccount { .. })
            ),
            "{account:?}"
        );
    }
    let key = MediaKey::parse("v1/acct/missing.jpg").unwrap();
    assert!(matches!(
        store.presigned_url(&key, Duration::from_secs(60)).await,
        Err(Error::NotSupported {
            backend: "local",
            ..
        })
    ));
    assert!(matches!(
        store.preflight(&key).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn streamed_video_is_preflighted_with_ranged_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(&dir.path().join("store"));
    let source = dir.path().join("clip.mp4");
    // 20 MB: three multipart parts.
    write_mp4(&source, &Mp4Spec::default(), 20_000_000);
    let stored = store.put_file("acct-1", &source).await.unwrap();
    assert_eq!(stored.media_type, MediaType::Mp4);
    assert_eq!(stored.size, 20_000_000);
    let on_disk = store.local_file(&stored.key).await.unwrap();
    assert_eq!(
        std::fs::read(&on_disk.path).unwrap(),
        std::fs::read(&source).unwrap()
    );

    let facts = store.preflight(&stored.key).await.unwrap();
    assert_eq!(facts.file_size(), 20_000_000);
    assert!(
        facts.bytes_read() < 64 * 1024,
        "read {}",
        facts.bytes_read()
    );

    // A broken video stored under the same rules fails with its rule.
    let slow = Mp4Spec {
        fast_start: false,
        ..Mp4Spec::default()
    };
    let stored = store
        .put_stream("acct-1", Cursor::new(mp4(&slow, 1000)))
        .await
        .unwrap();
    let err = store.preflight(&stored.key).await.unwrap_err();
    assert_eq!(err.preflight().unwrap().rule, Rule::VideoFastStart);
}

#[tokio::test]
async fn oversize_stream_is_aborted_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut limits = threads_media::Limits::default();
    limits.image.max_bytes = 100_000;
    let store = MediaStoreBuilder::local(dir.path(), "https://example.com/")
        .limits(limits)
        .build()
        .unwrap();
    let big = common::png_padded(400, 400, 200_000);
    let err = store.put("acct", big.clone()).await.unwrap_err();
    let p = err.preflight().unwrap();
    assert_eq!(p.rule, Rule::ImageFileSize);
    assert_eq!(p.measured, threads_media::Measure::Bytes(big.len() as u64));
    let err = store
        .put_stream("acct", Cursor::new(big))
        .await
        .unwrap_err();
    assert_eq!(err.preflight().unwrap().rule, Rule::ImageFileSize);
    let left = store.object_store().list(None).count().await;
    assert_eq!(left, 0, "aborted upload left objects behind");
}

#[tokio::test]
async fn account_deletion_removes_only_that_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    for _ in 0..3 {
        store.put("alice", png(400, 400)).await.unwrap();
    }
    let bob = store.put("bob", jpeg(800, 600, 0)).await.unwrap();
    assert_eq!(store.delete_account("alice").await.unwrap(), 3);
    assert_eq!(store.delete_account("alice").await.unwrap(), 0);
    assert!(store.stat(&bob.key).await.is_ok());
    assert!(
        !dir.path().join("v1/alice").exists(),
        "empty directories are removed"
    );
    assert!(matches!(
        store.delete_account("../bob").await,
        Err(Error::InvalidAccount { .. })
    ));
}

#[tokio::test]
async fn cleanup_policy_and_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    assert_eq!(store.cleanup(), Cleanup::AfterPublish);
    let a = store.put("acct", png(400, 400)).await.unwrap();
    assert_eq!(
        store.after_publish(&a.key).await.unwrap(),
        CleanupOutcome::Deleted
    );
    assert!(store.stat(&a.key).await.is_err());

    let keeper = MediaStoreBuilder::local(dir.path(), "https://example.com/media")
        .prefix("v1")
        .cleanup(Cleanup::Keep)
        .build()
        .unwrap();
    let b = keeper.put("acct", png(400, 400)).await.unwrap();
    assert_eq!(
        keeper.after_publish(&b.key).await.unwrap(),
        CleanupOutcome::Kept
    );
    assert!(keeper.stat(&b.key).await.is_ok());

    // Nothing is an hour old; everything is older than "now".
    assert_eq!(
        keeper
            .delete_older_than(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(keeper.delete_older_than(Duration::ZERO).await.unwrap(), 1);
    assert!(keeper.stat(&b.key).await.is_err());
}

#[tokio::test]
async fn sweep_leaves_foreign_objects_alone() {
    let inner = Arc::new(threads_media::object_store::memory::InMemory::new());
    let foreign = Path::from("reports/2026.csv");
    inner.put(&foreign, b"x".to_vec().into()).await.unwrap();
    let store = MediaStoreBuilder::custom(inner.clone(), "https://cdn.example/")
        .build()
        .unwrap();
    assert_eq!(store.backend(), "custom");
    store.put("acct", png(400, 400)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.delete_older_than(Duration::ZERO).await.unwrap(), 1);
    assert!(inner.head(&foreign).await.is_ok());
}

#[tokio::test]
async fn memory_backend_stores_the_content_type() {
    let store = MediaStoreBuilder::memory("https://cdn.example/m/")
        .build()
        .unwrap();
    let stored = store.put("acct", jpeg(800, 600, 0)).await.unwrap();
    let got = store
        .object_store()
        .get(&Path::from(stored.key.as_str()))
        .await
        .unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("image/jpeg")
    );
    assert_eq!(
        stored.url.url.as_str(),
        format!("https://cdn.example/m/{}", stored.key)
    );
}

#[test]
fn debug_output_shows_no_urls_queries_or_clients() {
    let store = MediaStoreBuilder::memory("https://cdn.example/m/")
        .build()
        .unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("memory"), "{debug}");
    let url = threads_media::MediaUrl {
        url: "https://b.example/k.jpg?X-Amz-Signature=deadbeef"
            .parse()
            .unwrap(),
        expires_at: None,
    };
    assert!(!format!("{url:?}").contains("deadbeef"));
}
