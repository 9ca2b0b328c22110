//! [`AccountStore`] over the in-memory maps.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::account::{Account, AccountFilter, AccountStore};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::record_kind::RecordKind;

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

    async fn find_accounts_by_username(&self, username: &str) -> Result<Vec<Account>> {
        let state = self.lock();
        let items = state
            .accounts
            .values()
            .filter(|a| a.username == username)
            .cloned()
            .collect();
        Ok(sorted(items, |a| (a.created_at, a.id), None))
    }
}
