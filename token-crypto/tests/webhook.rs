//! X-Hub-Signature-256 verification and the subscription handshake: any change to the
//! body or secret fails, each malformed header gets its own error, the body cap applies
//! before hashing, JSON is decoded only after the signature checks out, and the handshake
//! echoes the challenge only for the right verify token.

use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::SecretString;
use serde::Deserialize;
use token_crypto::webhook::{
    HandshakeQuery, SubscriptionHandshake, WebhookVerifier, parse_signature_header, sign,
};
use token_crypto::{Error, SignatureHeaderError as H};

const SECRET: &str = "webhook-app-secret";
/// Raw bytes with an escaped code point, a literal emoji and an ANSI escape; the
/// expected digest was computed independently with Python's `hmac` module.
const BODY: &[u8] = b"{\"app_id\":\"123456\",\"topic\":\"moderate\",\"values\":{\"field\":\"replies\",\"value\":{\"text\":\"caf\\u00e9 \xf0\x9f\x91\x8b \x1b[31m\"}}}";
const BODY_SIG: &str = "sha256=c574c8893d9e63f482a04a794bd532320530350bad13e6969eb4795deeb4aef3";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SecretString::from(SECRET))
}

fn header_err(values: &[&str]) -> H {
    match verifier().verify(values.iter().map(|v| v.as_bytes()), BODY) {
        Err(Error::SignatureHeader(h)) => h,
        other => panic!("expected a header error for {values:?}, got {other:?}"),
    }
}

#[test]
fn known_digest_over_raw_bytes_verifies() {
    assert_eq!(sign(&SecretString::from(SECRET), BODY), BODY_SIG);
    let ok = verifier().verify([BODY_SIG], BODY).unwrap();
    assert_eq!(ok.secret_index(), 0);
    // Upper-case hex and surrounding whitespace (as some proxies forward it) still verify.
    let upper = format!("  sha256={} ", BODY_SIG[7..].to_uppercase());
    assert!(verifier().verify([upper.as_bytes()], BODY).is_ok());
}

#[test]
fn any_change_to_the_body_or_secret_fails() {
    // Re-serialising the JSON (the classic bug) changes the bytes and fails.
    let reserialised = serde_json::to_vec(&serde_json::json!({"app_id": "123456"})).unwrap();
    assert!(matches!(
        verifier().verify([BODY_SIG], &reserialised),
        Err(Error::SignatureMismatch)
    ));
    let mut body = BODY.to_vec();
    body[10] ^= 1;
    assert!(matches!(
        verifier().verify([BODY_SIG], &body),
        Err(Error::SignatureMismatch)
    ));
    let other = WebhookVerifier::new(SecretString::from("another-secret"));
    assert!(matches!(
        other.verify([BODY_SIG], BODY),
        Err(Error::SignatureMismatch)
    ));
    // A digest with one changed hex digit fails.
    let wrong = format!("{}0", &BODY_SIG[..BODY_SIG.len() - 1]);
    assert!(matches!(
        verifier().verify([wrong.as_str()], BODY),
        Err(Error::SignatureMismatch)
    ));
}

#[test]
fn each_malformed_header_gets_its_own_error() {
    let digest = &BODY_SIG[7..];
    assert_eq!(header_err(&[]), H::Missing);
    assert_eq!(header_err(&[""]), H::Empty);
    assert_eq!(header_err(&["   "]), H::Empty);
    assert_eq!(header_err(&[BODY_SIG, BODY_SIG]), H::Duplicated);
    assert_eq!(header_err(&["sha256="]), H::EmptyDigest);
    assert_eq!(
        header_err(&["sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"]),
        H::Sha1Only
    );
    assert_eq!(header_err(&[digest]), H::WrongPrefix);
    assert_eq!(header_err(&[&format!("sha512={digest}")]), H::WrongPrefix);
    assert_eq!(header_err(&[&format!("sha256:{digest}")]), H::WrongPrefix);
    assert_eq!(
        header_err(&[&format!("sha256={}zz", &digest[..62])]),
        H::BadHex
    );
    assert_eq!(header_err(&[&format!("sha256= {digest}")]), H::BadHex);
    assert_eq!(
        header_err(&[&BODY_SIG[..BODY_SIG.len() - 1]]),
        H::TooShort { hex_len: 63 }
    );
    // A correct tag truncated to 16 bytes (32 hex digits) is refused.
    assert_eq!(
        header_err(&[&BODY_SIG[..7 + 32]]),
        H::TooShort { hex_len: 32 }
    );
    assert_eq!(
        header_err(&[&format!("{BODY_SIG}00")]),
        H::TooLong { hex_len: 66 }
    );
    // Every strict prefix of a valid header is refused with a header error.
    for n in 0..BODY_SIG.len() {
        let _ = header_err(&[&BODY_SIG[..n]]);
    }
}

#[test]
fn parse_signature_header_returns_the_digest() {
    let digest = parse_signature_header([BODY_SIG]).unwrap();
    assert_eq!(hex::encode(digest), &BODY_SIG[7..]);
}

#[test]
fn old_and_new_secrets_both_verify_during_rotation() {
    let v = WebhookVerifier::with_secrets([
        SecretString::from("new-secret"),
        SecretString::from(SECRET),
    ])
    .unwrap();
    assert_eq!(v.verify([BODY_SIG], BODY).unwrap().secret_index(), 1);
    let new_sig = sign(&SecretString::from("new-secret"), BODY);
    assert_eq!(v.verify([new_sig], BODY).unwrap().secret_index(), 0);
    assert!(matches!(
        WebhookVerifier::with_secrets([]),
        Err(Error::NoSecrets)
    ));
}

#[test]
fn body_cap_applies_before_hashing() {
    let v = verifier().with_max_body_bytes(16);
    assert_eq!(v.max_body_bytes(), 16);
    let ok_body = [b'a'; 16];
    assert!(
        v.verify([sign(&SecretString::from(SECRET), &ok_body)], &ok_body)
            .is_ok()
    );
    let big = [b'a'; 17];
    // Even a missing header is not looked at: the size check comes first.
    assert!(matches!(
        v.verify(std::iter::empty::<&[u8]>(), &big),
        Err(Error::BodyTooLarge { len: 17, limit: 16 })
    ));
    let default = verifier();
    assert_eq!(default.max_body_bytes(), 1024 * 1024);
    let huge = vec![b' '; 1024 * 1024 + 1];
    let sig = sign(&SecretString::from(SECRET), &huge);
    assert!(matches!(
        default.verify([sig], &huge),
        Err(Error::BodyTooLarge { .. })
    ));
}

static DECODES: AtomicUsize = AtomicUsize::new(0);

/// Counts how often the JSON decoder is reached.
#[derive(Debug)]
struct Counted;

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DECODES.fetch_add(1, Ordering::SeqCst);
        serde::de::IgnoredAny::deserialize(d).map(|_| Counted)
    }
}

#[test]
fn json_is_decoded_only_after_the_signature_verifies() {
    let body = br#"{"field":"replies","value":{"id":"1"}}"#;
    let good = sign(&SecretString::from(SECRET), body);
    let bad = sign(&SecretString::from("wrong"), body);
    assert!(matches!(
        verifier().verify_json::<Counted, _, _>([bad], body),
        Err(Error::SignatureMismatch)
    ));
    assert_eq!(
        DECODES.load(Ordering::SeqCst),
        0,
        "decoder reached before verification"
    );
    verifier()
        .verify_json::<Counted, _, _>([good.clone()], body)
        .unwrap();
    assert_eq!(DECODES.load(Ordering::SeqCst), 1);

    let value: serde_json::Value = verifier().verify_json([good], body).unwrap();
    assert_eq!(value["field"], "replies");
    let not_json = b"not json";
    let sig = sign(&SecretString::from(SECRET), not_json);
    assert!(matches!(
        verifier().verify_json::<serde_json::Value, _, _>([sig], not_json),
        Err(Error::WebhookPayload(_))
    ));
}

fn query(mode: Option<&str>, token: Option<&str>, challenge: Option<&str>) -> HandshakeQuery {
    HandshakeQuery {
        mode: mode.map(Into::into),
        verify_token: token.map(SecretString::from),
        challenge: challenge.map(Into::into),
    }
}

#[test]
fn handshake_echoes_the_challenge_only_for_the_right_token() {
    let h = SubscriptionHandshake::new(SecretString::from("verify-me"));
    assert_eq!(
        h.answer(&query(
            Some("subscribe"),
            Some("verify-me"),
            Some("1158201444")
        ))
        .unwrap(),
        "1158201444"
    );
    let cases = [
        (query(None, Some("verify-me"), Some("1")), "mode-missing"),
        (query(Some("subscribe"), None, Some("1")), "token-missing"),
        (
            query(Some("subscribe"), Some("verify-me"), None),
            "challenge-missing",
        ),
        (
            query(Some("unsubscribe"), Some("verify-me"), Some("1")),
            "mode",
        ),
        (
            query(Some("subscribe"), Some("verify-m"), Some("1")),
            "token",
        ),
        (
            query(Some("subscribe"), Some("verify-me!"), Some("1")),
            "token",
        ),
        (query(Some("subscribe"), Some(""), Some("1")), "token"),
        (
            query(Some("subscribe"), Some("verify-me"), Some("")),
            "challenge",
        ),
        (
            query(Some("subscribe"), Some("verify-me"), Some("a b")),
            "challenge",
        ),
        (
            query(Some("subscribe"), Some("verify-me"), Some(&"9".repeat(257))),
            "challenge",
        ),
    ];
    for (q, kind) in cases {
        let e = h.answer(&q).unwrap_err();
        let ok = match kind {
            "mode-missing" => matches!(e, Error::HandshakeMissing("hub.mode")),
            "token-missing" => matches!(e, Error::HandshakeMissing("hub.verify_token")),
            "challenge-missing" => matches!(e, Error::HandshakeMissing("hub.challenge")),
            "mode" => matches!(e, Error::HandshakeMode),
            "token" => matches!(e, Error::HandshakeToken),
            "challenge" => matches!(e, Error::HandshakeChallenge(_)),
            _ => unreachable!(),
        };
        assert!(ok, "{kind}: {e:?}");
    }
}

#[test]
fn handshake_query_deserializes_from_meta_parameter_names() {
    let q: HandshakeQuery = serde_json::from_value(serde_json::json!({
        "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"
    }))
    .unwrap();
    let h = SubscriptionHandshake::new(SecretString::from("verify-me"));
    assert_eq!(h.answer(&q).unwrap(), "42");
}
