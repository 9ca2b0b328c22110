//! Replies: lists with `reverse`, conversation, user replies, pending replies
//! with `approval_status`, hide/unhide, approve/ignore, and posting a reply.

mod common;

use std::time::Duration;

use common::{FormKeys, QueryKeys, TOKEN, account, form, json, server};
use threads_api::api::publish::PublishWait;
use threads_api::ids::MediaId;
use threads_api::model::{ContainerRequest, Endpoint, Fields, HideStatus, ReplyApprovalStatus};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const USER: &str = "17841405793187218";
const POST: &str = "18050000000000001";

const REPLIES_JSON: &str = r#"{"data":[{"id":"18060000000000010","text":"First Reply","timestamp":"2024-01-01T18:20:00+0000","media_product_type":"THREADS","media_type":"TEXT_POST","shortcode":"abcdefg","has_replies":true,"root_post":{"id":"18050000000000001"},"replied_to":{"id":"18050000000000001"},"is_reply":true,"hide_status":"NOT_HUSHED"}],"paging":{"cursors":{"before":"BEFORE","after":"AFTER"}}}"#;

#[tokio::test]
async fn replies_list_with_reverse_and_default_fields() {
    let server = server().await;
    let fields = Fields::default_for(Endpoint::Replies).render();
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{POST}/replies")))
        .and(query_param("reverse", "false"))
        .and(query_param("fields", fields.as_str()))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["reverse", "fields", "access_token"]))
        .respond_with(json(200, REPLIES_JSON))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .replies()
        .list(&MediaId::new(POST))
        .reverse(false)
        .send()
        .await
        .unwrap();
    let reply = &page.data[0];
    assert_eq!(reply.text.as_deref(), Some("First Reply"));
    assert_eq!(reply.hide_status, Some(HideStatus::NotHushed));
    assert_eq!(reply.is_reply, Some(true));
    assert_eq!(reply.root_post.as_ref().map(|r| r.id.as_str()), Some(POST));
    assert_eq!(page.cursors.after.as_deref(), Some("AFTER"));
    assert!(!fields.contains("owner"));
}

#[tokio::test]
async fn conversation_and_user_replies_paths() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{POST}/conversation")))
        .and(query_param("limit", "50"))
        .respond_with(json(200, REPLIES_JSON))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/replies")))
        .and(query_param("since", "1704067200"))
        .respond_with(json(200, REPLIES_JSON))
        .expect(1)
        .mount(&server)
        .await;
    let account = account(&server);
    let conversation = account
        .replies()
        .conversation(&MediaId::new(POST))
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(conversation.len(), 1);
    let mine = account
        .replies()
        .by_user()
        .since(chrono::DateTime::from_timestamp(1_704_067_200, 0).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn pending_replies_filter_by_approval_status() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{POST}/pending_replies")))
        .and(query_param("approval_status", "ignored"))
        .respond_with(json(
            200,
            r#"{"data":[{"id":"5","text":"pls approve","reply_approval_status":"ignored"}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = account(&server)
        .replies()
        .pending(&MediaId::new(POST))
        .approval_status(ReplyApprovalStatus::Ignored)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.data[0].reply_approval_status,
        Some(ReplyApprovalStatus::Ignored)
    );
    let default_fields = Fields::default_for(Endpoint::PendingReplies).render();
    let requests = server.received_requests().await.unwrap();
    let sent_fields = requests[0]
        .url
        .query_pairs()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(sent_fields, default_fields);
    assert!(sent_fields.contains("reply_approval_status"));
}

#[tokio::test]
async fn hide_unhide_approve_ignore_send_the_documented_forms() {
    let server = server().await;
    for (edge, param, value) in [
        ("manage_reply", "hide", "true"),
        ("manage_reply", "hide", "false"),
        ("manage_pending_reply", "approve", "true"),
        ("manage_pending_reply", "approve", "false"),
    ] {
        Mock::given(method("POST"))
            .and(path(format!("/v1.0/18060000000000010/{edge}")))
            .and(form(param, value))
            .and(form("access_token", TOKEN))
            .and(FormKeys(vec![param, "access_token"]))
            .respond_with(json(200, r#"{"success": true}"#))
            .expect(1)
            .mount(&server)
            .await;
    }
    let replies = account(&server).replies();
    let reply = MediaId::new("18060000000000010");
    assert!(replies.hide(&reply).await.unwrap().success);
    assert!(replies.unhide(&reply).await.unwrap().success);
    assert!(replies.approve(&reply).await.unwrap().success);
    assert!(replies.ignore(&reply).await.unwrap().success);
}

#[tokio::test]
async fn reply_is_a_container_with_reply_to_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads")))
        .and(form("media_type", "TEXT"))
        .and(form("text", "Thanks!"))
        .and(form("reply_to_id", POST))
        .and(FormKeys(vec![
            "media_type",
            "text",
            "reply_to_id",
            "access_token",
        ]))
        .respond_with(json(200, r#"{"id": "777"}"#))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/777"))
        .respond_with(json(200, r#"{"id": "777", "status": "FINISHED"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1.0/{USER}/threads_publish")))
        .and(form("creation_id", "777"))
        .respond_with(json(200, r#"{"id": "888"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let replies = account(&server).replies();
    let container = replies
        .create_container(&MediaId::new(POST), ContainerRequest::text("Thanks!"))
        .await
        .unwrap();
    assert_eq!(container.as_str(), "777");
    let published = replies
        .reply(&MediaId::new(POST), ContainerRequest::text("Thanks!"))
        .wait(PublishWait {
            poll_interval: Duration::from_millis(1),
            ..PublishWait::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(published.media_id.as_str(), "888");
}

#[tokio::test]
async fn reply_fixtures_decode() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/18048791587018172/replies"))
        .respond_with(json(200, &common::fixture("replies.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/18048791587018172/pending_replies"))
        .and(query_param("approval_status", "pending"))
        .respond_with(json(200, &common::fixture("pending_replies.json")))
        .expect(1)
        .mount(&server)
        .await;
    let replies = account(&server).replies();
    let post = MediaId::new("18048791587018172");
    let page = replies.list(&post).send().await.unwrap();
    assert_eq!(page.data[0].text.as_deref(), Some("First Reply"));
    assert_eq!(
        page.data[0].replied_to.as_ref().map(|r| r.id.as_str()),
        Some("18048791587018172")
    );
    assert_eq!(page.cursors.after.as_deref(), Some("QVFIUkFyQ1"));
    let pending = replies
        .pending(&post)
        .approval_status(ReplyApprovalStatus::Pending)
        .send()
        .await
        .unwrap();
    let statuses: Vec<_> = pending
        .iter()
        .map(|m| m.reply_approval_status.clone())
        .collect();
    assert_eq!(
        statuses,
        vec![
            Some(ReplyApprovalStatus::Pending),
            Some(ReplyApprovalStatus::Ignored)
        ]
    );
    assert_eq!(pending.data[0].hide_status, Some(HideStatus::Hidden));
}
