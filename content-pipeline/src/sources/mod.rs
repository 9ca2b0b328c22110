//! Sources: pasted text, web pages fetched safely by URL, and RSS / Atom
//! feeds; summarised, and remixed into drafts.
//!
//! | call | what it does |
//! |---|---|
//! | [`Pipeline::add_text_source`] | stores pasted text with its summary |
//! | [`Pipeline::add_url_source`] | fetches a page ([`SourceFetcher`]), extracts its main content ([`extract_html`]) and summarises it |
//! | [`Pipeline::add_feed`] | reads a feed now and every [`feed_poll_interval`](crate::config::SourcePolicy::feed_poll_interval); each new item becomes a source and a draft, once |
//! | [`Pipeline::remix_source`] | writes a draft from a source through a named template ([`RemixTemplates`]) |
//!
//! # Fetching is guarded
//!
//! URLs come from people and from feeds, so the fetcher only reaches the
//! public internet: every address a host resolves to is checked
//! ([`classify_address`]) and the connection is pinned to the checked
//! addresses, for the first URL and for every redirect; only http(s), a
//! bounded number of redirects, a bounded body (after decompression), a
//! bounded total time and allow-listed content types. See [`fetch`] for the
//! details and [`SourceError`] for each refusal.
//!
//! # Near-duplicates
//!
//! A draft written from a source is refused
//! ([`SourceError::NearDuplicate`], naming the draft it repeats) when it is
//! nearly the same as one of the account's recent drafts or posts, by the
//! overlap of their three-word sequences
//! ([`SourcePolicy::near_duplicate_percent`](crate::config::SourcePolicy::near_duplicate_percent)).

mod address;
mod error;
mod extract;
mod feeds;
pub mod fetch;
mod remix;
mod similarity;
mod summary;

use std::collections::BTreeMap;

use store_traits::{AccountId, RecordKind, Source, SourceId, SourceKind, SourceStatus};
use url::Url;

pub use address::{AddressClass, classify_address, parse_ipv4_host};
pub use error::SourceError;
pub use extract::{Extracted, extract_html, extract_page};
pub use feeds::{FeedDocument, FeedEntry, parse_feed};
pub use fetch::{Fetched, HostResolver, SourceFetcher, SourceFetcherBuilder, SystemResolver};
pub use remix::RemixTemplates;
pub use summary::extractive_summary;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// Cuts `text` to at most `max` characters, at a word boundary when one is
/// near.
pub(crate) fn cap_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => {
            let head = &text[..end];
            let cut = head
                .rfind(char::is_whitespace)
                .filter(|at| *at > end / 2)
                .unwrap_or(end);
            head[..cut].trim_end().to_owned()
        }
    }
}

/// A page read for a source: its title, text and metadata.
struct Page {
    title: Option<String>,
    text: String,
    metadata: BTreeMap<String, String>,
}

impl Pipeline {
    /// Reads a source.
    pub async fn source(&self, id: SourceId) -> Result<Source> {
        self.require_source(id).await
    }

    /// The account's sources (feeds and their items included), oldest first.
    pub async fn sources(&self, account_id: AccountId) -> Result<Vec<Source>> {
        Ok(self.inner.store.list_sources(account_id, None).await?)
    }

    pub(crate) async fn require_source(&self, id: SourceId) -> Result<Source> {
        self.inner
            .store
            .get_source(id)
            .await?
            .ok_or_else(|| store_traits::Error::not_found(RecordKind::Source, id).into())
    }

    /// Checks that `actor` may add material for drafts to the account
    /// ([`Operation::CreateDraft`]; the account may be in any status:
    /// sources need no network).
    async fn authorize_source(&self, actor: &Actor, account_id: AccountId) -> Result<()> {
        self.inner
            .authorize(actor, Operation::CreateDraft, account_id)
            .await
            .map(|_| ())
    }

    /// The fetcher the pipeline reads URLs and feeds with.
    pub fn source_fetcher(&self) -> &SourceFetcher {
        &self.inner.fetcher
    }

    /// Stores text a person pasted as a ready source of the account, with
    /// its summary ([`SourcePolicy::summary`](crate::config::SourcePolicy::summary)).
    /// Whitespace is tidied and the text is cut to
    /// [`max_content_chars`](crate::config::SourcePolicy::max_content_chars).
    pub async fn add_text_source(
        &self,
        account_id: AccountId,
        text: &str,
        actor: &Actor,
    ) -> Result<Source> {
        self.authorize_source(actor, account_id).await?;
        let content = cap_chars(
            &extract::tidy_text(text),
            self.inner.config.sources.max_content_chars,
        );
        if content.is_empty() {
            return Err(Error::InvalidInput("a text source needs text".into()));
        }
        let mut source = Source::text(account_id, content, self.inner.now());
        source.summary = Some(
            self.summarize(None, source.content.as_deref().unwrap_or(""))
                .await,
        );
        self.inner.store.insert_source(&source).await?;
        self.record_source(actor, &source).await?;
        Ok(source)
    }

    /// Fetches a web page for the account and stores it as a source: main
    /// text, title, byline, OpenGraph / Twitter card values and canonical
    /// URL ([`extract_html`]), and a summary.
    ///
    /// A URL that is not http(s), carries credentials or cannot be parsed is
    /// refused with [`Error::Source`] and nothing is stored. Anything that
    /// happens after that is recorded on the returned source: status
    /// [`Ready`](SourceStatus::Ready), or [`Failed`](SourceStatus::Failed)
    /// with the error's text in `error` and its
    /// [`code`](SourceError::code) in `metadata["error_code"]` (a refused
    /// address, a timeout, a page without text, ...).
    pub async fn add_url_source(
        &self,
        account_id: AccountId,
        url: &str,
        actor: &Actor,
    ) -> Result<Source> {
        self.authorize_source(actor, account_id).await?;
        let url = fetch::parse_url(url)?;
        let mut source = Source::url(account_id, url.as_str(), self.inner.now());
        self.inner.store.insert_source(&source).await?;
        match self.read_page(url).await {
            Ok(page) => {
                let policy = &self.inner.config.sources;
                let text = cap_chars(&page.text, policy.max_content_chars);
                source.summary = Some(self.summarize(page.title.as_deref(), &text).await);
                source.title = page.title;
                source.content = Some(text);
                source.metadata = page.metadata;
                source.status = SourceStatus::Ready;
            }
            Err(e) => fail(&mut source, &e),
        }
        source.updated_at = self.inner.now();
        self.inner.store.update_source(&source).await?;
        self.record_source(actor, &source).await?;
        Ok(source)
    }

    /// Fetches and reads one page.
    async fn read_page(&self, url: Url) -> Result<Page, SourceError> {
        let fetched = self.inner.fetcher.fetch_url(url).await?;
        let mut metadata = BTreeMap::new();
        metadata.insert("final_url".to_owned(), fetched.url.to_string());
        metadata.insert("content_type".to_owned(), fetched.content_type.clone());
        if fetched.is_html() {
            let page = extract_page(fetched.text(), fetched.url.clone()).await?;
            metadata.extend(page.metadata());
            return Ok(Page {
                title: page.title,
                text: page.text,
                metadata,
            });
        }
        if fetched.content_type == "text/plain" {
            let text = extract::tidy_text(&fetched.text());
            if text.is_empty() {
                return Err(SourceError::Extraction {
                    reason: "the text is empty".into(),
                });
            }
            return Ok(Page {
                title: None,
                text,
                metadata,
            });
        }
        Err(SourceError::Extraction {
            reason: format!(
                "`{}` is a feed or data, not a page (add feeds with add_feed)",
                fetched.content_type
            ),
        })
    }

    async fn record_source(&self, actor: &Actor, source: &Source) -> Result<()> {
        self.inner
            .record(
                actor,
                Event::SourceAdded {
                    account_id: source.account_id,
                    source_id: source.id,
                    kind: source.kind,
                    status: source.status,
                    error: source.error.clone(),
                },
            )
            .await
    }
}

/// Marks a source failed with `e`.
fn fail(source: &mut Source, e: &SourceError) {
    source.status = SourceStatus::Failed;
    source.error = Some(e.to_string());
    source
        .metadata
        .insert("error_code".to_owned(), e.code().to_owned());
}

/// Whether a source is a feed.
fn is_feed(source: &Source) -> bool {
    source.kind == SourceKind::Feed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_chars_cuts_at_a_word() {
        assert_eq!(cap_chars("short", 10), "short");
        assert_eq!(cap_chars("one two three four", 10), "one two");
        assert_eq!(cap_chars("ééééé", 3), "ééé");
    }
}
