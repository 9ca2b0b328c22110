//! Connecting an account over HTTP: the start route, Meta's consent dialog
//! (the emulator's), and the callback's answer for every way it can end.

mod common;

use chrono::TimeDelta;
use common::{Answer, Browser, Harness};
use store_traits::AccountFilter;
use threads_emulator::{Endpoint, FaultAction, FaultRule};

/// The `name` parameter of a URL's query.
fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn accounts(h: &Harness) -> usize {
    h.store
        .list_accounts(&AccountFilter::default())
        .await
        .expect("accounts")
        .len()
}

/// Starts connecting as the owner in `browser`; returns Meta's consent URL.
async fn start(h: &Harness, browser: &Browser) -> String {
    let start = browser
        .get(&h.url("/oauth/start"), Some("owner:olga"))
        .await;
    assert_eq!(start.status, 303, "{}", start.body);
    start.location()
}

/// Follows the consent dialog; returns the callback URL it sends back to.
async fn consent(browser: &Browser, consent_url: &str) -> String {
    let consent = browser.get(consent_url, None).await;
    assert_eq!(consent.status, 302, "{}", consent.body);
    consent.location()
}

fn assert_page(answer: &Answer, status: u16, title: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.body.contains(title),
        "expected {title:?} in {}",
        answer.body
    );
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        answer.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
}

#[tokio::test]
async fn connecting_an_account_sends_the_person_to_meta_and_back_to_a_success_page() {
    let h = Harness::new().await;
    h.threads_user("ana");
    let browser = Browser::new();

    let start = browser
        .get(
            &h.url("/oauth/start?return_to=/dashboard"),
            Some("owner:olga"),
        )
        .await;
    assert_eq!(start.status, 303, "{}", start.body);
    let cookie = start.header("set-cookie").expect("a session cookie");
    assert!(cookie.starts_with("threads_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    // The public base URL is plain http here, so the cookie is not `Secure`.
    assert!(!cookie.contains("Secure"), "{cookie}");
    let consent_url = start.location();
    assert!(consent_url.starts_with(h.emu.base_url()), "{consent_url}");
    assert_eq!(
        query_param(&consent_url, "redirect_uri").as_deref(),
        Some(h.url("/oauth/callback").as_str())
    );
    let state = query_param(&consent_url, "state").expect("a state");
    assert!(!state.is_empty());

    let callback = consent(&browser, &consent_url).await;
    let code = query_param(&callback, "code").expect("a code");
    let done = browser.get(&callback, None).await;
    assert_page(&done, 200, "@ana is connected");
    assert!(done.body.contains("learned from"), "{}", done.body);
    assert!(
        common::unescaped(&done.body).contains("href=\"/dashboard\""),
        "{}",
        done.body
    );
    // The page repeats neither the code nor the state.
    assert!(!done.body.contains(&code) && !done.body.contains(&state));

    let connected = h
        .store
        .find_accounts_by_username("ana")
        .await
        .expect("accounts");
    assert_eq!(connected.len(), 1);
    assert!(
        common::unescaped(&done.body)
            .contains(&format!("href=\"/threads/approval/{}\"", connected[0].id)),
        "a link to the account's approval page"
    );
    let actions: Vec<String> = common::audit(&h.store, connected[0].id)
        .await
        .into_iter()
        .map(|(_, action)| action)
        .collect();
    assert!(!actions.is_empty());
}

#[tokio::test]
async fn connecting_needs_a_signed_in_person_allowed_to_connect() {
    let h = Harness::new().await;
    h.threads_user("ana");
    let browser = Browser::new();

    let nobody = browser.get(&h.url("/oauth/start"), None).await;
    assert_page(&nobody, 401, "Sign in first");
    assert!(nobody.header("location").is_none());

    let viewer = browser
        .get(&h.url("/oauth/start"), Some("viewer:vic"))
        .await;
    assert_page(&viewer, 403, "Not allowed");
    assert!(viewer.header("location").is_none());

    // A `return_to` that leaves the site is dropped, not followed.
    let evil = browser
        .get(
            &h.url("/oauth/start?return_to=//evil.example/"),
            Some("owner:olga"),
        )
        .await;
    assert_eq!(evil.status, 303);
    let callback = consent(&browser, &evil.location()).await;
    let done = browser.get(&callback, None).await;
    assert_page(&done, 200, "@ana is connected");
    assert!(!done.body.contains("evil.example"));
}

#[tokio::test]
async fn declining_consent_says_so_and_connects_nothing() {
    let h = Harness::new().await;
    h.threads_user("ana");
    h.emu
        .admin()
        .set_deny_authorize(&h.app.id, true)
        .expect("deny");
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let callback = consent(&browser, &consent_url).await;
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("access_denied")
    );
    let done = browser.get(&callback, None).await;
    assert_page(&done, 400, "Connection cancelled");
    assert!(done.body.contains("declined the permissions"));
    assert!(common::unescaped(&done.body).contains("href=\"/threads/oauth/start\""));
    assert_eq!(accounts(&h).await, 0);

    // The state was consumed by the denial: coming back with it again (a
    // reload) is still no connection.
    let again = browser.get(&callback, None).await;
    assert_eq!(again.status, 400);
    assert_eq!(accounts(&h).await, 0);
}

#[tokio::test]
async fn a_replayed_callback_is_refused_and_changes_nothing() {
    let h = Harness::new().await;
    h.threads_user("ana");
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let callback = consent(&browser, &consent_url).await;
    let first = browser.get(&callback, None).await;
    assert_page(&first, 200, "@ana is connected");
    let ledger_before = h.emu.admin().ledger().len();

    let replay = browser.get(&callback, None).await;
    assert_page(&replay, 400, "This login was already used");
    assert!(replay.body.contains("Each login link works once"));
    // Refused before any call to Meta.
    assert_eq!(h.emu.admin().ledger().len(), ledger_before);
    assert_eq!(accounts(&h).await, 1);
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let h = Harness::new().await;
    h.threads_user("ana");
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let callback = consent(&browser, &consent_url).await;
    // The state lives ten minutes.
    h.clock.advance(TimeDelta::minutes(11));
    let done = browser.get(&callback, None).await;
    assert_page(&done, 400, "The login link has expired");
    assert_eq!(accounts(&h).await, 0);
}

#[tokio::test]
async fn a_callback_in_another_browser_or_with_a_forged_state_is_refused() {
    let h = Harness::new().await;
    h.threads_user("ana");
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let callback = consent(&browser, &consent_url).await;

    // No session cookie at all.
    let stranger = Browser::new();
    let done = stranger.get(&callback, None).await;
    assert_page(&done, 400, "This login belongs to another browser session");

    // Another browser with its own session.
    let other = Browser::new();
    start(&h, &other).await;
    let done = other.get(&callback, None).await;
    assert_page(&done, 400, "This login belongs to another browser session");

    // The right browser, a state changed by hand.
    let state = query_param(&callback, "state").expect("state");
    let code = query_param(&callback, "code").expect("code");
    let mut forged = url::Url::parse(&h.url("/oauth/callback")).expect("url");
    forged
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &format!("{state}x"));
    let done = browser.get(forged.as_str(), None).await;
    assert_eq!(done.status, 400, "{}", done.body);
    assert!(!done.body.contains(&code));

    // A callback missing its parts.
    let bare = browser.get(&h.url("/oauth/callback"), None).await;
    assert_page(&bare, 400, "The login link is incomplete");

    assert_eq!(accounts(&h).await, 0);
    // The untouched callback still works in the browser that started it.
    let done = browser.get(&callback, None).await;
    assert_page(&done, 200, "@ana is connected");
}

#[tokio::test]
async fn an_error_from_meta_is_explained_and_connects_nothing() {
    let h = Harness::new().await;
    h.threads_user("ana");

    // Meta refuses the code exchange.
    h.emu.admin().add_fault(FaultRule::always(
        Endpoint::TokenExchange,
        FaultAction::GraphError {
            code: 100,
            subcode: None,
            status: Some(400),
            message: Some("Invalid verification code format.".into()),
        },
    ));
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let callback = consent(&browser, &consent_url).await;
    let done = browser.get(&callback, None).await;
    assert_page(&done, 502, "Threads did not finish the login");
    assert!(
        !done.body.contains("Invalid verification code"),
        "Meta's own text stays in the log"
    );
    assert_eq!(accounts(&h).await, 0);
    h.emu.admin().clear_faults();

    // Meta sends the person back with an error of its own.
    let browser = Browser::new();
    let consent_url = start(&h, &browser).await;
    let state = query_param(&consent_url, "state").expect("state");
    let mut failed = url::Url::parse(&h.url("/oauth/callback")).expect("url");
    failed
        .query_pairs_mut()
        .append_pair("error", "server_error")
        .append_pair("error_reason", "internal")
        .append_pair("error_description", "<script>alert(1)</script>")
        .append_pair("state", &state);
    let done = browser.get(failed.as_str(), None).await;
    assert_page(&done, 400, "Threads could not complete the login");
    assert!(!done.body.contains("<script>alert"));
    assert_eq!(accounts(&h).await, 0);
}
