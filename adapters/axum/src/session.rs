//! The browser session cookie, and the CSRF tokens bound to it.
//!
//! The cookie holds a random id (32 bytes from the operating system,
//! base64url) and nothing else: `HttpOnly`, `SameSite=Lax`, `Path=/`,
//! `Secure` unless turned off. The OAuth `state` is bound to a hash of the
//! id, so a callback that arrives in another browser is refused. A form's
//! CSRF token is the HMAC-SHA256 of the id under the CSRF key: a page
//! rendered for this session carries it in a hidden field, and a post
//! without the cookie, or with a token made for another session, is
//! refused before anything is read.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use http::header::{COOKIE, HeaderValue};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Bytes of randomness in a session id.
const SESSION_BYTES: usize = 32;
/// Length of a session id in base64url without padding.
const SESSION_CHARS: usize = 43;

/// A browser session id, as read from (or written to) the cookie.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SessionId(String);

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([REDACTED])")
    }
}

impl SessionId {
    /// A fresh random id.
    pub(crate) fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; SESSION_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// An id read from outside, if it has the shape of one we issued.
    fn parse(value: &str) -> Option<Self> {
        (value.len() == SESSION_CHARS
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(value.to_owned()))
    }

    /// What the OAuth `state` is bound to: a hash of the id, so the id itself
    /// never leaves this module.
    pub(crate) fn oauth_binding(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"threads-axum/oauth-session/v1\0")
            .chain_update(self.0.as_bytes())
            .finalize();
        URL_SAFE_NO_PAD.encode(digest)
    }
}

/// The session cookie's settings.
#[derive(Debug, Clone)]
pub(crate) struct Sessions {
    pub(crate) cookie_name: String,
    pub(crate) secure: bool,
}

impl Sessions {
    /// The session id the request's cookie carries, if any (the first valid
    /// one when the cookie appears more than once).
    pub(crate) fn read(&self, headers: &HeaderMap) -> Option<SessionId> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| *name == self.cookie_name)
            .find_map(|(_, value)| SessionId::parse(value.trim()))
    }

    /// The `Set-Cookie` value that stores `id`.
    pub(crate) fn set_cookie(&self, id: &SessionId) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            self.cookie_name, id.0
        ))
        .ok()
    }
}

impl Sessions {
    /// The request's session, or a new one with the `Set-Cookie` value that
    /// stores it.
    pub(crate) fn current_or_new(
        &self,
        current: Option<&SessionId>,
    ) -> Result<(SessionId, Option<HeaderValue>), getrandom::Error> {
        match current {
            Some(session) => Ok((session.clone(), None)),
            None => {
                let session = SessionId::generate()?;
                let cookie = self.set_cookie(&session);
                Ok((session, cookie))
            }
        }
    }
}

/// Checks that a cookie name is one we can write without quoting.
pub(crate) fn valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Makes and checks CSRF tokens (HMAC-SHA256 of the session id).
#[derive(Clone)]
pub(crate) struct Csrf {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for Csrf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Csrf { key: [REDACTED] }")
    }
}

impl Csrf {
    /// Keys the MAC with `key` (32 bytes of key material).
    pub(crate) fn new(key: &token_crypto::KeyMaterial) -> Option<Self> {
        let encoded = key.to_base64();
        let bytes = zeroizing_decode(encoded.expose_secret())?;
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&bytes).ok()?;
        Some(Self { mac })
    }

    fn keyed(&self, session: &SessionId) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(b"threads-axum/csrf/v1\0");
        mac.update(session.0.as_bytes());
        mac
    }

    /// The token for forms of `session`.
    pub(crate) fn token(&self, session: &SessionId) -> String {
        URL_SAFE_NO_PAD.encode(self.keyed(session).finalize().into_bytes())
    }

    /// Whether `token` was made for `session` (constant-time comparison).
    pub(crate) fn verify(&self, session: &SessionId, token: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        self.keyed(session).verify_slice(&tag).is_ok()
    }
}

/// Decodes the key's base64 into a buffer wiped when dropped.
fn zeroizing_decode(encoded: &str) -> Option<Zeroizing<Vec<u8>>> {
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> Sessions {
        Sessions {
            cookie_name: "threads_session".into(),
            secure: true,
        }
    }

    #[test]
    fn a_cookie_round_trips_and_foreign_values_are_ignored() {
        let id = SessionId::generate().unwrap();
        let cookie = sessions().set_cookie(&id).unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        assert!(cookie.ends_with("; Secure"));
        let value = cookie.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {value}; x=y")).unwrap(),
        );
        assert_eq!(sessions().read(&headers), Some(id));
        let mut forged = HeaderMap::new();
        forged.insert(
            COOKIE,
            HeaderValue::from_static("threads_session=../../etc/passwd"),
        );
        assert_eq!(sessions().read(&forged), None);
    }

    #[test]
    fn a_csrf_token_is_bound_to_its_session_and_key() {
        let key = token_crypto::KeyMaterial::generate().unwrap();
        let csrf = Csrf::new(&key).unwrap();
        let a = SessionId::generate().unwrap();
        let b = SessionId::generate().unwrap();
        let token = csrf.token(&a);
        assert!(csrf.verify(&a, &token));
        assert!(!csrf.verify(&b, &token));
        assert!(!csrf.verify(&a, ""));
        assert!(!csrf.verify(&a, &token[..token.len() - 2]));
        let other = Csrf::new(&token_crypto::KeyMaterial::generate().unwrap()).unwrap();
        assert!(!other.verify(&a, &token));
        assert_ne!(a.oauth_binding(), b.oauth_binding());
    }
}
