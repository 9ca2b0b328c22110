//! [`Engagement`]: replies, mentions and moderation, the conversation half of
//! a network.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountAuth, NetworkError, PostId};

/// A post or reply as the network shows it: someone's reply to the account,
/// a post mentioning it, or one of the account's own posts in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundPost {
    /// Its id.
    pub id: PostId,
    /// Its text (untrusted input).
    pub text: String,
    /// The author's handle, without `@`.
    pub author_username: String,
    /// The author's network id, when the network says.
    pub author_id: Option<String>,
    /// The root post of the thread it belongs to (`None` for a root post).
    pub root_id: Option<PostId>,
    /// The post it answers directly (`None` for a root post).
    pub parent_id: Option<PostId>,
    /// When it was written.
    pub created_at: Option<DateTime<Utc>>,
    /// Whether the account itself wrote it.
    pub is_own: bool,
    /// Whether it is hidden (by the account's moderation).
    pub hidden: bool,
}

impl InboundPost {
    /// A post known by id, author and text.
    pub fn new(id: PostId, author_username: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            id,
            text: text.into(),
            author_username: author_username.into(),
            author_id: None,
            root_id: None,
            parent_id: None,
            created_at: None,
            is_own: false,
            hidden: false,
        }
    }
}

/// What an event tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InboundKind {
    /// Someone replied to one of the account's posts (or deeper in its thread).
    Reply,
    /// Someone mentioned the account in a post.
    Mention,
    /// The account published a post (this system's, or made elsewhere).
    Published,
    /// The account deleted a post.
    Deleted,
}

impl InboundKind {
    /// The kind as text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Mention => "mention",
            Self::Published => "published",
            Self::Deleted => "deleted",
        }
    }
}

/// One notification about an account, from a webhook delivery or from
/// polling; both lead to the same handling, deduplicated by [`key`](Self::key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundEvent {
    /// What happened.
    pub kind: InboundKind,
    /// The account's network user id, when the delivery names it.
    pub account_user_id: Option<String>,
    /// The account's handle, when the delivery names it.
    pub account_username: Option<String>,
    /// The post concerned (for [`InboundKind::Deleted`], its id only).
    pub post: InboundPost,
}

impl InboundEvent {
    /// An event about `post`.
    pub fn new(kind: InboundKind, post: InboundPost) -> Self {
        Self {
            kind,
            account_user_id: None,
            account_username: None,
            post,
        }
    }

    /// The event's identity: the same notice from a webhook redelivery, a
    /// second webhook or a poll has the same key (kind and post id).
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.post.id)
    }
}

/// A moderation decision on a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Moderation {
    /// Hide the reply from the thread.
    Hide,
    /// Show it again.
    Unhide,
    /// Let a reply that waits for approval through (pending-reply approvals).
    Approve,
    /// Leave a pending reply unapproved.
    Ignore,
}

/// The conversation half of a network: reading what people write to and
/// about the account, and moderating it.
///
/// Object safe; the pipeline holds an `Arc<dyn Engagement>`. Webhook bodies
/// reach [`parse_webhook`](Engagement::parse_webhook) only after their
/// signature was verified.
#[async_trait]
pub trait Engagement: Send + Sync + std::fmt::Debug {
    /// Reads a verified webhook body into events (a body may carry several).
    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, NetworkError>;

    /// Every reply in the thread under `root` (the account's post), oldest first.
    async fn thread(
        &self,
        auth: &AccountAuth,
        root: &PostId,
    ) -> Result<Vec<InboundPost>, NetworkError>;

    /// Posts mentioning the account since `since`, oldest first.
    async fn mentions(
        &self,
        auth: &AccountAuth,
        since: DateTime<Utc>,
    ) -> Result<Vec<InboundPost>, NetworkError>;

    /// Replies waiting for the account's approval under `root`.
    async fn pending_replies(
        &self,
        auth: &AccountAuth,
        root: &PostId,
    ) -> Result<Vec<InboundPost>, NetworkError>;

    /// Hides, shows, approves or ignores a reply.
    async fn moderate(
        &self,
        auth: &AccountAuth,
        reply: &PostId,
        action: Moderation,
    ) -> Result<(), NetworkError>;
}
