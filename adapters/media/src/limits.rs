//! The numbers a preflight checks against. The defaults are Meta's "Media
//! specifications" for the Threads API
//! (<https://developers.facebook.com/docs/threads/overview>, section "Media
//! specifications"):
//!
//! * images: JPEG or PNG, at most 8 MB, aspect ratio at most 10:1, width
//!   320–1440 px (Meta scales images outside that range; see
//!   [`ImageLimits::min_width`]);
//! * videos: MOV or MP4 with the `moov` atom at the front, H.264 or HEVC video,
//!   AAC audio (at most 48 kHz, mono or stereo), 23–60 frames per second, at
//!   most 1920 px wide, aspect ratio between 0.01:1 and 10:1, duration above
//!   0 s and at most 300 s, at most 1 GB.
//!
//! Meta writes "MB" and "GB" without saying whether it means powers of ten or
//! of two; this crate reads them as MiB and GiB (8 × 1024 × 1024 and
//! 1024³ bytes), as this repository's Threads API emulator
//! (`threads-emulator`) does, so the two agree. Rules of that page that cannot be checked from headers alone
//! (progressive scan, closed GOP, 4:2:0 chroma subsampling, bitrates, sRGB)
//! are not checked; the video bitrate is reported in
//! [`VideoFacts::average_bitrate`](crate::VideoFacts::average_bitrate) but
//! not enforced, because copies of Meta's page disagree on it (25 or
//! 100 Mbps).

use std::time::Duration;

/// Limits for images. [`Default`] is Meta's specification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// Largest file, in bytes (8 MiB).
    pub max_bytes: u64,
    /// Narrowest accepted width, in pixels (320).
    ///
    /// Meta's page says narrower images are scaled up rather than refused;
    /// this crate refuses them by default so a post never goes out upscaled.
    /// Set it to 0 to accept them.
    pub min_width: u32,
    /// Widest accepted width, in pixels (1440). Meta scales wider images
    /// down; set it to `u32::MAX` to accept them.
    pub max_width: u32,
    /// Largest ratio of the longer side to the shorter one (10.0, in either
    /// orientation).
    pub max_aspect_ratio: f64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 8 * 1024 * 1024,
            min_width: 320,
            max_width: 1440,
            max_aspect_ratio: 10.0,
        }
    }
}

/// Limits for videos. [`Default`] is Meta's specification, plus
/// [`max_header_bytes`](VideoLimits::max_header_bytes), a bound of this crate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VideoLimits {
    /// Largest file, in bytes (1 GiB).
    pub max_bytes: u64,
    /// Longest duration (300 s). The duration must also be above zero.
    pub max_duration: Duration,
    /// Lowest average frame rate (23 fps).
    pub min_frame_rate: f64,
    /// Highest average frame rate (60 fps).
    pub max_frame_rate: f64,
    /// Widest displayed width, in pixels (1920).
    pub max_width: u32,
    /// Smallest width / height ratio (0.01, a picture 100 times taller than wide).
    pub min_aspect_ratio: f64,
    /// Largest width / height ratio (10.0).
    pub max_aspect_ratio: f64,
    /// Highest audio sample rate, in hertz (48,000).
    pub max_audio_sample_rate: u32,
    /// Most audio channels (2: mono or stereo).
    pub max_audio_channels: u16,
    /// Largest `moov` box a preflight reads into memory (16 MiB). The `moov`
    /// of a five-minute video holds a few hundred kilobytes of sample
    /// tables, so this only stops a malformed or hostile file from making a
    /// preflight allocate a lot.
    pub max_header_bytes: u64,
}

impl Default for VideoLimits {
    fn default() -> Self {
        VideoLimits {
            max_bytes: 1024 * 1024 * 1024,
            max_duration: Duration::from_secs(300),
            min_frame_rate: 23.0,
            max_frame_rate: 60.0,
            max_width: 1920,
            min_aspect_ratio: 0.01,
            max_aspect_ratio: 10.0,
            max_audio_sample_rate: 48_000,
            max_audio_channels: 2,
            max_header_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Image and video limits together, as a [`MediaStore`](crate::MediaStore)
/// and [`ProbeReport::check`](crate::ProbeReport::check) use them.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Limits {
    /// Limits for images.
    pub image: ImageLimits,
    /// Limits for videos.
    pub video: VideoLimits,
}

impl Limits {
    /// Meta's limits for both kinds (the same as [`Default`]).
    pub fn meta() -> Self {
        Limits::default()
    }

    /// Replaces the image limits.
    #[must_use]
    pub fn with_image(mut self, image: ImageLimits) -> Self {
        self.image = image;
        self
    }

    /// Replaces the video limits.
    #[must_use]
    pub fn with_video(mut self, video: VideoLimits) -> Self {
        self.video = video;
        self
    }
}
