//! The webhook routes: Meta's handshake, and deliveries verified before
//! anything is parsed, recorded once, handled by a worker.

mod common;

use std::time::{Duration, Instant};

use common::{APP_SECRET, Browser, Harness, PREVIOUS_SECRET, VERIFY_TOKEN, secret};
use content_pipeline::queues;
use store_traits::{DraftFilter, DraftKind, JobFilter, JobState};
use threads_emulator::{PostAs, UserSpec, WebhookSpec};
use token_crypto::webhook::sign;

fn handshake_url(
    h: &Harness,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> String {
    let mut query = form_urlencoded_pairs(&[
        ("hub.mode", mode),
        ("hub.verify_token", token),
        ("hub.challenge", challenge),
    ]);
    if !query.is_empty() {
        query.insert(0, '?');
    }
    h.url(&format!("/webhooks{query}"))
}

fn form_urlencoded_pairs(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.map(|v| {
                format!(
                    "{k}={}",
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn the_handshake_answers_the_challenge_only_for_the_verify_token() {
    let h = Harness::new().await;
    let b = Browser::new();

    let ok = b
        .get(
            &handshake_url(
                &h,
                Some("subscribe"),
                Some(VERIFY_TOKEN),
                Some("1158201444"),
            ),
            None,
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, "1158201444");
    assert_eq!(
        ok.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );

    let wrong = b
        .get(
            &handshake_url(
                &h,
                Some("subscribe"),
                Some("guessed-token"),
                Some("1158201444"),
            ),
            None,
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(!wrong.body.contains("1158201444") && !wrong.body.contains("guessed-token"));

    let mode = b
        .get(
            &handshake_url(&h, Some("unsubscribe"), Some(VERIFY_TOKEN), Some("42")),
            None,
        )
        .await;
    assert_eq!(mode.status, 403);

    for (m, t, c) in [
        (None, Some(VERIFY_TOKEN), Some("42")),
        (Some("subscribe"), None, Some("42")),
        (Some("subscribe"), Some(VERIFY_TOKEN), None),
    ] {
        let missing = b.get(&handshake_url(&h, m, t, c), None).await;
        assert_eq!(missing.status, 400, "{m:?} {t:?} {c:?}");
    }
    // A challenge that is not printable ASCII is refused; markup comes back
    // as plain text a browser will not sniff as HTML.
    let spaced = b
        .get(
            &handshake_url(&h, Some("subscribe"), Some(VERIFY_TOKEN), Some("a b")),
            None,
        )
        .await;
    assert_eq!(spaced.status, 400);
    let markup = b
        .get(
            &handshake_url(&h, Some("subscribe"), Some(VERIFY_TOKEN), Some("<b>1</b>")),
            None,
        )
        .await;
    assert_eq!(markup.status, 200);
    assert_eq!(
        markup.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        markup.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );

    // The emulator subscribes through the real handshake.
    h.emu
        .admin()
        .subscribe_webhooks(WebhookSpec {
            app_id: h.app.id.clone(),
            callback_url: h.url("/webhooks"),
            verify_token: secret(VERIFY_TOKEN),
            fields: vec!["replies".into()],
            app_secret: None,
        })
        .await
        .expect("the emulator's handshake succeeds");
}

/// A connected account with one published post: (account id, Threads user id, post id).
async fn account_with_post(h: &Harness) -> (store_traits::AccountId, String, String) {
    let account = h.connect("ana").await;
    let user = h
        .store
        .get_account(account)
        .await
        .expect("read")
        .expect("account")
        .threads_user_id;
    let post = h
        .published_post(account, "Proofing baskets: cane or linen? Tell me.")
        .await;
    (account, user, post)
}

async fn conversation_jobs(
    h: &Harness,
    account: store_traits::AccountId,
) -> Vec<store_traits::Job> {
    h.store
        .list_jobs(&JobFilter {
            queue: Some(queues::CONVERSATIONS.into()),
            account_id: Some(account),
            ..JobFilter::default()
        })
        .await
        .expect("jobs")
}

async fn reply_drafts(h: &Harness, account: store_traits::AccountId) -> usize {
    h.store
        .list_drafts(&DraftFilter::account(account))
        .await
        .expect("drafts")
        .iter()
        .filter(|d| d.kind == DraftKind::Reply)
        .count()
}

#[tokio::test]
async fn a_signed_delivery_is_recorded_fast_and_handled_by_the_worker() {
    let h = Harness::new().await;
    let (account, user, post) = account_with_post(&h).await;
    let body = h.reply_event(
        &user,
        &post,
        "reply-1",
        "linen_person",
        "Linen, every time. Which flour do you use?",
    );
    let signature = sign(&secret(APP_SECRET), body.as_bytes());
    let b = Browser::new();

    let started = Instant::now();
    let answer = b
        .post_raw(
            &h.url("/webhooks"),
            &[
                ("x-hub-signature-256", &signature),
                ("content-type", "application/json"),
            ],
            body.clone().into_bytes(),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let receipt: serde_json::Value = serde_json::from_str(&answer.body).expect("json receipt");
    assert_eq!(receipt["accepted"], 1);
    assert!(answer.header("x-request-id").is_some());
    assert!(took < Duration::from_secs(2), "answered in {took:?}");

    // Recorded and queued, not handled: no answer drafted in the request.
    let inbox = h
        .store
        .list_inbox_entries(account, None)
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 1);
    let jobs = conversation_jobs(&h, account).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Queued);
    assert_eq!(reply_drafts(&h, account).await, 0);

    // The worker does the work.
    h.drain().await;
    assert_eq!(
        conversation_jobs(&h, account).await[0].state,
        JobState::Completed
    );
    assert_eq!(
        reply_drafts(&h, account).await,
        1,
        "the answer is drafted by the worker"
    );
}

#[tokio::test]
async fn forged_missing_and_duplicated_signatures_are_refused_and_nothing_is_recorded() {
    let h = Harness::new().await;
    let (account, user, post) = account_with_post(&h).await;
    let body = h.reply_event(&user, &post, "reply-2", "someone", "Nice loaf.");
    let b = Browser::new();
    let forged = sign(&secret("not-the-app-secret"), body.as_bytes());
    let good = sign(&secret(APP_SECRET), body.as_bytes());
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("forged", vec![("x-hub-signature-256", forged.as_str())]),
        ("missing", vec![]),
        ("malformed", vec![("x-hub-signature-256", "sha256=zz")]),
        ("sha1 only", vec![("x-hub-signature", "sha1=0000")]),
        (
            "duplicated",
            vec![
                ("x-hub-signature-256", good.as_str()),
                ("x-hub-signature-256", good.as_str()),
            ],
        ),
    ];
    for (name, headers) in cases {
        let answer = b
            .post_raw(&h.url("/webhooks"), &headers, body.clone().into_bytes())
            .await;
        assert_eq!(answer.status, 401, "{name}: {}", answer.body);
        assert!(!answer.body.contains(APP_SECRET) && !answer.body.contains(&good));
    }
    // A body changed after signing is refused too.
    let tampered = body.replace("Nice loaf.", "Send me your token");
    let answer = b
        .post_raw(
            &h.url("/webhooks"),
            &[("x-hub-signature-256", good.as_str())],
            tampered.into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 401);

    assert!(
        h.store
            .list_inbox_entries(account, None)
            .await
            .expect("inbox")
            .is_empty()
    );
    assert!(conversation_jobs(&h, account).await.is_empty());
}

#[tokio::test]
async fn a_delivery_signed_with_the_previous_app_secret_is_accepted_during_rotation() {
    let h = Harness::new().await;
    let (account, user, post) = account_with_post(&h).await;
    let body = h.reply_event(&user, &post, "reply-3", "old_friend", "Still here!");
    let signature = sign(&secret(PREVIOUS_SECRET), body.as_bytes());
    let answer = Browser::new()
        .post_raw(
            &h.url("/webhooks"),
            &[("x-hub-signature-256", signature.as_str())],
            body.into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        h.store
            .list_inbox_entries(account, None)
            .await
            .expect("inbox")
            .len(),
        1
    );

    // End to end: the emulator itself signs with the previous secret.
    h.emu
        .admin()
        .subscribe_webhooks(WebhookSpec {
            app_id: h.app.id.clone(),
            callback_url: h.url("/webhooks"),
            verify_token: secret(VERIFY_TOKEN),
            fields: vec!["replies".into()],
            app_secret: Some(secret(PREVIOUS_SECRET)),
        })
        .await
        .expect("subscribe");
    let fan = h
        .emu
        .admin()
        .create_user(UserSpec {
            username: "rotating_fan".into(),
            ..UserSpec::default()
        })
        .expect("fan");
    h.emu
        .admin()
        .post_as(PostAs {
            author: fan.id,
            text: Some("Do you sell starter?".into()),
            reply_to: Some(post),
            ..PostAs::default()
        })
        .expect("reply");
    h.emu.admin().deliver_webhooks().await;
    let delivered = h.emu.admin().webhook_deliveries();
    assert!(!delivered.is_empty());
    assert!(
        delivered.iter().all(|d| d.status == Some(200)),
        "{delivered:?}"
    );
    assert_eq!(
        h.store
            .list_inbox_entries(account, None)
            .await
            .expect("inbox")
            .len(),
        2
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_nothing_is_recorded() {
    let h = Harness::new().await;
    let (account, user, post) = account_with_post(&h).await;
    let small = h.reply_event(&user, &post, "reply-4", "big", "x");
    // Valid JSON, correctly signed, one byte over the 1 MiB limit.
    let padding = 1024 * 1024 + 1 - small.len() - 13;
    let body = small.replacen(
        '{',
        &format!("{{\"padding\":\"{}\",", "a".repeat(padding)),
        1,
    );
    assert_eq!(body.len(), 1024 * 1024 + 1);
    let signature = sign(&secret(APP_SECRET), body.as_bytes());
    let answer = Browser::new()
        .post_raw(
            &h.url("/webhooks"),
            &[("x-hub-signature-256", signature.as_str())],
            body.into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 413);
    assert!(
        h.store
            .list_inbox_entries(account, None)
            .await
            .expect("inbox")
            .is_empty()
    );
    assert!(conversation_jobs(&h, account).await.is_empty());
}

#[tokio::test]
async fn a_replayed_delivery_is_recorded_once() {
    let h = Harness::new().await;
    let (account, user, post) = account_with_post(&h).await;
    let body = h.reply_event(
        &user,
        &post,
        "reply-5",
        "echo",
        "Which flour do you use for the rye?",
    );
    let signature = sign(&secret(APP_SECRET), body.as_bytes());
    let b = Browser::new();
    let mut accepted = 0;
    let mut duplicates = 0;
    for _ in 0..5 {
        let answer = b
            .post_raw(
                &h.url("/webhooks"),
                &[("x-hub-signature-256", signature.as_str())],
                body.clone().into_bytes(),
            )
            .await;
        assert_eq!(answer.status, 200);
        let receipt: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        accepted += receipt["accepted"].as_u64().expect("count");
        duplicates += receipt["duplicates"].as_u64().expect("count");
    }
    assert_eq!((accepted, duplicates), (1, 4));
    assert_eq!(
        h.store
            .list_inbox_entries(account, None)
            .await
            .expect("inbox")
            .len(),
        1
    );
    assert_eq!(conversation_jobs(&h, account).await.len(), 1);
    h.drain().await;
    assert_eq!(reply_drafts(&h, account).await, 1);
}
