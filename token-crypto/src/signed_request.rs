//! Meta `signed_request` verification (data-deletion and deauthorize callbacks).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE_NO_PAD, URL_SAFE_NO_PAD_INDIFFERENT};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use crate::clock::Clock;
use crate::error::Error;
use crate::mac_core::{self, MAC_LEN};

/// The only algorithm accepted in a signed_request payload.
pub const ALGORITHM: &str = "HMAC-SHA256";
/// Longest accepted signed_request, in bytes.
pub const MAX_SIGNED_REQUEST_LEN: usize = 16 * 1024;
/// Default maximum age of `issued_at`.
pub const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::hours(1);
/// Default tolerance for an `issued_at` ahead of our clock.
pub const DEFAULT_MAX_SKEW: TimeDelta = TimeDelta::minutes(5);

/// The verified payload of a signed_request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedRequest {
    /// Always `HMAC-SHA256` once verified.
    pub algorithm: String,
    /// The app-scoped user id. Meta sends it as a string or a number; it is kept as a string.
    #[serde(deserialize_with = "user_id_as_string")]
    pub user_id: String,
    /// When Meta issued the request.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub issued_at: DateTime<Utc>,
    /// Meta's `expires` value, when present (advisory; its exact meaning is undocumented).
    #[serde(
        default,
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<DateTime<Utc>>,
    /// Every other field of the payload, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn user_id_as_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) if !s.is_empty() => Ok(s),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom(
            "user_id must be a non-empty string or an integer",
        )),
    }
}

/// Verifies Meta `signed_request` values.
///
/// Checks, in this order: length cap, exactly two non-empty segments, signature segment
/// decodes (base64url with or without padding) to 32 bytes, HMAC-SHA256 of the payload
/// segment *as sent* matches one of the app secrets (constant time, before any JSON is
/// decoded), payload decodes, `algorithm` is present and `HMAC-SHA256`, and `issued_at`
/// lies within the window: not older than `max_age`, not more than `max_skew` ahead.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeZone, Utc};
/// use secrecy::SecretString;
/// use token_crypto::ManualClock;
/// use token_crypto::signed_request::{sign_signed_request, SignedRequestVerifier};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let secret = SecretString::from("app-secret");
/// let value = sign_signed_request(&secret, &serde_json::json!({
///     "algorithm": "HMAC-SHA256", "user_id": "218471", "issued_at": now.timestamp(),
/// }));
/// let verifier = SignedRequestVerifier::new(secret, Arc::new(ManualClock::new(now)));
/// assert_eq!(verifier.verify(&value)?.user_id, "218471");
/// # Ok::<(), token_crypto::Error>(())
/// ```
pub struct SignedRequestVerifier {
    secrets: Vec<SecretString>,
    clock: Arc<dyn Clock>,
    max_age: TimeDelta,
    max_skew: TimeDelta,
}

impl SignedRequestVerifier {
    /// A verifier for one app secret, with the default window (1 h old, 5 min ahead).
    pub fn new(secret: SecretString, clock: Arc<dyn Clock>) -> Self {
        Self {
            secrets: vec![secret],
            clock,
            max_age: DEFAULT_MAX_AGE,
            max_skew: DEFAULT_MAX_SKEW,
        }
    }

    /// A verifier accepting any of `secrets` (current first, previous during rotation).
    pub fn with_secrets(
        secrets: impl IntoIterator<Item = SecretString>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let secrets: Vec<_> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(Error::NoSecrets);
        }
        Ok(Self {
            secrets,
            clock,
            max_age: DEFAULT_MAX_AGE,
            max_skew: DEFAULT_MAX_SKEW,
        })
    }

    /// Sets the accepted window: `issued_at` may be at most `max_age` old and at most
    /// `max_skew` ahead of the clock.
    pub fn with_window(mut self, max_age: TimeDelta, max_skew: TimeDelta) -> Self {
        self.max_age = max_age;
        self.max_skew = max_skew;
        self
    }

    /// Verifies a `signed_request` form value (already URL-decoded by the framework).
    pub fn verify(&self, signed_request: &str) -> Result<SignedRequest, Error> {
        let signed_request = signed_request.trim();
        if signed_request.len() > MAX_SIGNED_REQUEST_LEN {
            return Err(Error::SignedRequestFormat("longer than 16 KiB"));
        }
        let mut segments = signed_request.split('.');
        let (Some(signature), Some(payload), None) =
            (segments.next(), segments.next(), segments.next())
        else {
            return Err(Error::SignedRequestFormat("expected exactly two segments"));
        };
        if signature.is_empty() || payload.is_empty() {
            return Err(Error::SignedRequestFormat("empty segment"));
        }
        let signature = URL_SAFE_NO_PAD_INDIFFERENT
            .decode(signature)
            .map_err(|_| Error::SignedRequestFormat("signature is not base64url"))?;
        if signature.len() != MAC_LEN {
            return Err(Error::SignedRequestFormat("signature is not 32 bytes"));
        }
        let authentic = self.secrets.iter().any(|s| {
            mac_core::verify(
                s.expose_secret().as_bytes(),
                &[payload.as_bytes()],
                &signature,
            )
        });
        if !authentic {
            return Err(Error::SignedRequestSignature);
        }
        let json = URL_SAFE_NO_PAD_INDIFFERENT
            .decode(payload)
            .map_err(|_| Error::SignedRequestFormat("payload is not base64url"))?;
        let value: serde_json::Value =
            serde_json::from_slice(&json).map_err(Error::SignedRequestPayload)?;
        match value.get("algorithm") {
            None | Some(serde_json::Value::Null) => {
                return Err(Error::SignedRequestAlgorithmMissing);
            }
            Some(serde_json::Value::String(a)) if a.eq_ignore_ascii_case(ALGORITHM) => {}
            Some(_) => return Err(Error::SignedRequestAlgorithm),
        }
        let request: SignedRequest =
            serde_json::from_value(value).map_err(Error::SignedRequestPayload)?;
        let now = self.clock.now();
        // A window too wide for chrono's range is simply unbounded on that side.
        if let Some(latest) = now.checked_add_signed(self.max_skew)
            && request.issued_at > latest
        {
            return Err(Error::SignedRequestFromFuture);
        }
        if let Some(earliest) = now.checked_sub_signed(self.max_age)
            && request.issued_at < earliest
        {
            return Err(Error::SignedRequestTooOld);
        }
        Ok(request)
    }
}

impl fmt::Debug for SignedRequestVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequestVerifier")
            .field(
                "secrets",
                &format_args!("[REDACTED; {}]", self.secrets.len()),
            )
            .field("clock", &self.clock)
            .field("max_age", &self.max_age)
            .field("max_skew", &self.max_skew)
            .finish()
    }
}

/// Builds a `signed_request` the way Meta does: base64url (no padding) of the raw
/// HMAC-SHA256 of the payload segment, a dot, then base64url of the JSON payload.
/// For tests of host callbacks and for emulators.
pub fn sign_signed_request(secret: &SecretString, payload: &serde_json::Value) -> String {
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tag = mac_core::sign(secret.expose_secret().as_bytes(), &[payload.as_bytes()]);
    format!("{}.{payload}", URL_SAFE_NO_PAD.encode(tag))
}
