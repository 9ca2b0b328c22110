//! Who is asking: the host resolves the [`Actor`] of a request; this crate
//! never handles logins.

use std::fmt;

use async_trait::async_trait;
use content_pipeline::Actor;
use http::request::Parts;

/// Resolves the person behind a request, from what the host's login put on
/// it (a session cookie, a header set by a proxy, an extension set by the
/// host's own middleware).
///
/// `None` means nobody is signed in: the approval pages answer 401 and
/// connecting an account is refused. The role and organisation of the
/// [`Actor`] returned are checked by the pipeline for every operation (a
/// refusal is a 403 page).
///
/// A closure `Fn(&Parts) -> Option<Actor>` is a resolver; so is
/// [`ActorFromExtensions`]. Implement the trait for lookups that need to
/// wait (a session store):
///
/// ```
/// use content_pipeline::{Actor, Role};
/// use http::request::Parts;
/// use threads_axum::ActorResolver;
///
/// struct FromSessionStore;
///
/// #[async_trait::async_trait]
/// impl ActorResolver for FromSessionStore {
///     async fn resolve(&self, parts: &Parts) -> Option<Actor> {
///         let user = parts.headers.get("x-user")?.to_str().ok()?;
///         // ... look the user up ...
///         Some(Actor::person(user, Role::Editor))
///     }
/// }
/// ```
#[async_trait]
pub trait ActorResolver: Send + Sync + 'static {
    /// The actor of this request, or `None` when nobody is signed in.
    async fn resolve(&self, parts: &Parts) -> Option<Actor>;
}

#[async_trait]
impl<F> ActorResolver for F
where
    F: Fn(&Parts) -> Option<Actor> + Send + Sync + 'static,
{
    async fn resolve(&self, parts: &Parts) -> Option<Actor> {
        self(parts)
    }
}

/// Takes the [`Actor`] a middleware of the host put in the request's
/// extensions (`request.extensions_mut().insert(actor)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ActorFromExtensions;

#[async_trait]
impl ActorResolver for ActorFromExtensions {
    async fn resolve(&self, parts: &Parts) -> Option<Actor> {
        parts.extensions.get::<Actor>().cloned()
    }
}

/// A resolver behind a pointer, printable.
pub(crate) struct Resolver(pub(crate) Box<dyn ActorResolver>);

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActorResolver")
    }
}
