//! Seal/open round trips, string and serde forms, key specs, rotation and budgets.

mod common;

use std::collections::HashSet;
use std::io::Write as _;

use async_trait::async_trait;
use common::{access, ctx, key, keyring, kid};
use secrecy::{ExposeSecret, SecretString};
use token_crypto::{
    Error, KeyId, KeyMaterial, KeyStatus, KeyUsageCounter, Keyring, SealedToken, TokenContext,
    TokenField,
};

#[test]
fn seal_then_open_returns_the_secret() {
    let ring = keyring();
    let c = access("acct-1");
    let sealed = ring
        .seal(&SecretString::from("THAAtoken-1234"), &c)
        .unwrap();
    assert_eq!(sealed.version(), 1);
    assert_eq!(sealed.key_id().as_str(), "k1");
    assert_eq!(
        ring.open(&sealed, &c).unwrap().expose_secret(),
        "THAAtoken-1234"
    );
}

#[test]
fn empty_and_maximum_secrets_round_trip_and_oversized_is_refused() {
    let ring = keyring();
    let c = access("a");
    for len in [0, 1, token_crypto::MAX_SECRET_LEN] {
        let secret = "x".repeat(len);
        let sealed = ring.seal(&SecretString::from(secret.clone()), &c).unwrap();
        assert_eq!(ring.open(&sealed, &c).unwrap().expose_secret(), secret);
    }
    let too_long = SecretString::from("x".repeat(token_crypto::MAX_SECRET_LEN + 1));
    assert!(matches!(
        ring.seal(&too_long, &c),
        Err(Error::SecretTooLong { len, limit }) if len == limit + 1
    ));
}

#[test]
fn string_binary_and_serde_forms_round_trip() {
    let ring = keyring();
    let c = access("acct");
    let sealed = ring.seal(&SecretString::from("secret-value"), &c).unwrap();

    let text = sealed.to_string();
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let parsed: SealedToken = text.parse().unwrap();
    assert_eq!(parsed, sealed);
    assert_eq!(SealedToken::from_bytes(&sealed.to_bytes()).unwrap(), sealed);

    let json = serde_json::to_string(&sealed).unwrap();
    assert_eq!(json, format!("\"{text}\""));
    let back: SealedToken = serde_json::from_str(&json).unwrap();
    assert_eq!(
        ring.open(&back, &c).unwrap().expose_secret(),
        "secret-value"
    );
    assert!(serde_json::from_str::<SealedToken>("\"not a token!\"").is_err());
    assert!(serde_json::from_str::<SealedToken>("42").is_err());
}

#[test]
fn debug_of_sealed_token_shows_version_and_key_id_only() {
    let sealed = keyring()
        .seal(&SecretString::from("s"), &access("a"))
        .unwrap();
    let debug = format!("{sealed:?}");
    assert_eq!(
        debug,
        "SealedToken { version: 1, key_id: \"k1\", ciphertext_len: 17 }"
    );
}

#[test]
fn key_ids_validate_and_serialize_as_strings() {
    let id: KeyId = "2026-01_a".parse().unwrap();
    assert_eq!(id.to_string(), "2026-01_a");
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"2026-01_a\"");
    assert_eq!(serde_json::from_str::<KeyId>("\"k9\"").unwrap(), kid("k9"));
    for bad in ["", "has space", "a:b", "a.b", "é", &"k".repeat(33)] {
        assert!(
            matches!(KeyId::new(bad), Err(Error::InvalidKeyId(_))),
            "{bad:?}"
        );
    }
    assert!(KeyId::new("k".repeat(32)).is_ok());
    assert!(serde_json::from_str::<KeyId>("\"a b\"").is_err());
    assert!(kid("a") < kid("b"));
}

#[test]
fn contexts_reject_empty_parts() {
    assert!(matches!(
        TokenContext::new("", "r", TokenField::AccessToken),
        Err(Error::InvalidContext(_))
    ));
    assert!(TokenContext::new("a", "", TokenField::AccessToken).is_err());
    assert!(TokenContext::new("a", "r", TokenField::Other(String::new())).is_err());
    assert!(access("a").with_domain("").is_err());
    assert!(TokenContext::new("a".repeat(1025), "r", TokenField::AccessToken).is_err());
}

#[test]
fn a_token_opens_only_in_its_own_context() {
    let ring = keyring();
    let base = ctx("acct-1", "row-1", TokenField::AccessToken);
    let sealed = ring.seal(&SecretString::from("tok"), &base).unwrap();
    let elsewhere = [
        ctx("acct-2", "row-1", TokenField::AccessToken),
        ctx("acct-1", "row-2", TokenField::AccessToken),
        ctx("acct-1", "row-1", TokenField::RefreshToken),
        ctx("acct-1", "row-1", TokenField::Other("access_token".into())),
        base.clone().with_domain("another-app").unwrap(),
        // Shifting bytes between parts must not give the same associated data.
        ctx("acct-1r", "ow-1", TokenField::AccessToken),
        ctx("acct-", "1row-1", TokenField::AccessToken),
    ];
    for other in &elsewhere {
        assert!(
            matches!(ring.open(&sealed, other), Err(Error::DecryptionFailed)),
            "{other:?}"
        );
    }
    assert!(ring.open(&sealed, &base).is_ok());
}

#[test]
fn unknown_key_and_wrong_material_are_distinct_errors() {
    let ring = keyring();
    let c = access("a");
    let other = Keyring::new(kid("k2"), key(0x22));
    let sealed = other.seal(&SecretString::from("t"), &c).unwrap();
    assert!(matches!(ring.open(&sealed, &c), Err(Error::UnknownKey(id)) if id == kid("k2")));

    let same_id_other_key = Keyring::new(kid("k1"), key(0x33));
    let sealed = same_id_other_key
        .seal(&SecretString::from("t"), &c)
        .unwrap();
    assert!(matches!(
        ring.open(&sealed, &c),
        Err(Error::DecryptionFailed)
    ));
}

#[test]
fn seals_of_one_plaintext_are_all_distinct() {
    // 2^17 seals of the same (empty) plaintext: a nonce-randomness smoke test.
    let ring = keyring();
    let c = access("a");
    let secret = SecretString::from("");
    let started = std::time::Instant::now();
    let mut seen = HashSet::with_capacity(1 << 17);
    for _ in 0..(1u32 << 17) {
        let sealed = ring.seal(&secret, &c).unwrap();
        assert!(seen.insert(sealed.to_bytes()), "duplicate sealed output");
    }
    assert_eq!(seen.len(), 1 << 17);
    assert_eq!(ring.encryptions(&kid("k1")), Some(1 << 17));
    eprintln!("2^17 seals took {:?}", started.elapsed());
}

#[test]
fn key_spec_parses_comments_commas_and_primary_marker() {
    let k1 = key(1).to_base64();
    let k2 = key(2).to_base64();
    let spec = format!(
        "# token keys\n\n*2026-02:{}\n  old-1 : {} \n",
        k2.expose_secret(),
        k1.expose_secret()
    );
    let ring = Keyring::from_spec(&spec).unwrap();
    assert_eq!(ring.primary_key_id(), &kid("2026-02"));
    assert_eq!(ring.status(&kid("old-1")), Some(KeyStatus::DecryptOnly));
    assert_eq!(ring.status(&kid("2026-02")), Some(KeyStatus::Primary));
    assert_eq!(ring.status(&kid("nope")), None);

    let one_line = format!(
        "old-1:{},*2026-02:{}",
        k1.expose_secret(),
        k2.expose_secret()
    );
    let same = Keyring::from_spec(&one_line).unwrap();
    let c = access("a");
    let sealed = ring.seal(&SecretString::from("x"), &c).unwrap();
    assert_eq!(same.open(&sealed, &c).unwrap().expose_secret(), "x");

    // URL-safe and unpadded base64 are accepted too.
    let raw = [0xfbu8; 32];
    let url = base64_url_no_pad(&raw);
    assert!(Keyring::from_spec(&format!("*k:{url}")).is_ok());
}

fn base64_url_no_pad(bytes: &[u8]) -> String {
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

#[test]
fn key_spec_errors_are_typed_and_never_echo_key_material() {
    let good = key(7).to_base64();
    let good = good.expose_secret();
    let short = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="; // 31 bytes
    type Expect = fn(&Error) -> bool;
    let cases: Vec<(String, Expect)> = vec![
        (format!("a:{good}"), |e| matches!(e, Error::NoPrimaryKey)),
        (String::new(), |e| matches!(e, Error::NoPrimaryKey)),
        (format!("*a:{good}\n*b:{good}"), |e| {
            matches!(e, Error::MultiplePrimaryKeys)
        }),
        (format!("*a:{good}\na:{good}"), |e| {
            matches!(e, Error::DuplicateKey(_))
        }),
        (format!("*a{good}"), |e| {
            matches!(e, Error::KeySpec { entry: 1, .. })
        }),
        (format!("*a:{good}\nb:{short}"), |e| {
            matches!(e, Error::KeySpec { entry: 2, .. })
        }),
        (format!("*a:{good}!"), |e| {
            matches!(e, Error::KeySpec { entry: 1, .. })
        }),
        (format!("*bad id:{good}"), |e| {
            matches!(e, Error::KeySpec { entry: 1, .. })
        }),
    ];
    for (spec, expected) in cases {
        let err = Keyring::from_spec(&spec).unwrap_err();
        assert!(expected(&err), "{err:?}");
        common::assert_no_secret_substring(&format!("{err} {err:?}"), good);
    }
}

#[test]
fn keyring_loads_from_a_file_and_reports_missing_sources() {
    let k = key(9).to_base64();
    let path = std::env::temp_dir().join(format!("token-crypto-keys-{}.txt", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "# keys\n*file-key:{}", k.expose_secret()).unwrap();
    drop(file);
    let ring = Keyring::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(ring.primary_key_id(), &kid("file-key"));
    assert!(matches!(Keyring::from_file(&path), Err(Error::KeyFile(_))));
    assert!(matches!(
        Keyring::from_env("TOKEN_CRYPTO_TEST_SURELY_UNSET_VAR"),
        Err(Error::KeyEnvVar(name)) if name == "TOKEN_CRYPTO_TEST_SURELY_UNSET_VAR"
    ));
}

#[test]
fn key_material_round_trips_through_base64() {
    let generated = KeyMaterial::generate().unwrap();
    let again = KeyMaterial::from_base64(generated.to_base64().expose_secret()).unwrap();
    let c = access("a");
    let a = Keyring::new(kid("g"), generated);
    let b = Keyring::new(kid("g"), again);
    let sealed = a.seal(&SecretString::from("v"), &c).unwrap();
    assert_eq!(b.open(&sealed, &c).unwrap().expose_secret(), "v");
    assert!(matches!(
        KeyMaterial::from_base64("AAAA"),
        Err(Error::InvalidKeyMaterial(_))
    ));
    assert!(matches!(
        KeyMaterial::from_base64("@@@"),
        Err(Error::InvalidKeyMaterial(_))
    ));
}

struct FixedCounter(u64);

#[async_trait]
impl KeyUsageCounter for FixedCounter {
    async fn count_tokens_on_key(&self, _key_id: &KeyId) -> Result<u64, Error> {
        Ok(self.0)
    }
}

struct FailingCounter;

#[async_trait]
impl KeyUsageCounter for FailingCounter {
    async fn count_tokens_on_key(&self, _key_id: &KeyId) -> Result<u64, Error> {
        Err(Error::key_usage(std::io::Error::other("database down")))
    }
}

#[tokio::test]
async fn rotation_runs_in_explicit_phases() {
    let mut ring = Keyring::new(kid("old"), key(1));
    let contexts: Vec<_> = (0..20).map(|i| access(&format!("acct-{i}"))).collect();
    let mut stored: Vec<SealedToken> = contexts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            ring.seal(&SecretString::from(format!("token-{i}")), c)
                .unwrap()
        })
        .collect();

    // Phase 1: add decrypt-only. New seals still use the old key.
    ring.add_decrypt_only(kid("new"), key(2)).unwrap();
    assert!(matches!(
        ring.add_decrypt_only(kid("new"), key(3)),
        Err(Error::DuplicateKey(_))
    ));
    assert_eq!(ring.status(&kid("new")), Some(KeyStatus::DecryptOnly));
    assert_eq!(
        ring.seal(&SecretString::from("x"), &contexts[0])
            .unwrap()
            .key_id(),
        &kid("old")
    );

    // Phase 2: promote.
    assert!(matches!(
        ring.promote(&kid("missing")),
        Err(Error::UnknownKey(_))
    ));
    ring.promote(&kid("new")).unwrap();
    assert_eq!(ring.status(&kid("old")), Some(KeyStatus::DecryptOnly));
    let fresh = ring.seal(&SecretString::from("x"), &contexts[0]).unwrap();
    assert_eq!(fresh.key_id(), &kid("new"));
    assert!(
        ring.rewrap(&fresh, &contexts[0]).unwrap().is_none(),
        "already current"
    );

    // Old tokens still open during the sweep.
    for (i, (t, c)) in stored.iter().zip(&contexts).enumerate() {
        assert_eq!(
            ring.open(t, c).unwrap().expose_secret(),
            format!("token-{i}")
        );
    }

    // Retiring with tokens left is refused, directly and through the store's counter.
    assert!(matches!(
        ring.retire(&kid("old"), 20),
        Err(Error::KeyInUse { tokens: 20, .. })
    ));
    assert!(matches!(
        ring.retire_checked(&kid("old"), &FixedCounter(3)).await,
        Err(Error::KeyInUse { tokens: 3, .. })
    ));
    assert!(matches!(
        ring.retire_checked(&kid("old"), &FailingCounter).await,
        Err(Error::KeyUsage(_))
    ));
    assert!(matches!(
        ring.retire(&kid("new"), 0),
        Err(Error::RetirePrimary(_))
    ));

    // Phase 3: rewrap every stored token; a rewrapped token cannot open elsewhere.
    for (t, c) in stored.iter_mut().zip(&contexts) {
        let rewrapped = ring.rewrap(t, c).unwrap().expect("old token needs rewrap");
        assert_eq!(rewrapped.key_id(), &kid("new"));
        assert!(
            ring.open(
                &rewrapped,
                &contexts[(contexts.iter().position(|x| x == c).unwrap() + 1) % 20]
            )
            .is_err()
        );
        *t = rewrapped;
    }
    assert!(stored.iter().all(|t| !ring.needs_rewrap(t)));
    // A rewrap in the wrong context fails rather than moving the token.
    let old_style = Keyring::new(kid("old"), key(1))
        .seal(&SecretString::from("z"), &contexts[0])
        .unwrap();
    assert!(matches!(
        ring.rewrap(&old_style, &contexts[1]),
        Err(Error::DecryptionFailed)
    ));

    // Phase 4: retire.
    ring.retire_checked(&kid("old"), &FixedCounter(0))
        .await
        .unwrap();
    assert_eq!(ring.key_ids().collect::<Vec<_>>(), vec![&kid("new")]);
    assert!(matches!(
        ring.open(&old_style, &contexts[0]),
        Err(Error::UnknownKey(_))
    ));
    assert!(matches!(
        ring.retire(&kid("old"), 0),
        Err(Error::UnknownKey(_))
    ));
    for (i, (t, c)) in stored.iter().zip(&contexts).enumerate() {
        assert_eq!(
            ring.open(t, c).unwrap().expose_secret(),
            format!("token-{i}")
        );
    }
}

#[test]
fn encryption_budget_forces_rotation() {
    assert!(matches!(
        keyring().with_encryption_budget(0),
        Err(Error::InvalidBudget(0))
    ));
    assert!(keyring().with_encryption_budget((1 << 31) + 1).is_err());
    assert_eq!(keyring().encryption_budget(), 1 << 30);

    let mut ring = keyring().with_encryption_budget(3).unwrap();
    let c = access("a");
    let s = SecretString::from("t");
    for _ in 0..3 {
        ring.seal(&s, &c).unwrap();
    }
    assert!(matches!(
        ring.seal(&s, &c),
        Err(Error::KeyBudgetExhausted { budget: 3, ref key_id }) if *key_id == kid("k1")
    ));
    // Rewrap onto an exhausted key is refused as well.
    let before = Keyring::new(kid("k0"), key(5)).seal(&s, &c).unwrap();
    ring.add_decrypt_only(kid("k0"), key(5)).unwrap();
    assert!(matches!(
        ring.rewrap(&before, &c),
        Err(Error::KeyBudgetExhausted { .. })
    ));
    // Opening is never limited.
    assert!(ring.open(&before, &c).is_ok());

    ring.add_decrypt_only(kid("k2"), key(6)).unwrap();
    ring.promote(&kid("k2")).unwrap();
    assert!(ring.seal(&s, &c).is_ok());
    assert_eq!(ring.encryptions(&kid("k2")), Some(1));
    assert_eq!(ring.encryptions(&kid("zz")), None);
}

#[test]
fn persisted_counters_can_be_seeded_but_never_lowered() {
    let ring = keyring().with_encryption_budget(10).unwrap();
    ring.seed_encryptions(&kid("k1"), 9).unwrap();
    ring.seed_encryptions(&kid("k1"), 2).unwrap();
    assert_eq!(ring.encryptions(&kid("k1")), Some(9));
    let c = access("a");
    ring.seal(&SecretString::from("t"), &c).unwrap();
    assert!(matches!(
        ring.seal(&SecretString::from("t"), &c),
        Err(Error::KeyBudgetExhausted { .. })
    ));
    assert!(matches!(
        ring.seed_encryptions(&kid("nope"), 1),
        Err(Error::UnknownKey(_))
    ));
}

#[test]
fn long_contexts_bind_just_like_short_ones() {
    // Parts large enough that the associated data no longer fits the stack buffer.
    let ring = keyring();
    let long = ctx(
        &"a".repeat(1024),
        &"r".repeat(1024),
        TokenField::Other("f".repeat(1024)),
    );
    let sealed = ring.seal(&SecretString::from("long-ctx"), &long).unwrap();
    assert_eq!(
        ring.open(&sealed, &long).unwrap().expose_secret(),
        "long-ctx"
    );
    let mut account = "a".repeat(1023);
    account.push('b');
    let moved = ctx(
        &account,
        &"r".repeat(1024),
        TokenField::Other("f".repeat(1024)),
    );
    assert!(matches!(
        ring.open(&sealed, &moved),
        Err(Error::DecryptionFailed)
    ));
}
