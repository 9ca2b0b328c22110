//! The answer to Meta's data-deletion callback.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::aead_core;
use crate::error::Error;

/// Length of codes made by [`ConfirmationCode::generate`].
pub const CONFIRMATION_CODE_LEN: usize = 20;
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// An alphanumeric code the user can quote when asking about a deletion request.
///
/// Not a secret: Meta shows it to the user, and the status page URL usually contains it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConfirmationCode(String);

impl ConfirmationCode {
    /// A fresh 20-character code from OS randomness (about 119 bits), drawn without
    /// modulo bias.
    pub fn generate() -> Result<Self, Error> {
        let mut code = String::with_capacity(CONFIRMATION_CODE_LEN);
        let mut pool = [0u8; 64];
        while code.len() < CONFIRMATION_CODE_LEN {
            aead_core::random(&mut pool)?;
            // 248 = 4 * 62: bytes at or above it are dropped so every symbol is equally likely.
            for &b in pool.iter().filter(|&&b| b < 248) {
                if code.len() == CONFIRMATION_CODE_LEN {
                    break;
                }
                code.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
        Ok(Self(code))
    }

    /// Wraps an existing code (1–64 ASCII letters and digits).
    pub fn new(code: impl Into<String>) -> Result<Self, Error> {
        let code = code.into();
        if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::InvalidConfirmationCode);
        }
        Ok(Self(code))
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ConfirmationCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl From<ConfirmationCode> for String {
    fn from(code: ConfirmationCode) -> String {
        code.0
    }
}

/// The JSON body answering a data-deletion callback:
/// `{"url":"<status page>","confirmation_code":"<code>"}` (standard JSON, quoted keys).
///
/// ```
/// use token_crypto::deletion::{ConfirmationCode, DeletionResponse};
/// let code = ConfirmationCode::new("abc123")?;
/// let body = DeletionResponse::new("https://example.com/deletion?id=abc123", code);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"url":"https://example.com/deletion?id=abc123","confirmation_code":"abc123"}"#
/// );
/// # Ok::<(), token_crypto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionResponse {
    /// A page where the user can see the status of the deletion.
    pub url: String,
    /// The code identifying this deletion request.
    pub confirmation_code: ConfirmationCode,
}

impl DeletionResponse {
    /// Builds the response.
    pub fn new(url: impl Into<String>, confirmation_code: ConfirmationCode) -> Self {
        Self {
            url: url.into(),
            confirmation_code,
        }
    }
}
