//! The keyring: seal, open, rewrap, rotate.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use aes_gcm::Aes256Gcm;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::aead_core;
use crate::context::TokenContext;
use crate::error::Error;
use crate::key_id::KeyId;
use crate::key_material::KeyMaterial;
use crate::key_spec;
use crate::sealed::{FORMAT_V1, MAX_SECRET_LEN, NONCE_LEN, SealedToken};

/// Default per-key encryption budget (2^30 seals), a factor four below the 2^32 random
/// nonce limit for AES-GCM.
pub const DEFAULT_ENCRYPTION_BUDGET: u64 = 1 << 30;
/// Largest per-key encryption budget a [`Keyring`] accepts (2^31).
pub const MAX_ENCRYPTION_BUDGET: u64 = 1 << 31;

/// The role of a key in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyStatus {
    /// Seals new tokens (and opens tokens sealed under it).
    Primary,
    /// Opens tokens sealed under it; never seals.
    DecryptOnly,
}

/// How many stored tokens are sealed under a key. The token store implements this
/// (usually an indexed `COUNT(*) ... WHERE key_id = ?`) so [`Keyring::retire_checked`]
/// can refuse to retire a key that still protects data.
#[async_trait]
pub trait KeyUsageCounter: Send + Sync {
    /// Number of stored sealed tokens whose [`SealedToken::key_id`] is `key_id`.
    async fn count_tokens_on_key(&self, key_id: &KeyId) -> Result<u64, Error>;
}

// Compile-time check that the cached cipher wipes its expanded key schedule and GHASH
// key when dropped (needs aes-gcm's `zeroize` feature, which the workspace enables).
const _: fn() = || {
    fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wipes_on_drop::<Aes256Gcm>();
};

struct KeySlot {
    cipher: Aes256Gcm,
    encryptions: AtomicU64,
}

impl KeySlot {
    fn new(material: &KeyMaterial) -> Self {
        Self {
            cipher: aead_core::cipher(material.bytes()),
            encryptions: AtomicU64::new(0),
        }
    }
}

/// A set of AES-256 keys, each with a [`KeyId`], exactly one of them primary.
///
/// * [`seal`](Self::seal) encrypts with the primary key under a fresh random 96-bit nonce.
/// * [`open`](Self::open) looks the key up by the id written in the token. It never tries
///   keys one after the other.
/// * Rotation is explicit: [`add_decrypt_only`](Self::add_decrypt_only) →
///   [`promote`](Self::promote) → [`rewrap`](Self::rewrap) every stored token →
///   [`retire`](Self::retire) / [`retire_checked`](Self::retire_checked).
///
/// Seal and open take `&self` and are safe to call from many threads. Rotation takes
/// `&mut self`; hosts usually keep the keyring behind an `RwLock` or swap in a new `Arc`.
///
/// Key material is kept only inside the expanded AES state (wiped on drop by aes-gcm's
/// `zeroize` feature). `Debug` lists key ids, the primary and counters, never key bytes.
pub struct Keyring {
    keys: BTreeMap<KeyId, KeySlot>,
    primary: KeyId,
    budget: u64,
}

impl Keyring {
    /// A keyring holding one key, which is primary.
    pub fn new(primary_id: KeyId, primary: KeyMaterial) -> Self {
        let mut keys = BTreeMap::new();
        keys.insert(primary_id.clone(), KeySlot::new(&primary));
        Self {
            keys,
            primary: primary_id,
            budget: DEFAULT_ENCRYPTION_BUDGET,
        }
    }

    /// Builds a keyring from a key specification.
    ///
    /// Format: entries `id:base64key`, separated by newlines or commas. Exactly one entry
    /// is marked primary with a leading `*`; the others are decrypt-only. Blank lines and
    /// lines starting with `#` are ignored. Keys are 32 bytes in standard or URL-safe
    /// base64, padded or not.
    ///
    /// ```text
    /// # token keys, newest first
    /// *2026-02:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=
    /// 2025-08:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
    /// ```
    ///
    /// Errors name the entry number and the problem, never the entry's content.
    pub fn from_spec(spec: &str) -> Result<Self, Error> {
        let entries = key_spec::parse(spec)?;
        let mut primary = None;
        let mut keys = BTreeMap::new();
        for entry in entries {
            if entry.primary {
                if primary.is_some() {
                    return Err(Error::MultiplePrimaryKeys);
                }
                primary = Some(entry.id.clone());
            }
            if keys.contains_key(&entry.id) {
                return Err(Error::DuplicateKey(entry.id));
            }
            keys.insert(entry.id, KeySlot::new(&entry.material));
        }
        let primary = primary.ok_or(Error::NoPrimaryKey)?;
        Ok(Self {
            keys,
            primary,
            budget: DEFAULT_ENCRYPTION_BUDGET,
        })
    }

    /// Reads the key specification (see [`from_spec`](Self::from_spec)) from an
    /// environment variable. A one-line value uses commas: `*k2:...,k1:...`.
    pub fn from_env(var: &str) -> Result<Self, Error> {
        let spec =
            Zeroizing::new(std::env::var(var).map_err(|_| Error::KeyEnvVar(var.to_owned()))?);
        Self::from_spec(&spec)
    }

    /// Reads the key specification (see [`from_spec`](Self::from_spec)) from a file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let spec = Zeroizing::new(std::fs::read_to_string(path).map_err(Error::KeyFile)?);
        Self::from_spec(&spec)
    }

    /// Sets the per-key encryption budget (1 ..= [`MAX_ENCRYPTION_BUDGET`]). When the
    /// primary key has sealed this many tokens, [`seal`](Self::seal) fails with
    /// [`Error::KeyBudgetExhausted`] until a new key is promoted.
    pub fn with_encryption_budget(mut self, budget: u64) -> Result<Self, Error> {
        if budget == 0 || budget > MAX_ENCRYPTION_BUDGET {
            return Err(Error::InvalidBudget(budget));
        }
        self.budget = budget;
        Ok(self)
    }

    /// The per-key encryption budget.
    pub fn encryption_budget(&self) -> u64 {
        self.budget
    }

    /// The id of the key that seals new tokens.
    pub fn primary_key_id(&self) -> &KeyId {
        &self.primary
    }

    /// All key ids, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    /// The role of `key_id`, or `None` if the keyring does not hold it.
    pub fn status(&self, key_id: &KeyId) -> Option<KeyStatus> {
        self.keys.get(key_id).map(|_| {
            if *key_id == self.primary {
                KeyStatus::Primary
            } else {
                KeyStatus::DecryptOnly
            }
        })
    }

    /// Seals made with `key_id` by this process (plus any seeded value), or `None` for an
    /// unknown key.
    ///
    /// The counter lives in memory: it restarts at zero with the process. Hosts that
    /// need the budget to hold across restarts persist this value (for example after
    /// each batch of seals, or from a count of stored tokens per key) and feed it back
    /// with [`seed_encryptions`](Self::seed_encryptions) at start-up.
    pub fn encryptions(&self, key_id: &KeyId) -> Option<u64> {
        self.keys
            .get(key_id)
            .map(|slot| slot.encryptions.load(Ordering::Relaxed))
    }

    /// Raises the counter of `key_id` to at least `persisted` (it never goes down).
    pub fn seed_encryptions(&self, key_id: &KeyId, persisted: u64) -> Result<(), Error> {
        let slot = self
            .keys
            .get(key_id)
            .ok_or_else(|| Error::UnknownKey(key_id.clone()))?;
        slot.encryptions.fetch_max(persisted, Ordering::Relaxed);
        Ok(())
    }

    /// Phase 1 of rotation: adds a key that opens tokens but does not seal them yet.
    /// Roll the new key out to every process before promoting it.
    pub fn add_decrypt_only(&mut self, key_id: KeyId, material: KeyMaterial) -> Result<(), Error> {
        if self.keys.contains_key(&key_id) {
            return Err(Error::DuplicateKey(key_id));
        }
        self.keys.insert(key_id, KeySlot::new(&material));
        Ok(())
    }

    /// Phase 2: makes `key_id` the primary key. The previous primary becomes decrypt-only.
    pub fn promote(&mut self, key_id: &KeyId) -> Result<(), Error> {
        if !self.keys.contains_key(key_id) {
            return Err(Error::UnknownKey(key_id.clone()));
        }
        self.primary = key_id.clone();
        Ok(())
    }

    /// Phase 4: removes `key_id`, given how many stored tokens are still sealed under it.
    ///
    /// Refused with [`Error::KeyInUse`] when `tokens_still_on_key > 0` and with
    /// [`Error::RetirePrimary`] for the primary key. After retirement, tokens naming this
    /// key fail with [`Error::UnknownKey`].
    pub fn retire(&mut self, key_id: &KeyId, tokens_still_on_key: u64) -> Result<(), Error> {
        if *key_id == self.primary {
            return Err(Error::RetirePrimary(key_id.clone()));
        }
        if !self.keys.contains_key(key_id) {
            return Err(Error::UnknownKey(key_id.clone()));
        }
        if tokens_still_on_key > 0 {
            return Err(Error::KeyInUse {
                key_id: key_id.clone(),
                tokens: tokens_still_on_key,
            });
        }
        self.keys.remove(key_id);
        Ok(())
    }

    /// [`retire`](Self::retire), asking the store how many tokens remain on the key.
    pub async fn retire_checked(
        &mut self,
        key_id: &KeyId,
        counter: &dyn KeyUsageCounter,
    ) -> Result<(), Error> {
        if *key_id == self.primary {
            return Err(Error::RetirePrimary(key_id.clone()));
        }
        let tokens = counter.count_tokens_on_key(key_id).await?;
        self.retire(key_id, tokens)
    }

    /// Encrypts `secret` for the place described by `context`, with the primary key.
    pub fn seal(
        &self,
        secret: &SecretString,
        context: &TokenContext,
    ) -> Result<SealedToken, Error> {
        self.seal_bytes(secret.expose_secret().as_bytes(), context)
    }

    fn seal_bytes(&self, plaintext: &[u8], context: &TokenContext) -> Result<SealedToken, Error> {
        if plaintext.len() > MAX_SECRET_LEN {
            return Err(Error::SecretTooLong {
                len: plaintext.len(),
                limit: MAX_SECRET_LEN,
            });
        }
        let slot = self
            .keys
            .get(&self.primary)
            .ok_or_else(|| Error::UnknownKey(self.primary.clone()))?;
        self.reserve_encryption(slot)?;
        let mut nonce = [0u8; NONCE_LEN];
        aead_core::random(&mut nonce)?;
        let ciphertext = context.with_aad(FORMAT_V1, &self.primary, |aad| {
            aead_core::seal(&slot.cipher, &nonce, aad, plaintext)
        })?;
        Ok(SealedToken::new(self.primary.clone(), nonce, ciphertext))
    }

    fn reserve_encryption(&self, slot: &KeySlot) -> Result<(), Error> {
        let budget = self.budget;
        slot.encryptions
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < budget).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| Error::KeyBudgetExhausted {
                key_id: self.primary.clone(),
                budget,
            })
    }

    /// Decrypts `token` if it was sealed for exactly `context`.
    ///
    /// The key is found by the id in the token; a missing key is
    /// [`Error::UnknownKey`], any tampering or context mismatch is
    /// [`Error::DecryptionFailed`].
    pub fn open(&self, token: &SealedToken, context: &TokenContext) -> Result<SecretString, Error> {
        let mut plaintext = self.open_bytes(token, context)?;
        // Move the exact-length buffer into the String (no copy, no reallocation), so the
        // only plaintext copy is the one SecretString wipes on drop.
        match String::from_utf8(std::mem::take(&mut *plaintext)) {
            Ok(text) => Ok(SecretString::from(text)),
            Err(err) => {
                let mut bytes = err.into_bytes();
                bytes.zeroize();
                Err(Error::NotUtf8)
            }
        }
    }

    fn open_bytes(
        &self,
        token: &SealedToken,
        context: &TokenContext,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if token.version() != FORMAT_V1 {
            return Err(Error::UnsupportedVersion(token.version()));
        }
        let slot = self
            .keys
            .get(token.key_id())
            .ok_or_else(|| Error::UnknownKey(token.key_id().clone()))?;
        context.with_aad(token.version(), token.key_id(), |aad| {
            aead_core::open(&slot.cipher, token.nonce(), aad, token.ciphertext())
        })
    }

    /// Whether `token` is sealed under a key other than the primary.
    pub fn needs_rewrap(&self, token: &SealedToken) -> bool {
        *token.key_id() != self.primary
    }

    /// Phase 3: re-seals `token` under the primary key, for the same context.
    ///
    /// Returns `Ok(None)` when the token is already on the primary key (nothing to do),
    /// so a sweep can run again after a crash without extra work. The plaintext never
    /// leaves this function and is wiped before it returns, so the sweep can be
    /// delegated to a job that should not see tokens.
    pub fn rewrap(
        &self,
        token: &SealedToken,
        context: &TokenContext,
    ) -> Result<Option<SealedToken>, Error> {
        if !self.needs_rewrap(token) {
            return Ok(None);
        }
        let plaintext = self.open_bytes(token, context)?;
        self.seal_bytes(&plaintext, context).map(Some)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<_> = self
            .keys
            .iter()
            .map(|(id, slot)| (id.as_str(), slot.encryptions.load(Ordering::Relaxed)))
            .collect();
        f.debug_struct("Keyring")
            .field("primary", &self.primary.as_str())
            .field("keys_and_encryptions", &keys)
            .field("budget", &self.budget)
            .field("material", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::TokenField;

    #[test]
    fn authentic_non_utf8_plaintext_is_a_typed_error() {
        let ring = Keyring::new(
            KeyId::new("k").expect("valid id"),
            KeyMaterial::from_bytes(&[1; 32]),
        );
        let ctx = TokenContext::new("a", "r", TokenField::AccessToken).expect("valid context");
        let sealed = ring.seal_bytes(&[0xff, 0xfe, b'x'], &ctx).expect("seal");
        assert!(matches!(ring.open(&sealed, &ctx), Err(Error::NotUtf8)));
        // Rewrap works on bytes and never needs UTF-8.
        assert_eq!(
            ring.open_bytes(&sealed, &ctx).expect("open").as_slice(),
            &[0xff, 0xfe, b'x']
        );
    }
}
