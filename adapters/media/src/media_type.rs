//! The four file types Threads accepts, how they are recognised from their
//! first bytes, and their MIME types and file extensions.

use std::fmt;

/// Image or video: the two kinds of media a Threads container takes
/// (`image_url` or `video_url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A still image.
    Image,
    /// A video.
    Video,
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        })
    }
}

/// A file type Threads accepts: JPEG or PNG images, MP4 or QuickTime (MOV)
/// videos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// JPEG image (`image/jpeg`, `.jpg`).
    Jpeg,
    /// PNG image (`image/png`, `.png`).
    Png,
    /// MPEG-4 video (`video/mp4`, `.mp4`).
    Mp4,
    /// QuickTime video (`video/quicktime`, `.mov`).
    QuickTime,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

impl MediaType {
    /// Every type.
    pub const ALL: [MediaType; 4] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Mp4,
        MediaType::QuickTime,
    ];

    /// The MIME type sent as `Content-Type`.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Mp4 => "video/mp4",
            MediaType::QuickTime => "video/quicktime",
        }
    }

    /// The file extension used in storage keys, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Mp4 => "mp4",
            MediaType::QuickTime => "mov",
        }
    }

    /// Image or video.
    pub fn kind(self) -> MediaKind {
        match self {
            MediaType::Jpeg | MediaType::Png => MediaKind::Image,
            MediaType::Mp4 | MediaType::QuickTime => MediaKind::Video,
        }
    }

    /// The type for a file extension (`jpg`, `jpeg`, `png`, `mp4`, `m4v`,
    /// `mov`; any case).
    pub fn from_extension(ext: &str) -> Option<MediaType> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(MediaType::Jpeg),
            "png" => Some(MediaType::Png),
            "mp4" | "m4v" => Some(MediaType::Mp4),
            "mov" | "qt" => Some(MediaType::QuickTime),
            _ => None,
        }
    }

    /// The type for a MIME type, ignoring parameters and case
    /// (`"image/jpeg; charset=binary"` is JPEG).
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        let essence = mime.split(';').next().unwrap_or("").trim();
        MediaType::ALL
            .into_iter()
            .find(|t| t.mime().eq_ignore_ascii_case(essence))
    }

    /// Recognises a file from its first bytes: the JPEG start-of-image
    /// marker, the PNG signature, or an ISO-BMFF `ftyp` box (QuickTime when
    /// its major brand is `qt  `, MP4 otherwise). 12 bytes are enough.
    pub fn sniff(head: &[u8]) -> Option<MediaType> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if head.starts_with(PNG_SIGNATURE) {
            Some(MediaType::Png)
        } else if head.get(4..8) == Some(b"ftyp") {
            match head.get(8..12) {
                Some(b"qt  ") => Some(MediaType::QuickTime),
                Some(_) => Some(MediaType::Mp4),
                None => None,
            }
        } else {
            None
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mime())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(
            MediaType::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(MediaType::Jpeg)
        );
        assert_eq!(
            MediaType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(MediaType::Png)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x18ftypisom\0\0\0\0"),
            Some(MediaType::Mp4)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            Some(MediaType::QuickTime)
        );
        assert_eq!(MediaType::sniff(b"GIF89a......"), None);
        assert_eq!(MediaType::sniff(b"\0\0\0\x18ftyp"), None);
        assert_eq!(MediaType::sniff(b""), None);
    }

    #[test]
    fn names_round_trip() {
        for t in MediaType::ALL {
            assert_eq!(MediaType::from_extension(t.extension()), Some(t));
            assert_eq!(MediaType::from_mime(t.mime()), Some(t));
        }
        assert_eq!(
            MediaType::from_mime("Video/MP4; codecs=avc1"),
            Some(MediaType::Mp4)
        );
        assert_eq!(MediaType::from_mime("application/octet-stream"), None);
        assert_eq!(MediaType::from_extension("JPEG"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::Mp4.kind(), MediaKind::Video);
    }
}
