//! Profile discovery: `GET /profile_lookup` and `GET /profile_posts`.

mod common;

use chrono::{TimeZone, Utc};
use common::{QueryKeys, TOKEN, account, fixture, json, server};
use threads_api::Error;
use threads_api::model::{Endpoint, Fields, PublicProfileField};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

#[tokio::test]
async fn lookup_sends_username_and_decodes() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/profile_lookup"))
        .and(query_param("username", "meta"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["username", "access_token"]))
        .respond_with(json(200, &fixture("profile_lookup.json")))
        .expect(1)
        .mount(&server)
        .await;
    // Builders are awaitable directly.
    let p = account(&server).discovery().lookup("@meta").await.unwrap();
    assert_eq!(p.username.as_deref(), Some("meta"));
    assert_eq!(p.name.as_deref(), Some("Meta"));
    assert_eq!(p.follower_count, Some(1_234_567));
    assert_eq!(p.likes_count, Some(2500));
    assert_eq!(p.replies_count, Some(340));
}

#[tokio::test]
async fn lookup_with_fields() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/profile_lookup"))
        .and(query_param("username", "threads"))
        .and(query_param("fields", "username,follower_count"))
        .respond_with(json(200, r#"{"username":"threads","follower_count":10}"#))
        .expect(1)
        .mount(&server)
        .await;
    let p = account(&server)
        .discovery()
        .lookup("threads")
        .fields(Fields::of([
            PublicProfileField::Username,
            PublicProfileField::FollowerCount,
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(p.follower_count, Some(10));
    assert_eq!(p.biography, None);
}

#[tokio::test]
async fn profile_posts_sends_username_fields_and_paging() {
    let server = server().await;
    let fields = Fields::default_for(Endpoint::ProfilePosts).render();
    assert!(!fields.contains("owner"));
    Mock::given(method("GET"))
        .and(path("/v1.0/profile_posts"))
        .and(query_param("username", "threads"))
        .and(query_param("fields", fields.as_str()))
        .and(query_param("limit", "10"))
        .and(QueryKeys(vec![
            "username",
            "fields",
            "limit",
            "access_token",
        ]))
        .respond_with(json(200, &fixture("user_threads.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .discovery()
        .posts("@threads")
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 4);
    assert!(page.has_next());
}

#[tokio::test]
async fn blank_usernames_are_not_sent() {
    let server = server().await;
    let acc = account(&server);
    let err = acc.discovery().lookup(" @ ").send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "username"));
    let err = acc.discovery().lookup("a b").send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "username"));
    let err = acc.discovery().posts("").send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "username"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn profile_posts_take_the_paging_parameters() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/profile_posts"))
        .and(query_param("username", "threads"))
        .and(query_param("since", "1704067200"))
        .and(query_param("until", "1735689600"))
        .and(query_param("before", "PREV"))
        .and(QueryKeys(vec![
            "username",
            "fields",
            "since",
            "until",
            "before",
            "access_token",
        ]))
        .respond_with(json(200, &fixture("user_threads.json")))
        .expect(1)
        .mount(&server)
        .await;
    account(&server)
        .discovery()
        .posts("threads")
        .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        .before("PREV")
        .send()
        .await
        .unwrap();
    // The same checks as every list: both cursors at once never leave the process.
    let err = account(&server)
        .discovery()
        .posts("threads")
        .before("PREV")
        .after("NEXT")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(_)), "{err:?}");
}
