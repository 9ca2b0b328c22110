//! The admin API over HTTP (what the binary exposes), and secret redaction of admin types.

mod common;

use common::read;
use secrecy::SecretString;
use serde_json::{Value, json};
use threads_emulator::{AppInfo, Emulator, MintedToken};

async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let res = http
        .request(
            method.parse().expect("method"),
            format!("{base}/__admin{path}"),
        )
        .json(&body)
        .send()
        .await
        .expect("request");
    read(res).await
}

#[tokio::test]
async fn admin_over_http() {
    let emu = Emulator::builder().start().await.expect("start");
    let base = emu.base_url().to_owned();
    let http = reqwest::Client::new();
    let (s, app) = call(
        &http,
        &base,
        "POST",
        "/apps",
        json!({"name": "Http App", "redirect_uris": ["https://a.example/cb"]}),
    )
    .await;
    assert_eq!(s, 200, "{app}");
    let app_id = app["id"].as_str().expect("id").to_owned();
    assert!(app["secret"].as_str().expect("secret").len() >= 16);
    let (s, user) = call(
        &http,
        &base,
        "POST",
        "/users",
        json!({"username": "dora", "followers": 300}),
    )
    .await;
    assert_eq!(s, 200);
    let user_id = user["id"].as_str().expect("id").to_owned();
    let (s, _) = call(&http, &base, "POST", "/users", json!({"username": "dora"})).await;
    assert_eq!(s, 400, "duplicate username");
    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/users",
        json!({"username": "bad name!"}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, tok) = call(
        &http,
        &base,
        "POST",
        "/tokens",
        json!({"app_id": app_id, "user_id": "dora", "long_lived": true}),
    )
    .await;
    assert_eq!(s, 200, "{tok}");
    let token = tok["access_token"].as_str().expect("token").to_owned();
    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/tokens",
        json!({"app_id": app_id, "user_id": "dora", "scopes": ["threads_everything"]}),
    )
    .await;
    assert_eq!(s, 400);

    let (_, clock) = call(&http, &base, "GET", "/clock", Value::Null).await;
    let start = clock["now"].as_i64().expect("now");
    assert_eq!(clock["timestamp"], "2026-01-01T00:00:00+0000");
    let (_, c) = call(
        &http,
        &base,
        "POST",
        "/clock/advance",
        json!({"seconds": 90}),
    )
    .await;
    assert_eq!(c["now"].as_i64(), Some(start + 90));
    let (_, c) = call(
        &http,
        &base,
        "POST",
        "/clock/set",
        json!({"unix": start + 1_000}),
    )
    .await;
    assert_eq!(c["now"].as_i64(), Some(start + 1_000));

    let (s, p) = call(
        &http,
        &base,
        "POST",
        "/posts",
        json!({"author": user_id, "text": "from admin"}),
    )
    .await;
    assert_eq!(s, 200);
    let post_id = p["id"].as_str().expect("id").to_owned();
    let res = http
        .get(format!("{base}/v1.0/{post_id}"))
        .query(&[("fields", "text"), ("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    let (_, v) = read(res).await;
    assert_eq!(v["text"], "from admin");
    let (s, _) = call(&http, &base, "POST", "/posts", json!({"author": "ghost"})).await;
    assert_eq!(s, 400);

    let (s, _) = call(
        &http,
        &base,
        "PUT",
        "/faults",
        json!([{"endpoint": "get_object", "action": {"kind": "graph_error", "code": 2}}]),
    )
    .await;
    assert_eq!(s, 200);
    let res = http
        .get(format!("{base}/me"))
        .query(&[("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(
        res.status().as_u16(),
        200,
        "/me is get_profile, not get_object"
    );
    let res = http
        .get(format!("{base}/{post_id}"))
        .query(&[("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 500);
    let (s, _) = call(&http, &base, "POST", "/faults", json!({"endpoint": "publish", "probability": 0.5, "times": 3, "action": {"kind": "spurious_not_found"}})).await;
    assert_eq!(s, 200);
    let (s, _) = call(&http, &base, "POST", "/faults/seed", json!({"seed": 5})).await;
    assert_eq!(s, 200);
    let (s, _) = call(&http, &base, "DELETE", "/faults", Value::Null).await;
    assert_eq!(s, 200);
    let res = http
        .get(format!("{base}/{post_id}"))
        .query(&[("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);

    let res = http
        .post(format!("{base}/me/threads"))
        .form(&[
            ("media_type", "TEXT"),
            ("text", "ledgered"),
            ("access_token", token.as_str()),
        ])
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);
    let (_, l) = call(&http, &base, "GET", "/ledger", Value::Null).await;
    assert_eq!(l["data"][0]["operation"], "create_container");
    assert_eq!(l["data"][0]["text"], "ledgered");
    call(&http, &base, "DELETE", "/ledger", Value::Null).await;
    let (_, l) = call(&http, &base, "GET", "/ledger", Value::Null).await;
    assert_eq!(l["data"], json!([]));

    let (s, loc) = call(&http, &base, "POST", "/locations", json!({"name": "Test Spot", "city": "Testville", "country": "US", "latitude": 1.0, "longitude": 2.0})).await;
    assert_eq!(s, 200);
    assert!(loc["id"].is_string());
    let (s, _) = call(&http, &base, "PUT", "/config", json!({"delays": {"text_secs": 5, "image_secs": 1, "video_secs": 1, "carousel_secs": 0}, "republish": "duplicate"})).await;
    assert_eq!(s, 200);
    let res = http
        .post(format!("{base}/me/threads"))
        .form(&[
            ("media_type", "TEXT"),
            ("text", "slow"),
            ("access_token", token.as_str()),
        ])
        .send()
        .await
        .expect("req");
    let (_, v) = read(res).await;
    let cid = v["id"].as_str().expect("id").to_owned();
    let res = http
        .get(format!("{base}/{cid}"))
        .query(&[("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(read(res).await.1["status"], "IN_PROGRESS");

    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/authorizer",
        json!({"user_id": "dora", "app_id": app_id}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/deny_authorize",
        json!({"app_id": app_id, "deny": true}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = call(
        &http,
        &base,
        "POST",
        "/tokens/expire",
        json!({"token": token}),
    )
    .await;
    assert_eq!((s, v["success"].clone()), (200, json!(true)));
    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/webhooks/duplicates",
        json!({"next": 1}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, r) = call(&http, &base, "POST", "/webhooks/deliver", Value::Null).await;
    assert_eq!((s, r["attempted"].clone()), (200, json!(0)));
    let (s, d) = call(&http, &base, "GET", "/webhooks/deliveries", Value::Null).await;
    assert_eq!((s, d["data"].clone()), (200, json!([])));
    let (s, _) = call(&http, &base, "POST", "/webhooks/subscribe", json!({"app_id": app_id, "callback_url": "http://127.0.0.1:9/none", "verify_token": "x", "fields": ["publish"]})).await;
    assert_eq!(s, 400, "handshake cannot succeed");
    let (s, _) = call(
        &http,
        &base,
        "POST",
        "/callbacks/deauthorize",
        json!({"app_id": app_id, "user_id": user_id}),
    )
    .await;
    assert_eq!(s, 400, "no uninstall URL configured");
    let (s, _) = call(&http, &base, "POST", "/apps", json!("not an object")).await;
    assert_eq!(s, 400);
    let (s, _) = call(&http, &base, "GET", "/nope", Value::Null).await;
    assert_eq!(s, 404);

    let (s, _) = call(&http, &base, "POST", "/reset", Value::Null).await;
    assert_eq!(s, 200);
    let res = http
        .get(format!("{base}/me"))
        .query(&[("access_token", token.as_str())])
        .send()
        .await
        .expect("req");
    assert_eq!(
        read(res).await.1["error"]["code"],
        190,
        "reset forgets tokens"
    );
    let (_, clock) = call(&http, &base, "GET", "/clock", Value::Null).await;
    assert_eq!(
        clock["now"].as_i64(),
        Some(start),
        "reset rewinds the clock"
    );
    emu.shutdown().await;
}

#[test]
fn secrets_are_redacted_in_debug() {
    let app = AppInfo {
        id: "1".into(),
        secret: SecretString::from("super-secret-value"),
        name: "n".into(),
    };
    let token = MintedToken {
        access_token: SecretString::from("THsecret-token"),
        expires_at: 5,
    };
    let spec = threads_emulator::WebhookSpec {
        app_id: "1".into(),
        callback_url: "http://x".into(),
        verify_token: SecretString::from("verify-me"),
        fields: vec![],
        app_secret: Some(SecretString::from("rotated-secret")),
    };
    let dbg = format!("{app:?} {token:?} {spec:?}");
    assert!(!dbg.contains("super-secret-value"), "{dbg}");
    assert!(!dbg.contains("THsecret-token"), "{dbg}");
    assert!(!dbg.contains("verify-me"), "{dbg}");
    assert!(!dbg.contains("rotated-secret"), "{dbg}");
}
