//! OAuth against the emulator, through the typed client: the authorize redirect and its
//! `state` check, the code exchange, single-use and expiring codes, the long-lived exchange
//! and refresh rules, `debug_token`, app tokens, a denied authorization, and the token sent
//! in an `Authorization: Bearer` header instead of the query string.

mod common;

use threads_api::ids::UserId;
use threads_api::model::ContainerRequest;
use threads_api::oauth::{Scope, parse_redirect};
use threads_api::{Error, ErrorAction, ThreadsClient};
use threads_emulator::Operation;

use common::{REDIRECT_URI, env, graph_code};

#[tokio::test]
async fn oauth_flow_end_to_end() {
    let env = env().await;
    let oauth = env.oauth();

    // Authorize redirect, parsed by the client (state checked, `#_` stripped).
    let location = env.authorize("state-123").await;
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert!(
        location.ends_with("#_"),
        "the documented `#_` suffix: {location}"
    );
    let redirect = parse_redirect(&location).expect("valid redirect");
    assert_eq!(redirect.state.as_deref(), Some("state-123"));
    assert!(!redirect.code.expose_secret().contains('#'));

    // Code exchange → short-lived token of the authorizing user (1 h).
    let short = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect("code exchange");
    assert_eq!(short.user_id.as_str(), env.me.id);
    assert_eq!(
        short.expires_at,
        env.now() + chrono::TimeDelta::seconds(3_600)
    );

    // The code is single-use: the flat OAuth error, classified as terminal.
    let reused = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect_err("a code works once");
    match &reused {
        Error::OAuth(o) => {
            assert_eq!(o.error_type.as_deref(), Some("OAuthException"));
            assert!(
                o.error_message.contains("Matching code was not found"),
                "{}",
                o.error_message
            );
        }
        other => panic!("expected the flat OAuth error, got {other:?}"),
    }
    assert_eq!(reused.action(), ErrorAction::Terminal);

    // Long-lived exchange: 60 days.
    let long = oauth
        .exchange_for_long_lived(&short.access_token, env.now())
        .await
        .expect("long-lived exchange");
    assert_eq!(long.expires_in, 60 * 86_400);
    assert_eq!(long.token_type.as_deref(), Some("bearer"));

    // The token works.
    let account = env
        .client
        .account(short.user_id.clone(), long.access_token.clone());
    let profile = account.profile().get().send().await.expect("profile");
    assert_eq!(profile.username.as_deref(), Some("tester"));

    // Refresh is refused before the token is 24 h old...
    let early = oauth
        .refresh(&long.access_token, env.now())
        .await
        .expect_err("too new to refresh");
    assert!(early.graph().is_some(), "{early:?}");
    assert_eq!(early.action(), ErrorAction::Terminal);
    // ... and accepted after.
    env.admin().advance(24 * 3_600 + 1);
    let refreshed = oauth
        .refresh(&long.access_token, env.now())
        .await
        .expect("refresh after 24 h");
    assert_eq!(refreshed.expires_in, 60 * 86_400);
    assert_eq!(
        refreshed.expires_at,
        env.now() + chrono::TimeDelta::days(60)
    );

    // debug_token describes the refreshed token.
    let info = oauth
        .debug_token(&refreshed.access_token, &long.access_token)
        .await
        .expect("debug_token");
    assert!(info.is_valid);
    assert_eq!(info.application.as_deref(), Some("Integration App"));
    assert_eq!(
        info.user_id.as_ref().map(UserId::as_str),
        Some(env.me.id.as_str())
    );
    assert!(info.scopes.contains(&Scope::Basic));
    assert!(info.scopes.contains(&Scope::ContentPublish));
    assert_eq!(info.issued_at, Some(env.now()));
    assert_eq!(info.expires_at, Some(refreshed.expires_at));

    // App token (client_credentials).
    let app_token = oauth.app_token().await.expect("app token");
    assert!(app_token.access_token.is_app_token());
    assert!(
        app_token
            .access_token
            .expose_secret()
            .starts_with(&format!("TH|{}|", env.app.id))
    );
}

#[tokio::test]
async fn oauth_denied_and_expired_short_lived_token() {
    let env = env().await;
    env.admin()
        .set_deny_authorize(&env.app.id, true)
        .expect("known app");
    let location = env.authorize("s1").await;
    match parse_redirect(&location) {
        Err(Error::AuthorizationDenied { error, reason, .. }) => {
            assert_eq!(error, "access_denied");
            assert_eq!(reason, "user_denied");
        }
        other => panic!("expected AuthorizationDenied, got {other:?}"),
    }

    env.admin()
        .set_deny_authorize(&env.app.id, false)
        .expect("known app");
    let redirect = parse_redirect(&env.authorize("s2").await).expect("code");
    let oauth = env.oauth();
    let short = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect("exchange");
    // A short-lived token lasts 1 h: exchanging it later fails with 190 → reauthorize.
    env.admin().advance(3_601);
    let err = oauth
        .exchange_for_long_lived(&short.access_token, env.now())
        .await
        .expect_err("expired short-lived token");
    assert_eq!(graph_code(&err), Some(190), "{err:?}");
    assert_eq!(err.action(), ErrorAction::Reauthorize);
    assert!(err.is_auth_expired());
}

#[tokio::test]
async fn oauth_code_expires_after_an_hour() {
    let env = env().await;
    let redirect = parse_redirect(&env.authorize("s").await).expect("code");
    env.admin().advance(3_601);
    let err = env
        .oauth()
        .exchange_code(&redirect.code, env.now())
        .await
        .expect_err("codes last 1 h");
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
}

#[tokio::test]
async fn the_token_can_travel_in_a_bearer_header() {
    let env = env().await;
    let bearer = ThreadsClient::builder()
        .graph_base_url(env.emu.base_url())
        .token_placement(threads_api::TokenPlacement::BearerHeader)
        .without_api_version()
        .build()
        .expect("client");
    let account = bearer.account(UserId::me(), env.account.token().clone());
    let me = account.profile().get().send().await.expect("profile");
    assert_eq!(me.id.as_str(), env.me.id);
    let published = account
        .publish()
        .publish(ContainerRequest::text("sent with a bearer header"))
        .send()
        .await
        .expect("publish");
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].user_id.as_deref(), Some(env.me.id.as_str()));
    assert_eq!(
        ledger[0].result_id.as_deref(),
        Some(published.media_id.as_str())
    );
}
