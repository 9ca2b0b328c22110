//! [`OAuthStateStore`]: OAuth states and used nonces in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::{Error, Result};
use crate::oauth_state::{OAuthState, OAuthStateStore};
use crate::record_kind::RecordKind;

#[async_trait]
impl OAuthStateStore for MemoryStore {
    async fn put_oauth_state(&self, oauth_state: &OAuthState) -> Result<()> {
        let mut state = self.lock();
        if state.oauth_states.contains_key(&oauth_state.nonce) {
            return Err(Error::already_exists(
                RecordKind::OAuthState,
                &oauth_state.nonce,
            ));
        }
        state
            .oauth_states
            .insert(oauth_state.nonce.clone(), oauth_state.clone());
        Ok(())
    }

    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>> {
        let now = self.now();
        let taken = self.lock().oauth_states.remove(nonce);
        Ok(taken.filter(|s| s.expires_at > now))
    }

    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let now = self.now();
        let mut state = self.lock();
        match state.used_nonces.get(nonce) {
            Some(until) if *until > now => Ok(false),
            _ => {
                state.used_nonces.insert(nonce.to_owned(), expires_at);
                Ok(true)
            }
        }
    }
}
