//! Signed, expiring, single-use OAuth `state` values bound to a session.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};

use crate::aead_core;
use crate::clock::Clock;
use crate::error::Error;
use crate::key_material::KeyMaterial;
use crate::mac_core::{self, MAC_LEN};

/// Default lifetime of a state value.
pub const DEFAULT_STATE_TTL: TimeDelta = TimeDelta::minutes(10);
/// Longest accepted state string.
pub const MAX_STATE_LEN: usize = 128;
/// Default capacity of [`MemoryNonceStore`].
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;
const NONCE_LEN: usize = 16;
const DOMAIN: &[u8] = b"threads-toolkit/oauth-state";
const VERSION: &str = "v1";

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
        if let Some(&until) = seen.get(nonce) {
            if until > now {
                return Ok(false);
            }
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

/// Issues and checks OAuth `state` values.
///
/// A state is `v1.<nonce>.<expiry>.<tag>`: a 128-bit random nonce (base64url), the expiry
/// in Unix seconds, and HMAC-SHA256 over the length-prefixed domain label, version,
/// session id, nonce and expiry. The session id is *not* in the string, only in the
/// MAC, so it may be a secret cookie value. Checking a state verifies the MAC for the
/// caller's session, the expiry against the [`Clock`], and finally consumes the nonce in
/// a [`NonceStore`] so each state is accepted once.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::sync::Arc;
/// use token_crypto::{KeyMaterial, SystemClock};
/// use token_crypto::oauth_state::{MemoryNonceStore, OAuthStateSigner};
///
/// let clock = Arc::new(SystemClock);
/// let signer = OAuthStateSigner::new(KeyMaterial::generate()?, clock.clone());
/// let nonces = MemoryNonceStore::new(clock);
/// let state = signer.issue("session-123")?;
/// signer.verify(&state, "session-123", &nonces).await?;
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

    fn tag(&self, session_id: &str, nonce: &str, expiry: i64) -> [u8; MAC_LEN] {
        let expiry = expiry.to_be_bytes();
        let parts = framed(&[
            DOMAIN,
            VERSION.as_bytes(),
            session_id.as_bytes(),
            nonce.as_bytes(),
            &expiry,
        ]);
        mac_core::sign(self.key.bytes(), &[&parts])
    }

    /// Issues a state for `session_id` (non-empty).
    pub fn issue(&self, session_id: &str) -> Result<String, Error> {
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
        let tag = self.tag(session_id, &nonce, expiry);
        Ok(format!(
            "{VERSION}.{nonce}.{expiry}.{}",
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    /// Checks `state` for `session_id` and consumes it.
    pub async fn verify(
        &self,
        state: &str,
        session_id: &str,
        nonces: &dyn NonceStore,
    ) -> Result<(), Error> {
        let (nonce, expires_at) = self.check(state, session_id)?;
        if nonces.consume_once(nonce, expires_at).await? {
            Ok(())
        } else {
            Err(Error::StateReplayed)
        }
    }

    /// Verifies MAC and expiry without consuming the nonce; returns the nonce and expiry.
    fn check<'s>(
        &self,
        state: &'s str,
        session_id: &str,
    ) -> Result<(&'s str, DateTime<Utc>), Error> {
        if state.len() > MAX_STATE_LEN {
            return Err(Error::MalformedState("too long"));
        }
        let mut parts = state.split('.');
        let (Some(version), Some(nonce), Some(expiry), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::MalformedState("expected four dot-separated parts"));
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
        let expected = framed(&[
            DOMAIN,
            VERSION.as_bytes(),
            session_id.as_bytes(),
            nonce.as_bytes(),
            &expiry.to_be_bytes(),
        ]);
        if !mac_core::verify(self.key.bytes(), &[&expected], &tag) {
            return Err(Error::StateSignature);
        }
        let expires_at = DateTime::<Utc>::from_timestamp(expiry, 0)
            .ok_or(Error::MalformedState("expiry is out of range"))?;
        if self.clock.now() >= expires_at {
            return Err(Error::StateExpired);
        }
        Ok((nonce, expires_at))
    }
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
