//! The X-Hub-Signature-256 header parser, with the input split into header values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use token_crypto::webhook::{WebhookVerifier, parse_signature_header};

fuzz_target!(|data: &[u8]| {
    // Newlines separate header values, so duplicates and empties are explored too.
    let values: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    if let Ok(digest) = parse_signature_header(values.iter().copied()) {
        assert_eq!(values.len(), 1);
        let value = std::str::from_utf8(values[0]).expect("accepted values are ASCII");
        let hex = &value.trim_ascii()[7..];
        assert_eq!(
            hex.to_ascii_lowercase(),
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
    let verifier = WebhookVerifier::new(SecretString::from("fuzz-secret")).with_max_body_bytes(64);
    let _ = verifier.verify(values.iter().copied(), b"{\"field\":\"replies\"}");
});
