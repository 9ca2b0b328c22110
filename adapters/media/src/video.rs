//! Video preflight: walks the top-level boxes (headers only), checks that
//! `moov` comes before `mdat`, reads the `moov` box alone into memory and
//! decodes it with `mp4-atom` to check duration, codecs, picture size,
//! frame rate and audio format. Sample data (`mdat`) is never read.

use std::time::Duration;

use mp4_atom::{Codec, Decode, Moov, Trak};
use tokio::io::{AsyncRead, AsyncSeek};

use crate::boxes::{self, BoxHeader, container, fourcc};
use crate::rules::{Limit, Measure, PreflightError, Rule};
use crate::source::{ReaderSource, Source};
use crate::{Error, MediaType, VideoLimits};

/// Tolerance on frame-rate bounds, so 60 fps stored as 1001 ticks of a
/// 60060 timescale (60.0 exactly) or 59.94 fps never fail on rounding.
const FRAME_RATE_TOLERANCE: f64 = 0.01;

/// The video codecs Threads accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VideoCodec {
    /// H.264 / AVC (`avc1` or `avc3` sample entries).
    H264,
    /// H.265 / HEVC (`hvc1` or `hev1` sample entries).
    Hevc,
}

/// The audio track of a video that passed (its codec is AAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AudioFacts {
    /// Sample rate in hertz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
}

/// What a preflight learned about a video that passed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VideoFacts {
    /// [`MediaType::QuickTime`] when the `ftyp` major brand is `qt  `,
    /// [`MediaType::Mp4`] otherwise.
    pub media_type: MediaType,
    /// The `ftyp` major brand (`isom`, `mp42`, `qt  `, ...).
    pub major_brand: String,
    /// File size in bytes.
    pub file_size: u64,
    /// Duration from the movie header (`mvhd`).
    pub duration: Duration,
    /// The video codec.
    pub video_codec: VideoCodec,
    /// Displayed width in pixels (track header size, rotation applied).
    pub width: u32,
    /// Displayed height in pixels.
    pub height: u32,
    /// Average frame rate: samples per second of the video track.
    pub frame_rate: f64,
    /// The audio track, if the file has one.
    pub audio: Option<AudioFacts>,
    /// Whether a track carries an edit list (`elst`). Meta's page asks for
    /// none, but most encoders write one and such files are commonly
    /// accepted, so this is reported, not checked.
    pub has_edit_list: bool,
    /// File size × 8 / duration, in bits per second (not checked; see
    /// [`limits`](crate::limits)).
    pub average_bitrate: u64,
    /// Where the `moov` box starts.
    pub moov_offset: u64,
    /// Size of the `moov` box in bytes.
    pub moov_size: u64,
    /// How many bytes of the file the preflight read.
    pub bytes_read: u64,
}

/// Checks a video read from a seekable reader (a file, a cursor) against
/// `limits`, reading only box headers and the `moov` box.
///
/// For a fast-start file that is the first few hundred kilobytes at most,
/// whatever the file's size.
///
/// # Errors
///
/// [`Error::Preflight`] naming the first rule the video breaks, or
/// [`Error::Read`] if the reader fails.
///
/// ```no_run
/// use threads_media::{VideoLimits, preflight_video};
///
/// # async fn run() -> Result<(), threads_media::Error> {
/// let file = tokio::fs::File::open("clip.mp4").await.map_err(threads_media::Error::Read)?;
/// let facts = preflight_video(file, &VideoLimits::default()).await?;
/// println!("{:?}, {:.1} fps, {} bytes read", facts.duration, facts.frame_rate, facts.bytes_read);
/// # Ok(())
/// # }
/// ```
pub async fn preflight_video<R>(reader: R, limits: &VideoLimits) -> Result<VideoFacts, Error>
where
    R: AsyncRead + AsyncSeek + Unpin,
{
    let mut source = ReaderSource::new(reader).await?;
    check_source(&mut source, limits).await
}

/// Where the top-level walk found `ftyp` and `moov`.
struct Layout {
    major_brand: [u8; 4],
    moov: BoxHeader,
}

pub(crate) async fn check_source<S: Source>(
    source: &mut S,
    limits: &VideoLimits,
) -> Result<VideoFacts, Error> {
    let len = source.len();
    let first = boxes::read_header(source, 0).await?;
    if &first.kind != b"ftyp" {
        return Err(container(format!("a first box of type `{}`", fourcc(first.kind))).into());
    }
    if len > limits.max_bytes {
        return Err(PreflightError::new(
            Rule::VideoFileSize,
            Measure::Bytes(len),
            Limit::AtMost(Measure::Bytes(limits.max_bytes)),
        )
        .into());
    }
    let layout = walk(source, first, limits).await?;
    let moov_size = layout.moov.size;
    let moov_len = usize::try_from(moov_size).unwrap_or(usize::MAX);
    let raw = source.read_at(layout.moov.offset, moov_len).await?;
    let moov = Moov::decode(&mut raw.as_slice())
        .map_err(|e| Error::from(container("a `moov` box that does not decode").with_source(e)))?;
    let media_type = if &layout.major_brand == b"qt  " {
        MediaType::QuickTime
    } else {
        MediaType::Mp4
    };
    let facts = analyse(&moov, limits)?;
    // A positive, finite rate; `as` saturates.
    let average_bitrate = (len as f64 * 8.0 / facts.duration.as_secs_f64()) as u64;
    Ok(VideoFacts {
        media_type,
        major_brand: fourcc(layout.major_brand),
        file_size: len,
        duration: facts.duration,
        video_codec: facts.video_codec,
        width: facts.width,
        height: facts.height,
        frame_rate: facts.frame_rate,
        audio: facts.audio,
        has_edit_list: facts.has_edit_list,
        average_bitrate,
        moov_offset: layout.moov.offset,
        moov_size,
        bytes_read: source.bytes_read(),
    })
}

/// Walks top-level box headers from `ftyp` until `moov`.
async fn walk<S: Source>(
    source: &mut S,
    ftyp: BoxHeader,
    limits: &VideoLimits,
) -> Result<Layout, Error> {
    let len = source.len();
    let brand = if ftyp.size >= ftyp.header_len + 4 && ftyp.offset + ftyp.header_len + 4 <= len {
        let b = source.read_at(ftyp.offset + ftyp.header_len, 4).await?;
        [b[0], b[1], b[2], b[3]]
    } else {
        return Err(container("an `ftyp` box without a major brand").into());
    };
    let mut mdat: Option<u64> = None;
    let mut offset = ftyp.end();
    while offset < len {
        let header = boxes::read_header(source, offset).await?;
        match &header.kind {
            b"mdat" if mdat.is_none() => mdat = Some(header.offset),
            b"moov" => {
                if let Some(mdat) = mdat {
                    return Err(PreflightError::new(
                        Rule::VideoFastStart,
                        Measure::text(format!(
                            "`mdat` at byte {mdat} before `moov` at byte {}",
                            header.offset
                        )),
                        Limit::Requires("`moov` before `mdat` (fast start)"),
                    )
                    .into());
                }
                if header.size > limits.max_header_bytes {
                    return Err(PreflightError::new(
                        Rule::VideoHeaderSize,
                        Measure::Bytes(header.size),
                        Limit::AtMost(Measure::Bytes(limits.max_header_bytes)),
                    )
                    .into());
                }
                if header.end() > len {
                    return Err(container(format!(
                        "a `moov` box of {} bytes at byte {} in a file of {len} bytes",
                        header.size, header.offset
                    ))
                    .into());
                }
                return Ok(Layout {
                    major_brand: brand,
                    moov: header,
                });
            }
            _ => {}
        }
        offset = header.end();
    }
    let measured = match mdat {
        Some(at) => format!("`mdat` at byte {at} and no `moov` box"),
        None => "no `moov` box".to_owned(),
    };
    Err(container(measured).into())
}

/// What [`analyse`] reads from `moov`.
struct MoovFacts {
    duration: Duration,
    video_codec: VideoCodec,
    width: u32,
    height: u32,
    frame_rate: f64,
    audio: Option<AudioFacts>,
    has_edit_list: bool,
}

/// Checks the decoded `moov` against `limits`.
fn analyse(moov: &Moov, limits: &VideoLimits) -> Result<MoovFacts, PreflightError> {
    let duration = movie_duration(moov)?;
    if duration.is_zero() {
        return Err(PreflightError::new(
            Rule::VideoDuration,
            Measure::Seconds(0.0),
            Limit::MoreThan(Measure::Seconds(0.0)),
        ));
    }
    if duration > limits.max_duration {
        return Err(PreflightError::new(
            Rule::VideoDuration,
            Measure::Seconds(duration.as_secs_f64()),
            Limit::AtMost(Measure::Seconds(limits.max_duration.as_secs_f64())),
        ));
    }

    let Some(video) = track(moov, b"vide") else {
        return Err(PreflightError::new(
            Rule::VideoTrack,
            Measure::text(format!("{} track(s), none of them video", moov.trak.len())),
            Limit::Requires("a video track"),
        ));
    };
    let entry = video.mdia.minf.stbl.stsd.codecs.first();
    let video_codec = match entry {
        Some(Codec::Avc1(_) | Codec::Avc3(_)) => VideoCodec::H264,
        Some(Codec::Hvc1(_) | Codec::Hev1(_)) => VideoCodec::Hevc,
        other => {
            return Err(PreflightError::new(
                Rule::VideoCodec,
                Measure::text(codec_name(other)),
                Limit::OneOf(vec!["H.264 (avc1, avc3)", "HEVC (hvc1, hev1)"]),
            ));
        }
    };

    let (width, height) = display_size(video, entry);
    if width == 0 || height == 0 {
        return Err(container(format!("a {width} × {height} video track")));
    }
    if width > limits.max_width {
        return Err(PreflightError::new(
            Rule::VideoWidth,
            Measure::Pixels(width),
            Limit::AtMost(Measure::Pixels(limits.max_width)),
        ));
    }
    let ratio = f64::from(width) / f64::from(height);
    if ratio < limits.min_aspect_ratio || ratio > limits.max_aspect_ratio {
        return Err(PreflightError::new(
            Rule::VideoAspectRatio,
            Measure::Ratio(ratio),
            Limit::Between(
                Measure::Ratio(limits.min_aspect_ratio),
                Measure::Ratio(limits.max_aspect_ratio),
            ),
        ));
    }

    let frame_rate = frame_rate(video)?;
    if frame_rate < limits.min_frame_rate - FRAME_RATE_TOLERANCE
        || frame_rate > limits.max_frame_rate + FRAME_RATE_TOLERANCE
    {
        return Err(PreflightError::new(
            Rule::VideoFrameRate,
            Measure::FramesPerSecond(frame_rate),
            Limit::Between(
                Measure::FramesPerSecond(limits.min_frame_rate),
                Measure::FramesPerSecond(limits.max_frame_rate),
            ),
        ));
    }

    let audio = match track(moov, b"soun") {
        Some(trak) => Some(audio(trak, limits)?),
        None => None,
    };
    let has_edit_list = moov.trak.iter().any(|t| {
        t.edts
            .as_ref()
            .and_then(|e| e.elst.as_ref())
            .is_some_and(|l| !l.entries.is_empty())
    });
    Ok(MoovFacts {
        duration,
        video_codec,
        width,
        height,
        frame_rate,
        audio,
        has_edit_list,
    })
}

/// The movie duration, computed exactly from `mvhd`'s ticks and timescale.
fn movie_duration(moov: &Moov) -> Result<Duration, PreflightError> {
    let scale = u64::from(moov.mvhd.timescale);
    if scale == 0 {
        return Err(container("a movie header (`mvhd`) with a timescale of 0"));
    }
    let ticks = moov.mvhd.duration;
    if ticks == u64::MAX {
        // All ones: "duration unknown" in ISO-BMFF.
        return Err(container(
            "a movie header (`mvhd`) with an unknown duration",
        ));
    }
    let secs = ticks / scale;
    // Below 1e9 × 2^32, so the product cannot overflow a u64.
    let nanos = (ticks % scale) * 1_000_000_000 / scale;
    Ok(Duration::new(secs, u32::try_from(nanos).unwrap_or(0)))
}

/// The first track whose handler is `handler` (`vide`, `soun`).
fn track<'a>(moov: &'a Moov, handler: &[u8; 4]) -> Option<&'a Trak> {
    moov.trak
        .iter()
        .find(|t| <[u8; 4]>::from(t.mdia.hdlr.handler) == *handler)
}

/// The displayed size: the track header's width and height when set (they
/// include pixel aspect ratio), else the sample entry's coded size; swapped
/// when the track matrix rotates by 90 or 270 degrees.
fn display_size(trak: &Trak, entry: Option<&Codec>) -> (u32, u32) {
    let tkhd = &trak.tkhd;
    let (mut w, mut h) = (
        u32::from(tkhd.width.integer()),
        u32::from(tkhd.height.integer()),
    );
    if (w == 0 || h == 0)
        && let Some(visual) = entry.and_then(Codec::visual)
    {
        w = u32::from(visual.width);
        h = u32::from(visual.height);
    }
    let m = &tkhd.matrix;
    if m.a == 0 && m.d == 0 && m.b != 0 && m.c != 0 {
        std::mem::swap(&mut w, &mut h);
    }
    (w, h)
}

/// Samples per second of a track: sample count × timescale / total ticks,
/// from the time-to-sample table (`stts`).
fn frame_rate(trak: &Trak) -> Result<f64, PreflightError> {
    let scale = trak.mdia.mdhd.timescale;
    let (samples, ticks) =
        trak.mdia
            .minf
            .stbl
            .stts
            .entries
            .iter()
            .fold((0u64, 0u128), |(n, t), e| {
                (
                    n + u64::from(e.sample_count),
                    t + u128::from(e.sample_count) * u128::from(e.sample_delta),
                )
            });
    if scale == 0 || samples == 0 || ticks == 0 {
        return Err(container(
            "a video track without timed samples (empty `stts` or a timescale of 0)",
        ));
    }
    // Ratios of integers well inside f64's exact range for real files.
    let rate = samples as f64 * f64::from(scale) / ticks as f64;
    Ok(rate)
}

/// Checks the audio track: AAC, sample rate, channels.
fn audio(trak: &Trak, limits: &VideoLimits) -> Result<AudioFacts, PreflightError> {
    let entry = trak.mdia.minf.stbl.stsd.codecs.first();
    let Some(Codec::Mp4a(mp4a)) = entry else {
        return Err(audio_codec_error(codec_name(entry)));
    };
    let config = &mp4a.esds.es_desc.dec_config;
    // MPEG-4 audio (0x40) or one of the three MPEG-2 AAC profiles.
    if !matches!(config.object_type_indication, 0x40 | 0x66..=0x68) {
        return Err(audio_codec_error(format!(
            "mp4a with object type 0x{:02x} (not AAC)",
            config.object_type_indication
        )));
    }
    let specific = config.dec_specific.as_ref();
    let sample_rate = specific
        .and_then(|s| AAC_SAMPLE_RATES.get(usize::from(s.freq_index)).copied())
        .unwrap_or_else(|| u32::from(mp4a.audio.sample_rate.integer()));
    if sample_rate > limits.max_audio_sample_rate {
        return Err(PreflightError::new(
            Rule::AudioSampleRate,
            Measure::Hertz(sample_rate),
            Limit::AtMost(Measure::Hertz(limits.max_audio_sample_rate)),
        ));
    }
    let channels = match specific.map(|s| s.chan_conf) {
        Some(n @ 1..=6) => u16::from(n),
        Some(7) => 8,
        _ => mp4a.audio.channel_count,
    };
    if channels == 0 || channels > limits.max_audio_channels {
        return Err(PreflightError::new(
            Rule::AudioChannels,
            Measure::Channels(channels),
            Limit::Between(
                Measure::Channels(1),
                Measure::Channels(limits.max_audio_channels),
            ),
        ));
    }
    Ok(AudioFacts {
        sample_rate,
        channels,
    })
}

/// AAC sampling frequencies by `samplingFrequencyIndex` (ISO/IEC 14496-3).
const AAC_SAMPLE_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

fn audio_codec_error(measured: String) -> PreflightError {
    PreflightError::new(
        Rule::AudioCodec,
        Measure::Text(measured),
        Limit::OneOf(vec!["AAC (mp4a)"]),
    )
}

/// A sample entry's name for messages.
fn codec_name(entry: Option<&Codec>) -> String {
    let name = match entry {
        None => return "no sample description".to_owned(),
        Some(Codec::Unknown(kind, _)) => return fourcc((*kind).into()),
        Some(Codec::Avc1(_)) => "avc1",
        Some(Codec::Avc3(_)) => "avc3",
        Some(Codec::Hvc1(_)) => "hvc1",
        Some(Codec::Hev1(_)) => "hev1",
        Some(Codec::Jpeg(_)) => "jpeg (Motion JPEG)",
        Some(Codec::Vp08(_)) => "vp08 (VP8)",
        Some(Codec::Vp09(_)) => "vp09 (VP9)",
        Some(Codec::Av01(_)) => "av01 (AV1)",
        Some(Codec::Uncv(_)) => "uncv (uncompressed video)",
        Some(Codec::Mp4a(_)) => "mp4a",
        Some(Codec::Mp3(_)) => ".mp3 (MP3)",
        Some(Codec::Opus(_)) => "Opus",
        Some(Codec::Flac(_)) => "fLaC (FLAC)",
        Some(Codec::Ac3(_)) => "ac-3 (AC-3)",
        Some(Codec::Eac3(_)) => "ec-3 (E-AC-3)",
        Some(
            Codec::Ipcm(_)
            | Codec::Fpcm(_)
            | Codec::Sowt(_)
            | Codec::Twos(_)
            | Codec::Lpcm(_)
            | Codec::In24(_)
            | Codec::In32(_)
            | Codec::Fl32(_)
            | Codec::Fl64(_)
            | Codec::S16l(_),
        ) => "PCM",
        Some(Codec::Samr(_)) => "samr (AMR)",
        Some(_) => "a sample entry that is neither audio nor video",
    };
    name.to_owned()
}
