//! Posts: single media with default/custom/nested fields, the user's threads
//! list, and delete, against wiremock.

mod common;

use chrono::{TimeZone, Utc};
use common::{QueryKeys, TOKEN, account, json, server};
use threads_api::ids::MediaId;
use threads_api::model::{Endpoint, Fields, MediaField, MediaType};
use threads_api::{Error, ErrorAction};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};

const USER: &str = "17841405793187218";

const MEDIA_JSON: &str = r#"{
  "id": "18050000000000001",
  "media_product_type": "THREADS",
  "media_type": "TEXT_POST",
  "permalink": "https://www.threads.net/@threadsapitestuser/post/C1a2b3",
  "owner": {"id": "17841405793187218"},
  "username": "threadsapitestuser",
  "text": "Hello from the API",
  "timestamp": "2023-10-17T05:42:03+0000",
  "shortcode": "C1a2b3",
  "is_quote_post": false,
  "has_replies": true,
  "is_reply": false,
  "reply_audience": "EVERYONE",
  "topic_tag": "Rust",
  "poll_attachment": {
    "option_a": "Tabs", "option_b": "Spaces",
    "option_a_votes_percentage": 0.25, "option_b_votes_percentage": 0.75,
    "total_votes": 100,
    "expiration_timestamp": "2025-01-01T23:00:00+0000"
  }
}"#;

#[tokio::test]
async fn get_media_sends_default_fields_and_decodes() {
    let server = server().await;
    let default_fields = Fields::default_for(Endpoint::Media).render();
    Mock::given(method("GET"))
        .and(path("/v1.0/18050000000000001"))
        .and(query_param("fields", default_fields.as_str()))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(200, MEDIA_JSON))
        .expect(1)
        .mount(&server)
        .await;
    let post = account(&server)
        .posts()
        .get(&MediaId::new("18050000000000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.id.as_str(), "18050000000000001");
    assert_eq!(post.media_type, Some(MediaType::TextPost));
    assert_eq!(post.text.as_deref(), Some("Hello from the API"));
    assert_eq!(
        post.timestamp,
        Some(Utc.with_ymd_and_hms(2023, 10, 17, 5, 42, 3).unwrap())
    );
    assert_eq!(
        post.owner
            .as_ref()
            .and_then(|o| o.id.as_ref())
            .map(|id| id.as_str()),
        Some(USER)
    );
    let poll = post.poll_attachment.expect("poll decoded");
    assert_eq!(poll.total_votes, Some(100));
    assert!(default_fields.contains("owner"));
}

#[tokio::test]
async fn get_media_with_custom_nested_fields() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/18050000000000001"))
        .and(query_param(
            "fields",
            "id,text,poll_attachment{option_a,option_b,total_votes},location{id,name}",
        ))
        .respond_with(json(
            200,
            r#"{"id":"18050000000000001","text":"t","poll_attachment":{"option_a":"A","option_b":"B","total_votes":3},"location":{"id":"123","name":"Menlo Park"}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let fields = Fields::new()
        .field(MediaField::Id)
        .field(MediaField::Text)
        .nested(
            MediaField::PollAttachment,
            ["option_a", "option_b", "total_votes"],
        )
        .nested(MediaField::Location, ["id", "name"]);
    let post = account(&server)
        .posts()
        .get(&MediaId::new("18050000000000001"))
        .fields(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        post.location.and_then(|l| l.name).as_deref(),
        Some("Menlo Park")
    );
}

#[tokio::test]
async fn empty_field_selection_sends_no_fields_parameter() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/1"))
        .and(query_param_is_missing("fields"))
        .respond_with(json(200, r#"{"id":"1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let post = account(&server)
        .posts()
        .get(&MediaId::new("1"))
        .fields(Fields::new())
        .send()
        .await
        .unwrap();
    assert_eq!(post.id.as_str(), "1");
    assert_eq!(post.text, None);
}

#[tokio::test]
async fn user_threads_list_sends_paging_parameters() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(query_param("fields", "id,text,media_type"))
        .and(query_param("limit", "2"))
        .and(query_param("since", "1704067200"))
        .and(query_param("until", "1735689600"))
        .and(query_param("after", "QVFIUk"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec![
            "fields",
            "limit",
            "since",
            "until",
            "after",
            "access_token",
        ]))
        .respond_with(json(
            200,
            r#"{"data":[{"id":"1","text":"first","media_type":"TEXT_POST"},{"id":"2","media_type":"REPOST_FACADE","reposted_post":{"id":"99"}}],"paging":{"cursors":{"before":"B1","after":"A1"}}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .posts()
        .list()
        .fields(Fields::of(["id", "text", "media_type"]))
        .limit(2)
        .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        .after("QVFIUk")
        .send()
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page.cursors.after.as_deref(), Some("A1"));
    assert_eq!(page.cursors.before.as_deref(), Some("B1"));
    assert!(page.data[1].is_repost());
    let ids: Vec<String> = page.into_iter().map(|m| m.id.into_string()).collect();
    assert_eq!(ids, ["1", "2"]);
}

#[tokio::test]
async fn me_alias_is_used_in_paths() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/threads"))
        .respond_with(json(200, r#"{"data":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let account = common::client(&server).account(
        threads_api::ids::UserId::me(),
        threads_api::AccessToken::new(TOKEN),
    );
    let page = account.posts().list().send().await.unwrap();
    assert!(page.is_empty());
    assert!(!page.has_next());
}

#[tokio::test]
async fn invalid_list_parameters_fail_before_sending() {
    let server = server().await;
    let err = account(&server)
        .posts()
        .list()
        .limit(101)
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Validation(v) => assert_eq!(v.field, "limit"),
        other => panic!("{other:?}"),
    }
    let err = account(&server)
        .posts()
        .list()
        .before("B")
        .after("A")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "before"));
    let err = account(&server)
        .posts()
        .list()
        .since(Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "since"));
    let err = account(&server)
        .posts()
        .list()
        .until(Utc::now() + chrono::Duration::days(2))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "until"));
    assert_eq!(err.action(), ErrorAction::Terminal);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn delete_sends_delete_with_token_in_query() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1.0/1234567"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["access_token"]))
        .respond_with(json(200, r#"{"success": true, "deleted_id": "1234567"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = account(&server)
        .posts()
        .delete(&MediaId::new("1234567"))
        .await
        .unwrap();
    assert!(deleted.success);
    assert_eq!(deleted.deleted_id, Some(MediaId::new("1234567")));
}

#[tokio::test]
async fn media_decode_errors_name_the_field() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/1"))
        .respond_with(json(200, r#"{"id":"1","timestamp":"yesterday-ish"}"#))
        .mount(&server)
        .await;
    let err = account(&server)
        .posts()
        .get(&MediaId::new("1"))
        .send()
        .await
        .unwrap_err();
    match err {
        Error::Decode { path, body, .. } => {
            assert_eq!(path, "timestamp");
            assert!(body.contains("yesterday-ish"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn escape_hatch_reuses_base_url_version_and_token() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/some_new_edge"))
        .and(query_param("fields", "id,brand_new_field"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(200, r#"{"id":"1","brand_new_field":7}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1.0/55"))
        .and(query_param("access_token", TOKEN))
        .respond_with(json(200, r#"{"success":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    #[derive(serde::Deserialize)]
    struct NewThing {
        brand_new_field: u32,
    }
    let account = account(&server);
    let thing: NewThing = account
        .client()
        .get_json(
            "/me/some_new_edge",
            &[("fields", "id,brand_new_field")],
            Some(account.token()),
        )
        .await
        .unwrap();
    assert_eq!(thing.brand_new_field, 7);
    let done: serde_json::Value = account
        .client()
        .delete_json("55", &[], Some(account.token()))
        .await
        .unwrap();
    assert_eq!(done["success"], true);
}

#[tokio::test]
async fn fixtures_for_user_threads_and_delete_decode() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .respond_with(json(200, &common::fixture("user_threads.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1.0/1234567"))
        .respond_with(json(200, &common::fixture("delete.json")))
        .expect(1)
        .mount(&server)
        .await;
    let posts = account(&server).posts();
    let page = posts.list().await.unwrap();
    assert!(!page.is_empty());
    assert_eq!(page.data[0].id.as_str(), "18031391408218291");
    assert_eq!(page.data[0].media_type, Some(MediaType::TextPost));
    assert_eq!(page.data[0].topic_tag.as_deref(), Some("Rust"));
    let deleted = posts.delete(&MediaId::new("1234567")).await.unwrap();
    assert!(deleted.success);
}
