//! Ghost posts: `GET /{user}/ghost_posts`.
//!
//! A ghost post is a text post created with
//! [`ContainerRequest::ghost_post`](crate::model::ContainerRequest::ghost_post) that
//! archives itself 24 hours after publishing. This list returns them with their
//! `ghost_post_status` (`ACTIVE`/`ARCHIVED`) and
//! `ghost_post_expiration_timestamp`.

use crate::api::media::MediaList;
use crate::client::AccountClient;
use crate::model::Endpoint;

impl AccountClient {
    /// The account's ghost posts.
    pub fn ghost_posts(&self) -> GhostPostsHandler {
        GhostPostsHandler {
            account: self.clone(),
        }
    }
}

/// Ghost-post operations of one account.
#[derive(Debug, Clone)]
pub struct GhostPostsHandler {
    account: AccountClient,
}

impl GhostPostsHandler {
    /// Lists the account's ghost posts, with
    /// [`Fields::default_for(Endpoint::GhostPosts)`](crate::model::Fields::default_for)
    /// (which includes the ghost status and expiry). Takes `fields`, `since`,
    /// `until`, `limit`, `before` and `after`.
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, model::GhostPostStatus};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let page = account.ghost_posts().list().send().await?;
    /// let active = page
    ///     .iter()
    ///     .filter(|p| p.ghost_post_status == Some(GhostPostStatus::Active))
    ///     .count();
    /// # let _ = active; Ok(()) }
    /// ```
    pub fn list(&self) -> MediaList {
        MediaList::new(
            self.account.clone(),
            vec![self.account.user_id.to_string(), "ghost_posts".to_owned()],
            Endpoint::GhostPosts,
        )
    }
}
