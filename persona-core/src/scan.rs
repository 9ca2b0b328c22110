//! Low-level text scanning shared by the style analyzer, the guardrails and
//! the offline provider: tokens (words, hashtags, mentions, links), emoji,
//! sentences and invisible characters.
//!
//! Everything here is a single forward pass over the input with no
//! backtracking, so the callers stay linear in the size of their input.

use unicode_properties::UnicodeEmoji;

/// What kind of whitespace-separated token a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `http://…`, `https://…` or `www.…`.
    Link,
    /// `#tag`.
    Hashtag,
    /// `@handle`.
    Mention,
    /// Anything else (words, numbers, punctuation, emoji).
    Plain,
}

/// One whitespace-separated token with its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) text: &'a str,
    pub(crate) start: usize,
    pub(crate) kind: TokenKind,
}

impl Token<'_> {
    /// Byte offset just past the token.
    pub(crate) fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// Leading punctuation that may wrap a tag, mention or link: `(#tag`, `"@bob`.
fn trim_opening(token: &str) -> (&str, usize) {
    let trimmed = token.trim_start_matches(['(', '[', '"', '\'', '“', '‘', '«']);
    (trimmed, token.len() - trimmed.len())
}

/// Classifies one whitespace-free token.
pub(crate) fn classify(token: &str) -> TokenKind {
    let (t, _) = trim_opening(token);
    let lower_starts = |prefix: &str| {
        t.len() >= prefix.len()
            && t.is_char_boundary(prefix.len())
            && t[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    let bytes = t.as_bytes();
    let has_dot = bytes.contains(&b'.');
    let has_colon = bytes.contains(&b':');
    if (has_dot && (lower_starts("www.") || contains_ignore_ascii_case(t, "www.")))
        || (has_colon && contains_ignore_ascii_case(t, "://"))
    {
        // A scheme anywhere in the token ("see:https://…", "breadhttps://…")
        // is still a link to a platform that auto-links.
        return TokenKind::Link;
    }
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (Some('#' | '＃'), Some(c)) if c.is_alphanumeric() || c == '_' => TokenKind::Hashtag,
        (Some('@' | '＠'), Some(c)) if c.is_alphanumeric() || c == '_' => TokenKind::Mention,
        _ => {
            if has_dot && looks_like_bare_domain(t) {
                TokenKind::Link
            } else {
                TokenKind::Plain
            }
        }
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `example.com/path`, `shop.example.io` or `evil.ru` without a scheme: a
/// dotted host whose last label is 2–6 lowercase ASCII letters (so
/// `done.Next`, `e.g.` and `3.14` are not links, while `file.txt` is — a
/// false positive that errs on the safe side).
fn looks_like_bare_domain(t: &str) -> bool {
    let core = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '/');
    if !core.as_bytes().contains(&b'.') {
        return false;
    }
    let host = core.split(['/', '?', '#']).next().unwrap_or(core);
    let host = host.rsplit('@').next().unwrap_or(host);
    let Some((name, tld)) = host.rsplit_once('.') else {
        return false;
    };
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && (2..=6).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_lowercase())
}

/// Whether a token starts like a hashtag (`#` then a letter, digit or `_`),
/// whatever follows; a token can be both tag-like and a link.
pub(crate) fn is_tag_like(token: &str) -> bool {
    let (t, _) = trim_opening(token);
    let mut chars = t.chars();
    matches!((chars.next(), chars.next()), (Some('#' | '＃'), Some(c)) if c.is_alphanumeric() || c == '_')
}

/// Iterates over whitespace-separated tokens.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    let base = text.as_ptr() as usize;
    text.split_whitespace().map(move |piece| Token {
        text: piece,
        start: piece.as_ptr() as usize - base,
        kind: classify(piece),
    })
}

/// The tag name of a hashtag token (`"(#Rust!"` → `"Rust"`).
pub(crate) fn tag_name(token: &str) -> &str {
    let (t, _) = trim_opening(token);
    let mut chars = t.chars();
    chars.next();
    let body = chars.as_str();
    let end = body
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(body.len(), |(i, _)| i);
    &body[..end]
}

/// The handle of a mention token (`"@bob,"` → `"bob"`).
pub(crate) fn mention_handle(token: &str) -> &str {
    let (t, _) = trim_opening(token);
    let mut chars = t.chars();
    chars.next();
    let body = chars.as_str();
    let end = body
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
        .map_or(body.len(), |(i, _)| i);
    body[..end].trim_end_matches('.')
}

/// The URL inside a link token, without wrapping punctuation.
pub(crate) fn link_url(token: &str) -> &str {
    let (t, _) = trim_opening(token);
    t.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '/')
}

/// The host of a URL (`https://www.Example.com/x` → `example.com`), lowercased.
///
/// Tokens that hide a second URL or an unusual scheme
/// (`www.a.iohttps://b.com`, `javascript://…`, `https://a.com/https://b.com`)
/// return the whole token, which matches no allow-list.
pub(crate) fn link_host(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let schemes = lower.matches("://").count();
    let rest = match lower.split_once("://") {
        Some((scheme, after)) if schemes == 1 && (scheme == "http" || scheme == "https") => after,
        Some(_) => return lower,
        None => lower.as_str(),
    };
    if rest.matches("www.").count() > 1 {
        return lower;
    }
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // `user@host`: the host is after the last '@'.
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    host.to_owned()
}

/// Calls `f` with every word of `text` (letters, digits and inner
/// apostrophes). Tags, mentions and links are skipped.
pub(crate) fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    for token in tokens(text) {
        if token.kind != TokenKind::Plain {
            continue;
        }
        let mut start: Option<usize> = None;
        let t = token.text;
        for (i, c) in t.char_indices() {
            let is_word = c.is_alphanumeric() || ((c == '\'' || c == '’') && start.is_some());
            match (is_word, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    f(t[s..i].trim_end_matches(['\'', '’']));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            f(t[s..].trim_end_matches(['\'', '’']));
        }
    }
}

/// Whether `c` is an emoji "base" character (not ASCII, not a modifier, joiner
/// or variation selector).
pub(crate) fn is_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char() && !c.is_emoji_component() && c != '\u{a9}' && c != '\u{ae}'
}

/// Splits text into sentences: a sentence ends at `.`, `!`, `?` or `…`
/// followed by whitespace (or the end), or at a line break. Returned slices
/// are trimmed and never empty.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\n' => Some(i),
            '.' | '!' | '?' | '…' => match chars.peek() {
                None => Some(i + c.len_utf8()),
                Some((_, next)) if next.is_whitespace() => Some(i + c.len_utf8()),
                // Keep runs like "?!" or "..." together.
                _ => None,
            },
            _ => None,
        };
        if let Some(end) = end {
            let piece = text[start..end].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = end;
        }
    }
    let tail = text[start..].trim();
    if !tail.is_empty() {
        out.push(tail);
    }
    out
}

/// Characters that are invisible or reorder text and have no place in a post:
/// C0/C1 controls other than `\n` and `\t`, bidirectional overrides and
/// isolates, zero-width spaces and joiners, and the byte-order mark.
///
/// A zero-width joiner between two emoji (👩‍💻) is legitimate; callers that
/// want to keep those use [`strip_invisible`], which does.
pub(crate) fn is_invisible_or_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{00ad}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Removes control and invisible characters, keeping joiners that sit
/// between two emoji. Tabs become spaces.
pub(crate) fn strip_invisible(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '\t' {
            out.push(' ');
        } else if c == '\u{200d}' {
            let before = i
                .checked_sub(1)
                .and_then(|j| chars.get(j))
                .is_some_and(|p| is_emoji(*p) || p.is_emoji_component());
            let after = chars.get(i + 1).is_some_and(|n| is_emoji(*n));
            if before && after {
                out.push(c);
            }
        } else if !is_invisible_or_control(c) {
            out.push(c);
        }
    }
    out
}

/// Finds the first forbidden invisible character (see [`strip_invisible`]).
pub(crate) fn first_invisible(text: &str) -> Option<char> {
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let forbidden = if c == '\u{200d}' {
            let before = prev.is_some_and(|p| is_emoji(p) || p.is_emoji_component());
            let after = chars.peek().is_some_and(|n| is_emoji(*n));
            !(before && after)
        } else {
            c == '\t' || is_invisible_or_control(c)
        };
        if forbidden {
            return Some(c);
        }
        prev = Some(c);
    }
    None
}

/// Collapses runs of spaces into one, trims each line, and allows at most one
/// empty line between paragraphs.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_lines = 0;
    for line in text.lines() {
        let mut collapsed = String::with_capacity(line.len());
        for word in line.split_whitespace() {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        if collapsed.is_empty() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_lines > 0 {
                out.push('\n');
            }
        }
        blank_lines = 0;
        out.push_str(&collapsed);
    }
    out
}

/// A 64-bit FNV-1a hash: stable across runs and platforms, used for
/// deterministic choices and fence ids (not for security).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tokens() {
        assert_eq!(classify("https://x.com/a"), TokenKind::Link);
        assert_eq!(classify("(www.rust-lang.org)"), TokenKind::Link);
        assert_eq!(classify("example.com/page"), TokenKind::Link);
        assert_eq!(classify("#rust"), TokenKind::Hashtag);
        assert_eq!(classify("@bob,"), TokenKind::Mention);
        assert_eq!(classify("#"), TokenKind::Plain);
        assert_eq!(classify("e.g."), TokenKind::Plain);
        assert_eq!(classify("evil.ru"), TokenKind::Link);
        assert_eq!(classify("done.Next"), TokenKind::Plain);
        assert_eq!(classify("3.14"), TokenKind::Plain);
        assert_eq!(classify("end."), TokenKind::Plain);
        assert_eq!(classify("breadhttps://x.io"), TokenKind::Link);
        assert_eq!(classify("see:HTTP://x"), TokenKind::Link);
    }

    #[test]
    fn extracts_names() {
        assert_eq!(tag_name("(#Rust!"), "Rust");
        assert_eq!(mention_handle("@bob.smith."), "bob.smith");
        assert_eq!(link_url("(https://a.io/x)."), "https://a.io/x");
        assert_eq!(link_host("https://www.Example.com:8080/x?y"), "example.com");
        assert_eq!(link_host("shop.example.io/p"), "shop.example.io");
        assert_eq!(link_host("https://example.com@evil.test/x"), "evil.test");
        assert_eq!(link_host("www.a.iohttps://b.com"), "www.a.iohttps://b.com");
        assert_eq!(
            link_host("https://a.com/https://b.com"),
            "https://a.com/https://b.com"
        );
    }

    #[test]
    fn words_skip_tags_and_links() {
        let mut words = Vec::new();
        for_each_word("Don't stop—it's #fine @bob https://x.io ok.", |w| {
            words.push(w.to_owned())
        });
        assert_eq!(words, ["Don't", "stop", "it's", "ok"]);
    }

    #[test]
    fn counts_emoji_sequences_once() {
        let count = |t: &str| crate::style::TextFeatures::of(t).emoji;
        assert_eq!(count("hi 👋🏽 and 👩‍💻 and ❤️ #1 ©"), 3);
        assert_eq!(count("plain 123 #*"), 0);
    }

    #[test]
    fn splits_sentences() {
        assert_eq!(
            sentences("One. Two?! Three...\nFour e.g.five"),
            ["One.", "Two?!", "Three...", "Four e.g.five"]
        );
        assert!(sentences("  \n ").is_empty());
    }

    #[test]
    fn strips_invisible_but_keeps_emoji_joiners() {
        let text = "a\u{202e}b\u{200b}c\u{7}\td 👩\u{200d}💻 x\u{200d}y";
        assert_eq!(strip_invisible(text), "abc d 👩\u{200d}💻 xy");
        assert_eq!(first_invisible("plain 👩\u{200d}💻"), None);
        assert_eq!(first_invisible("a\u{202e}b"), Some('\u{202e}'));
        assert_eq!(first_invisible("x\u{200d}y"), Some('\u{200d}'));
    }

    #[test]
    fn collapses_whitespace() {
        assert_eq!(collapse_whitespace("  a   b \n\n\n\n c  \n"), "a b\n\nc");
    }
}
