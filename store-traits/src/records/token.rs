//! Sealed tokens and their metadata.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use token_crypto::{KeyId, SealedToken};

use crate::ids::AccountId;

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
