//! Small generated media files for the tests, written byte by byte here so
//! the fixtures do not depend on the parsers under test.
//!
//! * PNG: a real, decodable grayscale picture (IHDR, stored-deflate IDAT,
//!   IEND, with CRCs and the zlib checksum).
//! * JPEG: a header-valid file (SOI, APP0, optional EXIF padding, DQT,
//!   SOF0, SOS, EOI) without real entropy-coded data: enough for a
//!   header-only check, not for a decoder.
//! * MP4/MOV: `ftyp`, `moov` (mvhd; a video trak with tkhd, mdhd, hdlr,
//!   vmhd, dinf, stbl with stsd/stts/stsc/stsz/stco; optionally an AAC
//!   audio trak with an `esds`) and `mdat`, in either order. Large files
//!   are written sparse: the `mdat` payload is a hole made by `set_len`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different part"
)]

use std::io::Write;
use std::path::Path;

// ---------------------------------------------------------------- PNG

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(
        &u32::try_from(data.len())
            .expect("fixture sizes fit")
            .to_be_bytes(),
    );
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A decodable 8-bit grayscale PNG of `width` × `height` (a gradient).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    png_padded(width, height, 0)
}

/// A PNG with an ancillary private chunk of `padding` bytes before IEND.
pub fn png_padded(width: u32, height: u32, padding: usize) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        raw.extend((0..width).map(|x| u8::try_from((x + y) % 256).expect("fixture sizes fit")));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("fixture sizes fit");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    if padding > 0 {
        chunk(&mut out, b"paDd", &vec![0; padding]);
    }
    chunk(&mut out, b"IEND", &[]);
    out
}

// --------------------------------------------------------------- JPEG

fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(
        &u16::try_from(data.len() + 2)
            .expect("fixture sizes fit")
            .to_be_bytes(),
    );
    out.extend_from_slice(data);
}

/// A header-valid baseline JPEG of `width` × `height` with
/// `exif_segments` APP1 segments of 60 KiB before the frame header.
pub fn jpeg(width: u16, height: u16, exif_segments: usize) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    segment(&mut out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    for _ in 0..exif_segments {
        let mut exif = b"Exif\0\0".to_vec();
        exif.resize(60 * 1024, 0);
        segment(&mut out, 0xE1, &exif);
    }
    let mut dqt = vec![0];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
    segment(&mut out, 0xC0, &sof);
    segment(&mut out, 0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0]);
    out.extend_from_slice(&[0x00; 16]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

// ---------------------------------------------------------------- MP4

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(
        &u32::try_from(body.len() + 8)
            .expect("fixture sizes fit")
            .to_be_bytes(),
    );
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version];
    b.extend_from_slice(&flags.to_be_bytes()[1..]);
    b.extend_from_slice(body);
    bx(kind, &b)
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

const IDENTITY: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];
/// A 90° rotation (as phones write portrait video).
pub const ROTATE_90: [u32; 9] = [0, 0x0001_0000, 0, 0xFFFF_0000, 0, 0, 0, 0, 0x4000_0000];

fn matrix(m: [u32; 9]) -> Vec<u8> {
    m.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// The audio track of an [`Mp4Spec`].
#[derive(Clone, Debug)]
pub struct AudioSpec {
    /// Sampling frequency index (3 = 48 kHz, 4 = 44.1 kHz, 0 = 96 kHz).
    pub freq_index: u8,
    /// Channel configuration (1 mono, 2 stereo, 6 = 5.1).
    pub channels: u8,
    /// Object type indication in the esds (0x40 AAC, 0x6B MP3).
    pub object_type: u8,
}

impl Default for AudioSpec {
    fn default() -> Self {
        AudioSpec {
            freq_index: 3,
            channels: 2,
            object_type: 0x40,
        }
    }
}

/// What [`mp4`] writes.
#[derive(Clone, Debug)]
pub struct Mp4Spec {
    pub brand: [u8; 4],
    pub codec: [u8; 4],
    pub width: u16,
    pub height: u16,
    pub matrix: [u32; 9],
    /// Movie duration in milliseconds (mvhd timescale 1000).
    pub duration_ms: u32,
    /// Video media timescale and per-frame delta: 30000/1001 = 29.97 fps.
    pub timescale: u32,
    pub frame_delta: u32,
    pub audio: Option<AudioSpec>,
    /// Whether `moov` comes before `mdat`.
    pub fast_start: bool,
    /// Include a video track at all.
    pub video: bool,
}

impl Default for Mp4Spec {
    fn default() -> Self {
        Mp4Spec {
            brand: *b"isom",
            codec: *b"avc1",
            width: 1080,
            height: 1920,
            matrix: IDENTITY,
            duration_ms: 10_000,
            timescale: 30_000,
            frame_delta: 1001,
            audio: Some(AudioSpec::default()),
            fast_start: true,
            video: true,
        }
    }
}

fn tkhd(track_id: u32, duration: u32, volume: u16, w: u16, h: u16, m: [u32; 9]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&[0; 8]); // creation, modification
    b.extend_from_slice(&track_id.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&duration.to_be_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&[0, 0, 0, 0]); // layer, alternate group
    b.extend_from_slice(&volume.to_be_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&matrix(m));
    b.extend_from_slice(&(u32::from(w) << 16).to_be_bytes());
    b.extend_from_slice(&(u32::from(h) << 16).to_be_bytes());
    full(b"tkhd", 0, 3, &b)
}

fn mdhd(timescale: u32, duration: u32) -> Vec<u8> {
    let mut b = vec![0; 8];
    b.extend_from_slice(&timescale.to_be_bytes());
    b.extend_from_slice(&duration.to_be_bytes());
    b.extend_from_slice(&[0x55, 0xC4, 0, 0]); // "und"
    full(b"mdhd", 0, 0, &b)
}

fn hdlr(handler: &[u8; 4], name: &str) -> Vec<u8> {
    let mut b = vec![0; 4];
    b.extend_from_slice(handler);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(name.as_bytes());
    b.push(0);
    full(b"hdlr", 0, 0, &b)
}

fn dinf() -> Vec<u8> {
    let url = full(b"url ", 0, 1, &[]);
    let mut dref = 1u32.to_be_bytes().to_vec();
    dref.extend_from_slice(&url);
    bx(b"dinf", &full(b"dref", 0, 0, &dref))
}

/// Sample tables as encoders write them: one size per sample (`stsz`) and
/// one chunk per sample (`stco`), so the `moov` grows with the duration
/// like a real file's.
fn tables(
    entry: Vec<u8>,
    samples: u32,
    delta: u32,
    sample_size: u32,
    chunk_offset: u32,
) -> Vec<u8> {
    let mut stsd = 1u32.to_be_bytes().to_vec();
    stsd.extend_from_slice(&entry);
    let mut stts = 1u32.to_be_bytes().to_vec();
    stts.extend_from_slice(&samples.to_be_bytes());
    stts.extend_from_slice(&delta.to_be_bytes());
    let mut stsc = 1u32.to_be_bytes().to_vec();
    for v in [1u32, 1, 1] {
        stsc.extend_from_slice(&v.to_be_bytes());
    }
    let mut stsz = 0u32.to_be_bytes().to_vec();
    stsz.extend_from_slice(&samples.to_be_bytes());
    let mut stco = samples.to_be_bytes().to_vec();
    for i in 0..samples {
        stsz.extend_from_slice(&sample_size.to_be_bytes());
        stco.extend_from_slice(&chunk_offset.wrapping_add(i * sample_size).to_be_bytes());
    }
    bx(
        b"stbl",
        &cat(&[
            full(b"stsd", 0, 0, &stsd),
            full(b"stts", 0, 0, &stts),
            full(b"stsc", 0, 0, &stsc),
            full(b"stsz", 0, 0, &stsz),
            full(b"stco", 0, 0, &stco),
        ]),
    )
}

fn visual_entry(codec: &[u8; 4], w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0; 6];
    b.extend_from_slice(&1u16.to_be_bytes()); // data reference index
    b.extend_from_slice(&[0; 16]);
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&0x0048_0000u32.to_be_bytes());
    b.extend_from_slice(&0x0048_0000u32.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&1u16.to_be_bytes()); // frame count
    b.extend_from_slice(&[0; 32]); // compressor name
    b.extend_from_slice(&0x0018u16.to_be_bytes());
    b.extend_from_slice(&0xFFFFu16.to_be_bytes());
    match codec {
        b"avc1" | b"avc3" => {
            let sps = [0x67, 0x64, 0x00, 0x28, 0xAC, 0xD9, 0x40];
            let pps = [0x68, 0xEB, 0xE3, 0xCB];
            let mut avcc = vec![1, 0x64, 0x00, 0x28, 0xFF, 0xE1];
            avcc.extend_from_slice(
                &u16::try_from(sps.len())
                    .expect("fixture sizes fit")
                    .to_be_bytes(),
            );
            avcc.extend_from_slice(&sps);
            avcc.push(1);
            avcc.extend_from_slice(
                &u16::try_from(pps.len())
                    .expect("fixture sizes fit")
                    .to_be_bytes(),
            );
            avcc.extend_from_slice(&pps);
            b.extend_from_slice(&bx(b"avcC", &avcc));
        }
        b"hvc1" | b"hev1" => {
            let mut hvcc = vec![1, 0x01, 0x60, 0, 0, 0];
            hvcc.extend_from_slice(&[0x90, 0, 0, 0, 0, 0]); // constraint flags
            hvcc.push(93); // level 3.1
            hvcc.extend_from_slice(&[0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 0]);
            b.extend_from_slice(&bx(b"hvcC", &hvcc));
        }
        _ => {
            // Another codec (e.g. mp4v, MPEG-4 Part 2): an opaque config box.
            b.extend_from_slice(&bx(b"glbl", &[0; 8]));
        }
    }
    bx(codec, &b)
}

fn descriptor(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag, u8::try_from(body.len()).expect("fixture sizes fit")];
    out.extend_from_slice(body);
    out
}

fn mp4a_entry(audio: &AudioSpec, sample_rate: u32) -> Vec<u8> {
    let mut b = vec![0; 6];
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&[0; 8]); // version, revision, vendor
    b.extend_from_slice(&u16::from(audio.channels).to_be_bytes());
    b.extend_from_slice(&16u16.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&(sample_rate.min(65_535) << 16).to_be_bytes());
    // AudioSpecificConfig: object type 2 (AAC LC), frequency index, channels.
    let asc = [
        (2 << 3) | (audio.freq_index >> 1),
        ((audio.freq_index & 1) << 7) | (audio.channels << 3),
    ];
    let mut dcd = vec![audio.object_type, (0x05 << 2) | 1, 0, 0, 0];
    dcd.extend_from_slice(&128_000u32.to_be_bytes());
    dcd.extend_from_slice(&128_000u32.to_be_bytes());
    dcd.extend_from_slice(&descriptor(5, &asc));
    let mut es = vec![0, 1, 0];
    es.extend_from_slice(&descriptor(4, &dcd));
    es.extend_from_slice(&descriptor(6, &[2]));
    b.extend_from_slice(&full(b"esds", 0, 0, &descriptor(3, &es)));
    bx(b"mp4a", &b)
}

const AAC_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

fn moov(spec: &Mp4Spec, data_offset: u32) -> Vec<u8> {
    let mut mvhd = vec![0; 8];
    mvhd.extend_from_slice(&1000u32.to_be_bytes());
    mvhd.extend_from_slice(&spec.duration_ms.to_be_bytes());
    mvhd.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    mvhd.extend_from_slice(&0x0100u16.to_be_bytes());
    mvhd.extend_from_slice(&[0; 10]);
    mvhd.extend_from_slice(&matrix(IDENTITY));
    mvhd.extend_from_slice(&[0; 24]);
    mvhd.extend_from_slice(&3u32.to_be_bytes());
    let mut parts = vec![full(b"mvhd", 0, 0, &mvhd)];

    if spec.video {
        let media_duration =
            u32::try_from(u64::from(spec.duration_ms) * u64::from(spec.timescale) / 1000)
                .expect("fixture sizes fit");
        let frames = (media_duration / spec.frame_delta).max(1);
        let minf = bx(
            b"minf",
            &cat(&[
                full(b"vmhd", 0, 1, &[0; 8]),
                dinf(),
                tables(
                    visual_entry(&spec.codec, spec.width, spec.height),
                    frames,
                    spec.frame_delta,
                    100,
                    data_offset,
                ),
            ]),
        );
        let mdia = bx(
            b"mdia",
            &cat(&[
                mdhd(spec.timescale, frames * spec.frame_delta),
                hdlr(b"vide", "VideoHandler"),
                minf,
            ]),
        );
        parts.push(bx(
            b"trak",
            &cat(&[
                tkhd(1, spec.duration_ms, 0, spec.width, spec.height, spec.matrix),
                mdia,
            ]),
        ));
    }
    if let Some(audio) = &spec.audio {
        let rate = AAC_RATES
            .get(usize::from(audio.freq_index))
            .copied()
            .unwrap_or(48_000);
        let frames = u32::try_from(u64::from(spec.duration_ms) * u64::from(rate) / 1000 / 1024)
            .expect("fixture sizes fit")
            .max(1);
        let minf = bx(
            b"minf",
            &cat(&[
                full(b"smhd", 0, 0, &[0; 4]),
                dinf(),
                tables(mp4a_entry(audio, rate), frames, 1024, 10, data_offset),
            ]),
        );
        let mdia = bx(
            b"mdia",
            &cat(&[
                mdhd(rate, frames * 1024),
                hdlr(b"soun", "SoundHandler"),
                minf,
            ]),
        );
        parts.push(bx(
            b"trak",
            &cat(&[tkhd(2, spec.duration_ms, 0x0100, 0, 0, IDENTITY), mdia]),
        ));
    }
    bx(b"moov", &cat(&parts))
}

fn ftyp(brand: [u8; 4]) -> Vec<u8> {
    let mut b = brand.to_vec();
    b.extend_from_slice(&0x200u32.to_be_bytes());
    for compatible in [b"isom", b"iso2", b"avc1", b"mp41"] {
        b.extend_from_slice(compatible);
    }
    bx(b"ftyp", &b)
}

/// The bytes before the `mdat` payload (fast start: ftyp, moov, mdat
/// header) or, without fast start, the ftyp and mdat header; the moov is
/// then returned separately to be written after the payload.
fn layout(spec: &Mp4Spec, payload: u64) -> (Vec<u8>, Vec<u8>) {
    let ftyp = ftyp(spec.brand);
    let mdat_header = |len: u64| {
        let mut h = u32::try_from(len + 8)
            .expect("fixture sizes fit")
            .to_be_bytes()
            .to_vec();
        h.extend_from_slice(b"mdat");
        h
    };
    if spec.fast_start {
        let moov_len = moov(spec, 0).len();
        let data_offset = u32::try_from(ftyp.len() + moov_len + 8).expect("fixture sizes fit");
        (
            cat(&[ftyp, moov(spec, data_offset), mdat_header(payload)]),
            Vec::new(),
        )
    } else {
        let data_offset = u32::try_from(ftyp.len() + 8).expect("fixture sizes fit");
        (cat(&[ftyp, mdat_header(payload)]), moov(spec, data_offset))
    }
}

/// A complete file in memory with a `payload`-byte `mdat` of zeros.
pub fn mp4(spec: &Mp4Spec, payload: u64) -> Vec<u8> {
    let (head, tail) = layout(spec, payload);
    let mut out = head;
    out.resize(
        out.len() + usize::try_from(payload).expect("fixture sizes fit"),
        0,
    );
    out.extend_from_slice(&tail);
    out
}

/// Writes a file of exactly `total` bytes to `path`; the `mdat` payload is
/// a sparse hole, so a 100 MB file costs a few kilobytes of disk.
pub fn write_mp4(path: &Path, spec: &Mp4Spec, total: u64) {
    let (head, tail) = layout(spec, 0);
    let payload = total - (head.len() + tail.len()) as u64;
    let (head, tail) = layout(spec, payload);
    let mut file = std::fs::File::create(path).expect("write the fixture");
    file.write_all(&head).expect("write the fixture");
    if tail.is_empty() {
        file.set_len(total).expect("write the fixture");
    } else {
        file.set_len(total - tail.len() as u64)
            .expect("write the fixture");
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::End(0)).expect("write the fixture");
        file.write_all(&tail).expect("write the fixture");
    }
    assert_eq!(
        std::fs::metadata(path).expect("write the fixture").len(),
        total
    );
}

// ------------------------------------------------------ counting reader

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

/// Wraps a reader and counts the bytes read through it, independently of
/// the crate's own count.
pub struct Counting<R> {
    pub inner: R,
    pub read: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R) -> (Self, Arc<AtomicU64>) {
        let read = Arc::new(AtomicU64::new(0));
        (
            Counting {
                inner,
                read: Arc::clone(&read),
            },
            read,
        )
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Counting<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        poll
    }
}

impl<R: AsyncSeek + Unpin> AsyncSeek for Counting<R> {
    fn start_seek(mut self: Pin<&mut Self>, position: std::io::SeekFrom) -> std::io::Result<()> {
        Pin::new(&mut self.inner).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
        Pin::new(&mut self.inner).poll_complete(cx)
    }
}
