//! Posts: one media object, the account's threads, deletion; and [`MediaList`], the
//! builder shared by every endpoint that lists media objects.

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::Deserialize;

use crate::api::list_stream;
use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::ids::MediaId;
use crate::model::{Endpoint, Fields, Media, ReplyApprovalStatus};
use crate::pagination::{ListParams, Page, fetch_page, list_param_setters};

impl AccountClient {
    /// The account's posts: list them, read one, delete one.
    pub fn posts(&self) -> PostsHandler {
        PostsHandler {
            account: self.clone(),
        }
    }
}

/// Post operations of one account.
#[derive(Debug, Clone)]
pub struct PostsHandler {
    account: AccountClient,
}

/// The response of `DELETE /{media}`: `{"success": true, "deleted_id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Deleted {
    /// Whether Meta reports success.
    pub success: bool,
    /// The deleted media ID.
    #[serde(default)]
    pub deleted_id: Option<MediaId>,
}

impl PostsHandler {
    /// The account's top-level posts, newest first, including reposts
    /// (`GET /{user}/threads`). Replies are not included (see
    /// [`RepliesHandler::by_user`](crate::api::replies::RepliesHandler::by_user)).
    ///
    /// ```no_run
    /// # use threads_api::AccountClient;
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let page = account.posts().list().limit(25).send().await?;
    /// if let Some(next) = page.next_page().await? {
    ///     println!("{} more", next.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> MediaList {
        MediaList::new(
            self.account.clone(),
            vec![self.account.user_id.to_string(), "threads".to_owned()],
            Endpoint::UserThreads,
        )
    }

    /// One media object (`GET /{media}`), by default with
    /// [`Fields::default_for(Endpoint::Media)`](Fields::default_for).
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, ids::MediaId, model::{Endpoint, Fields, MediaField}};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let id = MediaId::new("18050000000000001");
    /// let post = account
    ///     .posts()
    ///     .get(&id)
    ///     .fields(Fields::new().field(MediaField::Text).nested(MediaField::PollAttachment, ["option_a", "total_votes"]))
    ///     .send()
    ///     .await?;
    /// # let _ = post; Ok(()) }
    /// ```
    pub fn get(&self, id: &MediaId) -> GetMedia {
        GetMedia {
            account: self.account.clone(),
            id: id.clone(),
            fields: None,
        }
    }

    /// Deletes a post (`DELETE /{media}`). Needs `threads_delete`; 100 deletions per
    /// 24 h. Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn delete(&self, id: &MediaId) -> Result<Deleted> {
        let spec = RequestSpec::delete([id.as_str()]).token(&self.account.token);
        self.account.client.send(spec).await
    }
}

/// Builder of `GET /{media}`. Created by [`PostsHandler::get`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct GetMedia {
    account: AccountClient,
    id: MediaId,
    /// The selection; `None` is [`Fields::default_for(Endpoint::Media)`](Fields::default_for),
    /// built only when the request is sent without an explicit selection.
    fields: Option<Fields>,
}

impl GetMedia {
    /// Replaces the field selection (an empty selection returns only `id`).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Selects every field the endpoint accepts, with nested expansions.
    pub fn all_fields(self) -> Self {
        self.fields(Fields::all_for(Endpoint::Media))
    }

    /// Sends the request.
    ///
    /// # Errors
    /// Any request error.
    pub async fn send(self) -> Result<Media> {
        let fields = self
            .fields
            .unwrap_or_else(|| Fields::default_for(Endpoint::Media));
        let spec = RequestSpec::get([self.id.as_str()])
            .query_opt("fields", non_empty(&fields))
            .token(&self.account.token);
        self.account.client.send(spec).await
    }
}

fn non_empty(fields: &Fields) -> Option<String> {
    (!fields.is_empty()).then(|| fields.render())
}

/// Builder of every endpoint that lists media objects: the account's threads, replies,
/// conversations, pending replies, the user's replies (and mentions, searches, profile
/// posts, ghost posts).
///
/// Parameters are checked before any request ([`ListParams::validate`]). Not every
/// endpoint takes every parameter: `/replies`, `/conversation` and `/pending_replies`
/// document `reverse` and cursors but not `since`/`until`; `reverse` and
/// `approval_status` mean nothing elsewhere.
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()` or `stream()`"]
pub struct MediaList {
    account: AccountClient,
    segments: Vec<String>,
    /// The selection; `None` is [`Fields::default_for`] of `endpoint`, built only when
    /// the request is sent without an explicit selection.
    fields: Option<Fields>,
    endpoint: Endpoint,
    pub(super) params: ListParams,
    extra: Vec<(&'static str, String)>,
}

impl MediaList {
    /// A list request for `segments` (e.g. `[user, "threads"]`), with the default field
    /// selection of `endpoint`.
    pub(crate) fn new(account: AccountClient, segments: Vec<String>, endpoint: Endpoint) -> Self {
        Self {
            account,
            segments,
            fields: None,
            endpoint,
            params: ListParams::new(),
            extra: Vec::new(),
        }
    }

    /// Sets an endpoint-specific query parameter (replacing an earlier value).
    pub(crate) fn extra(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.retain(|(n, _)| *n != name);
        self.extra.push((name, value.into()));
        self
    }

    /// Replaces the field selection (an empty selection returns only `id`).
    pub fn fields(mut self, fields: Fields) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Replaces all paging parameters at once.
    pub fn params(mut self, params: ListParams) -> Self {
        self.params = params;
        self
    }

    list_param_setters!(params);

    /// Order of reply lists: `true` (the server default) is newest first.
    pub fn reverse(self, reverse: bool) -> Self {
        self.extra("reverse", reverse.to_string())
    }

    /// Filter of pending replies: only `pending` or only `ignored` (default: both).
    pub fn approval_status(self, status: ReplyApprovalStatus) -> Self {
        self.extra("approval_status", status.as_str())
    }

    fn spec(&self, now: DateTime<Utc>) -> Result<RequestSpec> {
        self.params.validate(now)?;
        let fields = match &self.fields {
            Some(fields) => non_empty(fields),
            None => non_empty(&Fields::default_for(self.endpoint)),
        };
        let mut spec =
            RequestSpec::get(self.segments.iter().map(String::as_str)).query_opt("fields", fields);
        for (name, value) in &self.extra {
            spec = spec.query(*name, value.clone());
        }
        Ok(self.params.apply(spec).token(&self.account.token))
    }

    /// Fetches the first page. The page can fetch the following ones
    /// ([`Page::next_page`], [`Page::into_stream`]).
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for bad parameters (nothing is
    /// sent), or any request error.
    pub async fn send(self) -> Result<Page<Media>> {
        let spec = self.spec(Utc::now())?;
        fetch_page(self.account.client, spec).await
    }

    /// Every item across all pages, fetched lazily. Ends after the first error, and
    /// when the server repeats a cursor.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(account: threads_api::AccountClient) -> Result<(), threads_api::Error> {
    /// let mut replies = account.replies().by_user().limit(100).stream();
    /// while let Some(reply) = replies.try_next().await? {
    ///     println!("{:?}", reply.text);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> BoxStream<'static, Result<Media>> {
        list_stream(self.spec(Utc::now()), self.account.client)
    }
}

awaitable!(GetMedia => Media);
awaitable!(MediaList => Page<Media>);
