//! [`OAuthStateStore`]: used OAuth state nonces in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::error::Result;
use crate::oauth_state::OAuthStateStore;

#[async_trait]
impl OAuthStateStore for MemoryStore {
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
