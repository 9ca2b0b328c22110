//! One handler per API area, reached from an [`AccountClient`](crate::AccountClient).
//!
//! | Accessor | Handler | Endpoints |
//! |---|---|---|
//! | `account.profile()` | [`profiles::ProfileHandler`] | `GET /{user}` |
//! | `account.posts()` | [`media::PostsHandler`] | `GET /{user}/threads`, `GET /{media}`, `DELETE /{media}` |
//! | `account.publish()` | [`publish::PublishHandler`] | `POST /{user}/threads`, `GET /{container}`, `POST /{user}/threads_publish`, `POST /{media}/repost` |
//! | `account.replies()` | [`replies::RepliesHandler`] | `/replies`, `/conversation`, `/pending_replies`, `/{user}/replies`, `manage_reply`, `manage_pending_reply` |
//! | `account.mentions()` | [`mentions::MentionsHandler`] | `GET /{user}/mentions` |
//! | `account.search()` | [`search::SearchHandler`] | `GET /keyword_search` (keyword and tag search) |
//! | `account.discovery()` | [`discovery::DiscoveryHandler`] | `GET /profile_lookup`, `GET /profile_posts` |
//! | `account.insights()` | [`insights::InsightsHandler`] | `GET /{media}/insights`, `GET /{user}/threads_insights` |
//! | `account.publishing_limit()` | [`limits::GetPublishingLimit`] | `GET /{user}/threads_publishing_limit` |
//! | `account.locations()` | [`locations::LocationsHandler`] | `GET /location_search`, `GET /{location}` |
//! | `account.ghost_posts()` | [`ghost::GhostPostsHandler`] | `GET /{user}/ghost_posts` |
//! | `client.oembed(url)` | [`oembed::OEmbedRequest`] | `GET /oembed` (no token needed) |
//!
//! Handlers are small values that own a clone of the account (an `Arc` and a token
//! clone), so they and the builders they return are `'static + Send`. Builders can be
//! awaited directly (`account.profile().get().await`) or through `send()`.
//!
//! # How a handler is written (for contributors)
//!
//! Each area is one file with a handler struct and, for calls with optional parameters,
//! a builder with `impl Into<...>` setters and a terminal `send()`:
//!
//! ```text
//! // src/api/mentions.rs
//! use crate::client::{AccountClient, RequestSpec};
//!
//! impl AccountClient {
//!     /// Posts that mention the account.
//!     pub fn mentions(&self) -> MentionsHandler { MentionsHandler { account: self.clone() } }
//! }
//!
//! pub struct MentionsHandler { account: AccountClient }
//!
//! impl MentionsHandler {
//!     pub fn list(&self) -> ListMentions { /* builder holding the account + ListParams */ }
//! }
//!
//! impl ListMentions {
//!     fn spec(&self) -> Result<RequestSpec> {
//!         self.params.validate(Utc::now())?;           // typed error before any request
//!         let spec = RequestSpec::get([self.account.user_id.as_str(), "mentions"])
//!             .query("fields", self.fields.to_string())
//!             .token(&self.account.token);
//!         Ok(self.params.apply(spec))
//!     }
//!     pub async fn send(self) -> Result<Page<Media>> {
//!         let spec = self.spec()?;
//!         fetch_page(self.account.client.clone(), spec).await   // page can continue itself
//!     }
//!     pub fn stream(self) -> BoxStream<'static, Result<Media>> {
//!         list_stream(self.spec(), self.account.client)         // see media.rs
//!     }
//! }
//! ```
//!
//! * Reads: `RequestSpec::get(segments)`: retried on transient errors.
//! * Writes: `RequestSpec::post(segments, Idempotency::Create | Irreversible)` with
//!   `.form(...)` parameters; never retried once they may have reached Meta.
//! * Deletes: `RequestSpec::delete(segments)`.
//! * Single objects decode with `self.account.client.send::<T>(spec)`; lists with
//!   `pagination::fetch_page` / `pagination::stream_items`.
//! * An inherent `impl AccountClient { pub fn area(&self) -> AreaHandler }` in the area's
//!   own file adds the accessor, so areas never edit each other's files.
//! * A builder over a [`ListParams`](crate::ListParams) gets the paging setters (`limit`,
//!   `since`, `until`, `after`, `before`) from `list_param_setters!(params)` (defined next
//!   to `ListParams`), so every list has the same names, types and docs.
//! * `awaitable!(Builder => Output);` makes a builder with `async fn send(self)`
//!   awaitable directly, and checks at compile time that its future is `Send + 'static`.

/// Makes a builder awaitable directly (`builder.await` is `builder.send().await`).
///
/// The boxed future must be `Send + 'static`, so this also proves at compile time that
/// the builder's request can move into a spawned task.
macro_rules! awaitable {
    ($builder:ty => $output:ty) => {
        impl std::future::IntoFuture for $builder {
            type Output = crate::error::Result<$output>;
            type IntoFuture = futures::future::BoxFuture<'static, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub mod discovery;
pub mod ghost;
pub mod insights;
pub mod limits;
pub mod locations;
pub mod media;
pub mod mentions;
pub mod oembed;
pub mod profiles;
pub mod publish;
pub mod replies;
pub mod search;

use futures::stream::{BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use crate::client::{RequestSpec, ThreadsClient};
use crate::error::Result;

/// The response of calls that only acknowledge: `{"success": true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct Success {
    /// Whether Meta reports success.
    pub success: bool,
}

/// A stream over every item of a list request, or a stream yielding only the error
/// when building the request failed (validation). Boxed, so callers can use
/// `try_next()` without pinning.
pub(crate) fn list_stream<T: DeserializeOwned + Send + 'static>(
    spec: Result<RequestSpec>,
    client: ThreadsClient,
) -> BoxStream<'static, Result<T>> {
    match spec {
        Ok(spec) => crate::pagination::stream_items(client, spec).boxed(),
        Err(err) => futures::stream::once(async move { Err(err) }).boxed(),
    }
}
