//! The 90-day permission grant
//! (<https://developers.facebook.com/docs/threads/get-started/long-lived-tokens>): a refresh
//! extends it for public profiles only; once it ends, calls fail with 190 like an expired
//! token.

mod common;

use common::{code, env, subcode};
use secrecy::ExposeSecret;
use serde_json::Value;
use threads_emulator::{TokenSpec, UserSpec};

const DAY: i64 = 86_400;

fn mint(e: &common::Env, user_id: &str, long_lived: bool) -> String {
    e.admin()
        .mint_token(TokenSpec {
            app_id: e.app.id.clone(),
            user_id: user_id.to_owned(),
            long_lived,
            ..TokenSpec::default()
        })
        .expect("token")
        .access_token
        .expose_secret()
        .to_owned()
}

async fn refresh(e: &common::Env, token: &str) -> String {
    let (s, v) = e
        .get_as(
            token,
            "/refresh_access_token",
            &[("grant_type", "th_refresh_token")],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["access_token"].as_str().expect("token").to_owned()
}

async fn me(e: &common::Env, token: &str) -> (u16, Value) {
    e.get_as(token, "/me", &[]).await
}

async fn debug(e: &common::Env, input: &str) -> Value {
    // A fresh caller token of the same app, so only `input` can be lapsed.
    let caller = mint(e, &e.user.id, true);
    let (s, v) = e
        .get_as(&caller, "/debug_token", &[("input_token", input)])
        .await;
    assert_eq!(s, 200, "{v}");
    v["data"].clone()
}

#[tokio::test]
async fn private_profile_grant_ends_after_90_days_despite_refresh() {
    let e = env().await;
    let private = e
        .admin()
        .create_user(UserSpec {
            username: "hidden".into(),
            is_private: true,
            ..UserSpec::default()
        })
        .expect("user");
    let t0 = e.admin().now();
    let first = mint(&e, &private.id, true);
    e.admin().advance(50 * DAY);
    let second = refresh(&e, &first).await;
    let d = debug(&e, &second).await;
    assert_eq!(d["expires_at"], t0 + 110 * DAY, "{d}");
    assert_eq!(d["data_access_expires_at"], t0 + 90 * DAY, "{d}");

    e.admin().set_time(t0 + 90 * DAY - 1);
    let (s, v) = me(&e, &second).await;
    assert_eq!(s, 200, "{v}");
    e.admin().advance(1);
    let (s, v) = me(&e, &second).await;
    assert_eq!((s, code(&v), subcode(&v)), (400, 190, Some(463)), "{v}");
    // Nor can the lapsed token be refreshed into a working one.
    let (s, v) = e
        .get_as(
            &second,
            "/refresh_access_token",
            &[("grant_type", "th_refresh_token")],
        )
        .await;
    assert_eq!((s, code(&v)), (400, 190), "{v}");
    let d = debug(&e, &second).await;
    assert_eq!(d["is_valid"], false, "{d}");
    assert_eq!(d["error"]["code"], 190, "{d}");
}

#[tokio::test]
async fn public_profile_refresh_extends_the_grant() {
    let e = env().await;
    let t0 = e.admin().now();
    let first = mint(&e, &e.user.id, true);
    e.admin().advance(50 * DAY);
    let second = refresh(&e, &first).await;
    assert_eq!(
        debug(&e, &second).await["data_access_expires_at"],
        t0 + 140 * DAY
    );
    // Past the first grant's 90 days: still working.
    e.admin().set_time(t0 + 100 * DAY);
    let (s, v) = me(&e, &second).await;
    assert_eq!(s, 200, "{v}");
    let third = refresh(&e, &second).await;
    e.admin().set_time(t0 + 150 * DAY);
    let (s, v) = me(&e, &third).await;
    assert_eq!(s, 200, "{v}");
    // The grant now runs 90 days from the last refresh.
    assert_eq!(
        debug(&e, &third).await["data_access_expires_at"],
        t0 + 190 * DAY
    );
}

#[tokio::test]
async fn exchange_keeps_the_grant_from_authorization() {
    let e = env().await;
    let t0 = e.admin().now();
    let short = mint(&e, &e.user.id, false);
    e.admin().advance(1_800);
    let secret = e.app.secret.expose_secret().to_owned();
    let (s, v) = e
        .get_as(
            &short,
            "/access_token",
            &[
                ("grant_type", "th_exchange_token"),
                ("client_secret", secret.as_str()),
            ],
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let long = v["access_token"].as_str().expect("token").to_owned();
    assert_eq!(
        debug(&e, &long).await["data_access_expires_at"],
        t0 + 90 * DAY
    );
}
