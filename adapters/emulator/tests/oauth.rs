//! OAuth, tokens, scopes and token placement.

mod common;

use common::{REDIRECT, code, env, read, subcode};
use secrecy::ExposeSecret;
use serde_json::Value;
use threads_emulator::{CallbackKind, TokenSpec};

async fn authorize(e: &common::Env, extra: &[(&str, &str)]) -> (u16, String) {
    let mut q = vec![
        ("client_id", e.app.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "threads_basic,threads_content_publish"),
        ("response_type", "code"),
    ];
    q.extend_from_slice(extra);
    let res = e
        .http
        .get(e.emu.authorize_url())
        .query(&q)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let loc = res
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, loc)
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1.split('#').next()?;
    url::form_urlencoded_parse(q, name)
}

mod url {
    pub(crate) fn form_urlencoded_parse(q: &str, name: &str) -> Option<String> {
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=')?;
            if k == name {
                return Some(
                    v.replace('+', " ")
                        .replace("%2C", ",")
                        .replace("%20", " ")
                        .replace("%3A", ":"),
                );
            }
        }
        None
    }
}

async fn exchange(e: &common::Env, code_value: &str, redirect: &str, secret: &str) -> (u16, Value) {
    let res = e
        .http
        .post(e.url("/oauth/access_token"))
        .form(&[
            ("client_id", e.app.id.as_str()),
            ("client_secret", secret),
            ("code", code_value),
            ("grant_type", "authorization_code"),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .expect("request");
    read(res).await
}

#[tokio::test]
async fn full_dance_code_single_use_and_flat_errors() {
    let e = env().await;
    let (status, loc) = authorize(&e, &[("state", "xyz 1")]).await;
    assert_eq!(status, 302);
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert!(loc.ends_with("#_"), "code redirect ends with #_: {loc}");
    assert_eq!(query_param(&loc, "state").as_deref(), Some("xyz 1"));
    let c = query_param(&loc, "code").expect("code");
    let secret = e.app.secret.expose_secret().to_owned();

    // Wrong redirect_uri: flat shape, code still usable after.
    let (s, v) = exchange(&e, &c, "https://other.example/cb", &secret).await;
    assert_eq!(s, 400);
    assert_eq!(v["error_type"], "OAuthException");
    assert_eq!(v["code"], 400);
    assert!(v.get("error").is_none());

    let (s, v) = exchange(&e, &format!("{c}#_"), REDIRECT, &secret).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["access_token"].as_str().expect("token").starts_with("TH"));
    assert_eq!(
        v["user_id"].as_u64().map(|n| n.to_string()),
        Some(e.user.id.clone())
    );
    let short = v["access_token"].as_str().expect("token").to_owned();
    let (s, me) = e
        .get_as(&short, "/v1.0/me", &[("fields", "id,username")])
        .await;
    assert_eq!(s, 200);
    assert_eq!(me["username"], "alice");

    // Single use.
    let (s, v) = exchange(&e, &c, REDIRECT, &secret).await;
    assert_eq!(s, 400);
    assert_eq!(
        v["error_message"],
        "Matching code was not found or was already used"
    );

    // Wrong secret.
    let (_, loc) = authorize(&e, &[]).await;
    let c2 = query_param(&loc, "code").expect("code");
    let (s, v) = exchange(&e, &c2, REDIRECT, "nope").await;
    assert_eq!(s, 400);
    assert_eq!(v["error_type"], "OAuthException");

    // Scopes granted: the token cannot read replies (not requested).
    let (s, v) = e.get_as(&short, "/me/replies", &[]).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 10);
}

#[tokio::test]
async fn code_expires_after_one_hour_and_deny_redirects() {
    let e = env().await;
    let (_, loc) = authorize(&e, &[]).await;
    let c = query_param(&loc, "code").expect("code");
    e.admin().advance(3_601);
    let (s, v) = exchange(&e, &c, REDIRECT, e.app.secret.expose_secret()).await;
    assert_eq!(s, 400);
    assert!(
        v["error_message"]
            .as_str()
            .expect("msg")
            .contains("expired")
    );

    let (s, loc) = authorize(&e, &[("deny", "1"), ("state", "s1")]).await;
    assert_eq!(s, 302);
    assert!(loc.contains("error=access_denied"));
    assert!(loc.contains("error_reason=user_denied"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s1"));
    assert!(query_param(&loc, "code").is_none());

    e.admin().set_deny_authorize(&e.app.id, true).expect("app");
    let (_, loc) = authorize(&e, &[]).await;
    assert!(loc.contains("error=access_denied"));
}

#[tokio::test]
async fn authorize_validates_request() {
    let e = env().await;
    for (k, v) in [
        ("redirect_uri", "https://evil.example/cb"),
        ("scope", "threads_content_publish"),
        ("scope", "threads_basic,not_a_scope"),
        ("response_type", "token"),
        ("client_id", "999"),
    ] {
        let mut q = vec![
            ("client_id", e.app.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "threads_basic"),
            ("response_type", "code"),
        ];
        q.retain(|(name, _)| *name != k);
        q.push((k, v));
        let res = e
            .http
            .get(e.emu.authorize_url())
            .query(&q)
            .send()
            .await
            .expect("req");
        let (s, body) = read(res).await;
        assert_eq!(s, 400, "{k}={v}");
        assert!(body["error"]["code"].is_i64());
    }
    // Trailing slash on the redirect URI is tolerated.
    let q = [
        ("client_id", e.app.id.as_str()),
        ("redirect_uri", "https://app.example/callback/"),
        ("scope", "threads_basic"),
        ("response_type", "code"),
    ];
    let res = e
        .http
        .get(e.emu.authorize_url())
        .query(&q)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 302);
}

#[tokio::test]
async fn long_lived_exchange_and_refresh_rules() {
    let e = env().await;
    let short = e
        .admin()
        .mint_token(TokenSpec {
            app_id: e.app.id.clone(),
            user_id: e.user.id.clone(),
            ..TokenSpec::default()
        })
        .expect("token");
    let short = short.access_token.expose_secret().to_owned();
    let secret = e.app.secret.expose_secret().to_owned();
    let ex = |tok: String, sec: String| {
        let e = &e;
        async move {
            e.get_as(
                &tok,
                "/access_token",
                &[("grant_type", "th_exchange_token"), ("client_secret", &sec)],
            )
            .await
        }
    };
    let (s, v) = ex(short.clone(), "wrong".into()).await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = ex(short.clone(), secret.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 60 * 86_400);
    let long = v["access_token"].as_str().expect("token").to_owned();

    // A long-lived token cannot be exchanged again.
    let (s, _) = ex(long.clone(), secret.clone()).await;
    assert_eq!(s, 400);

    let refresh = |tok: String| {
        let e = &e;
        async move {
            e.get_as(
                &tok,
                "/refresh_access_token",
                &[("grant_type", "th_refresh_token")],
            )
            .await
        }
    };
    // Too young.
    let (s, v) = refresh(long.clone()).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 100);
    // Short-lived token expired after 1 h: exchange fails with 190/463.
    e.admin().advance(3_600);
    let (s, v) = ex(short, secret).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 190);
    assert_eq!(subcode(&v), Some(463));
    // After 24 h refresh works and gives 60 days from now.
    e.admin().advance(86_400);
    let (s, v) = refresh(long.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["expires_in"], 60 * 86_400);
    let refreshed = v["access_token"].as_str().expect("token").to_owned();
    // After 60 days the old one is dead and cannot be refreshed.
    e.admin().advance(59 * 86_400);
    let (s, v) = refresh(long).await;
    assert_eq!(code(&v), 190, "{s} {v}");
    let (s, _) = e.get_as(&refreshed, "/me", &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn app_tokens_and_debug_token() {
    let e = env().await;
    let secret = e.app.secret.expose_secret().to_owned();
    let (s, v) = read(
        e.http
            .get(e.url("/oauth/access_token"))
            .query(&[
                ("grant_type", "client_credentials"),
                ("client_id", e.app.id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200);
    let app_token = v["access_token"].as_str().expect("token").to_owned();
    assert_eq!(app_token, format!("TH|{}|{}", e.app.id, secret));

    // App tokens do not work on user endpoints.
    let (s, v) = e.get_as(&app_token, "/me", &[]).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 10);

    let (s, v) = e
        .get_as(&app_token, "/debug_token", &[("input_token", &e.token)])
        .await;
    assert_eq!(s, 200, "{v}");
    let d = &v["data"];
    assert_eq!(d["type"], "USER");
    assert_eq!(d["application"], "Test App");
    assert_eq!(d["is_valid"], true);
    assert_eq!(d["user_id"], e.user.id);
    assert!(d["expires_at"].as_i64().expect("exp") > d["issued_at"].as_i64().expect("iat"));
    assert!(d["data_access_expires_at"].is_i64());
    assert!(
        d["scopes"]
            .as_array()
            .expect("scopes")
            .iter()
            .any(|s| s == "threads_basic")
    );

    // Debug with a user token of the same app; input of another app fails.
    let other = e.admin().create_app(Default::default()).expect("app");
    let other_token = e
        .admin()
        .mint_token(TokenSpec {
            app_id: other.id.clone(),
            user_id: e.user.id.clone(),
            ..TokenSpec::default()
        })
        .expect("t");
    let (s, _) = e
        .get(
            "/debug_token",
            &[("input_token", other_token.access_token.expose_secret())],
        )
        .await;
    assert_eq!(s, 400);
    let (s, v) = e.get("/debug_token", &[("input_token", "THgarbage")]).await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["is_valid"], false);
    e.admin().expire_token(&e.token);
    let (s, v) = e
        .get_as(&app_token, "/debug_token", &[("input_token", &e.token)])
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["data"]["is_valid"], false);
}

#[tokio::test]
async fn token_placement_and_token_errors() {
    let e = env().await;
    // Bearer header.
    let (s, v) = read(
        e.http
            .get(e.url("/v1.0/me?fields=username"))
            .bearer_auth(&e.token)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["username"], "alice");
    // Graph-style usage header (percentages of the daily call budget).
    let res = e
        .http
        .get(e.url("/me"))
        .bearer_auth(&e.token)
        .send()
        .await
        .expect("req");
    let usage: Value = serde_json::from_str(
        res.headers()
            .get("x-app-usage")
            .expect("header")
            .to_str()
            .expect("ascii"),
    )
    .expect("json header");
    assert!(usage["call_count"].is_u64() && usage["total_time"].is_u64());
    // Multipart body carrying the token and the parameters.
    let boundary = "XyZ";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"media_type\"\r\n\r\nTEXT\r\n--{b}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nfrom multipart\r\n--{b}\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n{t}\r\n--{b}--\r\n",
        b = boundary,
        t = e.token
    );
    let (s, v) = read(
        e.http
            .post(e.url("/me/threads"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // POST params in the query string.
    let (s, v) = read(
        e.http
            .post(e.url("/me/threads"))
            .query(&[
                ("media_type", "TEXT"),
                ("text", "from query"),
                ("access_token", &e.token),
            ])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let (s, v) = read(e.http.get(e.url("/me")).send().await.expect("req")).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 104);
    let (s, v) = e.get_as("THnot-a-token", "/me", &[]).await;
    assert_eq!(s, 400);
    assert_eq!(code(&v), 190);
    assert!(v["error"]["fbtrace_id"].is_string());
    assert_eq!(v["error"]["is_transient"], false);

    // Deauthorize revokes the grant: 190 / 458.
    e.admin().set_deny_authorize(&e.app.id, false).expect("app");
    let res = e
        .admin()
        .fire_callback(CallbackKind::Deauthorize, &e.app.id, &e.user.id)
        .await;
    assert!(res.is_err(), "app has no uninstall URL configured");
}

#[tokio::test]
async fn scopes_are_enforced_per_endpoint() {
    let e = env().await;
    let basic = e.token_for(&e.user.id, Some(&["threads_basic"]));
    type Check<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
    let checks: Vec<Check> = vec![
        (
            "POST",
            "/me/threads",
            vec![("media_type", "TEXT"), ("text", "x")],
        ),
        ("POST", "/me/threads_publish", vec![("creation_id", "1")]),
        ("GET", "/me/replies", vec![]),
        ("GET", "/me/mentions", vec![]),
        ("GET", "/me/threads_insights", vec![("metric", "views")]),
        ("GET", "/keyword_search", vec![("q", "x")]),
        ("GET", "/profile_lookup", vec![("username", "alice")]),
        ("GET", "/profile_posts", vec![("username", "alice")]),
        ("GET", "/location_search", vec![("q", "Menlo Park")]),
        ("GET", "/me/threads_publishing_limit", vec![]),
        ("GET", "/me/threads", vec![("fields", "id,reply_audience")]),
    ];
    for (m, path, params) in checks {
        let (s, v) = if m == "GET" {
            e.get_as(&basic, path, &params).await
        } else {
            e.post_as(&basic, path, &params).await
        };
        assert_eq!(s, 400, "{m} {path}: {v}");
        assert_eq!(code(&v), 10, "{m} {path}: {v}");
    }
    let id = e.publish_text("mine").await;
    let (s, v) = e
        .get_as(&basic, &format!("/{id}/insights"), &[("metric", "likes")])
        .await;
    assert_eq!((s, code(&v)), (400, 10));
    let (s, v) = read(
        e.http
            .delete(e.url(&format!("/{id}")))
            .query(&[("access_token", basic.as_str())])
            .send()
            .await
            .expect("req"),
    )
    .await;
    assert_eq!((s, code(&v)), (400, 10));
    // The basic token reads the profile fine.
    let (s, _) = e.get_as(&basic, "/me", &[]).await;
    assert_eq!(s, 200);
}
