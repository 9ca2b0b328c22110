//! Text rules of Threads posts: the 500-character budget, link counting and
//! in-text topic tags.
//!
//! # The text budget
//!
//! A post's `text` may use at most [`TEXT_LIMIT`] (500) "characters". Meta's
//! posting guide says that **emoji are counted as their number of UTF-8 bytes**,
//! and links to a grapheme splitter. The default policy,
//! [`TextCounting::EmojiClusterBytes`], implements exactly that:
//!
//! - the text is split into extended grapheme clusters (what a reader sees as
//!   one character);
//! - an emoji cluster counts its UTF-8 byte length (so 😀 = 4, 👍🏽 = 8,
//!   the ZWJ family 👨‍👩‍👧 = 18, the flag 🇫🇷 = 8, ❤️ = 6);
//! - every other cluster counts 1 (so `a` = 1, `é` written as `e` + U+0301 = 1,
//!   the CJK `中` = 1, the Hangul syllable `한` = 1).
//!
//! A cluster is an emoji when its first character has the Unicode
//! `Emoji_Presentation` property (😀, 🇫, 🏴), or when it is an `Emoji=Yes`
//! character made into an emoji by what follows it: the emoji variation
//! selector U+FE0F (❤️), the keycap U+20E3 (1️⃣), a skin-tone modifier or a
//! zero-width joiner. Text-style symbols on their own (`©`, `❤` without
//! U+FE0F, `#`, digits) count 1.
//!
//! The server's exact algorithm is not published (CJK and combining marks in
//! particular are unconfirmed), so the policy is a value: pick
//! [`TextCounting::NonAsciiBytes`] to reproduce the stricter rule of the
//! `threads-rs` client (every non-ASCII character counts its UTF-8 bytes).
//!
//! ```
//! use threads_api::text::{threads_text_len, TextCounting, TEXT_LIMIT};
//!
//! assert_eq!(threads_text_len("hello"), 5);
//! assert_eq!(threads_text_len("hi 👋"), 3 + 4);
//! assert_eq!(threads_text_len("中文"), 2);
//! assert_eq!(TextCounting::NonAsciiBytes.count("中文"), 6);
//! assert!(threads_text_len(&"a".repeat(500)) <= TEXT_LIMIT);
//! ```
//!
//! # Links
//!
//! A post may reference at most [`LINK_LIMIT`] (5) unique URLs across its text
//! and its `link_attachment` (or `text_attachment.link_attachment_url`);
//! [`unique_links`] finds and deduplicates them.
//!
//! # Topic tags
//!
//! [`topic_tag_from_text`] applies the documented rules for the legacy in-text
//! `#tag`; [`validate_topic_tag`] checks the `topic_tag` parameter.

use unicode_properties::{EmojiStatus, UnicodeEmoji};
use unicode_segmentation::UnicodeSegmentation;

use crate::validation::{Reason, ValidationError};

/// Largest text budget of a post's `text`, as counted by [`threads_text_len`].
pub const TEXT_LIMIT: usize = 500;

/// Most unique URLs a post may reference (text plus link attachment).
pub const LINK_LIMIT: usize = 5;

/// Longest topic tag, in characters.
pub const TOPIC_TAG_MAX_CHARS: usize = 50;

/// How the 500-character text budget is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TextCounting {
    /// Meta's documented rule: over grapheme clusters, an emoji cluster counts
    /// its UTF-8 byte length and any other cluster counts 1. The default.
    #[default]
    EmojiClusterBytes,
    /// The `threads-rs` rule: every ASCII character counts 1 and every
    /// non-ASCII character counts its UTF-8 byte length (2–4). Stricter than
    /// the documented rule for accented letters, CJK and combining marks.
    NonAsciiBytes,
}

impl TextCounting {
    /// Counts `text` under this policy.
    pub fn count(self, text: &str) -> usize {
        match self {
            // Fast path: in ASCII the only multi-character cluster is CRLF.
            TextCounting::EmojiClusterBytes if text.is_ascii() => {
                text.len() - text.matches("\r\n").count()
            }
            TextCounting::EmojiClusterBytes => text
                .graphemes(true)
                .map(|g| if is_emoji_cluster(g) { g.len() } else { 1 })
                .sum(),
            // ASCII is one byte, so "1 per ASCII char, UTF-8 length per other char"
            // is exactly the UTF-8 byte length.
            TextCounting::NonAsciiBytes => text.len(),
        }
    }
}

/// Counts `text` against the 500-character budget with the documented rule
/// ([`TextCounting::EmojiClusterBytes`]).
pub fn threads_text_len(text: &str) -> usize {
    TextCounting::default().count(text)
}

/// Length in Unicode scalar values, the unit used for the other documented
/// limits (alt text, poll options, topic tags, text attachments).
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// Length in UTF-16 code units: the unit of `text_entities` and
/// `text_with_styling_info` offsets (Meta's sample app computes them with
/// JavaScript string indices).
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The UTF-16 `(offset, length)` of the first occurrence of `needle` in
/// `text`, ready for a spoiler or styling range. `None` when `needle` does not
/// occur or is empty.
///
/// ```
/// use threads_api::text::utf16_range_of;
/// assert_eq!(utf16_range_of("😀 secret", "secret"), Some((3, 6)));
/// ```
pub fn utf16_range_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    let start = text.find(needle)?;
    Some((utf16_len(&text[..start]), utf16_len(needle)))
}

fn has_emoji_presentation(status: EmojiStatus) -> bool {
    matches!(
        status,
        EmojiStatus::EmojiPresentation
            | EmojiStatus::EmojiPresentationAndModifierBase
            | EmojiStatus::EmojiPresentationAndEmojiComponent
            | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
    )
}

fn is_emoji_cluster(cluster: &str) -> bool {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if first.is_ascii() && cluster.len() == 1 {
        return false;
    }
    let status = first.emoji_status();
    if has_emoji_presentation(status) {
        return true;
    }
    if !first.is_emoji_char() {
        return false;
    }
    // A text-default emoji character (❤, ☺, ©, a digit) becomes an emoji when
    // followed by VS16, a keycap, a skin-tone modifier or a ZWJ sequence.
    chars.any(|c| {
        matches!(
            c,
            '\u{FE0F}' | '\u{20E3}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
        )
    })
}

/// Finds the URLs in `text`, in order, as written (duplicates included).
///
/// Detected: `http://` and `https://` URLs (case-insensitive scheme) and
/// scheme-less hosts starting with `www.`. A URL ends at whitespace or one of
/// `< > " \``; trailing sentence punctuation (`. , ; : ! ? ' "`) and
/// unbalanced closing brackets are not part of it. Bare domains such as
/// `example.com` are **not** detected: Meta's detector is not documented and
/// counting file names or abbreviations as links would reject valid posts.
///
/// ```
/// use threads_api::text::find_links;
/// assert_eq!(
///     find_links("see https://a.example/x, and www.b.example."),
///     vec!["https://a.example/x", "www.b.example"]
/// );
/// ```
pub fn find_links(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary_ok = i == 0 || {
            let prev = text[..i].chars().next_back();
            prev.is_some_and(|c| !c.is_alphanumeric() && c != '.' && c != '/' && c != '@')
        };
        let rest = &text[i..];
        let prefix_len = if !boundary_ok {
            0
        } else if starts_with_ci(rest, "https://") {
            8
        } else if starts_with_ci(rest, "http://") {
            7
        } else if starts_with_ci(rest, "www.") {
            4
        } else {
            0
        };
        if prefix_len > 0 {
            let end = url_end(rest);
            let url = &rest[..end];
            if url.len() > prefix_len {
                out.push(url);
                i += end;
                continue;
            }
        }
        // Advance to the next char boundary.
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Byte length of the URL at the start of `s`.
fn url_end(s: &str) -> usize {
    let mut end = s
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .map_or(s.len(), |(i, _)| i);
    // Bracket balance of the candidate, kept up to date as characters are
    // dropped from the end (a single pass, so long inputs stay linear).
    let mut balance = [0i64; 3];
    for c in s[..end].chars() {
        match c {
            '(' => balance[0] += 1,
            ')' => balance[0] -= 1,
            '[' => balance[1] += 1,
            ']' => balance[1] -= 1,
            '{' => balance[2] += 1,
            '}' => balance[2] -= 1,
            _ => {}
        }
    }
    loop {
        let Some(last) = s[..end].chars().next_back() else {
            return 0;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => balance[0] < 0,
            ']' => balance[1] < 0,
            '}' => balance[2] < 0,
            _ => false,
        };
        if !drop {
            return end;
        }
        match last {
            ')' => balance[0] += 1,
            ']' => balance[1] += 1,
            '}' => balance[2] += 1,
            _ => {}
        }
        end -= last.len_utf8();
    }
}

/// The comparison key of a URL: scheme dropped, host lower-cased, a bare
/// trailing `/` dropped.
fn link_key(url: &str) -> String {
    let without_scheme = if starts_with_ci(url, "https://") {
        &url[8..]
    } else if starts_with_ci(url, "http://") {
        &url[7..]
    } else {
        url
    };
    let host_end = without_scheme
        .find(['/', '?', '#'])
        .unwrap_or(without_scheme.len());
    let (host, rest) = without_scheme.split_at(host_end);
    let rest = if rest == "/" { "" } else { rest };
    format!("{}{}", host.to_ascii_lowercase(), rest)
}

/// The unique URLs referenced by a post: those found in `text` (see
/// [`find_links`]) followed by the `extra` ones (the `link_attachment` or
/// `text_attachment.link_attachment_url`), each URL once, in first-seen order.
///
/// Two URLs are the same when they differ only in scheme (`http`/`https`/none),
/// in the case of the host, or by a trailing `/` after the host.
///
/// ```
/// use threads_api::text::{unique_links, LINK_LIMIT};
/// let links = unique_links(
///     "read https://example.com/a and HTTPS://EXAMPLE.com/a",
///     ["https://example.com/a", "https://other.example"],
/// );
/// assert_eq!(links, vec!["https://example.com/a", "https://other.example"]);
/// assert!(links.len() <= LINK_LIMIT);
/// ```
pub fn unique_links<I, S>(text: &str, extra: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let extras: Vec<S> = extra.into_iter().collect();
    let candidates = find_links(text)
        .into_iter()
        .chain(extras.iter().map(AsRef::as_ref).map(str::trim));
    for url in candidates {
        if url.is_empty() {
            continue;
        }
        if seen.insert(link_key(url)) {
            out.push(url.to_owned());
        }
    }
    out
}

fn ends_tag(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | '&' | '@' | '!' | '?' | ',' | ';' | ':' | '#')
}

/// The topic a text-only post gets from its first valid in-text `#tag`
/// (without the `#`), following Meta's rules:
///
/// - the first valid `#tag` wins;
/// - `#` followed by a whole number (`#1`, `#2024`) is not a tag;
/// - a tag ends at whitespace or any of `. & @ ! ? , ; :`.
///
/// Choices where the documentation is silent: a tag also ends at another `#`;
/// a `#` directly after a letter, digit or `_` (as in `C#` or `a#b`) does not
/// start a tag; a tag longer than 50 characters is not valid and the search
/// moves on.
///
/// ```
/// use threads_api::text::topic_tag_from_text;
/// assert_eq!(topic_tag_from_text("Top #1 of #RustLang, today"), Some("RustLang"));
/// assert_eq!(topic_tag_from_text("no tags here"), None);
/// ```
pub fn topic_tag_from_text(text: &str) -> Option<&str> {
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts = c == '#' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let end = rest.find(ends_tag).unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.is_empty() || tag.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if char_len(tag) > TOPIC_TAG_MAX_CHARS {
            continue;
        }
        return Some(tag);
    }
    None
}

/// Checks a `topic_tag` parameter: 1–50 characters, no `.` and no `&`.
///
/// ```
/// use threads_api::text::validate_topic_tag;
/// assert!(validate_topic_tag("Rust").is_ok());
/// assert!(validate_topic_tag("rust.lang").is_err());
/// ```
pub fn validate_topic_tag(tag: &str) -> Result<(), ValidationError> {
    let len = char_len(tag);
    if len == 0 {
        return Err(ValidationError::new(
            "topic_tag",
            Reason::TooShort { min: 1, actual: 0 },
        ));
    }
    if len > TOPIC_TAG_MAX_CHARS {
        return Err(ValidationError::new(
            "topic_tag",
            Reason::TooLong {
                max: TOPIC_TAG_MAX_CHARS,
                actual: len,
            },
        ));
    }
    if let Some(ch) = tag.chars().find(|c| matches!(c, '.' | '&')) {
        return Err(ValidationError::new(
            "topic_tag",
            Reason::ForbiddenChar { ch },
        ));
    }
    Ok(())
}
