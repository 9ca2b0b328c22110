//! The router: one fallback handler parses the request, routes it (paths are served
//! unversioned and under `/v1.0`; `/__admin/` goes to the admin API), rolls the fault rules,
//! runs the endpoint handler under the world lock and writes the response.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::context::{Call, Ctx, Reply, Shared};
use crate::errors::{ApiError, ErrorType};
use crate::faults::{self, Effects, Endpoint};
use crate::ledger::Operation;
use crate::params::{self, Params};
use crate::state::World;
use crate::{
    admin, app_usage, containers, insights, media, oauth, posts, profile, replies, search,
};

/// The router: everything goes through one fallback handler.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(entry).with_state(shared)
}

fn json_response(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    r
}

pub(crate) fn error_response(w: &mut World, e: &ApiError) -> Response {
    let trace = w.trace_id();
    let mut r = json_response(e.status, e.to_body(&trace));
    if let Ok(v) = HeaderValue::from_str(&trace) {
        r.headers_mut().insert("x-fb-trace-id", v);
    }
    r
}

fn reply_response(reply: Reply) -> Response {
    match reply {
        Reply::Json(v) => json_response(200, v.to_string()),
        Reply::Redirect(location) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::FOUND;
            match HeaderValue::from_str(&location) {
                Ok(v) => {
                    r.headers_mut().insert(header::LOCATION, v);
                    r
                }
                Err(_) => json_response(
                    400,
                    ApiError::param("redirect_uri is not a valid URL").to_body("A"),
                ),
            }
        }
    }
}

/// Which endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Authorize,
    AccessToken,
    Exchange,
    Refresh,
    DebugToken,
    KeywordSearch,
    ProfileLookup,
    ProfilePosts,
    LocationSearch,
    Oembed,
    GetObject,
    Delete,
    Threads,
    CreateContainer,
    Publish,
    Replies,
    Conversation,
    Pending,
    MediaInsights,
    UserInsights,
    PublishingLimit,
    Mentions,
    GhostPosts,
    Repost,
    ManageReply,
    ManagePending,
}

impl Route {
    fn endpoint(self) -> Endpoint {
        match self {
            Self::Authorize => Endpoint::Authorize,
            Self::AccessToken => Endpoint::TokenExchange,
            Self::Exchange => Endpoint::LongLivedExchange,
            Self::Refresh => Endpoint::RefreshToken,
            Self::DebugToken => Endpoint::DebugToken,
            Self::KeywordSearch => Endpoint::KeywordSearch,
            Self::ProfileLookup | Self::ProfilePosts => Endpoint::ProfileDiscovery,
            Self::LocationSearch => Endpoint::LocationSearch,
            Self::Oembed => Endpoint::Oembed,
            Self::GetObject => Endpoint::GetObject,
            Self::Delete => Endpoint::Delete,
            Self::Threads => Endpoint::ListThreads,
            Self::CreateContainer => Endpoint::CreateContainer,
            Self::Publish => Endpoint::Publish,
            Self::Replies | Self::Conversation | Self::Pending => Endpoint::ListReplies,
            Self::MediaInsights | Self::UserInsights => Endpoint::Insights,
            Self::PublishingLimit => Endpoint::PublishingLimit,
            Self::Mentions => Endpoint::Mentions,
            Self::GhostPosts => Endpoint::GhostPosts,
            Self::Repost => Endpoint::Repost,
            Self::ManageReply | Self::ManagePending => Endpoint::ManageReply,
        }
    }

    fn operation(self) -> Option<Operation> {
        match self {
            Self::CreateContainer => Some(Operation::CreateContainer),
            Self::Publish => Some(Operation::Publish),
            Self::Repost => Some(Operation::Repost),
            Self::Delete => Some(Operation::Delete),
            Self::ManageReply => Some(Operation::ManageReply),
            Self::ManagePending => Some(Operation::ManagePendingReply),
            _ => None,
        }
    }
}

fn unknown_path(path: &str) -> ApiError {
    ApiError::graph(
        ErrorType::OAuth,
        2500,
        format!("Unknown path components: {path}"),
    )
}

fn route(method: &Method, segs: &[&str], path: &str) -> Result<Route, ApiError> {
    let get = method == Method::GET;
    let post = method == Method::POST;
    let wrong = |id: &str| Err(ApiError::unsupported(method.as_str(), id));
    match segs {
        ["oauth", "authorize"] if get => Ok(Route::Authorize),
        ["oauth", "access_token"] if get || post => Ok(Route::AccessToken),
        ["access_token"] if get || post => Ok(Route::Exchange),
        ["refresh_access_token"] if get || post => Ok(Route::Refresh),
        ["debug_token"] if get => Ok(Route::DebugToken),
        ["keyword_search"] if get => Ok(Route::KeywordSearch),
        ["profile_lookup"] if get => Ok(Route::ProfileLookup),
        ["profile_posts"] if get => Ok(Route::ProfilePosts),
        ["location_search"] if get => Ok(Route::LocationSearch),
        ["oembed"] if get => Ok(Route::Oembed),
        [
            "oauth"
            | "access_token"
            | "refresh_access_token"
            | "debug_token"
            | "keyword_search"
            | "profile_lookup"
            | "profile_posts"
            | "location_search"
            | "oembed",
            ..,
        ] => Err(unknown_path(path)),
        [id] => match *method {
            Method::GET => Ok(Route::GetObject),
            Method::DELETE => Ok(Route::Delete),
            _ => wrong(id),
        },
        [id, edge] => {
            let r = match (*edge, get, post) {
                ("threads", true, _) => Route::Threads,
                ("threads", _, true) => Route::CreateContainer,
                ("threads_publish", _, true) => Route::Publish,
                ("replies", true, _) => Route::Replies,
                ("conversation", true, _) => Route::Conversation,
                ("pending_replies", true, _) => Route::Pending,
                ("insights", true, _) => Route::MediaInsights,
                ("threads_insights", true, _) => Route::UserInsights,
                ("threads_publishing_limit", true, _) => Route::PublishingLimit,
                ("mentions", true, _) => Route::Mentions,
                ("ghost_posts", true, _) => Route::GhostPosts,
                ("repost", _, true) => Route::Repost,
                ("manage_reply", _, true) => Route::ManageReply,
                ("manage_pending_reply", _, true) => Route::ManagePending,
                (
                    "threads"
                    | "threads_publish"
                    | "replies"
                    | "conversation"
                    | "pending_replies"
                    | "insights"
                    | "threads_insights"
                    | "threads_publishing_limit"
                    | "mentions"
                    | "ghost_posts"
                    | "repost"
                    | "manage_reply"
                    | "manage_pending_reply",
                    _,
                    _,
                ) => return wrong(id),
                _ => return Err(unknown_path(path)),
            };
            Ok(r)
        }
        _ => Err(unknown_path(path)),
    }
}

fn run(w: &mut World, r: Route, segs: &[&str], p: &Params, ctx: &Ctx) -> Result<Reply, ApiError> {
    let id = segs.first().copied().unwrap_or("");
    match r {
        Route::Authorize => oauth::authorize(w, p),
        Route::AccessToken => oauth::access_token(w, p),
        Route::Exchange => oauth::exchange(w, p),
        Route::Refresh => oauth::refresh(w, p),
        Route::DebugToken => oauth::debug_token(w, p),
        Route::KeywordSearch => search::keyword_search(w, p, ctx),
        Route::ProfileLookup => search::profile_lookup(w, p, ctx),
        Route::ProfilePosts => search::profile_posts(w, p, ctx),
        Route::LocationSearch => search::location_search(w, p, ctx),
        Route::Oembed => posts::oembed(w, p),
        Route::GetObject => posts::get_object(w, p, ctx, id),
        Route::Delete => posts::delete(w, p, ctx, id),
        Route::Threads => posts::list_threads(w, p, ctx, id),
        Route::CreateContainer => containers::create(w, p, ctx, id),
        Route::Publish => containers::publish(w, p, ctx, id),
        Route::Replies => {
            if id == "me" || w.users.contains_key(id) {
                replies::user_replies(w, p, ctx, id)
            } else {
                replies::replies(w, p, ctx, id)
            }
        }
        Route::Conversation => replies::conversation(w, p, ctx, id),
        Route::Pending => replies::pending(w, p, ctx, id),
        Route::MediaInsights => insights::media(w, p, ctx, id),
        Route::UserInsights => insights::user(w, p, ctx, id),
        Route::PublishingLimit => profile::publishing_limit(w, p, ctx, id),
        Route::Mentions => replies::mentions(w, p, ctx, id),
        Route::GhostPosts => posts::ghost_posts(w, p, ctx, id),
        Route::Repost => posts::repost(w, p, ctx, id),
        Route::ManageReply => replies::manage_reply(w, p, ctx, id),
        Route::ManagePending => replies::manage_pending(w, p, ctx, id),
    }
}

async fn entry(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if req.uri().path().starts_with("/__admin") {
        return admin::http::handle(&shared, req).await;
    }
    let p = match params::extract(req).await {
        Ok(p) => p,
        Err(e) => return error_response(&mut shared.lock(), &e),
    };
    let mut segs: Vec<&str> = p.segments.iter().map(String::as_str).collect();
    if segs.first() == Some(&"v1.0") {
        segs.remove(0);
    }
    let r = match route(&p.method, &segs, &p.path) {
        Ok(r) => r,
        Err(e) => return error_response(&mut shared.lock(), &e),
    };
    let mut fx = {
        let mut guard = shared.lock();
        let w = &mut *guard;
        if w.faults.is_empty() {
            Effects::default()
        } else {
            let id = segs.first().copied().unwrap_or("");
            let endpoint = if r == Route::GetObject && (id == "me" || w.users.contains_key(id)) {
                Endpoint::GetProfile
            } else {
                r.endpoint()
            };
            faults::roll(&mut w.faults, &mut w.fault_rng, endpoint)
        }
    };
    if fx.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fx.latency_ms)).await;
    }
    let injected = fx.error.take();
    let hang = fx.hang_ms;
    let drop_it = fx.drop;
    let ctx = Ctx {
        base_url: shared.base_url.clone(),
        fx,
    };
    let (mut response, queued, usage, fetches) = {
        let mut w = shared.lock();
        let usage = app_usage::count_call(&mut w, p.token.as_deref());
        let response = match injected {
            Some(e) => {
                if let Some(op) = r.operation() {
                    let user = p
                        .token
                        .as_ref()
                        .and_then(|t| w.tokens.get(t))
                        .map(|t| t.user_id.clone())
                        .unwrap_or_default();
                    let target = match op {
                        Operation::Publish => p.get("creation_id"),
                        Operation::CreateContainer => None,
                        _ => segs.first().copied(),
                    };
                    let call = Call {
                        text: p.get("text").map(str::to_owned),
                        reply_to: p.get("reply_to_id").map(str::to_owned),
                        ..Call::new(op, &user, target)
                    };
                    ctx.record(&mut w, call, &Err(e.clone()));
                }
                error_response(&mut w, &e)
            }
            None => match run(&mut w, r, &segs, &p, &ctx) {
                Ok(reply) => reply_response(reply),
                Err(e) => error_response(&mut w, &e),
            },
        };
        let fetches = std::mem::take(&mut w.pending_fetches);
        (response, !w.webhooks.pending.is_empty(), usage, fetches)
    };
    // Media fetches run before the response so a client polling the container sees the
    // outcome deterministically; the world lock is not held while fetching.
    for f in fetches {
        if let Err(message) = media::fetch_and_check(&shared.http, f.kind, &f.url).await
            && let Some(c) = shared.lock().containers.get_mut(&f.container)
        {
            c.error.get_or_insert_with(|| message.to_owned());
        }
    }
    if let Some(v) = usage.and_then(|u| HeaderValue::from_str(&u).ok()) {
        response.headers_mut().insert("x-app-usage", v);
    }
    if queued {
        shared.wake_webhooks();
    }
    if let Some(ms) = hang {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if drop_it {
        return cut_off(response).await;
    }
    response
}

/// Sends the status and half the body, then fails the body stream so the connection is
/// aborted mid-response.
async fn cut_off(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, params::MAX_BODY)
        .await
        .unwrap_or_default();
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::other("connection cut by fault injection")),
    ];
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let g = Method::GET;
        let p = Method::POST;
        assert_eq!(route(&g, &["me"], "/me").ok(), Some(Route::GetObject));
        assert_eq!(
            route(&p, &["me", "threads"], "/").ok(),
            Some(Route::CreateContainer)
        );
        assert_eq!(
            route(&g, &["oauth", "authorize"], "/").ok(),
            Some(Route::Authorize)
        );
        assert!(route(&p, &["123"], "/123").is_err());
        assert!(route(&g, &["1", "nope"], "/1/nope").is_err());
        assert!(route(&g, &["a", "b", "c"], "/a/b/c").is_err());
        assert!(route(&g, &["oembed", "x"], "/oembed/x").is_err());
        assert!(route(&g, &[], "/").is_err());
    }
}
