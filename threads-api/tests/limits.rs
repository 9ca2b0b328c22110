//! Publishing quotas: `GET /{user}/threads_publishing_limit`.

mod common;

use common::{QueryKeys, TOKEN, account, fixture, json, server};
use threads_api::model::LimitField;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const USER: &str = "17841405793187218";

#[tokio::test]
async fn default_fields_are_the_post_quota() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads_publishing_limit")))
        .and(query_param("fields", "quota_usage,config"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(
            200,
            r#"{"data":[{"quota_usage":4,"config":{"quota_total":250,"quota_duration":86400}}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Builders are awaitable directly.
    let l = account(&server).publishing_limit().await.unwrap();
    assert_eq!(l.quota_usage, Some(4));
    assert_eq!(l.remaining_posts(), Some(246));
    assert_eq!(l.reply_config, None);
    assert_eq!(l.remaining_replies(), None);
}

#[tokio::test]
async fn every_field() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads_publishing_limit")))
        .and(query_param(
            "fields",
            "quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config,location_search_quota_usage,location_search_config",
        ))
        .respond_with(json(200, &fixture("publishing_limit.json")))
        .expect(1)
        .mount(&server)
        .await;
    let l = account(&server)
        .publishing_limit()
        .fields(LimitField::ALL)
        .send()
        .await
        .unwrap();
    assert_eq!(l.config.unwrap().quota_total, 250);
    assert_eq!(l.reply_config.unwrap().quota_total, 1000);
    assert_eq!(l.delete_config.unwrap().quota_total, 100);
    assert_eq!(l.location_search_config.unwrap().quota_total, 500);
    assert_eq!(l.location_search_config.unwrap().quota_duration, 86_400);
    assert_eq!(l.remaining_deletes(), Some(100));
}

#[tokio::test]
async fn empty_field_list_and_empty_data() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads_publishing_limit")))
        .and(QueryKeys(vec!["access_token"]))
        .respond_with(json(200, r#"{"data":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let l = account(&server)
        .publishing_limit()
        .fields([])
        .send()
        .await
        .unwrap();
    assert_eq!(l.quota_usage, None);
    assert_eq!(l.config, None);
}
