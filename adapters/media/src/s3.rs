//! [`S3Config`]: settings of an S3-compatible backend (AWS S3, Cloudflare
//! R2, MinIO, ...), handed to object_store's `AmazonS3Builder`.

use std::fmt;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// Settings of an S3-compatible bucket.
///
/// The bucket URL is parsed by object_store: `s3://bucket`,
/// `https://bucket.s3.region.amazonaws.com`,
/// `https://s3.region.amazonaws.com/bucket`, or Cloudflare R2's
/// `https://<account>.r2.cloudflarestorage.com/<bucket>` (region `auto`,
/// endpoint set from the URL). `Debug` shows neither key.
///
/// ```
/// use threads_media::{MediaStoreBuilder, S3Config};
///
/// let r2 = S3Config::new("https://0123abcd.r2.cloudflarestorage.com/media")
///     .credentials("key-id", "secret");
/// // Presigned URLs (one hour) unless a public bucket URL is given:
/// let store = MediaStoreBuilder::s3(r2)
///     .public_base_url("https://media.example.com/")
///     .build()?;
/// assert_eq!(store.backend(), "s3");
/// # Ok::<(), threads_media::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct S3Config {
    url: String,
    endpoint: Option<String>,
    region: Option<String>,
    access_key_id: Option<SecretString>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
    allow_http: bool,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<SecretString>| if v.is_some() { "[set]" } else { "[unset]" };
        f.debug_struct("S3Config")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &set(&self.access_key_id))
            .field("secret_access_key", &set(&self.secret_access_key))
            .field("session_token", &set(&self.session_token))
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl S3Config {
    /// A bucket by URL (see the type's docs for the accepted forms).
    pub fn new(bucket_url: impl Into<String>) -> Self {
        S3Config {
            url: bucket_url.into(),
            ..S3Config::default()
        }
    }

    /// Reads `THREADS_MEDIA_S3_URL` (the bucket URL, required),
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT` (or
    /// `AWS_ENDPOINT_URL`) and `AWS_ALLOW_HTTP` (`true` to allow `http://`
    /// endpoints).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `THREADS_MEDIA_S3_URL` is not set.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(&|name: &str| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub(crate) fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let Some(url) = get("THREADS_MEDIA_S3_URL") else {
            return Err(Error::Config {
                setting: "THREADS_MEDIA_S3_URL",
                reason: "the s3 backend needs the bucket URL".to_owned(),
            });
        };
        Ok(S3Config {
            url,
            endpoint: get("AWS_ENDPOINT").or_else(|| get("AWS_ENDPOINT_URL")),
            region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
            access_key_id: get("AWS_ACCESS_KEY_ID").map(SecretString::from),
            secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(SecretString::from),
            session_token: get("AWS_SESSION_TOKEN").map(SecretString::from),
            allow_http: get("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }

    /// Static credentials (otherwise object_store's default chain applies:
    /// web identity, ECS or instance metadata).
    #[must_use]
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.access_key_id = Some(SecretString::from(access_key_id.into()));
        self.secret_access_key = Some(SecretString::from(secret_access_key.into()));
        self
    }

    /// A session token for temporary credentials.
    #[must_use]
    pub fn session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SecretString::from(token.into()));
        self
    }

    /// The endpoint, for S3-compatible servers other than AWS (MinIO, a
    /// local test server); R2 URLs set it themselves.
    #[must_use]
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The region (R2 URLs set `auto` themselves).
    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Allows an `http://` endpoint (local test servers only).
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The bucket URL as given.
    pub fn bucket_url(&self) -> &str {
        &self.url
    }

    /// Builds object_store's client.
    pub(crate) fn build(&self) -> Result<AmazonS3, Error> {
        let mut builder = AmazonS3Builder::new()
            .with_url(&self.url)
            .with_allow_http(self.allow_http);
        if let Some(endpoint) = &self.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &self.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &self.access_key_id {
            builder = builder.with_access_key_id(id.expose_secret());
        }
        if let Some(secret) = &self.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose_secret());
        }
        if let Some(token) = &self.session_token {
            builder = builder.with_token(token.expose_secret());
        }
        builder
            .build()
            .map_err(|e| Error::storage("open", self.url.clone(), e))
    }
}
