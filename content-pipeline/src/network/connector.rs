//! [`Connector`]: the account half of a network (OAuth, tokens, profile, history).

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{AccountAuth, NetworkError, PostId};

/// What the consent dialog sent back to the callback URL.
pub enum Callback {
    /// The person agreed: an authorization code (single use, short-lived) and
    /// the `state` sent with the dialog.
    Authorized {
        /// The code; never logged.
        code: SecretString,
        /// The state value, to be verified.
        state: Option<String>,
    },
    /// The person declined, or the network reported an error.
    Denied {
        /// The state value, if the network echoed it.
        state: Option<String>,
        /// The network's reason.
        reason: String,
    },
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Authorized { state, .. } => f
                .debug_struct("Authorized")
                .field("code", &"[redacted]")
                .field("state", state)
                .finish(),
            Self::Denied { state, reason } => f
                .debug_struct("Denied")
                .field("state", state)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// A token the network issued, with what it said about it.
pub struct IssuedToken {
    /// The token; seal it before storing.
    pub token: SecretString,
    /// The network's user id the token acts for (from the code exchange;
    /// `None` when the network does not repeat it, as on refresh).
    pub user_id: Option<String>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whether it is long-lived (refreshable).
    pub long_lived: bool,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[redacted]")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("long_lived", &self.long_lived)
            .finish()
    }
}

/// Facts about a token from the network's own inspection endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenFacts {
    /// Whether the token works now.
    pub is_valid: bool,
    /// Scopes actually granted.
    pub scopes: Vec<String>,
    /// When it was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the data-access grant ends (Threads: 90 days after consent).
    pub data_access_expires_at: Option<DateTime<Utc>>,
}

/// An account's public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    /// The network's user id.
    pub user_id: String,
    /// The handle, without `@`.
    pub username: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Biography.
    pub biography: Option<String>,
    /// Picture URL (network CDN URLs expire).
    pub picture_url: Option<String>,
    /// Whether the profile is verified.
    pub is_verified: bool,
}

/// One of the account's past posts, as synced for style analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PastPostData {
    /// The post's id.
    pub id: PostId,
    /// Its text (empty for media without caption).
    pub text: String,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// Whether it is a reply (replies are left out of the voice sample).
    pub is_reply: bool,
}

/// The account half of a network: the consent dialog, token exchanges and
/// refresh, token facts, the profile and the account's past posts.
///
/// Object safe; the pipeline holds an `Arc<dyn Connector>`.
#[async_trait]
pub trait Connector: Send + Sync + std::fmt::Debug {
    /// The scopes asked for when the host asks for none.
    fn default_scopes(&self) -> Vec<String>;

    /// The consent dialog's URL for `scopes`, carrying `state`.
    fn authorize_url(&self, scopes: &[String], state: &str) -> Result<String, NetworkError>;

    /// Reads the callback URL the dialog redirected to.
    fn parse_callback(&self, callback_url: &str) -> Result<Callback, NetworkError>;

    /// Exchanges an authorization code for a (short-lived) token. The code is
    /// single use; this call is never repeated.
    async fn exchange_code(
        &self,
        code: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError>;

    /// Exchanges a short-lived token for a long-lived one. A network without
    /// the distinction returns the token unchanged.
    async fn exchange_long_lived(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError>;

    /// Refreshes a long-lived token (Threads: only once it is 24 hours old and
    /// while it is still valid).
    async fn refresh(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError>;

    /// What the network says about a token (validity, scopes, expiry).
    async fn inspect_token(&self, token: &SecretString) -> Result<TokenFacts, NetworkError>;

    /// The account's profile.
    async fn profile(&self, auth: &AccountAuth) -> Result<Profile, NetworkError>;

    /// The account's most recent posts, newest first, at most `max`, across pages.
    async fn recent_posts(
        &self,
        auth: &AccountAuth,
        max: usize,
    ) -> Result<Vec<PastPostData>, NetworkError>;
}
