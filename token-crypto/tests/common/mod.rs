//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use token_crypto::{KeyId, KeyMaterial, Keyring, TokenContext, TokenField};

pub(crate) fn key(byte: u8) -> KeyMaterial {
    KeyMaterial::from_bytes(&[byte; 32])
}

pub(crate) fn kid(id: &str) -> KeyId {
    KeyId::new(id).expect("test fixture")
}

pub(crate) fn keyring() -> Keyring {
    Keyring::new(kid("k1"), key(0x11))
}

pub(crate) fn ctx(account: &str, record: &str, field: TokenField) -> TokenContext {
    TokenContext::new(account, record, field).expect("test fixture")
}

pub(crate) fn access(account: &str) -> TokenContext {
    ctx(account, &format!("row-{account}"), TokenField::AccessToken)
}

/// Fails if `haystack` contains any substring of `secret` of length >= 4.
pub(crate) fn assert_no_secret_substring(haystack: &str, secret: &str) {
    let s = secret.as_bytes();
    for len in 4..=s.len() {
        for window in s.windows(len) {
            let w = String::from_utf8_lossy(window);
            assert!(
                !haystack.contains(w.as_ref()),
                "output {haystack:?} leaks a {len}-char piece of the secret"
            );
        }
    }
}
