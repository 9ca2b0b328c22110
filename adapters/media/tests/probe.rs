//! The URL probe against local HTTP servers: wiremock for each server
//! behaviour, and a small file server over a local MediaStore for the
//! end-to-end path (store, serve, probe).

mod common;

use std::time::Duration;

use threads_media::{
    Error, Limits, Measure, MediaKey, MediaKind, MediaStore, MediaStoreBuilder, ProbeMethod,
    ProbeOptions, Prober, Rule, probe_url,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn prober(timeout: Duration) -> Prober {
    let mut options = ProbeOptions::default();
    options.timeout = timeout;
    Prober::new(&options).expect("test setup")
}

#[tokio::test]
async fn head_reports_status_type_and_length() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/a/1.jpg"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .insert_header("content-length", "123456"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = probe_url(&format!("{}/a/1.jpg", server.uri()))
        .await
        .unwrap();
    assert_eq!(report.method, ProbeMethod::Head);
    assert_eq!(report.status, 200);
    assert_eq!(report.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(report.content_length, Some(123_456));
    assert_eq!(report.redirects, 0);
    report.check(MediaKind::Image, &Limits::default()).unwrap();
    let err = report
        .check(MediaKind::Video, &Limits::default())
        .unwrap_err();
    assert_eq!(err.rule, Rule::UrlContentType);
}

#[tokio::test]
async fn refused_head_falls_back_to_a_one_byte_get() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("range", "bytes=0-0"))
        .respond_with(
            ResponseTemplate::new(206)
                .insert_header("content-type", "video/mp4")
                .insert_header("content-range", "bytes 0-0/52428800")
                .set_body_bytes(vec![0u8]),
        )
        .expect(1)
        .mount(&server)
        .await;
    let report = probe_url(&format!("{}/v.mp4?X-Amz-Signature=abc", server.uri()))
        .await
        .unwrap();
    assert_eq!(report.method, ProbeMethod::RangedGet);
    assert_eq!(report.status, 206);
    assert_eq!(report.content_length, Some(52_428_800));
    report.check(MediaKind::Video, &Limits::default()).unwrap();
    assert!(
        !format!("{report:?}").contains("abc"),
        "Debug hides the query"
    );
}

#[tokio::test]
async fn failures_name_their_rule() {
    let server = MockServer::start().await;
    Mock::given(path("/missing.png"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/page.png"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "text/html"))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/huge.png"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .insert_header("content-length", "9000000"),
        )
        .mount(&server)
        .await;
    let limits = Limits::default();
    let report = probe_url(&format!("{}/missing.png", server.uri()))
        .await
        .unwrap();
    assert_eq!(report.method, ProbeMethod::RangedGet);
    let err = report.check(MediaKind::Image, &limits).unwrap_err();
    assert_eq!(
        (err.rule, err.measured),
        (Rule::UrlStatus, Measure::Status(404))
    );

    let report = probe_url(&format!("{}/page.png", server.uri()))
        .await
        .unwrap();
    let err = report.check(MediaKind::Image, &limits).unwrap_err();
    assert_eq!(err.rule, Rule::UrlContentType);
    assert_eq!(err.measured, Measure::Text("text/html".into()));

    let report = probe_url(&format!("{}/huge.png", server.uri()))
        .await
        .unwrap();
    let err = report.check(MediaKind::Image, &limits).unwrap_err();
    assert_eq!(err.rule, Rule::UrlContentLength);
    assert_eq!(err.measured, Measure::Bytes(9_000_000));
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path("/old.jpg"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/new.jpg"))
        .mount(&server)
        .await;
    Mock::given(path("/new.jpg"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "image/jpeg"))
        .mount(&server)
        .await;
    Mock::given(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&server)
        .await;
    Mock::given(path("/ftp"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "ftp://x/y.jpg"))
        .mount(&server)
        .await;

    let report = probe_url(&format!("{}/old.jpg", server.uri()))
        .await
        .unwrap();
    assert_eq!(report.redirects, 1);
    assert_eq!(report.url.path(), "/new.jpg");
    assert_eq!(report.status, 200);

    let err = probe_url(&format!("{}/loop", server.uri()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { reason, .. } if reason.contains("more than 3")),
        "{err}"
    );
    let err = probe_url(&format!("{}/ftp", server.uri()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err}");
}

#[tokio::test]
async fn timeouts_and_bad_urls_are_errors_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let err = prober(Duration::from_millis(200))
        .probe(&format!("{}/slow.jpg?token=s3cr3t", server.uri()))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(err, Error::Probe { .. }), "{err}");
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(e) = source {
        chain.push_str(&format!(" / {e}"));
        source = e.source();
    }
    assert!(!chain.contains("s3cr3t"), "{chain}");

    assert!(matches!(
        probe_url("file:///etc/passwd").await,
        Err(Error::InvalidUrl { .. })
    ));
    assert!(matches!(
        probe_url("not a url").await,
        Err(Error::InvalidUrl { .. })
    ));
}

/// A minimal HTTP/1.1 server for a local MediaStore: what the router does
/// for the local backend (parse the key, `local_file`, send the file).
async fn serve(store: MediaStore, prefix: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let Ok(Some(request)) = lines.next_line().await else {
                    return;
                };
                while let Ok(Some(line)) = lines.next_line().await {
                    if line.is_empty() {
                        break;
                    }
                }
                let mut parts = request.split(' ');
                let verb = parts.next().unwrap_or("").to_owned();
                let target = parts.next().unwrap_or("");
                let file = match target
                    .strip_prefix(prefix)
                    .and_then(|k| MediaKey::parse(k).ok())
                {
                    Some(key) => store.local_file(&key).await.ok(),
                    None => None,
                };
                let response = match file {
                    Some(file) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            file.media_type.mime(),
                            file.size
                        );
                        let mut out = head.into_bytes();
                        if verb == "GET" {
                            out.extend(tokio::fs::read(&file.path).await.expect("test setup"));
                        }
                        out
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = write.write_all(&response).await;
            });
        }
    });
    format!("http://{addr}{prefix}")
}

#[tokio::test]
async fn stored_local_media_probes_clean_through_a_file_server() {
    let dir = tempfile::tempdir().unwrap();
    // Bind first to learn the URL, then build the store with it.
    let holder = MediaStoreBuilder::local(dir.path(), "http://127.0.0.1/")
        .build()
        .unwrap();
    let base = serve(holder, "/media/").await;
    let store = MediaStoreBuilder::local(dir.path(), &base).build().unwrap();

    let stored = store.put("acct", common::png(800, 800)).await.unwrap();
    let report = probe_url(stored.url.url.as_str()).await.unwrap();
    assert_eq!(report.method, ProbeMethod::Head);
    assert_eq!(report.content_type.as_deref(), Some("image/png"));
    assert_eq!(report.content_length, Some(stored.size));
    report.check(MediaKind::Image, store.limits()).unwrap();

    // Path traversal never reaches the file system.
    let report = probe_url(&format!("{base}../../etc/passwd")).await.unwrap();
    assert_eq!(report.status, 404);

    store.delete(&stored.key).await.unwrap();
    let report = probe_url(stored.url.url.as_str()).await.unwrap();
    assert_eq!(report.status, 404);
}
