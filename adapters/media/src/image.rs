//! Image preflight: format, file size, width and aspect ratio, read from the
//! file's header with `imagesize` (the PNG `IHDR` chunk or the JPEG `SOFn`
//! segment); the picture itself is never decoded.

use imagesize::{ImageError, ImageType};
use tokio::io::{AsyncRead, AsyncSeek};

use crate::rules::{Limit, Measure, PreflightError, Rule};
use crate::source::{ReaderSource, Source};
use crate::{Error, ImageLimits, MediaType};

/// How much of an image is read first. A JPEG's frame header usually sits in
/// the first few kilobytes; EXIF blocks with embedded thumbnails can push it
/// further, in which case the prefix grows (doubling) until it is found.
const FIRST_READ: u64 = 16 * 1024;

/// What a preflight learned about an image that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageFacts {
    /// [`MediaType::Jpeg`] or [`MediaType::Png`].
    pub media_type: MediaType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// File size in bytes.
    pub file_size: u64,
    /// How many bytes of the file the preflight read.
    pub bytes_read: u64,
}

/// Checks an image held in memory against `limits`.
///
/// # Errors
///
/// [`Error::Preflight`] naming the first rule the image breaks.
///
/// ```
/// use threads_media::{ImageLimits, Rule, preflight_image_bytes};
///
/// // A PNG signature and an IHDR chunk for a 2000 × 100 picture.
/// let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
/// png.extend_from_slice(&2000u32.to_be_bytes());
/// png.extend_from_slice(&100u32.to_be_bytes());
/// png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
///
/// let err = preflight_image_bytes(&png, &ImageLimits::default()).unwrap_err();
/// assert_eq!(err.preflight().map(|p| p.rule), Some(Rule::ImageWidth));
/// ```
pub fn preflight_image_bytes(bytes: &[u8], limits: &ImageLimits) -> Result<ImageFacts, Error> {
    check(bytes, bytes.len() as u64, limits, bytes.len() as u64)
}

/// Checks an image read from a seekable reader (a file, a cursor) against
/// `limits`, reading only its header.
///
/// # Errors
///
/// [`Error::Preflight`] naming the first rule the image breaks, or
/// [`Error::Read`] if the reader fails.
pub async fn preflight_image<R>(reader: R, limits: &ImageLimits) -> Result<ImageFacts, Error>
where
    R: AsyncRead + AsyncSeek + Unpin,
{
    let mut source = ReaderSource::new(reader).await?;
    check_source(&mut source, limits).await
}

/// Reads a growing prefix of `source` until the header is found.
pub(crate) async fn check_source<S: Source>(
    source: &mut S,
    limits: &ImageLimits,
) -> Result<ImageFacts, Error> {
    let len = source.len();
    let mut prefix = source.read_at(0, usize_of(FIRST_READ.min(len))).await?;
    loop {
        match check(&prefix, len, limits, source.bytes_read()) {
            Err(Error::Read(e))
                if e.kind() == std::io::ErrorKind::UnexpectedEof && (prefix.len() as u64) < len =>
            {
                let have = prefix.len() as u64;
                let more = have.max(FIRST_READ).min(len - have);
                let next = source.read_at(have, usize_of(more)).await?;
                prefix.extend_from_slice(&next);
            }
            other => return other,
        }
    }
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Checks the header in `prefix` of a file of `len` bytes. An
/// `Error::Read(UnexpectedEof)` means the prefix is too short.
fn check(
    prefix: &[u8],
    len: u64,
    limits: &ImageLimits,
    bytes_read: u64,
) -> Result<ImageFacts, Error> {
    let media_type = match imagesize::image_type(prefix) {
        Ok(ImageType::Jpeg) => MediaType::Jpeg,
        Ok(ImageType::Png) => MediaType::Png,
        Ok(other) => return Err(format_error(Measure::text(format_name(other))).into()),
        Err(_) => {
            return Err(format_error(Measure::text("an unrecognised format")).into());
        }
    };
    if len > limits.max_bytes {
        return Err(PreflightError::new(
            Rule::ImageFileSize,
            Measure::Bytes(len),
            Limit::AtMost(Measure::Bytes(limits.max_bytes)),
        )
        .into());
    }
    let size = match imagesize::blob_size(prefix) {
        Ok(size) => size,
        Err(ImageError::IoError(e))
            if e.kind() == std::io::ErrorKind::UnexpectedEof && (prefix.len() as u64) < len =>
        {
            return Err(Error::Read(e));
        }
        Err(e) => {
            let what = match media_type {
                MediaType::Png => "a PNG without a readable IHDR chunk",
                _ => "a JPEG without a readable frame header",
            };
            return Err(format_error(Measure::text(what)).with_source(e).into());
        }
    };
    let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
        return Err(format_error(Measure::text("dimensions beyond 4294967295 px")).into());
    };
    if width == 0 || height == 0 {
        return Err(format_error(Measure::text(format!("a {width} × {height} picture"))).into());
    }
    if width < limits.min_width || width > limits.max_width {
        return Err(PreflightError::new(
            Rule::ImageWidth,
            Measure::Pixels(width),
            Limit::Between(
                Measure::Pixels(limits.min_width),
                Measure::Pixels(limits.max_width),
            ),
        )
        .into());
    }
    let ratio = f64::from(width.max(height)) / f64::from(width.min(height));
    if ratio > limits.max_aspect_ratio {
        return Err(PreflightError::new(
            Rule::ImageAspectRatio,
            Measure::Ratio(ratio),
            Limit::AtMost(Measure::Ratio(limits.max_aspect_ratio)),
        )
        .into());
    }
    Ok(ImageFacts {
        media_type,
        width,
        height,
        file_size: len,
        bytes_read,
    })
}

fn format_error(measured: Measure) -> PreflightError {
    PreflightError::new(
        Rule::ImageFormat,
        measured,
        Limit::OneOf(vec!["JPEG", "PNG"]),
    )
}

fn format_name(t: ImageType) -> String {
    match t {
        ImageType::Gif => "GIF".to_owned(),
        ImageType::Webp => "WebP".to_owned(),
        ImageType::Heif(_) => "HEIF/AVIF".to_owned(),
        ImageType::Bmp => "BMP".to_owned(),
        ImageType::Tiff => "TIFF".to_owned(),
        other => format!("{other:?}"),
    }
}
