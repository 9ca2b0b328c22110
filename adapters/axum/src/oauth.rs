//! Connecting an account: the start route sends the person to Meta's
//! consent dialog with a signed state bound to their browser session; the
//! callback finishes the login and says what happened. No page repeats the
//! code, the state or a token.

use axum::extract::{OriginalUri, RawQuery, State};
use axum::response::{IntoResponse, Response};
use content_pipeline::{ConnectRequest, Connected, Error as PipelineError};
use http::StatusCode;
use http::header::{self, HeaderValue};

use crate::pages::{Message, with_header};
use crate::paths;
use crate::problems::{ErrorPage, INTERNAL, UNAUTHENTICATED};
use crate::state::{AppState, Context};

/// Longest `return_to` accepted.
const MAX_RETURN_TO: usize = 512;

/// A `return_to` that stays on this site: a path (`/...`), not a
/// scheme-relative URL (`//host`), without backslashes or control
/// characters.
pub(crate) fn safe_return_to(value: &str) -> Option<&str> {
    let ok = value.len() <= MAX_RETURN_TO
        && value.starts_with('/')
        && !value.starts_with("//")
        && !value.contains('\\')
        && !value.chars().any(char::is_control);
    ok.then_some(value)
}

/// `GET /oauth/start`: needs a signed-in person allowed to connect accounts.
pub(crate) async fn start(
    State(state): State<AppState>,
    ctx: Context,
    RawQuery(query): RawQuery,
) -> Response {
    let chrome = ctx.chrome();
    let Some(actor) = &ctx.actor else {
        return UNAUTHENTICATED.page(&chrome);
    };
    let return_to = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "return_to")
        .and_then(|(_, v)| safe_return_to(&v).map(str::to_owned));
    let (session, cookie) = match state.sessions.current_or_new(ctx.session.as_ref()) {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a session id");
            return INTERNAL.page(&chrome);
        }
    };
    let mut request = ConnectRequest::new(session.oauth_binding()).by(actor);
    if let Some(target) = return_to {
        request = request.return_to(target);
    }
    let response = match state.pipeline.start_connect(request).await {
        Ok(start) => match HeaderValue::from_str(&start.authorize_url) {
            Ok(location) => {
                let mut response = StatusCode::SEE_OTHER.into_response();
                let headers = response.headers_mut();
                headers.insert(header::LOCATION, location);
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                );
                response
            }
            Err(_) => INTERNAL.page(&chrome),
        },
        Err(e) => ErrorPage::from(&e).page(&chrome),
    };
    with_header(response, header::SET_COOKIE, cookie)
}

/// `GET /oauth/callback`: finishes the login started in this browser.
pub(crate) async fn callback(
    State(state): State<AppState>,
    ctx: Context,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let chrome = ctx.chrome();
    let again = ctx.href(paths::OAUTH_START);
    let mut has_code = false;
    let mut has_state = false;
    let mut error: Option<String> = None;
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "code" => has_code |= !value.is_empty(),
            "state" => has_state |= !value.is_empty(),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    let has_error = error.is_some();
    // Meta sends `error=access_denied` when the person declines; any other
    // error is Meta's own failure, not the person's choice.
    let declined = error.as_deref().is_none_or(|e| e == "access_denied");
    if has_error && ctx.session.is_none() {
        return refused_by_meta(declined, &again).respond(StatusCode::BAD_REQUEST, &chrome);
    }
    let complete = has_code && has_state;
    if !has_error && !complete {
        return Message::new(
            "warn",
            "The login link is incomplete",
            "The address Threads sent you back to is missing part of the login, so nothing was connected.",
        )
        .hint("Start connecting again from this application, not from a bookmark or a copied link.")
        .link(again, "Connect again")
        .respond(StatusCode::BAD_REQUEST, &chrome);
    }
    let Some(session) = &ctx.session else {
        return other_session(&again).respond(StatusCode::BAD_REQUEST, &chrome);
    };
    // Only the query of this URL is read by the pipeline.
    let path_and_query = uri.path_and_query().map_or("", |p| p.as_str());
    let callback_url = format!("{}{path_and_query}", state.callback_base);
    match state
        .pipeline
        .finish_connect(&callback_url, &session.oauth_binding())
        .await
    {
        Ok(connected) => success(&ctx, &connected).respond(StatusCode::OK, &chrome),
        Err(PipelineError::AuthorizationDenied { .. }) => {
            tracing::info!(declined, "the consent dialog answered with an error");
            refused_by_meta(declined, &again).respond(StatusCode::BAD_REQUEST, &chrome)
        }
        Err(PipelineError::OAuthState(e)) => {
            tracing::info!(error = %e, "OAuth state refused");
            state_refused(&e, &again).respond(StatusCode::BAD_REQUEST, &chrome)
        }
        Err(PipelineError::Network { operation, source }) => {
            tracing::warn!(operation, error = %source, "the network refused to finish a login");
            Message::new(
                "error",
                "Threads did not finish the login",
                "You agreed, but Threads refused to hand over access for the account, so nothing was connected.",
            )
            .hint("Start connecting again in a few minutes.")
            .hint("If it keeps failing, the application's Threads settings (app id, secret, redirect address) may be wrong: tell whoever runs it.")
            .link(again, "Connect again")
            .respond(StatusCode::BAD_GATEWAY, &chrome)
        }
        Err(e) => ErrorPage::from(&e).page(&chrome),
    }
}

/// The page for a callback that carries an `error`: the person declined, or
/// Meta failed on its side.
fn refused_by_meta(declined: bool, again: &str) -> Message {
    if declined {
        return denied(again);
    }
    Message::new(
        "error",
        "Threads could not complete the login",
        "Threads sent you back with an error instead of a login, so nothing was connected.",
    )
    .hint("Start connecting again in a few minutes.")
    .hint("If it keeps failing, tell whoever runs this application: the app's Threads settings may need attention.")
    .link(again, "Connect again")
}

fn denied(again: &str) -> Message {
    Message::new(
        "warn",
        "Connection cancelled",
        "You declined the permissions on Threads, so no account was connected and nothing was stored.",
    )
    .hint("To connect the account, start again and accept the permissions asked for.")
    .link(again, "Connect again")
}

fn other_session(again: &str) -> Message {
    Message::new(
        "warn",
        "This login belongs to another browser session",
        "The login was started in another browser, another profile, or before your cookies were cleared, so it cannot be finished here. Nothing was connected.",
    )
    .hint("Start connecting again in this browser.")
    .link(again, "Connect again")
}

fn state_refused(error: &token_crypto::Error, again: &str) -> Message {
    match error {
        token_crypto::Error::StateExpired => Message::new(
            "warn",
            "The login link has expired",
            "Too much time passed between starting the login and coming back, so nothing was connected.",
        )
        .hint("Start again and finish the login within a few minutes.")
        .link(again, "Connect again"),
        token_crypto::Error::StateReplayed => Message::new(
            "warn",
            "This login was already used",
            "Each login link works once. This one was used before (a reload, the back button, or a copied link), so it was refused.",
        )
        .hint("If the account is not connected yet, start again.")
        .link(again, "Connect again"),
        token_crypto::Error::StateSignature => other_session(again),
        _ => Message::new(
            "warn",
            "The login link is not valid",
            "The address Threads sent you back to was changed or is not one this application issued, so nothing was connected.",
        )
        .hint("Start connecting again from this application.")
        .link(again, "Connect again"),
    }
}

fn success(ctx: &Context, connected: &Connected) -> Message {
    let account = &connected.account;
    let title = if connected.reconnected {
        format!("@{} is connected again", account.username)
    } else {
        format!("@{} is connected", account.username)
    };
    let voice = match (connected.persona_id.is_some(), connected.reconnected) {
        (true, true) => "kept from the earlier connection".to_owned(),
        (true, false) => format!("learned from {} past posts", connected.posts_synced),
        (false, _) => "not learned yet (no past posts)".to_owned(),
    };
    let mut page = Message::new(
        "ok",
        title,
        "The account can now be drafted for, reviewed and published to.",
    )
    .fact("Account", format!("@{}", account.username))
    .fact("Voice", voice)
    .fact(
        "Access valid until",
        connected.token_expires_at.format("%-d %b %Y").to_string(),
    );
    if !connected.missing_scopes.is_empty() {
        page = page
            .fact("Permissions declined", connected.missing_scopes.join(", "))
            .hint("Some permissions were declined; the features that need them stay off until you connect again and accept them.");
    }
    if let Some(target) = connected.return_to.as_deref().and_then(safe_return_to) {
        page = page.link(target, "Continue");
    }
    page.link(
        ctx.href(&format!("{}/{}", paths::APPROVAL, account.id)),
        "Review drafts",
    )
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn return_to_stays_on_the_site() {
        assert_eq!(safe_return_to("/home"), Some("/home"));
        assert_eq!(safe_return_to("/a?b=c"), Some("/a?b=c"));
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "home",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(bad), None, "{bad:?}");
        }
    }
}
