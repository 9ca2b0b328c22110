//! Ghost posts: `GET /{user}/ghost_posts` wire format and decoding.

mod common;

use common::{QueryKeys, TOKEN, account, fixture, json, server};
use threads_api::model::{Endpoint, Fields, GhostPostStatus, MediaField};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const USER: &str = "17841405793187218";

#[tokio::test]
async fn list_sends_ghost_fields_and_decodes_status() {
    let server = server().await;
    let fields = Fields::default_for(Endpoint::GhostPosts).render();
    assert!(fields.contains("ghost_post_status"));
    assert!(fields.contains("ghost_post_expiration_timestamp"));
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/ghost_posts")))
        .and(query_param("fields", fields.as_str()))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["fields", "access_token"]))
        .respond_with(json(200, &fixture("ghost_posts.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server).ghost_posts().list().send().await.unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(
        page.data[0].ghost_post_status,
        Some(GhostPostStatus::Active)
    );
    assert_eq!(
        page.data[0]
            .ghost_post_expiration_timestamp
            .map(|t| t.timestamp()),
        Some(1_765_879_200)
    );
    assert_eq!(
        page.data[1].ghost_post_status,
        Some(GhostPostStatus::Archived)
    );
}

#[tokio::test]
async fn list_with_custom_fields_and_before_cursor() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/ghost_posts")))
        .and(query_param("fields", "id,ghost_post_status"))
        .and(query_param("before", "B"))
        .and(query_param("limit", "5"))
        .and(QueryKeys(vec!["fields", "before", "limit", "access_token"]))
        .respond_with(json(
            200,
            r#"{"data":[{"id":"9","ghost_post_status":"EXPIRED_SOON"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .ghost_posts()
        .list()
        .fields(Fields::of([MediaField::Id, MediaField::GhostPostStatus]))
        .before("B")
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.data[0].ghost_post_status,
        Some(GhostPostStatus::Unknown("EXPIRED_SOON".into()))
    );
}
