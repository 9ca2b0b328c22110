//! 256-bit key material.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::aead_core;
use crate::error::Error;

/// Length of a key in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// A 256-bit secret key, kept on the heap and wiped when dropped.
///
/// `Debug` prints `KeyMaterial([REDACTED])`; there is no `Display` and no `Serialize`.
pub struct KeyMaterial(SecretBox<[u8; KEY_LEN]>);

impl KeyMaterial {
    /// Draws a fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, Error> {
        let mut result = Ok(());
        let key = SecretBox::init_with_mut(|k: &mut [u8; KEY_LEN]| {
            result = aead_core::random(k);
        });
        result.map(|()| Self(key))
    }

    /// Wraps raw bytes. The caller's array is a copy the caller should wipe.
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        Self(SecretBox::init_with_mut(|k: &mut [u8; KEY_LEN]| {
            k.copy_from_slice(bytes)
        }))
    }

    /// Decodes 32 bytes from base64: standard or URL-safe alphabet, padded or not.
    pub fn from_base64(encoded: &str) -> Result<Self, Error> {
        let encoded = encoded.trim();
        let decoded = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(encoded).ok().map(Zeroizing::new))
            .ok_or(Error::InvalidKeyMaterial("not valid base64"))?;
        let bytes: &[u8; KEY_LEN] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidKeyMaterial("a key must decode to exactly 32 bytes"))?;
        Ok(Self::from_bytes(bytes))
    }

    /// Encodes the key as padded standard base64, the form used in key files.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.0.expose_secret()))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial([REDACTED])")
    }
}
