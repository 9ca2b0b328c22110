//! [`Publisher`]: the publishing half of a network.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use persona_core::PlatformLimits;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store_traits::DraftMedia;

use super::{AccountAuth, ContainerId, NetworkError, PostId};

/// What to publish: one post, reply or quote, with its media.
///
/// One medium makes a media post, two or more a carousel; `reply_to` makes it
/// a reply and `quote_of` a quote post.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostContent {
    /// The text (may be empty for a media post).
    pub text: String,
    /// Media, in order.
    pub media: Vec<DraftMedia>,
    /// A topic tag, if any.
    pub topic_tag: Option<String>,
    /// The post this one replies to.
    pub reply_to: Option<PostId>,
    /// The post this one quotes.
    pub quote_of: Option<PostId>,
}

impl PostContent {
    /// A text post.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Sets the media.
    pub fn with_media(mut self, media: Vec<DraftMedia>) -> Self {
        self.media = media;
        self
    }

    /// Makes it a reply to `post`.
    pub fn replying_to(mut self, post: PostId) -> Self {
        self.reply_to = Some(post);
        self
    }

    /// Makes it a quote of `post`.
    pub fn quoting(mut self, post: PostId) -> Self {
        self.quote_of = Some(post);
        self
    }

    /// Sets the topic tag.
    pub fn with_topic_tag(mut self, tag: impl Into<String>) -> Self {
        self.topic_tag = Some(tag.into());
        self
    }

    /// A stable fingerprint of the content (SHA-256 over text, media, tag and
    /// targets, hex). Recorded in the publish ledger before anything is sent,
    /// so reconciliation can tell which live post is ours.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        let mut part = |label: &str, value: &str| {
            hash.update((label.len() as u64).to_be_bytes());
            hash.update(label.as_bytes());
            hash.update((value.len() as u64).to_be_bytes());
            hash.update(value.as_bytes());
        };
        part("text", &self.text);
        for m in &self.media {
            part("media", m.kind.as_str());
            part("url", &m.url);
            part("alt", m.alt_text.as_deref().unwrap_or(""));
        }
        part("tag", self.topic_tag.as_deref().unwrap_or(""));
        part(
            "reply_to",
            self.reply_to.as_ref().map_or("", PostId::as_str),
        );
        part(
            "quote_of",
            self.quote_of.as_ref().map_or("", PostId::as_str),
        );
        hex::encode(hash.finalize())
    }
}

/// Where a container is in its processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContainerStatus {
    /// Still processing media: ask again later.
    InProgress,
    /// Ready: publishing it is safe.
    Finished,
    /// Already published (by an earlier call whose answer was lost, perhaps).
    Published,
    /// Failed for good; a new container is needed.
    Failed {
        /// The network's reason (e.g. `FAILED_DOWNLOADING_VIDEO`).
        reason: String,
    },
    /// Expired unpublished (Threads: after 24 hours); a new container is needed.
    Expired,
}

/// A post that is live on the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishedPost {
    /// Its id.
    pub id: PostId,
    /// Its public link, when known.
    pub permalink: Option<String>,
    /// When it went live, when known.
    pub published_at: Option<DateTime<Utc>>,
}

impl PublishedPost {
    /// A post known by id only.
    pub fn new(id: PostId) -> Self {
        Self {
            id,
            permalink: None,
            published_at: None,
        }
    }
}

/// An account's publishing limits as the network reports them, per rolling
/// window. `None` means the network did not say (the documented default applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishingLimits {
    /// Posts allowed per window (Threads: 250; a carousel counts as one).
    pub posts: Option<u32>,
    /// Replies allowed per window (Threads: 1,000).
    pub replies: Option<u32>,
    /// Deletions allowed per window (Threads: 100).
    pub deletes: Option<u32>,
    /// The window (Threads: 24 hours).
    pub window: TimeDelta,
}

impl PublishingLimits {
    /// Limits with nothing reported, over `window`.
    pub fn unknown(window: TimeDelta) -> Self {
        Self {
            posts: None,
            replies: None,
            deletes: None,
            window,
        }
    }
}

/// The publishing half of a network.
///
/// Object safe; the pipeline holds an `Arc<dyn Publisher>`. Every call takes
/// the account's credentials ([`AccountAuth`]) and returns a classified
/// [`NetworkError`] on failure. Implementations must never repeat an
/// irreversible call (`publish`, `delete`) on their own: the pipeline owns
/// idempotency and reconciles unknown outcomes. Reads may be retried inside.
///
/// The protocol the pipeline follows with it is described in the crate docs
/// ("Exactly-once publishing").
#[async_trait]
pub trait Publisher: Send + Sync + std::fmt::Debug {
    /// The network's name (`"threads"`), for records and logs.
    fn network(&self) -> &str;

    /// The network's text rules (length budget measured the network's way,
    /// link and tag limits), for the guardrails and the chain splitter.
    fn text_limits(&self) -> PlatformLimits;

    /// Creates a media container for `content` (text, media, carousel, reply or
    /// quote). Nothing is visible until [`publish`](Publisher::publish).
    async fn create_container(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
    ) -> Result<ContainerId, NetworkError>;

    /// The container's processing status.
    async fn container_status(
        &self,
        auth: &AccountAuth,
        container: &ContainerId,
    ) -> Result<ContainerStatus, NetworkError>;

    /// Publishes a finished container. Irreversible: on any error other than
    /// [`FailureClass::Retry`](super::FailureClass::Retry) the post may be live.
    async fn publish(
        &self,
        auth: &AccountAuth,
        container: &ContainerId,
    ) -> Result<PublishedPost, NetworkError>;

    /// Looks among the account's own posts published at or after `since` for
    /// one carrying exactly `content`, skipping the ids in `exclude` (posts
    /// already attributed to other drafts). Used to find the post id after an
    /// answer was lost.
    async fn find_recent_post(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
        since: DateTime<Utc>,
        exclude: &[PostId],
    ) -> Result<Option<PublishedPost>, NetworkError>;

    /// The post's public link (`None` if the network has none for it).
    async fn permalink(
        &self,
        auth: &AccountAuth,
        post: &PostId,
    ) -> Result<Option<String>, NetworkError>;

    /// Deletes a post. Irreversible.
    async fn delete(&self, auth: &AccountAuth, post: &PostId) -> Result<(), NetworkError>;

    /// The account's publishing limits.
    async fn publishing_limits(&self, auth: &AccountAuth)
    -> Result<PublishingLimits, NetworkError>;
}
