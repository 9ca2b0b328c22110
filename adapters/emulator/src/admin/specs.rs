//! Inputs and outputs of the admin calls: what to create (apps, users, tokens, posts,
//! webhook subscriptions, locations) and what comes back. Secrets are redacted in `Debug`.

use secrecy::SecretString;
use serde::Deserialize;

/// A Threads app to create.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AppSpec {
    /// Display name (shown by `debug_token`).
    pub name: String,
    /// Fixed app id; a fresh numeric id when `None`.
    pub id: Option<String>,
    /// Fixed app secret; a random one when `None`.
    pub secret: Option<SecretString>,
    /// Redirect Callback URLs accepted by the authorize page and the code exchange.
    pub redirect_uris: Vec<String>,
    /// Uninstall (deauthorize) Callback URL.
    pub uninstall_url: Option<String>,
    /// Delete (data deletion) Callback URL.
    pub delete_url: Option<String>,
    /// With advanced access (default) search and discovery see every public account;
    /// without it keyword search only finds the caller's posts, profile discovery only the
    /// official accounts and location search only "Menlo Park".
    pub advanced_access: bool,
}

impl Default for AppSpec {
    fn default() -> Self {
        Self {
            name: "Emulated Threads App".to_owned(),
            id: None,
            secret: None,
            redirect_uris: Vec::new(),
            uninstall_url: None,
            delete_url: None,
            advanced_access: true,
        }
    }
}

/// A created app. The secret is redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct AppInfo {
    /// The Threads app id.
    pub id: String,
    /// The Threads app secret.
    pub secret: SecretString,
    /// The display name.
    pub name: String,
}

/// A Threads user to create.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserSpec {
    /// Username (unique, without `@`).
    pub username: String,
    /// Fixed user id; a fresh numeric id when `None`.
    pub id: Option<String>,
    /// Display name (defaults to the username).
    pub name: Option<String>,
    /// Biography.
    pub biography: String,
    /// Follower count (profile discovery needs ≥ 100; demographics too).
    pub followers: u64,
    /// Private profile: invisible to others, no webhooks for replies/mentions.
    pub is_private: bool,
    /// Verified badge.
    pub is_verified: bool,
    /// `is_eligible_for_geo_gating`.
    pub geo_gating: bool,
    /// Scopes this user grants on the authorize page (`None` = every scope).
    pub scopes: Option<Vec<String>>,
}

/// A created user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The Threads user id.
    pub id: String,
    /// The username.
    pub username: String,
}

/// A token to mint directly (skipping the OAuth dance).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TokenSpec {
    /// The app the token belongs to.
    pub app_id: String,
    /// The user the token acts for.
    pub user_id: String,
    /// Granted scopes (`None` = every scope).
    pub scopes: Option<Vec<String>>,
    /// Long-lived (60 days) instead of short-lived (1 hour).
    pub long_lived: bool,
    /// Issue time (Unix seconds, virtual); now when `None`. Lets tests mint tokens that are
    /// already old enough to refresh, or already expired.
    pub issued_at: Option<i64>,
}

/// A minted token. The token is redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct MintedToken {
    /// The access token.
    pub access_token: SecretString,
    /// Expiry (Unix seconds, virtual).
    pub expires_at: i64,
}

/// A post made directly as some user (another account replying, mentioning, posting
/// publicly so search finds it). It is published at once, without quotas or ledger entries,
/// and fires the same webhooks as an API publish.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PostAs {
    /// Author: user id or username.
    pub author: String,
    /// Text.
    pub text: Option<String>,
    /// `TEXT` (default), `IMAGE` or `VIDEO`.
    pub media_type: Option<String>,
    /// Image or video URL for media posts.
    pub media_url: Option<String>,
    /// Id of the post this replies to.
    pub reply_to: Option<String>,
    /// Id of the post this quotes.
    pub quote_post_id: Option<String>,
    /// Topic tag (else the first in-text `#tag`).
    pub topic_tag: Option<String>,
    /// Replies to this post need approval.
    pub enable_reply_approvals: bool,
    /// Timestamp (Unix seconds, virtual); now when `None`.
    pub at: Option<i64>,
    /// The media id to give the post (numeric), e.g. to recreate a post a previous
    /// emulator published; a fresh id when `None`. Ids made later stay above it.
    pub id: Option<String>,
}

/// A webhook subscription for one app.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSpec {
    /// The app subscribing.
    pub app_id: String,
    /// Callback URL (plain `http://` is fine for local tests).
    pub callback_url: String,
    /// Verify token echoed in the handshake.
    pub verify_token: SecretString,
    /// Fields: any of `replies`, `mentions`, `publish`, `delete`.
    pub fields: Vec<String>,
    /// Secret to sign deliveries with instead of the app secret (e.g. to test a client
    /// during secret rotation). `None` = the app secret.
    #[serde(default)]
    pub app_secret: Option<SecretString>,
}

/// A location to add to the location catalogue.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LocationSpec {
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// ISO country code.
    pub country: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Postal code.
    pub postal_code: String,
}
