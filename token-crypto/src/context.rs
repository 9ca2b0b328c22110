//! The associated data that binds a sealed token to its place.

use std::fmt;

use crate::error::Error;
use crate::key_id::KeyId;

/// Domain label used by [`TokenContext::new`] unless [`TokenContext::with_domain`] overrides it.
pub const DEFAULT_DOMAIN: &str = "threads-toolkit/oauth-token";
/// Longest accepted context part, in bytes.
pub const MAX_CONTEXT_PART_LEN: usize = 1024;

/// Which secret of a record a sealed token holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenField {
    /// An OAuth access token (Threads long-lived user tokens are of this kind).
    AccessToken,
    /// An OAuth refresh token.
    RefreshToken,
    /// Any other secret column; the label is host-defined and must not be empty.
    Other(String),
}

impl TokenField {
    /// The label written into the associated data. `Other` labels are prefixed with
    /// `other:` so they can never collide with the built-in ones.
    pub fn label(&self) -> String {
        match self {
            TokenField::AccessToken => "access_token".to_owned(),
            TokenField::RefreshToken => "refresh_token".to_owned(),
            TokenField::Other(label) => format!("other:{label}"),
        }
    }
}

/// Where a sealed token lives: domain label, owning account, record and field.
///
/// All four parts become the AES-GCM associated data, together with the envelope's
/// format version and key id. A ciphertext therefore opens only under exactly the
/// context it was sealed with: copied to another account, another row or from the
/// access-token column to the refresh-token column, it fails with
/// [`Error::DecryptionFailed`].
///
/// Encoding (the bytes authenticated by AES-GCM): each part is written as a 4-byte
/// big-endian length followed by its bytes, in a fixed order: envelope header
/// (version, key-id length, key id), domain, account id, record id, field label.
/// Length prefixes make the split points part of the data, so `("ab", "c")` and
/// `("a", "bc")` give different associated data.
///
/// ```
/// use token_crypto::{TokenContext, TokenField};
/// let ctx = TokenContext::new("acct_42", "threads:1789", TokenField::AccessToken)?;
/// assert_eq!(ctx.account_id(), "acct_42");
/// # Ok::<(), token_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenContext {
    domain: String,
    account_id: String,
    record_id: String,
    field: TokenField,
}

fn check_part(part: &str, what: &'static str) -> Result<(), Error> {
    if part.is_empty() {
        return Err(Error::InvalidContext(what));
    }
    if part.len() > MAX_CONTEXT_PART_LEN {
        return Err(Error::InvalidContext(
            "a context part is longer than 1024 bytes",
        ));
    }
    Ok(())
}

impl TokenContext {
    /// A context in the [`DEFAULT_DOMAIN`]. Every part must be non-empty and at most
    /// [`MAX_CONTEXT_PART_LEN`] bytes.
    pub fn new(
        account_id: impl Into<String>,
        record_id: impl Into<String>,
        field: TokenField,
    ) -> Result<Self, Error> {
        let account_id = account_id.into();
        let record_id = record_id.into();
        check_part(&account_id, "account id is empty")?;
        check_part(&record_id, "record id is empty")?;
        if let TokenField::Other(label) = &field {
            check_part(label, "field label is empty")?;
        }
        Ok(Self {
            domain: DEFAULT_DOMAIN.to_owned(),
            account_id,
            record_id,
            field,
        })
    }

    /// Replaces the domain label (for example to separate two applications sharing a keyring).
    pub fn with_domain(mut self, domain: impl Into<String>) -> Result<Self, Error> {
        let domain = domain.into();
        check_part(&domain, "domain is empty")?;
        self.domain = domain;
        Ok(self)
    }

    /// The domain label.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The owning account's id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The record (row) id.
    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// The field.
    pub fn field(&self) -> &TokenField {
        &self.field
    }

    /// Builds the full associated data for a token with this version and key id and
    /// hands it to `f`. Typical contexts fit a stack buffer, so no allocation happens.
    pub(crate) fn with_aad<R>(&self, version: u8, key_id: &KeyId, f: impl FnOnce(&[u8]) -> R) -> R {
        let kid = key_id.as_str().as_bytes();
        let (label_prefix, label): (&[u8], &[u8]) = match &self.field {
            TokenField::AccessToken => (b"", b"access_token"),
            TokenField::RefreshToken => (b"", b"refresh_token"),
            TokenField::Other(label) => (b"other:", label.as_bytes()),
        };
        let header = [version, kid.len() as u8];
        // (prefix, body) pairs; each pair is one length-framed part.
        let parts: [(&[u8], &[u8]); 5] = [
            (&header, kid),
            (b"", self.domain.as_bytes()),
            (b"", self.account_id.as_bytes()),
            (b"", self.record_id.as_bytes()),
            (label_prefix, label),
        ];
        let total: usize = parts.iter().map(|(p, b)| 4 + p.len() + b.len()).sum();
        let write = |out: &mut [u8]| {
            let mut at = 0;
            for (prefix, body) in parts {
                // Parts are bounded (key id 32 bytes, others MAX_CONTEXT_PART_LEN + 6).
                let len = (prefix.len() + body.len()) as u32;
                out[at..at + 4].copy_from_slice(&len.to_be_bytes());
                at += 4;
                out[at..at + prefix.len()].copy_from_slice(prefix);
                at += prefix.len();
                out[at..at + body.len()].copy_from_slice(body);
                at += body.len();
            }
        };
        const STACK: usize = 320;
        if total <= STACK {
            let mut buf = [0u8; STACK];
            write(&mut buf[..total]);
            f(&buf[..total])
        } else {
            let mut buf = vec![0u8; total];
            write(&mut buf);
            f(&buf)
        }
    }
}

impl fmt::Debug for TokenContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenContext")
            .field("domain", &self.domain)
            .field("account_id", &self.account_id)
            .field("record_id", &self.record_id)
            .field("field", &self.field)
            .finish()
    }
}
