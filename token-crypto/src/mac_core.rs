//! The one place HMAC-SHA256 is computed and checked. Webhooks, signed_request, OAuth
//! state and the known-answer tests all go through here.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length of an HMAC-SHA256 tag in bytes.
pub(crate) const MAC_LEN: usize = 32;

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long keys are hashed first), so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn sign(key: &[u8], parts: &[&[u8]]) -> [u8; MAC_LEN] {
    let mut mac = keyed(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Checks `tag` against HMAC-SHA256(key, concat(parts)) with the MAC's own
/// constant-time `verify_slice`, which also rejects any tag that is not exactly
/// 32 bytes (truncated tags never verify).
pub(crate) fn verify(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut mac = keyed(key);
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(tag).is_ok()
}
