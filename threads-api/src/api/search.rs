//! Keyword and topic-tag search: `GET /keyword_search`.
//!
//! Needs `threads_keyword_search`; without approval only the token owner's own
//! posts are searched. Quota: 2,200 queries per user per rolling 24 hours,
//! shared across apps (queries with no results do not count). Keywords Meta
//! considers sensitive return an empty list.

use futures::stream::BoxStream;

use crate::api::media::MediaList;
use crate::client::AccountClient;
use crate::error::{Error, Result};
use crate::model::{Endpoint, Fields, Media, wire_enum};
use crate::pagination::{Page, list_param_setters};
use crate::validation::{Reason, ValidationError};

wire_enum! {
    /// `search_type`: ranking of the results.
    pub enum SearchType {
        /// Most relevant first (the server default).
        Top = "TOP",
        /// Newest first.
        Recent = "RECENT",
    }
}

wire_enum! {
    /// `search_mode`: what `q` is matched against.
    pub enum SearchMode {
        /// Words in the post text (the server default).
        Keyword = "KEYWORD",
        /// The post's topic tag.
        Tag = "TAG",
    }
}

wire_enum! {
    /// `media_type` filter of a search (omit it for every type).
    pub enum SearchMediaType {
        /// Text posts.
        Text = "TEXT",
        /// Image posts.
        Image = "IMAGE",
        /// Video posts.
        Video = "VIDEO",
    }
}

impl AccountClient {
    /// Keyword and topic-tag search.
    pub fn search(&self) -> SearchHandler {
        SearchHandler {
            account: self.clone(),
        }
    }
}

/// Search operations, authenticated as one account.
#[derive(Debug, Clone)]
pub struct SearchHandler {
    account: AccountClient,
}

impl SearchHandler {
    /// Searches public posts for `query` (`search_mode=KEYWORD`, the server default,
    /// is not sent).
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, api::search::{SearchMediaType, SearchType}};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let page = account
    ///     .search()
    ///     .keyword("rust async")
    ///     .search_type(SearchType::Recent)
    ///     .media_type(SearchMediaType::Text)
    ///     .author_username("threads")
    ///     .limit(50)
    ///     .send()
    ///     .await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn keyword(&self, query: impl Into<String>) -> KeywordSearch {
        KeywordSearch::new(self.account.clone(), query.into())
    }

    /// Searches posts by topic tag (`search_mode=TAG`).
    pub fn tag(&self, tag: impl Into<String>) -> KeywordSearch {
        self.keyword(tag).search_mode(SearchMode::Tag)
    }
}

/// Builder of `GET /keyword_search`. Created by [`SearchHandler::keyword`] or
/// [`SearchHandler::tag`].
///
/// Checked before sending: `q` is not blank; `author_username` is a single
/// word (a leading `@` is removed); `limit`, `since`, `until` and the cursors
/// follow [`ListParams`](crate::ListParams).
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()` or `stream()`"]
pub struct KeywordSearch {
    list: MediaList,
    query: String,
    author_username: Option<String>,
}

impl KeywordSearch {
    fn new(account: AccountClient, query: String) -> Self {
        let list = MediaList::new(
            account,
            vec!["keyword_search".to_owned()],
            Endpoint::KeywordSearch,
        )
        .extra("q", query.clone());
        Self {
            list,
            query,
            author_username: None,
        }
    }

    /// `search_type`: `TOP` (server default) or `RECENT`.
    pub fn search_type(mut self, search_type: SearchType) -> Self {
        self.list = self.list.extra("search_type", search_type.as_str());
        self
    }

    /// `search_mode`: `KEYWORD` (server default) or `TAG`.
    pub fn search_mode(mut self, mode: SearchMode) -> Self {
        self.list = self.list.extra("search_mode", mode.as_str());
        self
    }

    /// `media_type`: only text, image or video posts.
    pub fn media_type(mut self, media_type: SearchMediaType) -> Self {
        self.list = self.list.extra("media_type", media_type.as_str());
        self
    }

    /// `author_username`: only posts by this exact username (without `@`).
    pub fn author_username(mut self, username: impl Into<String>) -> Self {
        let username = username.into();
        let username = username.strip_prefix('@').unwrap_or(&username).to_owned();
        self.list = self.list.extra("author_username", username.clone());
        self.author_username = Some(username);
        self
    }

    /// Replaces the field selection (media fields except `owner`).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.list = self.list.fields(fields);
        self
    }

    list_param_setters!(list.params);

    fn validate(&self) -> Result<(), ValidationError> {
        if self.query.trim().is_empty() {
            return Err(ValidationError::new(
                "q",
                Reason::Required {
                    when: "for a search (non-blank)",
                },
            ));
        }
        if let Some(name) = &self.author_username {
            if name.is_empty() {
                return Err(ValidationError::new(
                    "author_username",
                    Reason::TooShort { min: 1, actual: 0 },
                ));
            }
            if let Some(ch) = name.chars().find(|c| c.is_whitespace() || *c == '@') {
                return Err(ValidationError::new(
                    "author_username",
                    Reason::ForbiddenChar { ch },
                ));
            }
        }
        Ok(())
    }

    /// Fetches the first page of results.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad parameters (nothing is sent), or any
    /// request error.
    pub async fn send(self) -> Result<Page<Media>> {
        self.validate()?;
        self.list.send().await
    }

    /// Every result across all pages, fetched lazily.
    pub fn stream(self) -> BoxStream<'static, Result<Media>> {
        match self.validate() {
            Ok(()) => self.list.stream(),
            Err(err) => Box::pin(futures::stream::once(
                async move { Err(Error::Validation(err)) },
            )),
        }
    }
}

awaitable!(KeywordSearch => Page<Media>);
