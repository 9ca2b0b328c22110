//! Webhook handshake, signed deliveries, retries, duplicates, and signed_request callbacks.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{code, env, subcode};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use threads_emulator::{
    AppSpec, CallbackKind, DeliveryMode, Emulator, PostAs, TokenSpec, WebhookSpec,
};

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<(String, String)>>,
    status: AtomicU16,
    arrived: tokio::sync::Notify,
}

async fn verify(Query(q): Query<HashMap<String, String>>) -> (StatusCode, String) {
    if q.get("hub.mode").map(String::as_str) == Some("subscribe")
        && q.get("hub.verify_token").map(String::as_str) == Some("vt")
    {
        (
            StatusCode::OK,
            q.get("hub.challenge").cloned().unwrap_or_default(),
        )
    } else {
        (StatusCode::FORBIDDEN, String::new())
    }
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    r.got
        .lock()
        .expect("lock")
        .push((sig, String::from_utf8_lossy(&body).into_owned()));
    r.arrived.notify_one();
    let s = StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK);
    let body = if String::from_utf8_lossy(&body).starts_with("signed_request=") {
        r#"{"url":"https://app.example/deletion?id=abc123","confirmation_code":"abc123"}"#
            .to_owned()
    } else {
        String::new()
    };
    (s, body)
}

async fn receiver() -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver {
        status: AtomicU16::new(200),
        ..Default::default()
    });
    let app = Router::new()
        .route("/hook", get(verify).post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), r)
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn spec(app: &str, url: &str, fields: &[&str]) -> WebhookSpec {
    WebhookSpec {
        app_id: app.to_owned(),
        callback_url: url.to_owned(),
        verify_token: SecretString::from("vt"),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        app_secret: None,
    }
}

#[tokio::test]
async fn handshake_signing_envelope_and_fields() {
    let e = env().await;
    let (url, rx) = receiver().await;
    let mut bad = spec(&e.app.id, &url, &["replies"]);
    bad.verify_token = SecretString::from("wrong");
    assert!(
        e.admin().subscribe_webhooks(bad).await.is_err(),
        "handshake must fail"
    );
    assert!(
        e.admin()
            .subscribe_webhooks(spec(&e.app.id, &url, &["nope"]))
            .await
            .is_err()
    );
    e.admin()
        .subscribe_webhooks(spec(
            &e.app.id,
            &url,
            &["replies", "mentions", "publish", "delete"],
        ))
        .await
        .expect("subscribed");

    let root = e.publish_text("hello hooks").await;
    e.user("bob", 10);
    let reply = e
        .admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("nice @alice".into()),
            reply_to: Some(root.clone()),
            ..Default::default()
        })
        .expect("reply");
    let (s, _) = e.delete(&format!("/{root}")).await;
    assert_eq!(s, 200);
    assert_eq!(e.admin().pending_webhooks(), 4);
    let report = e.admin().deliver_webhooks().await;
    assert_eq!(report.delivered, 4);
    assert_eq!(e.admin().pending_webhooks(), 0);

    let got = rx.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 4);
    let secret = e.app.secret.expose_secret().to_owned();
    let mut fields = Vec::new();
    for (sig, body) in &got {
        assert_eq!(
            sig,
            &format!("sha256={}", hmac_hex(&secret, body.as_bytes())),
            "signature over exact body"
        );
        let v: Value = serde_json::from_str(body).expect("json");
        assert_eq!(v["app_id"], e.app.id.as_str());
        assert!(v["time"].is_i64());
        assert!(v["subscription_id"].is_string());
        assert_eq!(v["has_uid_field"], false);
        fields.push((v["values"]["field"].as_str().expect("field").to_owned(), v));
    }
    let by = |f: &str| {
        fields
            .iter()
            .find(|(n, _)| n == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {f}"))
    };
    let publish = by("publish");
    assert_eq!(publish["topic"], "interaction");
    assert_eq!(publish["values"]["value"]["id"], root.as_str());
    assert_eq!(publish["values"]["value"]["media_type"], "TEXT_POST");
    let replies = by("replies");
    assert_eq!(replies["topic"], "moderate");
    assert_eq!(replies["target_id"], root.as_str());
    let rv = &replies["values"]["value"];
    assert_eq!(rv["id"], reply.as_str());
    assert_eq!(rv["username"], "bob");
    assert_eq!(rv["root_post"]["owner_id"], e.user.id.as_str());
    assert_eq!(rv["root_post"]["username"], "alice");
    assert_eq!(rv["replied_to"]["id"], root.as_str());
    let mention = by("mentions");
    assert_eq!(mention["target_id"], e.user.id.as_str());
    assert_eq!(mention["values"]["value"]["text"], "nice @alice");
    assert!(mention["values"]["value"].get("owner").is_none());
    let del = by("delete");
    assert_eq!(
        del["values"]["value"]["owner"]["owner_id"],
        e.user.id.as_str()
    );
    assert!(
        del["values"]["value"]["deleted_at"]
            .as_str()
            .expect("ts")
            .ends_with("+0000")
    );
    let records = e.admin().webhook_deliveries();
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|r| r.delivered && r.attempt == 1));
}

#[tokio::test]
async fn retries_back_off_on_the_virtual_clock_and_duplicates() {
    let e = env().await;
    let (url, rx) = receiver().await;
    e.admin()
        .subscribe_webhooks(spec(&e.app.id, &url, &["publish"]))
        .await
        .expect("sub");
    rx.status.store(500, Ordering::SeqCst);
    e.publish_text("retry me").await;
    let r = e.admin().deliver_webhooks().await;
    assert_eq!((r.attempted, r.retrying), (1, 1));
    // Retried immediately on the next pass, then after 60 virtual seconds.
    let r = e.admin().deliver_webhooks().await;
    assert_eq!(r.attempted, 1);
    let r = e.admin().deliver_webhooks().await;
    assert_eq!(r.attempted, 0, "not due yet");
    e.admin().advance(59);
    assert_eq!(e.admin().deliver_webhooks().await.attempted, 0);
    e.admin().advance(1);
    rx.status.store(200, Ordering::SeqCst);
    let r = e.admin().deliver_webhooks().await;
    assert_eq!((r.attempted, r.delivered), (1, 1));
    let recs = e.admin().webhook_deliveries();
    assert_eq!(
        recs.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(recs.iter().all(|r| r.event_id == recs[0].event_id));
    assert_eq!(rx.got.lock().expect("lock").len(), 3);

    // Given up after 36 h of failures.
    rx.status.store(503, Ordering::SeqCst);
    e.publish_text("doomed").await;
    let mut dropped = 0;
    for _ in 0..20 {
        let r = e.admin().deliver_webhooks().await;
        dropped += r.dropped;
        e.admin().advance(12 * 3_600);
    }
    assert_eq!(dropped, 1);
    assert_eq!(e.admin().pending_webhooks(), 0);

    // A subscription can sign with another secret (rotation tests).
    let mut rotated = spec(&e.app.id, &url, &["publish"]);
    rotated.app_secret = Some(SecretString::from("next-secret"));
    e.admin().subscribe_webhooks(rotated).await.expect("sub");
    rx.status.store(200, Ordering::SeqCst);
    rx.got.lock().expect("lock").clear();
    e.publish_text("rotated").await;
    e.admin().deliver_webhooks().await;
    let got = rx.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].0,
        format!("sha256={}", hmac_hex("next-secret", got[0].1.as_bytes()))
    );
    e.admin()
        .subscribe_webhooks(spec(&e.app.id, &url, &["publish"]))
        .await
        .expect("sub");

    // Duplicates on demand: the same body twice.
    rx.status.store(200, Ordering::SeqCst);
    rx.got.lock().expect("lock").clear();
    e.admin().duplicate_webhooks(1, 0.0);
    e.publish_text("twice").await;
    e.admin().deliver_webhooks().await;
    let got = rx.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], got[1]);
}

#[tokio::test]
async fn automatic_delivery_and_scope_and_privacy_rules() {
    let e = common::env_with(Emulator::builder().webhook_delivery(DeliveryMode::Automatic)).await;
    let (url, rx) = receiver().await;
    e.admin()
        .subscribe_webhooks(spec(&e.app.id, &url, &["replies", "delete"]))
        .await
        .expect("sub");
    // Without threads_delete the user's delete events are not sent; replies need read_replies.
    let limited = e.token_for(
        &e.user.id,
        Some(&["threads_basic", "threads_content_publish"]),
    );
    let id = e.publish_text_as(&limited, "limited", &[]).await;
    e.user("bob", 1);
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("r".into()),
            reply_to: Some(id.clone()),
            ..Default::default()
        })
        .expect("r");
    assert_eq!(e.admin().pending_webhooks(), 0);
    // Full scopes again: reply events flow automatically.
    let _full = e.token_for(&e.user.id, None);
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("r2".into()),
            reply_to: Some(id.clone()),
            ..Default::default()
        })
        .expect("r");
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.arrived.notified())
        .await
        .expect("automatic delivery arrives");
    assert_eq!(rx.got.lock().expect("lock").len(), 1);
    // Private account: no reply events.
    let shy = e
        .admin()
        .create_user(threads_emulator::UserSpec {
            username: "shy".into(),
            is_private: true,
            ..Default::default()
        })
        .expect("u");
    let st = e.token_for(&shy.id, None);
    let sp = e.publish_text_as(&st, "private", &[]).await;
    e.admin()
        .post_as(PostAs {
            author: "bob".into(),
            text: Some("r3".into()),
            reply_to: Some(sp),
            ..Default::default()
        })
        .expect("r");
    assert_eq!(e.admin().pending_webhooks(), 0);
}

#[tokio::test]
async fn deauthorize_and_data_deletion_callbacks() {
    let (url, rx) = receiver().await;
    let emu = Emulator::builder().start().await.expect("start");
    let admin = emu.admin();
    let app = admin
        .create_app(AppSpec {
            uninstall_url: Some(url.clone()),
            delete_url: Some(url.clone()),
            ..Default::default()
        })
        .expect("app");
    let user = admin
        .create_user(threads_emulator::UserSpec {
            username: "alice".into(),
            ..Default::default()
        })
        .expect("u");
    let token = admin
        .mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            ..Default::default()
        })
        .expect("t");
    let out = admin
        .fire_callback(CallbackKind::DataDeletion, &app.id, &user.id)
        .await
        .expect("fired");
    assert_eq!(out.status, 200);
    let body: Value = serde_json::from_str(&out.body).expect("json");
    assert_eq!(body["confirmation_code"], "abc123");

    let out = admin
        .fire_callback(CallbackKind::Deauthorize, &app.id, "alice")
        .await
        .expect("fired");
    assert_eq!(out.status, 200);
    let got = rx.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].1, format!("signed_request={}", out.signed_request));
    for (_, form) in &got {
        let sr = form.strip_prefix("signed_request=").expect("form field");
        let (sig, payload) = sr.split_once('.').expect("sig.payload");
        // Independent check: HMAC over the payload segment, base64url without padding.
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(app.secret.expose_secret().as_bytes())
                .expect("key");
        mac.update(payload.as_bytes());
        assert_eq!(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()), sig);
        let decoded: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
        assert_eq!(decoded["algorithm"], "HMAC-SHA256");
        assert_eq!(decoded["user_id"], user.id.as_str());
        assert!(decoded["issued_at"].is_i64());
    }
    // The deauthorized user's token is dead: 190 / 458.
    let res = reqwest::Client::new()
        .get(format!("{}/me", emu.base_url()))
        .query(&[("access_token", token.access_token.expose_secret())])
        .send()
        .await
        .expect("req");
    let (s, v) = common::read(res).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 190, Some(458)));
    emu.shutdown().await;
}
