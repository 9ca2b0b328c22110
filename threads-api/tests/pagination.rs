//! Pagination: pages continue themselves, streams follow `after` cursors,
//! stop on a repeated cursor, and end after the first error.

mod common;

use common::{TOKEN, account, json, server};
use futures::{StreamExt, TryStreamExt};
use threads_api::Error;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer};

const USER: &str = "17841405793187218";

fn page(ids: &[&str], after: Option<&str>) -> String {
    let data: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
    let paging = match after {
        Some(a) => format!(r#","paging":{{"cursors":{{"before":"B","after":"{a}"}}}}"#),
        None => String::new(),
    };
    format!(r#"{{"data":[{}]{paging}}}"#, data.join(","))
}

async fn mount_page(server: &MockServer, after_param: Option<&str>, body: String, times: u64) {
    let mock = Mock::given(method("GET")).and(path(format!("/v1.0/{USER}/threads")));
    let mock = match after_param {
        Some(a) => mock.and(query_param("after", a)),
        None => mock.and(query_param_is_missing("after")),
    };
    mock.and(query_param("limit", "2"))
        .and(query_param("access_token", TOKEN))
        .respond_with(json(200, &body))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn stream_yields_every_item_across_pages() {
    let server = server().await;
    mount_page(&server, None, page(&["1", "2"], Some("C1")), 1).await;
    mount_page(&server, Some("C1"), page(&["3", "4"], Some("C2")), 1).await;
    mount_page(&server, Some("C2"), page(&["5"], None), 1).await;
    let ids: Vec<String> = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn stream_stops_when_the_same_cursor_comes_back() {
    let server = server().await;
    mount_page(&server, None, page(&["1", "2"], Some("LOOP")), 1).await;
    // The server keeps returning the cursor it was given.
    mount_page(&server, Some("LOOP"), page(&["3", "4"], Some("LOOP")), 1).await;
    let ids: Vec<String> = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3", "4"]);
}

#[tokio::test]
async fn stream_stops_on_an_empty_page() {
    let server = server().await;
    mount_page(&server, None, page(&["1", "2"], Some("C1")), 1).await;
    mount_page(&server, Some("C1"), page(&[], Some("C2")), 1).await;
    let count = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn stream_ends_after_the_first_error() {
    let server = server().await;
    mount_page(&server, None, page(&["1", "2"], Some("C1")), 1).await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(query_param("after", "C1"))
        .respond_with(json(
            400,
            r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<Result<threads_api::model::Media, Error>> = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert!(items[2].as_ref().unwrap_err().is_auth_expired());
}

#[tokio::test]
async fn stream_with_invalid_parameters_yields_one_validation_error() {
    let server = server().await;
    let items: Vec<_> = account(&server)
        .posts()
        .list()
        .limit(0)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Err(Error::Validation(v)) if v.field == "limit"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn pages_continue_themselves() {
    let server = server().await;
    mount_page(&server, None, page(&["1", "2"], Some("C1")), 1).await;
    mount_page(&server, Some("C1"), page(&["3"], None), 2).await;
    let first = account(&server)
        .posts()
        .list()
        .limit(2)
        .send()
        .await
        .unwrap();
    assert!(first.has_next());
    let second = first.next_page().await.unwrap().expect("a second page");
    assert_eq!(second.data[0].id.as_str(), "3");
    assert!(!second.has_next());
    assert!(second.next_page().await.unwrap().is_none());
    // The same first page can also become a stream of everything.
    let ids: Vec<String> = first
        .into_stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3"]);
}

#[tokio::test]
async fn flat_cursors_and_next_urls_are_followed() {
    let server = server().await;
    // Flat paging.after.
    mount_page(
        &server,
        None,
        r#"{"data":[{"id":"1"}],"paging":{"before":"B","after":"FLAT"}}"#.to_owned(),
        1,
    )
    .await;
    // Only a next URL (with a token in it, which must not be kept).
    mount_page(
        &server,
        Some("FLAT"),
        format!(
            r#"{{"data":[{{"id":"2"}}],"paging":{{"next":"https://graph.threads.net/v1.0/{USER}/threads?access_token=THother&limit=2&after=FROMURL"}}}}"#
        ),
        1,
    )
    .await;
    mount_page(&server, Some("FROMURL"), page(&["3"], None), 1).await;
    let ids: Vec<String> = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3"]);
}

#[tokio::test]
async fn graph_style_responses_end_without_next() {
    let server = server().await;
    mount_page(
        &server,
        None,
        r#"{"data":[{"id":"1"}],"paging":{"cursors":{"before":"B","after":"A"},"previous":"https://graph.threads.net/x?before=B"}}"#.to_owned(),
        1,
    )
    .await;
    let ids: Vec<String> = account(&server)
        .posts()
        .list()
        .limit(2)
        .stream()
        .map_ok(|m| m.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1"]);
}

#[tokio::test]
async fn streams_are_send_and_static() {
    let server = server().await;
    mount_page(&server, None, page(&["1"], None), 1).await;
    let stream = account(&server).posts().list().limit(2).stream();
    let handle = tokio::spawn(async move { stream.try_collect::<Vec<_>>().await });
    assert_eq!(handle.await.unwrap().unwrap().len(), 1);
}
