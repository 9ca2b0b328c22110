//! Webhook envelopes decode into typed events; bad bodies give path-named errors.

use chrono::{TimeZone, Utc};
use threads_api::Error;
use threads_api::ids::{AppId, MediaId, SubscriptionId, UserId};
use threads_api::model::{MediaProductType, MediaType};
use threads_api::webhook::{WebhookEvent, WebhookField, WebhookPayload, WebhookTopic};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn ts(s: &str) -> chrono::DateTime<Utc> {
    threads_api::model::time::parse(s).expect("test fixture")
}

#[test]
fn replies_event() {
    let e = WebhookEvent::from_slice(&fixture("webhook_replies.json")).unwrap();
    assert_eq!(e.app_id, AppId::new("123456"));
    assert_eq!(e.topic, WebhookTopic::Moderate);
    assert_eq!(e.target_id, "78901");
    assert_eq!(e.time, Utc.timestamp_opt(1_723_226_877, 0).unwrap());
    assert_eq!(e.subscription_id, Some(SubscriptionId::new("234567")));
    assert!(!e.has_uid_field);
    assert_eq!(e.payload.field(), WebhookField::Replies);
    let WebhookPayload::Replies(reply) = &e.payload else {
        panic!("expected a reply, got {:?}", e.payload)
    };
    assert_eq!(reply.id, MediaId::new("8901234"));
    assert_eq!(reply.text.as_deref(), Some("Reply"));
    assert_eq!(reply.media_type, Some(MediaType::TextPost));
    assert_eq!(reply.replied_to.as_ref().unwrap().id, "567890");
    let root = reply.root_post.as_ref().unwrap();
    assert_eq!(root.id, "123456");
    assert_eq!(root.owner_id, Some(UserId::new("123456")));
    assert_eq!(root.username.as_deref(), Some("test_username_2"));
    assert_eq!(reply.timestamp, Some(ts("2024-08-07T10:33:16+0000")));
}

#[test]
fn mentions_event() {
    let e = WebhookEvent::from_slice(&fixture("webhook_mentions.json")).unwrap();
    assert_eq!(e.topic, WebhookTopic::Interaction);
    let WebhookPayload::Mentions(m) = &e.payload else {
        panic!("expected a mention, got {:?}", e.payload)
    };
    assert_eq!(m.alt_text.as_deref(), Some("test alt text"));
    assert_eq!(m.has_replies, Some(true));
    assert_eq!(m.is_quote_post, Some(false));
    assert_eq!(m.media_product_type, Some(MediaProductType::Threads));
    assert!(m.gif_url.as_deref().unwrap().ends_with(".gif"));
    assert_eq!(e.payload.media_id(), Some(&MediaId::new("8901234")));
}

#[test]
fn delete_event() {
    let e = WebhookEvent::from_slice(&fixture("webhook_delete.json")).unwrap();
    let WebhookPayload::Delete(d) = &e.payload else {
        panic!("expected a delete, got {:?}", e.payload)
    };
    assert_eq!(d.id, MediaId::new("8901234"));
    assert_eq!(
        d.owner.as_ref().and_then(|o| o.user_id()),
        Some(&UserId::new("78901"))
    );
    assert_eq!(d.deleted_at, Some(ts("2024-08-07T10:33:16+0000")));
    assert_eq!(d.username.as_deref(), Some("test_username"));
    assert!(e.payload.media().is_none());
    assert_eq!(e.payload.media_id(), Some(&MediaId::new("8901234")));
}

#[test]
fn publish_event() {
    let e = WebhookEvent::from_slice(&fixture("webhook_publish.json")).unwrap();
    let WebhookPayload::Publish(p) = &e.payload else {
        panic!("expected a publish, got {:?}", e.payload)
    };
    assert_eq!(
        p.permalink.as_deref(),
        Some("https://www.threads.net/@test_username/post/Pp")
    );
    assert_eq!(p.username.as_deref(), Some("test_username"));
}

#[test]
fn unknown_field_keeps_raw_value() {
    let body = br#"{"app_id":1,"topic":"insights","target_id":5,"time":1723226877,
        "values":{"value":{"anything":[1,2]},"field":"quotes"}}"#;
    let e = WebhookEvent::from_slice(body).unwrap();
    assert_eq!(e.app_id, AppId::new("1"));
    assert_eq!(e.target_id, "5");
    assert_eq!(e.topic, WebhookTopic::Unknown("insights".into()));
    assert_eq!(e.subscription_id, None);
    match &e.payload {
        WebhookPayload::Unknown { field, value } => {
            assert_eq!(field, "quotes");
            assert_eq!(value["anything"][1], 2);
        }
        other => panic!("expected unknown, got {other:?}"),
    }
    assert_eq!(e.payload.field(), WebhookField::Unknown("quotes".into()));
}

#[test]
fn batch_accepts_object_or_array() {
    let one = fixture("webhook_publish.json");
    assert_eq!(WebhookEvent::parse_batch(&one).unwrap().len(), 1);
    let mut arr = b"[".to_vec();
    arr.extend_from_slice(&one);
    arr.push(b',');
    arr.extend_from_slice(&fixture("webhook_delete.json"));
    arr.push(b']');
    let events = WebhookEvent::parse_batch(&arr).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].payload.field(), WebhookField::Delete);
}

fn decode_path(body: &[u8]) -> String {
    match WebhookEvent::from_slice(body) {
        Err(Error::Decode { path, .. }) => path,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn errors_name_the_json_path() {
    // Bad value inside the payload.
    let body = br#"{"app_id":"1","topic":"moderate","target_id":"2","time":1,
        "values":{"field":"replies","value":{"id":"3","timestamp":"not a time"}}}"#;
    assert_eq!(decode_path(body), "values.value.timestamp");
    // Missing id in the payload.
    let body = br#"{"app_id":"1","topic":"moderate","target_id":"2","time":1,
        "values":{"field":"delete","value":{"username":"x"}}}"#;
    assert_eq!(decode_path(body), "values.value");
    // Bad envelope field.
    let body = br#"{"app_id":"1","topic":"moderate","target_id":"2","time":"soon",
        "values":{"field":"publish","value":{"id":"3"}}}"#;
    assert_eq!(decode_path(body), "time");
    // Missing values.
    let body = br#"{"app_id":"1","topic":"moderate","target_id":"2","time":1}"#;
    assert_eq!(decode_path(body), ".");
    // Not JSON at all, and trailing garbage.
    assert!(matches!(
        WebhookEvent::from_slice(b"hello"),
        Err(Error::Decode { .. })
    ));
    let mut trailing = fixture("webhook_publish.json");
    trailing.extend_from_slice(b"}");
    assert!(matches!(
        WebhookEvent::from_slice(&trailing),
        Err(Error::Decode { .. })
    ));
}
