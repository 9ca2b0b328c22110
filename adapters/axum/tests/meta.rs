//! Meta's data-deletion and deauthorize callbacks with real
//! `signed_request` values (signed by the emulator, or by token-crypto's
//! test helper), and the deletion status page.

mod common;

use chrono::TimeDelta;
use common::{APP_SECRET, Browser, Harness, secret};
use store_traits::{AccountStatus, Clock};
use threads_emulator::CallbackKind;
use token_crypto::signed_request::sign_signed_request;

/// A `signed_request` for `user_id`, issued `age` ago, signed with `key`.
fn signed(h: &Harness, key: &str, user_id: &str, age: TimeDelta) -> String {
    sign_signed_request(
        &secret(key),
        &serde_json::json!({
            "algorithm": "HMAC-SHA256",
            "user_id": user_id,
            "issued_at": (h.clock.now() - age).timestamp(),
        }),
    )
}

async fn threads_user_of(h: &Harness, account: store_traits::AccountId) -> String {
    h.store
        .get_account(account)
        .await
        .expect("read")
        .expect("account")
        .threads_user_id
}

#[tokio::test]
async fn a_data_deletion_callback_from_meta_deletes_the_account_and_links_a_status_page() {
    let h = Harness::new().await;
    let account = h.connect("ana").await;
    let user = threads_user_of(&h, account).await;
    h.pending_post(account, "A draft that must go with the account.")
        .await;

    // The emulator posts the form Meta posts, signed with the app secret.
    let outcome = h
        .emu
        .admin()
        .fire_callback(CallbackKind::DataDeletion, &h.app.id, &user)
        .await
        .expect("callback");
    assert_eq!(outcome.status, 200, "{}", outcome.body);
    let answer: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
    let code = answer["confirmation_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let url = answer["url"].as_str().expect("a url").to_owned();
    assert_eq!(
        answer.as_object().map(|o| o.len()),
        Some(2),
        "exactly url and confirmation_code: {answer}"
    );
    assert_eq!(url, h.url(&format!("/meta/deletion-status?code={code}")));
    assert!(!outcome.body.contains(&outcome.signed_request));
    assert!(h.store.get_account(account).await.expect("read").is_none());

    // The link Meta shows the person.
    let page = Browser::new().get(&url, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.body.contains("Your data has been deleted"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&code));
    assert!(page.body.contains("completed"));
    assert!(page.body.contains("2 March 2026"), "{}", page.body);
}

#[tokio::test]
async fn a_signed_request_made_with_the_test_helper_is_accepted_and_forgeries_are_not() {
    let h = Harness::new().await;
    let account = h.connect("ana").await;
    let user = threads_user_of(&h, account).await;
    let b = Browser::new();
    let url = h.url("/meta/data-deletion");

    let refusals = [
        (
            "wrong secret",
            signed(&h, "not-the-app-secret", &user, TimeDelta::zero()),
        ),
        (
            "too old",
            signed(&h, APP_SECRET, &user, TimeDelta::hours(2)),
        ),
        (
            "from the future",
            signed(&h, APP_SECRET, &user, TimeDelta::minutes(-30)),
        ),
        ("not a signed request", "garbage".to_owned()),
    ];
    for (name, value) in &refusals {
        let answer = b.post_form(&url, None, &[("signed_request", value)]).await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.body);
        let body: serde_json::Value = serde_json::from_str(&answer.body).expect("json error");
        assert!(body["error"].is_string(), "{name}");
        assert!(!answer.body.contains(value.as_str()), "{name}: echoed");
        assert!(!answer.body.contains(APP_SECRET));
    }
    let missing = b.post_form(&url, None, &[("other", "1")]).await;
    assert_eq!(missing.status, 400);
    let too_big = b
        .post_form(&url, None, &[("signed_request", &"a".repeat(70 * 1024))])
        .await;
    assert_eq!(too_big.status, 413);
    assert!(h.store.get_account(account).await.expect("read").is_some());

    // The helper's value, as Meta would sign it: the account goes.
    let value = signed(&h, APP_SECRET, &user, TimeDelta::minutes(1));
    let answer = b.post_form(&url, None, &[("signed_request", &value)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    assert!(body["url"].as_str().is_some_and(|u| u.contains("code=")));
    assert!(h.store.get_account(account).await.expect("read").is_none());

    // The same user again: nothing left, still a completed request and a code.
    let again = b.post_form(&url, None, &[("signed_request", &value)]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let body: serde_json::Value = serde_json::from_str(&again.body).expect("json");
    let page = b.get(body["url"].as_str().expect("url"), None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Your data has been deleted"));
}

#[tokio::test]
async fn the_status_page_answers_404_for_unknown_or_malformed_codes() {
    let h = Harness::new().await;
    let b = Browser::new();
    for query in [
        "",
        "?code=",
        "?code=AAAAAAAAAAAAAAAAAAAA",
        "?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ] {
        let page = b
            .get(&h.url(&format!("/meta/deletion-status{query}")), None)
            .await;
        assert_eq!(page.status, 404, "{query}");
        assert!(page.body.contains("Unknown confirmation code"), "{query}");
        assert!(!page.body.contains("<script>alert"), "{query}");
    }
}

#[tokio::test]
async fn a_deauthorize_callback_disconnects_the_account_and_keeps_its_data() {
    let h = Harness::new().await;
    let account = h.connect("ana").await;
    let user = threads_user_of(&h, account).await;
    let draft = h.pending_post(account, "Kept after a deauthorize.").await;

    let forged = Browser::new()
        .post_form(
            &h.url("/meta/deauthorize"),
            None,
            &[(
                "signed_request",
                &signed(&h, "not-the-app-secret", &user, TimeDelta::zero()),
            )],
        )
        .await;
    assert_eq!(forged.status, 400);
    let status = |h: &Harness| {
        let store = h.store.clone();
        async move {
            store
                .get_account(account)
                .await
                .expect("read")
                .expect("account")
                .status
        }
    };
    assert_eq!(status(&h).await, AccountStatus::Active);

    let outcome = h
        .emu
        .admin()
        .fire_callback(CallbackKind::Deauthorize, &h.app.id, &user)
        .await
        .expect("callback");
    assert_eq!(outcome.status, 200, "{}", outcome.body);
    let answer: serde_json::Value = serde_json::from_str(&outcome.body).expect("json");
    assert_eq!(answer["accounts_disconnected"], 1);
    assert_eq!(status(&h).await, AccountStatus::Disconnected);
    assert!(h.pipeline.draft(draft.id).await.is_ok(), "the data stays");

    // Meta may call again: nothing more to do.
    let again = Browser::new()
        .post_form(
            &h.url("/meta/deauthorize"),
            None,
            &[(
                "signed_request",
                &signed(&h, APP_SECRET, &user, TimeDelta::zero()),
            )],
        )
        .await;
    assert_eq!(again.status, 200);
    let answer: serde_json::Value = serde_json::from_str(&again.body).expect("json");
    assert_eq!(answer["accounts_disconnected"], 0);
}
