//! Pending OAuth logins.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::OrgId;

/// A login in progress, stored under its state nonce until the callback consumes it.
///
/// The nonce is the random part of the signed `state` value token-crypto makes;
/// [`OAuthStateStore::take_oauth_state`](crate::OAuthStateStore::take_oauth_state)
/// returns the record at most once, which makes the state single-use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthState {
    /// The state nonce (unique).
    pub nonce: String,
    /// A hash of the browser session the login is bound to (never the session secret).
    pub session_binding: Option<String>,
    /// The organisation connecting an account, if any.
    pub org_id: Option<OrgId>,
    /// Scopes requested.
    pub requested_scopes: Vec<String>,
    /// Where to send the person after the callback.
    pub redirect_after: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// After this instant the state is invalid and never returned.
    pub expires_at: DateTime<Utc>,
}

impl OAuthState {
    /// A state valid from `now` for `ttl`.
    pub fn new(nonce: impl Into<String>, now: DateTime<Utc>, ttl: chrono::TimeDelta) -> Self {
        Self {
            nonce: nonce.into(),
            session_binding: None,
            org_id: None,
            requested_scopes: Vec::new(),
            redirect_after: None,
            created_at: now,
            expires_at: now + ttl,
        }
    }
}
