//! OAuth: the authorize page, code exchange, long-lived exchange, refresh, app tokens,
//! `debug_token`, and token checks with per-endpoint scopes. Lifetimes and flows follow
//! <https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions>
//! and <https://developers.facebook.com/docs/threads/get-started/long-lived-tokens>.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::context::Reply;
use crate::errors::{ApiError, ErrorType};
use crate::faults::Effects;
use crate::params::Params;
use crate::state::{CodeRec, TokenKind, TokenRec, World};
use crate::timestamps::format_timestamp;

/// Lifetime of an authorization code.
pub(crate) const CODE_TTL: i64 = 3_600;
/// Lifetime of a short-lived token.
pub(crate) const SHORT_TTL: i64 = 3_600;
/// Lifetime of a long-lived token (60 days).
pub(crate) const LONG_TTL: i64 = 60 * 86_400;
/// Lifetime of a permission grant (90 days).
pub(crate) const GRANT_TTL: i64 = 90 * 86_400;
/// Minimum age of a long-lived token before it can be refreshed.
pub(crate) const REFRESH_MIN_AGE: i64 = 86_400;

/// Every scope the emulator knows: the Threads permissions of
/// <https://developers.facebook.com/docs/permissions> (the `threads_*` entries).
pub const ALL_SCOPES: &[&str] = &[
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_manage_mentions",
    "threads_keyword_search",
    "threads_delete",
    "threads_location_tagging",
    "threads_profile_discovery",
    "threads_share_to_instagram",
];

/// The caller of a user-token endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Auth {
    pub(crate) user_id: String,
    pub(crate) app_id: String,
    pub(crate) scopes: BTreeSet<String>,
}

impl Auth {
    pub(crate) fn has(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    pub(crate) fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(ApiError::permission(scope))
        }
    }

    /// Resolves a `{threads-user-id}` path segment: `me` or the caller's own id.
    pub(crate) fn user_segment(&self, seg: &str, method: &str) -> Result<(), ApiError> {
        if seg == "me" || seg == self.user_id {
            Ok(())
        } else {
            Err(ApiError::unsupported(method, seg))
        }
    }
}

fn invalid_token() -> ApiError {
    ApiError::graph(
        ErrorType::OAuth,
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
}

fn expired_token(expires_at: i64, now: i64) -> ApiError {
    ApiError::graph(
        ErrorType::OAuth,
        190,
        format!(
            "Error validating access token: Session has expired on {}. The current time is {}.",
            format_timestamp(expires_at),
            format_timestamp(now)
        ),
    )
    .subcode(463)
}

fn missing_token() -> ApiError {
    ApiError::graph(
        ErrorType::OAuth,
        104,
        "An access token is required to request this resource.",
    )
}

/// Parses the `TH|app_id|app_secret` app-token shorthand and checks it.
pub(crate) fn app_token(w: &World, token: &str) -> Option<String> {
    let mut parts = token.splitn(3, '|');
    let (Some("TH"), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let app = w.apps.get(id)?;
    (app.secret == secret).then(|| app.id.clone())
}

/// Checks a user token (applying the `ExpireToken` fault) and `threads_basic`.
pub(crate) fn user_auth(w: &mut World, p: &Params, fx: &Effects) -> Result<Auth, ApiError> {
    let token = p.token.as_deref().ok_or_else(missing_token)?;
    let now = w.now();
    if app_token(w, token).is_some() {
        return Err(ApiError::graph(
            ErrorType::OAuth,
            10,
            "(#10) This endpoint requires a user access token; an app access token was used",
        ));
    }
    if fx.expire_token
        && let Some(t) = w.tokens.get_mut(token)
    {
        t.expires_at = t.expires_at.min(now);
    }
    let rec = w.tokens.get(token).ok_or_else(invalid_token)?;
    if rec.lapses_at() <= now {
        return Err(expired_token(rec.lapses_at(), now));
    }
    if !w
        .grants
        .contains_key(&(rec.app_id.clone(), rec.user_id.clone()))
    {
        return Err(ApiError::graph(
            ErrorType::OAuth,
            190,
            "Error validating access token: The user has not authorized application.",
        )
        .subcode(458));
    }
    if !w.users.contains_key(&rec.user_id) {
        return Err(invalid_token());
    }
    let auth = Auth {
        user_id: rec.user_id.clone(),
        app_id: rec.app_id.clone(),
        scopes: rec.scopes.clone(),
    };
    auth.require("threads_basic")?;
    Ok(auth)
}

/// Creates a token and records the grant.
pub(crate) fn mint(
    w: &mut World,
    app_id: &str,
    user_id: &str,
    scopes: BTreeSet<String>,
    kind: TokenKind,
    issued_at: i64,
) -> (String, i64) {
    let token = format!("TH{}", w.rng.alnum(60));
    let ttl = match kind {
        TokenKind::ShortLived => SHORT_TTL,
        TokenKind::LongLived => LONG_TTL,
    };
    let expires_at = issued_at + ttl;
    w.grants
        .insert((app_id.to_owned(), user_id.to_owned()), scopes.clone());
    w.tokens.insert(
        token.clone(),
        TokenRec {
            app_id: app_id.to_owned(),
            user_id: user_id.to_owned(),
            kind,
            scopes,
            issued_at,
            expires_at,
            data_access_expires_at: issued_at + GRANT_TTL,
        },
    );
    w.housekeeping();
    (token, expires_at)
}

fn split_scopes(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn redirect_matches(registered: &[String], uri: &str) -> bool {
    registered
        .iter()
        .any(|r| r == uri || r.trim_end_matches('/') == uri.trim_end_matches('/'))
}

fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// `GET /oauth/authorize`: approves (or denies) as the configured test user and redirects.
pub(crate) fn authorize(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    let client_id = p.required("client_id")?;
    let app = w.apps.get(client_id).cloned().ok_or_else(|| {
        ApiError::graph(
            ErrorType::OAuth,
            101,
            "Error validating application. Invalid application ID.",
        )
    })?;
    let redirect_uri = p.required("redirect_uri")?.to_owned();
    if !redirect_matches(&app.redirect_uris, &redirect_uri) {
        return Err(ApiError::graph(
            ErrorType::OAuth,
            191,
            "Can't load URL: The domain of this URL isn't included in the app's Redirect Callback URLs.",
        ));
    }
    if p.required("response_type")? != "code" {
        return Err(ApiError::param("response_type must be code"));
    }
    let requested = split_scopes(p.required("scope")?);
    for s in &requested {
        if !ALL_SCOPES.contains(&s.as_str()) {
            return Err(ApiError::param(format!("Invalid Scopes: {s}")));
        }
    }
    if !requested.iter().any(|s| s == "threads_basic") {
        return Err(ApiError::param("Invalid Scopes: threads_basic is required"));
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let state = p
        .get("state")
        .map(|s| format!("&state={}", enc(s)))
        .unwrap_or_default();
    if p.bool("deny", false)? || app.deny_authorize {
        return Ok(Reply::Redirect(format!(
            "{redirect_uri}{sep}error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request{state}"
        )));
    }
    let user_id = match p.non_empty("emulator_user") {
        Some(u) => w
            .users
            .get(u)
            .map(|u| u.id.clone())
            .or_else(|| w.user_by_name(u).map(|u| u.id.clone())),
        None => app
            .authorize_as
            .clone()
            .or_else(|| w.default_authorizer.clone()),
    }
    .filter(|id| w.users.contains_key(id))
    .ok_or_else(|| {
        ApiError::param(
            "No test user is configured to approve this authorization (see Admin::set_authorizer)",
        )
    })?;
    let user_scopes = w
        .users
        .get(&user_id)
        .map(|u| u.scopes.clone())
        .unwrap_or_default();
    let granted: BTreeSet<String> = requested
        .into_iter()
        .filter(|s| user_scopes.contains(s))
        .collect();
    let code = format!("AQ{}", w.rng.alnum(40));
    let expires_at = w.now() + CODE_TTL;
    w.codes.insert(
        code.clone(),
        CodeRec {
            app_id: app.id.clone(),
            user_id,
            redirect_uri: redirect_uri.clone(),
            scopes: granted,
            expires_at,
        },
    );
    w.housekeeping();
    Ok(Reply::Redirect(format!(
        "{redirect_uri}{sep}code={code}{state}#_"
    )))
}

/// `/oauth/access_token`: `authorization_code` (flat errors) or `client_credentials`.
pub(crate) fn access_token(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    let grant = p
        .non_empty("grant_type")
        .unwrap_or("authorization_code")
        .to_owned();
    if grant == "client_credentials" {
        let id = p.required("client_id")?;
        let secret = p.required("client_secret")?;
        let app = w.apps.get(id).ok_or_else(|| {
            ApiError::graph(
                ErrorType::OAuth,
                101,
                "Error validating application. Invalid application ID.",
            )
        })?;
        if app.secret != secret {
            return Err(
                ApiError::graph(ErrorType::OAuth, 1, "Error validating client secret.")
                    .transient(false)
                    .with_status(400),
            );
        }
        return Ok(Reply::Json(json!({
            "access_token": format!("TH|{}|{}", app.id, app.secret),
            "token_type": "bearer",
        })));
    }
    if grant != "authorization_code" {
        return Err(ApiError::flat(format!("Unsupported grant_type: {grant}")));
    }
    let need = |name: &str| {
        p.non_empty(name)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::flat(format!("Missing parameter: {name}")))
    };
    let client_id = need("client_id")?;
    let secret = need("client_secret")?;
    let code = need("code")?;
    let code = code.trim_end_matches("#_").to_owned();
    let redirect_uri = need("redirect_uri")?;
    let app =
        w.apps.get(&client_id).cloned().ok_or_else(|| {
            ApiError::flat("Error validating application. Invalid application ID.")
        })?;
    if app.secret != secret {
        return Err(ApiError::flat("Error validating client secret."));
    }
    let now = w.now();
    let rec = match w.codes.get(&code) {
        Some(r) if r.app_id == app.id => r.clone(),
        _ => {
            return Err(ApiError::flat(
                "Matching code was not found or was already used",
            ));
        }
    };
    if rec.expires_at <= now {
        w.codes.remove(&code);
        return Err(ApiError::flat("This authorization code has expired."));
    }
    if rec.redirect_uri != redirect_uri {
        return Err(ApiError::flat(
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        ));
    }
    w.codes.remove(&code);
    let (token, _) = mint(
        w,
        &app.id,
        &rec.user_id,
        rec.scopes,
        TokenKind::ShortLived,
        now,
    );
    let uid: Value = rec
        .user_id
        .parse::<u64>()
        .map(|n| json!(n))
        .unwrap_or_else(|_| json!(rec.user_id));
    Ok(Reply::Json(json!({"access_token": token, "user_id": uid})))
}

fn token_rec_checked(w: &World, token: &str) -> Result<TokenRec, ApiError> {
    let now = w.now();
    let rec = w.tokens.get(token).cloned().ok_or_else(invalid_token)?;
    if rec.lapses_at() <= now {
        return Err(expired_token(rec.lapses_at(), now));
    }
    if !w
        .grants
        .contains_key(&(rec.app_id.clone(), rec.user_id.clone()))
    {
        return Err(ApiError::graph(
            ErrorType::OAuth,
            190,
            "Error validating access token: The user has not authorized application.",
        )
        .subcode(458));
    }
    Ok(rec)
}

/// `GET /access_token?grant_type=th_exchange_token`: short-lived → long-lived.
pub(crate) fn exchange(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    if p.required("grant_type")? != "th_exchange_token" {
        return Err(ApiError::param("grant_type must be th_exchange_token"));
    }
    let secret = p.required("client_secret")?.to_owned();
    let token = p.token.clone().ok_or_else(missing_token)?;
    let rec = token_rec_checked(w, &token)?;
    let app_secret = w.apps.get(&rec.app_id).map(|a| a.secret.clone());
    if app_secret.as_deref() != Some(secret.as_str()) {
        return Err(
            ApiError::graph(ErrorType::OAuth, 1, "Error validating client secret.")
                .transient(false)
                .with_status(400),
        );
    }
    if rec.kind != TokenKind::ShortLived {
        return Err(ApiError::param(
            "Only a short-lived access token can be exchanged for a long-lived one",
        ));
    }
    let now = w.now();
    let (new, expires_at) = mint(
        w,
        &rec.app_id,
        &rec.user_id,
        rec.scopes,
        TokenKind::LongLived,
        now,
    );
    // The exchange does not re-authorize: the grant keeps its 90-day end.
    if let Some(t) = w.tokens.get_mut(&new) {
        t.data_access_expires_at = rec.data_access_expires_at;
    }
    Ok(Reply::Json(json!({
        "access_token": new,
        "token_type": "bearer",
        "expires_in": expires_at - now,
    })))
}

/// `GET /refresh_access_token?grant_type=th_refresh_token`.
pub(crate) fn refresh(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    if p.required("grant_type")? != "th_refresh_token" {
        return Err(ApiError::param("grant_type must be th_refresh_token"));
    }
    let token = p.token.clone().ok_or_else(missing_token)?;
    let rec = token_rec_checked(w, &token)?;
    if rec.kind != TokenKind::LongLived {
        return Err(ApiError::param(
            "Only a long-lived access token can be refreshed",
        ));
    }
    if !rec.scopes.contains("threads_basic") {
        return Err(ApiError::permission("threads_basic"));
    }
    let now = w.now();
    if now - rec.issued_at < REFRESH_MIN_AGE {
        return Err(ApiError::param(
            "The access token is too new to be refreshed: a long-lived token can be refreshed once it is at least 24 hours old",
        ));
    }
    let public = w.is_public(&rec.user_id);
    let (new, expires_at) = mint(
        w,
        &rec.app_id,
        &rec.user_id,
        rec.scopes.clone(),
        TokenKind::LongLived,
        now,
    );
    if !public && let Some(t) = w.tokens.get_mut(&new) {
        t.data_access_expires_at = rec.data_access_expires_at;
    }
    Ok(Reply::Json(json!({
        "access_token": new,
        "token_type": "bearer",
        "expires_in": expires_at - now,
    })))
}

/// `GET /debug_token?input_token=...`.
pub(crate) fn debug_token(w: &mut World, p: &Params) -> Result<Reply, ApiError> {
    let caller = p.token.clone().ok_or_else(missing_token)?;
    let caller_app = match app_token(w, &caller) {
        Some(app) => app,
        None => token_rec_checked(w, &caller)?.app_id,
    };
    let input = p.required("input_token")?.to_owned();
    let now = w.now();
    if let Some(app_id) = app_token(w, &input) {
        if app_id != caller_app {
            return Err(same_app_error());
        }
        let name = w
            .apps
            .get(&app_id)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        return Ok(Reply::Json(json!({"data": {
            "app_id": app_id, "type": "APP", "application": name,
            "expires_at": 0, "is_valid": true, "scopes": [],
        }})));
    }
    let Some(rec) = w.tokens.get(&input).cloned() else {
        return Ok(Reply::Json(json!({"data": {
            "is_valid": false, "scopes": [],
            "error": {"code": 190, "message": "Invalid OAuth access token."},
        }})));
    };
    if rec.app_id != caller_app {
        return Err(same_app_error());
    }
    let name = w
        .apps
        .get(&rec.app_id)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let granted = w
        .grants
        .contains_key(&(rec.app_id.clone(), rec.user_id.clone()));
    let valid = rec.lapses_at() > now && granted;
    let mut data = json!({
        "app_id": rec.app_id,
        "type": "USER",
        "application": name,
        "data_access_expires_at": rec.data_access_expires_at,
        "expires_at": rec.expires_at,
        "is_valid": valid,
        "issued_at": rec.issued_at,
        "scopes": rec.scopes.iter().collect::<Vec<_>>(),
        "user_id": rec.user_id,
    });
    if !valid {
        data["error"] = json!({
            "code": 190,
            "subcode": if granted { 463 } else { 458 },
            "message": if granted { "Session has expired" } else { "The user has not authorized application" },
        });
    }
    Ok(Reply::Json(json!({"data": data})))
}

fn same_app_error() -> ApiError {
    ApiError::param("(#100) The input token and the access token must belong to the same app")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Config, ProcessingDelays, RepublishBehaviour};

    #[test]
    fn dead_tokens_are_purged_so_memory_stays_bounded() {
        let mut w = World::new(
            1,
            crate::clock::EmulatorClock::manual(crate::clock::DEFAULT_START),
            Config {
                delays: ProcessingDelays::default(),
                republish: RepublishBehaviour::Reject,
                media_fetch: crate::media::MediaFetch::Off,
            },
        );
        for _ in 0..255 {
            let now = w.now();
            mint(
                &mut w,
                "app",
                "user",
                BTreeSet::new(),
                TokenKind::ShortLived,
                now,
            );
        }
        assert_eq!(w.tokens.len(), 255);
        w.clock.advance(8 * 86_400 + SHORT_TTL);
        let now = w.now();
        let (fresh, _) = mint(
            &mut w,
            "app",
            "user",
            BTreeSet::new(),
            TokenKind::ShortLived,
            now,
        );
        assert_eq!(w.tokens.len(), 1);
        assert!(w.tokens.contains_key(&fresh));
    }

    #[test]
    fn app_token_shorthand() {
        let mut w = World::new(
            1,
            crate::clock::EmulatorClock::manual(crate::clock::DEFAULT_START),
            Config {
                delays: ProcessingDelays::default(),
                republish: RepublishBehaviour::Reject,
                media_fetch: crate::media::MediaFetch::Off,
            },
        );
        w.apps.insert(
            "42".into(),
            crate::state::App {
                id: "42".into(),
                name: "n".into(),
                secret: "s3".into(),
                redirect_uris: vec![],
                uninstall_url: None,
                delete_url: None,
                advanced_access: true,
                authorize_as: None,
                deny_authorize: false,
            },
        );
        assert_eq!(app_token(&w, "TH|42|s3").as_deref(), Some("42"));
        assert_eq!(app_token(&w, "TH|42|wrong"), None);
        assert_eq!(app_token(&w, "XX|42|s3"), None);
        assert_eq!(app_token(&w, "TH|42"), None);
    }
}
