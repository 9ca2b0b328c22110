//! The media a draft carries: the [`MediaLifecycle`] a host plugs in to
//! check each attachment before a container is created, clean up once the
//! post is live, and delete an account's media with its data.
//!
//! The Threads API takes no uploads: Meta fetches each image or video from
//! the public URL of the container request
//! (<https://developers.facebook.com/docs/threads/posts>). A file that breaks
//! Meta's media specifications, or a URL that does not answer, only shows
//! up as a container in `ERROR` after Meta tried; a [`MediaLifecycle`]
//! catches it earlier, with the rule that was broken.
//!
//! Without one ([`PipelineBuilder::media`](crate::PipelineBuilder::media)
//! not called) the pipeline behaves as before: media URLs go to the network
//! unchecked, nothing is cleaned up and account deletion touches no media.
//! What is always checked, when a draft is created, is what needs no
//! network: each URL parses, is `http` or `https` with a host and no
//! credentials, and does not name a file of the other kind
//! ([`check_attachments`]).
//!
//! The `threads-media` crate implements this trait for its media store
//! (feature `pipeline`).

use std::fmt;

use async_trait::async_trait;
use store_traits::{Account, DraftMedia, MediaKind};

use crate::error::{BoxError, Error, Result};

/// What a host's media side does around publishing.
///
/// * [`preflight`](Self::preflight) runs before the first container of a
///   draft with media is created, once per attachment (concurrently). It
///   is not run again once a container id is recorded (a resumed run, a
///   replacement container), so it never leads to a second container or
///   a second publication; it runs again only for a draft that has no
///   container yet (after a transient rejection, or a run that died
///   during the check). A [`Permanent`](Permanence::Permanent) rejection
///   fails the draft with the rule in its `last_error`
///   ([`Event::MediaRejected`](crate::Event::MediaRejected)); a
///   [`Transient`](Permanence::Transient) one is retried with backoff until
///   [`PublishPolicy::deadline`](crate::config::PublishPolicy::deadline)
///   after the draft's scheduled time. When every attachment passes, the
///   job's lease is checked before the container is created, so a slow
///   check that outlived its lease does not create a container beside the
///   one of the worker that took over.
/// * [`after_publish`](Self::after_publish) runs once the publication is
///   recorded in the ledger, before the draft is marked published, so a run
///   that crashes in between runs it again (it must be idempotent). It is
///   not called for an attachment whose URL (compared without its query
///   string, so two presigned URLs of one object match) another draft of
///   the account that is still on its way (not yet approved, approved,
///   scheduled, publishing) carries. Its failures are logged and audited
///   ([`Event::MediaCleanedUp`](crate::Event::MediaCleanedUp)); they never
///   fail the publication.
/// * [`delete_account`](Self::delete_account) runs inside
///   [`Pipeline::delete_account`](crate::Pipeline::delete_account), after
///   the token is deleted and before the records are; a failure stops the
///   deletion (see there).
#[async_trait]
pub trait MediaLifecycle: Send + Sync + fmt::Debug {
    /// Checks one attachment of a draft of `account` before a container is
    /// created for it.
    ///
    /// # Errors
    ///
    /// A [`MediaRejection`] naming the rule, the measured value and the
    /// limit, and whether trying again later can help.
    async fn preflight(
        &self,
        account: &Account,
        media: &DraftMedia,
    ) -> std::result::Result<(), MediaRejection>;

    /// The post carrying `media` is live: apply the cleanup policy (delete
    /// the stored copy, keep it, or leave a URL this side does not own
    /// alone). Called again for the same attachment after a crash, so
    /// deleting what is already gone must succeed.
    ///
    /// # Errors
    ///
    /// The storage's error; the pipeline logs and audits it.
    async fn after_publish(
        &self,
        account: &Account,
        media: &DraftMedia,
    ) -> std::result::Result<MediaCleanup, BoxError>;

    /// Deletes every media object stored for `account` and returns how many
    /// were deleted. Deleting an account with no media returns 0; calling
    /// it again after a partial failure deletes the rest.
    ///
    /// # Errors
    ///
    /// The storage's error.
    async fn delete_account(&self, account: &Account) -> std::result::Result<u64, BoxError>;
}

/// What [`MediaLifecycle::after_publish`] did with one attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaCleanup {
    /// The stored copy was deleted (or was already gone).
    Deleted,
    /// The stored copy was kept, as configured.
    Kept,
    /// The URL is not one this media side stores; nothing to do.
    NotStored,
}

/// Whether a [`MediaRejection`] can go away without anyone changing the
/// media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permanence {
    /// The media breaks a rule (size, format, dimensions, a `404`): the same
    /// media will be refused again.
    Permanent,
    /// The check could not be made: the URL did not answer, answered with a
    /// `5xx`, timed out, or the storage failed. A later try may pass.
    Transient,
}

/// Why an attachment was refused: the rule, the measured value, the limit,
/// and whether it is [`Permanent`](Permanence::Permanent).
///
/// The message reads `image.width: measured 200 px, allowed between 320 px
/// and 1440 px`. Rules are stable dotted names (`image.width`,
/// `video.fast_start`, `url.status`, `url.scheme`), fit for metrics and
/// stored failure reasons. The cause, when there is one, is the
/// [`source`](std::error::Error::source).
#[derive(Debug)]
#[non_exhaustive]
pub struct MediaRejection {
    /// The rule, as a dotted name.
    pub rule: String,
    /// What was measured, with its unit.
    pub measured: String,
    /// What the rule allows.
    pub limit: String,
    /// Whether a later try can pass.
    pub permanence: Permanence,
    source: Option<BoxError>,
}

impl MediaRejection {
    /// A rule the media breaks.
    pub fn permanent(
        rule: impl Into<String>,
        measured: impl Into<String>,
        limit: impl Into<String>,
    ) -> Self {
        Self::new(Permanence::Permanent, rule, measured, limit)
    }

    /// A check that could not be made now.
    pub fn transient(
        rule: impl Into<String>,
        measured: impl Into<String>,
        limit: impl Into<String>,
    ) -> Self {
        Self::new(Permanence::Transient, rule, measured, limit)
    }

    fn new(
        permanence: Permanence,
        rule: impl Into<String>,
        measured: impl Into<String>,
        limit: impl Into<String>,
    ) -> Self {
        Self {
            rule: rule.into(),
            measured: measured.into(),
            limit: limit.into(),
            permanence,
            source: None,
        }
    }

    /// Keeps `source` as the cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Whether the same media will be refused again.
    pub fn is_permanent(&self) -> bool {
        self.permanence == Permanence::Permanent
    }
}

impl fmt::Display for MediaRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: measured {}, allowed {}",
            self.rule, self.measured, self.limit
        )
    }
}

impl std::error::Error for MediaRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Checks what can be checked of a draft's attachments without the
/// network, when the draft is created: each URL is an absolute `http` or
/// `https` URL with a host and without credentials, the kind is one a post
/// can carry, and a URL whose file extension names an image or a video
/// agrees with the kind.
///
/// # Errors
///
/// [`Error::MediaRejected`] for the first attachment that fails, with a
/// [`Permanent`](Permanence::Permanent) rejection.
///
/// ```
/// use content_pipeline::{Error, media};
/// use store_traits::{DraftMedia, MediaKind};
///
/// let photo = DraftMedia {
///     kind: MediaKind::Image,
///     url: "https://cdn.example/a/1.jpg".into(),
///     alt_text: None,
/// };
/// assert!(media::check_attachments(std::slice::from_ref(&photo)).is_ok());
///
/// let clip = DraftMedia { url: "ftp://cdn.example/a/clip.mp4".into(), ..photo };
/// let Err(Error::MediaRejected { source, .. }) = media::check_attachments(&[clip]) else {
///     panic!("an ftp URL is refused");
/// };
/// assert_eq!(source.rule, "url.scheme");
/// ```
pub fn check_attachments(media: &[DraftMedia]) -> Result<()> {
    for (index, item) in media.iter().enumerate() {
        check_attachment(item).map_err(|source| Error::MediaRejected {
            position: index + 1,
            url: redact_url(&item.url),
            source: Box::new(source),
        })?;
    }
    Ok(())
}

fn check_attachment(media: &DraftMedia) -> std::result::Result<(), MediaRejection> {
    let url = url::Url::parse(&media.url).map_err(|e| {
        MediaRejection::permanent("url.syntax", e.to_string(), "an absolute URL").with_source(e)
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(MediaRejection::permanent(
            "url.scheme",
            url.scheme(),
            "http or https",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MediaRejection::permanent(
            "url.host",
            "no host",
            "a host Meta can reach",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(MediaRejection::permanent(
            "url.credentials",
            "a user name or password in the URL",
            "none (Meta fetches the URL as it is, and it would be stored and logged)",
        ));
    }
    let kind = match media.kind {
        MediaKind::Image => MediaKind::Image,
        MediaKind::Video => MediaKind::Video,
        other => {
            return Err(MediaRejection::permanent(
                "media.kind",
                other.as_str(),
                "image or video",
            ));
        }
    };
    let extension = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let named = match extension.as_deref() {
        Some("jpg" | "jpeg" | "png") => Some(MediaKind::Image),
        Some("mp4" | "m4v" | "mov" | "qt") => Some(MediaKind::Video),
        _ => None,
    };
    if let (Some(named), Some(ext)) = (named, extension.as_deref())
        && named != kind
    {
        return Err(MediaRejection::permanent(
            "media.kind",
            format!("a .{ext} file attached as {kind}"),
            format!("the kind its extension names ({named})"),
        ));
    }
    Ok(())
}

/// A URL as it may appear in errors, events and logs: without its query
/// string, fragment and credentials (a presigned URL's signature lives in
/// its query string).
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let hidden = parsed.query().is_some() || parsed.fragment().is_some();
            parsed.set_query(None);
            parsed.set_fragment(None);
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let mut text = parsed.to_string();
            if hidden {
                text.push_str("?…");
            }
            text
        }
        // Not a URL: keep the part before anything that could be a query,
        // and never more than a line's worth.
        Err(_) => {
            let head: String = url
                .split(['?', '#', '@'])
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            head
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(kind: MediaKind, url: &str) -> DraftMedia {
        DraftMedia {
            kind,
            url: url.to_owned(),
            alt_text: None,
        }
    }

    fn rule_of(item: DraftMedia) -> Option<String> {
        match check_attachments(&[item]) {
            Ok(()) => None,
            Err(Error::MediaRejected { source, .. }) => Some(source.rule.clone()),
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn obvious_mistakes_are_refused_by_rule() {
        use MediaKind::{Image, Video};
        assert_eq!(rule_of(media(Image, "https://cdn.example/a.png")), None);
        assert_eq!(rule_of(media(Video, "http://cdn.example/v")), None);
        assert_eq!(
            rule_of(media(Image, "https://cdn.example/a?x=1.mp4")),
            None,
            "the query is not the file name"
        );
        for (item, rule) in [
            (media(Image, "cdn.example/a.png"), "url.syntax"),
            (media(Image, "file:///etc/passwd.png"), "url.scheme"),
            (media(Image, "data:image/png;base64,AAAA"), "url.scheme"),
            (
                media(Image, "https://user:pw@cdn.example/a.png"),
                "url.credentials",
            ),
            (media(Image, "https://cdn.example/clip.MP4"), "media.kind"),
            (media(Video, "https://cdn.example/photo.jpeg"), "media.kind"),
        ] {
            assert_eq!(rule_of(item.clone()).as_deref(), Some(rule), "{item:?}");
        }
    }

    #[test]
    fn the_first_bad_attachment_is_named_without_secrets() {
        let items = [
            media(MediaKind::Image, "https://cdn.example/a.png"),
            media(
                MediaKind::Image,
                "https://u:secret@cdn.example/b.png?sig=abc",
            ),
        ];
        let err = check_attachments(&items).unwrap_err();
        let Error::MediaRejected { position, url, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(*position, 2);
        assert_eq!(url, "https://cdn.example/b.png?…");
        let text = err.to_string();
        assert!(!text.contains("secret") && !text.contains("sig="), "{text}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn rejections_chain_their_cause_and_say_if_they_last() {
        let cause = std::io::Error::other("connection reset");
        let r =
            MediaRejection::transient("url.reachable", "no answer", "an answer").with_source(cause);
        assert!(!r.is_permanent());
        assert_eq!(
            r.to_string(),
            "url.reachable: measured no answer, allowed an answer"
        );
        let source = std::error::Error::source(&r).expect("source");
        assert_eq!(source.to_string(), "connection reset");
        let err = Error::MediaRejected {
            position: 1,
            url: "https://cdn.example/a.png".into(),
            source: Box::new(r),
        };
        assert!(err.is_retryable());
        assert!(std::error::Error::source(&err).is_some());
    }
}
