//! Sealed access tokens: [`TokenRecord`] (a sealed token and its
//! metadata) and [`TokenStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use token_crypto::secrecy::SecretString;
use token_crypto::{KeyId, Keyring, SealedToken, TokenContext, TokenField};

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
///
/// # The one binding
/// A sealed token opens only under the [`TokenContext`] it was sealed with.
/// [`TokenRecord::context`] is the one context for an account's access token
/// (account id and record id derived from the [`AccountId`]), and
/// [`TokenRecord::seal`] / [`TokenRecord::open`] use it, so every host and
/// worker agrees on it and nobody invents a row id. The binding means a
/// sealed value copied to another account's record fails to open with
/// [`token_crypto::Error::DecryptionFailed`].
///
/// ```
/// use chrono::{TimeDelta, Utc};
/// use store_traits::{AccountId, TokenKind, TokenRecord};
/// use token_crypto::secrecy::{ExposeSecret, SecretString};
/// use token_crypto::{KeyId, KeyMaterial, Keyring};
///
/// let keyring = Keyring::new(KeyId::new("2026-01")?, KeyMaterial::generate()?);
/// let now = Utc::now();
/// let token = SecretString::from("THAA-example");
/// let record = TokenRecord::seal(
///     &keyring,
///     AccountId::new(),
///     TokenKind::LongLived,
///     &token,
///     now,
///     now + TimeDelta::days(60),
/// )?;
/// assert_eq!(record.open(&keyring)?.expose_secret(), "THAA-example");
/// # Ok::<(), token_crypto::Error>(())
/// ```
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

    /// The canonical context of an account's access token: account id
    /// `account_id.to_string()`, record id `token/<account_id>`, field
    /// [`TokenField::AccessToken`], the default domain. See
    /// [the one binding](TokenRecord#the-one-binding).
    pub fn context(account_id: AccountId) -> Result<TokenContext, token_crypto::Error> {
        TokenContext::new(
            account_id.to_string(),
            format!("token/{account_id}"),
            TokenField::AccessToken,
        )
    }

    /// Seals `token` with the keyring's primary key under the account's
    /// [canonical context](Self::context) and builds the record.
    pub fn seal(
        keyring: &Keyring,
        account_id: AccountId,
        kind: TokenKind,
        token: &SecretString,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<TokenRecord, token_crypto::Error> {
        let sealed = keyring.seal(token, &Self::context(account_id)?)?;
        Ok(Self::new(account_id, kind, sealed, issued_at, expires_at))
    }

    /// Opens the sealed token under the record's account's
    /// [canonical context](Self::context).
    /// [`token_crypto::Error::DecryptionFailed`] if it was sealed for another
    /// place (another account, say) or altered;
    /// [`token_crypto::Error::UnknownKey`] if the keyring lacks its key.
    pub fn open(&self, keyring: &Keyring) -> Result<SecretString, token_crypto::Error> {
        keyring.open(&self.sealed, &Self::context(self.account_id())?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use token_crypto::KeyMaterial;
    use token_crypto::secrecy::ExposeSecret;

    use super::*;

    fn keyring() -> Keyring {
        Keyring::new(
            KeyId::new("k1").unwrap(),
            KeyMaterial::from_bytes(&[7; token_crypto::KEY_LEN]),
        )
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_sealed_record_opens_to_the_same_token() {
        let keyring = keyring();
        let account = AccountId::new();
        let record = TokenRecord::seal(
            &keyring,
            account,
            TokenKind::LongLived,
            &SecretString::from("THAA-secret"),
            at(),
            at() + TimeDelta::days(60),
        )
        .unwrap();
        assert_eq!(record.account_id(), account);
        assert_eq!(record.metadata.key_id, *record.sealed.key_id());
        assert_eq!(record.metadata.kind, TokenKind::LongLived);
        assert_eq!(
            (record.metadata.issued_at, record.metadata.expires_at),
            (at(), at() + TimeDelta::days(60))
        );
        assert_eq!(
            record.open(&keyring).unwrap().expose_secret(),
            "THAA-secret"
        );
    }

    #[test]
    fn the_canonical_context_is_derived_from_the_account_id() {
        let account = AccountId::new();
        let context = TokenRecord::context(account).unwrap();
        assert_eq!(context.account_id(), account.to_string());
        assert_eq!(context.record_id(), format!("token/{account}"));
        assert_eq!(context.field(), &TokenField::AccessToken);
        assert_eq!(context.domain(), token_crypto::DEFAULT_DOMAIN);
    }

    #[test]
    fn a_sealed_value_copied_to_another_account_does_not_open() {
        let keyring = keyring();
        let mine = TokenRecord::seal(
            &keyring,
            AccountId::new(),
            TokenKind::LongLived,
            &SecretString::from("THAA-mine"),
            at(),
            at() + TimeDelta::days(60),
        )
        .unwrap();
        let mut theirs = TokenRecord::seal(
            &keyring,
            AccountId::new(),
            TokenKind::LongLived,
            &SecretString::from("THAA-theirs"),
            at(),
            at() + TimeDelta::days(60),
        )
        .unwrap();
        theirs.sealed = mine.sealed.clone();
        assert!(matches!(
            theirs.open(&keyring),
            Err(token_crypto::Error::DecryptionFailed)
        ));
    }
}
