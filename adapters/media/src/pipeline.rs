//! [`PipelineMedia`]: content-pipeline's [`MediaLifecycle`] on a
//! [`MediaStore`] (feature `pipeline`).

use std::fmt;

use async_trait::async_trait;
use content_pipeline::{BoxError, MediaCleanup, MediaLifecycle, MediaRejection};
use store_traits::{Account, AccountId, DraftMedia};

use crate::{
    CleanupOutcome, Error, MediaKey, MediaKind, MediaStore, ProbeOptions, Prober, Rule, StoredMedia,
};

/// A [`MediaStore`] as the media side of a content-pipeline `Pipeline`
/// (give it to `PipelineBuilder::media`).
///
/// * **Preflight.** An attachment whose URL is one this store hands out
///   for the draft's account is first checked by its key, with ranged
///   reads of the stored object ([`MediaStore::preflight`]): a broken media
///   rule is found without any request to the URL. Then, as for any other
///   URL (a foreign host, another account's object, an object that is
///   gone), the URL Meta will fetch is probed ([`Prober::probe`]) and the
///   answer checked ([`ProbeReport::check`](crate::ProbeReport::check)):
///   status, `Content-Type` and announced length. That probe catches a
///   route the host does not serve, a wrong public base URL or an expired
///   presigned URL before Meta does; turn it off for stored media with
///   [`probe_stored_urls(false)`](Self::probe_stored_urls) when this host
///   cannot reach its own public URL. A broken media rule, a `4xx`, a
///   wrong type or an unusable redirect is
///   [permanent](content_pipeline::Permanence::Permanent); no answer, a
///   `5xx`, `408`, `429` or a storage failure is
///   [transient](content_pipeline::Permanence::Transient). The
///   rejection's [`source`](std::error::Error::source) is this crate's
///   [`Error`], so a host can downcast it to the typed [`Rule`].
/// * **After publishing**, the store's [`Cleanup`](crate::Cleanup) policy
///   applies to the attachments it stores for the account
///   ([`MediaStore::after_publish`]); other URLs are left alone.
/// * **Account deletion** deletes every object under the account's
///   segment ([`MediaStore::delete_account`]).
///
/// The account segment of the keys is the pipeline's [`AccountId`] (its
/// UUID text), not the Threads user id: two accounts of a host may be the
/// same Threads user (connected by two organisations), and deleting one
/// must not delete the other's media. Store media with
/// [`put`](Self::put) / [`put_file`](Self::put_file), which use that
/// segment.
///
/// The URL in a draft is the one Meta fetches when the post goes out. With
/// presigned URLs (the S3 backend's default, valid 1 hour), a post
/// scheduled later than the URL's expiry is refused by the probe
/// (`url.status: measured HTTP 403`); give such stores a public base URL,
/// or an expiry that covers the schedule (at most 7 days).
///
/// ```no_run
/// use std::sync::Arc;
/// use threads_media::{MediaStoreBuilder, PipelineMedia};
///
/// # async fn run(builder: content_pipeline::PipelineBuilder, account: store_traits::AccountId)
/// #     -> Result<(), Box<dyn std::error::Error>> {
/// let store = MediaStoreBuilder::local("media", "https://example.com/media/").build()?;
/// let media = Arc::new(PipelineMedia::new(store)?);
/// let stored = media.put_file(account, "photo.jpg").await?;
/// let attachment = PipelineMedia::attachment(&stored, Some("A loaf on a board".into()));
/// // ... NewDraft::post(account, "Fresh out").media(vec![attachment]) ...
/// let pipeline = builder.media(media).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PipelineMedia {
    store: MediaStore,
    prober: Prober,
    probe_stored: bool,
}

impl fmt::Debug for PipelineMedia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineMedia")
            .field("store", &self.store)
            .field("probe_stored", &self.probe_stored)
            .finish_non_exhaustive()
    }
}

impl PipelineMedia {
    /// The store, with a [`Prober`] of [`ProbeOptions::default`] (10 s
    /// timeout, 3 redirects) for the URLs Meta will fetch.
    ///
    /// # Errors
    ///
    /// [`Error::HttpClient`] if the probe's client cannot be built.
    pub fn new(store: MediaStore) -> Result<Self, Error> {
        Ok(Self::with_prober(
            store,
            Prober::new(&ProbeOptions::default())?,
        ))
    }

    /// The store, probing URLs with `prober`.
    pub fn with_prober(store: MediaStore, prober: Prober) -> Self {
        Self {
            store,
            prober,
            probe_stored: true,
        }
    }

    /// Whether the URL of media this store holds is probed after its
    /// stored copy passed the preflight (on by default). Turn it off when
    /// the host cannot reach its own public media URL (a split-horizon
    /// name, a firewall that admits only Meta's fetcher); URLs this store
    /// does not hold are always probed.
    #[must_use]
    pub fn probe_stored_urls(mut self, probe: bool) -> Self {
        self.probe_stored = probe;
        self
    }

    /// The store.
    pub fn store(&self) -> &MediaStore {
        &self.store
    }

    /// Stores `bytes` for the pipeline account `account`; see
    /// [`MediaStore::put`].
    ///
    /// # Errors
    ///
    /// As [`MediaStore::put`].
    pub async fn put(
        &self,
        account: AccountId,
        bytes: impl Into<bytes::Bytes>,
    ) -> Result<StoredMedia, Error> {
        self.store.put(&segment(account), bytes).await
    }

    /// Streams the file at `file` into the store for the pipeline account
    /// `account`; see [`MediaStore::put_file`].
    ///
    /// # Errors
    ///
    /// As [`MediaStore::put_file`].
    pub async fn put_file(
        &self,
        account: AccountId,
        file: impl AsRef<std::path::Path>,
    ) -> Result<StoredMedia, Error> {
        self.store.put_file(&segment(account), file).await
    }

    /// The draft attachment for stored media: its kind and URL.
    pub fn attachment(stored: &StoredMedia, alt_text: Option<String>) -> DraftMedia {
        DraftMedia {
            kind: match stored.media_type.kind() {
                MediaKind::Image => store_traits::MediaKind::Image,
                MediaKind::Video => store_traits::MediaKind::Video,
            },
            url: stored.url.url.to_string(),
            alt_text,
        }
    }

    /// The key behind `url` if this store handed it out for `account`.
    fn owned_key(&self, account: &Account, url: &str) -> Option<MediaKey> {
        let account = segment(account.id);
        self.store
            .key_from_url(url)
            .filter(|key| key.account() == account)
    }
}

/// The key segment of a pipeline account.
fn segment(account: AccountId) -> String {
    account.to_string()
}

#[async_trait]
impl MediaLifecycle for PipelineMedia {
    async fn preflight(&self, account: &Account, media: &DraftMedia) -> Result<(), MediaRejection> {
        let kind = match media.kind {
            store_traits::MediaKind::Image => MediaKind::Image,
            store_traits::MediaKind::Video => MediaKind::Video,
            other => {
                return Err(MediaRejection::permanent(
                    "media.kind",
                    other.as_str(),
                    "image or video",
                ));
            }
        };
        if let Some(key) = self.owned_key(account, &media.url) {
            let stored = key.media_type().kind();
            if stored != kind {
                return Err(MediaRejection::permanent(
                    "media.kind",
                    format!("a stored {stored} attached as {kind}"),
                    format!("the kind of the stored file ({stored})"),
                ));
            }
            match self.store.preflight(&key).await {
                // The file is fine; whether Meta can fetch it is the
                // probe's to say.
                Ok(_) if self.probe_stored => {}
                Ok(_) => return Ok(()),
                // Gone from the store (or the URL only looks like one of
                // ours): what the URL answers decides.
                Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(rejection(e)),
            }
        }
        let report = self.prober.probe(&media.url).await.map_err(rejection)?;
        report
            .check(kind, self.store.limits())
            .map_err(|e| rejection(Error::Preflight(e)))
    }

    async fn after_publish(
        &self,
        account: &Account,
        media: &DraftMedia,
    ) -> Result<MediaCleanup, BoxError> {
        let Some(key) = self.owned_key(account, &media.url) else {
            return Ok(MediaCleanup::NotStored);
        };
        Ok(match self.store.after_publish(&key).await? {
            CleanupOutcome::Deleted => MediaCleanup::Deleted,
            CleanupOutcome::Kept => MediaCleanup::Kept,
        })
    }

    async fn delete_account(&self, account: &Account) -> Result<u64, BoxError> {
        Ok(self.store.delete_account(&segment(account.id)).await?)
    }
}

/// This crate's error as the pipeline's rejection, with the error as its
/// source.
fn rejection(error: Error) -> MediaRejection {
    let (rule, measured, limit, permanent) = match &error {
        Error::Preflight(p) => {
            let permanent = p.rule != Rule::UrlStatus || !retryable_status(&p.measured);
            (
                p.rule.name().to_owned(),
                p.measured.to_string(),
                p.limit.to_string(),
                permanent,
            )
        }
        Error::Probe { .. } => (
            "url.reachable".to_owned(),
            "no answer (connection failed or timed out)".to_owned(),
            "an answer from the URL".to_owned(),
            false,
        ),
        Error::Redirect { reason, .. } => (
            "url.redirect".to_owned(),
            reason.clone(),
            "at most a few redirects, to http or https URLs".to_owned(),
            true,
        ),
        Error::InvalidUrl { reason, .. } => (
            "url.syntax".to_owned(),
            reason.clone(),
            "an absolute http or https URL".to_owned(),
            true,
        ),
        Error::UnknownMediaType { head } => (
            "media.format".to_owned(),
            format!("a file starting with {head}"),
            "JPEG, PNG, MP4 or MOV".to_owned(),
            true,
        ),
        Error::NotFound { .. } => (
            "media.stored".to_owned(),
            "no stored object".to_owned(),
            "the object the URL names".to_owned(),
            true,
        ),
        // Storage, reads, the probe's client: nothing about the media.
        other => (
            "media.check".to_owned(),
            other.to_string(),
            "a check that completes".to_owned(),
            false,
        ),
    };
    let rejection = if permanent {
        MediaRejection::permanent(rule, measured, limit)
    } else {
        MediaRejection::transient(rule, measured, limit)
    };
    rejection.with_source(error)
}

/// Statuses a later try can change: server errors, `408` and `429`.
fn retryable_status(measured: &crate::Measure) -> bool {
    matches!(measured, crate::Measure::Status(s) if *s >= 500 || *s == 408 || *s == 429)
}
