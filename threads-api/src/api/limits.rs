//! Publishing quotas: `GET /{user}/threads_publishing_limit`.
//!
//! Quotas are rolling 24-hour windows: 250 posts (a carousel counts once),
//! 1,000 replies, 100 deletions, 500 location searches. Meta returns no
//! dedicated error when a quota runs out, so check here before publishing.

use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::model::{Fields, LimitField, PublishingLimit, PublishingLimits};

impl AccountClient {
    /// The account's publishing quotas, by default [`LimitField::POSTS`]
    /// (`quota_usage,config`, which need only `threads_content_publish`).
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, model::LimitField};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let limit = account.publishing_limit().fields(LimitField::ALL).send().await?;
    /// if limit.remaining_posts() == Some(0) {
    ///     println!("out of posts for today");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn publishing_limit(&self) -> GetPublishingLimit {
        GetPublishingLimit {
            account: self.clone(),
            fields: LimitField::POSTS.to_vec(),
        }
    }
}

/// Builder of `GET /{user}/threads_publishing_limit`. Created by
/// [`AccountClient::publishing_limit`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct GetPublishingLimit {
    account: AccountClient,
    fields: Vec<LimitField>,
}

impl GetPublishingLimit {
    /// The quota fields to read. Each pair needs its own scope (see
    /// [`LimitField`]); an empty list sends no `fields` (Meta then returns
    /// `quota_usage` only).
    pub fn fields(mut self, fields: impl IntoIterator<Item = LimitField>) -> Self {
        self.fields = fields.into_iter().collect();
        self
    }

    /// Sends the request and unwraps the single entry of `data` (all fields
    /// `None` when Meta returns an empty list).
    ///
    /// # Errors
    /// Any request error.
    pub async fn send(self) -> Result<PublishingLimit> {
        let fields = Fields::of(&self.fields);
        let spec = RequestSpec::get([self.account.user_id.as_str(), "threads_publishing_limit"])
            .query_opt("fields", (!fields.is_empty()).then(|| fields.render()))
            .token(&self.account.token);
        let limits: PublishingLimits = self.account.client.send(spec).await?;
        Ok(limits.data.into_iter().next().unwrap_or_default())
    }
}

awaitable!(GetPublishingLimit => PublishingLimit);
