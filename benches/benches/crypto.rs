//! token-crypto against the raw primitives it wraps.
//!
//! Targets: seal/open of a 256-byte token within 1.2x of raw AES-256-GCM (with a fresh
//! OS-random nonce and the same amount of associated data), and verification of a 1 KiB
//! webhook within 1.1x of a raw HMAC-SHA256 `verify_slice`.
//!
//! `cargo bench -p threads-benches --bench crypto -- --warm-up-time 1 --measurement-time 3`
//!
//! `open_256B/token_crypto` includes wiping the 256-byte plaintext when the returned
//! `SecretString` drops (volatile writes); `token_crypto_excluding_wipe` shows the cost
//! without it.

use std::hint::black_box;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use token_crypto::webhook::{WebhookVerifier, sign};
use token_crypto::{KeyId, KeyMaterial, Keyring, TokenContext, TokenField};

const KEY: [u8; 32] = [0x5a; 32];

fn context() -> TokenContext {
    TokenContext::new(
        "17841400000000001",
        "token-row-000042",
        TokenField::AccessToken,
    )
    .expect("valid context")
}

fn seal_open(c: &mut Criterion) {
    let ring = Keyring::new(
        KeyId::new("k2026").expect("valid id"),
        KeyMaterial::from_bytes(&KEY),
    );
    let ctx = context();
    let secret = SecretString::from("T".repeat(256));
    let plaintext = vec![b'T'; 256];
    // Associated data of the same size as the wrapper's (header + four framed parts).
    let aad = vec![0u8; 4 * 5 + 7 + 27 + 17 + 16 + 12];
    let raw = Aes256Gcm::new(&KEY.into());

    let mut group = c.benchmark_group("seal_256B");
    group.bench_function("token_crypto", |b| {
        b.iter(|| {
            black_box(
                ring.seal(black_box(&secret), black_box(&ctx))
                    .expect("seal"),
            )
        })
    });
    group.bench_function("raw_aes_gcm", |b| {
        b.iter(|| {
            let mut nonce = [0u8; 12];
            getrandom::fill(&mut nonce).expect("os randomness");
            black_box(
                raw.encrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: black_box(&plaintext),
                        aad: black_box(&aad),
                    },
                )
                .expect("encrypt"),
            )
        })
    });
    group.finish();

    let sealed = ring.seal(&secret, &ctx).expect("seal");
    let nonce = [7u8; 12];
    let raw_ct = raw
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .expect("encrypt");
    let mut group = c.benchmark_group("open_256B");
    group.bench_function("token_crypto", |b| {
        b.iter(|| {
            black_box(
                ring.open(black_box(&sealed), black_box(&ctx))
                    .expect("open"),
            )
        })
    });
    // The same, with the returned SecretString dropped outside the timed section: the
    // difference is the cost of wiping the plaintext on drop.
    group.bench_function("token_crypto_excluding_wipe", |b| {
        b.iter_with_large_drop(|| {
            ring.open(black_box(&sealed), black_box(&ctx))
                .expect("open")
        })
    });
    group.bench_function("raw_aes_gcm", |b| {
        b.iter(|| {
            black_box(
                raw.decrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: black_box(&raw_ct),
                        aad: black_box(&aad),
                    },
                )
                .expect("decrypt"),
            )
        })
    });
    group.finish();
}

fn webhook_verify(c: &mut Criterion) {
    let secret = SecretString::from("0123456789abcdef0123456789abcdef");
    let body: Vec<u8> = (0..1024).map(|i| b'a' + (i % 26) as u8).collect();
    let header = sign(&secret, &body);
    let verifier = WebhookVerifier::new(secret);
    let tag: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&header[7 + 2 * i..9 + 2 * i], 16).expect("hex"))
        .collect();

    let mut group = c.benchmark_group("webhook_verify_1KiB");
    group.bench_function("token_crypto", |b| {
        b.iter(|| {
            black_box(
                verifier
                    .verify([black_box(header.as_bytes())], black_box(&body))
                    .expect("verify"),
            )
        })
    });
    group.bench_function("raw_hmac", |b| {
        b.iter(|| {
            let mut mac =
                <Hmac<Sha256> as KeyInit>::new_from_slice(b"0123456789abcdef0123456789abcdef")
                    .expect("any key length");
            mac.update(black_box(&body));
            black_box(mac.verify_slice(black_box(&tag))).expect("verify")
        })
    });
    group.finish();
}

criterion_group!(benches, seal_open, webhook_verify);
criterion_main!(benches);
