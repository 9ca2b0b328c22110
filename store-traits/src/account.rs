//! [`AccountStore`]: connected accounts.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{AccountId, OrgId};
use crate::records::{Account, AccountStatus};

/// Which accounts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Only accounts of this organisation.
    pub org_id: Option<OrgId>,
    /// Only accounts in this status.
    pub status: Option<AccountStatus>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// Connected Threads accounts.
///
/// Accounts are deleted only through
/// [`PrivacyStore::delete_account_data`](crate::PrivacyStore::delete_account_data),
/// which removes everything that names them.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a new account. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn insert_account(&self, account: &Account) -> Result<()>;

    /// Reads an account.
    async fn get_account(&self, id: AccountId) -> Result<Option<Account>>;

    /// Replaces an account record (last writer wins).
    /// [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_account(&self, account: &Account) -> Result<()>;

    /// Accounts matching `filter`, ordered by `(created_at, id)`.
    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>>;

    /// Accounts connected for one Threads user id (several organisations may
    /// connect the same profile), ordered by `(created_at, id)`.
    async fn find_accounts_by_threads_user(&self, threads_user_id: &str) -> Result<Vec<Account>>;
}
