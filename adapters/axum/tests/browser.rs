//! The approval page in a real headless Chromium, driven over WebDriver
//! (fantoccini + chromedriver): an edit over the text budget shows its
//! error (and the character counter turns red while typing), a draft is
//! approved and another rejected by clicking, and the store agrees. A
//! screenshot is saved to `target/artifacts/approval-page.png`.
//!
//! Needs `chromedriver` (env `CHROMEDRIVER`, or `/usr/bin/chromedriver`, or
//! on `PATH`) and Chromium (env `CHROME_BIN`, or `/usr/bin/chromium`, or
//! whatever chromedriver finds). Without chromedriver the test says it is
//! skipped and why, and passes; with `REQUIRE_BROWSER_TESTS=1` it fails.

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use common::{Harness, Setup, editor};
use fantoccini::{Client, ClientBuilder, Locator};
use store_traits::{DecisionKind, DraftState};

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn chromedriver() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let default = PathBuf::from("/usr/bin/chromedriver");
    if default.is_file() {
        return Some(default);
    }
    on_path("chromedriver")
}

fn chrome_binary() -> Option<PathBuf> {
    std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")))
        .filter(|p| p.is_file())
}

/// Where screenshots go: `<target dir>/artifacts`.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("artifacts")
}

/// A running chromedriver, killed when dropped.
struct Driver {
    _child: tokio::process::Child,
    url: String,
}

async fn start_driver(path: &PathBuf) -> Driver {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("addr").port()
    };
    let child = tokio::process::Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Driver {
                _child: child,
                url: format!("http://127.0.0.1:{port}"),
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

async fn browser(driver: &Driver) -> Client {
    let mut options = serde_json::json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1200,2400",
            "--lang=en-US",
        ],
    });
    if let Some(binary) = chrome_binary() {
        options["binary"] = serde_json::Value::from(binary.display().to_string());
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), "chrome".into());
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits (up to 10 s) until the element at `css` reads `expected`. After a
/// form is submitted the old page can still be in the browser for a moment
/// (with its own notice, or going stale mid-read), so this reads again until
/// the new page says it.
async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if text == expected {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never read {expected:?}; last read {last:?}");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn save_screenshot(client: &Client, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let dir = artifacts();
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("write screenshot");
    path
}

#[tokio::test]
async fn the_approval_page_works_in_a_real_browser() {
    let Some(driver_path) = chromedriver() else {
        let why = "chromedriver not found (set CHROMEDRIVER, or install it at /usr/bin/chromedriver or on PATH)";
        if std::env::var("REQUIRE_BROWSER_TESTS").is_ok_and(|v| v == "1") {
            panic!("REQUIRE_BROWSER_TESTS=1 but {why}");
        }
        // Written to stderr directly, past the test harness's capture, so
        // the skip shows in a normal `cargo test` run.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_approval_page_works_in_a_real_browser: {why}; set REQUIRE_BROWSER_TESTS=1 to make this a failure"
        );
        return;
    };

    // The host's login says the editor `ed` is signed in in the browser
    // (the harness's own requests say who they are in a header).
    let h = Harness::with(Setup {
        router: Box::new(|b| {
            b.actor_resolver(|parts: &http::request::Parts| {
                common::header_actor(parts).or_else(|| Some(editor()))
            })
        }),
        ..Setup::default()
    })
    .await;
    let p = h.populate().await;
    let driver = start_driver(&driver_path).await;
    let client = browser(&driver).await;
    let queue = h.url(&format!("/approval/{}", p.account));

    client.goto(&queue).await.expect("open the page");
    assert_eq!(client.title().await.expect("title"), "Review @ana");
    let flagged = p.flagged.id;

    // Edit the flagged draft past the budget: the counter turns red while
    // typing, and the server refuses the text with the problem next to it.
    click(&client, &format!("#edit-{flagged} summary")).await;
    let area = client
        .find(Locator::Css(&format!("#text-{flagged}")))
        .await
        .expect("textarea");
    area.clear().await.expect("clear");
    let long = format!("Flour delivery came early. {}", "b".repeat(474));
    assert_eq!(long.chars().count(), 501);
    area.send_keys(&long).await.expect("type");
    let counter = client
        .find(Locator::Css(&format!("#count-{flagged}")))
        .await
        .expect("counter");
    assert_eq!(counter.text().await.expect("text"), "501 / 500 characters");
    assert!(
        counter
            .attr("class")
            .await
            .expect("class")
            .is_some_and(|c| c.contains("over")),
        "the counter shows the text is over"
    );
    click(&client, &format!("#edit-{flagged} button[type=submit]")).await;
    let error = text_of(&client, &format!("#err-text-{flagged}")).await;
    assert!(error.contains("501 characters"), "{error}");
    assert!(error.contains("1 over the limit of 500"), "{error}");
    let kept = client
        .find(Locator::Css(&format!("#text-{flagged}")))
        .await
        .expect("textarea")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some(long.as_str()),
        "the text sent is kept in the form"
    );
    let shot = save_screenshot(&client, "approval-page.png").await;
    eprintln!("screenshot: {}", shot.display());

    // Approve the clean post.
    client.goto(&queue).await.expect("reload");
    click(&client, &format!("#approve-{}", p.pending.id)).await;
    wait_for_text(
        &client,
        "p.notice",
        "Approved. Schedule it when you are ready.",
    )
    .await;

    // Reject the reply with a reason.
    click(&client, &format!("#reject-{} summary", p.reply.id)).await;
    client
        .find(Locator::Css(&format!("#reason-{}", p.reply.id)))
        .await
        .expect("reason field")
        .send_keys("We answer flour questions in the FAQ post.")
        .await
        .expect("type");
    click(&client, &format!("#reject-{} button.reject", p.reply.id)).await;
    wait_for_text(
        &client,
        "p.notice",
        "Rejected. The reason is kept with the decision.",
    )
    .await;
    assert!(
        client
            .find_all(Locator::Css(&format!("#draft-{}", p.reply.id)))
            .await
            .expect("find")
            .is_empty(),
        "the rejected reply left the page"
    );
    let approved_section = text_of(&client, "#approved").await;
    assert!(approved_section.contains(common::PENDING_TEXT));
    save_screenshot(&client, "approval-page-decided.png").await;
    client.close().await.expect("close the session");

    // The store agrees with what the page said.
    let pending = h.pipeline.draft(p.pending.id).await.expect("draft");
    assert_eq!(pending.state, DraftState::Approved);
    let last = pending.decisions.last().expect("decision");
    assert_eq!(
        (last.kind, last.actor.as_str()),
        (DecisionKind::Approved, "user:ed")
    );
    let reply = h.pipeline.draft(p.reply.id).await.expect("draft");
    assert_eq!(reply.state, DraftState::Rejected);
    assert_eq!(
        reply.decisions.last().and_then(|d| d.reason.as_deref()),
        Some("We answer flour questions in the FAQ post.")
    );
    let flagged = h.pipeline.draft(flagged).await.expect("draft");
    assert_eq!(
        flagged.text,
        common::FLAGGED_TEXT,
        "the refused edit saved nothing"
    );
    assert_eq!(flagged.state, DraftState::PendingApproval);
    let scheduled = h.pipeline.draft(p.scheduled.id).await.expect("draft");
    assert_eq!(scheduled.state, DraftState::Scheduled);
}
