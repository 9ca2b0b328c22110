//! The one place AES-256-GCM is called. The keyring and the known-answer tests share it.

use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::sealed::{NONCE_LEN, TAG_LEN};

/// Builds a cipher from a 32-byte key.
pub(crate) fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(&(*key).into())
}

/// Encrypts `plaintext` under `nonce` and `aad`, returning ciphertext ‖ tag.
///
/// The plaintext is copied once into a buffer sized for the tag, then encrypted in
/// place, so no extra plaintext copy is left behind by a reallocation.
pub(crate) fn seal(
    cipher: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buf.extend_from_slice(plaintext);
    cipher
        .encrypt_in_place(&Nonce::from(*nonce), aad, &mut buf)
        .map_err(|_| Error::MalformedToken("plaintext too long for AES-GCM"))?;
    Ok(buf)
}

/// Decrypts ciphertext ‖ tag straight into a buffer of exactly the plaintext's length
/// (so turning it into a `String` later needs no reallocation); the buffer is wiped on
/// drop. AES-GCM checks the tag before producing any plaintext.
pub(crate) fn open(
    cipher: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let body_len = ciphertext
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(Error::DecryptionFailed)?;
    let (body, tag) = ciphertext.split_at(body_len);
    let tag = Tag::try_from(tag).map_err(|_| Error::DecryptionFailed)?;
    let mut out = Zeroizing::new(vec![0u8; body_len]);
    let buffer = InOutBuf::new(body, out.as_mut_slice()).map_err(|_| Error::DecryptionFailed)?;
    cipher
        .decrypt_inout_detached(&Nonce::from(*nonce), aad, buffer, &tag)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(out)
}

/// Fills `out` from the operating system's random number generator.
pub(crate) fn random(out: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(out).map_err(Error::Randomness)
}
