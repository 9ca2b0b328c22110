//! The groups of routes and how they are put together.

use std::fmt;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::{approval, health, meta, oauth, paths, webhooks};

/// A group of routes that can be left out of the router
/// ([`without`](crate::ThreadsRouterBuilder::without)). The paths of each
/// are listed in [`paths`](crate::paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Group {
    /// Meta's webhook handshake and deliveries. Needs
    /// [`webhook_verify_token`](crate::ThreadsRouterBuilder::webhook_verify_token)
    /// (and the pipeline's webhook verifier, for deliveries).
    Webhooks,
    /// Connecting accounts (OAuth start and callback). Needs
    /// [`actor_resolver`](crate::ThreadsRouterBuilder::actor_resolver).
    OAuth,
    /// Meta's data-deletion and deauthorize callbacks and the deletion
    /// status page. Needs the pipeline's Meta app secrets and deletion
    /// status URL.
    MetaCallbacks,
    /// The approval pages. Needs
    /// [`actor_resolver`](crate::ThreadsRouterBuilder::actor_resolver) and
    /// [`csrf_key`](crate::ThreadsRouterBuilder::csrf_key).
    Approval,
    /// Local media files; mounted when a store is given
    /// ([`media`](crate::ThreadsRouterBuilder::media), feature `media`).
    Media,
    /// `/healthz` and `/readyz`.
    Health,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 6] = [
        Group::Webhooks,
        Group::OAuth,
        Group::MetaCallbacks,
        Group::Approval,
        Group::Media,
        Group::Health,
    ];

    /// The group's name (`"webhooks"`, `"oauth"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhooks => "webhooks",
            Self::OAuth => "oauth",
            Self::MetaCallbacks => "meta callbacks",
            Self::Approval => "approval",
            Self::Media => "media",
            Self::Health => "health",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Body limits per kind of route.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) webhook_body: usize,
    pub(crate) form_body: usize,
}

/// The routes of `group`.
pub(crate) fn group(group: Group, limits: Limits) -> Router<AppState> {
    match group {
        Group::Webhooks => Router::new()
            .route(
                paths::WEBHOOKS,
                get(webhooks::handshake).post(webhooks::receive),
            )
            .layer(DefaultBodyLimit::max(limits.webhook_body)),
        Group::OAuth => Router::new()
            .route(paths::OAUTH_START, get(oauth::start))
            .route(paths::OAUTH_CALLBACK, get(oauth::callback)),
        Group::MetaCallbacks => Router::new()
            .route(paths::DATA_DELETION, post(meta::data_deletion))
            .route(paths::DEAUTHORIZE, post(meta::deauthorize))
            .route(paths::DELETION_STATUS, get(meta::deletion_status))
            .layer(DefaultBodyLimit::max(limits.form_body)),
        Group::Approval => Router::new()
            .route(paths::APPROVAL, get(approval::index))
            .route("/approval/{account_id}", get(approval::queue))
            .route(
                "/approval/{account_id}/drafts/{draft_id}/{action}",
                post(approval::decide),
            )
            .layer(DefaultBodyLimit::max(limits.form_body)),
        #[cfg(feature = "media")]
        Group::Media => Router::new().route("/media/{*key}", get(crate::media::serve)),
        #[cfg(not(feature = "media"))]
        Group::Media => Router::new(),
        Group::Health => Router::new()
            .route(paths::HEALTHZ, get(health::healthz))
            .route(paths::READYZ, get(health::readyz)),
    }
}
