//! The signed_request parser. Mode byte 0: the raw input as a signed_request (the
//! signature almost never matches, so this explores the structure checks). Otherwise the
//! input is a JSON payload that gets a valid signature, so the decoder behind the MAC
//! check is explored as well.
#![no_main]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use token_crypto::ManualClock;
use token_crypto::signed_request::{SignedRequestVerifier, sign_signed_request};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let clock = Arc::new(ManualClock::new(
        Utc.timestamp_opt(1_291_836_800, 0)
            .single()
            .expect("valid timestamp"),
    ));
    let secret = SecretString::from("fuzz-app-secret");
    let verifier = SignedRequestVerifier::new(secret.clone(), clock);
    if mode == 0 {
        let _ = verifier.verify(&String::from_utf8_lossy(rest));
    } else if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(rest) {
        let signed = sign_signed_request(&secret, &payload);
        if let Ok(req) = verifier.verify(&signed) {
            assert!(req.algorithm.eq_ignore_ascii_case("HMAC-SHA256"));
            assert!(!req.user_id.is_empty());
        }
    }
});
