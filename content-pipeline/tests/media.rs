//! Media on its way to a post: every attachment checked before a container
//! is created, cleaned up once the post is live, deleted with its account.
//!
//! The media lives in a local-directory `threads_media::MediaStore` served
//! over HTTP by a small router in this file (as a host's router serves it),
//! next to a few "foreign" URLs whose answers the tests control. The
//! emulator fetches every image and video URL when a container is created
//! (`MediaFetch::Fetch`) and checks the bytes itself, like Meta.
//!
//! The fixtures are written byte by byte here: a decodable grayscale PNG, a
//! PNG that is only a header (enough for header-only checks, which is all
//! it meets before it is refused), and an MP4 whose `mdat` comes before its
//! `moov`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{
    Actor, BoxError, Error, MediaCleanup, MediaLifecycle, MediaRejection, NewDraft, Pipeline,
    Probe, Role, Step, When, Worker, WorkerConfig,
};
use store_traits::{
    Account, AccountId, AuditQuery, Clock, DeletionStatus, DraftId, DraftMedia, DraftState,
    MediaKind,
};
use threads_emulator::{MediaFetch, Operation};
use threads_media::{Cleanup, MediaKey, MediaStore, MediaStoreBuilder, PipelineMedia, StoredMedia};
use tokio::sync::Notify;

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

fn owner() -> Actor {
    Actor::person("olga", Role::Owner)
}

// ------------------------------------------------------------ fixtures

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("small chunk");
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn png_ihdr(out: &mut Vec<u8>, width: u32, height: u32) {
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, no interlace
    png_chunk(out, b"IHDR", &ihdr);
}

/// A decodable 8-bit grayscale PNG (diagonal stripes), its pixels in
/// uncompressed ("stored") deflate blocks.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // row filter: none
        raw.extend((0..width).map(|x| if (x + y) % 16 < 8 { 40 } else { 220 }));
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("block size");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = Vec::new();
    png_ihdr(&mut out, width, height);
    png_chunk(&mut out, b"IDAT", &zlib);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG signature and header claiming `width` × `height`, then the end:
/// what a header-only check reads, and nothing a decoder could use.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    png_ihdr(&mut out, width, height);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len() + 8)
        .expect("small box")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// `ftyp`, then the samples (`mdat`), then the index (`moov`): a file Meta
/// can only play after downloading all of it.
fn mp4_moov_last() -> Vec<u8> {
    let mut out = mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");
    out.extend(mp4_box(b"mdat", &[0; 256]));
    out.extend(mp4_box(b"moov", &mp4_box(b"free", &[0; 16])));
    out
}

// ---------------------------------------------------------- media server

/// What the routes answer, and what they were asked.
#[derive(Clone)]
struct Served {
    store: MediaStore,
    flaky_healthy: Arc<AtomicBool>,
    flaky_png: Arc<Vec<u8>>,
    /// `GET` requests for stored media: downloads, by the emulator (Meta).
    fetches: Arc<AtomicUsize>,
    /// `HEAD` requests for stored media: the preflight's probe.
    probes: Arc<AtomicUsize>,
}

impl Served {
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn probes(&self) -> usize {
        self.probes.load(Ordering::SeqCst)
    }
}

async fn stored_file(State(s): State<Served>, method: Method, Path(key): Path<String>) -> Response {
    if method == Method::HEAD {
        s.probes.fetch_add(1, Ordering::SeqCst);
    } else {
        s.fetches.fetch_add(1, Ordering::SeqCst);
    }
    let Ok(key) = MediaKey::parse(&key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(file) = s.store.local_file(&key).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&file.path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, file.media_type.mime())], bytes).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn missing() -> StatusCode {
    StatusCode::NOT_FOUND
}

async fn flaky(State(s): State<Served>) -> Response {
    if !s.flaky_healthy.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    (
        [(header::CONTENT_TYPE, "image/png")],
        s.flaky_png.as_ref().clone(),
    )
        .into_response()
}

/// A local media host: the store's directory under `/media/`, plus
/// `/foreign/missing.png` (404) and `/foreign/flaky.png` (503 until made
/// healthy, then a PNG).
struct MediaHost {
    base: String,
    store: MediaStore,
    served: Served,
    _dir: tempfile::TempDir,
}

impl MediaHost {
    async fn start(cleanup: Cleanup) -> MediaHost {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let dir = tempfile::tempdir().expect("temp dir");
        let store = MediaStoreBuilder::local(dir.path(), format!("{base}/media/"))
            .cleanup(cleanup)
            .build()
            .expect("store");
        let served = Served {
            store: store.clone(),
            flaky_healthy: Arc::new(AtomicBool::new(false)),
            flaky_png: Arc::new(png(400, 300)),
            fetches: Arc::new(AtomicUsize::new(0)),
            probes: Arc::new(AtomicUsize::new(0)),
        };
        let app = axum::Router::new()
            .route("/media/{*key}", get(stored_file))
            .route("/foreign/missing.png", get(missing))
            .route("/foreign/flaky.png", get(flaky))
            .with_state(served.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MediaHost {
            base,
            store,
            served,
            _dir: dir,
        }
    }

    fn foreign(&self, name: &str) -> DraftMedia {
        DraftMedia {
            kind: MediaKind::Image,
            url: format!("{}/foreign/{name}", self.base),
            alt_text: None,
        }
    }
}

// ------------------------------------------------------------- the gate

/// `PipelineMedia`, counting its calls; its deletions can be made to fail,
/// and the process made to die once right after a cleanup.
#[derive(Debug)]
struct Counted {
    inner: PipelineMedia,
    preflights: AtomicUsize,
    cleanups: AtomicUsize,
    fail_deletion: AtomicBool,
    crash_after_cleanup: AtomicBool,
    /// Once set, the next preflight says it started (`entered`) and waits
    /// for `release`: a slow check.
    stall: AtomicBool,
    entered: Notify,
    release: Notify,
}

#[async_trait]
impl MediaLifecycle for Counted {
    async fn preflight(&self, account: &Account, media: &DraftMedia) -> Result<(), MediaRejection> {
        self.preflights.fetch_add(1, Ordering::SeqCst);
        if self.stall.swap(false, Ordering::SeqCst) {
            self.entered.notify_one();
            self.release.notified().await;
        }
        self.inner.preflight(account, media).await
    }

    async fn after_publish(
        &self,
        account: &Account,
        media: &DraftMedia,
    ) -> Result<MediaCleanup, BoxError> {
        self.cleanups.fetch_add(1, Ordering::SeqCst);
        let done = self.inner.after_publish(account, media).await;
        if self.crash_after_cleanup.swap(false, Ordering::SeqCst) {
            panic!("simulated crash after the cleanup, before the draft is marked published");
        }
        done
    }

    async fn delete_account(&self, account: &Account) -> Result<u64, BoxError> {
        if self.fail_deletion.load(Ordering::SeqCst) {
            return Err("the bucket is read-only today".into());
        }
        self.inner.delete_account(account).await
    }
}

/// The harness, a media host and a pipeline that uses it.
struct Setup {
    h: Harness,
    host: MediaHost,
    gate: Arc<Counted>,
    pipeline: Pipeline,
}

impl Setup {
    async fn new(cleanup: Cleanup) -> Setup {
        let h = Harness::new().await;
        h.emu.admin().set_media_fetch(MediaFetch::Fetch);
        let host = MediaHost::start(cleanup).await;
        let gate = Arc::new(Counted {
            inner: PipelineMedia::new(host.store.clone()).expect("prober"),
            preflights: AtomicUsize::new(0),
            cleanups: AtomicUsize::new(0),
            fail_deletion: AtomicBool::new(false),
            crash_after_cleanup: AtomicBool::new(false),
            stall: AtomicBool::new(false),
            entered: Notify::new(),
            release: Notify::new(),
        });
        let pipeline = Setup::pipeline(&h, &gate, None);
        Setup {
            h,
            host,
            gate,
            pipeline,
        }
    }

    /// A pipeline on the harness's store, clock, network and keys, with the
    /// media gate (and a probe).
    fn pipeline(h: &Harness, gate: &Arc<Counted>, probe: Option<Arc<dyn Probe>>) -> Pipeline {
        let builder = Pipeline::builder()
            .store(h.store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(h.threads.clone())
            .keyring(h.keyring.clone())
            .manual_clock(h.clock.clone())
            .config(h.config.clone())
            .media(gate.clone());
        match probe {
            Some(p) => builder.probe(p),
            None => builder,
        }
        .build()
        .expect("pipeline")
    }

    async fn put(&self, account: AccountId, bytes: Vec<u8>) -> StoredMedia {
        self.gate.inner.put(account, bytes).await.expect("put")
    }

    /// Creates, approves and schedules (now) a post with `media`.
    async fn scheduled(&self, account: AccountId, text: &str, media: Vec<DraftMedia>) -> DraftId {
        let drafted = self
            .pipeline
            .create_draft(NewDraft::post(account, text).media(media), &editor())
            .await
            .expect("draft");
        let id = drafted.draft.id;
        self.pipeline.approve(id, &editor()).await.expect("approve");
        self.pipeline
            .schedule(id, When::Now, &editor())
            .await
            .expect("schedule");
        id
    }

    async fn drain(&self) {
        let report = Worker::new(self.pipeline.clone(), WorkerConfig::named("media"))
            .drain()
            .await
            .expect("drain");
        assert_eq!(report.errors, 0, "{report:?}");
    }

    /// Container-creation calls the emulator received (children included).
    fn containers_created(&self) -> usize {
        self.h
            .emu
            .admin()
            .ledger()
            .into_iter()
            .filter(|e| e.operation == Operation::CreateContainer)
            .count()
    }

    async fn audited(&self, action: &str) -> Vec<store_traits::AuditEvent> {
        self.h
            .store
            .list_audit(&AuditQuery::default())
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }
}

fn attachment(stored: &StoredMedia) -> DraftMedia {
    PipelineMedia::attachment(stored, Some("a loaf on a board".into()))
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn a_valid_image_post_goes_out_and_meta_fetches_it() {
    let s = Setup::new(Cleanup::Keep).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let text = "Crumb shot, as promised.";
    let id = s
        .scheduled(account.id, text, vec![attachment(&stored)])
        .await;
    s.drain().await;

    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.h.publishes_of(text), 1);
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 1);
    assert_eq!(s.containers_created(), 1);
    // The preflight read the stored file and probed its URL without
    // downloading it; the emulator downloaded it once, like Meta.
    assert_eq!(s.host.served.probes(), 1);
    assert_eq!(s.host.served.fetches(), 1);
    assert!(s.audited("publish.media_rejected").await.is_empty());
}

#[tokio::test]
async fn media_that_breaks_a_rule_is_refused_before_any_container() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;

    // 9 MiB: a real PNG whose file is then extended (sparse) on disk.
    let big = s.put(account.id, png(400, 300)).await;
    let file = s.host.store.local_file(&big.key).await.expect("file");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file.path)
        .and_then(|f| f.set_len(9 * 1024 * 1024))
        .expect("grow the file");
    let tall = s.put(account.id, png_header_only(320, 3300)).await;
    let video = s.put(account.id, mp4_moov_last()).await;
    assert_eq!(attachment(&video).kind, MediaKind::Video);

    let cases = [
        (
            "A very detailed photo.",
            &big,
            "image.file_size",
            "9437184 bytes",
        ),
        ("A very tall photo.", &tall, "image.aspect_ratio", "10.31:1"),
        (
            "A clip that will not stream.",
            &video,
            "video.fast_start",
            "`mdat` at byte",
        ),
    ];
    let mut ids = Vec::new();
    for (text, stored, _, _) in &cases {
        ids.push(
            s.scheduled(account.id, text, vec![attachment(stored)])
                .await,
        );
    }
    s.drain().await;

    assert_eq!(s.containers_created(), 0, "no container call at all");
    assert!(s.h.publishes().is_empty());
    // The stored files were refused before their URLs were even probed,
    // and Meta fetched nothing.
    assert_eq!(s.host.served.probes(), 0);
    assert_eq!(s.host.served.fetches(), 0);
    for (id, (text, stored, rule, measured)) in ids.iter().zip(&cases) {
        let draft = s.pipeline.draft(*id).await.expect("draft");
        assert_eq!(draft.state, DraftState::Failed, "{text}");
        assert!(draft.provider.container_id.is_none());
        let error = draft.last_error.unwrap_or_default();
        assert!(error.contains(rule), "{text}: {error}");
        assert!(error.contains(measured), "{text}: {error}");
        assert!(error.contains("allowed"), "{text}: {error}");
        // The object stays: nothing was published, and the host may fix
        // the draft or the file.
        s.host.store.stat(&stored.key).await.expect("kept");
    }
    let events = s.audited("publish.media_rejected").await;
    let mut rules: Vec<&str> = events
        .iter()
        .filter_map(|e| e.details.get("rule").map(String::as_str))
        .collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        ["image.aspect_ratio", "image.file_size", "video.fast_start"]
    );
    assert!(
        events
            .iter()
            .all(|e| e.details.get("permanent").map(String::as_str) == Some("true"))
    );
}

#[tokio::test]
async fn a_url_that_404s_fails_the_draft_clearly() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let id = s
        .scheduled(
            account.id,
            "Linked from elsewhere.",
            vec![s.host.foreign("missing.png")],
        )
        .await;
    s.drain().await;

    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Failed);
    let error = draft.last_error.unwrap_or_default();
    assert!(error.contains("url.status"), "{error}");
    assert!(error.contains("HTTP 404"), "{error}");
    assert!(
        error.contains("/foreign/missing.png"),
        "names the URL: {error}"
    );
    assert_eq!(s.containers_created(), 0);
    // Tried once: a 404 is not retried.
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_url_that_503s_is_retried_and_published_once_it_answers() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let text = "From a CDN having a bad morning.";
    let id = s
        .scheduled(account.id, text, vec![s.host.foreign("flaky.png")])
        .await;
    s.drain().await;

    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Scheduled, "still waiting");
    // The draft says why it has not gone out.
    let note = draft.last_error.unwrap_or_default();
    assert!(
        note.contains("url.status") && note.contains("HTTP 503") && note.contains("retrying"),
        "{note}"
    );
    assert_eq!(s.containers_created(), 0);
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 1);
    assert!(s.audited("publish.media_rejected").await.is_empty());
    // Still down a while later: retried, still no container.
    s.h.advance(TimeDelta::minutes(2));
    s.drain().await;
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 2);
    assert_eq!(s.containers_created(), 0);

    s.host.served.flaky_healthy.store(true, Ordering::SeqCst);
    s.h.advance(TimeDelta::minutes(5));
    s.drain().await;
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(draft.last_error, None, "the note is gone once it is live");
    assert_eq!(s.h.publishes_of(text), 1);
    assert_eq!(s.containers_created(), 1);
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 3);
    // A foreign URL is not ours to clean up.
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(cleaned.len(), 1);
    assert_eq!(
        cleaned[0].details.get("not_stored").map(String::as_str),
        Some("1")
    );

    // Nothing more happens later.
    s.h.advance(TimeDelta::hours(1));
    s.drain().await;
    assert_eq!(s.h.publishes_of(text), 1);
}

#[tokio::test]
async fn a_url_that_never_answers_fails_at_the_deadline() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let id = s
        .scheduled(
            account.id,
            "Hosted on a server that is gone.",
            vec![s.host.foreign("flaky.png")],
        )
        .await;
    let deadline = s.h.config.publish.deadline;
    let mut waited = TimeDelta::zero();
    while waited <= deadline + TimeDelta::hours(1) {
        s.drain().await;
        s.h.advance(TimeDelta::minutes(20));
        waited += TimeDelta::minutes(20);
    }
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Failed);
    let error = draft.last_error.unwrap_or_default();
    assert!(
        error.contains("HTTP 503") && error.contains("still failing"),
        "{error}"
    );
    assert_eq!(s.containers_created(), 0);
    let tries = s.gate.preflights.load(Ordering::SeqCst);
    assert!(
        (2..=40).contains(&tries),
        "bounded retries, with backoff: {tries}"
    );
    let events = s.audited("publish.media_rejected").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].details.get("permanent").map(String::as_str),
        Some("false")
    );
}

#[tokio::test]
async fn cleanup_deletes_the_object_when_configured() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let text = "Gone from our bucket once it is live.";
    let id = s
        .scheduled(account.id, text, vec![attachment(&stored)])
        .await;
    s.drain().await;

    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.host.served.fetches(), 1, "fetched before");
    assert!(
        s.host.store.stat(&stored.key).await.is_err(),
        "deleted after"
    );
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(cleaned.len(), 1);
    assert_eq!(
        cleaned[0].details.get("deleted").map(String::as_str),
        Some("1")
    );
    assert_eq!(s.gate.cleanups.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn media_another_post_still_needs_is_kept_until_that_post_is_live() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let today = s
        .scheduled(account.id, "Today's loaf.", vec![attachment(&stored)])
        .await;
    // The same picture in a post due tomorrow (its URL differs only in the
    // query string, as two presigned URLs of one object do).
    let mut again = attachment(&stored);
    again.url.push_str("?copy=2");
    let drafted = s
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "The same loaf, a day later.").media(vec![again]),
            &editor(),
        )
        .await
        .expect("draft");
    let tomorrow = drafted.draft.id;
    s.pipeline
        .approve(tomorrow, &editor())
        .await
        .expect("approve");
    s.pipeline
        .schedule(
            tomorrow,
            When::At {
                at: s.h.clock.now() + TimeDelta::days(1),
            },
            &editor(),
        )
        .await
        .expect("schedule");

    s.drain().await;
    let draft = s.pipeline.draft(today).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    s.host
        .store
        .stat(&stored.key)
        .await
        .expect("kept for tomorrow's post");
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(cleaned.len(), 1);
    assert_eq!(
        cleaned[0].details.get("in_use").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        cleaned[0].details.get("deleted").map(String::as_str),
        Some("0")
    );

    s.h.advance(TimeDelta::days(1) + TimeDelta::minutes(1));
    s.drain().await;
    let draft = s.pipeline.draft(tomorrow).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.host.served.fetches(), 2, "Meta fetched it for each post");
    assert!(
        s.host.store.stat(&stored.key).await.is_err(),
        "deleted once the last post carrying it is live"
    );
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(cleaned.len(), 2);
    assert!(
        cleaned
            .iter()
            .any(|e| e.details.get("deleted").map(String::as_str) == Some("1"))
    );
}

#[tokio::test]
async fn a_run_that_dies_after_the_cleanup_cleans_up_again_and_publishes_once() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let text = "Live before the worker died.";
    let id = s
        .scheduled(account.id, text, vec![attachment(&stored)])
        .await;

    s.gate.crash_after_cleanup.store(true, Ordering::SeqCst);
    let report = Worker::new(s.pipeline.clone(), WorkerConfig::named("doomed"))
        .drain()
        .await
        .expect("drain");
    assert_eq!(report.errors, 1, "{report:?}");
    assert_eq!(s.h.publishes_of(text), 1);
    assert!(s.host.store.stat(&stored.key).await.is_err(), "deleted");
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_ne!(draft.state, DraftState::Published, "not derived yet");

    s.h.advance(WorkerConfig::default().lease + TimeDelta::seconds(1));
    for _ in 0..3 {
        s.drain().await;
        s.h.advance(TimeDelta::minutes(1));
    }
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.h.publishes_of(text), 1, "published once");
    assert_eq!(s.containers_created(), 1);
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 1);
    // The resumed run applied the cleanup again (the object was already
    // gone, which counts as deleted) and audited it once.
    assert_eq!(s.gate.cleanups.load(Ordering::SeqCst), 2);
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(cleaned.len(), 1);
    assert_eq!(
        cleaned[0].details.get("deleted").map(String::as_str),
        Some("1")
    );
}

#[tokio::test]
async fn cleanup_keeps_the_object_otherwise() {
    let s = Setup::new(Cleanup::Keep).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let id = s
        .scheduled(
            account.id,
            "Kept for the archive.",
            vec![attachment(&stored)],
        )
        .await;
    s.drain().await;

    assert_eq!(
        s.pipeline.draft(id).await.expect("draft").state,
        DraftState::Published
    );
    s.host.store.stat(&stored.key).await.expect("kept");
    let cleaned = s.audited("publish.media_cleaned_up").await;
    assert_eq!(
        cleaned[0].details.get("kept").map(String::as_str),
        Some("1")
    );
}

#[tokio::test]
async fn deleting_an_account_deletes_its_media_and_only_its_media() {
    let s = Setup::new(Cleanup::Keep).await;
    let ana = s.h.connect("ana").await.account;
    let bo = s.h.connect("bo").await.account;
    let mut anas = Vec::new();
    for _ in 0..2 {
        anas.push(s.put(ana.id, png(400, 300)).await);
    }
    let bos = s.put(bo.id, png(400, 300)).await;

    // A storage failure blocks completion: the request fails, the account's
    // records stay, and the call can be made again.
    s.gate.fail_deletion.store(true, Ordering::SeqCst);
    let err = s
        .pipeline
        .delete_account(ana.id, &owner())
        .await
        .expect_err("blocked");
    assert!(matches!(err, Error::Media { .. }), "{err}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(s.h.store.get_account(ana.id).await.expect("read").is_some());
    assert!(
        s.h.store.get_token(ana.id).await.expect("read").is_none(),
        "token first"
    );
    for stored in &anas {
        s.host.store.stat(&stored.key).await.expect("still there");
    }

    s.gate.fail_deletion.store(false, Ordering::SeqCst);
    let receipt = s
        .pipeline
        .delete_account(ana.id, &owner())
        .await
        .expect("delete");
    assert_eq!(receipt.status, DeletionStatus::Completed);
    assert_eq!(receipt.media_deleted, Some(2));
    for stored in &anas {
        assert!(s.host.store.stat(&stored.key).await.is_err(), "deleted");
    }
    s.host
        .store
        .stat(&bos.key)
        .await
        .expect("the other account's media stays");
    assert!(s.h.store.get_account(ana.id).await.expect("read").is_none());

    // Without a media side, the receipt says nothing was looked at.
    let receipt =
        s.h.pipeline
            .delete_account(bo.id, &owner())
            .await
            .expect("delete");
    assert_eq!(receipt.media_deleted, None);
    s.host
        .store
        .stat(&bos.key)
        .await
        .expect("not the pipeline's to delete");
}

/// Panics once, right after the container id is recorded.
#[derive(Debug, Default)]
struct CrashAfterContainer {
    fired: AtomicBool,
}

impl Probe for CrashAfterContainer {
    fn at(&self, step: Step, _subject: &str) {
        if step == Step::ContainerRecorded && !self.fired.swap(true, Ordering::SeqCst) {
            panic!("simulated crash after the container was recorded");
        }
    }
}

#[tokio::test]
async fn a_resumed_run_does_not_check_the_media_again() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let text = "Survives a crash mid-publish.";
    let id = s
        .scheduled(account.id, text, vec![attachment(&stored)])
        .await;

    let probe = Arc::new(CrashAfterContainer::default());
    let crashing = Setup::pipeline(&s.h, &s.gate, Some(probe.clone()));
    let report = Worker::new(crashing, WorkerConfig::named("crashy"))
        .drain()
        .await
        .expect("drain");
    assert!(probe.fired.load(Ordering::SeqCst));
    assert_eq!(report.errors, 1, "{report:?}");
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 1);
    assert_eq!(s.containers_created(), 1);

    // The dead run's lease ends; another worker resumes from the ledger.
    s.h.advance(WorkerConfig::default().lease + TimeDelta::seconds(1));
    for _ in 0..3 {
        s.drain().await;
        s.h.advance(TimeDelta::minutes(1));
    }
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.h.publishes_of(text), 1);
    assert_eq!(s.containers_created(), 1, "the recorded container was used");
    assert_eq!(
        s.gate.preflights.load(Ordering::SeqCst),
        1,
        "not checked again"
    );
    assert_eq!(s.host.served.probes(), 1, "its URL was not probed again");
    assert!(s.host.store.stat(&stored.key).await.is_err(), "cleaned up");
}

#[tokio::test]
async fn a_check_that_outlives_its_lease_creates_no_container() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    let stored = s.put(account.id, png(400, 300)).await;
    let text = "Checked slowly.";
    let id = s
        .scheduled(account.id, text, vec![attachment(&stored)])
        .await;

    // A worker claims the job and starts a check that takes long.
    let lease = TimeDelta::seconds(30);
    let claimed =
        s.h.store
            .claim(content_pipeline::queues::PUBLISH, "slow", 1, lease)
            .await
            .expect("claim");
    let [job] = claimed.as_slice() else {
        panic!("one publish job: {claimed:?}");
    };
    s.gate.stall.store(true, Ordering::SeqCst);
    let slow = {
        let (pipeline, job) = (s.pipeline.clone(), job.clone());
        tokio::spawn(async move { pipeline.process(&job, lease).await })
    };
    s.gate.entered.notified().await;
    // Meanwhile its lease runs out and another worker takes the job.
    s.h.advance(lease + TimeDelta::seconds(1));
    let stolen =
        s.h.store
            .claim(content_pipeline::queues::PUBLISH, "quick", 1, lease)
            .await
            .expect("claim");
    assert_eq!(stolen.len(), 1);
    s.gate.release.notify_one();
    let err = slow.await.expect("join").expect_err("lease lost");
    assert!(err.is_lease_lost(), "{err}");
    assert_eq!(
        s.containers_created(),
        0,
        "the slow run stopped before the container"
    );

    // The new owner's lease runs out in turn (it was only a claim here);
    // the next worker checks and publishes, with one container.
    s.h.advance(lease + TimeDelta::seconds(1));
    s.drain().await;
    let draft = s.pipeline.draft(id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{:?}", draft.last_error);
    assert_eq!(s.h.publishes_of(text), 1);
    assert_eq!(s.containers_created(), 1);
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn obvious_mistakes_fail_when_the_draft_is_created() {
    let s = Setup::new(Cleanup::AfterPublish).await;
    let account = s.h.connect("ana").await.account;
    for (url, kind, rule) in [
        ("ftp://cdn.example/a.png", MediaKind::Image, "url.scheme"),
        ("cdn.example/a.png", MediaKind::Image, "url.syntax"),
        (
            "https://cdn.example/clip.mp4",
            MediaKind::Image,
            "media.kind",
        ),
    ] {
        let media = DraftMedia {
            kind,
            url: url.into(),
            alt_text: None,
        };
        // Through the plain harness pipeline too: no media side is needed.
        for pipeline in [&s.pipeline, &s.h.pipeline] {
            let err = pipeline
                .create_draft(
                    NewDraft::post(account.id, "A post.").media(vec![media.clone()]),
                    &editor(),
                )
                .await
                .expect_err("refused");
            let Error::MediaRejected {
                position, source, ..
            } = &err
            else {
                panic!("{url}: {err}");
            };
            assert_eq!((*position, source.rule.as_str()), (1, rule), "{url}: {err}");
            assert!(!err.is_retryable());
        }
    }
    let drafts =
        s.h.store
            .list_drafts(&store_traits::DraftFilter::account(account.id))
            .await
            .expect("list");
    assert!(drafts.is_empty(), "nothing stored");
    assert_eq!(s.gate.preflights.load(Ordering::SeqCst), 0);
}
