//! Video preflight on generated MP4/MOV files: valid files pass with the
//! right facts; each broken rule fails with its own `Rule` and the measured
//! value; a 100 MB file is checked by reading under 1 MB of it.

mod common;

use std::error::Error as _;
use std::io::Cursor;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{AudioSpec, Counting, Mp4Spec, ROTATE_90, mp4, write_mp4};
use threads_media::{
    Limit, Measure, MediaType, Rule, VideoCodec, VideoFacts, VideoLimits, preflight_video,
};

async fn check(bytes: Vec<u8>) -> Result<VideoFacts, threads_media::Error> {
    preflight_video(Cursor::new(bytes), &VideoLimits::default()).await
}

async fn rule_of(bytes: Vec<u8>) -> threads_media::PreflightError {
    match check(bytes).await {
        Err(threads_media::Error::Preflight(p)) => p,
        other => panic!("expected a preflight failure, got {other:?}"),
    }
}

#[tokio::test]
async fn valid_h264_aac_passes_with_its_facts() {
    let bytes = mp4(&Mp4Spec::default(), 4096);
    let len = bytes.len() as u64;
    let facts = check(bytes).await.unwrap();
    assert_eq!(facts.media_type, MediaType::Mp4);
    assert_eq!(facts.major_brand, "isom");
    assert_eq!(facts.video_codec, VideoCodec::H264);
    assert_eq!((facts.width, facts.height), (1080, 1920));
    assert_eq!(facts.duration, Duration::from_secs(10));
    assert!(
        (facts.frame_rate - 29.97).abs() < 0.01,
        "{}",
        facts.frame_rate
    );
    let audio = facts.audio.unwrap();
    assert_eq!((audio.sample_rate, audio.channels), (48_000, 2));
    assert_eq!(facts.file_size, len);
    assert!(!facts.has_edit_list);
    assert_eq!(facts.average_bitrate, len * 8 / 10);
    assert!(facts.moov_offset < 64);
    // ftyp and moov are read; the mdat payload is not.
    assert_eq!(
        facts.bytes_read,
        16 + 4 + 16 + facts.moov_size,
        "the ftyp header and brand, the moov header, the moov"
    );
}

#[tokio::test]
async fn hevc_and_quicktime_pass() {
    let spec = Mp4Spec {
        codec: *b"hvc1",
        brand: *b"qt  ",
        audio: None,
        ..Mp4Spec::default()
    };
    let facts = check(mp4(&spec, 100)).await.unwrap();
    assert_eq!(facts.video_codec, VideoCodec::Hevc);
    assert_eq!(facts.media_type, MediaType::QuickTime);
    assert_eq!(facts.audio, None);
}

#[tokio::test]
async fn mdat_before_moov_fails_fast_start() {
    let spec = Mp4Spec {
        fast_start: false,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&spec, 10_000)).await;
    assert_eq!(err.rule, Rule::VideoFastStart);
    let Measure::Text(measured) = &err.measured else {
        panic!("{err}")
    };
    // ftyp is 32 bytes; mdat follows; moov follows the 10,008-byte mdat.
    assert_eq!(measured, "`mdat` at byte 32 before `moov` at byte 10040");
    assert_eq!(
        err.limit,
        Limit::Requires("`moov` before `mdat` (fast start)")
    );
}

#[tokio::test]
async fn too_long_and_empty_durations_fail() {
    let long = Mp4Spec {
        duration_ms: 301_000,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&long, 10)).await;
    assert_eq!(err.rule, Rule::VideoDuration);
    assert_eq!(err.measured, Measure::Seconds(301.0));
    assert_eq!(err.limit, Limit::AtMost(Measure::Seconds(300.0)));

    let exactly = Mp4Spec {
        duration_ms: 300_000,
        ..Mp4Spec::default()
    };
    assert!(check(mp4(&exactly, 10)).await.is_ok());

    let empty = Mp4Spec {
        duration_ms: 0,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&empty, 10)).await;
    assert_eq!(err.rule, Rule::VideoDuration);
    assert_eq!(err.limit, Limit::MoreThan(Measure::Seconds(0.0)));
}

#[tokio::test]
async fn wrong_video_codec_is_named() {
    let spec = Mp4Spec {
        codec: *b"mp4v",
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&spec, 10)).await;
    assert_eq!(err.rule, Rule::VideoCodec);
    assert_eq!(err.measured, Measure::Text("mp4v".into()));
    assert_eq!(
        err.to_string(),
        "video.codec: measured mp4v, allowed one of H.264 (avc1, avc3), HEVC (hvc1, hev1)"
    );
}

#[tokio::test]
async fn audio_rules() {
    let mp3 = Mp4Spec {
        audio: Some(AudioSpec {
            object_type: 0x6B,
            ..AudioSpec::default()
        }),
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&mp3, 10)).await;
    assert_eq!(err.rule, Rule::AudioCodec);
    assert!(err.measured.to_string().contains("0x6b"), "{err}");

    let hi_rate = Mp4Spec {
        audio: Some(AudioSpec {
            freq_index: 0,
            ..AudioSpec::default()
        }),
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&hi_rate, 10)).await;
    assert_eq!(err.rule, Rule::AudioSampleRate);
    assert_eq!(err.measured, Measure::Hertz(96_000));

    let surround = Mp4Spec {
        audio: Some(AudioSpec {
            channels: 6,
            ..AudioSpec::default()
        }),
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&surround, 10)).await;
    assert_eq!(err.rule, Rule::AudioChannels);
    assert_eq!(err.measured, Measure::Channels(6));

    let mono_44k = Mp4Spec {
        audio: Some(AudioSpec {
            freq_index: 4,
            channels: 1,
            ..AudioSpec::default()
        }),
        ..Mp4Spec::default()
    };
    let audio = check(mp4(&mono_44k, 10)).await.unwrap().audio.unwrap();
    assert_eq!((audio.sample_rate, audio.channels), (44_100, 1));
}

#[tokio::test]
async fn frame_rate_bounds() {
    for (timescale, delta, ok) in [
        (30_000, 1001, true), // 29.97
        (24_000, 1001, true), // 23.976
        (60, 1, true),
        (20, 1, false),
        (120, 1, false),
    ] {
        let spec = Mp4Spec {
            timescale,
            frame_delta: delta,
            ..Mp4Spec::default()
        };
        let result = check(mp4(&spec, 10)).await;
        if ok {
            assert!(result.is_ok(), "{timescale}/{delta}: {result:?}");
        } else {
            let err = result.unwrap_err();
            let p = err.preflight().unwrap();
            assert_eq!(p.rule, Rule::VideoFrameRate, "{timescale}/{delta}");
            assert_eq!(
                p.measured,
                Measure::FramesPerSecond(f64::from(timescale) / f64::from(delta))
            );
        }
    }
}

#[tokio::test]
async fn dimensions_and_rotation() {
    let uhd = Mp4Spec {
        width: 3840,
        height: 2160,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&uhd, 10)).await;
    assert_eq!(err.rule, Rule::VideoWidth);
    assert_eq!(err.measured, Measure::Pixels(3840));

    let banner = Mp4Spec {
        width: 1900,
        height: 100,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&banner, 10)).await;
    assert_eq!(err.rule, Rule::VideoAspectRatio);
    assert_eq!(err.measured, Measure::Ratio(19.0));

    // Stored landscape, shown portrait: 1920 × 1080 turned by 90°.
    let rotated = Mp4Spec {
        width: 1920,
        height: 1080,
        matrix: ROTATE_90,
        ..Mp4Spec::default()
    };
    let facts = check(mp4(&rotated, 10)).await.unwrap();
    assert_eq!((facts.width, facts.height), (1080, 1920));
}

#[tokio::test]
async fn not_a_video_or_broken_boxes_fail_the_container_rule() {
    let err = rule_of(common::png(400, 400)).await;
    assert_eq!(err.rule, Rule::VideoContainer);
    assert!(err.measured.to_string().contains("first box"), "{err}");

    // A box that claims to be smaller than its own header.
    let mut bytes = mp4(&Mp4Spec::default(), 10);
    let tiny = b"\0\0\0\x04free";
    let ftyp_len = 32;
    bytes.splice(ftyp_len..ftyp_len, tiny.iter().copied());
    let err = rule_of(bytes).await;
    assert_eq!(err.rule, Rule::VideoContainer);

    // A moov whose inside is garbage: the decoder's error is the source.
    let mut bytes = mp4(&Mp4Spec::default(), 10);
    let moov_body = ftyp_len + 8;
    for b in &mut bytes[moov_body..moov_body + 16] {
        *b = 0xFF;
    }
    let err = rule_of(bytes).await;
    assert_eq!(err.rule, Rule::VideoContainer);
    assert!(err.source().is_some(), "the decoder's error is kept");

    // A file cut inside the ftyp box.
    let err = rule_of(mp4(&Mp4Spec::default(), 10)[..10].to_vec()).await;
    assert_eq!(err.rule, Rule::VideoContainer);

    // Only an ftyp.
    let err = rule_of(mp4(&Mp4Spec::default(), 10)[..32].to_vec()).await;
    assert_eq!(err.rule, Rule::VideoContainer);
    assert_eq!(err.measured, Measure::Text("no `moov` box".into()));

    // Truncated in the middle of the moov.
    let err = rule_of(mp4(&Mp4Spec::default(), 10)[..200].to_vec()).await;
    assert_eq!(err.rule, Rule::VideoContainer);
}

#[tokio::test]
async fn audio_only_has_no_video_track() {
    let spec = Mp4Spec {
        video: false,
        ..Mp4Spec::default()
    };
    let err = rule_of(mp4(&spec, 10)).await;
    assert_eq!(err.rule, Rule::VideoTrack);
}

#[tokio::test]
async fn header_size_bound_is_enforced() {
    let mut limits = VideoLimits::default();
    limits.max_header_bytes = 256;
    let err = preflight_video(Cursor::new(mp4(&Mp4Spec::default(), 10)), &limits)
        .await
        .unwrap_err();
    let p = err.preflight().unwrap();
    assert_eq!(p.rule, Rule::VideoHeaderSize);
    assert_eq!(p.limit, Limit::AtMost(Measure::Bytes(256)));
}

#[tokio::test]
async fn oversize_file_fails_before_any_box_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.mp4");
    let limit = VideoLimits::default().max_bytes;
    write_mp4(&path, &Mp4Spec::default(), limit + 1);
    let file = tokio::fs::File::open(&path).await.unwrap();
    let (reader, read) = Counting::new(file);
    let err = preflight_video(reader, &VideoLimits::default())
        .await
        .unwrap_err();
    let p = err.preflight().unwrap();
    assert_eq!(p.rule, Rule::VideoFileSize);
    assert_eq!(p.measured, Measure::Bytes(limit + 1));
    assert_eq!(read.load(Ordering::Relaxed), 16, "one box header");
}

/// The figure: a 100 MB fast-start MP4 is preflighted by reading less than
/// 1 MB of it (counted by the test's own reader wrapper).
#[tokio::test]
async fn preflight_of_100_mb_reads_under_1_mb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("100mb.mp4");
    let total = 100 * 1000 * 1000;
    // The longest video Threads takes at the highest frame rate (300 s at
    // 60 fps, with 48 kHz AAC audio), so the sample tables in `moov` are as
    // large as they get: one size and one chunk offset per sample.
    let spec = Mp4Spec {
        duration_ms: 300_000,
        timescale: 60_000,
        frame_delta: 1000,
        ..Mp4Spec::default()
    };
    write_mp4(&path, &spec, total);

    let file = tokio::fs::File::open(&path).await.unwrap();
    let (reader, read) = Counting::new(file);
    let facts = preflight_video(reader, &VideoLimits::default())
        .await
        .unwrap();
    let counted = read.load(Ordering::Relaxed);
    println!(
        "preflight of a {total}-byte MP4 read {counted} bytes ({:.3}% of the file; moov {} bytes)",
        counted as f64 * 100.0 / total as f64,
        facts.moov_size
    );
    assert_eq!(facts.file_size, total);
    assert_eq!(facts.bytes_read, counted);
    assert!(counted < 1_000_000, "read {counted} bytes");
    assert_eq!(facts.duration, Duration::from_secs(300));
    assert!((facts.frame_rate - 60.0).abs() < 1e-9);
}
