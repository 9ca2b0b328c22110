//! The crate's one error type.

use crate::PreflightError;

/// What can go wrong storing, checking or probing media.
///
/// No variant carries a storage secret: S3 keys never reach an error, and
/// URLs in errors are printed without their query string (a presigned URL's
/// signature lives there).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The media breaks one of Meta's media rules; the payload names the
    /// rule, the measured value and the limit.
    #[error("media preflight failed: {0}")]
    Preflight(#[from] PreflightError),
    /// Reading the media being checked failed.
    #[error("could not read the media")]
    Read(#[source] std::io::Error),
    /// The bytes are not JPEG, PNG, MP4 or MOV.
    #[error("the file is not JPEG, PNG, MP4 or MOV (first bytes: {head})")]
    UnknownMediaType {
        /// The first bytes, in hexadecimal.
        head: String,
    },
    /// No object is stored under this key.
    #[error("no media stored under {key}")]
    NotFound {
        /// The key.
        key: String,
    },
    /// The storage backend failed.
    #[error("media storage failed to {operation} {key}")]
    Storage {
        /// What was being done (`"store"`, `"delete"`, ...).
        operation: &'static str,
        /// The key or prefix concerned.
        key: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
    /// A string given as a media key is not one this crate produces.
    #[error("invalid media key {key:?}: {reason}")]
    InvalidKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An account id cannot be used as a storage path segment.
    #[error("invalid account id {account:?}: {reason}")]
    InvalidAccount {
        /// The account id as given.
        account: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The store's configuration is incomplete or inconsistent.
    #[error("invalid media store configuration ({setting}): {reason}")]
    Config {
        /// The setting or environment variable concerned.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The backend cannot do this (for example presigning on a local
    /// directory).
    #[error("{operation} is not supported by the {backend} backend")]
    NotSupported {
        /// What was asked.
        operation: &'static str,
        /// The backend's name.
        backend: &'static str,
    },
    /// A URL given to the probe or the store is not an absolute `http` or
    /// `https` URL.
    #[error("invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The URL as given, without its query string.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The probe's request failed (connection, TLS, timeout).
    #[error("probe of {url} failed")]
    Probe {
        /// The URL probed, without its query string.
        url: String,
        /// reqwest's error, with the URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// The probed URL redirected more often than allowed, or to a location
    /// that is not an `http`/`https` URL.
    #[error("probe of {url} stopped: {reason}")]
    Redirect {
        /// The URL that redirected, without its query string.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The probe's HTTP client could not be built (no TLS backend).
    #[error("could not create the probe's HTTP client")]
    HttpClient(#[source] reqwest::Error),
}

impl Error {
    /// The broken media rule, if this is a preflight failure.
    pub fn preflight(&self) -> Option<&PreflightError> {
        match self {
            Error::Preflight(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn storage(
        operation: &'static str,
        key: impl Into<String>,
        source: object_store::Error,
    ) -> Self {
        let key = key.into();
        match source {
            object_store::Error::NotFound { .. } => Error::NotFound { key },
            source => Error::Storage {
                operation,
                key,
                source,
            },
        }
    }
}

/// A URL as it may appear in errors and `Debug` output: without its query
/// string and fragment, which can hold a presigned URL's signature.
pub(crate) fn redact_url(url: &str) -> String {
    match url.find(['?', '#']) {
        Some(i) => format!("{}?…", &url[..i]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_query_strings() {
        assert_eq!(
            redact_url("https://b.example/k.jpg?X-Amz-Signature=abc"),
            "https://b.example/k.jpg?…"
        );
        assert_eq!(
            redact_url("https://b.example/k.jpg"),
            "https://b.example/k.jpg"
        );
    }

    #[test]
    fn not_found_is_its_own_variant() {
        let err = Error::storage(
            "read",
            "a/b.jpg",
            object_store::Error::NotFound {
                path: "a/b.jpg".into(),
                source: "gone".into(),
            },
        );
        assert!(matches!(err, Error::NotFound { ref key } if key == "a/b.jpg"));
    }
}
