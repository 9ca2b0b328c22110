//! RSS / Atom feeds as a source kind: [`parse_feed`], [`Pipeline::add_feed`]
//! and the recurring `FetchFeed` job that drafts each new item once.
//!
//! # Each item once
//!
//! An item's identity is its feed id (Atom `id`, RSS `guid`), else its link,
//! else a hash of its title and text. The item's source gets an id derived
//! from the feed's id and that identity, so storing it twice is impossible
//! (the store refuses the second insert), and the item is drafted only when
//! no draft of the account names that source yet. Reading the feed again, or
//! running the same job again after a crash, therefore drafts nothing twice.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use store_traits::{AccountId, DraftFilter, Source, SourceId, SourceKind, SourceStatus};
use tracing::{debug, warn};

use super::error::SourceError;
use super::extract::{extract_page, fragment_text};
use super::fetch::parse_url;
use super::{cap_chars, fail, is_feed};
use crate::actor::Actor;
use crate::drafts::GenerateRequest;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome, Task};
use crate::pipeline::Pipeline;

/// Feed text shorter than this (characters) makes the item's page worth
/// fetching, when [`SourcePolicy::feed_fetch_pages`](crate::config::SourcePolicy::feed_fetch_pages) is on.
const SHORT_ITEM_CHARS: usize = 500;

/// The shortest time between two reads of a feed, whatever the policy says.
const MIN_POLL_INTERVAL: TimeDelta = TimeDelta::minutes(1);

/// A feed, read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedDocument {
    /// The feed's title.
    pub title: Option<String>,
    /// Its items, in the feed's order.
    pub entries: Vec<FeedEntry>,
}

/// One item of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedEntry {
    /// The item's identity in its feed: its id (Atom `id`, RSS `guid`), else
    /// its link, else `hash:` and a hash of its title and text.
    pub key: String,
    /// The title.
    pub title: Option<String>,
    /// The link to the item's page (http or https only).
    pub link: Option<String>,
    /// The item's text (its content, else its summary), without markup.
    pub text: String,
    /// The first author's name.
    pub author: Option<String>,
    /// When it was published (else updated), as the feed says.
    pub published: Option<DateTime<Utc>>,
}

/// Text of a feed text construct (plain, or HTML turned into text).
fn plain(text: &str) -> String {
    if text.contains('<') {
        fragment_text(text)
    } else {
        super::extract::tidy_text(text)
    }
}

/// Reads an RSS (0.9x, 1.0, 2.0), Atom or JSON Feed document from its raw
/// bytes (the XML prolog's encoding is honoured).
///
/// ```
/// use content_pipeline::sources::parse_feed;
///
/// let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Crumb</title>
///   <item><guid>crumb-1</guid><title>Proofing</title><link>https://crumb.example/1</link>
///   <description>&lt;p&gt;Warm dough proofs faster.&lt;/p&gt;</description></item>
/// </channel></rss>"#;
/// let feed = parse_feed(rss).unwrap();
/// assert_eq!(feed.entries[0].key, "crumb-1");
/// assert_eq!(feed.entries[0].text, "Warm dough proofs faster.");
/// ```
pub fn parse_feed(body: &[u8]) -> Result<FeedDocument, SourceError> {
    // Missing ids stay empty: the key is derived below, deterministically
    // (feed-rs would otherwise make up a random one each read).
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(body).map_err(|e| SourceError::Feed {
        source: Box::new(e),
    })?;
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| {
            let title = entry
                .title
                .as_ref()
                .map(|t| plain(&t.content))
                .filter(|t| !t.is_empty());
            let text = entry
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .map(plain)
                .filter(|t| !t.is_empty())
                .or_else(|| {
                    entry
                        .summary
                        .as_ref()
                        .map(|s| plain(&s.content))
                        .filter(|t| !t.is_empty())
                })
                .unwrap_or_default();
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| entry.links.first())
                .and_then(|l| parse_url(&l.href).ok())
                .map(|u| u.to_string());
            let key = if !entry.id.trim().is_empty() {
                entry.id.trim().to_owned()
            } else if let Some(link) = &link {
                link.clone()
            } else {
                let digest = Sha256::digest(
                    format!("{}\u{0}{text}", title.as_deref().unwrap_or("")).as_bytes(),
                );
                format!("hash:{}", hex::encode(&digest[..16]))
            };
            FeedEntry {
                key,
                title,
                link,
                text,
                author: entry.authors.first().and_then(|p| p.name.clone()),
                published: entry.published.or(entry.updated),
            }
        })
        .collect();
    Ok(FeedDocument {
        title: feed
            .title
            .map(|t| plain(&t.content))
            .filter(|t| !t.is_empty()),
        entries,
    })
}

/// The id of the source an item of `feed` becomes: the same for the same
/// item every time the feed is read.
fn item_source_id(feed: SourceId, key: &str) -> SourceId {
    let digest = Sha256::digest(format!("{feed}\u{0}{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    SourceId::from_uuid(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// What one read of a feed did.
#[derive(Debug, Default)]
struct Tally {
    /// Items seen for the first time.
    new_items: usize,
    /// Drafts written.
    drafted: usize,
    /// The feed's title.
    title: Option<String>,
}

impl Pipeline {
    /// Adds a feed to the account and schedules its first read now (the
    /// `FetchFeed` job; a worker runs it). Each read drafts every new item
    /// once (at most
    /// [`feed_items_per_poll`](crate::config::SourcePolicy::feed_items_per_poll)
    /// per read, none older than
    /// [`feed_max_item_age`](crate::config::SourcePolicy::feed_max_item_age))
    /// and schedules the next read after
    /// [`feed_poll_interval`](crate::config::SourcePolicy::feed_poll_interval).
    /// Deleting the feed's source stops the reads.
    ///
    /// Adding a feed URL the account already has returns that feed. A URL
    /// that is not http(s), carries credentials or cannot be parsed is
    /// refused with [`Error::Source`].
    pub async fn add_feed(
        &self,
        account_id: AccountId,
        feed_url: &str,
        actor: &Actor,
    ) -> Result<Source> {
        self.authorize_source(actor, account_id).await?;
        let url = parse_url(feed_url)?;
        let existing = self.inner.store.list_sources(account_id, None).await?;
        if let Some(feed) = existing
            .into_iter()
            .find(|s| is_feed(s) && s.url.as_deref() == Some(url.as_str()))
        {
            return Ok(feed);
        }
        let now = self.inner.now();
        let feed = Source::feed(account_id, url.as_str(), now);
        self.inner.store.insert_source(&feed).await?;
        self.enqueue(
            Task::FetchFeed {
                account_id,
                source_id: feed.id,
            },
            account_id,
            now,
        )
        .await?;
        self.record_source(actor, &feed).await?;
        Ok(feed)
    }

    /// Reads a feed and drafts its new items (the `FetchFeed` job), then
    /// asks to run again at the next poll.
    pub(crate) async fn feed_step(&self, ctx: &JobCtx, source_id: SourceId) -> Result<JobOutcome> {
        let Some(mut feed) = self.inner.store.get_source(source_id).await? else {
            debug!(%source_id, "feed deleted; its reads stop");
            return Ok(JobOutcome::Done);
        };
        if !is_feed(&feed) {
            return Ok(JobOutcome::Done);
        }
        if self
            .inner
            .store
            .get_account(feed.account_id)
            .await?
            .is_none()
        {
            return Ok(JobOutcome::Done);
        }
        // A zero or negative interval would read the feed in a loop.
        let interval = self
            .inner
            .config
            .sources
            .feed_poll_interval
            .max(MIN_POLL_INTERVAL);
        let next = self.inner.now() + interval;
        let (tally, failure) = match self.read_feed(ctx, &feed).await {
            Ok(tally) => (tally, None),
            // The feed could not be fetched or read: noted on the feed, and
            // tried again at the next poll.
            Err(Error::Source(e)) => (Tally::default(), Some(e)),
            // Drafting failed in a way that may pass (the model, the store):
            // the job retries soon; items drafted so far stay drafted, once.
            Err(e) => return Err(e),
        };
        // Re-read: drafting took a while and the record may have changed.
        if let Some(current) = self.inner.store.get_source(source_id).await? {
            feed = current;
        } else {
            return Ok(JobOutcome::Done);
        }
        match &failure {
            None => {
                feed.status = SourceStatus::Ready;
                feed.error = None;
                feed.metadata.remove("error_code");
                if tally.title.is_some() {
                    feed.title = tally.title.clone();
                }
            }
            Some(e) => fail(&mut feed, e),
        }
        let now = self.inner.now();
        feed.metadata
            .insert("last_read_at".to_owned(), now.to_rfc3339());
        feed.updated_at = now;
        self.inner.store.update_source(&feed).await?;
        self.inner
            .record(
                &Actor::system(),
                Event::FeedRead {
                    account_id: feed.account_id,
                    source_id,
                    new_items: tally.new_items,
                    drafted: tally.drafted,
                    error: failure.as_ref().map(ToString::to_string),
                },
            )
            .await?;
        let reason = match &failure {
            None => format!(
                "next read of the feed ({} new, {} drafted)",
                tally.new_items, tally.drafted
            ),
            Some(e) => format!("next read of the feed (this one failed: {e})"),
        };
        Ok(JobOutcome::RetryAt { at: next, reason })
    }

    /// One read: fetch, parse, store new items, draft the undrafted ones.
    /// A fetch or parse failure is an `Error::Source`; a drafting failure
    /// that may pass (the model, the store) is any other error.
    async fn read_feed(&self, ctx: &JobCtx, feed: &Source) -> Result<Tally> {
        let policy = self.inner.config.sources.clone();
        let url = feed.url.as_deref().unwrap_or("");
        let fetched = self.inner.fetcher.fetch(url).await?;
        let body = fetched.body;
        let document = tokio::task::spawn_blocking(move || parse_feed(&body))
            .await
            .map_err(|e| SourceError::Feed {
                source: Box::new(e),
            })??;

        let now = self.inner.now();
        let oldest = now - policy.feed_max_item_age;
        let mut entries: Vec<FeedEntry> = document
            .entries
            .into_iter()
            .filter(|e| e.published.is_none_or(|at| at >= oldest))
            .collect();
        // Oldest first, so drafts follow the feed's own order of events;
        // undated items keep the feed's order (newest first, usually), reversed.
        entries.reverse();
        entries.sort_by_key(|e| e.published);
        let mut seen = HashSet::new();
        entries.retain(|e| seen.insert(e.key.clone()));

        let drafted: HashSet<SourceId> = self
            .inner
            .store
            .list_drafts(&DraftFilter::account(feed.account_id))
            .await?
            .into_iter()
            .filter_map(|d| d.source_id)
            .collect();

        let mut tally = Tally {
            title: document.title.clone(),
            ..Tally::default()
        };
        for entry in entries {
            if tally.drafted >= policy.feed_items_per_poll {
                break;
            }
            let item_id = item_source_id(feed.id, &entry.key);
            if drafted.contains(&item_id) {
                continue;
            }
            let item = match self.inner.store.get_source(item_id).await? {
                Some(item) => item,
                None => {
                    let item = self.item_source(feed, item_id, &entry, now).await;
                    match self.inner.store.insert_source(&item).await {
                        Ok(()) => {
                            tally.new_items += 1;
                            item
                        }
                        // Another run stored it first: use that one.
                        Err(store_traits::Error::AlreadyExists { .. }) => {
                            match self.inner.store.get_source(item_id).await? {
                                Some(stored) => stored,
                                None => continue,
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            // Decided before: not draftable, or refused as a near-duplicate.
            if item.status != SourceStatus::Ready || item.error.is_some() {
                continue;
            }
            ctx.check_lease(&self.inner).await?;
            match self.draft_item(&item).await {
                Ok(()) => tally.drafted += 1,
                Err(e) if e.is_retryable() || e.is_lease_lost() => return Err(e),
                Err(e) => {
                    // Not draftable as it is (a near-duplicate, text the
                    // guardrails refuse): noted on the item, never retried.
                    warn!(item = %item.id, error = %e, "feed item not drafted");
                    let mut noted = item.clone();
                    noted.error = Some(format!("not drafted: {e}"));
                    if let Error::Source(source) = &e {
                        noted
                            .metadata
                            .insert("error_code".to_owned(), source.code().to_owned());
                    }
                    noted.updated_at = self.inner.now();
                    self.inner.store.update_source(&noted).await?;
                }
            }
        }
        Ok(tally)
    }

    /// The source an item becomes: its feed text, or its page's text when
    /// the feed text is short and the policy says to fetch pages.
    async fn item_source(
        &self,
        feed: &Source,
        id: SourceId,
        entry: &FeedEntry,
        now: DateTime<Utc>,
    ) -> Source {
        let policy = &self.inner.config.sources;
        let mut item = match &entry.link {
            Some(link) => Source::url(feed.account_id, link.clone(), now),
            None => Source::text(feed.account_id, String::new(), now),
        };
        item.id = id;
        item.feed_id = Some(feed.id);
        item.item_key = Some(entry.key.clone());
        item.title = entry.title.clone();
        if let Some(author) = &entry.author {
            item.metadata.insert("byline".to_owned(), author.clone());
        }
        if let Some(at) = entry.published {
            item.metadata
                .insert("published".to_owned(), at.to_rfc3339());
        }
        let mut text = entry.text.clone();
        if policy.feed_fetch_pages
            && text.chars().count() < SHORT_ITEM_CHARS
            && let Some(link) = &entry.link
        {
            match self.item_page(link).await {
                Ok((page_text, metadata)) if page_text.len() > text.len() => {
                    text = page_text;
                    item.metadata.extend(metadata);
                }
                Ok(_) => {}
                Err(e) => {
                    item.metadata
                        .insert("page_error_code".to_owned(), e.code().to_owned());
                }
            }
        }
        let text = cap_chars(&text, policy.max_content_chars);
        if text.is_empty() {
            fail(
                &mut item,
                &SourceError::Extraction {
                    reason: "the feed item has no text".into(),
                },
            );
            item.content = None;
            return item;
        }
        item.summary = Some(self.summarize(entry.title.as_deref(), &text).await);
        item.content = Some(text);
        item.status = SourceStatus::Ready;
        item
    }

    /// The main text and metadata of an item's page.
    async fn item_page(
        &self,
        link: &str,
    ) -> Result<(String, std::collections::BTreeMap<String, String>), SourceError> {
        let fetched = self.inner.fetcher.fetch(link).await?;
        if !fetched.is_html() {
            return Err(SourceError::Extraction {
                reason: format!("`{}` is not a page", fetched.content_type),
            });
        }
        let page = extract_page(fetched.text(), fetched.url.clone()).await?;
        Ok((page.text.clone(), page.metadata()))
    }

    /// Drafts one stored item (as the system: approval follows the policy).
    async fn draft_item(&self, item: &Source) -> Result<()> {
        let text = item.content.clone().unwrap_or_default();
        let mut request = GenerateRequest::remix(item.account_id, text).source(item.id);
        request.source_title = item.title.clone();
        if item.kind == SourceKind::Url {
            request.source_url = item.url.clone();
        }
        self.generate_draft(request, &Actor::system()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_are_stable_per_feed_and_key() {
        let feed = SourceId::new();
        let other = SourceId::new();
        assert_eq!(item_source_id(feed, "a"), item_source_id(feed, "a"));
        assert_ne!(item_source_id(feed, "a"), item_source_id(feed, "b"));
        assert_ne!(item_source_id(feed, "a"), item_source_id(other, "a"));
    }

    #[test]
    fn items_without_ids_get_a_stable_key() {
        let rss = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>No id</title><description>Plain text here.</description></item>
            <item><title>Linked</title><link>https://example.com/2</link></item>
            <item><title>Bad link</title><link>javascript:alert(1)</link><description>x</description></item>
        </channel></rss>"#;
        let first = parse_feed(rss).expect("feed");
        let again = parse_feed(rss).expect("feed");
        assert_eq!(first, again);
        assert!(first.entries[0].key.starts_with("hash:"));
        assert_eq!(first.entries[1].key, "https://example.com/2");
        assert_eq!(first.entries[2].link, None);
    }

    #[test]
    fn garbage_is_a_feed_error() {
        assert!(matches!(
            parse_feed(b"<html><body>not a feed</body></html>"),
            Err(SourceError::Feed { .. })
        ));
    }
}
