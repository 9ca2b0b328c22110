//! What every route shares: health and readiness (on SQLite and
//! PostgreSQL, with replayed webhook deliveries recorded once on both),
//! request ids, the request timeout, the media route, and what the builder
//! refuses.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{APP_SECRET, Browser, Harness, Setup, VERIFY_TOKEN, secret, start};
use store_traits::{DynStore, ManualClock};
use threads_axum::{Error, Group, ThreadsRouter};
use threads_emulator::{Endpoint, FaultAction, FaultRule};
use token_crypto::KeyMaterial;
use token_crypto::webhook::sign;

/// A signed comment delivered five times is one inbox entry and one job.
async fn replay_is_recorded_once(h: &Harness) {
    let account = h.connect("ana").await;
    let user = h
        .store
        .get_account(account)
        .await
        .expect("read")
        .expect("account")
        .threads_user_id;
    let post = h.published_post(account, "Rye or spelt this week?").await;
    let body = h.reply_event(&user, &post, "reply-9", "echo", "Spelt, please!");
    let signature = sign(&secret(APP_SECRET), body.as_bytes());
    let b = Browser::new();
    let mut accepted = 0;
    for _ in 0..5 {
        let answer = b
            .post_raw(
                &h.url("/webhooks"),
                &[("x-hub-signature-256", signature.as_str())],
                body.clone().into_bytes(),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let receipt: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        accepted += receipt["accepted"].as_u64().expect("count");
    }
    assert_eq!(accepted, 1);
    let inbox = h
        .store
        .list_inbox_entries(account, None)
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 1);
}

#[tokio::test]
async fn health_readiness_and_replayed_deliveries_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let clock = Arc::new(ManualClock::new(start()));
    let sqlite = common::sqlite_store(dir.path(), clock.clone()).await;
    let store: Arc<DynStore> = sqlite.clone();
    let h = Harness::with(Setup {
        store: Some(store),
        clock: Some(clock),
        ..Setup::default()
    })
    .await;
    let b = Browser::new();

    let live = b.get(&h.url("/healthz"), None).await;
    assert_eq!((live.status, live.body.as_str()), (200, "ok\n"));
    let ready = b.get(&h.url("/readyz"), None).await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));

    replay_is_recorded_once(&h).await;

    // The store goes away: still alive, no longer ready, and the answer
    // names no detail of the failure.
    sqlite.close().await;
    let live = b.get(&h.url("/healthz"), None).await;
    assert_eq!(live.status, 200);
    let ready = b.get(&h.url("/readyz"), None).await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body, "not ready: the store is unreachable\n");
}

#[tokio::test]
async fn replayed_deliveries_on_postgres() {
    let Some(db) = common::postgres_database().await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(start()));
    let options = store_postgres::PgStoreOptions::new(db.url()).expect("options");
    let store: Arc<DynStore> = Arc::new(
        store_postgres::PgStore::connect(&options, clock.clone())
            .await
            .expect("pg store"),
    );
    let h = Harness::with(Setup {
        store: Some(store),
        clock: Some(clock),
        ..Setup::default()
    })
    .await;
    let ready = Browser::new().get(&h.url("/readyz"), None).await;
    assert_eq!(ready.status, 200);
    replay_is_recorded_once(&h).await;
    drop(h);
    db.drop_database().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let h = Harness::new().await;
    let b = Browser::new();
    let made = b.get(&h.url("/healthz"), None).await;
    let id = made.header("x-request-id").expect("an id");
    let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 7);

    let answer = b
        .post_raw(
            &h.url("/webhooks"),
            &[("x-request-id", "trace-abc-123")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.header("x-request-id").as_deref(),
        Some("trace-abc-123")
    );

    // Error pages show it for support.
    let page = b.get(&h.url("/approval"), None).await;
    assert_eq!(page.status, 401);
    let id = page.header("x-request-id").expect("id");
    assert!(page.body.contains(&format!("Reference: {id}")));
}

#[tokio::test]
async fn a_request_over_the_timeout_is_answered_503() {
    let h = Harness::with(Setup {
        router: Box::new(|b| b.request_timeout(Duration::from_millis(300))),
        ..Setup::default()
    })
    .await;
    h.threads_user("ana");
    h.emu.admin().add_fault(FaultRule::always(
        Endpoint::TokenExchange,
        FaultAction::Latency { ms: 2_000 },
    ));
    let browser = Browser::new();
    let start = browser
        .get(&h.url("/oauth/start"), Some("owner:olga"))
        .await;
    assert_eq!(start.status, 303);
    let consent = browser.get(&start.location(), None).await;
    let callback = consent.location();
    let began = std::time::Instant::now();
    let done = browser.get(&callback, None).await;
    assert_eq!(done.status, 503, "{}", done.body);
    assert!(
        began.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        began.elapsed()
    );
    assert!(done.header("x-request-id").is_some());
    assert!(!done.body.contains("code="));
}

#[tokio::test]
async fn the_media_route_serves_stored_files_and_nothing_else() {
    let h = Harness::new().await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[7u8; 300]);
    let stored = h.media.put("acct-1", png.clone()).await.expect("put");
    let url = stored.url.url.to_string();
    assert!(url.starts_with(&h.url("/media/")), "{url}");

    let client = reqwest::Client::new();
    let answer = client.get(&url).send().await.expect("get");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(
        answer
            .headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        answer.bytes().await.expect("bytes").as_ref(),
        png.as_slice()
    );
    let head = client.head(&url).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(png.len().to_string().as_str())
    );

    let b = Browser::new();
    for path in [
        "/media/acct-1/missing.png",
        "/media/../Cargo.toml",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/acct-1/..%2f..%2fsecret",
    ] {
        let answer = b.get(&h.url(path), None).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    h.media.delete(&stored.key).await.expect("delete");
    assert_eq!(client.get(&url).send().await.expect("get").status(), 404);
}

#[tokio::test]
async fn the_builder_refuses_missing_settings_and_keeps_secrets_out_of_debug() {
    let h = Harness::new().await;
    let builder = || ThreadsRouter::builder(h.pipeline.clone());

    let missing = builder().build().expect_err("nothing set");
    assert!(matches!(
        missing,
        Error::Missing {
            group: Group::Webhooks,
            setting: "webhook_verify_token"
        }
    ));
    let missing = builder()
        .webhook_verify_token(secret(VERIFY_TOKEN))
        .build()
        .expect_err("no resolver");
    assert!(matches!(
        missing,
        Error::Missing {
            group: Group::OAuth,
            setting: "actor_resolver"
        }
    ));
    let missing = builder()
        .webhook_verify_token(secret(VERIFY_TOKEN))
        .actor_resolver(common::header_actor)
        .build()
        .expect_err("no csrf key");
    assert!(matches!(
        missing,
        Error::Missing {
            group: Group::Approval,
            setting: "csrf_key"
        }
    ));
    assert!(missing.to_string().contains("csrf_key"));

    // Only what is mounted needs settings.
    let health_only = builder().only([Group::Health]).build();
    assert!(health_only.is_ok());
    let no_pages = builder()
        .webhook_verify_token(secret(VERIFY_TOKEN))
        .without(Group::OAuth)
        .without(Group::Approval)
        .build();
    assert!(no_pages.is_ok());

    assert!(matches!(
        builder()
            .only([Group::Health])
            .session_cookie_name("bad name;")
            .build(),
        Err(Error::CookieName)
    ));
    for url in [
        "not a url",
        "ftp://app.example/",
        "https://app.example/?a=b",
    ] {
        let refused = builder().only([Group::Health]).public_base_url(url).build();
        assert!(refused.is_err(), "{url}");
    }

    let key = KeyMaterial::generate().expect("key");
    let key_text = {
        use secrecy::ExposeSecret;
        key.to_base64().expose_secret().to_owned()
    };
    let configured = builder()
        .webhook_verify_token(secret(VERIFY_TOKEN))
        .csrf_key(key);
    let debug = format!("{configured:?}");
    assert!(!debug.contains(VERIFY_TOKEN), "{debug}");
    assert!(!debug.contains(&key_text), "{debug}");
    assert!(debug.contains("REDACTED"));
}

#[tokio::test]
async fn a_group_left_out_is_not_mounted() {
    let h = Harness::with(Setup {
        router: Box::new(|b| b.without(Group::Approval).without(Group::Webhooks)),
        ..Setup::default()
    })
    .await;
    let b = Browser::new();
    assert_eq!(
        b.get(&h.url("/approval"), Some("editor:ed")).await.status,
        404
    );
    assert_eq!(b.get(&h.url("/webhooks"), None).await.status, 404);
    assert_eq!(b.get(&h.url("/healthz"), None).await.status, 200);
    // The host's own routes are untouched.
    let home = b.get(&format!("{}/", h.origin), None).await;
    assert_eq!((home.status, home.body.as_str()), (200, "host home"));
}

#[tokio::test]
async fn a_panic_is_a_plain_500_with_a_request_id() {
    let h = Harness::with(Setup {
        router: Box::new(|b| {
            b.actor_resolver(|parts: &http::request::Parts| {
                if parts.headers.contains_key("x-explode") {
                    panic!("resolver bug: token=EAAB-secret-in-a-panic");
                }
                common::header_actor(parts)
            })
        }),
        ..Setup::default()
    })
    .await;
    let client = reqwest::Client::new();
    let answer = client
        .get(h.url("/approval"))
        .header("x-explode", "1")
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(answer.status(), 500);
    assert!(answer.headers().contains_key("x-request-id"));
    let body = answer.text().await.expect("body");
    assert_eq!(body, "internal error\n");
    // The server keeps serving.
    let after = Browser::new()
        .get(&h.url("/approval"), Some("editor:ed"))
        .await;
    assert_eq!(after.status, 200);
}
