//! Content sources, text, URLs or feeds that drafts are made from: [`Source`]
//! and [`SourceStore`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, SourceId};

/// Content sources (pasted text, fetched pages, feeds and their items).
#[async_trait]
pub trait SourceStore: Send + Sync {
    /// Stores a new source. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn insert_source(&self, source: &Source) -> Result<()>;

    /// Reads a source.
    async fn get_source(&self, id: SourceId) -> Result<Option<Source>>;

    /// Replaces a source. [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_source(&self, source: &Source) -> Result<()>;

    /// The account's sources, ordered by `(created_at, id)`, at most `limit` (`None`: all).
    async fn list_sources(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Source>>;

    /// Deletes a source; `true` if it existed.
    async fn delete_source(&self, id: SourceId) -> Result<bool>;
}

str_enum! {
    /// Where a source's content comes from.
    pub enum SourceKind {
        /// Text pasted by a person.
        Text => "text",
        /// A web page fetched by URL.
        Url => "url",
        /// An RSS or Atom feed, read again and again; each new item becomes a
        /// source of its own (with `feed_id` naming the feed).
        Feed => "feed",
    }
}

str_enum! {
    /// Processing state of a source.
    pub enum SourceStatus {
        /// Not fetched or summarised yet.
        Pending => "pending",
        /// Content (and summary) available.
        Ready => "ready",
        /// Fetching or extraction failed; see `error`.
        Failed => "failed",
    }
}

/// A piece of input material for drafts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The source's id.
    pub id: SourceId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// Text, URL or feed.
    pub kind: SourceKind,
    /// The URL, for [`SourceKind::Url`] and [`SourceKind::Feed`] (and a feed
    /// item's link).
    pub url: Option<String>,
    /// Page or note title.
    pub title: Option<String>,
    /// Extracted main content (or the pasted text).
    pub content: Option<String>,
    /// Summary of the content.
    pub summary: Option<String>,
    /// Processing state.
    pub status: SourceStatus,
    /// Why processing failed (or, for a feed item, why it was not drafted).
    pub error: Option<String>,
    /// The feed this source is an item of.
    #[serde(default)]
    pub feed_id: Option<SourceId>,
    /// The feed item's identity inside its feed (its id, else its link), so
    /// an item read again is recognised.
    #[serde(default)]
    pub item_key: Option<String>,
    /// What extraction found besides title and text: byline, canonical URL,
    /// OpenGraph (`og:*`) and Twitter card (`twitter:*`) values, the final
    /// URL after redirects, an error code. Text values only, never secrets.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Source {
    /// A ready source holding pasted text.
    pub fn text(account_id: AccountId, text: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            id: SourceId::new(),
            account_id,
            kind: SourceKind::Text,
            url: None,
            title: None,
            content: Some(text.into()),
            summary: None,
            status: SourceStatus::Ready,
            error: None,
            feed_id: None,
            item_key: None,
            metadata: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// A pending source for a URL that still has to be fetched.
    pub fn url(account_id: AccountId, url: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            id: SourceId::new(),
            account_id,
            kind: SourceKind::Url,
            url: Some(url.into()),
            title: None,
            content: None,
            summary: None,
            status: SourceStatus::Pending,
            error: None,
            feed_id: None,
            item_key: None,
            metadata: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// A pending feed source for a feed URL that still has to be read.
    pub fn feed(account_id: AccountId, url: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            kind: SourceKind::Feed,
            ..Self::url(account_id, url, now)
        }
    }
}
