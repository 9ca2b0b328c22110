//! Media fetch (`MediaFetch::Fetch`): the emulator downloads image / video URLs from a tiny
//! local server and checks format, size, aspect ratio and duration against Meta's media
//! specifications (<https://developers.facebook.com/docs/threads/overview>).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use common::{env, env_with};
use serde_json::{Value, json};
use threads_emulator::{Emulator, MAX_IMAGE_BYTES, MediaFetch};

type Blobs = Arc<HashMap<String, Vec<u8>>>;

async fn serve_blob(
    State(blobs): State<Blobs>,
    Path(name): Path<String>,
) -> Result<Vec<u8>, StatusCode> {
    blobs.get(&name).cloned().ok_or(StatusCode::NOT_FOUND)
}

/// Starts a file server for `blobs`; returns its base URL.
async fn media_server(blobs: HashMap<String, Vec<u8>>) -> String {
    let app = Router::new()
        .route("/{name}", get(serve_blob))
        .with_state(Arc::new(blobs));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind media server");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked)
    b
}

fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    // APP0 / JFIF segment, skipped by its length.
    b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    b.extend_from_slice(b"JFIF\0");
    b.extend_from_slice(&[1, 1, 0, 0, 1, 0, 1, 0, 0]);
    // SOF0: length 17, precision 8, height, width, 3 components.
    b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = u32::try_from(8 + body.len())
        .expect("small test box")
        .to_be_bytes()
        .to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// An MP4 with `ftyp`, `moov/mvhd` (version 0) and `mdat`, in the given order.
fn mp4(timescale: u32, duration: u32, moov_first: bool) -> Vec<u8> {
    let mut ftyp = b"isom".to_vec();
    ftyp.extend_from_slice(&0x200u32.to_be_bytes());
    ftyp.extend_from_slice(b"isommp41");
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&timescale.to_be_bytes());
    mvhd[16..20].copy_from_slice(&duration.to_be_bytes());
    let moov = mp4_box(b"moov", &mp4_box(b"mvhd", &mvhd));
    let mdat = mp4_box(b"mdat", &[0u8; 32]);
    let mut b = mp4_box(b"ftyp", &ftyp);
    if moov_first {
        b.extend(moov);
        b.extend(mdat);
    } else {
        b.extend(mdat);
        b.extend(moov);
    }
    b
}

async fn container(e: &common::Env, media_type: &str, url: &str) -> Value {
    let key = if media_type == "VIDEO" {
        "video_url"
    } else {
        "image_url"
    };
    let (s, v) = e
        .post("/me/threads", &[("media_type", media_type), (key, url)])
        .await;
    assert_eq!(s, 200, "{v}");
    let id = v["id"].as_str().expect("container id").to_owned();
    e.admin().advance(600);
    let (s, v) = e
        .get(&format!("/{id}"), &[("fields", "id,status,error_message")])
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

fn assert_outcome(v: &Value, expected: Option<&str>, what: &str) {
    match expected {
        None => {
            assert_eq!(v["status"], "FINISHED", "{what}: {v}");
            assert!(v.get("error_message").is_none(), "{what}: {v}");
        }
        Some(msg) => {
            assert_eq!(v["status"], "ERROR", "{what}: {v}");
            assert_eq!(v["error_message"], msg, "{what}: {v}");
        }
    }
}

fn blobs() -> HashMap<String, Vec<u8>> {
    let mut oversized = png(1080, 1080);
    let pad = usize::try_from(MAX_IMAGE_BYTES).expect("fits") + 1 - oversized.len();
    oversized.extend(std::iter::repeat_n(0u8, pad));
    HashMap::from([
        ("portrait.png".to_owned(), png(1080, 1350)),
        ("ten_to_one.png".to_owned(), png(1000, 100)),
        ("wide.png".to_owned(), png(2000, 100)),
        ("square.jpg".to_owned(), jpeg(1080, 1080)),
        ("tall.jpg".to_owned(), jpeg(10, 110)),
        ("anim.gif".to_owned(), b"GIF89a\x01\x00\x01\x00".to_vec()),
        ("huge.png".to_owned(), oversized),
        ("ok.mp4".to_owned(), mp4(1000, 30_000, true)),
        ("five_min.mp4".to_owned(), mp4(600, 300 * 600, true)),
        ("too_long.mp4".to_owned(), mp4(1000, 300_001, true)),
        ("zero.mp4".to_owned(), mp4(1000, 0, true)),
        ("mdat_first.mp4".to_owned(), mp4(1000, 30_000, false)),
        (
            "no_ftyp.mp4".to_owned(),
            mp4(1000, 30_000, true)[24..].to_vec(),
        ),
        ("image.mp4".to_owned(), png(1080, 1920)),
    ])
}

#[tokio::test]
async fn image_checks() {
    let base = media_server(blobs()).await;
    let e = env_with(Emulator::builder().seed(1).media_fetch(MediaFetch::Fetch)).await;
    let cases: &[(&str, Option<&str>)] = &[
        ("portrait.png", None),
        ("ten_to_one.png", None),
        ("square.jpg", None),
        ("wide.png", Some("INVALID_ASPEC_RATIO")),
        ("tall.jpg", Some("INVALID_ASPEC_RATIO")),
        ("anim.gif", Some("UNKNOWN")),
        ("huge.png", Some("UNKNOWN")),
        ("missing.png", Some("UNKNOWN")),
    ];
    for (name, expected) in cases {
        let v = container(&e, "IMAGE", &format!("{base}/{name}")).await;
        assert_outcome(&v, *expected, name);
    }
}

#[tokio::test]
async fn video_checks() {
    let base = media_server(blobs()).await;
    let e = env_with(Emulator::builder().seed(1).media_fetch(MediaFetch::Fetch)).await;
    let cases: &[(&str, Option<&str>)] = &[
        ("ok.mp4", None),
        ("five_min.mp4", None),
        ("too_long.mp4", Some("INVALID_DURATION")),
        ("zero.mp4", Some("INVALID_DURATION")),
        ("mdat_first.mp4", Some("UNKNOWN")),
        ("no_ftyp.mp4", Some("UNKNOWN")),
        ("image.mp4", Some("UNKNOWN")),
        ("missing.mp4", Some("FAILED_DOWNLOADING_VIDEO")),
    ];
    for (name, expected) in cases {
        let v = container(&e, "VIDEO", &format!("{base}/{name}")).await;
        assert_outcome(&v, *expected, name);
    }
    // A host that refuses connections.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead = format!("http://{}/v.mp4", closed.local_addr().expect("addr"));
    drop(closed);
    let v = container(&e, "VIDEO", &dead).await;
    assert_outcome(&v, Some("FAILED_DOWNLOADING_VIDEO"), "refused");
}

#[tokio::test]
async fn fetch_is_off_by_default_and_toggles_over_admin_http() {
    let base = media_server(blobs()).await;
    let e = env().await;
    let bad = format!("{base}/wide.png");
    assert_outcome(&container(&e, "IMAGE", &bad).await, None, "off by default");

    let http = reqwest::Client::new();
    let set = |mode: &'static str| {
        http.put(e.url("/__admin/config"))
            .json(&json!({"media_fetch": mode}))
            .send()
    };
    assert_eq!(set("fetch").await.expect("admin").status().as_u16(), 200);
    assert_outcome(
        &container(&e, "IMAGE", &bad).await,
        Some("INVALID_ASPEC_RATIO"),
        "fetch on",
    );
    assert_eq!(set("off").await.expect("admin").status().as_u16(), 200);
    assert_outcome(&container(&e, "IMAGE", &bad).await, None, "off again");

    e.admin().set_media_fetch(MediaFetch::Fetch);
    assert_outcome(
        &container(&e, "IMAGE", &bad).await,
        Some("INVALID_ASPEC_RATIO"),
        "admin handle",
    );
}
