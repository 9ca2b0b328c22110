//! Replies: reading them, moderating them, and posting them.
//!
//! * [`RepliesHandler::list`]: direct replies of a post (`GET /{media}/replies`);
//! * [`RepliesHandler::conversation`]: all replies at every depth, flattened
//!   (`GET /{media}/conversation`);
//! * [`RepliesHandler::pending`]: replies awaiting approval (`GET /{media}/pending_replies`);
//! * [`RepliesHandler::by_user`]: replies the account wrote (`GET /{user}/replies`);
//! * [`RepliesHandler::hide`] / [`unhide`](RepliesHandler::unhide): `POST /{reply}/manage_reply`;
//! * [`RepliesHandler::approve`] / [`ignore`](RepliesHandler::ignore):
//!   `POST /{reply}/manage_pending_reply`;
//! * [`RepliesHandler::reply`]: a container with `reply_to_id`, published.

use crate::api::Success;
use crate::api::media::MediaList;
use crate::api::publish::PublishFlow;
use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::ids::{ContainerId, MediaId};
use crate::model::{ContainerRequest, Endpoint};
use crate::retry::Idempotency;

impl AccountClient {
    /// Replies: read, moderate, post.
    pub fn replies(&self) -> RepliesHandler {
        RepliesHandler {
            account: self.clone(),
        }
    }
}

/// Reply operations of one account. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct RepliesHandler {
    account: AccountClient,
}

impl RepliesHandler {
    /// Direct (top-level) replies of a post, newest first unless
    /// [`reverse(false)`](MediaList::reverse). Use `has_replies` to walk deeper.
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, ids::MediaId};
    /// # async fn run(account: AccountClient, post: MediaId) -> Result<(), threads_api::Error> {
    /// let replies = account.replies().list(&post).reverse(false).send().await?;
    /// for reply in &replies {
    ///     println!("{:?}: {:?}", reply.username, reply.text);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, media: &MediaId) -> MediaList {
        self.media_list(media, "replies", Endpoint::Replies)
    }

    /// Every reply in a post's conversation, at any depth, flattened.
    pub fn conversation(&self, media: &MediaId) -> MediaList {
        self.media_list(media, "conversation", Endpoint::Replies)
    }

    /// Replies waiting for approval on a post created with `enable_reply_approvals`.
    /// Filter with [`MediaList::approval_status`].
    pub fn pending(&self, media: &MediaId) -> MediaList {
        self.media_list(media, "pending_replies", Endpoint::PendingReplies)
    }

    /// Replies the account wrote (`GET /{user}/replies`).
    pub fn by_user(&self) -> MediaList {
        MediaList::new(
            self.account.clone(),
            vec![self.account.user_id.to_string(), "replies".to_owned()],
            Endpoint::UserReplies,
        )
    }

    fn media_list(&self, media: &MediaId, edge: &str, endpoint: Endpoint) -> MediaList {
        MediaList::new(
            self.account.clone(),
            vec![media.to_string(), edge.to_owned()],
            endpoint,
        )
    }

    /// Hides a top-level reply (and its nested replies). Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn hide(&self, reply: &MediaId) -> Result<Success> {
        self.manage(reply, "manage_reply", "hide", true).await
    }

    /// Unhides a reply. Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn unhide(&self, reply: &MediaId) -> Result<Success> {
        self.manage(reply, "manage_reply", "hide", false).await
    }

    /// Approves a pending reply (also one ignored earlier). Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn approve(&self, reply: &MediaId) -> Result<Success> {
        self.manage(reply, "manage_pending_reply", "approve", true)
            .await
    }

    /// Ignores a pending reply (it can still be approved later). Never retried.
    ///
    /// # Errors
    /// Any request error.
    pub async fn ignore(&self, reply: &MediaId) -> Result<Success> {
        self.manage(reply, "manage_pending_reply", "approve", false)
            .await
    }

    async fn manage(
        &self,
        reply: &MediaId,
        edge: &str,
        param: &'static str,
        value: bool,
    ) -> Result<Success> {
        let spec = RequestSpec::post([reply.as_str(), edge], Idempotency::Irreversible)
            .form(param, value.to_string())
            .token(&self.account.token);
        self.account.client.send(spec).await
    }

    /// Creates a reply container: `request` with `reply_to_id` set to `to`. Publish it
    /// with [`PublishHandler::publish_container`](crate::api::publish::PublishHandler::publish_container).
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation), or any request error.
    pub async fn create_container(
        &self,
        to: &MediaId,
        request: ContainerRequest,
    ) -> Result<ContainerId> {
        self.account
            .publish()
            .create_container(&request.reply_to(to.clone()))
            .await
    }

    /// Replies to a post: create the container with `reply_to_id`, wait, publish.
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, ids::MediaId, model::ContainerRequest};
    /// # async fn run(account: AccountClient, post: MediaId) -> Result<(), threads_api::Error> {
    /// let reply = account.replies().reply(&post, ContainerRequest::text("Thanks!")).send().await?;
    /// # let _ = reply; Ok(()) }
    /// ```
    pub fn reply(&self, to: &MediaId, request: ContainerRequest) -> PublishFlow {
        self.account.publish().publish(request.reply_to(to.clone()))
    }
}
