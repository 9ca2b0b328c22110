//! Post attachments: polls, GIFs, spoiler ranges and text attachments.
//!
//! On the write side each is sent as one JSON-encoded form field
//! (`poll_attachment`, `gif_attachment`, `text_entities`, `text_attachment`);
//! the same types decode the read side where the shapes match. Ranges
//! (`offset`/`length`) are in UTF-16 code units, like the JavaScript indices
//! Meta's sample app uses; see [`crate::text::utf16_range_of`].

use serde::{Deserialize, Serialize};

use crate::text::{char_len, utf16_range_of};
use crate::validation::{Reason, ValidationError};

/// Most characters in one poll option.
pub const POLL_OPTION_MAX_CHARS: usize = 25;
/// Most characters in a text attachment's `plaintext`.
pub const TEXT_ATTACHMENT_MAX_CHARS: usize = 10_000;
/// Most spoiler entities in one post.
pub const MAX_SPOILERS: usize = 10;

/// A poll to attach to a text post (write side): 2–4 options of 1–25
/// characters each.
///
/// ```
/// use threads_api::model::PollAttachment;
/// let poll = PollAttachment::new("Tabs", "Spaces").option_c("Both");
/// assert!(poll.validate().is_ok());
/// assert_eq!(poll.options(), vec!["Tabs", "Spaces", "Both"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PollAttachment {
    /// First option (required).
    pub option_a: String,
    /// Second option (required).
    pub option_b: String,
    /// Third option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_c: Option<String>,
    /// Fourth option (needs `option_c`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_d: Option<String>,
}

impl PollAttachment {
    /// A two-option poll.
    pub fn new(option_a: impl Into<String>, option_b: impl Into<String>) -> Self {
        Self {
            option_a: option_a.into(),
            option_b: option_b.into(),
            option_c: None,
            option_d: None,
        }
    }

    /// Builds a poll from 2–4 options in order.
    pub fn from_options<I, S>(options: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut opts: Vec<String> = options.into_iter().map(Into::into).collect();
        let n = opts.len();
        if n < 2 {
            return Err(ValidationError::new(
                "poll_attachment",
                Reason::TooFew {
                    what: "options",
                    min: 2,
                    actual: n,
                },
            ));
        }
        if n > 4 {
            return Err(ValidationError::new(
                "poll_attachment",
                Reason::TooMany {
                    what: "options",
                    max: 4,
                    actual: n,
                },
            ));
        }
        let d = if n == 4 { opts.pop() } else { None };
        let c = if n >= 3 { opts.pop() } else { None };
        let b = opts.pop().unwrap_or_default();
        let a = opts.pop().unwrap_or_default();
        Ok(Self {
            option_a: a,
            option_b: b,
            option_c: c,
            option_d: d,
        })
    }

    /// Sets the third option.
    pub fn option_c(mut self, option: impl Into<String>) -> Self {
        self.option_c = Some(option.into());
        self
    }

    /// Sets the fourth option.
    pub fn option_d(mut self, option: impl Into<String>) -> Self {
        self.option_d = Some(option.into());
        self
    }

    /// The options in order.
    pub fn options(&self) -> Vec<&str> {
        [
            Some(self.option_a.as_str()),
            Some(self.option_b.as_str()),
            self.option_c.as_deref(),
            self.option_d.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Checks 1–25 characters per option and that `option_d` comes with `option_c`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let fields: [(&'static str, Option<&str>); 4] = [
            ("poll_attachment.option_a", Some(&self.option_a)),
            ("poll_attachment.option_b", Some(&self.option_b)),
            ("poll_attachment.option_c", self.option_c.as_deref()),
            ("poll_attachment.option_d", self.option_d.as_deref()),
        ];
        for (field, value) in fields {
            let Some(value) = value else { continue };
            let len = char_len(value);
            if value.trim().is_empty() {
                return Err(ValidationError::new(
                    field,
                    Reason::TooShort { min: 1, actual: 0 },
                ));
            }
            if len > POLL_OPTION_MAX_CHARS {
                return Err(ValidationError::new(
                    field,
                    Reason::TooLong {
                        max: POLL_OPTION_MAX_CHARS,
                        actual: len,
                    },
                ));
            }
        }
        if self.option_d.is_some() && self.option_c.is_none() {
            return Err(ValidationError::new(
                "poll_attachment.option_c",
                Reason::Required {
                    when: "when option_d is set",
                },
            ));
        }
        Ok(())
    }
}

/// A poll as read back with `poll_attachment{...}` field expansion.
///
/// Percentages are fractions between 0 and 1. The `option_c`/`option_d`
/// fields only appear when the poll has those options.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PollResults {
    /// First option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_a: Option<String>,
    /// Second option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_b: Option<String>,
    /// Third option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_c: Option<String>,
    /// Fourth option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_d: Option<String>,
    /// Share of votes for option A (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_a_votes_percentage: Option<f64>,
    /// Share of votes for option B (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_b_votes_percentage: Option<f64>,
    /// Share of votes for option C (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_c_votes_percentage: Option<f64>,
    /// Share of votes for option D (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_d_votes_percentage: Option<f64>,
    /// Total number of votes (added 2025-08-12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_votes: Option<u64>,
    /// When the poll closes.
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

wire_enum! {
    /// The GIF provider of a `gif_attachment`.
    pub enum GifProvider {
        /// GIPHY (since 2026-02-27; the only provider after Tenor's sunset).
        Giphy = "GIPHY",
        /// Tenor (the original provider, sunset 2026-03-31).
        Tenor = "TENOR",
    }
}

/// A GIF to attach to a text post: `{"gif_id": "...", "provider": "GIPHY"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GifAttachment {
    /// The provider's GIF ID.
    pub gif_id: String,
    /// The provider.
    pub provider: GifProvider,
}

impl GifAttachment {
    /// A GIF from `provider`.
    pub fn new(gif_id: impl Into<String>, provider: GifProvider) -> Self {
        Self {
            gif_id: gif_id.into(),
            provider,
        }
    }

    /// A GIPHY GIF.
    pub fn giphy(gif_id: impl Into<String>) -> Self {
        Self::new(gif_id, GifProvider::Giphy)
    }
}

wire_enum! {
    /// The kind of a text entity. Only spoilers exist today.
    pub enum TextEntityType {
        /// A spoiler range (sent as `SPOILER`; `spoiler` is accepted on read).
        Spoiler = "SPOILER",
    }
}

/// A range of the post text with special treatment (a spoiler).
///
/// `offset` and `length` count UTF-16 code units of `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TextEntity {
    /// The kind of entity.
    pub entity_type: TextEntityType,
    /// Start of the range (UTF-16 code units).
    #[serde(deserialize_with = "crate::model::serde_helpers::u64_or_string")]
    pub offset: u64,
    /// Length of the range (UTF-16 code units).
    #[serde(deserialize_with = "crate::model::serde_helpers::u64_or_string")]
    pub length: u64,
}

impl TextEntity {
    /// A spoiler over `length` UTF-16 code units starting at `offset`.
    pub fn spoiler(offset: u64, length: u64) -> Self {
        Self {
            entity_type: TextEntityType::Spoiler,
            offset,
            length,
        }
    }

    /// A spoiler over the first occurrence of `needle` in `text`, or `None`
    /// when it does not occur.
    ///
    /// ```
    /// use threads_api::model::TextEntity;
    /// let e = TextEntity::spoiler_over("The butler 🤵 did it", "did it").unwrap();
    /// assert_eq!((e.offset, e.length), (14, 6));
    /// ```
    pub fn spoiler_over(text: &str, needle: &str) -> Option<Self> {
        let (offset, length) = utf16_range_of(text, needle)?;
        Some(Self::spoiler(offset as u64, length as u64))
    }
}

wire_enum! {
    /// A text style of a text attachment range.
    pub enum TextStyle {
        /// Bold.
        Bold = "bold",
        /// Italic.
        Italic = "italic",
        /// Highlighted.
        Highlight = "highlight",
        /// Underlined.
        Underline = "underline",
        /// Struck through.
        Strikethrough = "strikethrough",
    }
}

/// A styled range of a text attachment's `plaintext`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StyledRange {
    /// Start of the range (UTF-16 code units).
    #[serde(deserialize_with = "crate::model::serde_helpers::u64_or_string")]
    pub offset: u64,
    /// Length of the range (UTF-16 code units).
    #[serde(deserialize_with = "crate::model::serde_helpers::u64_or_string")]
    pub length: u64,
    /// Styles applied to the range.
    #[serde(default)]
    pub styling_info: Vec<TextStyle>,
}

impl StyledRange {
    /// A range with the given styles.
    pub fn new(offset: u64, length: u64, styles: impl IntoIterator<Item = TextStyle>) -> Self {
        Self {
            offset,
            length,
            styling_info: styles.into_iter().collect(),
        }
    }
}

/// A long-form text attachment (up to 10,000 characters) on a text post.
///
/// ```
/// use threads_api::model::{TextAttachment, TextStyle};
/// let att = TextAttachment::new("Release notes: all good")
///     .style(0, 13, [TextStyle::Bold])
///     .link("https://example.com/notes");
/// assert!(att.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TextAttachment {
    /// The attached text.
    #[serde(default)]
    pub plaintext: String,
    /// A link shown with the attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_attachment_url: Option<String>,
    /// Styled ranges of `plaintext` (must not overlap).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_with_styling_info: Vec<StyledRange>,
}

impl TextAttachment {
    /// An attachment with `plaintext` and no styling.
    pub fn new(plaintext: impl Into<String>) -> Self {
        Self {
            plaintext: plaintext.into(),
            link_attachment_url: None,
            text_with_styling_info: Vec::new(),
        }
    }

    /// Sets the attachment's link.
    pub fn link(mut self, url: impl Into<String>) -> Self {
        self.link_attachment_url = Some(url.into());
        self
    }

    /// Adds a styled range.
    pub fn style(
        mut self,
        offset: u64,
        length: u64,
        styles: impl IntoIterator<Item = TextStyle>,
    ) -> Self {
        self.text_with_styling_info
            .push(StyledRange::new(offset, length, styles));
        self
    }

    /// Checks the length of `plaintext` (1–10,000 characters) and that the
    /// styled ranges are non-empty, inside `plaintext` and do not overlap.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let len = char_len(&self.plaintext);
        if self.plaintext.trim().is_empty() {
            return Err(ValidationError::new(
                "text_attachment.plaintext",
                Reason::TooShort { min: 1, actual: 0 },
            ));
        }
        if len > TEXT_ATTACHMENT_MAX_CHARS {
            return Err(ValidationError::new(
                "text_attachment.plaintext",
                Reason::TooLong {
                    max: TEXT_ATTACHMENT_MAX_CHARS,
                    actual: len,
                },
            ));
        }
        if let Some(url) = &self.link_attachment_url
            && url.trim().is_empty()
        {
            return Err(ValidationError::new(
                "text_attachment.link_attachment_url",
                Reason::TooShort { min: 1, actual: 0 },
            ));
        }
        check_ranges(
            "text_attachment.text_with_styling_info",
            self.text_with_styling_info
                .iter()
                .map(|r| (r.offset, r.length)),
            crate::text::utf16_len(&self.plaintext),
        )
    }
}

/// Checks that `(offset, length)` ranges are non-empty, end inside a text of
/// `text_len` UTF-16 units and do not overlap each other.
pub(crate) fn check_ranges(
    field: &'static str,
    ranges: impl Iterator<Item = (u64, u64)>,
    text_len: usize,
) -> Result<(), ValidationError> {
    let mut spans: Vec<(u64, u64, usize)> = Vec::new();
    for (index, (offset, length)) in ranges.enumerate() {
        if length == 0 {
            return Err(ValidationError::new(
                field,
                Reason::Invalid {
                    message: format!("range #{index} is empty"),
                },
            ));
        }
        let end = offset.saturating_add(length);
        if end > text_len as u64 {
            return Err(ValidationError::new(
                field,
                Reason::RangeOutOfBounds {
                    index,
                    end: usize::try_from(end).unwrap_or(usize::MAX),
                    text_len,
                },
            ));
        }
        spans.push((offset, end, index));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.0 < a.1 {
            let (first, second) = if a.2 < b.2 { (a.2, b.2) } else { (b.2, a.2) };
            return Err(ValidationError::new(
                field,
                Reason::Overlapping { first, second },
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_from_options_bounds() {
        assert!(PollAttachment::from_options(["a"]).is_err());
        assert!(PollAttachment::from_options(["a", "b", "c", "d", "e"]).is_err());
        let p = PollAttachment::from_options(["a", "b", "c", "d"]).unwrap();
        assert_eq!(p.options(), vec!["a", "b", "c", "d"]);
        let p = PollAttachment::from_options(["a", "b"]).unwrap();
        assert_eq!(p.option_c, None);
    }

    #[test]
    fn poll_option_lengths() {
        let long = "x".repeat(26);
        let err = PollAttachment::new("ok", long).validate().unwrap_err();
        assert_eq!(err.field, "poll_attachment.option_b");
        assert_eq!(
            err.reason,
            Reason::TooLong {
                max: 25,
                actual: 26
            }
        );
        assert!(PollAttachment::new("ok", "x".repeat(25)).validate().is_ok());
        let err = PollAttachment::new("", "b").validate().unwrap_err();
        assert_eq!(err.field, "poll_attachment.option_a");
        let mut gap = PollAttachment::new("a", "b");
        gap.option_d = Some("d".into());
        assert_eq!(
            gap.validate().unwrap_err().field,
            "poll_attachment.option_c"
        );
    }

    #[test]
    fn ranges_overlap_and_bounds() {
        assert!(check_ranges("f", [(0, 2), (2, 3)].into_iter(), 5).is_ok());
        let err = check_ranges("f", [(3, 2), (0, 4)].into_iter(), 5).unwrap_err();
        assert_eq!(
            err.reason,
            Reason::Overlapping {
                first: 0,
                second: 1
            }
        );
        let err = check_ranges("f", [(4, 2)].into_iter(), 5).unwrap_err();
        assert!(matches!(
            err.reason,
            Reason::RangeOutOfBounds {
                index: 0,
                end: 6,
                ..
            }
        ));
        assert!(check_ranges("f", [(0, 0)].into_iter(), 5).is_err());
        assert!(check_ranges("f", [(u64::MAX, 2)].into_iter(), 5).is_err());
    }

    #[test]
    fn entity_reads_string_offsets() {
        let e: TextEntity =
            serde_json::from_str(r#"{"entity_type":"spoiler","offset":"3","length":"4"}"#).unwrap();
        assert_eq!(e, TextEntity::spoiler(3, 4));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"entity_type":"SPOILER","offset":3,"length":4}"#
        );
    }
}
