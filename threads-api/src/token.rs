//! Secret credentials: user and app access tokens, the app secret.
//!
//! Every type here wraps a [`secrecy::SecretString`]:
//!
//! * `Debug` prints `AccessToken([redacted])`, never the value;
//! * there is no `Display`, `Serialize` or `PartialEq`: comparing secrets with `==` leaks
//!   timing information, and printing them is never what you want;
//! * the value is zeroed in memory when the last copy is dropped.
//!
//! To read the value (for storage in an encrypted vault, say) call
//! [`expose_secret`](AccessToken::expose_secret) explicitly, which makes the place where a
//! secret leaves its wrapper easy to find in review.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// A Threads access token: a user token (`TH...`) or an app token.
///
/// Cloning is cheap (the secret sits behind an `Arc`), so tokens can be handed to many
/// request builders and tasks.
///
/// ```
/// use threads_api::AccessToken;
///
/// let token = AccessToken::new("THQVJ-example");
/// assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
/// ```
#[derive(Clone)]
pub struct AccessToken(Arc<SecretString>);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Arc::new(SecretString::from(token.into())))
    }

    /// Returns the token itself. Call this only where the token must leave the process
    /// (an HTTP request, encrypted storage).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether this looks like an app token (`TH|<app id>|<secret>` or another
    /// `app_id|...` form) rather than a user token.
    pub fn is_app_token(&self) -> bool {
        self.expose_secret().contains('|')
    }

    /// The token as a [`SecretString`], without copying it: hand this to an encrypting
    /// store (for example `token_crypto::Keyring::seal`, which takes `&SecretString`).
    ///
    /// ```
    /// use secrecy::ExposeSecret;
    /// use threads_api::AccessToken;
    ///
    /// let token = AccessToken::new("THQVJ-example");
    /// assert_eq!(token.secret().expose_secret(), "THQVJ-example");
    /// ```
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// Wraps an opened secret (for example from `token_crypto::Keyring::open`) without
/// copying the plaintext.
impl From<SecretString> for AccessToken {
    fn from(value: SecretString) -> Self {
        Self(Arc::new(value))
    }
}

/// Shares a secret that is already behind an `Arc`: no copy at all.
impl From<Arc<SecretString>> for AccessToken {
    fn from(value: Arc<SecretString>) -> Self {
        Self(value)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

impl From<String> for AccessToken {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for AccessToken {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// The Threads app secret (the *Threads* one: a Meta app with the Threads use case has its
/// own app ID and secret).
///
/// Needed for the code exchange, the long-lived token exchange, app tokens and webhook
/// signatures. Keep it on servers only.
///
/// ```
/// use threads_api::AppSecret;
///
/// let secret = AppSecret::new("abcd1234");
/// assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
/// ```
#[derive(Clone)]
pub struct AppSecret(Arc<SecretString>);

impl AppSecret {
    /// Wraps an app secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Arc::new(SecretString::from(secret.into())))
    }

    /// Returns the secret itself, for signing or for a request that needs it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppSecret([redacted])")
    }
}

/// The Threads app's ID and secret together.
///
/// `Debug` shows the app ID (public) and redacts the secret.
///
/// ```
/// use threads_api::{AppCredentials, AppSecret};
///
/// let app = AppCredentials::new("1234567890", AppSecret::new("abcd1234"));
/// // The documented shorthand app token, accepted wherever an app token is needed:
/// assert_eq!(app.app_token().expose_secret(), "TH|1234567890|abcd1234");
/// assert!(!format!("{app:?}").contains("abcd1234"));
/// ```
#[derive(Clone)]
pub struct AppCredentials {
    app_id: String,
    app_secret: AppSecret,
}

impl AppCredentials {
    /// Pairs the Threads app ID with its secret.
    pub fn new(app_id: impl Into<String>, app_secret: AppSecret) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret,
        }
    }

    /// The Threads app ID (`client_id` in OAuth requests).
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The app secret.
    pub fn app_secret(&self) -> &AppSecret {
        &self.app_secret
    }

    /// The app access token shorthand `TH|{app_id}|{app_secret}`.
    ///
    /// Meta accepts this literal wherever an app token is needed (the official sample uses
    /// it for oEmbed), so no network round trip is required. To fetch a token with the
    /// `client_credentials` grant instead, use
    /// [`OAuthClient::app_token`](crate::oauth::OAuthClient::app_token).
    pub fn app_token(&self) -> AccessToken {
        AccessToken::new(format!(
            "TH|{}|{}",
            self.app_id,
            self.app_secret.expose_secret()
        ))
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_token_debug_is_redacted() {
        let token = AccessToken::new("THsecretvalue123");
        let debug = format!("{token:?}");
        assert!(!debug.contains("secretvalue"), "{debug}");
        assert_eq!(debug, "AccessToken([redacted])");
        // Inside containers too.
        let nested = format!("{:?}", Some(vec![token.clone()]));
        assert!(!nested.contains("secretvalue"), "{nested}");
        assert_eq!(token.expose_secret(), "THsecretvalue123");
    }

    #[test]
    fn access_token_deserializes_from_a_json_string() {
        let token: AccessToken = serde_json::from_str("\"THabc\"").unwrap();
        assert_eq!(token.expose_secret(), "THabc");
        assert!(!token.is_app_token());
    }

    #[test]
    fn app_secret_and_credentials_are_redacted() {
        let secret = AppSecret::new("s3cr3t-value");
        assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
        let app = AppCredentials::new("987654", secret);
        let debug = format!("{app:?}");
        assert!(debug.contains("987654"));
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }

    #[test]
    fn app_token_shorthand_has_the_documented_form() {
        let app = AppCredentials::new("1234567890", AppSecret::new("abcd1234"));
        let token = app.app_token();
        assert_eq!(token.expose_secret(), "TH|1234567890|abcd1234");
        assert!(token.is_app_token());
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
    }
}
