//! `threads --api threads connect`: the consent URL is printed, the command
//! listens on the redirect URI and finishes when the browser arrives. The
//! "real" API here is an emulator this test runs, reached through
//! `THREADS_GRAPH_URL` and `THREADS_AUTHORIZE_URL`; the test plays the
//! browser.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use predicates::prelude::*;
use secrecy::ExposeSecret;
use threads_emulator::{AppSpec, Emulator, SystemClock, UserSpec};

/// A port nothing listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_prints_the_url_and_finishes_when_the_browser_comes_back() {
    let emulator = Emulator::builder()
        .seed(11)
        .clock(SystemClock)
        .start()
        .await
        .expect("emulator");
    let admin = emulator.admin();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let app = admin
        .create_app(AppSpec {
            redirect_uris: vec![redirect.clone()],
            ..AppSpec::default()
        })
        .expect("app");
    let user = admin
        .create_user(UserSpec {
            username: "erin".into(),
            followers: 300,
            ..UserSpec::default()
        })
        .expect("user");
    admin.set_authorizer(&user.id).expect("authorizer");

    let data = tempfile::tempdir().expect("tempdir");
    let env = [
        (
            "THREADS_DATA_DIR",
            data.path().to_str().expect("path").to_owned(),
        ),
        ("THREADS_API", "threads".to_owned()),
        ("THREADS_APP_ID", app.id.clone()),
        ("THREADS_APP_SECRET", app.secret.expose_secret().to_owned()),
        ("THREADS_REDIRECT_URI", redirect.clone()),
        ("THREADS_GRAPH_URL", emulator.base_url().to_owned()),
        ("THREADS_AUTHORIZE_URL", emulator.base_url().to_owned()),
    ];
    let mut child = Command::new(common::binary())
        .args(["connect", "--no-open", "--timeout", "60"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("THREADS_SEALING_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("threads connect starts");

    // Read what the command tells the person, line by line.
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut consent_url = None;
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the command said only {seen:?}"));
        if let Some(url) = line.trim().strip_prefix("http") {
            consent_url = Some(format!("http{url}"));
        }
        let listening = line.starts_with("Waiting for the browser on ");
        seen.push(line);
        if listening {
            break;
        }
    }
    let consent_url = consent_url.unwrap_or_else(|| panic!("no URL in {seen:?}"));
    assert!(seen[0].contains("Open this address to consent"), "{seen:?}");
    assert!(
        consent_url.contains(&format!("client_id={}", app.id)),
        "{consent_url}"
    );
    assert!(consent_url.contains("state="), "{consent_url}");

    // The browser: consent, then follow the redirect to the command.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let consent = browser
        .get(&consent_url)
        .send()
        .await
        .expect("consent page");
    let back = consent
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a redirect back")
        .to_owned();
    assert!(back.starts_with(&redirect), "{back}");
    let page = browser
        .get(&back)
        .send()
        .await
        .expect("the command answers");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("you can close this tab")
    );

    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("the command ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {seen:?}");
    assert!(stdout.starts_with("Connected @erin ("), "{stdout}");

    // The next command, on the same API, sees the account.
    let mut accounts = common::bare();
    accounts.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    accounts
        .arg("accounts")
        .assert()
        .success()
        .stdout(predicate::str::contains("@erin"));
    emulator.shutdown().await;
}

#[test]
fn connect_gives_up_when_no_browser_comes() {
    let data = tempfile::tempdir().expect("tempdir");
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    common::bare()
        .env("THREADS_DATA_DIR", data.path())
        .env("THREADS_APP_ID", "1234")
        .env("THREADS_APP_SECRET", "not-a-real-secret")
        .env("THREADS_REDIRECT_URI", &redirect)
        .args(["--api", "threads", "connect", "--no-open", "--timeout", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Open this address to consent"))
        .stderr(predicate::str::contains(
            "https://threads.net/oauth/authorize?",
        ))
        .stderr(predicate::str::contains("client_id=1234"))
        .stderr(predicate::str::contains("no callback arrived within 1 s"))
        .stderr(predicate::str::contains("raise --timeout"))
        .stderr(predicate::str::contains("not-a-real-secret").not());
}
