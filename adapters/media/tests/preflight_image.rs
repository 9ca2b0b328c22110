//! Image preflight on generated PNG and JPEG files.

mod common;

use std::error::Error as _;
use std::io::Cursor;
use std::sync::atomic::Ordering;

use common::{Counting, jpeg, png, png_padded};
use threads_media::{
    ImageLimits, Limit, Measure, MediaKind, MediaType, Rule, preflight, preflight_image,
    preflight_image_bytes,
};

fn rule_of(bytes: &[u8]) -> threads_media::PreflightError {
    match preflight_image_bytes(bytes, &ImageLimits::default()) {
        Err(threads_media::Error::Preflight(p)) => p,
        other => panic!("expected a preflight failure, got {other:?}"),
    }
}

#[test]
fn valid_png_and_jpeg_pass() {
    let bytes = png(1080, 1350);
    let facts = preflight_image_bytes(&bytes, &ImageLimits::default()).unwrap();
    assert_eq!(facts.media_type, MediaType::Png);
    assert_eq!((facts.width, facts.height), (1080, 1350));
    assert_eq!(facts.file_size, bytes.len() as u64);

    let facts = preflight_image_bytes(&jpeg(1440, 1440, 0), &ImageLimits::default()).unwrap();
    assert_eq!(facts.media_type, MediaType::Jpeg);
    assert_eq!((facts.width, facts.height), (1440, 1440));
}

#[test]
fn bounds_are_inclusive() {
    // 320 wide, 10:1 exactly.
    assert!(preflight_image_bytes(&png(320, 3200), &ImageLimits::default()).is_ok());
    assert!(preflight_image_bytes(&jpeg(1000, 100, 0), &ImageLimits::default()).is_ok());
}

#[test]
fn oversize_fails_with_the_byte_count() {
    let limit = ImageLimits::default().max_bytes;
    let bytes = png_padded(400, 400, usize::try_from(limit).unwrap());
    let err = rule_of(&bytes);
    assert_eq!(err.rule, Rule::ImageFileSize);
    assert_eq!(err.measured, Measure::Bytes(bytes.len() as u64));
    assert_eq!(err.limit, Limit::AtMost(Measure::Bytes(8 * 1024 * 1024)));
}

#[test]
fn wrong_aspect_ratio_fails() {
    let err = rule_of(&png(1400, 100));
    assert_eq!(err.rule, Rule::ImageAspectRatio);
    assert_eq!(err.measured, Measure::Ratio(14.0));
    assert_eq!(
        err.to_string(),
        "image.aspect_ratio: measured 14.00:1, allowed at most 10.00:1"
    );
    // Tall pictures too.
    assert_eq!(rule_of(&jpeg(400, 4100, 0)).rule, Rule::ImageAspectRatio);
}

#[test]
fn width_outside_320_to_1440_fails() {
    let err = rule_of(&png(200, 200));
    assert_eq!(err.rule, Rule::ImageWidth);
    assert_eq!(err.measured, Measure::Pixels(200));
    assert_eq!(rule_of(&jpeg(2048, 1536, 0)).rule, Rule::ImageWidth);

    // A host that lets Meta rescale can widen the bounds.
    let mut relaxed = ImageLimits::default();
    relaxed.min_width = 0;
    relaxed.max_width = u32::MAX;
    assert!(preflight_image_bytes(&jpeg(2048, 1536, 0), &relaxed).is_ok());
}

#[test]
fn other_formats_are_named() {
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0x90, 0x01, 0x90, 0x01, 0, 0, 0]);
    let err = rule_of(&gif);
    assert_eq!(err.rule, Rule::ImageFormat);
    assert_eq!(err.measured, Measure::Text("GIF".into()));
    assert_eq!(err.limit, Limit::OneOf(vec!["JPEG", "PNG"]));

    let err = rule_of(b"definitely not an image");
    assert_eq!(err.rule, Rule::ImageFormat);
    assert_eq!(rule_of(&[]).rule, Rule::ImageFormat);
}

#[test]
fn truncated_headers_are_format_errors_not_panics() {
    // SOI and APP0, then the file ends before any frame header.
    let bytes = &jpeg(800, 600, 0)[..22];
    let err = rule_of(bytes);
    assert_eq!(err.rule, Rule::ImageFormat);
    assert!(err.source().is_some(), "imagesize's error is kept");

    let bytes = &png(800, 600)[..12];
    assert_eq!(rule_of(bytes).rule, Rule::ImageFormat);
}

#[tokio::test]
async fn reader_preflight_reads_only_the_header() {
    let bytes = png(1200, 900);
    let len = bytes.len() as u64;
    let (reader, read) = Counting::new(Cursor::new(bytes));
    let facts = preflight_image(reader, &ImageLimits::default())
        .await
        .unwrap();
    assert_eq!((facts.width, facts.height), (1200, 900));
    let counted = read.load(Ordering::Relaxed);
    assert_eq!(facts.bytes_read, counted);
    assert!(
        counted <= 16 * 1024 && counted < len,
        "read {counted} of {len}"
    );
}

#[tokio::test]
async fn jpeg_frame_header_after_large_exif_is_found() {
    // Two 60 KiB APP1 segments push the SOF0 segment past 120 KiB.
    let bytes = jpeg(1080, 1080, 2);
    let len = bytes.len() as u64;
    let (reader, read) = Counting::new(Cursor::new(bytes));
    let facts = preflight(reader, MediaKind::Image, &Default::default())
        .await
        .unwrap();
    assert_eq!(facts.file_size(), len);
    assert!(read.load(Ordering::Relaxed) <= len);
}
