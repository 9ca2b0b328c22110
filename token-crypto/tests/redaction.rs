//! No key, token, app secret or verify token appears in `Debug` or `Display` output or in
//! an error message; one test per secret-bearing type.

mod common;

use std::sync::Arc;

use common::assert_no_secret_substring;
use secrecy::{ExposeSecret, SecretString};
use token_crypto::oauth_state::OAuthStateSigner;
use token_crypto::signed_request::SignedRequestVerifier;
use token_crypto::webhook::{HandshakeQuery, SubscriptionHandshake, WebhookVerifier};
use token_crypto::{KeyId, KeyMaterial, Keyring, SystemClock, TokenContext, TokenField};

/// Fixed key bytes whose hex and base64 forms are checked against the output.
const KEY: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = 0x80 + 3 * i as u8;
        i += 1;
    }
    k
};
// Secrets carry punctuation that neither base64 ciphertext nor labels contain, so a
// 4-character match can only be a real leak.
const APP_SECRET: &str = "s3~r3t!APP#vaLu3~9f";
const OLD_SECRET: &str = "0ld~Pr3v!ous~K3y";
const VERIFY_TOKEN: &str = "vT~9!xQ#2z~Wq";
const TOKEN: &str = "T~HQ!WJ#YZ~ac!c9~Pl#n";

fn assert_redacted(output: &str, secrets: &[&str]) {
    assert!(
        output.contains("REDACTED"),
        "no redaction marker in {output:?}"
    );
    for secret in secrets {
        assert_no_secret_substring(output, secret);
    }
}

fn key_forms() -> [String; 3] {
    let material = KeyMaterial::from_bytes(&KEY);
    [
        hex::encode(KEY),
        hex::encode_upper(KEY),
        material.to_base64().expose_secret().to_owned(),
    ]
}

#[test]
fn key_material_debug_is_redacted() {
    let out = format!("{:?}", KeyMaterial::from_bytes(&KEY));
    let forms = key_forms();
    assert_redacted(&out, &[&forms[0], &forms[1], &forms[2]]);
}

#[test]
fn keyring_debug_is_redacted() {
    let ring = Keyring::new(KeyId::new("k1").unwrap(), KeyMaterial::from_bytes(&KEY));
    let out = format!("{ring:?}");
    let forms = key_forms();
    assert_redacted(&out, &[&forms[0], &forms[1], &forms[2]]);
    assert!(out.contains("k1"));
}

#[test]
fn opened_token_debug_is_redacted() {
    let ring = Keyring::new(KeyId::new("k1").unwrap(), KeyMaterial::from_bytes(&KEY));
    let ctx = TokenContext::new("a", "r", TokenField::AccessToken).unwrap();
    let sealed = ring.seal(&SecretString::from(TOKEN), &ctx).unwrap();
    let opened = ring.open(&sealed, &ctx).unwrap();
    assert_redacted(&format!("{opened:?}"), &[TOKEN]);
    // The sealed form (Debug and Display) holds no plaintext either.
    assert_no_secret_substring(&format!("{sealed:?} {sealed}"), TOKEN);
}

#[test]
fn webhook_verifier_debug_is_redacted() {
    let v = WebhookVerifier::with_secrets([
        SecretString::from(APP_SECRET),
        SecretString::from(OLD_SECRET),
    ])
    .unwrap();
    assert_redacted(&format!("{v:?}"), &[APP_SECRET, OLD_SECRET]);
}

#[test]
fn subscription_handshake_and_query_debug_are_redacted() {
    let h = SubscriptionHandshake::new(SecretString::from(VERIFY_TOKEN));
    assert_redacted(&format!("{h:?}"), &[VERIFY_TOKEN]);
    let q = HandshakeQuery {
        mode: Some("subscribe".into()),
        verify_token: Some(SecretString::from(VERIFY_TOKEN)),
        challenge: Some("1".into()),
    };
    assert_redacted(&format!("{q:?}"), &[VERIFY_TOKEN]);
}

#[test]
fn signed_request_verifier_debug_is_redacted() {
    let v = SignedRequestVerifier::new(SecretString::from(APP_SECRET), Arc::new(SystemClock));
    assert_redacted(&format!("{v:?}"), &[APP_SECRET]);
}

#[test]
fn oauth_state_signer_debug_is_redacted() {
    let s = OAuthStateSigner::new(KeyMaterial::from_bytes(&KEY), Arc::new(SystemClock));
    let forms = key_forms();
    assert_redacted(&format!("{s:?}"), &[&forms[0], &forms[1], &forms[2]]);
}

#[test]
fn errors_never_carry_secrets() {
    // Key-spec errors with a malformed secret-looking entry.
    let spec = format!("*k1:{APP_SECRET}");
    let err = Keyring::from_spec(&spec).unwrap_err();
    assert_no_secret_substring(&format!("{err} {err:?}"), APP_SECRET);
    let err = KeyMaterial::from_base64(APP_SECRET).unwrap_err();
    assert_no_secret_substring(&format!("{err} {err:?}"), APP_SECRET);
}
