//! The admin API over HTTP (`/__admin/...`, table in the [`crate::admin`] docs): each route
//! parses its JSON body, calls the [`Admin`] handle and answers JSON.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::handle::Admin;
use crate::callbacks::CallbackKind;
use crate::context::Shared;
use crate::errors::Error;
use crate::state::{ProcessingDelays, RepublishBehaviour};
use crate::timestamps::format_timestamp;

fn admin_json(status: u16, v: Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

/// A rejected admin call: status and message.
struct Reject(u16, String);

fn bad(msg: impl std::fmt::Display) -> Reject {
    Reject(400, msg.to_string())
}

fn body_as<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Reject> {
    let slice: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(slice).map_err(|e| bad(format!("invalid JSON body: {e}")))
}

#[derive(Deserialize)]
struct AuthorizerBody {
    user_id: String,
    app_id: Option<String>,
}

#[derive(Deserialize)]
struct DenyBody {
    app_id: String,
    deny: bool,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
struct SecondsBody {
    seconds: i64,
}

#[derive(Deserialize)]
struct UnixBody {
    unix: i64,
}

#[derive(Deserialize)]
struct SeedBody {
    seed: u64,
}

#[derive(Deserialize)]
struct DupBody {
    #[serde(default)]
    next: u32,
    #[serde(default)]
    rate: f64,
}

#[derive(Deserialize)]
struct AppUserBody {
    app_id: String,
    user_id: String,
}

#[derive(Deserialize)]
struct ConfigBody {
    delays: Option<ProcessingDelays>,
    republish: Option<RepublishBehaviour>,
    media_fetch: Option<crate::media::MediaFetch>,
}

#[derive(Deserialize)]
struct FollowBody {
    follower: String,
    followee: String,
}

/// Serves `/__admin/...`.
pub(crate) async fn handle(shared: &Arc<Shared>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let bytes = match axum::body::to_bytes(req.into_body(), crate::params::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return admin_json(400, json!({"error": "unreadable body"})),
    };
    let admin = Admin {
        shared: shared.clone(),
    };
    match dispatch(&admin, &method, &path, &bytes).await {
        Ok(v) => admin_json(200, v),
        Err(Reject(status, msg)) => admin_json(status, json!({"error": msg})),
    }
}

async fn dispatch(
    admin: &Admin,
    method: &Method,
    path: &str,
    bytes: &[u8],
) -> Result<Value, Reject> {
    let sub = path.strip_prefix("/__admin").unwrap_or("");
    let m = method.as_str();
    let admin_err = |e: Error| bad(e);
    Ok(match (m, sub) {
        ("POST", "/reset") => {
            admin.reset();
            json!({"success": true})
        }
        ("POST", "/apps") => {
            let info = admin.create_app(body_as(bytes)?).map_err(admin_err)?;
            json!({"id": info.id, "secret": info.secret.expose_secret(), "name": info.name})
        }
        ("POST", "/users") => {
            let u = admin.create_user(body_as(bytes)?).map_err(admin_err)?;
            json!({"id": u.id, "username": u.username})
        }
        ("POST", "/authorizer") => {
            let b: AuthorizerBody = body_as(bytes)?;
            match b.app_id {
                Some(app) => admin.set_app_authorizer(&app, &b.user_id),
                None => admin.set_authorizer(&b.user_id),
            }
            .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/deny_authorize") => {
            let b: DenyBody = body_as(bytes)?;
            admin
                .set_deny_authorize(&b.app_id, b.deny)
                .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/tokens") => {
            let t = admin.mint_token(body_as(bytes)?).map_err(admin_err)?;
            json!({"access_token": t.access_token.expose_secret(), "expires_at": t.expires_at})
        }
        ("POST", "/tokens/expire") => {
            let b: TokenBody = body_as(bytes)?;
            json!({"success": admin.expire_token(&b.token)})
        }
        ("GET", "/clock") => {
            let now = admin.now();
            json!({"now": now, "timestamp": format_timestamp(now), "manual": admin.clock_is_manual()})
        }
        ("POST", "/clock/advance") => {
            let b: SecondsBody = body_as(bytes)?;
            admin.advance(b.seconds);
            json!({"now": admin.now()})
        }
        ("POST", "/clock/set") => {
            let b: UnixBody = body_as(bytes)?;
            admin.set_time(b.unix);
            json!({"now": admin.now()})
        }
        ("POST", "/posts") => {
            let id = admin.post_as(body_as(bytes)?).map_err(|e| match e {
                Error::ReplyNotAllowed { .. } => Reject(403, e.to_string()),
                e => bad(e),
            })?;
            json!({"id": id})
        }
        ("POST", "/follows") | ("DELETE", "/follows") => {
            let b: FollowBody = body_as(bytes)?;
            if m == "POST" {
                admin.follow(&b.follower, &b.followee).map_err(admin_err)?;
                json!({"success": true})
            } else {
                let removed = admin
                    .unfollow(&b.follower, &b.followee)
                    .map_err(admin_err)?;
                json!({"success": removed})
            }
        }
        ("PUT", "/faults") => {
            admin.set_faults(body_as(bytes)?);
            json!({"success": true})
        }
        ("POST", "/faults") => {
            admin.add_fault(body_as(bytes)?);
            json!({"success": true})
        }
        ("DELETE", "/faults") => {
            admin.clear_faults();
            json!({"success": true})
        }
        ("POST", "/faults/seed") => {
            let b: SeedBody = body_as(bytes)?;
            admin.set_fault_seed(b.seed);
            json!({"success": true})
        }
        ("GET", "/ledger") => json!({"data": admin.ledger()}),
        ("DELETE", "/ledger") => {
            admin.clear_ledger();
            json!({"success": true})
        }
        ("POST", "/webhooks/subscribe") => {
            admin
                .subscribe_webhooks(body_as(bytes)?)
                .await
                .map_err(admin_err)?;
            json!({"success": true})
        }
        ("POST", "/webhooks/deliver") => json!(admin.deliver_webhooks().await),
        ("GET", "/webhooks/deliveries") => json!({"data": admin.webhook_deliveries()}),
        ("POST", "/webhooks/duplicates") => {
            let b: DupBody = body_as(bytes)?;
            admin.duplicate_webhooks(b.next, b.rate);
            json!({"success": true})
        }
        ("POST", "/callbacks/deauthorize") | ("POST", "/callbacks/data_deletion") => {
            let b: AppUserBody = body_as(bytes)?;
            let kind = if sub.ends_with("deauthorize") {
                CallbackKind::Deauthorize
            } else {
                CallbackKind::DataDeletion
            };
            json!(
                admin
                    .fire_callback(kind, &b.app_id, &b.user_id)
                    .await
                    .map_err(admin_err)?
            )
        }
        ("PUT", "/sensitive_keywords") => {
            admin.set_sensitive_keywords(body_as(bytes)?);
            json!({"success": true})
        }
        ("POST", "/locations") => json!({"id": admin.add_location(body_as(bytes)?)}),
        ("PUT", "/config") => {
            let b: ConfigBody = body_as(bytes)?;
            if let Some(d) = b.delays {
                admin.set_processing_delays(d);
            }
            if let Some(r) = b.republish {
                admin.set_republish(r);
            }
            if let Some(f) = b.media_fetch {
                admin.set_media_fetch(f);
            }
            json!({"success": true})
        }
        _ => {
            return Err(Reject(404, format!("unknown admin route {m} {sub}")));
        }
    })
}
