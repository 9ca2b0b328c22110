//! # threads-axum
//!
//! An [`axum::Router`] over a [`content_pipeline::Pipeline`], to `nest` into
//! an existing application: Meta's webhooks, connecting accounts with OAuth,
//! Meta's data-deletion and deauthorize callbacks, a server-rendered
//! approval page, local media files, and health checks.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use axum::routing::get;
//! use content_pipeline::{Actor, Pipeline, Role};
//! use secrecy::SecretString;
//! use threads_axum::ThreadsRouter;
//! use token_crypto::KeyMaterial;
//!
//! # async fn run(pipeline: Pipeline, csrf_key: KeyMaterial) -> Result<(), Box<dyn std::error::Error>> {
//! // Your application, with its own login.
//! let app = axum::Router::new().route("/", get(|| async { "home" }));
//!
//! // Everything Threads needs, under /threads.
//! let threads = ThreadsRouter::builder(pipeline)
//!     .public_base_url("https://app.example/threads")
//!     .webhook_verify_token(SecretString::from(std::env::var("META_VERIFY_TOKEN")?))
//!     .csrf_key(csrf_key)
//!     .actor_resolver(|parts: &http::request::Parts| {
//!         // Whoever your login put on the request; `None` answers 401.
//!         let user = parts.headers.get("x-user")?.to_str().ok()?;
//!         Some(Actor::person(user, Role::Editor))
//!     })
//!     .build()?;
//! let app = app.nest("/threads", threads);
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! ## Routes
//!
//! Paths are relative to where the router is nested (constants in
//! [`paths`]); each group can be left out with
//! [`without`](ThreadsRouterBuilder::without).
//!
//! | group | routes | needs |
//! |---|---|---|
//! | [webhooks](Group::Webhooks) | `GET /webhooks` handshake, `POST /webhooks` deliveries | a verify token; the pipeline's webhook verifier |
//! | [oauth](Group::OAuth) | `GET /oauth/start`, `GET /oauth/callback` | an actor resolver; the pipeline's connector and OAuth state key |
//! | [meta callbacks](Group::MetaCallbacks) | `POST /meta/data-deletion`, `POST /meta/deauthorize`, `GET /meta/deletion-status` | the pipeline's Meta app secrets and deletion status URL |
//! | [approval](Group::Approval) | `GET /approval`, `GET /approval/{account}`, `POST /approval/{account}/drafts/{draft}/{approve,edit,reject,schedule}` | an actor resolver and a CSRF key |
//! | [media](Group::Media) | `GET /media/{key}` | a `threads_media::MediaStore` (feature `media`) |
//! | [health](Group::Health) | `GET /healthz`, `GET /readyz` | nothing |
//!
//! ## Matching the URLs Meta is given
//!
//! With the router nested at `/threads` on `https://app.example`:
//!
//! * **Webhook callback URL** (Meta app dashboard):
//!   `https://app.example/threads/webhooks`, with the same verify token as
//!   [`webhook_verify_token`](ThreadsRouterBuilder::webhook_verify_token).
//! * **OAuth redirect URI** (dashboard, and the connector's redirect URI,
//!   e.g. `ThreadsPublisher::with_app(credentials, uri)`):
//!   `https://app.example/threads/oauth/callback`.
//! * **Data-deletion callback URL**:
//!   `https://app.example/threads/meta/data-deletion`; **deauthorize callback
//!   URL**: `https://app.example/threads/meta/deauthorize`.
//! * **Deletion status page**: give the pipeline
//!   `PipelineBuilder::deletion_status_url("https://app.example/threads/meta/deletion-status")`.
//!   The pipeline answers Meta with that URL plus `?code=<confirmation code>`,
//!   which is exactly what the router's status route reads, so a person
//!   following the link sees the status of their deletion.
//! * **Media**: build the local media store with
//!   `https://app.example/threads/media/` as its public base URL.
//!
//! ## Security
//!
//! * Webhook bodies are read whole under a size limit (413 beyond it) and
//!   their `X-Hub-Signature-256` is verified over the raw bytes before
//!   anything is parsed, with every app secret the pipeline holds (so an
//!   app-secret rotation loses no delivery). Events are recorded once in
//!   the store's inbox; the work happens in a worker.
//! * The session cookie holds only a random id (`HttpOnly`,
//!   `SameSite=Lax`, `Secure` unless turned off). The OAuth state is bound to
//!   it; approval forms carry a CSRF token, an HMAC of it, checked before
//!   anything else.
//! * Pages escape everything (minijinja's HTML auto-escaping), send a
//!   `Content-Security-Policy` that allows only their own nonce'd inline
//!   style and script, are never cached and send no `Referer`. They work
//!   without JavaScript.
//! * Errors answer with a status and a fixed text per kind ([`ErrorPage`]);
//!   the error's own message goes to the log, never to the response. A
//!   panic is answered with a plain 500.
//! * Every response carries an `x-request-id`; every request runs in a
//!   tracing span with its method, path (never the query) and request id.
//!   Cookies, `Authorization` and `X-Hub-Signature-256` are marked sensitive.

mod actor;
mod approval;
mod builder;
mod error;
mod health;
#[cfg(feature = "media")]
mod media;
mod meta;
mod oauth;
mod pages;
pub mod paths;
mod problems;
mod routes;
mod session;
mod state;
mod webhooks;

pub use actor::{ActorFromExtensions, ActorResolver};
pub use builder::{
    DEFAULT_FORM_BODY_BYTES, DEFAULT_READINESS_TIMEOUT, DEFAULT_SESSION_COOKIE, DEFAULT_TIMEOUT,
    ThreadsRouter, ThreadsRouterBuilder,
};
pub use error::Error;
pub use problems::ErrorPage;
pub use routes::Group;
