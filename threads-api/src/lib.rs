//! # threads-api
//!
//! A typed async client for the Meta Threads Graph API (`graph.threads.net`, `v1.0`):
//! OAuth and token lifetimes, publishing with container checks, replies and moderation,
//! cursor pagination as streams, classified errors, and retries that never duplicate a
//! post.
//!
//! ## Contents
//!
//! 1. [Quick start](#quick-start)
//! 2. [Main concepts](#main-concepts)
//! 3. [OAuth](#oauth)
//! 4. [Publishing](#publishing)
//! 5. [Pagination](#pagination)
//! 6. [Errors](#errors)
//! 7. [Retries, and why publishes are never retried](#retries-and-why-publishes-are-never-retried)
//! 8. [Escape hatch](#escape-hatch)
//! 9. [Configuration and testing](#configuration-and-testing)
//! 10. [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! ```no_run
//! use threads_api::{AccessToken, ThreadsClient, ids::UserId, model::ContainerRequest};
//!
//! # async fn run() -> Result<(), threads_api::Error> {
//! // One client per process: it holds the connection pool. Clones are cheap.
//! let client = ThreadsClient::new()?;
//!
//! // One AccountClient per Threads account you act for.
//! let account = client.account(UserId::me(), AccessToken::new("TH...long-lived..."));
//!
//! let me = account.profile().get().send().await?;
//! println!("posting as {:?}", me.username);
//!
//! // Create a container, wait until it is FINISHED, publish it.
//! let published = account.publish().publish(ContainerRequest::text("Hello, Threads!")).send().await?;
//! println!("published media {}", published.media_id);
//! # Ok(()) }
//! ```
//!
//! ## Main concepts
//!
//! * [`ThreadsClient`]: configuration (base URL, version, timeout, [`RetryPolicy`]) and
//!   the HTTP connection pool. Build it with [`ThreadsClient::builder`].
//! * [`AccountClient`]: a client bound to one user ID and [`AccessToken`]. It hands out
//!   one handler per API area ([`api`]):
//!
//!   | Accessor | Area |
//!   |---|---|
//!   | [`account.profile()`](AccountClient::profile) | the account's profile |
//!   | [`account.posts()`](AccountClient::posts) | list, read, delete posts |
//!   | [`account.publish()`](AccountClient::publish) | containers, publish, repost |
//!   | [`account.replies()`](AccountClient::replies) | read, moderate and post replies |
//!   | [`account.mentions()`](AccountClient::mentions) | posts mentioning the account |
//!   | [`account.search()`](AccountClient::search) | keyword and tag search |
//!   | [`account.discovery()`](AccountClient::discovery) | other public profiles |
//!   | [`account.insights()`](AccountClient::insights) | media and account metrics |
//!   | [`account.publishing_limit()`](AccountClient::publishing_limit) | quotas |
//!   | [`account.locations()`](AccountClient::locations) | location search |
//!   | [`account.ghost_posts()`](AccountClient::ghost_posts) | ghost posts |
//!   | [`client.oembed(url)`](ThreadsClient::oembed) | embed HTML |
//!
//! * Calls with optional parameters return builders with a terminal `send()` (most can
//!   also be awaited directly). Handlers and builders **own** a clone of the account, so
//!   a pending request is `'static + Send` and can be moved into a spawned task.
//! * Wire models live in [`model`], identifiers in [`ids`] (string newtypes that accept
//!   JSON numbers too), client-side checks in [`validation`] and [`text`].
//!
//! ## OAuth
//!
//! [`oauth`] covers the whole flow: [`authorize_url`](oauth::OAuthClient::authorize_url)
//! with typed [`Scope`](oauth::Scope)s and a `state`,
//! [`parse_redirect`](oauth::parse_redirect) (strips the trailing `#_`, returns the
//! echoed `state` for you to verify, types the user-denied error), the code exchange,
//! the long-lived exchange and the refresh. Token responses carry an `expires_at`
//! computed from a `now` you pass in.
//!
//! ```no_run
//! use chrono::Utc;
//! use threads_api::{AppCredentials, AppSecret, ThreadsClient, oauth::{Scope, parse_redirect}};
//!
//! # async fn run(callback_url: &str, state: &str) -> Result<(), threads_api::Error> {
//! let client = ThreadsClient::new()?;
//! let oauth = client.oauth(
//!     AppCredentials::new("1234567890", AppSecret::new("...")),
//!     "https://example.com/threads/callback",
//! );
//! let dialog = oauth.authorize_url(&[Scope::ContentPublish, Scope::ReadReplies], Some(state));
//! // ... redirect the user to `dialog`; they come back to `callback_url`.
//! let redirect = parse_redirect(callback_url)?;
//! // Verify `redirect.state` first (token-crypto's OAuthStateSigner: signed, bound to
//! // the browser session, expiring, single use).
//! let short = oauth.exchange_code(&redirect.code, Utc::now()).await?;
//! let long = oauth.exchange_for_long_lived(&short.access_token, Utc::now()).await?;
//! // Store `long.access_token` encrypted, with `long.expires_at`; refresh it
//! // (oauth.refresh) once it is at least 24 h old and well before it expires.
//! # let _ = (dialog, long); Ok(()) }
//! ```
//!
//! ## Publishing
//!
//! Threads publishes in two steps: create a media *container* (`POST /{user}/threads`),
//! then publish it (`POST /{user}/threads_publish`). Image and video containers need
//! processing time; publishing too early fails with code 24 / subcode 4279009.
//!
//! [`PublishHandler::publish`](api::publish::PublishHandler::publish) does it all: it
//! validates the [`ContainerRequest`](model::ContainerRequest) client-side (500-character
//! budget, links, polls, carousel sizes, ...), creates the container, polls its status
//! with bounded backoff until `FINISHED` (or a deadline), and publishes. The result holds
//! both the media ID and the container ID. `ERROR` and `EXPIRED` containers surface as
//! [`Error::ContainerFailed`].
//!
//! A scheduler that must survive crashes records the container ID *before* publishing:
//! it creates the container itself, persists the ID, then lets
//! [`PublishHandler::resume`](api::publish::PublishHandler::resume) wait and publish
//! (the same `resume` continues from a recorded ID after a restart):
//!
//! ```no_run
//! # use threads_api::{AccountClient, model::ContainerRequest};
//! # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
//! let publish = account.publish();
//! let container = publish.create_container(&ContainerRequest::image("https://example.com/a.jpg")).await?;
//! // persist `container` here
//! let published = publish.resume(container).send().await?;
//! # let _ = published;
//! # Ok(()) }
//! ```
//!
//! The flow measures its deadline and sleeps between status checks through a
//! [`Sleeper`] (real time by default); give it another one with
//! [`PublishFlow::sleeper`](api::publish::PublishFlow::sleeper) when the server runs on a
//! virtual clock, as an emulator in a test may. The single steps
//! ([`container_status`](api::publish::PublishHandler::container_status),
//! [`publish_container`](api::publish::PublishHandler::publish_container)) remain
//! available for callers that schedule the checks themselves.
//!
//! ## Pagination
//!
//! List calls return a [`Page`] (items plus `before`/`after` cursors) or, with
//! `.stream()`, a `Stream` of items across all pages. [`ListParams`] (limit ≤ 100,
//! `since`/`until` rules, `before` XOR `after`) are checked before any request.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! # async fn run(account: threads_api::AccountClient) -> Result<(), threads_api::Error> {
//! let posts: Vec<_> = account.posts().list().limit(100).stream().try_collect().await?;
//! println!("{} posts", posts.len());
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! One [`Error`] enum for everything. Graph errors are parsed into
//! [`GraphError`](error::GraphError) (code, subcode, type, message, localized user
//! message, `fbtrace_id`, `is_transient`, HTTP status) with typed
//! [`ErrorCode`](error::ErrorCode)s and the Threads string codes
//! (`THREADS_API__LINK_LIMIT_EXCEEDED`, ...). [`Error::action`] tells what to do:
//!
//! ```no_run
//! use threads_api::ErrorAction;
//! # async fn run(account: threads_api::AccountClient, id: threads_api::ids::MediaId) {
//! match account.posts().get(&id).send().await {
//!     Ok(post) => println!("{:?}", post.text),
//!     Err(e) => match e.action() {
//!         ErrorAction::Reauthorize => println!("token invalid: ask the user to log in again"),
//!         ErrorAction::Retry | ErrorAction::RetryAfter(_) => println!("try again later"),
//!         _ => println!("giving up: {e}"),
//!     },
//! }
//! # }
//! ```
//!
//! Decode failures ([`Error::Decode`]) name the JSON path of the offending field and keep
//! the raw body.
//!
//! ## Retries, and why publishes are never retried
//!
//! Reads are retried on transient failures (transport errors, timeouts, HTTP 5xx and 429,
//! `is_transient`, throttling codes 1, 2, 4, 17, 32, 341, 613) with exponential backoff
//! and jitter, honouring `Retry-After`; see [`RetryPolicy`].
//!
//! Writes are **never** retried once the request may have reached Meta. A timeout on
//! `threads_publish` does not mean the post failed: Meta may have published it, and a
//! blind retry would post twice (a real bug in clients that retry every request). After
//! an unknown outcome, read the container status instead: `PUBLISHED` means done,
//! `FINISHED` means publishing again is safe, `ERROR`/`EXPIRED` mean create a new
//! container. The only write failure retried automatically is a connection that could
//! not be established at all. See [`retry`].
//!
//! ## Escape hatch
//!
//! For fields and endpoints Meta adds before this crate types them,
//! [`ThreadsClient::get_json`], [`post_json`](ThreadsClient::post_json) and
//! [`delete_json`](ThreadsClient::delete_json) reuse the base URL, version, token
//! placement, retries and error mapping, and decode into any `DeserializeOwned` type
//! (including `serde_json::Value`).
//!
//! ## Configuration and testing
//!
//! ```no_run
//! use std::time::Duration;
//! use threads_api::{RetryPolicy, ThreadsClient, TokenPlacement};
//!
//! # fn run(shared: reqwest::Client) -> Result<(), threads_api::Error> {
//! let client = ThreadsClient::builder()
//!     .graph_base_url("http://127.0.0.1:8080")   // an emulator or a wiremock server
//!     .api_version("v1.0")                        // or .without_api_version()
//!     .http_client(shared)                        // share a pool / proxy settings
//!     .timeout(Duration::from_secs(15))
//!     .retry_policy(RetryPolicy { max_attempts: 5, ..RetryPolicy::default() })
//!     .token_placement(TokenPlacement::BearerHeader)
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! TLS is chosen with the crate features `rustls` (default) or `native-tls`, passed
//! through to reqwest.
//!
//! Usage headers (`X-App-Usage`, `X-Business-Use-Case-Usage`, `Retry-After`) are parsed
//! when present; see [`ThreadsClient::last_usage`] and [`usage`].
//!
//! ## Security notes
//!
//! * Tokens and app secrets wrap [`secrecy`] strings ([`AccessToken`], [`AppSecret`],
//!   [`oauth::AuthorizationCode`]): `Debug` prints `[redacted]`, there is no `Display`,
//!   `Serialize` or `PartialEq`, and memory is zeroed on drop. Read a value only with
//!   `expose_secret()`, e.g. to encrypt it for storage.
//! * Tokens never appear in errors or logs: transport errors are stripped of their URL,
//!   bodies of token endpoints are not kept in errors, request debug output lists
//!   parameter names only, and `paging.next` URLs lose their `access_token`.
//! * By default the token travels as the documented `access_token` parameter, which puts
//!   it in URLs of GET requests. [`TokenPlacement::BearerHeader`] keeps it in a header
//!   instead. The client's own HTTP client does not follow redirects, so a token in a URL
//!   is never forwarded to another host; if you pass your own `reqwest::Client`, disable
//!   redirects on it too.
//! * The long-lived exchange and app tokens carry the app secret: call them from servers
//!   only. [`oauth::parse_redirect`] does not verify the `state`; verify it before the
//!   code exchange (token-crypto's `OAuthStateSigner` compares in constant time and makes
//!   each state single use).
//! * Media URLs you pass to containers are fetched by Meta, not by this crate.

// --- identifiers, wire models and client-side checks ---
pub mod ids;
pub mod model;
pub mod text;
pub mod validation;
pub mod webhook;

// --- client core ---
pub mod api;
pub mod client;
pub mod error;
pub mod oauth;
pub mod pagination;
pub mod retry;
pub mod sleeper;
pub mod token;
pub mod usage;

pub use client::{AccountClient, ThreadsClient, ThreadsClientBuilder, TokenPlacement};
pub use error::{Error, ErrorAction, Result};
pub use pagination::{ListParams, Page};
pub use retry::{Idempotency, RetryPolicy};
pub use sleeper::{Sleeper, TokioSleeper};
pub use token::{AccessToken, AppCredentials, AppSecret};

/// The `secrecy` crate, whose types appear in this crate's API: [`AccessToken::secret`]
/// returns a [`secrecy::SecretString`] and `AccessToken` converts from one. Read such a
/// value with the [`secrecy::ExposeSecret`] trait from this re-export, so the version
/// always matches the one this crate was built with, without a direct dependency.
pub use secrecy;
