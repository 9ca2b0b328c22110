//! # token-crypto
//!
//! The security-sensitive pieces of a Meta Threads integration, with no HTTP framework
//! and no storage attached:
//!
//! * **Sealed tokens** ([`Keyring`], [`SealedToken`], [`TokenContext`]): OAuth tokens
//!   encrypted at rest with AES-256-GCM, bound to the row and column they live in, with
//!   key ids, explicit key rotation and a per-key encryption budget.
//! * **Webhooks** ([`webhook`]): `X-Hub-Signature-256` verification over the raw body
//!   and the `hub.mode` / `hub.verify_token` / `hub.challenge` handshake.
//! * **signed_request** ([`signed_request`], [`deletion`]): Meta's data-deletion and
//!   deauthorize callbacks, and the deletion response with a confirmation code.
//! * **OAuth state** ([`oauth_state`]): signed, expiring, single-use `state` values bound
//!   to a login session.
//!
//! Secrets are [`secrecy`] types throughout; no `Debug`, `Display` or error of this crate
//! ever contains a key, token, app secret or verify token.
//!
//! ## Quick start: sealing a token
//!
//! ```
//! use secrecy::{ExposeSecret, SecretString};
//! use token_crypto::{Keyring, TokenContext, TokenField};
//!
//! # let key = token_crypto::KeyMaterial::generate()?.to_base64();
//! # let spec = format!("*2026-01:{}", key.expose_secret());
//! // Usually `Keyring::from_env("TOKEN_KEYS")` or `Keyring::from_file(path)`.
//! let keyring = Keyring::from_spec(&spec)?;
//!
//! // Where the token will be stored: account 42, row "tok_7", access-token column.
//! let context = TokenContext::new("42", "tok_7", TokenField::AccessToken)?;
//! let sealed = keyring.seal(&SecretString::from("THAA..."), &context)?;
//!
//! // Store `sealed.to_string()` (or the `SealedToken` through serde) and `sealed.key_id()`.
//! let stored = sealed.to_string();
//! let token = keyring.open(&stored.parse()?, &context)?;
//! assert_eq!(token.expose_secret(), "THAA...");
//!
//! // The same ciphertext in another row does not open.
//! let elsewhere = TokenContext::new("43", "tok_7", TokenField::AccessToken)?;
//! assert!(keyring.open(&stored.parse()?, &elsewhere).is_err());
//! # Ok::<(), token_crypto::Error>(())
//! ```
//!
//! ## Stored format
//!
//! A [`SealedToken`] is `version (1) ‖ key-id length ‖ key id ‖ 96-bit nonce ‖
//! ciphertext ‖ 128-bit tag`, written as one base64url string without padding. The key
//! id is in the clear so the store can index it (rotation progress is then a `COUNT`),
//! and so opening looks the key up instead of trying keys.
//!
//! ## Associated data (AAD)
//!
//! AES-GCM authenticates, besides the ciphertext, these parts in this order, each
//! preceded by its length as a 4-byte big-endian integer:
//!
//! 1. the envelope header: format version, key-id length, key id;
//! 2. the domain label ([`DEFAULT_DOMAIN`] unless changed with [`TokenContext::with_domain`]);
//! 3. the owning account id;
//! 4. the record (row) id;
//! 5. the field label (`access_token`, `refresh_token`, or `other:<label>`).
//!
//! Because each part carries its length, bytes cannot be shifted from one part to the
//! next (`("ab","c")` ≠ `("a","bc")`). A ciphertext copied to another account, row or
//! field, or with its version or key id edited, fails with [`Error::DecryptionFailed`].
//! This is what stops someone with write access to the database from swapping tokens
//! between rows.
//!
//! ## Key specification (env var or file)
//!
//! One entry per line, or comma-separated on one line; `#` starts a comment line:
//!
//! ```text
//! *2026-02:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=
//! 2025-08:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
//! ```
//!
//! Each entry is `id:key`: a [`KeyId`] (1–32 of `A-Z a-z 0-9 - _`) and 32 bytes of key in
//! base64 (standard or URL-safe, padded or not). Exactly one entry starts with `*`: the
//! primary, which seals new tokens. The others only open. Generate a key with
//! [`KeyMaterial::generate`] and [`KeyMaterial::to_base64`] (or `openssl rand -base64 32`).
//! Parse errors name the entry number, never its content.
//!
//! ## Rotation phases
//!
//! 1. **Add** the new key without the `*` ([`Keyring::add_decrypt_only`] at run time) and
//!    roll the configuration out to every process. Nothing seals with it yet, so a
//!    process that has not been updated never meets a token it cannot open.
//! 2. **Promote** it (move the `*`, or [`Keyring::promote`]). New seals use it; old
//!    tokens still open with the old key.
//! 3. **Rewrap**: a sweep calls [`Keyring::rewrap`] on every token whose key id is not the
//!    primary (`WHERE key_id <> ?`). It returns the re-sealed token, never the plaintext,
//!    and `None` for tokens already on the primary, so a crashed sweep simply runs again.
//! 4. **Retire**: [`Keyring::retire`] takes the number of tokens still on the key and
//!    refuses while it is above zero; [`Keyring::retire_checked`] asks the store through
//!    [`KeyUsageCounter`]. Then remove the key from the configuration.
//!
//! ## Webhooks
//!
//! ```
//! use secrecy::SecretString;
//! use token_crypto::webhook::{sign, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::with_secrets([
//!     SecretString::from("current-app-secret"),
//!     SecretString::from("previous-app-secret"), // during an app-secret rotation
//! ])?;
//! # let body: &[u8] = br#"{"topic":"moderate"}"#;
//! # let header = sign(&SecretString::from("current-app-secret"), body);
//! // In any framework: all values of the header, and the raw body bytes as received.
//! // With `http`: headers.get_all("x-hub-signature-256").iter().map(|v| v.as_bytes())
//! let header_values = [header.as_bytes()];
//! let event: serde_json::Value = verifier.verify_json(header_values, body)?;
//! # assert_eq!(event["topic"], "moderate");
//! # Ok::<(), token_crypto::Error>(())
//! ```
//!
//! Read at most [`webhook::WebhookVerifier::max_body_bytes`] bytes of body, answer 401/403 on an
//! error, and deduplicate deliveries in your store (Meta's signature has no timestamp, so
//! a replayed delivery verifies again). The GET handshake is
//! [`webhook::SubscriptionHandshake`].
//!
//! ## signed_request
//!
//! ```
//! use std::sync::Arc;
//! use secrecy::SecretString;
//! use token_crypto::SystemClock;
//! use token_crypto::deletion::{ConfirmationCode, DeletionResponse};
//! use token_crypto::signed_request::SignedRequestVerifier;
//!
//! let verifier = SignedRequestVerifier::new(SecretString::from("app-secret"), Arc::new(SystemClock));
//! # let form_value = token_crypto::signed_request::sign_signed_request(
//! #     &SecretString::from("app-secret"),
//! #     &serde_json::json!({"algorithm": "HMAC-SHA256", "user_id": "218471",
//! #                         "issued_at": chrono::Utc::now().timestamp()}));
//! // `form_value` is the `signed_request` field of the POSTed form.
//! let request = verifier.verify(&form_value)?;
//! let code = ConfirmationCode::generate()?;
//! // ...record the deletion for request.user_id under `code`, then answer with:
//! let body = DeletionResponse::new(format!("https://example.com/deletion/{code}"), code);
//! let json = serde_json::to_string(&body).expect("plain strings always serialize");
//! # assert!(json.starts_with(r#"{"url":"https://example.com/deletion/"#));
//! # let _ = request;
//! # Ok::<(), token_crypto::Error>(())
//! ```
//!
//! ## Cargo features
//!
//! * `testing` (off by default): exposes the `testing` module, the raw AES-256-GCM and
//!   HMAC-SHA256 seams that the Wycheproof tests and the fuzz targets drive. Not for
//!   applications.
//!
//! ## Security notes
//!
//! * **Nonce budget.** Nonces are 96 random bits from the OS. After about 2^32 seals under
//!   one key the chance of a repeated nonce stops being negligible, and a repeat leaks
//!   plaintext XOR and the GHASH key. Each key therefore carries an encryption counter;
//!   at the budget (default 2^30, at most 2^31, see [`Keyring::with_encryption_budget`])
//!   sealing fails with [`Error::KeyBudgetExhausted`] until a new key is promoted. The
//!   counter is **per process and in memory**: with several processes or restarts, the
//!   real count is the sum. Persist it if you need the bound to hold globally and seed it
//!   at start-up with [`Keyring::seed_encryptions`]; a stored-token count per key is a
//!   good lower bound. At OAuth-token volumes (a refresh every few weeks per account)
//!   the budget is far away; it exists to catch runaway loops.
//! * **Lookup by key id.** Opening uses only the key named in the token. It never tries
//!   keys in turn, which sidesteps AES-GCM's lack of key commitment (one ciphertext that
//!   opens under two keys), keeps the cost of a failure constant, and makes "which rows
//!   are still on the old key" a simple query. The key id and version are also in the
//!   associated data, so editing them breaks authentication.
//! * **What zeroize does.** Keys live in heap buffers ([`secrecy::SecretBox`]) and inside
//!   the expanded AES state; both are overwritten when dropped (aes-gcm's `zeroize`
//!   feature). Decrypted plaintext is held in a wiping buffer until it becomes the
//!   returned [`secrecy::SecretString`], which wipes itself on drop. Zeroizing does **not**
//!   cover copies the compiler or OS made earlier (moves, register spills, swap, core
//!   dumps), nor copies you make with `expose_secret()`. Keep plaintext tokens
//!   short-lived and do not clone them.
//! * **Constant time.** MACs are compared with the MAC's own `verify_slice`; the
//!   handshake's verify token with [`subtle`] over SHA-256 digests (so its length does not
//!   leak either).
//! * **Verify before parsing.** Webhook bodies and signed_request payloads are decoded
//!   only after their MAC checks out; oversized bodies are refused before hashing.

mod aead_core;
mod clock;
mod context;
mod error;
mod key_id;
mod key_material;
mod key_spec;
mod keyring;
mod mac_core;
mod sealed;

pub mod deletion;
pub mod oauth_state;
pub mod signed_request;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{DEFAULT_DOMAIN, MAX_CONTEXT_PART_LEN, TokenContext, TokenField};
pub use error::{BoxError, Error, Result, SignatureHeaderError};
pub use key_id::{KeyId, MAX_KEY_ID_LEN};
pub use key_material::{KEY_LEN, KeyMaterial};
pub use keyring::{
    DEFAULT_ENCRYPTION_BUDGET, KeyStatus, KeyUsageCounter, Keyring, MAX_ENCRYPTION_BUDGET,
};
pub use sealed::{
    FORMAT_V1, MAX_SEALED_LEN, MAX_SEALED_STR_LEN, MAX_SECRET_LEN, NONCE_LEN, SealedToken, TAG_LEN,
};
/// Re-export of the `secrecy` crate, whose `SecretString` this API takes and returns.
pub use secrecy;
