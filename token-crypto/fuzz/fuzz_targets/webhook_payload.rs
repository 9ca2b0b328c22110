//! Webhook delivery handling: the body is signed, verified, then decoded into a generic
//! JSON value and walked the way an event router would (typed event structs live in
//! threads-api, which this crate does not depend on).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use serde_json::Value;
use token_crypto::webhook::{WebhookVerifier, sign};

fn walk(value: &Value, depth: usize) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(|v| walk(v, depth + 1)).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(|v| walk(v, depth + 1)).sum::<usize>(),
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let secret = SecretString::from("fuzz-app-secret");
    let verifier = WebhookVerifier::new(secret.clone()).with_max_body_bytes(64 * 1024);
    let header = sign(&secret, data);
    match verifier.verify_json::<Value, _, _>([header.as_bytes()], data) {
        Ok(value) => {
            let _nodes = walk(&value, 0);
            // The Threads envelope: {"values":{"field":..,"value":{..}}}.
            let field = value.pointer("/values/field").and_then(Value::as_str);
            let _ = (field, value.get("time").and_then(Value::as_i64));
        }
        Err(token_crypto::Error::WebhookPayload(_) | token_crypto::Error::BodyTooLarge { .. }) => {}
        Err(other) => panic!("a correctly signed body failed verification: {other}"),
    }
    // A tampered signature must never verify.
    let mut wrong = header.into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'0' { b'1' } else { b'0' };
    assert!(verifier.verify([wrong.as_slice()], data).is_err());
});
