//! [`TokenStore`]: sealed access tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use token_crypto::{KeyId, SealedToken};

use crate::error::Result;
use crate::ids::AccountId;
use crate::records::{TokenMetadata, TokenRecord};

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
