//! Single-use OAuth state: pending logins ([`OAuthState`]) and used state
//! nonces, kept by [`OAuthStateStore`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::OrgId;

/// Pending OAuth logins (each consumable once) and the set of used state nonces.
///
/// Two ways to make OAuth `state` single-use, pick either:
/// - keep the login server-side: [`put_oauth_state`](OAuthStateStore::put_oauth_state)
///   then [`take_oauth_state`](OAuthStateStore::take_oauth_state) in the callback;
/// - keep it in token-crypto's signed state value and record only that its nonce
///   was used: [`consume_nonce`](OAuthStateStore::consume_nonce), also available
///   as a [`token_crypto::oauth_state::NonceStore`] through [`StoreNonces`].
#[async_trait]
pub trait OAuthStateStore: Send + Sync {
    /// Stores a state. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the nonce is taken.
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<()>;

    /// Atomically removes and returns the state for `nonce`.
    ///
    /// Returns `None` when the nonce is unknown, was taken before, or has expired
    /// (`expires_at <= now` by the store's clock; an expired state is removed too).
    /// Of any number of concurrent calls with one nonce, at most one gets `Some`.
    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>>;

    /// Records `nonce` as used until `expires_at`. Returns `true` if it was not
    /// recorded before (or its earlier record has expired: `expires_at <= now`),
    /// `false` if it is recorded and unexpired. Of any number of concurrent calls
    /// with one nonce, at most one gets `true`. Expired records are removed by
    /// [`PrivacyStore::purge`](crate::PrivacyStore::purge).
    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool>;
}

/// Adapts any [`OAuthStateStore`] (for example an `Arc<dyn Store>`) to
/// token-crypto's [`NonceStore`](token_crypto::oauth_state::NonceStore).
#[derive(Debug, Clone)]
pub struct StoreNonces<S: ?Sized>(pub Arc<S>);

#[async_trait]
impl<S: OAuthStateStore + ?Sized + 'static> token_crypto::oauth_state::NonceStore
    for StoreNonces<S>
{
    async fn consume_once(
        &self,
        nonce: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, token_crypto::Error> {
        self.0
            .consume_nonce(nonce, expires_at)
            .await
            .map_err(token_crypto::Error::nonce_store)
    }
}

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
