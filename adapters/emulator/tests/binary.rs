//! The `threads-emulator` binary starts, prints credentials with `--demo`, and serves them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_binary_serves_the_printed_token() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_threads-emulator"))
            .args(["--port", "0", "--demo", "--seed", "3"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("binary starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let lines: Vec<String> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(6)
            .map(|l| l.expect("line"))
            .collect()
    })
    .await
    .expect("read");
    let value = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {prefix} in {lines:?}"))
    };
    let base = value("threads-emulator listening on");
    let token = value("token:");
    assert!(value("authorize page:").ends_with("/oauth/authorize"));
    let res = reqwest::Client::new()
        .get(format!("{base}/v1.0/me"))
        .query(&[("fields", "username"), ("access_token", token.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(v["username"], "demo_user");
}
