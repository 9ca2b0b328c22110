//! Profile discovery: `GET /profile_lookup` and `GET /profile_posts`.
//!
//! Needs `threads_profile_discovery`. With standard access only @meta,
//! @threads, @instagram and @facebook resolve. The target must be a public
//! profile with at least 100 followers. Quota: 1,000 requests per rolling
//! 24 hours per user.

use futures::stream::BoxStream;

use crate::api::media::MediaList;
use crate::client::{AccountClient, RequestSpec};
use crate::error::{Error, Result};
use crate::model::{Endpoint, Fields, Media, PublicProfile};
use crate::pagination::{Page, list_param_setters};
use crate::validation::{Reason, ValidationError};

impl AccountClient {
    /// Public profile lookup and public profile posts.
    pub fn discovery(&self) -> DiscoveryHandler {
        DiscoveryHandler {
            account: self.clone(),
        }
    }
}

/// Profile-discovery operations, authenticated as one account.
#[derive(Debug, Clone)]
pub struct DiscoveryHandler {
    account: AccountClient,
}

/// Removes one leading `@` and checks the username is one non-blank word.
fn clean_username(username: &str) -> Result<String, ValidationError> {
    let name = username.trim();
    let name = name.strip_prefix('@').unwrap_or(name);
    if name.is_empty() {
        return Err(ValidationError::new(
            "username",
            Reason::TooShort { min: 1, actual: 0 },
        ));
    }
    if let Some(ch) = name.chars().find(|c| c.is_whitespace() || *c == '@') {
        return Err(ValidationError::new(
            "username",
            Reason::ForbiddenChar { ch },
        ));
    }
    Ok(name.to_owned())
}

impl DiscoveryHandler {
    /// Looks up a public profile by exact username (a leading `@` is removed).
    ///
    /// ```no_run
    /// # use threads_api::AccountClient;
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let meta = account.discovery().lookup("meta").send().await?;
    /// println!("{:?} followers", meta.follower_count);
    /// # Ok(()) }
    /// ```
    pub fn lookup(&self, username: impl Into<String>) -> ProfileLookup {
        ProfileLookup {
            account: self.account.clone(),
            username: username.into(),
            fields: Fields::new(),
        }
    }

    /// Lists a public profile's posts (media fields except `owner`).
    ///
    /// ```no_run
    /// # use threads_api::AccountClient;
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let page = account.discovery().posts("@threads").limit(10).send().await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn posts(&self, username: impl Into<String>) -> ProfilePosts {
        let raw: String = username.into();
        let username = clean_username(&raw);
        let list = MediaList::new(
            self.account.clone(),
            vec!["profile_posts".to_owned()],
            Endpoint::ProfilePosts,
        );
        let list = match &username {
            Ok(name) => list.extra("username", name.clone()),
            Err(_) => list,
        };
        ProfilePosts { list, username }
    }
}

/// Builder of `GET /profile_lookup`. Created by [`DiscoveryHandler::lookup`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct ProfileLookup {
    account: AccountClient,
    username: String,
    fields: Fields,
}

impl ProfileLookup {
    /// Selects fields ([`PublicProfileField`](crate::model::PublicProfileField)); by
    /// default no `fields` parameter is sent and Meta returns its default set.
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = fields;
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::Validation`] for a blank username (nothing is sent), or any request
    /// error.
    pub async fn send(self) -> Result<PublicProfile> {
        let username = clean_username(&self.username)?;
        let spec = RequestSpec::get(["profile_lookup"])
            .query("username", username)
            .query_opt(
                "fields",
                (!self.fields.is_empty()).then(|| self.fields.render()),
            )
            .token(&self.account.token);
        self.account.client.send(spec).await
    }
}

/// Builder of `GET /profile_posts`. Created by [`DiscoveryHandler::posts`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()` or `stream()`"]
pub struct ProfilePosts {
    list: MediaList,
    username: Result<String, ValidationError>,
}

impl ProfilePosts {
    /// Replaces the field selection.
    pub fn fields(mut self, fields: Fields) -> Self {
        self.list = self.list.fields(fields);
        self
    }

    list_param_setters!(list.params);

    /// Fetches the first page.
    ///
    /// # Errors
    /// [`Error::Validation`] for a blank username or bad paging parameters
    /// (nothing is sent), or any request error.
    pub async fn send(self) -> Result<Page<Media>> {
        self.username?;
        self.list.send().await
    }

    /// Every post across all pages, fetched lazily.
    pub fn stream(self) -> BoxStream<'static, Result<Media>> {
        match self.username {
            Ok(_) => self.list.stream(),
            Err(err) => Box::pin(futures::stream::once(
                async move { Err(Error::Validation(err)) },
            )),
        }
    }
}

awaitable!(ProfileLookup => PublicProfile);
awaitable!(ProfilePosts => Page<Media>);
