//! Keyword and tag search: `GET /keyword_search` with every filter.

mod common;

use chrono::{TimeZone, Utc};
use common::{QueryKeys, TOKEN, account, fixture, json, server};
use futures::StreamExt;
use threads_api::Error;
use threads_api::api::search::{SearchMediaType, SearchType};
use threads_api::model::{Endpoint, Fields, MediaField, MediaType};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

#[tokio::test]
async fn keyword_search_with_every_filter() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/keyword_search"))
        .and(query_param("q", "rust async"))
        .and(query_param("search_type", "RECENT"))
        .and(query_param("media_type", "IMAGE"))
        .and(query_param("author_username", "threads"))
        .and(query_param("fields", "id,text,media_type"))
        .and(query_param("limit", "100"))
        .and(query_param("since", "1704067200"))
        .and(query_param("until", "1735689600"))
        .and(query_param("after", "NEXT"))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec![
            "q",
            "search_type",
            "media_type",
            "author_username",
            "fields",
            "limit",
            "since",
            "until",
            "after",
            "access_token",
        ]))
        .respond_with(json(200, &fixture("keyword_search.json")))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .search()
        .keyword("rust async")
        .search_type(SearchType::Recent)
        .media_type(SearchMediaType::Image)
        .author_username("@threads")
        .fields(Fields::of([
            MediaField::Id,
            MediaField::Text,
            MediaField::MediaType,
        ]))
        .limit(100)
        .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        .after("NEXT")
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    // The documentation examples say "TEXT"; it is read as TEXT_POST.
    assert_eq!(page.data[0].media_type, Some(MediaType::TextPost));
    assert_eq!(page.data[0].username.as_deref(), Some("someone"));
}

#[tokio::test]
async fn tag_search_sends_search_mode_tag_and_default_fields() {
    let server = server().await;
    let fields = Fields::default_for(Endpoint::KeywordSearch).render();
    assert!(!fields.contains("owner"));
    Mock::given(method("GET"))
        .and(path("/v1.0/keyword_search"))
        .and(query_param("q", "RustLang"))
        .and(query_param("search_mode", "TAG"))
        .and(query_param("fields", fields.as_str()))
        .and(query_param("before", "PREV"))
        .and(QueryKeys(vec![
            "q",
            "search_mode",
            "fields",
            "before",
            "access_token",
        ]))
        .respond_with(json(200, r#"{"data":[]}"#))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .search()
        .tag("RustLang")
        .before("PREV")
        .send()
        .await
        .unwrap();
    assert!(page.data.is_empty());
}

#[tokio::test]
async fn invalid_searches_are_not_sent() {
    let server = server().await;
    let acc = account(&server);
    let err = acc.search().keyword("   ").send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "q"));
    let err = acc
        .search()
        .keyword("x")
        .author_username("two words")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "author_username"));
    let err = acc
        .search()
        .keyword("x")
        .author_username("@")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "author_username"));
    let err = acc
        .search()
        .keyword("x")
        .before("a")
        .after("b")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation(v) if v.field == "before"));
    let items: Vec<_> = acc.search().keyword("").stream().collect().await;
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Err(Error::Validation(v)) if v.field == "q"));
    assert!(server.received_requests().await.unwrap().is_empty());
}
