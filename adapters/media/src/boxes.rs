//! The top level of an ISO-BMFF (MP4/MOV) file: box headers only. Each
//! header is 8 or 16 bytes (size, type, optional 64-bit size); payloads are
//! skipped by offset, never read, so walking a file costs a few bytes per
//! top-level box whatever its size.

use crate::Error;
use crate::rules::{Limit, Measure, PreflightError, Rule};
use crate::source::Source;

/// One top-level box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoxHeader {
    /// The four-character type (`ftyp`, `moov`, `mdat`, ...).
    pub(crate) kind: [u8; 4],
    /// Where the box starts.
    pub(crate) offset: u64,
    /// Length of the header (8, or 16 with a 64-bit size).
    pub(crate) header_len: u64,
    /// Length of the whole box, header included.
    pub(crate) size: u64,
}

impl BoxHeader {
    /// Where the next box starts.
    pub(crate) fn end(&self) -> u64 {
        self.offset.saturating_add(self.size)
    }
}

/// Reads the header of the box at `offset` of a file of `len` bytes.
pub(crate) async fn read_header<S: Source>(
    source: &mut S,
    offset: u64,
) -> Result<BoxHeader, Error> {
    let len = source.len();
    let available = len.saturating_sub(offset).min(16);
    if available < 8 {
        return Err(container(format!("a truncated box header at byte {offset}")).into());
    }
    // `available` is at most 16.
    let head = source.read_at(offset, available as usize).await?;
    let word = |at: usize| head.get(at..at + 4).map(|b| [b[0], b[1], b[2], b[3]]);
    let (Some(size32), Some(kind)) = (word(0), word(4)) else {
        return Err(container(format!("a truncated box header at byte {offset}")).into());
    };
    let (header_len, size) = match u32::from_be_bytes(size32) {
        // The box runs to the end of the file.
        0 => (8, len - offset),
        1 => {
            let Some(large) = head.get(8..16) else {
                return Err(container(format!("a truncated box header at byte {offset}")).into());
            };
            let mut b = [0u8; 8];
            b.copy_from_slice(large);
            (16, u64::from_be_bytes(b))
        }
        n => (8, u64::from(n)),
    };
    if size < header_len {
        return Err(container(format!(
            "a `{}` box at byte {offset} whose size ({size}) is smaller than its header",
            fourcc(kind)
        ))
        .into());
    }
    Ok(BoxHeader {
        kind,
        offset,
        header_len,
        size,
    })
}

/// A four-character code for messages: printable as is, hexadecimal otherwise.
pub(crate) fn fourcc(kind: [u8; 4]) -> String {
    if kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        kind.iter().map(|&b| char::from(b)).collect()
    } else {
        format!("0x{:08x}", u32::from_be_bytes(kind))
    }
}

/// A [`Rule::VideoContainer`] failure.
pub(crate) fn container(measured: impl Into<String>) -> PreflightError {
    PreflightError::new(
        Rule::VideoContainer,
        Measure::text(measured),
        Limit::Requires("a MOV/MP4 file: an `ftyp` box first, then readable boxes with a `moov`"),
    )
}
