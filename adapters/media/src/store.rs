//! [`MediaStore`]: puts media in an object store under per-account keys,
//! hands out the URL Meta fetches (public or presigned), preflights stored
//! objects with ranged reads, and deletes them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions,
    PutPayload, WriteMultipart,
};
use tokio::io::{AsyncRead, AsyncReadExt};
use url::Url;

use crate::error::redact_url;
use crate::key::{self, MediaKey};
use crate::rules::{Limit, Measure, PreflightError, Rule};
use crate::source::StoreSource;
use crate::{Cleanup, CleanupOutcome, Error, Limits, MediaFacts, MediaKind, MediaType, preflight};

/// Part size of multipart uploads (S3 needs at least 5 MiB per part).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded concurrently by [`MediaStore::put_stream`].
const PART_CONCURRENCY: usize = 2;

/// A URL Meta can fetch the media from.
///
/// `Debug` prints it without its query string and there is no `Display`,
/// so a presigned URL does not end up in logs by accident; read
/// [`url`](Self::url) to hand it to the Threads API.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaUrl {
    /// The URL. A presigned URL carries its signature in the query string:
    /// treat it as a short-lived credential.
    pub url: Url,
    /// When a presigned URL stops working; `None` for a public URL.
    pub expires_at: Option<SystemTime>,
}

impl fmt::Debug for MediaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaUrl")
            .field("url", &redact_url(self.url.as_str()))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A stored media object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredMedia {
    /// Its key in the store.
    pub key: MediaKey,
    /// The URL to give Meta (`image_url` / `video_url`).
    pub url: MediaUrl,
    /// Size in bytes.
    pub size: u64,
    /// JPEG, PNG, MP4 or MOV.
    pub media_type: MediaType,
}

impl StoredMedia {
    /// The `Content-Type` the object is served with.
    pub fn content_type(&self) -> &'static str {
        self.media_type.mime()
    }
}

/// A file of the local-directory backend, for the HTTP route that serves
/// it (see [`MediaStore::local_file`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalFile {
    /// Where the file is on disk.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// The type to send as `Content-Type`.
    pub media_type: MediaType,
}

/// The storage backend a [`MediaStore`] was built on.
pub(crate) enum Backend {
    /// A local directory.
    Local { root: PathBuf },
    /// In-memory (tests, development).
    Memory,
    /// S3-compatible storage, which can presign URLs.
    #[cfg(feature = "s3")]
    S3 {
        bucket_url: String,
        signer: Arc<object_store::aws::AmazonS3>,
    },
    /// Any other object_store backend.
    Custom,
}

impl Backend {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Backend::Local { .. } => "local",
            Backend::Memory => "memory",
            #[cfg(feature = "s3")]
            Backend::S3 { .. } => "s3",
            Backend::Custom => "custom",
        }
    }

    /// Whether the backend stores object attributes (`Content-Type`). The
    /// local directory does not: its files are served with the type their
    /// extension names.
    fn stores_attributes(&self) -> bool {
        !matches!(self, Backend::Local { .. })
    }
}

/// How a store makes the URL Meta fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlPolicy {
    /// `base` + key; `base` ends with `/`.
    Public(Url),
    /// A presigned `GET` URL valid this long.
    Presigned(Duration),
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) backend: Backend,
    pub(crate) urls: UrlPolicy,
    pub(crate) prefix: Option<String>,
    pub(crate) cleanup: Cleanup,
    pub(crate) limits: Limits,
}

/// Media storage on [`object_store`]: a local directory (served over HTTP
/// by the host's router), S3-compatible storage such as Cloudflare R2 (with
/// public or presigned URLs), in-memory storage, or any other
/// `ObjectStore`. Build one with [`MediaStoreBuilder`](crate::MediaStoreBuilder).
///
/// Keys are `[prefix/]account/<uuidv7>.<ext>`, so an account's media can be
/// deleted with its data ([`delete_account`](Self::delete_account)).
/// Cloning is cheap (the store is shared).
#[derive(Clone)]
pub struct MediaStore {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The object store's own Debug is not printed: some builders keep
        // credentials in fields that their Debug shows.
        let mut d = f.debug_struct("MediaStore");
        d.field("backend", &self.inner.backend.name());
        match &self.inner.backend {
            Backend::Local { root } => {
                d.field("root", root);
            }
            #[cfg(feature = "s3")]
            Backend::S3 { bucket_url, .. } => {
                d.field("bucket", bucket_url);
            }
            _ => {}
        }
        d.field("urls", &self.inner.urls)
            .field("prefix", &self.inner.prefix)
            .field("cleanup", &self.inner.cleanup)
            .finish_non_exhaustive()
    }
}

impl MediaStore {
    /// The backend's name: `"local"`, `"memory"`, `"s3"` or `"custom"`.
    pub fn backend(&self) -> &'static str {
        self.inner.backend.name()
    }

    /// The limits [`preflight`](Self::preflight) and
    /// [`put_stream`](Self::put_stream) apply.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The cleanup policy.
    pub fn cleanup(&self) -> Cleanup {
        self.inner.cleanup
    }

    /// The underlying object store, for operations this type does not offer.
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        Arc::clone(&self.inner.store)
    }

    /// Stores `bytes` for `account`; the type is recognised from the first
    /// bytes and the size checked against the limit of its kind. The rest
    /// of the preflight is not run: call
    /// [`preflight_image_bytes`](crate::preflight_image_bytes) first, or
    /// [`preflight`](Self::preflight) after.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAccount`], [`Error::UnknownMediaType`],
    /// [`Error::Preflight`] with [`Rule::ImageFileSize`] /
    /// [`Rule::VideoFileSize`], or [`Error::Storage`].
    pub async fn put(&self, account: &str, bytes: impl Into<Bytes>) -> Result<StoredMedia, Error> {
        key::check_account(account)?;
        let bytes: Bytes = bytes.into();
        let media_type = sniff(&bytes)?;
        let size = bytes.len() as u64;
        let (rule, max) = self.size_limit(media_type);
        if size > max {
            return Err(PreflightError::new(
                rule,
                Measure::Bytes(size),
                Limit::AtMost(Measure::Bytes(max)),
            )
            .into());
        }
        let key = MediaKey::generate(self.inner.prefix.as_deref(), account, media_type);
        let mut options = PutOptions::default();
        if self.inner.backend.stores_attributes() {
            options.attributes = attributes(media_type);
        }
        self.inner
            .store
            .put_opts(&path(&key), PutPayload::from(bytes), options)
            .await
            .map_err(|e| Error::storage("store", key.as_str(), e))?;
        self.stored(key, size, media_type).await
    }

    /// Streams media from `reader` into the store for `account` (a
    /// multipart upload in parts of 8 MiB), without holding the whole file
    /// in memory. The type is recognised from the first bytes; the upload
    /// is aborted once it exceeds the file-size limit of its kind.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAccount`], [`Error::UnknownMediaType`],
    /// [`Error::Read`], [`Error::Storage`], or [`Error::Preflight`] with
    /// [`Rule::ImageFileSize`] / [`Rule::VideoFileSize`].
    pub async fn put_stream<R>(&self, account: &str, mut reader: R) -> Result<StoredMedia, Error>
    where
        R: AsyncRead + Unpin + Send,
    {
        key::check_account(account)?;
        let mut head = Vec::with_capacity(16);
        while head.len() < 12 {
            let mut chunk = [0u8; 12];
            let n = reader
                .read(&mut chunk[..12 - head.len()])
                .await
                .map_err(Error::Read)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        let media_type = sniff(&head)?;
        let (rule, max) = self.size_limit(media_type);
        let key = MediaKey::generate(self.inner.prefix.as_deref(), account, media_type);
        let location = path(&key);
        let mut options = PutMultipartOptions::default();
        if self.inner.backend.stores_attributes() {
            options.attributes = attributes(media_type);
        }
        let upload = self
            .inner
            .store
            .put_multipart_opts(&location, options)
            .await
            .map_err(|e| Error::storage("store", key.as_str(), e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        writer.write(&head);
        let mut size = head.len() as u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    abort(writer).await;
                    return Err(Error::Read(e));
                }
            };
            size += n as u64;
            if size > max {
                abort(writer).await;
                return Err(PreflightError::new(
                    rule,
                    Measure::text(format!("more than {max} bytes")),
                    Limit::AtMost(Measure::Bytes(max)),
                )
                .into());
            }
            if let Err(e) = writer.wait_for_capacity(PART_CONCURRENCY).await {
                abort(writer).await;
                return Err(Error::storage("store", key.as_str(), e));
            }
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(|e| Error::storage("store", key.as_str(), e))?;
        self.stored(key, size, media_type).await
    }

    /// Streams the file at `file` into the store for `account`; see
    /// [`put_stream`](Self::put_stream).
    ///
    /// # Errors
    ///
    /// As [`put_stream`](Self::put_stream).
    pub async fn put_file(
        &self,
        account: &str,
        file: impl AsRef<std::path::Path>,
    ) -> Result<StoredMedia, Error> {
        let file = tokio::fs::File::open(file).await.map_err(Error::Read)?;
        self.put_stream(account, file).await
    }

    /// The stored object under `key`, with a fresh URL.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] or [`Error::Storage`].
    pub async fn stat(&self, key: &MediaKey) -> Result<StoredMedia, Error> {
        let meta = self
            .inner
            .store
            .head(&path(key))
            .await
            .map_err(|e| Error::storage("read", key.as_str(), e))?;
        self.stored(key.clone(), meta.size, key.media_type()).await
    }

    /// The URL to give Meta for `key`: the public base URL joined with the
    /// key, or a presigned `GET` URL, as configured. The object's existence
    /// is not checked.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] if presigning fails.
    pub async fn url(&self, key: &MediaKey) -> Result<MediaUrl, Error> {
        match &self.inner.urls {
            UrlPolicy::Public(base) => {
                let url = base.join(key.as_str()).map_err(|e| Error::InvalidUrl {
                    url: base.to_string(),
                    reason: e.to_string(),
                })?;
                Ok(MediaUrl {
                    url,
                    expires_at: None,
                })
            }
            UrlPolicy::Presigned(expires_in) => self.presigned_url(key, *expires_in).await,
        }
    }

    /// A presigned `GET` URL for `key`, valid for `expires_in` (at most 7
    /// days, the SigV4 maximum).
    ///
    /// # Errors
    ///
    /// [`Error::NotSupported`] on backends that cannot sign (local,
    /// memory, custom), [`Error::Config`] for an expiry above 7 days, or
    /// [`Error::Storage`].
    pub async fn presigned_url(
        &self,
        key: &MediaKey,
        expires_in: Duration,
    ) -> Result<MediaUrl, Error> {
        #[cfg(feature = "s3")]
        if let Backend::S3 { signer, .. } = &self.inner.backend {
            use object_store::signer::{Method, Signer};
            check_expiry(expires_in)?;
            let url = signer
                .signed_url(Method::GET, &path(key), expires_in)
                .await
                .map_err(|e| Error::storage("presign", key.as_str(), e))?;
            return Ok(MediaUrl {
                url,
                expires_at: SystemTime::now().checked_add(expires_in),
            });
        }
        let _ = (key, expires_in);
        Err(Error::NotSupported {
            operation: "presigning URLs",
            backend: self.inner.backend.name(),
        })
    }

    /// Preflights the stored object under `key` with ranged reads: the
    /// kind comes from the key's extension, the limits from the builder.
    /// Only headers (and a video's `moov` box) are read.
    ///
    /// # Errors
    ///
    /// [`Error::Preflight`], [`Error::NotFound`] or [`Error::Storage`].
    pub async fn preflight(&self, key: &MediaKey) -> Result<MediaFacts, Error> {
        let mut source = StoreSource::new(self.inner.store.as_ref(), path(key)).await?;
        preflight::check_source(&mut source, key.media_type().kind(), &self.inner.limits).await
    }

    /// Deletes the object under `key`. Deleting a missing object succeeds.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn delete(&self, key: &MediaKey) -> Result<(), Error> {
        match self.inner.store.delete(&path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::storage("delete", key.as_str(), e)),
        }
    }

    /// Applies the cleanup policy to the media of a post that was just
    /// published: deletes it under [`Cleanup::AfterPublish`], keeps it
    /// under [`Cleanup::Keep`].
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn after_publish(&self, key: &MediaKey) -> Result<CleanupOutcome, Error> {
        match self.inner.cleanup {
            Cleanup::Keep => Ok(CleanupOutcome::Kept),
            Cleanup::AfterPublish => {
                self.delete(key).await?;
                Ok(CleanupOutcome::Deleted)
            }
        }
    }

    /// Deletes every object stored for `account` (when the account and its
    /// data are deleted) and returns how many were deleted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAccount`] or [`Error::Storage`].
    pub async fn delete_account(&self, account: &str) -> Result<u64, Error> {
        key::check_account(account)?;
        let prefix = match &self.inner.prefix {
            Some(p) => format!("{p}/{account}"),
            None => account.to_owned(),
        };
        self.delete_matching(&prefix, None).await
    }

    /// Deletes every object of this store (under its prefix, all accounts)
    /// last modified more than `age` ago, and returns how many were
    /// deleted: the sweep for media whose post was never published.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn delete_older_than(&self, age: Duration) -> Result<u64, Error> {
        let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        let cutoff = chrono::Utc::now()
            .checked_sub_signed(age)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        let prefix = self.inner.prefix.clone().unwrap_or_default();
        self.delete_matching(&prefix, Some(cutoff)).await
    }

    /// Lists the objects under `prefix` (all objects when empty), keeps
    /// those this crate could have written (and, with a cutoff, those older
    /// than it) and deletes them.
    async fn delete_matching(
        &self,
        prefix: &str,
        cutoff: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<u64, Error> {
        let store = &self.inner.store;
        let list_prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
        let listed: Vec<object_store::ObjectMeta> = store
            .list(list_prefix.as_ref())
            .try_collect()
            .await
            .map_err(|e| Error::storage("list", prefix, e))?;
        let doomed: Vec<Path> = listed
            .into_iter()
            .filter(|meta| cutoff.is_none_or(|c| meta.last_modified < c))
            .filter(|meta| MediaKey::parse(meta.location.as_ref()).is_ok_and(|key| self.owns(&key)))
            .map(|meta| meta.location)
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let paths = futures::stream::iter(doomed.into_iter().map(Ok)).boxed();
        let mut results = store.delete_stream(paths);
        let mut deleted = 0u64;
        let mut failure = None;
        while let Some(result) = results.next().await {
            match result {
                Ok(_) => deleted += 1,
                // Deleted meanwhile (by a concurrent cleanup, for example).
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        match failure {
            Some(e) => Err(Error::storage("delete", prefix, e)),
            None => Ok(deleted),
        }
    }

    /// The file behind `key` on the local-directory backend, for the HTTP
    /// route that serves the directory at the public base URL.
    ///
    /// The route takes the request path below its mount point, parses it
    /// with [`MediaKey::parse`] (which refuses `..` and anything but plain
    /// names, so no path escapes the directory), calls this, and sends the
    /// file with `Content-Type: {media_type.mime()}` and
    /// `Content-Length: {size}`, honouring `Range` requests if it can.
    ///
    /// # Errors
    ///
    /// [`Error::NotSupported`] on other backends, [`Error::NotFound`] if
    /// no such file exists, [`Error::Read`] if its metadata cannot be read.
    pub async fn local_file(&self, key: &MediaKey) -> Result<LocalFile, Error> {
        let Backend::Local { root } = &self.inner.backend else {
            return Err(Error::NotSupported {
                operation: "serving local files",
                backend: self.inner.backend.name(),
            });
        };
        let path = key.as_str().split('/').fold(root.clone(), |p, s| p.join(s));
        let meta = match tokio::fs::metadata(&path).await {
            Ok(m) if m.is_file() => m,
            Ok(_) => {
                return Err(Error::NotFound {
                    key: key.to_string(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    key: key.to_string(),
                });
            }
            Err(e) => return Err(Error::Read(e)),
        };
        Ok(LocalFile {
            path,
            size: meta.len(),
            media_type: key.media_type(),
        })
    }

    /// The key inside a URL this store handed out (public or presigned),
    /// for cleanup when only the URL was kept. `None` if the URL does not
    /// end in a key of this store.
    pub fn key_from_url(&self, url: &str) -> Option<MediaKey> {
        let url = Url::parse(url).ok()?;
        if let UrlPolicy::Public(base) = &self.inner.urls {
            let rest = url.as_str().split(['?', '#']).next()?;
            return MediaKey::parse(rest.strip_prefix(base.as_str())?)
                .ok()
                .filter(|k| self.owns(k));
        }
        let prefix_segments = self
            .inner
            .prefix
            .as_deref()
            .map_or(0, |p| p.split('/').count());
        let segments: Vec<&str> = url.path_segments()?.collect();
        let take = prefix_segments + 2;
        let start = segments.len().checked_sub(take)?;
        MediaKey::parse(&segments[start..].join("/"))
            .ok()
            .filter(|k| self.owns(k))
    }

    /// Whether `key` lies under this store's prefix.
    fn owns(&self, key: &MediaKey) -> bool {
        match &self.inner.prefix {
            Some(p) => key
                .as_str()
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('/') && rest[1..].split('/').count() == 2),
            None => key.as_str().split('/').count() == 2,
        }
    }

    /// The file-size rule and limit for a media type.
    fn size_limit(&self, media_type: MediaType) -> (Rule, u64) {
        match media_type.kind() {
            MediaKind::Image => (Rule::ImageFileSize, self.inner.limits.image.max_bytes),
            MediaKind::Video => (Rule::VideoFileSize, self.inner.limits.video.max_bytes),
        }
    }

    async fn stored(
        &self,
        key: MediaKey,
        size: u64,
        media_type: MediaType,
    ) -> Result<StoredMedia, Error> {
        let url = self.url(&key).await?;
        Ok(StoredMedia {
            key,
            url,
            size,
            media_type,
        })
    }
}

/// The object path of a key (keys hold only characters paths accept).
fn path(key: &MediaKey) -> Path {
    Path::from(key.as_str())
}

fn attributes(media_type: MediaType) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, media_type.mime().into());
    attributes
}

fn sniff(head: &[u8]) -> Result<MediaType, Error> {
    MediaType::sniff(head).ok_or_else(|| Error::UnknownMediaType {
        head: head
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
    })
}

async fn abort(writer: WriteMultipart) {
    if let Err(e) = writer.abort().await {
        tracing::warn!(error = %e, "could not abort a multipart upload");
    }
}

/// Longest presigned URL lifetime (SigV4 allows 7 days).
pub(crate) const MAX_PRESIGN: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) fn check_expiry(expires_in: Duration) -> Result<(), Error> {
    if expires_in.is_zero() || expires_in > MAX_PRESIGN {
        return Err(Error::Config {
            setting: "presigned URL expiry",
            reason: format!(
                "{} s is outside 1 s to 7 days (604800 s)",
                expires_in.as_secs()
            ),
        });
    }
    Ok(())
}
