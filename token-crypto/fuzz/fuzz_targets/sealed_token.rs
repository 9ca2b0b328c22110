//! The sealed-token decoder: binary and string forms, then open under a fixed key.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use token_crypto::{KeyId, KeyMaterial, Keyring, SealedToken, TokenContext, TokenField};

fn fixture() -> &'static (Keyring, TokenContext) {
    static FIXTURE: OnceLock<(Keyring, TokenContext)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut ring = Keyring::new(
            KeyId::new("k1").expect("valid id"),
            KeyMaterial::from_bytes(&[0x42; 32]),
        );
        // A second key so ids other than the primary resolve too.
        ring.add_decrypt_only(
            KeyId::new("A").expect("valid id"),
            KeyMaterial::from_bytes(&[7; 32]),
        )
        .expect("new id");
        let ctx = TokenContext::new("acct", "row", TokenField::AccessToken).expect("valid context");
        (ring, ctx)
    })
}

fuzz_target!(|data: &[u8]| {
    let (ring, ctx) = fixture();

    if let Ok(token) = SealedToken::from_bytes(data) {
        // Structure round-trips exactly.
        assert_eq!(token.to_bytes(), data);
        let text = token.to_string();
        assert_eq!(
            text.parse::<SealedToken>().expect("own output parses"),
            token
        );
        // Random bytes never authenticate.
        assert!(ring.open(&token, ctx).is_err());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = text.parse::<SealedToken>() {
            assert_eq!(token.to_string(), text, "string form is canonical");
            assert!(ring.open(&token, ctx).is_err());
        }
    }
});
