//! Typed Threads webhook payloads.
//!
//! Threads delivers one JSON envelope per notification, **without** the
//! `object`/`entry[]` wrapper of other Graph webhooks:
//!
//! ```json
//! {"app_id":"123456","topic":"moderate","target_id":"78901","time":1723226877,
//!  "subscription_id":"234567","has_uid_field":false,
//!  "values":{"value":{"id":"8901234","text":"Reply"},"field":"replies"}}
//! ```
//!
//! [`WebhookEvent::from_slice`] decodes the raw request body into the envelope
//! fields plus a typed [`WebhookPayload`]: replies, mentions and publish events
//! carry a [`Media`], delete events a [`DeletedPost`], and fields this crate
//! does not know yet are kept as raw JSON. Decoding errors are
//! [`Error::Decode`] with the JSON path of the failing field (for example
//! `values.value.timestamp`).
//!
//! # Verification is not done here
//!
//! This module only *parses*. Before parsing, check the `X-Hub-Signature-256`
//! header (HMAC-SHA256 of the exact raw body with the Threads app secret,
//! compared in constant time) and answer the `hub.challenge` handshake; that is
//! the job of the `token-crypto` crate, which keeps the app secret. Never parse
//! and act on a body whose signature was not verified.
//!
//! ```
//! use threads_api::webhook::{WebhookEvent, WebhookPayload};
//!
//! let body = br#"{"app_id":"1","topic":"moderate","target_id":"2","time":1723226877,
//!   "subscription_id":"3","has_uid_field":false,
//!   "values":{"value":{"id":"4","text":"Nice post","username":"fan"},"field":"replies"}}"#;
//! let event = WebhookEvent::from_slice(body).unwrap();
//! match &event.payload {
//!     WebhookPayload::Replies(reply) => assert_eq!(reply.text.as_deref(), Some("Nice post")),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AppId, MediaId, SubscriptionId};
use crate::model::{Media, Owner, wire_enum};

wire_enum! {
    /// The webhook topic an event belongs to.
    pub enum WebhookTopic {
        /// `replies` and `delete` events.
        Moderate = "moderate",
        /// `mentions` and `publish` events.
        Interaction = "interaction",
    }
}

wire_enum! {
    /// The `values.field` of an event.
    pub enum WebhookField {
        /// A reply on media owned by the installed user (topic `moderate`).
        Replies = "replies",
        /// A public post mentioned the user (topic `interaction`).
        Mentions = "mentions",
        /// The user deleted a post (topic `moderate`).
        Delete = "delete",
        /// The user published a post or reply (topic `interaction`).
        Publish = "publish",
    }
}

/// The `value` of a `delete` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeletedPost {
    /// The deleted post.
    pub id: MediaId,
    /// Its owner (`{"owner_id": "..."}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// When it was deleted.
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_at: Option<DateTime<Utc>>,
    /// When it was published.
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<DateTime<Utc>>,
    /// The owner's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Fields this crate does not model, as raw JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The typed `values.value` of an event, chosen by `values.field`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// `replies`: the new reply. `root_post` carries `owner_id` and `username`.
    Replies(Box<Media>),
    /// `mentions`: the post that mentions the user.
    Mentions(Box<Media>),
    /// `delete`: the deleted post.
    Delete(DeletedPost),
    /// `publish`: the newly published post.
    Publish(Box<Media>),
    /// A field this crate does not know, with its raw value.
    Unknown {
        /// The `values.field` string.
        field: String,
        /// The raw `values.value`.
        value: serde_json::Value,
    },
}

impl WebhookPayload {
    /// The `values.field` this payload came from.
    pub fn field(&self) -> WebhookField {
        match self {
            WebhookPayload::Replies(_) => WebhookField::Replies,
            WebhookPayload::Mentions(_) => WebhookField::Mentions,
            WebhookPayload::Delete(_) => WebhookField::Delete,
            WebhookPayload::Publish(_) => WebhookField::Publish,
            WebhookPayload::Unknown { field, .. } => WebhookField::Unknown(field.clone()),
        }
    }

    /// The media object of a replies, mentions or publish event.
    pub fn media(&self) -> Option<&Media> {
        match self {
            WebhookPayload::Replies(m)
            | WebhookPayload::Mentions(m)
            | WebhookPayload::Publish(m) => Some(m),
            _ => None,
        }
    }

    /// The ID of the post the event is about (the reply, mention, deleted or
    /// published post), when the payload is typed.
    pub fn media_id(&self) -> Option<&MediaId> {
        match self {
            WebhookPayload::Delete(d) => Some(&d.id),
            other => other.media().map(|m| &m.id),
        }
    }
}

/// One decoded Threads webhook notification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The Threads app the subscription belongs to.
    pub app_id: AppId,
    /// The topic (`moderate` or `interaction`).
    pub topic: WebhookTopic,
    /// The media ID for reply/delete events; the mentioned user's app-scoped
    /// ID for mentions.
    pub target_id: String,
    /// When the notification was sent (epoch seconds on the wire).
    pub time: DateTime<Utc>,
    /// The subscription.
    pub subscription_id: Option<SubscriptionId>,
    /// `has_uid_field` as sent (`false` when absent).
    pub has_uid_field: bool,
    /// The typed value.
    pub payload: WebhookPayload,
}

#[derive(Deserialize)]
struct RawEnvelope {
    app_id: AppId,
    topic: WebhookTopic,
    #[serde(deserialize_with = "crate::model::serde_helpers::string_or_number")]
    target_id: String,
    #[serde(with = "chrono::serde::ts_seconds")]
    time: DateTime<Utc>,
    #[serde(default)]
    subscription_id: Option<SubscriptionId>,
    #[serde(default)]
    has_uid_field: bool,
    values: RawValues,
}

#[derive(Deserialize)]
struct RawValues {
    field: WebhookField,
    #[serde(default)]
    value: serde_json::Value,
}

impl WebhookEvent {
    /// Decodes one notification from the raw (already verified) request body.
    pub fn from_slice(body: &[u8]) -> Result<Self> {
        let raw: RawEnvelope = decode_path(body, body)?;
        Self::from_raw(raw, body)
    }

    /// Decodes a body holding either one notification or a JSON array of
    /// them (Meta's generic webhooks batch updates; whether Threads does is
    /// not documented).
    pub fn parse_batch(body: &[u8]) -> Result<Vec<Self>> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') {
            let raws: Vec<RawEnvelope> = decode_path(body, body)?;
            raws.into_iter().map(|r| Self::from_raw(r, body)).collect()
        } else {
            Ok(vec![Self::from_slice(body)?])
        }
    }

    fn from_raw(raw: RawEnvelope, body: &[u8]) -> Result<Self> {
        let RawValues { field, value } = raw.values;
        let payload = match field {
            WebhookField::Replies => WebhookPayload::Replies(Box::new(decode_value(value, body)?)),
            WebhookField::Mentions => {
                WebhookPayload::Mentions(Box::new(decode_value(value, body)?))
            }
            WebhookField::Delete => WebhookPayload::Delete(decode_value(value, body)?),
            WebhookField::Publish => WebhookPayload::Publish(Box::new(decode_value(value, body)?)),
            WebhookField::Unknown(field) => WebhookPayload::Unknown { field, value },
        };
        Ok(Self {
            app_id: raw.app_id,
            topic: raw.topic,
            target_id: raw.target_id,
            time: raw.time,
            subscription_id: raw.subscription_id,
            has_uid_field: raw.has_uid_field,
            payload,
        })
    }
}

fn decode_error(path: String, source: serde_json::Error, body: &[u8]) -> Error {
    Error::Decode {
        path,
        source,
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

fn decode_path<T: DeserializeOwned>(input: &[u8], body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(input);
    let value: T = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| decode_error(e.path().to_string(), e.into_inner(), body))?;
    de.end()
        .map_err(|e| decode_error(".".to_owned(), e, body))?;
    Ok(value)
}

fn decode_value<T: DeserializeOwned>(value: serde_json::Value, body: &[u8]) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." {
            "values.value".to_owned()
        } else {
            format!("values.value.{inner}")
        };
        decode_error(path, e.into_inner(), body)
    })
}
