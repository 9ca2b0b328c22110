//! Sealed access tokens: [`TokenRecord`] (a sealed token and its
//! metadata) and [`TokenStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use token_crypto::{KeyId, SealedToken};

use crate::error::Result;
use crate::ids::AccountId;

/// Sealed tokens, one per account. Only [`SealedToken`] values can be stored.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores the account's token, replacing any previous one.
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) if `metadata.key_id`
    /// differs from `sealed.key_id()`.
    async fn put_token(&self, token: &TokenRecord) -> Result<()>;

    /// Reads the account's token.
    async fn get_token(&self, account_id: AccountId) -> Result<Option<TokenRecord>>;

    /// Reads the token's metadata without the ciphertext.
    async fn token_metadata(&self, account_id: AccountId) -> Result<Option<TokenMetadata>>;

    /// Deletes the account's token; `true` if there was one.
    async fn delete_token(&self, account_id: AccountId) -> Result<bool>;

    /// Tokens expiring strictly before `before`, ordered by `(expires_at, account_id)`,
    /// at most `limit` (refresh sweeps).
    async fn list_tokens_expiring_before(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>>;

    /// Replaces the sealed value only if the stored one still equals `current`
    /// (compare-and-swap for rotation sweeps racing a refresh). The metadata's
    /// `key_id` is updated to the new token's key. `true` if replaced.
    async fn rewrap_token(
        &self,
        account_id: AccountId,
        current: &SealedToken,
        replacement: &SealedToken,
    ) -> Result<bool>;

    /// How many tokens each key sealed, ordered by key id (for rotation: a key with
    /// a count of zero can be retired).
    async fn count_tokens_by_key(&self) -> Result<Vec<(KeyId, u64)>>;

    /// Tokens sealed with `key_id`, ordered by account id, at most `limit` (rewrap sweeps).
    async fn list_tokens_by_key(&self, key_id: &KeyId, limit: usize) -> Result<Vec<TokenRecord>>;
}

str_enum! {
    /// What kind of token is stored.
    pub enum TokenKind {
        /// A short-lived (about 1 hour) user token, kept only until it is exchanged.
        ShortLived => "short_lived",
        /// A long-lived (60 days, refreshable) user token.
        LongLived => "long_lived",
    }
}

/// Facts about a stored token that are not secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenMetadata {
    /// The account the token acts for.
    pub account_id: AccountId,
    /// Short- or long-lived.
    pub kind: TokenKind,
    /// The key that sealed the token (for rotation sweeps).
    pub key_id: KeyId,
    /// When Meta issued the token (or it was last refreshed).
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When the pipeline last refreshed it, if ever.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Scopes the token carries.
    pub scopes: Vec<String>,
}

/// A sealed access token for one account. One per account.
///
/// Only [`SealedToken`] can be stored: the plaintext never reaches a store. The
/// sealed form is safe to log (its `Debug` shows key id and length only), but it
/// is still left out of [`AccountExport`](crate::AccountExport).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The ciphertext.
    pub sealed: SealedToken,
    /// Everything else; `metadata.key_id` must equal `sealed.key_id()` (see [`TokenRecord::new`]).
    pub metadata: TokenMetadata,
}

impl TokenRecord {
    /// Builds a record whose metadata key id is taken from the sealed token.
    pub fn new(
        account_id: AccountId,
        kind: TokenKind,
        sealed: SealedToken,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        let key_id = sealed.key_id().clone();
        Self {
            sealed,
            metadata: TokenMetadata {
                account_id,
                kind,
                key_id,
                issued_at,
                expires_at,
                refreshed_at: None,
                scopes: Vec::new(),
            },
        }
    }

    /// The account the token belongs to.
    pub fn account_id(&self) -> AccountId {
        self.metadata.account_id
    }
}
