//! Key identifiers.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Longest accepted key id, in bytes.
pub const MAX_KEY_ID_LEN: usize = 32;

/// The name of a key in a [`crate::Keyring`], stored in the clear inside every sealed token.
///
/// 1 to 32 characters from `[A-Za-z0-9_-]`, for example `2026-01` or `k7`. Key ids are
/// not secret. Ordering is lexicographic.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(Arc<str>);

impl KeyId {
    /// Validates and wraps a key id.
    ///
    /// ```
    /// use token_crypto::KeyId;
    /// assert!(KeyId::new("2026-01").is_ok());
    /// assert!(KeyId::new("has space").is_err());
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        validate(id.as_bytes())?;
        Ok(Self(id.into()))
    }

    /// Parses a key id from raw bytes (as found inside a sealed token).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        validate(bytes)?;
        // validate() admits only ASCII, so this is valid UTF-8.
        let id: String = bytes.iter().map(|&b| char::from(b)).collect();
        Ok(Self(id.into()))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn validate(bytes: &[u8]) -> Result<(), Error> {
    if bytes.is_empty() {
        return Err(Error::InvalidKeyId("empty"));
    }
    if bytes.len() > MAX_KEY_ID_LEN {
        return Err(Error::InvalidKeyId("longer than 32 characters"));
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    {
        return Err(Error::InvalidKeyId(
            "only A-Z, a-z, 0-9, '-' and '_' are allowed",
        ));
    }
    Ok(())
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:?})", self.0)
    }
}

impl FromStr for KeyId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl AsRef<str> for KeyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        KeyId::new(s).map_err(serde::de::Error::custom)
    }
}
