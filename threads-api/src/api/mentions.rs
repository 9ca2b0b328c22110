//! Posts that mention the account: `GET /{user}/mentions`.
//!
//! Needs `threads_manage_mentions`. Without Advanced Access only mentions made
//! by Threads testers come back; posts by private users never do.

use crate::api::media::MediaList;
use crate::client::AccountClient;
use crate::model::Endpoint;

impl AccountClient {
    /// Posts that mention the account.
    pub fn mentions(&self) -> MentionsHandler {
        MentionsHandler {
            account: self.clone(),
        }
    }
}

/// Mention operations of one account.
#[derive(Debug, Clone)]
pub struct MentionsHandler {
    account: AccountClient,
}

impl MentionsHandler {
    /// Lists the posts that mention the account, newest first, with
    /// [`Fields::default_for(Endpoint::Mentions)`](crate::model::Fields::default_for).
    /// Takes `fields`, `since`, `until`, `limit`, `before` and `after`.
    ///
    /// ```no_run
    /// # use threads_api::AccountClient;
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let page = account.mentions().list().limit(50).send().await?;
    /// for post in &page {
    ///     println!("@{:?}: {:?}", post.username, post.text);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> MediaList {
        MediaList::new(
            self.account.clone(),
            vec![self.account.user_id.to_string(), "mentions".to_owned()],
            Endpoint::Mentions,
        )
    }
}
