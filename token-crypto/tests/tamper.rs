//! Tamper matrix and context-binding property test: every flipped bit and every
//! truncation of a sealed token, and of each part of its associated data, fails to open
//! with a typed error; a ciphertext copied to another account, row or field never opens
//! there, and always opens where it was sealed.

mod common;

use common::{ctx, keyring};
use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use token_crypto::{Error, Keyring, SealedToken, TokenContext, TokenField};

fn is_typed_rejection(e: &Error) -> bool {
    matches!(
        e,
        Error::MalformedToken(_)
            | Error::UnsupportedVersion(_)
            | Error::UnknownKey(_)
            | Error::DecryptionFailed
            | Error::InvalidContext(_)
    )
}

/// Parses (binary form) then opens; every step may fail, none may succeed.
fn open_binary(ring: &Keyring, bytes: &[u8], c: &TokenContext) -> Result<SecretString, Error> {
    let token = SealedToken::from_bytes(bytes)?;
    ring.open(&token, c)
}

fn open_text(ring: &Keyring, text: &[u8], c: &TokenContext) -> Result<SecretString, Error> {
    // A flipped high bit makes invalid UTF-8; the lossy form keeps the damage visible.
    let token: SealedToken = String::from_utf8_lossy(text).parse()?;
    ring.open(&token, c)
}

fn flips(data: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..data.len() * 8).map(move |bit| {
        let mut v = data.to_vec();
        v[bit / 8] ^= 1 << (bit % 8);
        v
    })
}

fn flip_str(s: &str) -> Vec<String> {
    flips(s.as_bytes())
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect()
}

fn truncations(s: &str) -> Vec<String> {
    (0..s.len())
        .map(|n| String::from_utf8_lossy(&s.as_bytes()[..n]).into_owned())
        .collect()
}

#[test]
fn every_bit_flip_and_truncation_of_a_sealed_token_is_rejected() {
    let ring = keyring();
    let c = ctx("acct-7", "row-7", TokenField::AccessToken);
    let (mut checked, mut expected) = (0usize, 0usize);
    for size in [1usize, 64, 2048] {
        let secret = "s".repeat(size);
        let sealed = ring.seal(&SecretString::from(secret.clone()), &c).unwrap();
        let binary = sealed.to_bytes();
        let text = sealed.to_string();
        assert_eq!(
            open_binary(&ring, &binary, &c).unwrap().expose_secret(),
            secret
        );
        // Every bit flip plus every strict prefix, for both forms.
        expected += 9 * (binary.len() + text.len());

        for flipped in flips(&binary) {
            let e = open_binary(&ring, &flipped, &c).unwrap_err();
            assert!(is_typed_rejection(&e), "{e:?}");
            checked += 1;
        }
        for n in 0..binary.len() {
            let e = open_binary(&ring, &binary[..n], &c).unwrap_err();
            assert!(is_typed_rejection(&e), "{e:?}");
            checked += 1;
        }
        for flipped in flips(text.as_bytes()) {
            let e = open_text(&ring, &flipped, &c).unwrap_err();
            assert!(is_typed_rejection(&e), "{e:?}");
            checked += 1;
        }
        for n in 0..text.len() {
            let e = open_text(&ring, &text.as_bytes()[..n], &c).unwrap_err();
            assert!(is_typed_rejection(&e), "{e:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, expected);
    assert!(checked > 40_000, "{checked}");
}

#[test]
fn every_bit_flip_and_truncation_of_every_aad_part_is_rejected() {
    let ring = keyring();
    let (domain, account, record, label) = ("app-domain", "acct-42", "token-row-9", "page_token");
    let base = ctx(account, record, TokenField::Other(label.into()))
        .with_domain(domain)
        .unwrap();
    for size in [1usize, 64, 2048] {
        let sealed = ring
            .seal(&SecretString::from("t".repeat(size)), &base)
            .unwrap();
        assert!(ring.open(&sealed, &base).is_ok());

        let mut variants: Vec<Result<TokenContext, Error>> = Vec::new();
        for d in flip_str(domain).into_iter().chain(truncations(domain)) {
            variants.push(base.clone().with_domain(d));
        }
        for a in flip_str(account).into_iter().chain(truncations(account)) {
            variants.push(
                TokenContext::new(a, record, TokenField::Other(label.into()))
                    .and_then(|c| c.with_domain(domain)),
            );
        }
        for r in flip_str(record).into_iter().chain(truncations(record)) {
            variants.push(
                TokenContext::new(account, r, TokenField::Other(label.into()))
                    .and_then(|c| c.with_domain(domain)),
            );
        }
        for l in flip_str(label).into_iter().chain(truncations(label)) {
            variants.push(
                TokenContext::new(account, record, TokenField::Other(l))
                    .and_then(|c| c.with_domain(domain)),
            );
        }
        for field in [TokenField::AccessToken, TokenField::RefreshToken] {
            variants.push(
                TokenContext::new(account, record, field).and_then(|c| c.with_domain(domain)),
            );
        }
        assert!(variants.len() > 300);
        for variant in variants {
            let e = variant
                .and_then(|other| ring.open(&sealed, &other))
                .unwrap_err();
            assert!(is_typed_rejection(&e), "{e:?}");
        }
    }
}

/// Which part of the context a copied ciphertext lands in.
#[derive(Debug, Clone, Copy)]
enum Move {
    Account,
    Row,
    Field,
}

fn part() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,24}"
}

fn field() -> impl Strategy<Value = TokenField> {
    prop_oneof![
        Just(TokenField::AccessToken),
        Just(TokenField::RefreshToken),
        "[a-z_]{1,12}".prop_map(TokenField::Other),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// 10,000 random (source, destination) pairs: a ciphertext copied to another
    /// account, row or field never opens there, and always opens at home.
    #[test]
    fn a_ciphertext_moved_to_another_context_never_opens(
        account in part(),
        row in part(),
        f in field(),
        other_part in part(),
        other_field in field(),
        mv in prop_oneof![Just(Move::Account), Just(Move::Row), Just(Move::Field)],
    ) {
        let ring = RING.with(|r| r.clone());
        let home = ctx(&account, &row, f.clone());
        // Make the destination differ from home without rejecting cases.
        let differ = |candidate: String, current: &str| {
            if candidate == current { format!("{candidate}x") } else { candidate }
        };
        let destination = match mv {
            Move::Account => ctx(&differ(other_part, &account), &row, f),
            Move::Row => ctx(&account, &differ(other_part, &row), f),
            Move::Field => {
                let other = if other_field != f {
                    other_field
                } else if f == TokenField::AccessToken {
                    TokenField::RefreshToken
                } else {
                    TokenField::AccessToken
                };
                ctx(&account, &row, other)
            }
        };
        prop_assert_ne!(&destination, &home);
        let sealed = ring.seal(&SecretString::from("access-token-value"), &home).unwrap();
        prop_assert!(matches!(ring.open(&sealed, &destination), Err(Error::DecryptionFailed)));
        let opened = ring.open(&sealed, &home).unwrap();
        prop_assert_eq!(opened.expose_secret(), "access-token-value");
    }
}

thread_local! {
    static RING: std::rc::Rc<Keyring> = std::rc::Rc::new(keyring());
}
