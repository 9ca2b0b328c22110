//! [`ThreadsRouter`] and its builder.

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use content_pipeline::Pipeline;
use http::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue, SET_COOKIE};
use http::{Request, StatusCode};
use secrecy::SecretString;
use token_crypto::KeyMaterial;
use token_crypto::webhook::{DEFAULT_MAX_BODY_BYTES, SubscriptionHandshake};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::actor::{ActorResolver, Resolver};
use crate::error::Error;
use crate::pages::{check_templates, plain};
use crate::routes::{self, Group, Limits};
use crate::session::{Csrf, Sessions, valid_cookie_name};
use crate::state::Shared;

/// Default time a request may take before it is answered 503.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on form bodies (approval forms, Meta's callbacks): 64 KiB.
pub const DEFAULT_FORM_BODY_BYTES: usize = 64 * 1024;
/// Default name of the session cookie.
pub const DEFAULT_SESSION_COOKIE: &str = "threads_session";
/// Default time `/readyz` waits for the store.
pub const DEFAULT_READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The entry point: [`ThreadsRouter::builder`] makes an
/// [`axum::Router`] over a [`Pipeline`] to `nest` into an application.
#[derive(Debug, Clone, Copy)]
pub struct ThreadsRouter;

impl ThreadsRouter {
    /// Starts a router over `pipeline`, with every group of routes; see
    /// [`ThreadsRouterBuilder`] for what each needs.
    pub fn builder(pipeline: Pipeline) -> ThreadsRouterBuilder {
        ThreadsRouterBuilder {
            pipeline,
            verify_token: None,
            resolver: None,
            csrf_key: None,
            public_base_url: None,
            secure_cookies: None,
            cookie_name: DEFAULT_SESSION_COOKIE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            readiness_timeout: DEFAULT_READINESS_TIMEOUT,
            webhook_body: DEFAULT_MAX_BODY_BYTES,
            form_body: DEFAULT_FORM_BODY_BYTES,
            without: BTreeSet::new(),
            #[cfg(feature = "media")]
            media: None,
        }
    }
}

/// Builds the router. Every group of routes is mounted unless left out with
/// [`without`](Self::without) (media only when a store is given), and
/// [`build`](Self::build) refuses a group whose settings are missing.
///
/// | setting | default | needed by |
/// |---|---|---|
/// | [`webhook_verify_token`](Self::webhook_verify_token) | none | webhooks |
/// | [`actor_resolver`](Self::actor_resolver) | none | oauth, approval |
/// | [`csrf_key`](Self::csrf_key) | none | approval |
/// | [`public_base_url`](Self::public_base_url) | none | the `Secure` cookie default |
/// | [`secure_cookies`](Self::secure_cookies) | on, unless the public base URL is `http://` | |
/// | [`session_cookie_name`](Self::session_cookie_name) | `threads_session` | |
/// | [`request_timeout`](Self::request_timeout) | 30 s, then 503 | |
/// | [`webhook_body_limit`](Self::webhook_body_limit) | 1 MiB, then 413 | |
/// | [`form_body_limit`](Self::form_body_limit) | 64 KiB, then 413 | |
/// | [`readiness_timeout`](Self::readiness_timeout) | 2 s | `/readyz` |
/// | [`media`](Self::media) | none (no media route) | media |
pub struct ThreadsRouterBuilder {
    pipeline: Pipeline,
    verify_token: Option<SecretString>,
    resolver: Option<Resolver>,
    csrf_key: Option<KeyMaterial>,
    public_base_url: Option<String>,
    secure_cookies: Option<bool>,
    cookie_name: String,
    timeout: Duration,
    readiness_timeout: Duration,
    webhook_body: usize,
    form_body: usize,
    without: BTreeSet<Group>,
    #[cfg(feature = "media")]
    media: Option<threads_media::MediaStore>,
}

impl fmt::Debug for ThreadsRouterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadsRouterBuilder")
            .field("pipeline", &self.pipeline)
            .field(
                "verify_token",
                &self.verify_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("actor_resolver", &self.resolver.is_some())
            .field("csrf_key", &self.csrf_key.as_ref().map(|_| "[REDACTED]"))
            .field("public_base_url", &self.public_base_url)
            .field("without", &self.without)
            .finish_non_exhaustive()
    }
}

impl ThreadsRouterBuilder {
    /// The verify token entered in the Meta app dashboard for the webhook
    /// subscription; the handshake answers only when it matches (compared
    /// in constant time).
    pub fn webhook_verify_token(mut self, token: SecretString) -> Self {
        self.verify_token = Some(token);
        self
    }

    /// Who is signed in: the host's login, resolved per request (see
    /// [`ActorResolver`]; a closure `Fn(&Parts) -> Option<Actor>` works).
    pub fn actor_resolver(mut self, resolver: impl ActorResolver) -> Self {
        self.resolver = Some(Resolver(Box::new(resolver)));
        self
    }

    /// The key the approval forms' CSRF tokens are made with (a dedicated
    /// random 256-bit key; keep it across restarts and instances, or open
    /// pages refuse their forms once).
    pub fn csrf_key(mut self, key: KeyMaterial) -> Self {
        self.csrf_key = Some(key);
        self
    }

    /// Where the router is reached from outside, nest path included (for
    /// example `https://app.example/threads` for a router nested at
    /// `/threads`). An `https` URL (or none) keeps the session cookie
    /// `Secure`. The app's OAuth redirect URI is this plus
    /// [`paths::OAUTH_CALLBACK`](crate::paths::OAUTH_CALLBACK), and the
    /// pipeline's deletion status URL this plus
    /// [`paths::DELETION_STATUS`](crate::paths::DELETION_STATUS).
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self
    }

    /// Sends the session cookie only over HTTPS (`Secure`). Default: on,
    /// unless the public base URL is `http://`. Turn it off only for local
    /// development over plain HTTP.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = Some(secure);
        self
    }

    /// The session cookie's name (default `threads_session`): 1-64
    /// characters from `A-Z a-z 0-9 _ -`.
    pub fn session_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// How long a request may take before it is answered 503 (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest webhook body read (default 1 MiB, Meta's deliveries are
    /// far smaller); a larger one is answered 413 before it is hashed. Keep
    /// it at or below the pipeline's webhook verifier's cap.
    pub fn webhook_body_limit(mut self, bytes: usize) -> Self {
        self.webhook_body = bytes;
        self
    }

    /// The largest form body read (approval forms, Meta's callbacks; default
    /// 64 KiB); a larger one is answered 413.
    pub fn form_body_limit(mut self, bytes: usize) -> Self {
        self.form_body = bytes;
        self
    }

    /// How long `/readyz` waits for the store (default 2 s).
    pub fn readiness_timeout(mut self, timeout: Duration) -> Self {
        self.readiness_timeout = timeout;
        self
    }

    /// Leaves a group of routes out.
    pub fn without(mut self, group: Group) -> Self {
        self.without.insert(group);
        self
    }

    /// Mounts only these groups (the others are left out).
    pub fn only(mut self, groups: impl IntoIterator<Item = Group>) -> Self {
        let keep: BTreeSet<Group> = groups.into_iter().collect();
        self.without = Group::ALL
            .into_iter()
            .filter(|g| !keep.contains(g))
            .collect();
        self
    }

    /// Serves the files of `store` (its local-directory backend) under
    /// [`paths::MEDIA`](crate::paths::MEDIA): build the store with
    /// `<public base URL>/media/` as its public base URL so the URLs it
    /// hands out land here. Other backends serve their own files; the route
    /// answers 404 for them.
    #[cfg(feature = "media")]
    pub fn media(mut self, store: threads_media::MediaStore) -> Self {
        self.media = Some(store);
        self
    }

    /// The groups that will be mounted.
    fn groups(&self) -> Vec<Group> {
        Group::ALL
            .into_iter()
            .filter(|g| !self.without.contains(g))
            .filter(|g| *g != Group::Media || self.has_media())
            .collect()
    }

    #[cfg(feature = "media")]
    fn has_media(&self) -> bool {
        self.media.is_some()
    }

    #[cfg(not(feature = "media"))]
    fn has_media(&self) -> bool {
        false
    }

    /// Builds the router, or says which setting a mounted group lacks.
    ///
    /// Every route answers with an `x-request-id` (the request's own, or a
    /// new UUIDv7), runs in a tracing span that names it (method, path
    /// without query, request id; never cookies, query strings or
    /// signatures), and is cut at the request timeout with a 503. A panic
    /// in a handler (or in the actor resolver) is answered with a plain 500
    /// that says nothing of it.
    pub fn build(self) -> Result<Router, Error> {
        check_templates()?;
        let groups = self.groups();
        let missing = |group: Group, setting: &'static str| Error::Missing { group, setting };
        for group in &groups {
            match group {
                Group::Webhooks if self.verify_token.is_none() => {
                    return Err(missing(*group, "webhook_verify_token"));
                }
                Group::OAuth | Group::Approval if self.resolver.is_none() => {
                    return Err(missing(*group, "actor_resolver"));
                }
                Group::Approval if self.csrf_key.is_none() => {
                    return Err(missing(*group, "csrf_key"));
                }
                _ => {}
            }
        }
        if !valid_cookie_name(&self.cookie_name) {
            return Err(Error::CookieName);
        }
        let public = match &self.public_base_url {
            Some(url) => {
                let parsed = url::Url::parse(url).map_err(Error::PublicBaseUrl)?;
                let http = matches!(parsed.scheme(), "http" | "https");
                if !http || parsed.query().is_some() || parsed.fragment().is_some() {
                    return Err(Error::PublicBaseUrlShape);
                }
                Some(parsed)
            }
            None => None,
        };
        let secure = self
            .secure_cookies
            .unwrap_or_else(|| public.as_ref().is_none_or(|u| u.scheme() == "https"));
        let callback_base = public.as_ref().map_or_else(
            || "http://localhost".to_owned(),
            |u| u.origin().ascii_serialization(),
        );
        let csrf = match &self.csrf_key {
            Some(key) => Some(Csrf::new(key).ok_or(Error::Missing {
                group: Group::Approval,
                setting: "csrf_key",
            })?),
            None => None,
        };
        let limits = Limits {
            webhook_body: self.webhook_body,
            form_body: self.form_body,
        };
        let state = Arc::new(Shared {
            pipeline: self.pipeline,
            handshake: self.verify_token.map(SubscriptionHandshake::new),
            resolver: self.resolver,
            sessions: Sessions {
                cookie_name: self.cookie_name,
                secure,
            },
            csrf,
            callback_base,
            readiness_timeout: self.readiness_timeout,
            #[cfg(feature = "media")]
            media: self.media,
        });
        let mut router = Router::new();
        for group in groups {
            router = router.merge(routes::group(group, limits));
        }
        Ok(with_layers(router.with_state(state), self.timeout))
    }
}

/// Request ids, tracing, sensitive headers and the timeout, around every route.
fn with_layers(router: Router, timeout: Duration) -> Router {
    let sensitive: Arc<[HeaderName]> = Arc::new([
        AUTHORIZATION,
        COOKIE,
        SET_COOKIE,
        HeaderName::from_static("x-hub-signature-256"),
    ]);
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
        let id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "threads_http",
            method = %request.method(),
            path = %request.uri().path(),
            request_id = %id,
        )
    });
    // The last layer added runs first on the way in.
    router
        .layer(CatchPanicLayer::custom(
            panic_response as fn(Box<dyn Any + Send + 'static>) -> Response,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(trace)
        .layer(SetSensitiveResponseHeadersLayer::from_shared(
            sensitive.clone(),
        ))
        .layer(SetSensitiveRequestHeadersLayer::from_shared(sensitive))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(NewRequestId))
}

/// The answer when a handler (or the host's actor resolver) panics: a plain
/// 500, never the panic's message; the request id and tracing layers still
/// run around it.
fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked; answered 500");
    plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
}

/// Makes request ids: UUIDv7, so they sort by time in logs.
#[derive(Debug, Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}
