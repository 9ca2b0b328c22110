//! Optional media fetch: when [`MediaFetch::Fetch`] is on, the emulator downloads the
//! `image_url` / `video_url` of every IMAGE and VIDEO container and checks what can be
//! checked from the bytes against Meta's image and video specifications
//! (<https://developers.facebook.com/docs/threads/overview>). A failed check puts the
//! container in `ERROR` with one of the `error_message` values of
//! <https://developers.facebook.com/docs/threads/troubleshooting>.
//!
//! Checks:
//! - images: JPEG or PNG by magic bytes, at most 8 MB, aspect ratio at most 10:1 (read from
//!   the PNG `IHDR` or the JPEG `SOFn` header);
//! - videos: MOV/MP4 (first box `ftyp`), at most 1 GB, `moov` before `mdat`, `mvhd`
//!   duration above 0 and at most 300 s.
//!
//! Error messages: a fetch failure (connection error, non-2xx status, timeout) gives
//! `FAILED_DOWNLOADING_VIDEO` for videos and `UNKNOWN` for images (as Meta does in
//! practice); a bad duration gives `INVALID_DURATION`; a bad image aspect ratio gives
//! `INVALID_ASPEC_RATIO` (sic); everything else gives `UNKNOWN`.

use serde::{Deserialize, Serialize};

/// Whether IMAGE / VIDEO containers fetch and check their media URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaFetch {
    /// Never fetch: containers finish after their processing delay whatever the URL
    /// points to (the default, so fake `https://` URLs work offline).
    #[default]
    Off,
    /// Fetch the URL when the container is created (bounded by [`MAX_VIDEO_BYTES`] and the
    /// emulator's 10 s HTTP timeout) and put the container in `ERROR` if a check fails.
    Fetch,
}

/// Largest accepted image, in bytes (8 MB).
pub const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
/// Largest accepted video, in bytes (1 GB).
pub const MAX_VIDEO_BYTES: u64 = 1024 * 1024 * 1024;
/// How much of a video is kept in memory to find `moov`; the rest is only counted.
const VIDEO_PREFIX: usize = 16 * 1024 * 1024;
/// Longest accepted video, in seconds.
const MAX_VIDEO_SECS: u64 = 300;

/// What kind of media a container fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Image,
    Video,
}

/// A fetch scheduled by container creation, run outside the world lock.
#[derive(Debug, Clone)]
pub(crate) struct PendingFetch {
    pub(crate) container: u64,
    pub(crate) kind: MediaKind,
    pub(crate) url: String,
}

const UNKNOWN: &str = "UNKNOWN";

/// Fetches `url` and checks it; `Err` holds the container's `error_message`.
pub(crate) async fn fetch_and_check(
    http: &reqwest::Client,
    kind: MediaKind,
    url: &str,
) -> Result<(), &'static str> {
    let unreachable = match kind {
        MediaKind::Image => UNKNOWN,
        MediaKind::Video => "FAILED_DOWNLOADING_VIDEO",
    };
    let mut resp = http.get(url).send().await.map_err(|_| unreachable)?;
    if !resp.status().is_success() {
        return Err(unreachable);
    }
    let (limit, keep) = match kind {
        MediaKind::Image => (MAX_IMAGE_BYTES, usize::MAX),
        MediaKind::Video => (MAX_VIDEO_BYTES, VIDEO_PREFIX),
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(UNKNOWN);
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = resp.chunk().await.map_err(|_| unreachable)? {
        total += chunk.len() as u64;
        if total > limit {
            return Err(UNKNOWN);
        }
        let room = keep.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    match kind {
        MediaKind::Image => check_image(&buf),
        MediaKind::Video => check_video(&buf),
    }
}

fn be16(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 2)?;
    Some(u64::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 4)?;
    Some(u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_be_bytes(a))
}

/// Checks image bytes: format, size and aspect ratio.
pub(crate) fn check_image(b: &[u8]) -> Result<(), &'static str> {
    if b.len() as u64 > MAX_IMAGE_BYTES {
        return Err(UNKNOWN);
    }
    let (w, h) = png_size(b).or_else(|| jpeg_size(b)).ok_or(UNKNOWN)?;
    if w == 0 || h == 0 {
        return Err(UNKNOWN);
    }
    if w.max(h) > w.min(h) * 10 {
        return Err("INVALID_ASPEC_RATIO");
    }
    Ok(())
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn png_size(b: &[u8]) -> Option<(u64, u64)> {
    if !b.starts_with(&PNG_SIGNATURE) || b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn jpeg_size(b: &[u8]) -> Option<(u64, u64)> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        match marker {
            // Fill byte: the marker follows.
            0xFF => i += 1,
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => i += 2,
            // End of image or start of scan before any frame header.
            0xD9 | 0xDA => return None,
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                let h = be16(b, i + 5)?;
                let w = be16(b, i + 7)?;
                return Some((w, h));
            }
            _ => {
                let len = usize::try_from(be16(b, i + 2)?).ok()?;
                if len < 2 {
                    return None;
                }
                i += 2 + len;
            }
        }
    }
}

/// One ISO-BMFF box header: (type, header length, total length; `None` = to the end).
fn box_at(b: &[u8], at: usize) -> Option<([u8; 4], usize, Option<u64>)> {
    let size = be32(b, at)?;
    let mut kind = [0u8; 4];
    kind.copy_from_slice(b.get(at + 4..at + 8)?);
    match size {
        0 => Some((kind, 8, None)),
        1 => Some((kind, 16, Some(be64(b, at + 8)?))),
        n => Some((kind, 8, Some(n))),
    }
}

/// Checks the kept prefix of a video: `ftyp` first, `moov` (with `mvhd`) before `mdat`,
/// duration in range.
pub(crate) fn check_video(b: &[u8]) -> Result<(), &'static str> {
    let mut at = 0usize;
    let mut first = true;
    loop {
        let (kind, header, len) = box_at(b, at).ok_or(UNKNOWN)?;
        if first && &kind != b"ftyp" {
            return Err(UNKNOWN);
        }
        first = false;
        match &kind {
            b"mdat" => return Err(UNKNOWN),
            b"moov" => {
                let end = match len {
                    Some(n) => at.checked_add(usize::try_from(n).map_err(|_| UNKNOWN)?),
                    None => Some(b.len()),
                }
                .ok_or(UNKNOWN)?;
                let body = b.get(at + header..end).ok_or(UNKNOWN)?;
                return check_duration(body);
            }
            _ => {
                let n = len.ok_or(UNKNOWN)?;
                if n < header as u64 {
                    return Err(UNKNOWN);
                }
                at = at
                    .checked_add(usize::try_from(n).map_err(|_| UNKNOWN)?)
                    .ok_or(UNKNOWN)?;
            }
        }
    }
}

/// Finds `mvhd` among the children of `moov` and checks its duration.
fn check_duration(moov: &[u8]) -> Result<(), &'static str> {
    let mut at = 0usize;
    while at < moov.len() {
        let (kind, header, len) = box_at(moov, at).ok_or(UNKNOWN)?;
        let n = usize::try_from(len.unwrap_or((moov.len() - at) as u64)).map_err(|_| UNKNOWN)?;
        if n < header {
            return Err(UNKNOWN);
        }
        if &kind == b"mvhd" {
            let body = moov.get(at + header..at + n).ok_or(UNKNOWN)?;
            let (scale, duration) = match body.first() {
                Some(0) => (be32(body, 12), be32(body, 16)),
                Some(1) => (be32(body, 20), be64(body, 24)),
                _ => (None, None),
            };
            let (scale, duration) = scale.zip(duration).ok_or(UNKNOWN)?;
            if scale == 0 || duration == 0 || duration > MAX_VIDEO_SECS.saturating_mul(scale) {
                return Err("INVALID_DURATION");
            }
            return Ok(());
        }
        at += n;
    }
    Err(UNKNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_headers_are_unknown_not_panics() {
        assert_eq!(check_image(&PNG_SIGNATURE), Err(UNKNOWN));
        assert_eq!(check_image(&[0xFF, 0xD8, 0xFF]), Err(UNKNOWN));
        assert_eq!(check_image(b"GIF89a"), Err(UNKNOWN));
        assert_eq!(check_video(b"\0\0\0\x08ftyp"), Err(UNKNOWN));
        assert_eq!(check_video(&[]), Err(UNKNOWN));
        // A box claiming less than its own header must not loop forever.
        assert_eq!(check_video(b"\0\0\0\x08ftyp\0\0\0\x04free"), Err(UNKNOWN));
    }
}
