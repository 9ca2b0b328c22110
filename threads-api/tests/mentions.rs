//! Mentions: `GET /{user}/mentions` wire format, decoding and paging.

mod common;

use chrono::{TimeZone, Utc};
use common::{QueryKeys, TOKEN, account, fixture, json, server};
use futures::TryStreamExt;
use threads_api::Error;
use threads_api::model::{Endpoint, Fields, MediaType};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};

const USER: &str = "17841405793187218";

#[tokio::test]
async fn list_sends_default_fields_and_paging() {
    let server = server().await;
    let fields = Fields::default_for(Endpoint::Mentions).render();
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/mentions")))
        .and(query_param("fields", fields.as_str()))
        .and(query_param("limit", "50"))
        .and(query_param("since", "1704067200"))
        .and(query_param("until", "1735689600"))
        .and(query_param("after", "CUR"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec![
            "fields",
            "limit",
            "since",
            "until",
            "after",
            "access_token",
        ]))
        .respond_with(json(200, &fixture("mentions.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .mentions()
        .list()
        .limit(50)
        .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        .after("CUR")
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    let m = &page.data[0];
    assert_eq!(m.media_type, Some(MediaType::Image));
    assert_eq!(m.username.as_deref(), Some("friend"));
    assert_eq!(page.cursors.after.as_deref(), Some("y"));
    assert!(!fields.contains("owner"));
}

#[tokio::test]
async fn stream_follows_the_after_cursor() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/mentions")))
        .and(query_param_is_missing("after"))
        .respond_with(json(
            200,
            r#"{"data":[{"id":"1"},{"id":"2"}],"paging":{"cursors":{"after":"P2"}}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/mentions")))
        .and(query_param("after", "P2"))
        .respond_with(json(200, r#"{"data":[{"id":"3"}]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<String> = account(&server)
        .mentions()
        .list()
        .fields(Fields::of(["id"]))
        .stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, vec!["1", "2", "3"]);
}

#[tokio::test]
async fn bad_paging_is_rejected_before_sending() {
    let server = server().await;
    let err = account(&server)
        .mentions()
        .list()
        .limit(101)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "limit"));
    assert!(server.received_requests().await.unwrap().is_empty());
}
