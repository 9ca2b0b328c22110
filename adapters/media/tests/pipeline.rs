//! `PipelineMedia` as content-pipeline's `MediaLifecycle`: stored objects
//! checked by key, then the URL Meta will fetch probed (wiremock), permanent
//! and transient rejections, cleanup per policy, and account deletion.
#![cfg(feature = "pipeline")]

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{Mp4Spec, mp4, png};
use content_pipeline::{MediaCleanup, MediaLifecycle, MediaRejection, Permanence};
use store_traits::{Account, DraftMedia, MediaKind};
use threads_media::{
    Cleanup, MediaKey, MediaStore, MediaStoreBuilder, PipelineMedia, PreflightError, ProbeOptions,
    Prober, Rule,
};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Nothing listens there.
const UNSERVED: &str = "http://127.0.0.1:9/m/";

fn store_at(base: &str, cleanup: Cleanup) -> MediaStore {
    MediaStoreBuilder::memory(base)
        .cleanup(cleanup)
        .build()
        .expect("test setup")
}

fn store(cleanup: Cleanup) -> MediaStore {
    store_at(UNSERVED, cleanup)
}

fn media(store: MediaStore) -> PipelineMedia {
    let mut options = ProbeOptions::default();
    options.timeout = Duration::from_secs(2);
    PipelineMedia::with_prober(store, Prober::new(&options).expect("test setup"))
}

/// A server standing in for the host's route of stored media under `/m/`:
/// it answers every `.png` with `image/png` and every `.mp4` with
/// `video/mp4`, whatever the key.
async fn media_route() -> MockServer {
    let server = MockServer::start().await;
    for (pattern, mime) in [
        (r"^/m/.*\.png$", "image/png"),
        (r"^/m/.*\.mp4$", "video/mp4"),
    ] {
        Mock::given(path_regex(pattern))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", mime))
            .mount(&server)
            .await;
    }
    server
}

/// Requests the server received for `key` (any method).
async fn requests_for(server: &MockServer, key: &MediaKey) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == format!("/m/{}", key.as_str()))
        .map(|r| r.method.to_string())
        .collect()
}

fn account(handle: &str) -> Account {
    Account::new("17841400000000001", handle, Utc::now())
}

fn attachment(kind: MediaKind, url: &str) -> DraftMedia {
    DraftMedia {
        kind,
        url: url.to_owned(),
        alt_text: None,
    }
}

async fn refused(gate: &PipelineMedia, account: &Account, item: &DraftMedia) -> MediaRejection {
    gate.preflight(account, item)
        .await
        .expect_err("the attachment should be refused")
}

#[tokio::test]
async fn stored_media_is_checked_by_key_then_its_url_is_probed() {
    let server = media_route().await;
    let gate = media(store_at(
        &format!("{}/m/", server.uri()),
        Cleanup::AfterPublish,
    ));
    let ana = account("ana");
    let good = gate.put(ana.id, png(640, 480)).await.unwrap();
    let item = PipelineMedia::attachment(&good, Some("a loaf".into()));
    assert_eq!(item.kind, MediaKind::Image);
    assert_eq!(item.alt_text.as_deref(), Some("a loaf"));
    assert!(item.url.starts_with(&server.uri()), "{}", item.url);
    gate.preflight(&ana, &item).await.unwrap();
    // The URL Meta will fetch was probed, without downloading it.
    assert_eq!(requests_for(&server, &good.key).await, ["HEAD"]);

    // A broken rule is found in the store, before any request: the route
    // answers 200 image/png for this key too, yet the file is refused.
    let tall = gate.put(ana.id, png(320, 3300)).await.unwrap();
    let r = refused(&gate, &ana, &PipelineMedia::attachment(&tall, None)).await;
    assert_eq!(r.rule, "image.aspect_ratio");
    assert_eq!(r.permanence, Permanence::Permanent);
    assert!(r.measured.contains("10.31"), "{r}");
    assert!(requests_for(&server, &tall.key).await.is_empty());
    // The typed rule is one downcast away.
    let source = std::error::Error::source(&r).expect("source");
    let typed = source
        .downcast_ref::<threads_media::Error>()
        .and_then(threads_media::Error::preflight)
        .map(|p: &PreflightError| p.rule);
    assert_eq!(typed, Some(Rule::ImageAspectRatio));

    let spec = Mp4Spec {
        fast_start: false,
        ..Mp4Spec::default()
    };
    let slow = gate.put(ana.id, mp4(&spec, 4096)).await.unwrap();
    let r = refused(&gate, &ana, &PipelineMedia::attachment(&slow, None)).await;
    assert_eq!(r.rule, "video.fast_start");
    assert!(r.is_permanent());
    assert!(requests_for(&server, &slow.key).await.is_empty());

    // A stored video attached as an image.
    let fine = gate
        .put(ana.id, mp4(&Mp4Spec::default(), 4096))
        .await
        .unwrap();
    let mut wrong = PipelineMedia::attachment(&fine, None);
    gate.preflight(&ana, &wrong).await.unwrap();
    wrong.kind = MediaKind::Image;
    let r = refused(&gate, &ana, &wrong).await;
    assert_eq!(r.rule, "media.kind");
    assert!(r.is_permanent());
}

#[tokio::test]
async fn a_stored_file_meta_cannot_fetch_is_refused() {
    let ana = account("ana");
    // Nothing serves the public base URL: the file is fine, the URL is not.
    let gate = media(store(Cleanup::AfterPublish));
    let stored = gate.put(ana.id, png(640, 480)).await.unwrap();
    let item = PipelineMedia::attachment(&stored, None);
    let r = refused(&gate, &ana, &item).await;
    assert_eq!(r.rule, "url.reachable");
    assert_eq!(r.permanence, Permanence::Transient);

    // The host's route does not serve the store (a wrong base URL): 404.
    let server = MockServer::start().await;
    let gate = media(store_at(
        &format!("{}/m/", server.uri()),
        Cleanup::AfterPublish,
    ));
    let stored = gate.put(ana.id, png(640, 480)).await.unwrap();
    let r = refused(&gate, &ana, &PipelineMedia::attachment(&stored, None)).await;
    assert_eq!(
        (r.rule.as_str(), r.permanence),
        ("url.status", Permanence::Permanent)
    );
    assert!(r.measured.contains("404"), "{r}");

    // Without the probe of stored media, only the stored file is checked.
    let gate = media(store(Cleanup::AfterPublish)).probe_stored_urls(false);
    let stored = gate.put(ana.id, png(640, 480)).await.unwrap();
    gate.preflight(&ana, &PipelineMedia::attachment(&stored, None))
        .await
        .unwrap();
    let tall = gate.put(ana.id, png(320, 3300)).await.unwrap();
    let r = refused(&gate, &ana, &PipelineMedia::attachment(&tall, None)).await;
    assert_eq!(r.rule, "image.aspect_ratio");
    // Foreign URLs are still probed.
    let r = refused(
        &gate,
        &ana,
        &attachment(MediaKind::Image, "http://127.0.0.1:9/elsewhere/a.png"),
    )
    .await;
    assert_eq!(r.rule, "url.reachable");
}

#[tokio::test]
async fn foreign_urls_are_probed_and_classified() {
    let server = MockServer::start().await;
    let routes = [
        (
            "/ok.png",
            ResponseTemplate::new(200).insert_header("content-type", "image/png"),
        ),
        ("/gone.png", ResponseTemplate::new(404)),
        ("/busy.png", ResponseTemplate::new(503)),
        ("/slow.png", ResponseTemplate::new(429)),
        (
            "/page.png",
            ResponseTemplate::new(200).insert_header("content-type", "text/html"),
        ),
        (
            "/huge.png",
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .insert_header("content-length", "9437184"),
        ),
    ];
    for (route, response) in routes {
        Mock::given(method("HEAD"))
            .and(path(route))
            .respond_with(response.clone())
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    let gate = media(store(Cleanup::AfterPublish));
    let ana = account("ana");
    let url = |p: &str| format!("{}{p}", server.uri());
    gate.preflight(&ana, &attachment(MediaKind::Image, &url("/ok.png")))
        .await
        .unwrap();
    for (route, rule, permanence) in [
        ("/gone.png", "url.status", Permanence::Permanent),
        ("/busy.png", "url.status", Permanence::Transient),
        ("/slow.png", "url.status", Permanence::Transient),
        ("/page.png", "url.content_type", Permanence::Permanent),
        ("/huge.png", "url.content_length", Permanence::Permanent),
    ] {
        let r = refused(&gate, &ana, &attachment(MediaKind::Image, &url(route))).await;
        assert_eq!(
            (r.rule.as_str(), r.permanence),
            (rule, permanence),
            "{route}: {r}"
        );
    }
    let r = refused(
        &gate,
        &ana,
        &attachment(MediaKind::Image, &url("/gone.png")),
    )
    .await;
    assert_eq!(
        r.to_string(),
        "url.status: measured HTTP 404, allowed a 2xx status (200, or 206 for a ranged GET)"
    );

    // Nothing listens: transient.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let r = refused(
        &gate,
        &ana,
        &attachment(MediaKind::Image, &format!("http://{closed}/a.png")),
    )
    .await;
    assert_eq!(r.rule, "url.reachable");
    assert_eq!(r.permanence, Permanence::Transient);
    assert!(std::error::Error::source(&r).is_some());
}

#[tokio::test]
async fn objects_of_another_account_or_gone_are_judged_by_their_url() {
    let server = media_route().await;
    let gate = media(store_at(
        &format!("{}/m/", server.uri()),
        Cleanup::AfterPublish,
    ));
    let (ana, bo) = (account("ana"), account("bo"));
    // A tall image is refused by its stored copy for its owner...
    let theirs = gate.put(bo.id, png(320, 3300)).await.unwrap();
    let item = PipelineMedia::attachment(&theirs, None);
    let r = refused(&gate, &bo, &item).await;
    assert_eq!(r.rule, "image.aspect_ratio");
    // ...while for another account the URL is foreign: only probed, and
    // the route answers 200 image/png.
    gate.preflight(&ana, &item).await.unwrap();
    assert_eq!(requests_for(&server, &theirs.key).await, ["HEAD"]);
    // Publishing ana's post does not delete bo's object.
    assert_eq!(
        gate.after_publish(&ana, &item).await.unwrap(),
        MediaCleanup::NotStored
    );
    gate.store().stat(&theirs.key).await.unwrap();

    // An object that is gone from the store: what its URL answers decides.
    let gone = gate.put(bo.id, png(320, 3300)).await.unwrap();
    gate.store().delete(&gone.key).await.unwrap();
    gate.preflight(&bo, &PipelineMedia::attachment(&gone, None))
        .await
        .unwrap();
    assert_eq!(requests_for(&server, &gone.key).await, ["HEAD"]);
}

#[tokio::test]
async fn cleanup_follows_the_policy() {
    let ana = account("ana");
    let deleting = media(store(Cleanup::AfterPublish));
    let stored = deleting.put(ana.id, png(640, 480)).await.unwrap();
    let item = PipelineMedia::attachment(&stored, None);
    assert_eq!(
        deleting.after_publish(&ana, &item).await.unwrap(),
        MediaCleanup::Deleted
    );
    assert!(deleting.store().stat(&stored.key).await.is_err());
    // Again (a run that died before it recorded the post): still fine.
    assert_eq!(
        deleting.after_publish(&ana, &item).await.unwrap(),
        MediaCleanup::Deleted
    );

    let keeping = media(store(Cleanup::Keep));
    let stored = keeping.put(ana.id, png(640, 480)).await.unwrap();
    let item = PipelineMedia::attachment(&stored, None);
    assert_eq!(
        keeping.after_publish(&ana, &item).await.unwrap(),
        MediaCleanup::Kept
    );
    keeping.store().stat(&stored.key).await.unwrap();

    let foreign = attachment(MediaKind::Image, "https://cdn.elsewhere.example/a.png");
    assert_eq!(
        keeping.after_publish(&ana, &foreign).await.unwrap(),
        MediaCleanup::NotStored
    );
}

#[tokio::test]
async fn account_deletion_removes_only_that_accounts_objects() {
    let gate = media(store(Cleanup::Keep));
    let (ana, bo) = (account("ana"), account("bo"));
    let mut anas = Vec::new();
    for _ in 0..3 {
        anas.push(gate.put(ana.id, png(400, 400)).await.unwrap());
    }
    let bos = gate.put(bo.id, png(400, 400)).await.unwrap();
    assert_eq!(gate.delete_account(&ana).await.unwrap(), 3);
    for stored in &anas {
        assert!(gate.store().stat(&stored.key).await.is_err());
    }
    gate.store().stat(&bos.key).await.unwrap();
    assert_eq!(gate.delete_account(&ana).await.unwrap(), 0, "idempotent");
}
