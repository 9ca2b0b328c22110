//! [`OAuthStateStore`]: single-use OAuth state and used-nonce records.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::records::OAuthState;

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
