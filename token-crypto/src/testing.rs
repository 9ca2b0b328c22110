//! Low-level seams for known-answer tests and fuzzing (feature `testing`).
//!
//! These call the very functions the public wrappers use ([`crate::Keyring`] for
//! AES-256-GCM, the webhook, signed_request and OAuth-state verifiers for HMAC), so
//! Wycheproof vectors exercise the production code path. Not for application use:
//! they take raw keys and caller-chosen nonces.

use crate::aead_core;
use crate::error::Error;

/// AES-256-GCM encryption with a caller-chosen 96-bit nonce; returns ciphertext ‖ tag.
pub fn aes256gcm_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    aead_core::seal(&aead_core::cipher(key), nonce, aad, plaintext)
}

/// AES-256-GCM decryption of ciphertext ‖ tag.
pub fn aes256gcm_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Vec<u8>, Error> {
    aead_core::open(&aead_core::cipher(key), nonce, aad, ciphertext_and_tag).map(|p| p.to_vec())
}

/// The HMAC-SHA256 check used by every verifier in the crate. Only a full 32-byte tag
/// can verify.
pub fn hmac_sha256_verify(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    crate::mac_core::verify(key, &[message], tag)
}
