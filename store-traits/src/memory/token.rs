//! [`TokenStore`] and token-crypto's [`KeyUsageCounter`] over the in-memory maps.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use token_crypto::{KeyId, KeyUsageCounter, SealedToken};

use super::{MemoryStore, sorted};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::token::{TokenMetadata, TokenRecord, TokenStore};

#[async_trait]
impl TokenStore for MemoryStore {
    async fn put_token(&self, token: &TokenRecord) -> Result<()> {
        if token.metadata.key_id != *token.sealed.key_id() {
            return Err(Error::InvalidInput(
                "token metadata key id differs from the sealed token's key id".into(),
            ));
        }
        self.lock().tokens.insert(token.account_id(), token.clone());
        Ok(())
    }

    async fn get_token(&self, account_id: AccountId) -> Result<Option<TokenRecord>> {
        Ok(self.lock().tokens.get(&account_id).cloned())
    }

    async fn token_metadata(&self, account_id: AccountId) -> Result<Option<TokenMetadata>> {
        Ok(self
            .lock()
            .tokens
            .get(&account_id)
            .map(|t| t.metadata.clone()))
    }

    async fn delete_token(&self, account_id: AccountId) -> Result<bool> {
        Ok(self.lock().tokens.remove(&account_id).is_some())
    }

    async fn list_tokens_expiring_before(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>> {
        let state = self.lock();
        let items = state
            .tokens
            .values()
            .filter(|t| t.metadata.expires_at < before)
            .cloned()
            .collect();
        Ok(sorted(
            items,
            |t| (t.metadata.expires_at, t.account_id()),
            Some(limit),
        ))
    }

    async fn rewrap_token(
        &self,
        account_id: AccountId,
        current: &SealedToken,
        replacement: &SealedToken,
    ) -> Result<bool> {
        let mut state = self.lock();
        match state.tokens.get_mut(&account_id) {
            Some(stored) if stored.sealed == *current => {
                stored.sealed = replacement.clone();
                stored.metadata.key_id = replacement.key_id().clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn count_tokens_by_key(&self) -> Result<Vec<(KeyId, u64)>> {
        let state = self.lock();
        let mut counts: BTreeMap<KeyId, u64> = BTreeMap::new();
        for token in state.tokens.values() {
            *counts.entry(token.sealed.key_id().clone()).or_default() += 1;
        }
        Ok(counts.into_iter().collect())
    }

    async fn list_tokens_by_key(&self, key_id: &KeyId, limit: usize) -> Result<Vec<TokenRecord>> {
        let state = self.lock();
        let items = state
            .tokens
            .values()
            .filter(|t| t.sealed.key_id() == key_id)
            .cloned()
            .collect();
        Ok(sorted(items, TokenRecord::account_id, Some(limit)))
    }
}

#[async_trait]
impl KeyUsageCounter for MemoryStore {
    async fn count_tokens_on_key(&self, key_id: &KeyId) -> Result<u64, token_crypto::Error> {
        let state = self.lock();
        Ok(state
            .tokens
            .values()
            .filter(|t| t.sealed.key_id() == key_id)
            .count() as u64)
    }
}
