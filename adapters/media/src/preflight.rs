//! Preflight of either kind of media from one entry point.

use tokio::io::{AsyncRead, AsyncSeek};

use crate::source::{ReaderSource, Source};
use crate::{Error, ImageFacts, Limits, MediaKind, VideoFacts, image, video};

/// What a preflight learned about media that passed.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaFacts {
    /// An image.
    Image(ImageFacts),
    /// A video.
    Video(VideoFacts),
}

impl MediaFacts {
    /// How many bytes of the file the preflight read.
    pub fn bytes_read(&self) -> u64 {
        match self {
            MediaFacts::Image(f) => f.bytes_read,
            MediaFacts::Video(f) => f.bytes_read,
        }
    }

    /// File size in bytes.
    pub fn file_size(&self) -> u64 {
        match self {
            MediaFacts::Image(f) => f.file_size,
            MediaFacts::Video(f) => f.file_size,
        }
    }
}

/// Checks media of `kind` read from a seekable reader against `limits`;
/// see [`preflight_image`](crate::preflight_image) and
/// [`preflight_video`](crate::preflight_video).
///
/// # Errors
///
/// [`Error::Preflight`] naming the first rule the media breaks, or
/// [`Error::Read`] if the reader fails.
pub async fn preflight<R>(reader: R, kind: MediaKind, limits: &Limits) -> Result<MediaFacts, Error>
where
    R: AsyncRead + AsyncSeek + Unpin,
{
    let mut source = ReaderSource::new(reader).await?;
    check_source(&mut source, kind, limits).await
}

pub(crate) async fn check_source<S: Source>(
    source: &mut S,
    kind: MediaKind,
    limits: &Limits,
) -> Result<MediaFacts, Error> {
    Ok(match kind {
        MediaKind::Image => MediaFacts::Image(image::check_source(source, &limits.image).await?),
        MediaKind::Video => MediaFacts::Video(video::check_source(source, &limits.video).await?),
    })
}
