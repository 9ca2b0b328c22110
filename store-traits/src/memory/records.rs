//! Accounts, tokens, personas and sources.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use token_crypto::{KeyId, SealedToken};

use super::{MemoryStore, sorted};
use crate::account::{AccountFilter, AccountStore};
use crate::error::{Error, Result};
use crate::ids::{AccountId, PersonaId, SourceId};
use crate::persona::PersonaStore;
use crate::records::{Account, PersonaRecord, RecordKind, Source, TokenMetadata, TokenRecord};
use crate::source::SourceStore;
use crate::token::TokenStore;

#[async_trait]
impl AccountStore for MemoryStore {
    async fn insert_account(&self, account: &Account) -> Result<()> {
        let mut state = self.lock();
        if state.accounts.contains_key(&account.id) {
            return Err(Error::already_exists(RecordKind::Account, account.id));
        }
        state.accounts.insert(account.id, account.clone());
        Ok(())
    }

    async fn get_account(&self, id: AccountId) -> Result<Option<Account>> {
        Ok(self.lock().accounts.get(&id).cloned())
    }

    async fn update_account(&self, account: &Account) -> Result<()> {
        let mut state = self.lock();
        match state.accounts.get_mut(&account.id) {
            Some(stored) => {
                *stored = account.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::Account, account.id)),
        }
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        let state = self.lock();
        let items = state
            .accounts
            .values()
            .filter(|a| {
                filter
                    .org_id
                    .as_ref()
                    .is_none_or(|o| a.org_id.as_ref() == Some(o))
            })
            .filter(|a| filter.status.is_none_or(|s| a.status == s))
            .cloned()
            .collect();
        Ok(sorted(items, |a| (a.created_at, a.id), filter.limit))
    }

    async fn find_accounts_by_threads_user(&self, threads_user_id: &str) -> Result<Vec<Account>> {
        let state = self.lock();
        let items = state
            .accounts
            .values()
            .filter(|a| a.threads_user_id == threads_user_id)
            .cloned()
            .collect();
        Ok(sorted(items, |a| (a.created_at, a.id), None))
    }
}

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
impl PersonaStore for MemoryStore {
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()> {
        self.lock().personas.insert(persona.id, persona.clone());
        Ok(())
    }

    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>> {
        Ok(self.lock().personas.get(&id).cloned())
    }

    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>> {
        let state = self.lock();
        let items = state
            .personas
            .values()
            .filter(|p| p.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |p| (p.created_at, p.id), None))
    }

    async fn delete_persona(&self, id: PersonaId) -> Result<bool> {
        Ok(self.lock().personas.remove(&id).is_some())
    }
}

#[async_trait]
impl SourceStore for MemoryStore {
    async fn insert_source(&self, source: &Source) -> Result<()> {
        let mut state = self.lock();
        if state.sources.contains_key(&source.id) {
            return Err(Error::already_exists(RecordKind::Source, source.id));
        }
        state.sources.insert(source.id, source.clone());
        Ok(())
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        Ok(self.lock().sources.get(&id).cloned())
    }

    async fn update_source(&self, source: &Source) -> Result<()> {
        let mut state = self.lock();
        match state.sources.get_mut(&source.id) {
            Some(stored) => {
                *stored = source.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::Source, source.id)),
        }
    }

    async fn list_sources(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Source>> {
        let state = self.lock();
        let items = state
            .sources
            .values()
            .filter(|s| s.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |s| (s.created_at, s.id), limit))
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        Ok(self.lock().sources.remove(&id).is_some())
    }
}
