//! The crate's single error type.

use crate::key_id::KeyId;

/// Boxed error from a host-provided hook (a store counting tokens per key, a nonce store).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
///
/// No variant ever carries secret material (keys, plaintext tokens, app secrets,
/// verify tokens). Variants that describe untrusted input carry a short static reason
/// instead of echoing the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- keys and sealed tokens -----
    /// A key id was empty, too long or used characters outside `[A-Za-z0-9_-]`.
    #[error("invalid key id: {0}")]
    InvalidKeyId(&'static str),
    /// The bytes or string given as a sealed token do not follow the envelope format.
    #[error("malformed sealed token: {0}")]
    MalformedToken(&'static str),
    /// The sealed token names a format version this build does not understand.
    #[error("unsupported sealed-token format version {0}")]
    UnsupportedVersion(u8),
    /// The sealed token names a key the keyring does not hold (never added, or retired).
    #[error("no key with id `{0}` in the keyring")]
    UnknownKey(KeyId),
    /// Authentication failed: tampered token, or a context (AAD) other than the one it was sealed for.
    #[error("decryption failed: tampered token or wrong context")]
    DecryptionFailed,
    /// The token authenticated but its plaintext is not UTF-8 (it was not sealed by [`crate::Keyring::seal`]).
    #[error("decrypted token is not valid UTF-8")]
    NotUtf8,
    /// A secret to seal is longer than the envelope allows.
    #[error("secret is {len} bytes, over the {limit}-byte limit")]
    SecretTooLong {
        /// Length of the secret in bytes.
        len: usize,
        /// Maximum accepted length.
        limit: usize,
    },
    /// A [`crate::TokenContext`] part was empty or too long.
    #[error("invalid token context: {0}")]
    InvalidContext(&'static str),
    /// The primary key reached its encryption budget; a new key must be added and promoted.
    #[error("key `{key_id}` has used its encryption budget of {budget}; add and promote a new key")]
    KeyBudgetExhausted {
        /// The exhausted key.
        key_id: KeyId,
        /// The configured budget.
        budget: u64,
    },
    /// An encryption budget of zero or above [`crate::MAX_ENCRYPTION_BUDGET`] was requested.
    #[error("encryption budget {0} is outside 1..=2^31")]
    InvalidBudget(u64),
    /// Key material is not base64 of exactly 32 bytes. The input is never echoed.
    #[error("invalid key material: {0}")]
    InvalidKeyMaterial(&'static str),
    /// A line of a key specification could not be parsed. The line content is never echoed.
    #[error("key specification entry {entry}: {reason}")]
    KeySpec {
        /// 1-based entry number (line or comma-separated item).
        entry: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The keyring would have no primary key.
    #[error("the keyring has no primary key (mark one entry with a leading `*`)")]
    NoPrimaryKey,
    /// More than one key is marked primary.
    #[error("more than one key is marked primary")]
    MultiplePrimaryKeys,
    /// Two keys share one id.
    #[error("key id `{0}` appears twice")]
    DuplicateKey(KeyId),
    /// The environment variable holding the keys is missing or not Unicode.
    #[error("environment variable `{0}` is not set or not valid Unicode")]
    KeyEnvVar(String),
    /// The key file could not be read.
    #[error("cannot read key file")]
    KeyFile(#[source] std::io::Error),
    /// Retiring a key that still protects stored tokens was refused.
    #[error(
        "key `{key_id}` still protects {tokens} stored token(s); rewrap them before retiring it"
    )]
    KeyInUse {
        /// The key that was to be retired.
        key_id: KeyId,
        /// How many tokens the store still holds under it.
        tokens: u64,
    },
    /// The primary key cannot be retired.
    #[error("key `{0}` is the primary key; promote another key before retiring it")]
    RetirePrimary(KeyId),
    /// The host's per-key token counter failed.
    #[error("counting stored tokens per key failed")]
    KeyUsage(#[source] BoxError),
    /// The operating system's random number generator failed.
    #[error("operating-system randomness unavailable")]
    Randomness(#[source] getrandom::Error),

    // ----- webhooks -----
    /// No app secret was configured for a verifier.
    #[error("no secret configured")]
    NoSecrets,
    /// The webhook body exceeds the configured cap; it was not hashed.
    #[error("webhook body is {len} bytes, over the {limit}-byte limit")]
    BodyTooLarge {
        /// Body length in bytes.
        len: usize,
        /// The configured cap.
        limit: usize,
    },
    /// The `X-Hub-Signature-256` header is missing or malformed.
    #[error("bad X-Hub-Signature-256 header: {0}")]
    SignatureHeader(SignatureHeaderError),
    /// The signature is well formed but matches none of the configured app secrets.
    #[error("webhook signature matches no configured app secret")]
    SignatureMismatch,
    /// The body was authentic but is not the JSON the caller asked for.
    #[error("verified webhook body is not valid JSON for the requested type")]
    WebhookPayload(#[source] serde_json::Error),
    /// The subscription handshake is missing a query parameter.
    #[error("subscription handshake is missing `{0}`")]
    HandshakeMissing(&'static str),
    /// `hub.mode` was not `subscribe`.
    #[error("subscription handshake hub.mode is not `subscribe`")]
    HandshakeMode,
    /// `hub.verify_token` does not match the configured token.
    #[error("subscription handshake hub.verify_token does not match")]
    HandshakeToken,
    /// `hub.challenge` is empty, too long or contains non-printable characters.
    #[error("subscription handshake hub.challenge rejected: {0}")]
    HandshakeChallenge(&'static str),

    // ----- signed_request -----
    /// The signed_request is not two base64url segments, or a segment does not decode.
    #[error("malformed signed_request: {0}")]
    SignedRequestFormat(&'static str),
    /// The signed_request signature matches no configured app secret.
    #[error("signed_request signature matches no configured app secret")]
    SignedRequestSignature,
    /// The authentic signed_request payload is not the expected JSON.
    #[error("signed_request payload is not valid JSON")]
    SignedRequestPayload(#[source] serde_json::Error),
    /// The payload has no `algorithm` field.
    #[error("signed_request payload has no `algorithm`")]
    SignedRequestAlgorithmMissing,
    /// The payload names an algorithm other than `HMAC-SHA256`.
    #[error("signed_request algorithm is not HMAC-SHA256")]
    SignedRequestAlgorithm,
    /// `issued_at` is older than the accepted window.
    #[error("signed_request is too old")]
    SignedRequestTooOld,
    /// `issued_at` lies further in the future than the allowed clock skew.
    #[error("signed_request issued_at is in the future")]
    SignedRequestFromFuture,
    /// A confirmation code was empty, longer than 64 characters or not alphanumeric.
    #[error("confirmation code must be 1-64 ASCII letters or digits")]
    InvalidConfirmationCode,

    // ----- OAuth state -----
    /// The state value does not follow the `v1.<nonce>.<expiry>.<tag>` format.
    #[error("malformed OAuth state: {0}")]
    MalformedState(&'static str),
    /// The state's MAC does not verify for this session (forged, or another session's state).
    #[error("OAuth state signature does not match this session")]
    StateSignature,
    /// The state has expired.
    #[error("OAuth state has expired")]
    StateExpired,
    /// The state was already used once.
    #[error("OAuth state was already used")]
    StateReplayed,
    /// The nonce store failed.
    #[error("nonce store failed")]
    NonceStore(#[source] BoxError),
    /// The in-memory nonce store is full of unexpired nonces.
    #[error("nonce store is full ({capacity} unexpired entries)")]
    NonceStoreFull {
        /// The store's capacity.
        capacity: usize,
    },
}

impl Error {
    /// Wraps a host store error for [`Error::KeyUsage`].
    pub fn key_usage(source: impl Into<BoxError>) -> Self {
        Error::KeyUsage(source.into())
    }

    /// Wraps a host store error for [`Error::NonceStore`].
    pub fn nonce_store(source: impl Into<BoxError>) -> Self {
        Error::NonceStore(source.into())
    }
}

/// Why an `X-Hub-Signature-256` header value was refused before any MAC was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureHeaderError {
    /// No header value at all.
    #[error("header missing")]
    Missing,
    /// The header appeared more than once.
    #[error("header given more than once")]
    Duplicated,
    /// The header value is empty.
    #[error("header value is empty")]
    Empty,
    /// The value carries only the legacy SHA-1 `sha1=` scheme, which is not accepted.
    #[error("only a legacy sha1= signature was given; sha256= is required")]
    Sha1Only,
    /// The value does not start with `sha256=`.
    #[error("value does not start with `sha256=`")]
    WrongPrefix,
    /// The value is just `sha256=` with no digest.
    #[error("`sha256=` carries no digest")]
    EmptyDigest,
    /// The digest contains characters that are not hexadecimal.
    #[error("digest is not hexadecimal")]
    BadHex,
    /// The digest has fewer than 64 hex characters (a truncated tag).
    #[error("digest is {hex_len} hex characters, expected 64")]
    TooShort {
        /// Number of hex characters received.
        hex_len: usize,
    },
    /// The digest has more than 64 hex characters.
    #[error("digest is {hex_len} hex characters, expected 64")]
    TooLong {
        /// Number of hex characters received.
        hex_len: usize,
    },
}
