//! OAuth: authorize URL, redirect parsing, code exchange, long-lived exchange,
//! refresh, app token and debug_token, against wiremock.

mod common;

use chrono::{DateTime, Utc};
use common::{FormKeys, QueryKeys, assert_no_token, client, form, json, server};
use threads_api::oauth::{Scope, parse_redirect};
use threads_api::{AccessToken, AppCredentials, AppSecret, Error, ErrorAction, ids::UserId};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const SECRET: &str = "app-secret-xyz";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_760_000_000, 0).expect("test fixture")
}

fn app() -> AppCredentials {
    AppCredentials::new("1234567890", AppSecret::new(SECRET))
}

#[tokio::test]
async fn authorize_url_has_documented_parameters() {
    let server = server().await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb/");
    let url = oauth.authorize_url(
        &[
            Scope::ContentPublish,
            Scope::ReadReplies,
            Scope::ContentPublish,
        ],
        Some("st@te 1"),
    );
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("threads.net"));
    assert_eq!(url.path(), "/oauth/authorize");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("client_id".into(), "1234567890".into()),
            ("redirect_uri".into(), "https://example.com/cb/".into()),
            (
                "scope".into(),
                "threads_basic,threads_content_publish,threads_read_replies".into()
            ),
            ("response_type".into(), "code".into()),
            ("state".into(), "st@te 1".into()),
        ]
    );
    assert!(!url.as_str().contains(SECRET));
}

#[tokio::test]
async fn authorize_host_is_configurable() {
    let client = threads_api::ThreadsClient::builder()
        .authorize_base_url("https://www.threads.com")
        .build()
        .unwrap();
    let url = client
        .oauth(app(), "https://example.com/cb")
        .authorize_url(&[Scope::Basic], None);
    assert!(
        url.as_str()
            .starts_with("https://www.threads.com/oauth/authorize?client_id=1234567890"),
        "{url}"
    );
    assert!(!url.as_str().contains("state="));
}

#[tokio::test]
async fn code_exchange_posts_the_form_unversioned_and_accepts_numeric_user_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .and(form("client_id", "1234567890"))
        .and(form("client_secret", SECRET))
        .and(form("code", "AQBx-hBsH3"))
        .and(form("grant_type", "authorization_code"))
        .and(form("redirect_uri", "https://example.com/cb"))
        .and(FormKeys(vec![
            "client_id",
            "client_secret",
            "code",
            "grant_type",
            "redirect_uri",
        ]))
        .respond_with(json(
            200,
            r#"{"access_token": "THQVJshort", "user_id": 17841405793187218}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let redirect = parse_redirect("https://example.com/cb?code=AQBx-hBsH3#_").unwrap();
    let token = oauth.exchange_code(&redirect.code, now()).await.unwrap();
    assert_eq!(token.access_token.expose_secret(), "THQVJshort");
    assert_eq!(token.user_id, UserId::new("17841405793187218"));
    assert_eq!(token.expires_in, None);
    // Documented 1 h lifetime when the response does not say.
    assert_eq!(token.expires_at.timestamp(), now().timestamp() + 3600);
    assert!(!format!("{token:?}").contains("THQVJshort"));
}

#[tokio::test]
async fn code_exchange_accepts_string_user_id_and_expires_in() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .respond_with(json(
            200,
            r#"{"access_token":"THx","user_id":"17841405793187218","expires_in":1800,"token_type":"bearer"}"#,
        ))
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let code = threads_api::oauth::AuthorizationCode::new("c");
    let token = oauth.exchange_code(&code, now()).await.unwrap();
    assert_eq!(token.user_id.as_str(), "17841405793187218");
    assert_eq!(token.expires_in, Some(1800));
    assert_eq!(token.expires_at.timestamp(), now().timestamp() + 1800);
}

#[tokio::test]
async fn code_exchange_flat_error_is_typed_and_sent_once() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .respond_with(json(
            400,
            r#"{"error_type": "OAuthException", "code": 400, "error_message": "Matching code was not found or was already used"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let err = oauth
        .exchange_code(&threads_api::oauth::AuthorizationCode::new("used"), now())
        .await
        .unwrap_err();
    match &err {
        Error::OAuth(o) => {
            assert_eq!(o.code, Some(400));
            assert_eq!(o.http_status.as_u16(), 400);
            assert_eq!(
                o.error_message,
                "Matching code was not found or was already used"
            );
        }
        other => panic!("expected an OAuth error, got {other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::Terminal);
    assert!(!format!("{err:?}").contains(SECRET));
}

#[tokio::test]
async fn code_exchange_server_error_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .respond_with(json(500, "oops"))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let err = oauth
        .exchange_code(&threads_api::oauth::AuthorizationCode::new("c"), now())
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn long_lived_exchange_uses_th_exchange_token() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/access_token"))
        .and(query_param("grant_type", "th_exchange_token"))
        .and(query_param("client_secret", SECRET))
        .and(query_param("access_token", "THshort"))
        .and(QueryKeys(vec![
            "grant_type",
            "client_secret",
            "access_token",
        ]))
        .respond_with(json(
            200,
            r#"{"access_token": "THlong", "token_type": "bearer", "expires_in": 5183944}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let long = oauth
        .exchange_for_long_lived(&AccessToken::new("THshort"), now())
        .await
        .unwrap();
    assert_eq!(long.access_token.expose_secret(), "THlong");
    assert_eq!(long.token_type.as_deref(), Some("bearer"));
    assert_eq!(long.expires_in, 5_183_944);
    assert_eq!(long.expires_at.timestamp(), now().timestamp() + 5_183_944);
}

#[tokio::test]
async fn refresh_uses_th_refresh_token_without_secret() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/refresh_access_token"))
        .and(query_param("grant_type", "th_refresh_token"))
        .and(query_param("access_token", "THlong"))
        .and(QueryKeys(vec!["grant_type", "access_token"]))
        .respond_with(json(
            200,
            r#"{"access_token": "THlong2", "token_type": "bearer", "expires_in": 5184000}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let refreshed = oauth
        .refresh(&AccessToken::new("THlong"), now())
        .await
        .unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "THlong2");
    assert_eq!(refreshed.expires_in, 5_184_000);
}

#[tokio::test]
async fn token_endpoint_decode_errors_do_not_keep_the_body() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/refresh_access_token"))
        .respond_with(json(
            200,
            r#"{"access_token": "THleaky", "expires_in": "soon"}"#,
        ))
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let err = oauth
        .refresh(&AccessToken::new("THlong"), now())
        .await
        .unwrap_err();
    match &err {
        Error::Decode { path, body, .. } => {
            assert_eq!(path, "expires_in");
            assert!(!body.contains("THleaky"));
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains("THleaky"), "{shown}");
}

#[tokio::test]
async fn expired_short_token_is_reauthorize() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/access_token"))
        .respond_with(json(
            400,
            r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Ab"}}"#,
        ))
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let err = oauth
        .exchange_for_long_lived(&AccessToken::new("THshort"), now())
        .await
        .unwrap_err();
    assert!(err.is_auth_expired());
    assert_eq!(err.action(), ErrorAction::Reauthorize);
}

#[tokio::test]
async fn app_token_uses_client_credentials() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/oauth/access_token"))
        .and(query_param("grant_type", "client_credentials"))
        .and(query_param("client_id", "1234567890"))
        .and(query_param("client_secret", SECRET))
        .respond_with(json(
            200,
            r#"{"access_token": "TH|1234567890|abcd1234", "token_type": "bearer"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let token = oauth.app_token().await.unwrap();
    assert!(token.access_token.is_app_token());
    assert_eq!(token.token_type.as_deref(), Some("bearer"));
}

#[tokio::test]
async fn debug_token_decodes_the_documented_shape() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/debug_token"))
        .and(query_param("input_token", "THinspect"))
        .and(query_param("access_token", common::TOKEN))
        .respond_with(json(
            200,
            r#"{"data": {"type": "USER", "application": "My App", "data_access_expires_at": 1767225600, "expires_at": 1765000000, "is_valid": true, "issued_at": 1760000000, "scopes": ["threads_basic", "threads_content_publish", "threads_brand_new"], "user_id": "17841405793187218"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let info = oauth
        .debug_token(
            &AccessToken::new("THinspect"),
            &AccessToken::new(common::TOKEN),
        )
        .await
        .unwrap();
    assert!(info.is_valid);
    assert_eq!(info.token_type.as_deref(), Some("USER"));
    assert_eq!(info.expires_at.unwrap().timestamp(), 1_765_000_000);
    assert_eq!(
        info.scopes,
        vec![
            Scope::Basic,
            Scope::ContentPublish,
            Scope::Other("threads_brand_new".into())
        ]
    );
    assert_no_token(&format!("{info:?}"));
}

#[tokio::test]
async fn oauth_fixtures_decode() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .and(form("code", "good"))
        .respond_with(json(200, &common::fixture("oauth_code_exchange.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/access_token"))
        .and(form("code", "used"))
        .respond_with(json(
            400,
            &common::fixture("oauth_code_exchange_error.json"),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/access_token"))
        .respond_with(json(200, &common::fixture("long_lived_token.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/debug_token"))
        .respond_with(json(200, &common::fixture("debug_token.json")))
        .mount(&server)
        .await;
    let oauth = client(&server).oauth(app(), "https://example.com/cb");
    let code = threads_api::oauth::AuthorizationCode::new;
    let short = oauth.exchange_code(&code("good"), now()).await.unwrap();
    assert_eq!(short.user_id.as_str(), "17841405793187218");
    let err = oauth.exchange_code(&code("used"), now()).await.unwrap_err();
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
    let long = oauth
        .exchange_for_long_lived(&short.access_token, now())
        .await
        .unwrap();
    assert_eq!(long.expires_in, 5_183_944);
    let info = oauth
        .debug_token(&long.access_token, &long.access_token)
        .await
        .unwrap();
    assert!(info.is_valid);
    assert_eq!(info.scopes, vec![Scope::Basic, Scope::ContentPublish]);
}
