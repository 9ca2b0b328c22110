//! Meta webhook verification (`X-Hub-Signature-256`) and the subscription handshake.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, SignatureHeaderError};
use crate::mac_core::{self, MAC_LEN};

/// Name of the header carrying the body signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// Default cap on webhook bodies: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest accepted `hub.challenge`.
pub const MAX_CHALLENGE_LEN: usize = 256;

/// Computes the `X-Hub-Signature-256` value Meta would send for `body`:
/// `sha256=` followed by the lower-case hex HMAC-SHA256 of the raw bytes.
///
/// Meant for tests of host handlers and for local emulators.
///
/// ```
/// use secrecy::SecretString;
/// use token_crypto::webhook::{sign, WebhookVerifier};
///
/// let secret = SecretString::from("app-secret");
/// let body = br#"{"field":"replies"}"#;
/// let header = sign(&secret, body);
/// let verifier = WebhookVerifier::new(secret);
/// assert!(verifier.verify([header.as_bytes()], body).is_ok());
/// ```
pub fn sign(secret: &SecretString, body: &[u8]) -> String {
    let tag = mac_core::sign(secret.expose_secret().as_bytes(), &[body]);
    format!("sha256={}", hex::encode(tag))
}

/// Extracts the 32-byte digest from the `X-Hub-Signature-256` header value(s).
///
/// Pass every value the HTTP framework received for the header, in order (for
/// example `headers.get_all("x-hub-signature-256").iter().map(|v| v.as_bytes())`),
/// so a duplicated header is detected. Nothing is hashed here.
pub fn parse_signature_header<I, V>(values: I) -> Result<[u8; MAC_LEN], SignatureHeaderError>
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    let mut values = values.into_iter();
    let first = values.next().ok_or(SignatureHeaderError::Missing)?;
    if values.next().is_some() {
        return Err(SignatureHeaderError::Duplicated);
    }
    let value = first.as_ref().trim_ascii();
    if value.is_empty() {
        return Err(SignatureHeaderError::Empty);
    }
    let Some(digest) = strip_prefix_ignore_case(value, b"sha256=") else {
        if strip_prefix_ignore_case(value, b"sha1=").is_some() {
            return Err(SignatureHeaderError::Sha1Only);
        }
        return Err(SignatureHeaderError::WrongPrefix);
    };
    if digest.is_empty() {
        return Err(SignatureHeaderError::EmptyDigest);
    }
    let mut out = [0u8; MAC_LEN];
    if digest.len() == 2 * MAC_LEN {
        // The common case: one pass decodes and validates.
        hex::decode_to_slice(digest, &mut out).map_err(|_| SignatureHeaderError::BadHex)?;
        return Ok(out);
    }
    if !digest.iter().all(u8::is_ascii_hexdigit) {
        return Err(SignatureHeaderError::BadHex);
    }
    let hex_len = digest.len();
    if hex_len < 2 * MAC_LEN {
        Err(SignatureHeaderError::TooShort { hex_len })
    } else {
        Err(SignatureHeaderError::TooLong { hex_len })
    }
}

fn strip_prefix_ignore_case<'a>(value: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    if value.len() >= prefix.len() && value[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&value[prefix.len()..])
    } else {
        None
    }
}

/// Which configured secret verified a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedWebhook {
    secret_index: usize,
}

impl VerifiedWebhook {
    /// Index of the matching secret in the verifier's list (0 = the current secret).
    /// A non-zero index during rotation tells you deliveries still use an old secret.
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }
}

/// Verifies Meta webhook deliveries against one or more app secrets.
///
/// The order of checks is fixed and cheap first: body size (before any hashing), header
/// syntax, then one HMAC per configured secret, each compared through the MAC's
/// constant-time `verify_slice`. The body is never parsed before it is authentic.
pub struct WebhookVerifier {
    secrets: Vec<SecretString>,
    max_body_bytes: usize,
}

impl WebhookVerifier {
    /// A verifier for one app secret, with the default 1 MiB body cap.
    pub fn new(secret: SecretString) -> Self {
        Self {
            secrets: vec![secret],
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// A verifier that accepts any of `secrets`: the current one first, then previous
    /// ones while an app-secret rotation is in progress.
    pub fn with_secrets(secrets: impl IntoIterator<Item = SecretString>) -> Result<Self, Error> {
        let secrets: Vec<_> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(Error::NoSecrets);
        }
        Ok(Self {
            secrets,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Sets the body cap in bytes. Bodies above it are refused before hashing; hosts
    /// should also stop reading the request at this size.
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// The body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Verifies `body` (the raw bytes, exactly as received) against the
    /// `X-Hub-Signature-256` header value(s).
    pub fn verify<I, V>(&self, header_values: I, body: &[u8]) -> Result<VerifiedWebhook, Error>
    where
        I: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        if body.len() > self.max_body_bytes {
            return Err(Error::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_bytes,
            });
        }
        let tag = parse_signature_header(header_values).map_err(Error::SignatureHeader)?;
        self.secrets
            .iter()
            .position(|secret| mac_core::verify(secret.expose_secret().as_bytes(), &[body], &tag))
            .map(|secret_index| VerifiedWebhook { secret_index })
            .ok_or(Error::SignatureMismatch)
    }

    /// Verifies, then (only then) decodes the body as JSON into `T`.
    ///
    /// `T` is typically `threads_api::webhook` event types or `serde_json::Value`.
    pub fn verify_json<T, I, V>(&self, header_values: I, body: &[u8]) -> Result<T, Error>
    where
        T: DeserializeOwned,
        I: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        self.verify(header_values, body)?;
        serde_json::from_slice(body).map_err(Error::WebhookPayload)
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field(
                "secrets",
                &format_args!("[REDACTED; {}]", self.secrets.len()),
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// The query of Meta's subscription handshake (`GET <callback>?hub.mode=...`).
///
/// Deserializes directly from the query string in any framework that uses serde
/// (for example `axum::extract::Query<HandshakeQuery>`).
#[derive(Debug, Default, Deserialize)]
pub struct HandshakeQuery {
    /// `hub.mode`; must be `subscribe`.
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    /// `hub.verify_token`; must equal the configured verify token.
    #[serde(rename = "hub.verify_token")]
    pub verify_token: Option<SecretString>,
    /// `hub.challenge`; echoed back when the handshake succeeds.
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
}

/// Answers Meta's subscription handshake.
///
/// ```
/// use secrecy::SecretString;
/// use token_crypto::webhook::{HandshakeQuery, SubscriptionHandshake};
///
/// let handshake = SubscriptionHandshake::new(SecretString::from("my-verify-token"));
/// let query = HandshakeQuery {
///     mode: Some("subscribe".into()),
///     verify_token: Some(SecretString::from("my-verify-token")),
///     challenge: Some("1158201444".into()),
/// };
/// assert_eq!(handshake.answer(&query)?, "1158201444");
/// # Ok::<(), token_crypto::Error>(())
/// ```
pub struct SubscriptionHandshake {
    verify_token_digest: [u8; 32],
}

impl SubscriptionHandshake {
    /// A handshake checker for the verify token configured in the Meta app dashboard.
    pub fn new(verify_token: SecretString) -> Self {
        Self {
            verify_token_digest: Sha256::digest(verify_token.expose_secret().as_bytes()).into(),
        }
    }

    /// Checks the query and returns the challenge to send back as the 200 response body.
    /// Reply 403 on any error.
    pub fn answer(&self, query: &HandshakeQuery) -> Result<String, Error> {
        let mode = query
            .mode
            .as_deref()
            .ok_or(Error::HandshakeMissing("hub.mode"))?;
        let token = query
            .verify_token
            .as_ref()
            .ok_or(Error::HandshakeMissing("hub.verify_token"))?;
        let challenge = query
            .challenge
            .as_deref()
            .ok_or(Error::HandshakeMissing("hub.challenge"))?;
        self.answer_parts(mode, token.expose_secret(), challenge)
    }

    /// Like [`answer`](Self::answer), from the three parameter values.
    pub fn answer_parts(
        &self,
        mode: &str,
        verify_token: &str,
        challenge: &str,
    ) -> Result<String, Error> {
        if mode != "subscribe" {
            return Err(Error::HandshakeMode);
        }
        // Hashing both sides first makes the comparison independent of the lengths too.
        let presented: [u8; 32] = Sha256::digest(verify_token.as_bytes()).into();
        if !bool::from(presented.ct_eq(&self.verify_token_digest)) {
            return Err(Error::HandshakeToken);
        }
        if challenge.is_empty() {
            return Err(Error::HandshakeChallenge("empty"));
        }
        if challenge.len() > MAX_CHALLENGE_LEN {
            return Err(Error::HandshakeChallenge("longer than 256 bytes"));
        }
        if !challenge.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::HandshakeChallenge("not printable ASCII"));
        }
        Ok(challenge.to_owned())
    }
}

impl fmt::Debug for SubscriptionHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubscriptionHandshake { verify_token: [REDACTED] }")
    }
}
