//! The stored form of an encrypted token.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;
use crate::key_id::{KeyId, MAX_KEY_ID_LEN};

/// The envelope format version written by this build.
pub const FORMAT_V1: u8 = 1;
/// Length of the random AES-GCM nonce in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// Length of the AES-GCM authentication tag in bytes (128 bits).
pub const TAG_LEN: usize = 16;
/// Longest secret [`crate::Keyring::seal`] accepts, in bytes.
pub const MAX_SECRET_LEN: usize = 8 * 1024;
/// Longest binary envelope accepted by [`SealedToken::from_bytes`].
pub const MAX_SEALED_LEN: usize = 2 + MAX_KEY_ID_LEN + NONCE_LEN + MAX_SECRET_LEN + TAG_LEN;
/// Longest string form accepted by [`SealedToken::from_str`](std::str::FromStr).
pub const MAX_SEALED_STR_LEN: usize = MAX_SEALED_LEN.div_ceil(3) * 4;

/// An encrypted token as it is stored: self-describing and safe to keep in a database.
///
/// Binary layout (format version 1):
///
/// | bytes | content |
/// |---|---|
/// | 1 | format version (`1`) |
/// | 1 | key id length *n* (1–32) |
/// | *n* | key id, ASCII |
/// | 12 | random nonce |
/// | rest | AES-256-GCM ciphertext followed by the 16-byte tag |
///
/// The string form ([`Display`](fmt::Display), [`FromStr`], serde) is that binary
/// layout in base64url without padding: one compact string with no separators.
/// The version byte and key id are authenticated: they are part of the associated data,
/// so altering either makes [`crate::Keyring::open`] fail.
///
/// A `SealedToken` holds only ciphertext, so it may be logged; its `Debug` shows the
/// version, key id and length only.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedToken {
    version: u8,
    key_id: KeyId,
    nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    ciphertext: Vec<u8>,
}

impl SealedToken {
    pub(crate) fn new(key_id: KeyId, nonce: [u8; NONCE_LEN], ciphertext: Vec<u8>) -> Self {
        Self {
            version: FORMAT_V1,
            key_id,
            nonce,
            ciphertext,
        }
    }

    /// The id of the key that sealed this token (the store indexes on it to drive rotation).
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The envelope format version.
    pub fn version(&self) -> u8 {
        self.version
    }

    pub(crate) fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    pub(crate) fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The binary envelope (see the type docs for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let kid = self.key_id.as_str().as_bytes();
        let mut out = Vec::with_capacity(2 + kid.len() + NONCE_LEN + self.ciphertext.len());
        out.push(self.version);
        // KeyId guarantees 1..=32 bytes, so the length fits in one byte.
        out.push(kid.len() as u8);
        out.extend_from_slice(kid);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses a binary envelope. Checks the structure only; authenticity is checked by
    /// [`crate::Keyring::open`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let (&version, rest) = bytes.split_first().ok_or(Error::MalformedToken("empty"))?;
        if version != FORMAT_V1 {
            return Err(Error::UnsupportedVersion(version));
        }
        if bytes.len() > MAX_SEALED_LEN {
            return Err(Error::MalformedToken("too long"));
        }
        let (&kid_len, rest) = rest
            .split_first()
            .ok_or(Error::MalformedToken("truncated before the key id"))?;
        let kid_len = usize::from(kid_len);
        if kid_len == 0 || kid_len > MAX_KEY_ID_LEN {
            return Err(Error::MalformedToken("key id length out of range"));
        }
        if rest.len() < kid_len + NONCE_LEN + TAG_LEN {
            return Err(Error::MalformedToken("truncated"));
        }
        let (kid, rest) = rest.split_at(kid_len);
        let key_id = KeyId::from_bytes(kid).map_err(|_| Error::MalformedToken("invalid key id"))?;
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let mut nonce_arr = [0u8; NONCE_LEN];
        nonce_arr.copy_from_slice(nonce);
        Ok(Self {
            version,
            key_id,
            nonce: nonce_arr,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

impl fmt::Display for SealedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedToken")
            .field("version", &self.version)
            .field("key_id", &self.key_id.as_str())
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

impl FromStr for SealedToken {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        if s.is_empty() {
            return Err(Error::MalformedToken("empty"));
        }
        if s.len() > MAX_SEALED_STR_LEN {
            return Err(Error::MalformedToken("too long"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| Error::MalformedToken("not unpadded base64url"))?;
        Self::from_bytes(&bytes)
    }
}

impl Serialize for SealedToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SealedToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SealedToken;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sealed token in base64url")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SealedToken, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}
