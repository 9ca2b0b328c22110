//! Publishing: container creation, status, threads_publish, repost and the
//! create → wait → publish flow, against wiremock.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{FormKeys, QueryKeys, TOKEN, account, form, json, server};
use futures::future::BoxFuture;
use threads_api::api::publish::PublishWait;
use threads_api::ids::{ContainerId, MediaId, UserId};
use threads_api::model::{
    ContainerErrorCode, ContainerRequest, ContainerState, PollAttachment, ReplyControl,
};
use threads_api::{AccessToken, Error, ErrorAction, Sleeper, ThreadsClient, TokenPlacement};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer};

const USER: &str = "17841405793187218";
const CONTAINER: &str = "17889615691921648";

fn fast_wait() -> PublishWait {
    PublishWait {
        initial_delay: Duration::ZERO,
        poll_interval: Duration::from_millis(2),
        max_poll_interval: Duration::from_millis(4),
        deadline: Duration::from_secs(5),
    }
}

async fn mount_create(server: &MockServer, id: &str) {
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .respond_with(json(200, &format!(r#"{{"id": "{id}"}}"#)))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_status(server: &MockServer, body: &str, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(format!("/v1.0/{CONTAINER}")))
        .and(query_param("fields", "id,status,error_message"))
        .respond_with(json(200, body));
    match times {
        Some(n) => mock.up_to_n_times(n).with_priority(1).mount(server).await,
        None => mock.with_priority(2).mount(server).await,
    }
}

async fn mount_publish(server: &MockServer, expect: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .and(form("creation_id", CONTAINER))
        .and(form("access_token", TOKEN))
        .respond_with(json(200, r#"{"id": "18050000000000001"}"#))
        .expect(expect)
        .mount(server)
        .await;
}

#[tokio::test]
async fn create_text_container_sends_the_exact_form() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(form("media_type", "TEXT"))
        .and(form("text", "Hello & welcome, #Rust fans!"))
        .and(form("reply_control", "accounts_you_follow"))
        .and(form(
            "poll_attachment",
            r#"{"option_a":"Tabs","option_b":"Spaces"}"#,
        ))
        .and(form("access_token", TOKEN))
        .and(FormKeys(vec![
            "media_type",
            "text",
            "reply_control",
            "poll_attachment",
            "access_token",
        ]))
        .and(QueryKeys(vec![]))
        .respond_with(json(200, &format!(r#"{{"id": "{CONTAINER}"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let request = ContainerRequest::text("Hello & welcome, #Rust fans!")
        .reply_control(ReplyControl::AccountsYouFollow)
        .poll_attachment(PollAttachment::new("Tabs", "Spaces"));
    let id = account(&server)
        .publish()
        .create_container(&request)
        .await
        .unwrap();
    assert_eq!(id, ContainerId::new(CONTAINER));
}

#[tokio::test]
async fn carousel_children_are_comma_separated() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(form("media_type", "CAROUSEL"))
        .and(form("children", "111,222,333"))
        .respond_with(json(200, r#"{"id": "999"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let id = account(&server)
        .publish()
        .create_container(&ContainerRequest::carousel(["111", "222", "333"]))
        .await
        .unwrap();
    assert_eq!(id.as_str(), "999");
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let server = server().await;
    let too_long = "a".repeat(501);
    let err = account(&server)
        .publish()
        .create_container(&ContainerRequest::text(too_long.clone()))
        .await
        .unwrap_err();
    match &err {
        Error::Validation(v) => assert_eq!(v.field, "text"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::Terminal);
    let flow_err = account(&server)
        .publish()
        .publish(ContainerRequest::text(too_long))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(flow_err, Error::Validation(_)));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn container_status_decodes_error_message() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{CONTAINER}")))
        .and(query_param("fields", "id,status,error_message"))
        .and(query_param("access_token", TOKEN))
        .respond_with(json(
            200,
            &format!(r#"{{"status":"ERROR","id":"{CONTAINER}","error_message":"FAILED_DOWNLOADING_VIDEO"}}"#),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let status = account(&server)
        .publish()
        .container_status(&ContainerId::new(CONTAINER))
        .await
        .unwrap();
    assert_eq!(status.status, Some(ContainerState::Error));
    assert_eq!(
        status.error_message,
        Some(ContainerErrorCode::FailedDownloadingVideo)
    );
    assert!(!status.is_ready());
}

#[tokio::test]
async fn publish_container_sends_creation_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .and(form("creation_id", CONTAINER))
        .and(form("access_token", TOKEN))
        .and(FormKeys(vec!["creation_id", "access_token"]))
        .respond_with(json(
            200,
            r#"{"id": "18050000000000001", "crossreshare_to_ig_status": "SUCCESS"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let published = account(&server)
        .publish()
        .publish_container(&ContainerId::new(CONTAINER))
        .await
        .unwrap();
    assert_eq!(published.media_id, MediaId::new("18050000000000001"));
    assert_eq!(published.container_id.as_str(), CONTAINER);
    assert!(published.crossreshare_to_ig_status.is_some());
}

#[tokio::test]
async fn repost_posts_to_the_media() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/18050000000000001/repost"))
        .and(FormKeys(vec!["access_token"]))
        .respond_with(json(200, r#"{"id": "18060000000000002"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let id = account(&server)
        .publish()
        .repost(&MediaId::new("18050000000000001"))
        .await
        .unwrap();
    assert_eq!(id.as_str(), "18060000000000002");
}

#[tokio::test]
async fn flow_waits_for_finished_then_publishes() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"IN_PROGRESS","id":"{CONTAINER}"}}"#),
        Some(2),
    )
    .await;
    mount_status(
        &server,
        &format!(r#"{{"status":"FINISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 1).await;
    let published = account(&server)
        .publish()
        .publish(ContainerRequest::image("https://example.com/a.jpg"))
        .wait(fast_wait())
        .send()
        .await
        .unwrap();
    assert_eq!(published.media_id.as_str(), "18050000000000001");
    assert_eq!(published.container_id.as_str(), CONTAINER);
    let statuses = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(statuses, 3);
}

#[tokio::test]
async fn flow_surfaces_error_and_expired_containers() {
    for (body, state, message) in [
        (
            r#"{"status":"ERROR","id":"17889615691921648","error_message":"INVALID_ASPEC_RATIO"}"#,
            ContainerState::Error,
            Some(ContainerErrorCode::InvalidAspectRatio),
        ),
        (
            r#"{"status":"EXPIRED","id":"17889615691921648"}"#,
            ContainerState::Expired,
            None,
        ),
    ] {
        let server = server().await;
        mount_create(&server, CONTAINER).await;
        mount_status(&server, body, None).await;
        mount_publish(&server, 0).await;
        let err = account(&server)
            .publish()
            .publish(ContainerRequest::video("https://example.com/a.mp4"))
            .wait(fast_wait())
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::ContainerFailed {
                container_id,
                status,
                error_message,
            } => {
                assert_eq!(container_id.as_str(), CONTAINER);
                assert_eq!(*status, state);
                assert_eq!(*error_message, message);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.action(), ErrorAction::RecreateContainer);
    }
}

#[tokio::test]
async fn flow_gives_up_at_the_deadline_without_publishing() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"IN_PROGRESS","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 0).await;
    let err = account(&server)
        .publish()
        .publish(ContainerRequest::video("https://example.com/a.mp4"))
        .wait(PublishWait {
            deadline: Duration::from_millis(30),
            ..fast_wait()
        })
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::ContainerNotReady {
            container_id,
            last_status,
            waited,
        } => {
            assert_eq!(container_id.as_str(), CONTAINER);
            assert_eq!(*last_status, Some(ContainerState::InProgress));
            assert!(*waited <= Duration::from_millis(30) + Duration::from_secs(1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::WaitForContainer);
}

#[tokio::test]
async fn flow_retries_publish_only_after_media_not_found() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"FINISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .respond_with(json(
            400,
            r#"{"error": {"message": "The requested resource does not exist", "type": "OAuthException", "code": 24, "error_subcode": 4279009, "is_transient": false, "error_user_title": "Media Not Found", "fbtrace_id": "A"}}"#,
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_publish(&server, 1).await;
    let published = account(&server)
        .publish()
        .publish(ContainerRequest::image("https://example.com/a.jpg"))
        .wait(fast_wait())
        .send()
        .await
        .unwrap();
    assert_eq!(published.media_id.as_str(), "18050000000000001");
}

#[tokio::test]
async fn flow_never_retries_a_failed_publish() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"FINISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .respond_with(json(
            500,
            r#"{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2,"is_transient":true}}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = account(&server)
        .publish()
        .publish(ContainerRequest::text("hi"))
        .wait(fast_wait())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "classified transient, yet sent once");
}

#[tokio::test]
async fn flow_stops_on_already_published_container() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"PUBLISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 0).await;
    let err = account(&server)
        .publish()
        .publish(ContainerRequest::text("hi"))
        .wait(fast_wait())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ContainerAlreadyPublished { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn auto_publish_text_skips_the_publish_call() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(form("auto_publish_text", "true"))
        .respond_with(json(200, r#"{"id": "18070000000000003"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let published = account(&server)
        .publish()
        .publish(ContainerRequest::text("auto").auto_publish_text(true))
        .send()
        .await
        .unwrap();
    assert_eq!(published.media_id.as_str(), "18070000000000003");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bearer_placement_and_unversioned_paths() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/me/threads"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(FormKeys(vec!["media_type", "text"]))
        .respond_with(json(200, r#"{"id": "1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(QueryKeys(vec!["fields"]))
        .respond_with(json(200, r#"{"id": "1", "status": "FINISHED"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let client = ThreadsClient::builder()
        .graph_base_url(server.uri())
        .without_api_version()
        .token_placement(TokenPlacement::BearerHeader)
        .build()
        .unwrap();
    let account = client.account(UserId::me(), AccessToken::new(TOKEN));
    let id = account
        .publish()
        .create_container(&ContainerRequest::text("hi"))
        .await
        .unwrap();
    let status = account.publish().container_status(&id).await.unwrap();
    assert!(status.is_ready());
}

#[tokio::test]
async fn publish_fixtures_decode() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{CONTAINER}")))
        .respond_with(json(200, &common::fixture("container_status_error.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .respond_with(json(200, &common::fixture("publish.json")))
        .mount(&server)
        .await;
    let publish = account(&server).publish();
    let status = publish
        .container_status(&ContainerId::new(CONTAINER))
        .await
        .unwrap();
    assert_eq!(
        status.error_message,
        Some(ContainerErrorCode::FailedDownloadingVideo)
    );
    let published = publish
        .publish_container(&ContainerId::new(CONTAINER))
        .await
        .unwrap();
    assert_eq!(published.media_id.as_str(), "18031391408218291");
}

/// A clock that only moves when the flow sleeps on it, and remembers every sleep.
#[derive(Debug)]
struct VirtualTime {
    start: Instant,
    slept: Mutex<Vec<Duration>>,
}

impl VirtualTime {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            slept: Mutex::default(),
        })
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.slept.lock().expect("test fixture").clone()
    }
}

impl Sleeper for VirtualTime {
    fn now(&self) -> Instant {
        self.start
            + self
                .slept
                .lock()
                .expect("test fixture")
                .iter()
                .sum::<Duration>()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        self.slept.lock().expect("test fixture").push(duration);
        Box::pin(std::future::ready(()))
    }
}

async fn status_reads(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("test fixture")
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count()
}

#[tokio::test]
async fn flow_waits_on_the_given_sleeper_not_in_real_time() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"IN_PROGRESS","id":"{CONTAINER}"}}"#),
        Some(2),
    )
    .await;
    mount_status(
        &server,
        &format!(r#"{{"status":"FINISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 1).await;
    let time = VirtualTime::new();
    let real = Instant::now();
    // The default wait: checks 2 s apart, then 4 s; six seconds in real time.
    let published = account(&server)
        .publish()
        .publish(ContainerRequest::image("https://example.com/a.jpg"))
        .sleeper(time.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(published.container_id.as_str(), CONTAINER);
    assert_eq!(published.media_id.as_str(), "18050000000000001");
    assert_eq!(
        time.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(4)]
    );
    assert_eq!(status_reads(&server).await, 3);
    assert!(
        real.elapsed() < Duration::from_secs(2),
        "slept for real: {:?}",
        real.elapsed()
    );
}

#[tokio::test]
async fn flow_deadline_is_measured_on_the_sleeper() {
    let server = server().await;
    mount_create(&server, CONTAINER).await;
    mount_status(
        &server,
        &format!(r#"{{"status":"IN_PROGRESS","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 0).await;
    let time = VirtualTime::new();
    let err = account(&server)
        .publish()
        .publish(ContainerRequest::video("https://example.com/a.mp4"))
        .sleeper(time.clone())
        .send()
        .await
        .unwrap_err();
    // 2 + 4 + 8 + 16 s, then 30 s steps up to the 5-minute deadline.
    let mut want = vec![2, 4, 8, 16];
    want.extend([30; 9]);
    let want: Vec<Duration> = want.into_iter().map(Duration::from_secs).collect();
    assert_eq!(time.sleeps(), want);
    match &err {
        Error::ContainerNotReady {
            container_id,
            last_status,
            waited,
        } => {
            assert_eq!(container_id.as_str(), CONTAINER);
            assert_eq!(*last_status, Some(ContainerState::InProgress));
            assert_eq!(*waited, Duration::from_secs(300));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(status_reads(&server).await, 1 + want.len());
}

#[tokio::test]
async fn resume_waits_for_and_publishes_an_existing_container() {
    let server = server().await;
    mount_status(
        &server,
        &format!(r#"{{"status":"IN_PROGRESS","id":"{CONTAINER}"}}"#),
        Some(1),
    )
    .await;
    mount_status(
        &server,
        &format!(r#"{{"status":"FINISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 1).await;
    let time = VirtualTime::new();
    let published = account(&server)
        .publish()
        .resume(ContainerId::new(CONTAINER))
        .sleeper(time.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(published.container_id.as_str(), CONTAINER);
    assert_eq!(published.media_id.as_str(), "18050000000000001");
    assert_eq!(time.sleeps(), [Duration::from_secs(2)]);
    let creates = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == format!("/v1.0/{USER}/threads"))
        .count();
    assert_eq!(creates, 0, "resume must not create a container");
}

#[tokio::test]
async fn resume_of_a_published_container_does_not_publish_again() {
    let server = server().await;
    mount_status(
        &server,
        &format!(r#"{{"status":"PUBLISHED","id":"{CONTAINER}"}}"#),
        None,
    )
    .await;
    mount_publish(&server, 0).await;
    let err = account(&server)
        .publish()
        .resume(ContainerId::new(CONTAINER))
        .sleeper(VirtualTime::new())
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::ContainerAlreadyPublished { container_id } => {
            assert_eq!(container_id.as_str(), CONTAINER);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::Terminal);
}
