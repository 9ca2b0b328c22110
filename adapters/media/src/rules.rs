//! The rules a preflight checks and the typed error it returns when one
//! fails: [`Rule`] names the rule, [`Measure`] is what was measured and
//! [`Limit`] what the rule allows.

use std::fmt;

/// One rule of Meta's media specifications (or of this crate's reading of a
/// file) that a preflight or a URL probe checks.
///
/// [`name`](Rule::name) is a stable, dotted identifier (`"image.width"`) fit
/// for logs, metrics and stored failure reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The image is JPEG or PNG.
    ImageFormat,
    /// The image file is at most [`ImageLimits::max_bytes`](crate::ImageLimits::max_bytes).
    ImageFileSize,
    /// The image width is within [`ImageLimits::min_width`](crate::ImageLimits::min_width)
    /// and [`ImageLimits::max_width`](crate::ImageLimits::max_width).
    ImageWidth,
    /// The longer side is at most [`ImageLimits::max_aspect_ratio`](crate::ImageLimits::max_aspect_ratio)
    /// times the shorter one.
    ImageAspectRatio,
    /// The file is a MOV/MP4 (ISO-BMFF) file whose boxes can be read.
    VideoContainer,
    /// The video file is at most [`VideoLimits::max_bytes`](crate::VideoLimits::max_bytes).
    VideoFileSize,
    /// The `moov` box comes before the `mdat` box ("fast start").
    VideoFastStart,
    /// The `moov` box is at most [`VideoLimits::max_header_bytes`](crate::VideoLimits::max_header_bytes)
    /// (a bound of this crate, so a preflight never loads a large box).
    VideoHeaderSize,
    /// The duration is above zero and at most [`VideoLimits::max_duration`](crate::VideoLimits::max_duration).
    VideoDuration,
    /// The file has a video track.
    VideoTrack,
    /// The video codec is H.264 or HEVC.
    VideoCodec,
    /// The displayed width is at most [`VideoLimits::max_width`](crate::VideoLimits::max_width).
    VideoWidth,
    /// Width divided by height is within the
    /// [`VideoLimits`](crate::VideoLimits) aspect-ratio bounds.
    VideoAspectRatio,
    /// The average frame rate is within the [`VideoLimits`](crate::VideoLimits) bounds.
    VideoFrameRate,
    /// The audio track, if any, is AAC.
    AudioCodec,
    /// The audio sample rate is at most [`VideoLimits::max_audio_sample_rate`](crate::VideoLimits::max_audio_sample_rate).
    AudioSampleRate,
    /// The audio has one or two channels.
    AudioChannels,
    /// The media URL answers with a success status.
    UrlStatus,
    /// The media URL's `Content-Type` is one Meta accepts for the media kind.
    UrlContentType,
    /// The media URL's announced length is within the file-size limit.
    UrlContentLength,
}

impl Rule {
    /// Every rule, in the order a preflight checks them.
    pub const ALL: [Rule; 20] = [
        Rule::ImageFormat,
        Rule::ImageFileSize,
        Rule::ImageWidth,
        Rule::ImageAspectRatio,
        Rule::VideoContainer,
        Rule::VideoFileSize,
        Rule::VideoFastStart,
        Rule::VideoHeaderSize,
        Rule::VideoDuration,
        Rule::VideoTrack,
        Rule::VideoCodec,
        Rule::VideoWidth,
        Rule::VideoAspectRatio,
        Rule::VideoFrameRate,
        Rule::AudioCodec,
        Rule::AudioSampleRate,
        Rule::AudioChannels,
        Rule::UrlStatus,
        Rule::UrlContentType,
        Rule::UrlContentLength,
    ];

    /// The rule's stable dotted name, for example `"video.fast_start"`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ImageFormat => "image.format",
            Rule::ImageFileSize => "image.file_size",
            Rule::ImageWidth => "image.width",
            Rule::ImageAspectRatio => "image.aspect_ratio",
            Rule::VideoContainer => "video.container",
            Rule::VideoFileSize => "video.file_size",
            Rule::VideoFastStart => "video.fast_start",
            Rule::VideoHeaderSize => "video.header_size",
            Rule::VideoDuration => "video.duration",
            Rule::VideoTrack => "video.track",
            Rule::VideoCodec => "video.codec",
            Rule::VideoWidth => "video.width",
            Rule::VideoAspectRatio => "video.aspect_ratio",
            Rule::VideoFrameRate => "video.frame_rate",
            Rule::AudioCodec => "audio.codec",
            Rule::AudioSampleRate => "audio.sample_rate",
            Rule::AudioChannels => "audio.channels",
            Rule::UrlStatus => "url.status",
            Rule::UrlContentType => "url.content_type",
            Rule::UrlContentLength => "url.content_length",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A measured value, or one end of a [`Limit`], with its unit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Measure {
    /// A size in bytes.
    Bytes(u64),
    /// A length in pixels.
    Pixels(u32),
    /// A ratio, written `r:1` (for images the longer side over the shorter,
    /// for videos width over height).
    Ratio(f64),
    /// A duration in seconds.
    Seconds(f64),
    /// A frame rate.
    FramesPerSecond(f64),
    /// A sample rate in hertz.
    Hertz(u32),
    /// A number of audio channels.
    Channels(u16),
    /// An HTTP status code.
    Status(u16),
    /// Anything else, in words (a format name, a codec, a box order).
    Text(String),
}

impl Measure {
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Measure::Text(text.into())
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Bytes(n) => {
                write!(f, "{n} bytes")?;
                if *n >= 1024 * 1024 {
                    // Display only: the exact count is printed first.
                    let mib = *n as f64 / (1024.0 * 1024.0);
                    write!(f, " ({mib:.1} MiB)")?;
                }
                Ok(())
            }
            Measure::Pixels(n) => write!(f, "{n} px"),
            Measure::Ratio(r) => write!(f, "{r:.2}:1"),
            Measure::Seconds(s) => write!(f, "{s:.3} s"),
            Measure::FramesPerSecond(r) => write!(f, "{r:.3} fps"),
            Measure::Hertz(n) => write!(f, "{n} Hz"),
            Measure::Channels(n) => write!(f, "{n} channel{}", if *n == 1 { "" } else { "s" }),
            Measure::Status(n) => write!(f, "HTTP {n}"),
            Measure::Text(t) => f.write_str(t),
        }
    }
}

/// What a rule allows.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Limit {
    /// At most this value.
    AtMost(Measure),
    /// More than this value (exclusive).
    MoreThan(Measure),
    /// Between the two values, both included.
    Between(Measure, Measure),
    /// One of these names.
    OneOf(Vec<&'static str>),
    /// A requirement in words.
    Requires(&'static str),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::AtMost(m) => write!(f, "at most {m}"),
            Limit::MoreThan(m) => write!(f, "more than {m}"),
            Limit::Between(lo, hi) => write!(f, "between {lo} and {hi}"),
            Limit::OneOf(names) => write!(f, "one of {}", names.join(", ")),
            Limit::Requires(text) => f.write_str(text),
        }
    }
}

/// A media file or URL that breaks one of Meta's media rules.
///
/// The message names the rule, the measured value and the limit, for example
/// `image.width: measured 200 px, allowed between 320 px and 1440 px`.
/// When the file could not be read as the format it claims to be,
/// [`source`](std::error::Error::source) holds the parser's error.
#[derive(Debug)]
pub struct PreflightError {
    /// The rule that failed.
    pub rule: Rule,
    /// What was measured.
    pub measured: Measure,
    /// What the rule allows.
    pub limit: Limit,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PreflightError {
    pub(crate) fn new(rule: Rule, measured: Measure, limit: Limit) -> Self {
        PreflightError {
            rule,
            measured,
            limit,
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Display for PreflightError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: measured {}, allowed {}",
            self.rule, self.measured, self.limit
        )
    }
}

impl std::error::Error for PreflightError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert!(names.iter().all(|n| n.contains('.')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn message_names_rule_measure_and_limit() {
        let err = PreflightError::new(
            Rule::ImageWidth,
            Measure::Pixels(200),
            Limit::Between(Measure::Pixels(320), Measure::Pixels(1440)),
        );
        assert_eq!(
            err.to_string(),
            "image.width: measured 200 px, allowed between 320 px and 1440 px"
        );
        let err = PreflightError::new(
            Rule::VideoFileSize,
            Measure::Bytes(2 * 1024 * 1024 * 1024),
            Limit::AtMost(Measure::Bytes(1024 * 1024 * 1024)),
        );
        assert_eq!(
            err.to_string(),
            "video.file_size: measured 2147483648 bytes (2048.0 MiB), \
             allowed at most 1073741824 bytes (1024.0 MiB)"
        );
        assert_eq!(Measure::Channels(1).to_string(), "1 channel");
        assert_eq!(
            Limit::OneOf(vec!["JPEG", "PNG"]).to_string(),
            "one of JPEG, PNG"
        );
    }
}
