//! The account profile: `/me` and `/{user}` with default and custom fields.

mod common;

use std::future::IntoFuture;

use common::{QueryKeys, TOKEN, account, client, json, server};
use threads_api::AccessToken;
use threads_api::ids::UserId;
use threads_api::model::{Fields, ProfileField};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const PROFILE_JSON: &str = r#"{"id":"1234567","username":"threadsapitestuser","name":"Threads API Test User","threads_profile_picture_url":"https://scontent-sjc3-1.cdninstagram.com/v/t51.2885-19/pic.jpg","threads_biography":"This is my Threads bio.","is_verified":false}"#;

#[tokio::test]
async fn me_with_basic_fields() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .and(query_param(
            "fields",
            "id,username,name,threads_profile_picture_url,threads_biography,is_verified",
        ))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(200, PROFILE_JSON))
        .expect(1)
        .mount(&server)
        .await;
    let account = client(&server).account(UserId::me(), AccessToken::new(TOKEN));
    // Builders are awaitable directly, and their futures can move into tasks.
    let profile = tokio::spawn(account.profile().get().into_future())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.id.as_str(), "1234567");
    assert_eq!(profile.username.as_deref(), Some("threadsapitestuser"));
    assert_eq!(profile.name.as_deref(), Some("Threads API Test User"));
    assert_eq!(
        profile.threads_biography.as_deref(),
        Some("This is my Threads bio.")
    );
    assert_eq!(profile.is_verified, Some(false));
}

#[tokio::test]
async fn user_id_path_and_custom_fields() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/17841405793187218"))
        .and(query_param("fields", "username,is_eligible_for_geo_gating"))
        .respond_with(json(
            200,
            r#"{"id":"17841405793187218","username":"u","is_eligible_for_geo_gating":true}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let profile = account(&server)
        .profile()
        .get()
        .fields(Fields::of([
            ProfileField::Username,
            ProfileField::IsEligibleForGeoGating,
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.is_eligible_for_geo_gating, Some(true));
}

#[tokio::test]
async fn all_fields_are_requested() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/17841405793187218"))
        .and(query_param(
            "fields",
            "id,username,name,threads_profile_picture_url,threads_biography,is_verified,recently_searched_keywords,is_eligible_for_geo_gating",
        ))
        .respond_with(json(200, PROFILE_JSON))
        .expect(1)
        .mount(&server)
        .await;
    account(&server).profile().get().all_fields().await.unwrap();
}

#[tokio::test]
async fn recently_searched_keywords_are_epoch_milliseconds() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/17841405793187218"))
        .and(query_param("fields", "recently_searched_keywords"))
        .respond_with(json(
            200,
            r#"{"id":"17841405793187218","recently_searched_keywords":[{"query":"some keyword","timestamp":1735707600000},{"query":"rust","timestamp":1735707000000}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let keywords = account(&server)
        .profile()
        .recently_searched_keywords()
        .await
        .unwrap();
    assert_eq!(keywords.len(), 2);
    assert_eq!(keywords[0].query, "some keyword");
    assert_eq!(
        keywords[0].timestamp.map(|t| t.timestamp()),
        Some(1_735_707_600)
    );
}

#[tokio::test]
async fn profile_fixture_decodes() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(200, &common::fixture("profile.json")))
        .expect(1)
        .mount(&server)
        .await;
    let account = client(&server).account(UserId::me(), AccessToken::new(TOKEN));
    let profile = account.profile().get().await.unwrap();
    assert_eq!(profile.id.as_str(), "1234567");
    assert_eq!(profile.username.as_deref(), Some("threadsapitestuser"));
    assert!(
        profile
            .threads_profile_picture_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    );
}
