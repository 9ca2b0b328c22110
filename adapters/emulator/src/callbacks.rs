//! Meta's deauthorize and data-deletion callbacks: a form POST with one field,
//! `signed_request=<sig>.<payload>`, where `payload` is base64url(JSON) without padding and
//! `sig` is base64url(HMAC-SHA256(app secret, payload segment)) without padding (the
//! `parse_signed_request` of
//! <https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback>).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

/// Builds a `signed_request` value for `user_id`, issued at `issued_at` (Unix seconds).
pub fn signed_request(app_secret: &str, user_id: &str, issued_at: i64) -> String {
    let payload = json!({
        "algorithm": "HMAC-SHA256",
        "expires": issued_at + 3_600,
        "issued_at": issued_at,
        "user_id": user_id,
    })
    .to_string();
    let payload_b64 = URL_SAFE_NO_PAD.encode(payload.as_bytes());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(payload_b64.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{sig}.{payload_b64}")
}

/// Which callback to fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// The Uninstall (deauthorize) Callback URL. Also revokes the user's grant and tokens.
    Deauthorize,
    /// The Delete (data deletion request) Callback URL.
    DataDeletion,
}

/// What the app's callback answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackOutcome {
    /// HTTP status of the answer.
    pub status: u16,
    /// Body of the answer (for data deletion: `{"url": ..., "confirmation_code": ...}`).
    pub body: String,
    /// The `signed_request` that was sent.
    pub signed_request: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_covers_payload_segment() {
        let sr = signed_request("secret", "42", 1_700_000_000);
        let (sig, payload) = sr.split_once('.').expect("two parts");
        assert!(!sig.contains('=') && !payload.contains('='));
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"secret").expect("key");
        mac.update(payload.as_bytes());
        let expected = mac.finalize().into_bytes();
        assert_eq!(URL_SAFE_NO_PAD.decode(sig).expect("b64"), expected.to_vec());
        let json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
        assert_eq!(json["algorithm"], "HMAC-SHA256");
        assert_eq!(json["user_id"], "42");
    }
}
