//! [`MediaStoreBuilder`]: picks the backend and how URLs are made, from
//! code or from environment variables.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use url::Url;

use crate::error::redact_url;
use crate::store::{Backend, Inner, UrlPolicy, check_expiry};
use crate::{Cleanup, Error, Limits, MediaStore, key};

/// Presigned URL lifetime when `THREADS_MEDIA_PRESIGN_SECONDS` is not set.
pub const DEFAULT_PRESIGN: Duration = Duration::from_secs(3600);

enum BackendConfig {
    Local(PathBuf),
    Memory,
    Custom(Arc<dyn ObjectStore>),
    #[cfg(feature = "s3")]
    S3(crate::S3Config),
}

/// Configures a [`MediaStore`].
///
/// Pick a backend ([`local`](Self::local), [`memory`](Self::memory),
/// [`custom`](Self::custom), `s3` with the `s3` feature, or
/// [`from_env`](Self::from_env)), then how URLs are made: a public base
/// URL (the key is appended) or, on S3, [`presigned`](Self::presigned) URLs.
///
/// ```
/// use threads_media::{Cleanup, MediaStoreBuilder};
///
/// let dir = std::env::temp_dir().join("threads-media-doc");
/// let store = MediaStoreBuilder::local(&dir, "https://example.com/media/")
///     .prefix("v1")
///     .cleanup(Cleanup::Keep)
///     .build()?;
/// assert_eq!(store.backend(), "local");
/// # Ok::<(), threads_media::Error>(())
/// ```
pub struct MediaStoreBuilder {
    backend: BackendConfig,
    public_base_url: Option<String>,
    presign: Option<Duration>,
    prefix: Option<String>,
    cleanup: Cleanup,
    limits: Limits,
}

impl fmt::Debug for MediaStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.backend {
            BackendConfig::Local(dir) => format!("local({})", dir.display()),
            BackendConfig::Memory => "memory".to_owned(),
            BackendConfig::Custom(store) => format!("custom({store})"),
            #[cfg(feature = "s3")]
            BackendConfig::S3(config) => format!("{config:?}"),
        };
        f.debug_struct("MediaStoreBuilder")
            .field("backend", &backend)
            .field(
                "public_base_url",
                &self.public_base_url.as_deref().map(redact_url),
            )
            .field("presign", &self.presign)
            .field("prefix", &self.prefix)
            .field("cleanup", &self.cleanup)
            .finish_non_exhaustive()
    }
}

impl MediaStoreBuilder {
    fn new(backend: BackendConfig, public_base_url: Option<String>) -> Self {
        MediaStoreBuilder {
            backend,
            public_base_url,
            presign: None,
            prefix: None,
            cleanup: Cleanup::default(),
            limits: Limits::default(),
        }
    }

    /// A local directory (created if missing), served over HTTP by the
    /// host's router at `public_base_url`: the embedded default. See
    /// [`MediaStore::local_file`] for what the route does.
    pub fn local(dir: impl Into<PathBuf>, public_base_url: impl Into<String>) -> Self {
        Self::new(
            BackendConfig::Local(dir.into()),
            Some(public_base_url.into()),
        )
    }

    /// In-memory storage (tests, development); URLs are
    /// `public_base_url` + key, which nothing serves unless the host does.
    pub fn memory(public_base_url: impl Into<String>) -> Self {
        Self::new(BackendConfig::Memory, Some(public_base_url.into()))
    }

    /// Any [`ObjectStore`] (Google Cloud Storage, Azure, a `PrefixStore`,
    /// ...), with public URLs under `public_base_url`.
    pub fn custom(store: Arc<dyn ObjectStore>, public_base_url: impl Into<String>) -> Self {
        Self::new(BackendConfig::Custom(store), Some(public_base_url.into()))
    }

    /// S3-compatible storage (AWS S3, Cloudflare R2, MinIO, ...). Without
    /// [`public_base_url`](Self::public_base_url), URLs are presigned for
    /// [`DEFAULT_PRESIGN`] unless [`presigned`](Self::presigned) says
    /// otherwise.
    #[cfg(feature = "s3")]
    pub fn s3(config: crate::S3Config) -> Self {
        Self::new(BackendConfig::S3(config), None)
    }

    /// Reads the configuration from environment variables:
    ///
    /// | Variable | Meaning | Default |
    /// |---|---|---|
    /// | `THREADS_MEDIA_BACKEND` | `local` or `s3` (`s3` needs the `s3` feature) | `local` |
    /// | `THREADS_MEDIA_DIR` | directory of the local backend | `media` |
    /// | `THREADS_MEDIA_PUBLIC_URL` | public base URL (required for `local`; for `s3`, a public bucket or custom domain; unset means presigned URLs) | none |
    /// | `THREADS_MEDIA_PRESIGN_SECONDS` | presigned URL lifetime | 3600 |
    /// | `THREADS_MEDIA_PREFIX` | key prefix | none |
    /// | `THREADS_MEDIA_CLEANUP` | `after_publish` or `keep` | `after_publish` |
    ///
    /// The S3 settings (`THREADS_MEDIA_S3_URL` and the `AWS_*` variables)
    /// are those of `S3Config::from_env`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with another source of variables.
    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let public = get("THREADS_MEDIA_PUBLIC_URL");
        let mut builder = match get("THREADS_MEDIA_BACKEND").as_deref().unwrap_or("local") {
            "local" => {
                let Some(public) = public else {
                    return Err(Error::Config {
                        setting: "THREADS_MEDIA_PUBLIC_URL",
                        reason: "the local backend needs the URL the directory is served at"
                            .to_owned(),
                    });
                };
                let dir = get("THREADS_MEDIA_DIR").unwrap_or_else(|| "media".to_owned());
                Self::local(dir, public)
            }
            #[cfg(feature = "s3")]
            "s3" => {
                let mut builder = Self::s3(crate::S3Config::from_lookup(&get)?);
                builder.public_base_url = public;
                builder
            }
            other => {
                return Err(Error::Config {
                    setting: "THREADS_MEDIA_BACKEND",
                    reason: format!(
                        "{other:?} is not a backend of this build (local{})",
                        if cfg!(feature = "s3") { ", s3" } else { "" }
                    ),
                });
            }
        };
        if let Some(secs) = get("THREADS_MEDIA_PRESIGN_SECONDS") {
            let secs: u64 = secs.trim().parse().map_err(|_| Error::Config {
                setting: "THREADS_MEDIA_PRESIGN_SECONDS",
                reason: format!("{secs:?} is not a whole number of seconds"),
            })?;
            builder.presign = Some(Duration::from_secs(secs));
        }
        if let Some(prefix) = get("THREADS_MEDIA_PREFIX") {
            builder.prefix = Some(prefix);
        }
        if let Some(cleanup) = get("THREADS_MEDIA_CLEANUP") {
            builder.cleanup = match cleanup.trim() {
                "after_publish" => Cleanup::AfterPublish,
                "keep" => Cleanup::Keep,
                other => {
                    return Err(Error::Config {
                        setting: "THREADS_MEDIA_CLEANUP",
                        reason: format!("{other:?} is neither after_publish nor keep"),
                    });
                }
            };
        }
        Ok(builder)
    }

    /// Serves media at `url` + key (a public bucket, a CDN, a custom
    /// domain, or the host's route for the local directory).
    #[must_use]
    pub fn public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self.presign = None;
        self
    }

    /// Hands out presigned `GET` URLs valid for `expires_in` (at most 7
    /// days) instead of public ones. Only S3 backends can sign.
    #[must_use]
    pub fn presigned(mut self, expires_in: Duration) -> Self {
        self.presign = Some(expires_in);
        self.public_base_url = None;
        self
    }

    /// Puts every key under `prefix` (one or more `/`-separated segments of
    /// `A–Z a–z 0–9 . _ -`), to share a bucket with other data.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Sets the cleanup policy (default [`Cleanup::AfterPublish`]).
    #[must_use]
    pub fn cleanup(mut self, cleanup: Cleanup) -> Self {
        self.cleanup = cleanup;
        self
    }

    /// Sets the limits for [`MediaStore::preflight`] and
    /// [`MediaStore::put_stream`] (default: Meta's).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the store.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an invalid prefix, base URL or expiry, a
    /// missing base URL on a backend that cannot presign, or a local
    /// directory that cannot be created; [`Error::Storage`] if object_store
    /// refuses the S3 settings.
    pub fn build(self) -> Result<MediaStore, Error> {
        if let Some(prefix) = &self.prefix {
            key::check_prefix(prefix).map_err(|reason| Error::Config {
                setting: "prefix",
                reason: format!("{prefix:?}: {reason}"),
            })?;
        }
        let (store, backend): (Arc<dyn ObjectStore>, Backend) = match self.backend {
            BackendConfig::Local(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| Error::Config {
                    setting: "local directory",
                    reason: format!("cannot create {}: {e}", dir.display()),
                })?;
                let root = std::fs::canonicalize(&dir).map_err(|e| Error::Config {
                    setting: "local directory",
                    reason: format!("cannot resolve {}: {e}", dir.display()),
                })?;
                let fs = LocalFileSystem::new_with_prefix(&root)
                    .map_err(|e| Error::storage("open", root.display().to_string(), e))?
                    .with_automatic_cleanup(true);
                (Arc::new(fs), Backend::Local { root })
            }
            BackendConfig::Memory => (Arc::new(InMemory::new()), Backend::Memory),
            BackendConfig::Custom(store) => (store, Backend::Custom),
            #[cfg(feature = "s3")]
            BackendConfig::S3(config) => {
                let s3 = Arc::new(config.build()?);
                (
                    Arc::clone(&s3) as Arc<dyn ObjectStore>,
                    Backend::S3 {
                        bucket_url: config.bucket_url().to_owned(),
                        signer: s3,
                    },
                )
            }
        };
        let urls = match (self.public_base_url, self.presign) {
            (Some(base), _) => UrlPolicy::Public(base_url(&base)?),
            (None, presign) => {
                #[cfg(feature = "s3")]
                let can_sign = matches!(backend, Backend::S3 { .. });
                #[cfg(not(feature = "s3"))]
                let can_sign = false;
                if !can_sign {
                    return Err(Error::Config {
                        setting: "public base URL",
                        reason: format!(
                            "the {} backend cannot presign URLs; set a public base URL",
                            backend.name()
                        ),
                    });
                }
                let expires_in = presign.unwrap_or(DEFAULT_PRESIGN);
                check_expiry(expires_in)?;
                UrlPolicy::Presigned(expires_in)
            }
        };
        Ok(MediaStore {
            inner: Arc::new(Inner {
                store,
                backend,
                urls,
                prefix: self.prefix,
                cleanup: self.cleanup,
                limits: self.limits,
            }),
        })
    }
}

/// Parses a public base URL: `http`/`https`, no query or fragment, ending
/// with `/` so keys are appended below it.
fn base_url(base: &str) -> Result<Url, Error> {
    let mut url = crate::probe::parse_http_url(base)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidUrl {
            url: redact_url(base),
            reason: "a public base URL cannot have a query or fragment".to_owned(),
        });
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn env_local_needs_a_public_url() {
        let err = MediaStoreBuilder::from_lookup(lookup(&[])).unwrap_err();
        assert!(matches!(
            err,
            Error::Config {
                setting: "THREADS_MEDIA_PUBLIC_URL",
                ..
            }
        ));
        let dir = tempfile::tempdir().unwrap();
        let dir_s = dir.path().join("m").display().to_string();
        let store = MediaStoreBuilder::from_lookup(lookup(&[
            ("THREADS_MEDIA_PUBLIC_URL", "https://cdn.example/m"),
            ("THREADS_MEDIA_DIR", &dir_s),
            ("THREADS_MEDIA_PREFIX", "v1"),
            ("THREADS_MEDIA_CLEANUP", "keep"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(store.backend(), "local");
        assert_eq!(store.cleanup(), Cleanup::Keep);
        assert!(dir.path().join("m").is_dir());
    }

    #[test]
    fn env_rejects_bad_values() {
        for (var, value) in [
            ("THREADS_MEDIA_BACKEND", "ftp"),
            ("THREADS_MEDIA_CLEANUP", "sometimes"),
            ("THREADS_MEDIA_PRESIGN_SECONDS", "soon"),
        ] {
            let err = MediaStoreBuilder::from_lookup(lookup(&[
                ("THREADS_MEDIA_PUBLIC_URL", "https://cdn.example/"),
                (var, value),
            ]))
            .unwrap_err();
            assert!(
                matches!(&err, Error::Config { setting, .. } if *setting == var),
                "{var}: {err}"
            );
        }
    }

    #[test]
    fn base_urls_are_checked_and_end_with_a_slash() {
        assert_eq!(
            base_url("https://cdn.example/media").unwrap().as_str(),
            "https://cdn.example/media/"
        );
        assert!(base_url("ftp://cdn.example/").is_err());
        assert!(base_url("https://cdn.example/?sig=1").is_err());
        assert!(base_url("/media").is_err());
    }

    #[test]
    fn backends_without_a_signer_need_a_public_url() {
        let err = MediaStoreBuilder::memory("https://cdn.example/")
            .presigned(Duration::from_secs(60))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
        let err = MediaStoreBuilder::memory("https://cdn.example/")
            .prefix("a/../b")
            .build()
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Config {
                setting: "prefix",
                ..
            }
        ));
    }
}
