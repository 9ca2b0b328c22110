//! Connected Threads accounts: the [`Account`] record and [`AccountStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, OrgId};

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

    /// Accounts whose [`Account::username`] equals `username` exactly (case
    /// and all; several organisations may connect the same profile), ordered
    /// by `(created_at, id)`.
    async fn find_accounts_by_username(&self, username: &str) -> Result<Vec<Account>>;
}

str_enum! {
    /// Whether the system can act for an account.
    pub enum AccountStatus {
        /// Tokens are valid; work runs.
        Active => "active",
        /// Meta rejected the token (error 190 or similar): the owner must log in
        /// again. Work for the account pauses instead of burning retries.
        NeedsReauth => "needs_reauth",
        /// Paused by a person; no automatic work.
        Paused => "paused",
        /// Disconnected by the owner; tokens are deleted.
        Disconnected => "disconnected",
    }
}

/// A connected Threads account and its profile.
///
/// Token *metadata* (issue and expiry times, key id) lives next to the sealed
/// token in [`TokenRecord`](crate::TokenRecord), so a refresh updates both in one
/// write; read it without the ciphertext through
/// [`TokenStore::token_metadata`](crate::TokenStore::token_metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// This system's id for the account.
    pub id: AccountId,
    /// The host's organisation (tenant) that connected the account, if any.
    pub org_id: Option<OrgId>,
    /// Meta's Threads user id (app-scoped).
    pub threads_user_id: String,
    /// The Threads username (handle without `@`).
    pub username: String,
    /// Display name from the profile.
    pub display_name: Option<String>,
    /// Profile biography.
    pub biography: Option<String>,
    /// Profile picture URL (as last synced; Meta's CDN URLs expire).
    pub profile_picture_url: Option<String>,
    /// Whether the profile is verified.
    pub is_verified: bool,
    /// Whether work can run for the account.
    pub status: AccountStatus,
    /// Scopes Meta granted at the last login.
    pub granted_scopes: Vec<String>,
    /// Scopes the app asked for (a difference to `granted_scopes` means the owner
    /// declined some).
    pub requested_scopes: Vec<String>,
    /// When the account was connected.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Last activity (login, publish, sync): drives "inactive for 12 months" retention.
    pub last_active_at: DateTime<Utc>,
}

impl Account {
    /// A new active account with empty profile fields, created at `now`.
    pub fn new(
        threads_user_id: impl Into<String>,
        username: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AccountId::new(),
            org_id: None,
            threads_user_id: threads_user_id.into(),
            username: username.into(),
            display_name: None,
            biography: None,
            profile_picture_url: None,
            is_verified: false,
            status: AccountStatus::Active,
            granted_scopes: Vec::new(),
            requested_scopes: Vec::new(),
            created_at: now,
            updated_at: now,
            last_active_at: now,
        }
    }

    /// Scopes that were requested but not granted.
    pub fn missing_scopes(&self) -> Vec<&str> {
        self.requested_scopes
            .iter()
            .filter(|s| !self.granted_scopes.contains(s))
            .map(String::as_str)
            .collect()
    }
}
