//! What every handler shares, and the extractors that read a request's
//! context (mount point, request id, signed-in person, session).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, OriginalUri};
use content_pipeline::{Actor, Pipeline};
use http::request::Parts;
use token_crypto::webhook::SubscriptionHandshake;

use crate::actor::Resolver;
use crate::pages::{ActorView, Chrome};
use crate::session::{Csrf, SessionId, Sessions};

/// The router's shared state.
pub(crate) type AppState = Arc<Shared>;

/// Everything the handlers need, built once by the builder.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) pipeline: Pipeline,
    pub(crate) handshake: Option<SubscriptionHandshake>,
    pub(crate) resolver: Option<Resolver>,
    pub(crate) sessions: Sessions,
    pub(crate) csrf: Option<Csrf>,
    /// The base of the callback URL given to the pipeline (only its query
    /// is read there).
    pub(crate) callback_base: String,
    pub(crate) readiness_timeout: Duration,
    #[cfg(feature = "media")]
    pub(crate) media: Option<threads_media::MediaStore>,
}

/// The request id the request-id layer set (`x-request-id`).
pub(crate) fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map(str::to_owned)
}

/// The path the router is mounted at (`""` when it is not nested), worked
/// out from the original URI and the path this router saw.
pub(crate) fn mount(parts: &Parts) -> String {
    let inner = parts.uri.path();
    let Some(OriginalUri(original)) = parts.extensions.get::<OriginalUri>() else {
        return String::new();
    };
    original
        .path()
        .strip_suffix(inner)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned()
}

/// A request's context: where the router is mounted, its id, who is signed
/// in, and its session.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) mount: String,
    pub(crate) request_id: Option<String>,
    pub(crate) actor: Option<Actor>,
    pub(crate) session: Option<SessionId>,
}

impl Context {
    /// The page chrome for this request.
    pub(crate) fn chrome(&self) -> Chrome {
        Chrome {
            request_id: self.request_id.clone(),
            actor: self.actor.as_ref().map(ActorView::of),
        }
    }

    /// A path inside this router, as the browser must ask for it.
    pub(crate) fn href(&self, path: &str) -> String {
        format!("{}{path}", self.mount)
    }
}

impl FromRequestParts<AppState> for Context {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let actor = match &state.resolver {
            Some(resolver) => resolver.0.resolve(parts).await,
            None => None,
        };
        Ok(Self {
            mount: mount(parts),
            request_id: request_id(parts),
            actor,
            session: state.sessions.read(&parts.headers),
        })
    }
}
