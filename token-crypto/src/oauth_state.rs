//! Signed, expiring, single-use OAuth `state` values bound to a session.
//!
//! This is the one way the workspace keeps OAuth `state`: the value is signed
//! (so it cannot be forged or altered), bound to the browser session that
//! started the login (so it cannot be used from another browser), expiring,
//! and single use (its nonce is consumed in a [`NonceStore`]; the store crates
//! provide one over their database). What the login needs back in the
//! callback (organisation, user, requested scopes, where to return) travels
//! inside the signed value as [`StateClaims`], so nothing else has to be
//! stored while the person is on the consent dialog.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::aead_core;
use crate::clock::Clock;
use crate::error::Error;
use crate::key_material::KeyMaterial;
use crate::mac_core::{self, MAC_LEN};

/// Default lifetime of a state value.
pub const DEFAULT_STATE_TTL: TimeDelta = TimeDelta::minutes(10);
/// Longest accepted state string (claims included).
pub const MAX_STATE_LEN: usize = 1024;
/// Default capacity of [`MemoryNonceStore`].
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;
const NONCE_LEN: usize = 16;
const DOMAIN: &[u8] = b"threads-toolkit/oauth-state";
const VERSION: &str = "v2";

/// Remembers which state nonces were already used, until they expire.
///
/// Object safe, so hosts can hold an `Arc<dyn NonceStore>`. The store crates implement it
/// over their databases (a table with a unique key on the nonce and an expiry column).
#[async_trait]
pub trait NonceStore: Send + Sync {
    /// Records `nonce` as used and returns `true` if it had not been used before;
    /// returns `false` if it was already recorded and has not expired.
    /// `expires_at` tells the store when the entry may be forgotten.
    async fn consume_once(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool, Error>;
}

/// A bounded in-process [`NonceStore`]. Expired entries are purged when it fills up;
/// if it is still full, new nonces are refused with [`Error::NonceStoreFull`] (refusing a
/// login is safer than forgetting a live nonce). Only suitable for a single process.
pub struct MemoryNonceStore {
    clock: Arc<dyn Clock>,
    capacity: usize,
    seen: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemoryNonceStore {
    /// A store holding at most [`DEFAULT_NONCE_CAPACITY`] unexpired nonces.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_capacity(clock, DEFAULT_NONCE_CAPACITY)
    }

    /// A store holding at most `capacity` unexpired nonces.
    pub fn with_capacity(clock: Arc<dyn Clock>, capacity: usize) -> Self {
        Self {
            clock,
            capacity,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Number of entries currently held (expired ones included until the next purge).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DateTime<Utc>>> {
        // The map stays consistent even if a holder panicked: every update is one call.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl NonceStore for MemoryNonceStore {
    async fn consume_once(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool, Error> {
        let now = self.clock.now();
        let mut seen = self.lock();
        if let Some(&until) = seen.get(nonce)
            && until > now
        {
            return Ok(false);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, until| *until > now);
            if seen.len() >= self.capacity {
                return Err(Error::NonceStoreFull {
                    capacity: self.capacity,
                });
            }
        }
        seen.insert(nonce.to_owned(), expires_at);
        Ok(true)
    }
}

impl fmt::Debug for MemoryNonceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryNonceStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

/// What a login carries through the consent dialog, inside the signed state.
///
/// Everything here is readable by whoever sees the URL (the state is signed,
/// not encrypted): put ids and scope names in it, never secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateClaims {
    /// The organisation (tenant) connecting an account.
    #[serde(default, rename = "o", skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The host's user who started the login.
    #[serde(default, rename = "u", skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The scopes asked for.
    #[serde(default, rename = "s", skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Where to send the person after the callback (the host checks it is its own).
    #[serde(default, rename = "r", skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
}

/// A state that passed every check and was consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedState {
    /// What the login carried.
    pub claims: StateClaims,
    /// When the state would have expired.
    pub expires_at: DateTime<Utc>,
}

/// Issues and checks OAuth `state` values.
///
/// A state is `v2.<nonce>.<expiry>.<claims>.<tag>`: a 128-bit random nonce (base64url),
/// the expiry in Unix seconds, the [`StateClaims`] as base64url JSON, and HMAC-SHA256 over
/// the length-prefixed domain label, version, session id, nonce, expiry and claims. The
/// session id is *not* in the string, only in the MAC, so it may be a secret cookie
/// value. Checking a state verifies the MAC for the caller's session, the expiry against
/// the [`Clock`], and finally consumes the nonce in a [`NonceStore`] so each state is
/// accepted once; only then are the claims returned.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::sync::Arc;
/// use token_crypto::{KeyMaterial, SystemClock};
/// use token_crypto::oauth_state::{MemoryNonceStore, OAuthStateSigner, StateClaims};
///
/// let clock = Arc::new(SystemClock);
/// let signer = OAuthStateSigner::new(KeyMaterial::generate()?, clock.clone());
/// let nonces = MemoryNonceStore::new(clock);
/// let claims = StateClaims { org: Some("acme".into()), ..StateClaims::default() };
/// let state = signer.issue_with("session-123", &claims)?;
/// let verified = signer.verify(&state, "session-123", &nonces).await?;
/// assert_eq!(verified.claims.org.as_deref(), Some("acme"));
/// assert!(signer.verify(&state, "session-123", &nonces).await.is_err()); // single use
/// # Ok::<(), token_crypto::Error>(())
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct OAuthStateSigner {
    key: KeyMaterial,
    clock: Arc<dyn Clock>,
    ttl: TimeDelta,
}

impl OAuthStateSigner {
    /// A signer with a dedicated 256-bit key (do not reuse a token-sealing key) and the
    /// default 10-minute lifetime.
    pub fn new(key: KeyMaterial, clock: Arc<dyn Clock>) -> Self {
        Self {
            key,
            clock,
            ttl: DEFAULT_STATE_TTL,
        }
    }

    /// Sets how long an issued state stays valid.
    pub fn with_ttl(mut self, ttl: TimeDelta) -> Self {
        self.ttl = ttl;
        self
    }

    fn tag(&self, session_id: &str, nonce: &str, expiry: i64, claims: &str) -> [u8; MAC_LEN] {
        let parts = signed_parts(session_id, nonce, expiry, claims);
        mac_core::sign(self.key.bytes(), &[&parts])
    }

    /// Issues a state for `session_id` (non-empty) without claims.
    pub fn issue(&self, session_id: &str) -> Result<String, Error> {
        self.issue_with(session_id, &StateClaims::default())
    }

    /// Issues a state for `session_id` (non-empty) carrying `claims`.
    /// [`Error::MalformedState`] if the result would exceed [`MAX_STATE_LEN`].
    pub fn issue_with(&self, session_id: &str, claims: &StateClaims) -> Result<String, Error> {
        if session_id.is_empty() {
            return Err(Error::InvalidContext("session id is empty"));
        }
        let mut raw = [0u8; NONCE_LEN];
        aead_core::random(&mut raw)?;
        let nonce = URL_SAFE_NO_PAD.encode(raw);
        let expiry = self
            .clock
            .now()
            .checked_add_signed(self.ttl)
            .ok_or(Error::InvalidContext(
                "state lifetime overflows the calendar",
            ))?
            .timestamp();
        let json = serde_json::to_vec(claims)
            .map_err(|_| Error::MalformedState("claims cannot be encoded"))?;
        let claims = URL_SAFE_NO_PAD.encode(json);
        let tag = self.tag(session_id, &nonce, expiry, &claims);
        let state = format!(
            "{VERSION}.{nonce}.{expiry}.{claims}.{}",
            URL_SAFE_NO_PAD.encode(tag)
        );
        if state.len() > MAX_STATE_LEN {
            return Err(Error::MalformedState("claims make the state too long"));
        }
        Ok(state)
    }

    /// Checks `state` for `session_id`, consumes it, and returns its claims.
    ///
    /// Fails with [`Error::MalformedState`], [`Error::StateSignature`] (forged,
    /// altered, or issued for another session), [`Error::StateExpired`] or
    /// [`Error::StateReplayed`] (used before). A refused state does not consume
    /// the nonce, except a replay, which already had.
    pub async fn verify(
        &self,
        state: &str,
        session_id: &str,
        nonces: &dyn NonceStore,
    ) -> Result<VerifiedState, Error> {
        let (nonce, expires_at, claims) = self.check(state, session_id)?;
        if nonces.consume_once(nonce, expires_at).await? {
            Ok(VerifiedState { claims, expires_at })
        } else {
            Err(Error::StateReplayed)
        }
    }

    /// Verifies MAC and expiry without consuming the nonce; returns the nonce, expiry
    /// and claims.
    fn check<'s>(
        &self,
        state: &'s str,
        session_id: &str,
    ) -> Result<(&'s str, DateTime<Utc>, StateClaims), Error> {
        if state.len() > MAX_STATE_LEN {
            return Err(Error::MalformedState("too long"));
        }
        let mut parts = state.split('.');
        let (Some(version), Some(nonce), Some(expiry), Some(claims), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::MalformedState("expected five dot-separated parts"));
        };
        if version != VERSION {
            return Err(Error::MalformedState("unknown version"));
        }
        let raw_nonce = URL_SAFE_NO_PAD
            .decode(nonce)
            .map_err(|_| Error::MalformedState("nonce is not base64url"))?;
        if raw_nonce.len() != NONCE_LEN {
            return Err(Error::MalformedState("nonce has the wrong length"));
        }
        if expiry.is_empty() || !expiry.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::MalformedState("expiry is not a number"));
        }
        let expiry: i64 = expiry
            .parse()
            .map_err(|_| Error::MalformedState("expiry is out of range"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| Error::MalformedState("tag is not base64url"))?;
        let expected = signed_parts(session_id, nonce, expiry, claims);
        if !mac_core::verify(self.key.bytes(), &[&expected], &tag) {
            return Err(Error::StateSignature);
        }
        let expires_at = DateTime::<Utc>::from_timestamp(expiry, 0)
            .ok_or(Error::MalformedState("expiry is out of range"))?;
        if self.clock.now() >= expires_at {
            return Err(Error::StateExpired);
        }
        // Authentic from here on: only this signer could have written the claims.
        let json = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| Error::MalformedState("claims are not base64url"))?;
        let claims: StateClaims = serde_json::from_slice(&json)
            .map_err(|_| Error::MalformedState("claims are not valid JSON"))?;
        Ok((nonce, expires_at, claims))
    }
}

/// The bytes the tag covers.
fn signed_parts(session_id: &str, nonce: &str, expiry: i64, claims: &str) -> Vec<u8> {
    framed(&[
        DOMAIN,
        VERSION.as_bytes(),
        session_id.as_bytes(),
        nonce.as_bytes(),
        &expiry.to_be_bytes(),
        claims.as_bytes(),
    ])
}

impl fmt::Debug for OAuthStateSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthStateSigner")
            .field("key", &self.key)
            .field("clock", &self.clock)
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// Length-prefixed concatenation (4-byte big-endian length before each part).
fn framed(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| 4 + p.len()).sum());
    for part in parts {
        // Parts are bounded (session ids by the caller, the rest by this module);
        // saturate rather than wrap if a caller passes something absurd.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}
