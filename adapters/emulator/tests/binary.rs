//! The `threads-emulator` binary: it starts, prints credentials with `--demo` and serves
//! them; its clock follows real time unless `--manual-clock` freezes it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running binary and the first lines it printed.
struct Running {
    _child: Child,
    lines: Vec<String>,
    http: reqwest::Client,
}

async fn spawn(args: &[&str], lines: usize) -> Running {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_threads-emulator"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let lines: Vec<String> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(lines)
            .map(|l| l.expect("line"))
            .collect()
    })
    .await
    .expect("read");
    Running {
        _child: child,
        lines,
        http: reqwest::Client::new(),
    }
}

impl Running {
    fn value(&self, prefix: &str) -> String {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {prefix} in {:?}", self.lines))
    }

    fn base(&self) -> String {
        self.value("threads-emulator listening on")
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base()))
            .query(query)
            .send()
            .await
            .expect("request");
        (res.status().as_u16(), res.json().await.expect("json"))
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base()))
            .json(&body)
            .send()
            .await
            .expect("request");
        (res.status().as_u16(), res.json().await.expect("json"))
    }

    async fn clock(&self) -> (i64, bool) {
        let (s, v) = self.get("/__admin/clock", &[]).await;
        assert_eq!(s, 200, "{v}");
        (
            v["now"].as_i64().expect("now"),
            v["manual"].as_bool().expect("manual"),
        )
    }
}

fn wall_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[tokio::test]
async fn demo_binary_serves_the_printed_token() {
    let emu = spawn(&["--demo", "--seed", "3"], 7).await;
    let token = emu.value("token:");
    assert!(emu.value("authorize page:").ends_with("/oauth/authorize"));
    assert!(
        emu.value("clock:").starts_with("real time"),
        "{:?}",
        emu.lines
    );
    let (s, v) = emu
        .get(
            "/v1.0/me",
            &[("fields", "username"), ("access_token", token.as_str())],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["username"], "demo_user");
    // A debug_token reader compares expiry with its own clock: the fresh token must not look
    // expired to it (it would, with a clock frozen at 2026-01-01).
    let (s, v) = emu
        .get(
            "/debug_token",
            &[
                ("input_token", token.as_str()),
                ("access_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["is_valid"], true, "{v}");
    let expires = v["data"]["expires_at"].as_i64().expect("expires_at");
    assert!(expires > wall_clock() + 59 * 86_400, "{v}");
}

#[tokio::test]
async fn the_default_clock_follows_real_time_and_the_admin_api_jumps_it() {
    let emu = spawn(&["--demo"], 7).await;
    let token = emu.value("token:");
    let (now, manual) = emu.clock().await;
    assert!(!manual);
    assert!((now - wall_clock()).abs() <= 2, "now {now}");
    // A client polling a container sees it finish without anyone moving the clock.
    let (s, v) = emu
        .send(
            reqwest::Method::PUT,
            "/__admin/config",
            json!({"delays": {"text_secs": 0, "image_secs": 2, "video_secs": 2, "carousel_secs": 0}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let res = emu
        .http
        .post(format!("{}/v1.0/me/threads", emu.base()))
        .form(&[
            ("media_type", "IMAGE"),
            ("image_url", "https://img.example/a.jpg"),
            ("access_token", token.as_str()),
        ])
        .send()
        .await
        .expect("create");
    let v: Value = res.json().await.expect("json");
    let container = v["id"].as_str().expect("container id").to_owned();
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let (s, v) = emu
            .get(
                &format!("/v1.0/{container}"),
                &[("fields", "status"), ("access_token", token.as_str())],
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let status = v["status"].as_str().unwrap_or_default().to_owned();
        let done = status == "FINISHED";
        statuses.push(status);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(statuses.first().map(String::as_str), Some("IN_PROGRESS"));
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("FINISHED"),
        "{statuses:?}"
    );
    // The admin API still jumps the clock: real time plus an offset.
    let (s, v) = emu
        .send(
            reqwest::Method::POST,
            "/__admin/clock/advance",
            json!({"seconds": 86_400}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (now, _) = emu.clock().await;
    assert!((now - wall_clock() - 86_400).abs() <= 2, "now {now}");
    let (s, _) = emu
        .send(
            reqwest::Method::POST,
            "/__admin/clock/set",
            json!({"unix": 2_000_000_000}),
        )
        .await;
    assert_eq!(s, 200);
    let (now, _) = emu.clock().await;
    assert!((now - 2_000_000_000).abs() <= 2, "now {now}");
}

#[tokio::test]
async fn manual_clock_is_one_flag_away() {
    let emu = spawn(&["--manual-clock", "--start-time", "1800000000"], 3).await;
    assert!(emu.value("clock:").starts_with("manual"), "{:?}", emu.lines);
    assert_eq!(emu.clock().await, (1_800_000_000, true));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(emu.clock().await, (1_800_000_000, true), "frozen");
    let (s, v) = emu
        .send(
            reqwest::Method::POST,
            "/__admin/clock/advance",
            json!({"seconds": 60}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(emu.clock().await, (1_800_000_060, true));

    let emu = spawn(&["--manual-clock"], 3).await;
    assert_eq!(emu.clock().await, (threads_emulator::DEFAULT_START, true));
}

#[tokio::test]
async fn a_start_time_without_manual_clock_runs_on_in_real_time() {
    let emu = spawn(&["--start-time", "1800000000"], 3).await;
    let (first, manual) = emu.clock().await;
    assert!(!manual);
    assert!((first - 1_800_000_000).abs() <= 2, "{first}");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (later, _) = emu.clock().await;
    assert!(later > first, "{first} then {later}");
}
