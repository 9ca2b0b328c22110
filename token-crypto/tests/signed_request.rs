//! signed_request verification and the deletion response: the signature is checked before
//! the payload is decoded, only HMAC-SHA256 is accepted, `issued_at` must fall inside the
//! allowed window, and the deletion response is the `{"url", "confirmation_code"}` JSON
//! Meta expects.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use secrecy::SecretString;
use serde_json::json;
use token_crypto::deletion::{ConfirmationCode, DeletionResponse};
use token_crypto::signed_request::{SignedRequestVerifier, sign_signed_request};
use token_crypto::{Error, ManualClock};

const SECRET: &str = "d4b3c1e5f6a7980112233445566778899";
/// Built independently with Python's `hmac`/`base64` from Meta's documented example payload
/// `{"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"}`.
const KNOWN_GOOD: &str = "tnGpRBPChwpkJ5ZPNuzTdixf6lMONOZ58L0_qd9Eg7s.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjEyOTE4NDA0MDAsImlzc3VlZF9hdCI6MTI5MTgzNjgwMCwidXNlcl9pZCI6IjIxODQ3MSJ9";
const ISSUED_AT: i64 = 1_291_836_800;

fn clock_at(ts: i64) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.timestamp_opt(ts, 0).unwrap()))
}

fn verifier_at(ts: i64) -> SignedRequestVerifier {
    SignedRequestVerifier::new(SecretString::from(SECRET), clock_at(ts))
}

fn signed(payload: serde_json::Value) -> String {
    sign_signed_request(&SecretString::from(SECRET), &payload)
}

#[test]
fn known_good_vector_verifies() {
    let req = verifier_at(ISSUED_AT + 60).verify(KNOWN_GOOD).unwrap();
    assert_eq!(req.algorithm, "HMAC-SHA256");
    assert_eq!(req.user_id, "218471");
    assert_eq!(req.issued_at.timestamp(), ISSUED_AT);
    assert_eq!(req.expires.map(|e| e.timestamp()), Some(1_291_840_400));
    assert!(req.extra.is_empty());
    // Our signer agrees with the independent one.
    let ours = signed(
        json!({"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"}),
    );
    assert_eq!(ours, KNOWN_GOOD);
}

#[test]
fn padding_on_either_segment_is_tolerated() {
    let v = verifier_at(ISSUED_AT);
    let (sig, payload) = KNOWN_GOOD.split_once('.').unwrap();
    // 32-byte signature: 43 chars unpadded, one '=' when padded.
    assert!(v.verify(&format!("{sig}=.{payload}")).is_ok());
    // The payload segment is signed as sent, so a padded payload needs its own signature.
    let mut pads = Vec::new();
    for user in ["1", "12", "123", "1234"] {
        let plain = signed(json!({"algorithm":"HMAC-SHA256","user_id":user,"issued_at":ISSUED_AT}));
        let payload = plain.split_once('.').unwrap().1;
        let pad = (4 - payload.len() % 4) % 4;
        let padded_payload = format!("{payload}{}", "=".repeat(pad));
        let padded = format!("{}.{padded_payload}", token_crypto_sig(&padded_payload));
        assert_eq!(v.verify(&padded).unwrap().user_id, user, "padding {pad}");
        pads.push(pad);
    }
    assert!(pads.contains(&1) && pads.contains(&2), "{pads:?}");
}

/// base64url(HMAC(secret, segment)) via the crate's own signer on a fake payload value.
fn token_crypto_sig(segment: &str) -> String {
    use hmac_free::*;
    sig_of(SECRET.as_bytes(), segment.as_bytes())
}

/// A tiny independent HMAC-SHA256 (sha2 from the dependency tree is not a dev-dependency
/// here, so reuse the webhook signer, which is HMAC-SHA256 with lower-case hex).
mod hmac_free {
    use secrecy::SecretString;
    pub(crate) fn sig_of(key: &[u8], msg: &[u8]) -> String {
        let header = token_crypto::webhook::sign(
            &SecretString::from(std::str::from_utf8(key).expect("test fixture")),
            msg,
        );
        let raw = hex::decode(&header[7..]).expect("test fixture");
        url_b64(&raw)
    }
    fn url_b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}

#[test]
fn structure_errors_are_typed() {
    let v = verifier_at(ISSUED_AT);
    let (sig, payload) = KNOWN_GOOD.split_once('.').unwrap();
    for bad in [
        String::new(),
        sig.to_owned(),
        format!("{KNOWN_GOOD}.extra"),
        format!(".{payload}"),
        format!("{sig}."),
        format!("{sig}!.{payload}"),
        format!("{}.{payload}", &sig[..20]),
        "a".repeat(16 * 1024 + 1),
    ] {
        assert!(
            matches!(v.verify(&bad), Err(Error::SignedRequestFormat(_))),
            "{:?}",
            &bad[..bad.len().min(40)]
        );
    }
}

#[test]
fn signature_is_checked_before_the_payload_is_decoded() {
    let v = verifier_at(ISSUED_AT);
    let (sig, payload) = KNOWN_GOOD.split_once('.').unwrap();
    // Wrong secret.
    let other = SignedRequestVerifier::new(SecretString::from("other"), clock_at(ISSUED_AT));
    assert!(matches!(
        other.verify(KNOWN_GOOD),
        Err(Error::SignedRequestSignature)
    ));
    // Tampered payload (still valid base64url).
    let mut p = payload.to_owned().into_bytes();
    p[5] = if p[5] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{sig}.{}", String::from_utf8(p).unwrap());
    assert!(matches!(
        v.verify(&tampered),
        Err(Error::SignedRequestSignature)
    ));
    // A payload that is not base64 at all, with a bogus signature: rejected as a
    // signature failure, proving nothing was decoded first.
    assert!(matches!(
        v.verify(&format!("{sig}.%%%not-base64%%%")),
        Err(Error::SignedRequestSignature)
    ));
    // The same undecodable payload, correctly signed, reaches the decoder.
    let seg = "%%%not-base64%%%";
    let good_sig = token_crypto_sig(seg);
    assert!(matches!(
        v.verify(&format!("{good_sig}.{seg}")),
        Err(Error::SignedRequestFormat(_))
    ));
    // Correctly signed but not JSON.
    let seg = "bm90IGpzb24"; // "not json"
    assert!(matches!(
        v.verify(&format!("{}.{seg}", token_crypto_sig(seg))),
        Err(Error::SignedRequestPayload(_))
    ));
}

#[test]
fn algorithm_must_be_present_and_hmac_sha256() {
    let v = verifier_at(ISSUED_AT);
    let missing = signed(json!({"user_id":"1","issued_at":ISSUED_AT}));
    assert!(matches!(
        v.verify(&missing),
        Err(Error::SignedRequestAlgorithmMissing)
    ));
    let null = signed(json!({"algorithm":null,"user_id":"1","issued_at":ISSUED_AT}));
    assert!(matches!(
        v.verify(&null),
        Err(Error::SignedRequestAlgorithmMissing)
    ));
    for alg in [json!("HMAC-SHA1"), json!("none"), json!(""), json!(256)] {
        let req = signed(json!({"algorithm":alg,"user_id":"1","issued_at":ISSUED_AT}));
        assert!(
            matches!(v.verify(&req), Err(Error::SignedRequestAlgorithm)),
            "{alg}"
        );
    }
    // Meta's own sample upper-cases before comparing.
    let lower = signed(json!({"algorithm":"hmac-sha256","user_id":"1","issued_at":ISSUED_AT}));
    assert!(v.verify(&lower).is_ok());
}

#[test]
fn issued_at_must_fall_inside_the_window() {
    let req = signed(json!({"algorithm":"HMAC-SHA256","user_id":"1","issued_at":ISSUED_AT}));
    let clock = clock_at(ISSUED_AT);
    let v = SignedRequestVerifier::new(SecretString::from(SECRET), clock.clone())
        .with_window(TimeDelta::minutes(10), TimeDelta::minutes(1));
    assert!(v.verify(&req).is_ok());
    clock.advance(TimeDelta::minutes(10));
    assert!(v.verify(&req).is_ok(), "exactly max_age old is accepted");
    clock.advance(TimeDelta::seconds(1));
    assert!(matches!(v.verify(&req), Err(Error::SignedRequestTooOld)));
    clock.set(Utc.timestamp_opt(ISSUED_AT - 60, 0).unwrap());
    assert!(v.verify(&req).is_ok(), "exactly max_skew ahead is accepted");
    clock.advance(TimeDelta::seconds(-1));
    assert!(matches!(
        v.verify(&req),
        Err(Error::SignedRequestFromFuture)
    ));
    // Default window: one hour old.
    assert!(matches!(
        verifier_at(ISSUED_AT + 3601).verify(&req),
        Err(Error::SignedRequestTooOld)
    ));
}

#[test]
fn payload_fields_are_typed_and_unknown_fields_kept() {
    let v = verifier_at(ISSUED_AT);
    let numeric = signed(
        json!({"algorithm":"HMAC-SHA256","user_id":17841400000000001u64,"issued_at":ISSUED_AT,"profile_id":"x","nested":{"a":1}}),
    );
    let req = v.verify(&numeric).unwrap();
    assert_eq!(req.user_id, "17841400000000001");
    assert_eq!(req.expires, None);
    assert_eq!(req.extra["profile_id"], "x");
    assert_eq!(req.extra["nested"]["a"], 1);
    for bad in [
        json!({"algorithm":"HMAC-SHA256","issued_at":ISSUED_AT}),
        json!({"algorithm":"HMAC-SHA256","user_id":"","issued_at":ISSUED_AT}),
        json!({"algorithm":"HMAC-SHA256","user_id":1.5,"issued_at":ISSUED_AT}),
        json!({"algorithm":"HMAC-SHA256","user_id":"1"}),
        json!({"algorithm":"HMAC-SHA256","user_id":"1","issued_at":"soon"}),
        json!(["HMAC-SHA256"]),
    ] {
        let e = v.verify(&signed(bad.clone())).unwrap_err();
        assert!(
            matches!(
                e,
                Error::SignedRequestPayload(_) | Error::SignedRequestAlgorithmMissing
            ),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn previous_secret_verifies_during_rotation() {
    let v = SignedRequestVerifier::with_secrets(
        [SecretString::from("new"), SecretString::from(SECRET)],
        clock_at(ISSUED_AT),
    )
    .unwrap();
    assert!(v.verify(KNOWN_GOOD).is_ok());
    assert!(matches!(
        SignedRequestVerifier::with_secrets([], clock_at(0)),
        Err(Error::NoSecrets)
    ));
}

#[test]
fn deletion_response_is_standard_json() {
    let code = ConfirmationCode::new("abc123").unwrap();
    let body = DeletionResponse::new("https://example.com/deletion?id=abc123", code);
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"url":"https://example.com/deletion?id=abc123","confirmation_code":"abc123"}"#
    );
    let back: DeletionResponse =
        serde_json::from_str(&serde_json::to_string(&body).unwrap()).unwrap();
    assert_eq!(back, body);
    assert!(
        serde_json::from_str::<DeletionResponse>(r#"{"url":"u","confirmation_code":"a-b"}"#)
            .is_err()
    );
    for bad in ["", "a b", "abc-123", "é", &"a".repeat(65)] {
        assert!(
            matches!(
                ConfirmationCode::new(bad),
                Err(Error::InvalidConfirmationCode)
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn generated_confirmation_codes_are_alphanumeric_and_unique() {
    let mut seen = HashSet::new();
    let mut classes = [false; 3];
    for _ in 0..2000 {
        let code = ConfirmationCode::generate().unwrap();
        assert_eq!(code.as_str().len(), 20);
        assert!(code.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
        for b in code.as_str().bytes() {
            classes[usize::from(b.is_ascii_lowercase()) + 2 * usize::from(b.is_ascii_digit())] =
                true;
        }
        assert!(seen.insert(code.to_string()));
    }
    assert_eq!(classes, [true; 3], "upper, lower and digits all appear");
}

#[test]
fn windows_wider_than_the_calendar_do_not_overflow() {
    let req = signed(json!({"algorithm":"HMAC-SHA256","user_id":"1","issued_at":ISSUED_AT}));
    let v = verifier_at(ISSUED_AT + 86_400 * 365).with_window(TimeDelta::MAX, TimeDelta::MAX);
    assert!(v.verify(&req).is_ok());
    let clock = clock_at(0);
    clock.advance(TimeDelta::MAX);
    assert_eq!(
        token_crypto::Clock::now(&*clock),
        chrono::DateTime::<Utc>::MAX_UTC
    );
    clock.advance(TimeDelta::MIN);
    clock.advance(TimeDelta::MIN);
    assert_eq!(
        token_crypto::Clock::now(&*clock),
        chrono::DateTime::<Utc>::MIN_UTC
    );
}
