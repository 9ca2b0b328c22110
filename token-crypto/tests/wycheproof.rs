//! Wycheproof known-answer tests through the crate's own AES-GCM and HMAC code path.

use serde_json::Value;
use token_crypto::testing::{aes256gcm_open, aes256gcm_seal, hmac_sha256_verify};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("test fixture"))
        .expect("test fixture")
}

fn hex_field(test: &Value, field: &str) -> Vec<u8> {
    hex::decode(test[field].as_str().expect("test fixture")).expect("test fixture")
}

#[test]
fn aes_256_gcm_96bit_iv_128bit_tag_vectors_behave_as_expected() {
    let file = load("aes_gcm_test.json");
    let (mut valid, mut invalid) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        if group["keySize"] != 256 || group["ivSize"] != 96 || group["tagSize"] != 128 {
            continue;
        }
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let key: [u8; 32] = hex_field(test, "key").try_into().unwrap();
            let iv: [u8; 12] = hex_field(test, "iv").try_into().unwrap();
            let aad = hex_field(test, "aad");
            let msg = hex_field(test, "msg");
            let mut ct = hex_field(test, "ct");
            ct.extend_from_slice(&hex_field(test, "tag"));
            let opened = aes256gcm_open(&key, &iv, &aad, &ct);
            match test["result"].as_str().unwrap() {
                "valid" => {
                    valid += 1;
                    assert_eq!(opened.unwrap(), msg, "tcId {id}: decrypt");
                    let sealed = aes256gcm_seal(&key, &iv, &aad, &msg).unwrap();
                    assert_eq!(sealed, ct, "tcId {id}: encrypt");
                }
                "invalid" => {
                    invalid += 1;
                    assert!(
                        matches!(opened, Err(token_crypto::Error::DecryptionFailed)),
                        "tcId {id}: invalid vector must not decrypt"
                    );
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
        }
    }
    assert_eq!((valid, invalid), (39, 27), "the 66-vector subset");
}

#[test]
fn hmac_sha256_full_tag_vectors_behave_as_expected() {
    let file = load("hmac_sha256_test.json");
    let (mut valid, mut invalid, mut truncated_checked) = (0, 0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        let full = group["tagSize"] == 256;
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let key = hex_field(test, "key");
            let msg = hex_field(test, "msg");
            let tag = hex_field(test, "tag");
            let ok = hmac_sha256_verify(&key, &msg, &tag);
            if full {
                match test["result"].as_str().unwrap() {
                    "valid" => {
                        valid += 1;
                        assert!(ok, "tcId {id}: valid tag rejected");
                        // A correct tag cut to 16 bytes must be refused.
                        assert!(!hmac_sha256_verify(&key, &msg, &tag[..16]), "tcId {id}");
                        truncated_checked += 1;
                    }
                    "invalid" => {
                        invalid += 1;
                        assert!(!ok, "tcId {id}: invalid tag accepted");
                    }
                    other => panic!("tcId {id}: unexpected result {other}"),
                }
            } else {
                // Truncated-tag groups: even Wycheproof-valid 128-bit tags are refused here.
                assert!(!ok, "tcId {id}: a 128-bit tag must never verify");
            }
        }
    }
    assert_eq!((valid, invalid), (33, 54), "the 87-vector subset");
    assert_eq!(truncated_checked, 33);
}
