//! OAuth: the authorization dialog, the code exchange and token lifetimes.
//!
//! The flow, end to end:
//!
//! 1. Send the user to [`OAuthClient::authorize_url`] with the scopes you need and a
//!    random `state`.
//! 2. Threads redirects to your `redirect_uri` with `?code=...#_` (or `?error=...` if the
//!    user declined). [`parse_redirect`] strips the `#_` and returns the code and the
//!    `state`. Verify the state before anything else: the workspace's one way to do it is
//!    token-crypto's `oauth_state::OAuthStateSigner` (a signed state, bound to the browser
//!    session, expiring and single use, that also carries what the login needs back).
//! 3. [`OAuthClient::exchange_code`] turns the code (valid 1 h, single use) into a
//!    short-lived token (1 h) and the user's ID.
//! 4. [`OAuthClient::exchange_for_long_lived`] turns that into a long-lived token
//!    (60 days). This call carries the app secret: servers only.
//! 5. [`OAuthClient::refresh`] renews a long-lived token that is at least 24 h old and
//!    not expired, for another 60 days.
//!
//! Token responses carry `expires_in` and an `expires_at` computed from a `now` you pass
//! in, so tests and schedulers control the clock.
//!
//! ```no_run
//! use chrono::Utc;
//! use threads_api::{AppCredentials, AppSecret, ThreadsClient};
//! use threads_api::oauth::{Scope, parse_redirect};
//!
//! # async fn run() -> Result<(), threads_api::Error> {
//! let client = ThreadsClient::new()?;
//! let oauth = client.oauth(
//!     AppCredentials::new("1234567890", AppSecret::new("app-secret")),
//!     "https://example.com/threads/callback",
//! );
//! let url = oauth.authorize_url(&[Scope::Basic, Scope::ContentPublish], Some("csrf-state-123"));
//! // ... the user comes back to the callback:
//! let redirect = parse_redirect(
//!     "https://example.com/threads/callback?code=AQBx-hBsH3&state=csrf-state-123#_",
//! )?;
//! // verify `redirect.state` here (see step 2), then:
//! let short = oauth.exchange_code(&redirect.code, Utc::now()).await?;
//! let long = oauth.exchange_for_long_lived(&short.access_token, Utc::now()).await?;
//! println!("user {} token expires at {}", short.user_id, long.expires_at);
//! # let _ = url; Ok(()) }
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::client::{RequestSpec, ThreadsClient};
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::retry::Idempotency;
use crate::token::{AccessToken, AppCredentials};

/// Lifetime of a short-lived token when the response does not say (documented: 1 h).
pub const SHORT_LIVED_TOKEN_SECS: u64 = 3600;

/// A Threads permission, as listed in Meta's guide
/// (<https://developers.facebook.com/docs/threads/get-started>). Unknown scopes are kept
/// in [`Scope::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `threads_basic`: required for every endpoint.
    Basic,
    /// `threads_content_publish`: create and publish posts, reposts.
    ContentPublish,
    /// `threads_read_replies`: read replies and conversations.
    ReadReplies,
    /// `threads_manage_replies`: hide, approve and post replies.
    ManageReplies,
    /// `threads_manage_insights`: media and account insights.
    ManageInsights,
    /// `threads_manage_mentions`: mentions.
    ManageMentions,
    /// `threads_keyword_search`: keyword and tag search.
    KeywordSearch,
    /// `threads_delete`: delete posts.
    Delete,
    /// `threads_location_tagging`: location search and tagging.
    LocationTagging,
    /// `threads_profile_discovery`: look up other public profiles.
    ProfileDiscovery,
    /// `threads_share_to_instagram`: cross-share to Instagram Stories.
    ShareToInstagram,
    /// A scope this crate does not know yet.
    Other(String),
}

impl Scope {
    /// Every scope this crate knows.
    pub const ALL: [Scope; 11] = [
        Scope::Basic,
        Scope::ContentPublish,
        Scope::ReadReplies,
        Scope::ManageReplies,
        Scope::ManageInsights,
        Scope::ManageMentions,
        Scope::KeywordSearch,
        Scope::Delete,
        Scope::LocationTagging,
        Scope::ProfileDiscovery,
        Scope::ShareToInstagram,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Basic => "threads_basic",
            Scope::ContentPublish => "threads_content_publish",
            Scope::ReadReplies => "threads_read_replies",
            Scope::ManageReplies => "threads_manage_replies",
            Scope::ManageInsights => "threads_manage_insights",
            Scope::ManageMentions => "threads_manage_mentions",
            Scope::KeywordSearch => "threads_keyword_search",
            Scope::Delete => "threads_delete",
            Scope::LocationTagging => "threads_location_tagging",
            Scope::ProfileDiscovery => "threads_profile_discovery",
            Scope::ShareToInstagram => "threads_share_to_instagram",
            Scope::Other(s) => s,
        }
    }

    /// Types a wire name; unknown names become [`Scope::Other`].
    pub fn parse(name: &str) -> Self {
        Self::ALL
            .iter()
            .find(|s| s.as_str() == name)
            .cloned()
            .unwrap_or_else(|| Scope::Other(name.to_owned()))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self::parse(&s))
    }
}

/// An authorization code from the redirect (valid 1 h, single use). Redacted in `Debug`.
#[derive(Clone)]
pub struct AuthorizationCode(SecretString);

impl AuthorizationCode {
    /// Wraps a code, stripping the `#_` Threads appends to it.
    pub fn new(code: impl Into<String>) -> Self {
        let mut code: String = code.into();
        if code.ends_with("#_") {
            code.truncate(code.len() - 2);
        }
        Self(SecretString::from(code))
    }

    /// The code itself.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode([redacted])")
    }
}

/// A successful authorization redirect.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Redirect {
    /// The code to exchange.
    pub code: AuthorizationCode,
    /// The `state` echoed back, if any.
    pub state: Option<String>,
}

/// Parses the URL Threads redirected the user to: the code (without the trailing `#_`)
/// and the echoed `state`.
///
/// The `state` is returned as sent back, **not verified**: check it before exchanging the
/// code (token-crypto's `OAuthStateSigner::verify` checks signature, session, expiry and
/// single use in one call).
///
/// # Errors
/// * [`Error::AuthorizationDenied`] when the user declined (`error=access_denied`);
/// * [`Error::InvalidRedirect`] for a URL that does not parse or has no `code`.
pub fn parse_redirect(redirect_url: &str) -> Result<Redirect> {
    let invalid = |reason: &str| Error::InvalidRedirect {
        reason: reason.to_owned(),
    };
    let url = Url::parse(redirect_url).map_err(|e| invalid(&format!("not a URL: {e}")))?;
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut error_reason = None;
    let mut error_description = None;
    for (key, value) in url.query_pairs() {
        let value = value.into_owned();
        match key.as_ref() {
            "code" => code = Some(value),
            "state" => state = Some(value),
            "error" => error = Some(value),
            "error_reason" => error_reason = Some(value),
            "error_description" => error_description = Some(value),
            _ => {}
        }
    }
    if let Some(error) = error {
        return Err(Error::AuthorizationDenied {
            error,
            reason: error_reason.unwrap_or_default(),
            description: error_description.unwrap_or_default(),
        });
    }
    let code = code
        .map(AuthorizationCode::new)
        .filter(|c| !c.expose_secret().is_empty())
        .ok_or_else(|| invalid("no `code` parameter"))?;
    Ok(Redirect { code, state })
}

/// The result of the code exchange: a short-lived (1 h) user token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ShortLivedToken {
    /// The token.
    pub access_token: AccessToken,
    /// The Threads user ID (sent as a JSON number or string).
    pub user_id: UserId,
    /// `expires_in` if the response had it (the docs' sample does not).
    pub expires_in: Option<u64>,
    /// `now + expires_in`, or `now + 1 h` (the documented lifetime) without it.
    pub expires_at: DateTime<Utc>,
}

/// A long-lived (60-day) user token, from the exchange or a refresh.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LongLivedToken {
    /// The token.
    pub access_token: AccessToken,
    /// `token_type` (`bearer`).
    pub token_type: Option<String>,
    /// Seconds until expiry.
    pub expires_in: u64,
    /// `now + expires_in`.
    pub expires_at: DateTime<Utc>,
}

/// An app access token from the `client_credentials` grant.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct AppAccessToken {
    /// The token (`TH|app_id|...`).
    pub access_token: AccessToken,
    /// `token_type` (`bearer`).
    #[serde(default)]
    pub token_type: Option<String>,
}

/// What `debug_token` reports about a token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TokenInfo {
    /// `type` (e.g. `USER`).
    #[serde(rename = "type", default)]
    pub token_type: Option<String>,
    /// The app's name.
    #[serde(default)]
    pub application: Option<String>,
    /// Whether the token is valid now.
    #[serde(default)]
    pub is_valid: bool,
    /// When the token was issued.
    #[serde(default, deserialize_with = "epoch_secs")]
    pub issued_at: Option<DateTime<Utc>>,
    /// When the token expires (`None` for `0`, i.e. never).
    #[serde(default, deserialize_with = "epoch_secs")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When the data-access grant expires.
    #[serde(default, deserialize_with = "epoch_secs")]
    pub data_access_expires_at: Option<DateTime<Utc>>,
    /// The granted scopes.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    /// The app-scoped user ID.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

fn epoch_secs<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<DateTime<Utc>>, D::Error> {
    let secs = Option::<i64>::deserialize(deserializer)?;
    Ok(secs
        .filter(|s| *s > 0)
        .and_then(|s| DateTime::from_timestamp(s, 0)))
}

#[derive(Deserialize)]
struct RawShortLived {
    access_token: AccessToken,
    user_id: UserId,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct RawLongLived {
    access_token: AccessToken,
    #[serde(default)]
    token_type: Option<String>,
    expires_in: u64,
}

#[derive(Deserialize)]
struct DebugEnvelope {
    data: TokenInfo,
}

fn expiry(now: DateTime<Utc>, secs: u64) -> DateTime<Utc> {
    let delta = i64::try_from(secs)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .unwrap_or(TimeDelta::MAX);
    now.checked_add_signed(delta)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// OAuth operations for one Threads app and redirect URI.
///
/// Created with [`ThreadsClient::oauth`]. `Debug` redacts the app secret.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    client: ThreadsClient,
    app: AppCredentials,
    redirect_uri: String,
}

impl ThreadsClient {
    /// OAuth operations for the Threads app `app` and its registered `redirect_uri`
    /// (which must match one of the app's Redirect Callback URLs exactly).
    pub fn oauth(&self, app: AppCredentials, redirect_uri: impl Into<String>) -> OAuthClient {
        OAuthClient {
            client: self.clone(),
            app,
            redirect_uri: redirect_uri.into(),
        }
    }
}

impl OAuthClient {
    /// The authorization dialog URL: `{authorize_base}/oauth/authorize?client_id=...
    /// &redirect_uri=...&scope=...&response_type=code[&state=...]`.
    ///
    /// `threads_basic` is added when missing (every flow needs it); scopes are
    /// comma-separated, duplicates removed. Pass a random, unguessable `state` and check
    /// it with [`parse_redirect`].
    pub fn authorize_url(&self, scopes: &[Scope], state: Option<&str>) -> Url {
        let mut list: Vec<&Scope> = Vec::with_capacity(scopes.len() + 1);
        if !scopes.contains(&Scope::Basic) {
            list.push(&Scope::Basic);
        }
        for s in scopes {
            if !list.contains(&s) {
                list.push(s);
            }
        }
        let scope = list
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut url = self.client.authorize_base_url().clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(["oauth", "authorize"]);
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", self.app.app_id())
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("scope", &scope)
                .append_pair("response_type", "code");
            if let Some(state) = state {
                q.append_pair("state", state);
            }
        }
        url
    }

    /// Exchanges an authorization code for a short-lived token
    /// (`POST /oauth/access_token`, unversioned, form-encoded). Not retried: codes are
    /// single-use.
    ///
    /// # Errors
    /// [`Error::OAuth`] for Meta's flat error (e.g. "Matching code was not found or was
    /// already used"), or any other request error.
    pub async fn exchange_code(
        &self,
        code: &AuthorizationCode,
        now: DateTime<Utc>,
    ) -> Result<ShortLivedToken> {
        let spec = RequestSpec::post(["oauth", "access_token"], Idempotency::Irreversible)
            .unversioned()
            .secret_response()
            .form("client_id", self.app.app_id())
            .form("client_secret", self.app.app_secret().expose_secret())
            .form("code", code.expose_secret())
            .form("grant_type", "authorization_code")
            .form("redirect_uri", self.redirect_uri.as_str());
        let raw: RawShortLived = self.client.send(spec).await?;
        Ok(ShortLivedToken {
            access_token: raw.access_token,
            user_id: raw.user_id,
            expires_in: raw.expires_in,
            expires_at: expiry(now, raw.expires_in.unwrap_or(SHORT_LIVED_TOKEN_SECS)),
        })
    }

    /// Exchanges a valid short-lived token for a long-lived one
    /// (`GET /access_token?grant_type=th_exchange_token`). Carries the app secret:
    /// call it from servers only.
    ///
    /// # Errors
    /// Any request error (an expired short-lived token gives a Graph code 190).
    pub async fn exchange_for_long_lived(
        &self,
        short_lived: &AccessToken,
        now: DateTime<Utc>,
    ) -> Result<LongLivedToken> {
        let spec = RequestSpec::get(["access_token"])
            .unversioned()
            .secret_response()
            .query("grant_type", "th_exchange_token")
            .query("client_secret", self.app.app_secret().expose_secret())
            .query("access_token", short_lived.expose_secret());
        self.long_lived(spec, now).await
    }

    /// Refreshes a long-lived token that is at least 24 h old and not expired
    /// (`GET /refresh_access_token?grant_type=th_refresh_token`). The new token is valid
    /// 60 days from now.
    ///
    /// # Errors
    /// Any request error.
    pub async fn refresh(
        &self,
        long_lived: &AccessToken,
        now: DateTime<Utc>,
    ) -> Result<LongLivedToken> {
        let spec = RequestSpec::get(["refresh_access_token"])
            .unversioned()
            .secret_response()
            .query("grant_type", "th_refresh_token")
            .query("access_token", long_lived.expose_secret());
        self.long_lived(spec, now).await
    }

    async fn long_lived(&self, spec: RequestSpec, now: DateTime<Utc>) -> Result<LongLivedToken> {
        let raw: RawLongLived = self.client.send(spec).await?;
        Ok(LongLivedToken {
            access_token: raw.access_token,
            token_type: raw.token_type,
            expires_in: raw.expires_in,
            expires_at: expiry(now, raw.expires_in),
        })
    }

    /// Fetches an app access token with the `client_credentials` grant
    /// (`GET /oauth/access_token`). The literal shorthand
    /// [`AppCredentials::app_token`] works too, without a request.
    ///
    /// # Errors
    /// Any request error.
    pub async fn app_token(&self) -> Result<AppAccessToken> {
        let spec = RequestSpec::get(["oauth", "access_token"])
            .unversioned()
            .secret_response()
            .query("grant_type", "client_credentials")
            .query("client_id", self.app.app_id())
            .query("client_secret", self.app.app_secret().expose_secret());
        self.client.send(spec).await
    }

    /// Inspects a token (`GET /debug_token?input_token=...`). `access_token` must be a
    /// user token of the same app (any user).
    ///
    /// # Errors
    /// Any request error.
    pub async fn debug_token(
        &self,
        input_token: &AccessToken,
        access_token: &AccessToken,
    ) -> Result<TokenInfo> {
        let spec = RequestSpec::get(["debug_token"])
            .query("input_token", input_token.expose_secret())
            .token(access_token);
        let envelope: DebugEnvelope = self.client.send(spec).await?;
        Ok(envelope.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_keep_unknowns() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), s);
        }
        assert_eq!(
            Scope::parse("threads_future_thing"),
            Scope::Other("threads_future_thing".into())
        );
        let json: Vec<Scope> = serde_json::from_str(r#"["threads_basic","threads_new"]"#).unwrap();
        assert_eq!(json, vec![Scope::Basic, Scope::Other("threads_new".into())]);
        assert_eq!(
            serde_json::to_string(&Scope::ShareToInstagram).unwrap(),
            "\"threads_share_to_instagram\""
        );
    }

    #[test]
    fn redirect_code_is_stripped_and_state_returned() {
        let r = parse_redirect("https://example.com/cb?code=AQBx-hBsH3&state=abc#_").unwrap();
        assert_eq!(r.code.expose_secret(), "AQBx-hBsH3");
        assert_eq!(r.state.as_deref(), Some("abc"));
        // An encoded "#_" inside the query value is stripped too.
        let r = parse_redirect("https://example.com/cb?code=AQB%23_").unwrap();
        assert_eq!(r.code.expose_secret(), "AQB");
        assert_eq!(r.state, None);
        assert!(matches!(
            parse_redirect("https://example.com/cb?state=abc"),
            Err(Error::InvalidRedirect { .. })
        ));
        assert!(matches!(
            parse_redirect("not a url"),
            Err(Error::InvalidRedirect { .. })
        ));
    }

    #[test]
    fn user_denied_is_typed() {
        let err = parse_redirect(
            "https://example.com/cb?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request",
        )
        .unwrap_err();
        match err {
            Error::AuthorizationDenied {
                error,
                reason,
                description,
            } => {
                assert_eq!(error, "access_denied");
                assert_eq!(reason, "user_denied");
                assert_eq!(description, "The user denied your request");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn code_is_redacted() {
        let code = AuthorizationCode::new("AQBsecret#_");
        assert_eq!(format!("{code:?}"), "AuthorizationCode([redacted])");
        let r = parse_redirect("https://example.com/cb?code=AQBsecret").unwrap();
        assert!(!format!("{r:?}").contains("AQBsecret"));
    }

    #[test]
    fn token_info_decodes_epoch_seconds() {
        let info: DebugEnvelope = serde_json::from_str(
            r#"{"data":{"type":"USER","application":"My App","data_access_expires_at":1735707600,"expires_at":0,"is_valid":true,"issued_at":1730000000,"scopes":["threads_basic","threads_content_publish"],"user_id":"123"}}"#,
        )
        .unwrap();
        let info = info.data;
        assert!(info.is_valid);
        assert_eq!(info.expires_at, None);
        assert_eq!(info.issued_at.unwrap().timestamp(), 1_730_000_000);
        assert_eq!(info.scopes, vec![Scope::Basic, Scope::ContentPublish]);
        assert_eq!(info.user_id, Some(UserId::new("123")));
    }

    #[test]
    fn expiry_saturates() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(expiry(now, 3600).timestamp(), 1_700_003_600);
        assert_eq!(expiry(now, u64::MAX), DateTime::<Utc>::MAX_UTC);
    }
}
