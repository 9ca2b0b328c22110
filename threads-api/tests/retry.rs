//! Retries: reads are retried on transient failures; writes (container create,
//! threads_publish, delete, manage_reply, ...) are sent exactly once.

mod common;

use std::time::Duration;

use common::{TOKEN, account, fast_retry, json, server};
use threads_api::ids::{ContainerId, MediaId, UserId};
use threads_api::model::ContainerRequest;
use threads_api::{AccessToken, Error, ErrorAction, RetryPolicy, ThreadsClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "17841405793187218";

const TRANSIENT: &str = r#"{"error":{"message":"An unexpected error has occurred. Please retry your request later.","type":"OAuthException","code":2,"is_transient":true,"fbtrace_id":"T"}}"#;

async fn mount_failure_then_success(server: &MockServer, failure: ResponseTemplate, failures: u64) {
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .expect(failures)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(200, r#"{"id":"1","username":"u"}"#))
        .with_priority(2)
        .expect(1)
        .mount(server)
        .await;
}

fn me(server: &MockServer) -> threads_api::AccountClient {
    common::client(server).account(UserId::me(), AccessToken::new(TOKEN))
}

#[tokio::test]
async fn reads_retry_5xx_then_succeed() {
    let server = server().await;
    mount_failure_then_success(&server, json(500, TRANSIENT), 2).await;
    let profile = me(&server).profile().get().send().await.unwrap();
    assert_eq!(profile.username.as_deref(), Some("u"));
}

#[tokio::test]
async fn reads_retry_429_and_transient_graph_errors() {
    let server = server().await;
    mount_failure_then_success(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "0"),
        1,
    )
    .await;
    me(&server).profile().get().send().await.unwrap();

    let server = MockServer::start().await;
    mount_failure_then_success(&server, json(400, TRANSIENT), 1).await;
    me(&server).profile().get().send().await.unwrap();
}

#[tokio::test]
async fn reads_retry_throttling_codes() {
    for code in [1, 4, 17, 32, 341, 613] {
        let server = server().await;
        mount_failure_then_success(
            &server,
            json(
                400,
                &format!(
                    r#"{{"error":{{"message":"limit","type":"OAuthException","code":{code}}}}}"#
                ),
            ),
            1,
        )
        .await;
        me(&server).profile().get().send().await.unwrap();
    }
}

#[tokio::test]
async fn reads_give_up_after_max_attempts() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(503, TRANSIENT))
        .expect(3)
        .mount(&server)
        .await;
    let err = me(&server).profile().get().send().await.unwrap_err();
    assert_eq!(err.action(), ErrorAction::Retry);
}

#[tokio::test]
async fn a_never_policy_sends_reads_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(503, TRANSIENT))
        .expect(1)
        .mount(&server)
        .await;
    let client = ThreadsClient::builder()
        .graph_base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .account(UserId::me(), AccessToken::new(TOKEN))
        .profile()
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "retryable by kind, still sent once");
    server.verify().await;
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(
            400,
            r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = me(&server).profile().get().send().await.unwrap_err();
    assert!(err.is_auth_expired());
}

#[tokio::test]
async fn long_retry_after_is_returned_not_slept() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = me(&server).profile().get().send().await.unwrap_err();
    assert_eq!(
        err.action(),
        ErrorAction::RetryAfter(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn read_timeouts_are_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(200, r#"{"id":"1"}"#).set_delay(Duration::from_millis(400)))
        .expect(3)
        .mount(&server)
        .await;
    let client = ThreadsClient::builder()
        .graph_base_url(server.uri())
        .timeout(Duration::from_millis(50))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = client
        .account(UserId::me(), AccessToken::new(TOKEN))
        .profile()
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

/// Mounts a 500 with `expect(1)` on `POST|DELETE path`.
async fn mount_500_once(server: &MockServer, verb: &str, route: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(json(500, TRANSIENT))
        .expect(1)
        .named(format!("{verb} {route} must be sent exactly once"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn threads_publish_is_never_retried() {
    let server = server().await;
    mount_500_once(&server, "POST", &format!("/v1.0/{USER}/threads_publish")).await;
    let err = account(&server)
        .publish()
        .publish_container(&ContainerId::new("1"))
        .await
        .unwrap_err();
    assert!(
        err.is_retryable(),
        "transient by classification, still sent once"
    );
    server.verify().await;
}

#[tokio::test]
async fn container_create_is_never_retried() {
    let server = server().await;
    mount_500_once(&server, "POST", &format!("/v1.0/{USER}/threads")).await;
    account(&server)
        .publish()
        .create_container(&ContainerRequest::text("hello"))
        .await
        .unwrap_err();
    server.verify().await;
}

#[tokio::test]
async fn delete_is_never_retried() {
    let server = server().await;
    mount_500_once(&server, "DELETE", "/v1.0/42").await;
    account(&server)
        .posts()
        .delete(&MediaId::new("42"))
        .await
        .unwrap_err();
    server.verify().await;
}

#[tokio::test]
async fn manage_reply_and_pending_reply_are_never_retried() {
    let server = server().await;
    mount_500_once(&server, "POST", "/v1.0/42/manage_reply").await;
    mount_500_once(&server, "POST", "/v1.0/42/manage_pending_reply").await;
    let replies = account(&server).replies();
    replies.hide(&MediaId::new("42")).await.unwrap_err();
    replies.approve(&MediaId::new("42")).await.unwrap_err();
    server.verify().await;
}

#[tokio::test]
async fn repost_and_escape_hatch_posts_are_never_retried() {
    let server = server().await;
    mount_500_once(&server, "POST", "/v1.0/42/repost").await;
    mount_500_once(&server, "POST", "/v1.0/42/some_new_edge").await;
    let account = account(&server);
    account
        .publish()
        .repost(&MediaId::new("42"))
        .await
        .unwrap_err();
    account
        .client()
        .post_json::<serde_json::Value>("42/some_new_edge", &[("x", "1")], Some(account.token()))
        .await
        .unwrap_err();
    server.verify().await;
}

#[tokio::test]
async fn publish_timeout_is_sent_once_and_surfaces() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .respond_with(json(200, r#"{"id":"9"}"#).set_delay(Duration::from_millis(400)))
        .expect(1)
        .mount(&server)
        .await;
    let client = ThreadsClient::builder()
        .graph_base_url(server.uri())
        .timeout(Duration::from_millis(50))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = client
        .account(UserId::new(USER), AccessToken::new(TOKEN))
        .publish()
        .publish_container(&ContainerId::new("1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    server.verify().await;
}

#[tokio::test]
async fn writes_retry_only_when_the_connection_never_opened() {
    // A connect error means no byte reached the server: safe to repeat for any
    // class. The policy still bounds the attempts and the error surfaces.
    let client = ThreadsClient::builder()
        .graph_base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = client
        .account(UserId::new(USER), AccessToken::new(TOKEN))
        .publish()
        .publish_container(&ContainerId::new("1"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}
