//! Single-use OAuth state: the used-nonce record kept by [`OAuthStateStore`],
//! and [`StoreNonces`], which lends it to token-crypto.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;

/// The store's half of OAuth `state`: which state nonces were used.
///
/// # The one path
/// The `state` of an OAuth login is made and checked by token-crypto's
/// [`OAuthStateSigner`](token_crypto::oauth_state::OAuthStateSigner): the
/// value is signed and bound to the browser session, expires, and carries
/// what the callback needs back (organisation, user, requested scopes, where
/// to return) as [`StateClaims`](token_crypto::oauth_state::StateClaims)
/// inside the signed value. Nothing about a pending login is stored. What
/// makes a state single-use is this trait: the signer's
/// [`verify`](token_crypto::oauth_state::OAuthStateSigner::verify) consumes
/// the state's nonce through a
/// [`NonceStore`](token_crypto::oauth_state::NonceStore), and [`StoreNonces`]
/// is that nonce store over any [`OAuthStateStore`], so a replay is refused
/// across every process sharing the store.
///
/// ```
/// use std::sync::Arc;
/// use chrono::Utc;
/// use store_traits::{ManualClock, MemoryStore, Store, StoreNonces};
/// use token_crypto::KeyMaterial;
/// use token_crypto::oauth_state::{OAuthStateSigner, StateClaims};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), token_crypto::Error> {
/// let clock = Arc::new(ManualClock::new(Utc::now()));
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::new(clock.clone()));
/// let signer = OAuthStateSigner::new(KeyMaterial::generate()?, clock);
/// let nonces = StoreNonces(store);
///
/// let claims = StateClaims { org: Some("acme".into()), ..StateClaims::default() };
/// let state = signer.issue_with("session-1", &claims)?;
/// // The callback: verified and consumed once.
/// let verified = signer.verify(&state, "session-1", &nonces).await?;
/// assert_eq!(verified.claims, claims);
/// assert!(signer.verify(&state, "session-1", &nonces).await.is_err());
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait OAuthStateStore: Send + Sync {
    /// Records `nonce` as used until `expires_at`. Returns `true` if it was not
    /// recorded before (or its earlier record has expired: `expires_at <= now`),
    /// `false` if it is recorded and unexpired. Of any number of concurrent calls
    /// with one nonce, at most one gets `true`. Expired records are removed by
    /// [`PrivacyStore::purge`](crate::PrivacyStore::purge).
    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool>;
}

/// Adapts any [`OAuthStateStore`] (for example an `Arc<dyn Store>`) to
/// token-crypto's [`NonceStore`](token_crypto::oauth_state::NonceStore), for
/// [`OAuthStateSigner::verify`](token_crypto::oauth_state::OAuthStateSigner::verify).
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
