//! Guardrails: deterministic checks and repairs of generated text before it
//! is posted.
//!
//! The platform's rules arrive as a [`PlatformLimits`] value built by the
//! caller (the pipeline builds Threads' from `threads-api`, whose length
//! function implements Meta's counting rule); this crate knows no platform.
//! The persona adds its own rules (length range, banned words and claims,
//! hashtag and link habits, language).
//!
//! [`Guardrails::repair_post`] and [`Guardrails::repair_reply`] fix what can
//! be fixed without changing the meaning (invisible characters, whitespace,
//! extra tags, links or mentions that are not allowed, length — trimmed at a
//! sentence boundary when possible) and then check the result again: what
//! they return always passes the checks, everything else is an
//! [`Error::Rejected`] listing every [`Violation`].

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::persona::{Frequency, Persona};
use crate::scan::{self, TokenKind};

/// A function that measures text the way the platform does.
pub type LengthFn = Arc<dyn Fn(&str) -> usize + Send + Sync>;

/// What a platform accepts in one post, injected by the caller.
///
/// ```
/// use persona_core::PlatformLimits;
/// // Threads: 500 by Meta's counting rule, at most 5 links, one topic tag.
/// // The real length function comes from `threads-api`; UTF-8 bytes stand in here.
/// let limits = PlatformLimits::new("threads", 500, |s: &str| s.len())
///     .with_max_links(5)
///     .with_max_hashtags(1);
/// assert_eq!(limits.length("héllo"), 6);
/// ```
#[derive(Clone)]
pub struct PlatformLimits {
    name: String,
    length: LengthFn,
    /// The most the length function may return for one post.
    pub max_length: usize,
    /// The most links in one post, if the platform limits them.
    pub max_links: Option<usize>,
    /// The most hashtags in one post, if the platform limits them.
    pub max_hashtags: Option<usize>,
}

impl fmt::Debug for PlatformLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformLimits")
            .field("name", &self.name)
            .field("max_length", &self.max_length)
            .field("max_links", &self.max_links)
            .field("max_hashtags", &self.max_hashtags)
            .finish_non_exhaustive()
    }
}

impl PlatformLimits {
    /// Limits measured by `length`, with at most `max_length` per post.
    pub fn new(
        name: impl Into<String>,
        max_length: usize,
        length: impl Fn(&str) -> usize + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            length: Arc::new(length),
            max_length,
            max_links: None,
            max_hashtags: None,
        }
    }

    /// Limits that count Unicode scalar values (characters).
    pub fn characters(name: impl Into<String>, max_length: usize) -> Self {
        Self::new(name, max_length, |s: &str| s.chars().count())
    }

    /// Caps links per post.
    pub fn with_max_links(mut self, max: usize) -> Self {
        self.max_links = Some(max);
        self
    }

    /// Caps hashtags per post.
    pub fn with_max_hashtags(mut self, max: usize) -> Self {
        self.max_hashtags = Some(max);
        self
    }

    /// The platform's name (for messages).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Measures `text` the platform's way.
    pub fn length(&self, text: &str) -> usize {
        (self.length)(text)
    }
}

/// Which length budget a text exceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Budget {
    /// The platform's limit, measured by its length function.
    Platform,
    /// The persona's length range, in characters.
    Persona,
}

/// One reason a text does not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Violation {
    /// Nothing left to post.
    Empty,
    /// Longer than a budget.
    TooLong {
        /// Measured length.
        length: usize,
        /// The budget.
        max: usize,
        /// Which budget.
        budget: Budget,
    },
    /// Shorter than the persona's minimum (characters).
    TooShort {
        /// Measured length.
        length: usize,
        /// The minimum.
        min: usize,
    },
    /// A banned word appears.
    BannedWord {
        /// The word, as listed in the persona.
        word: String,
    },
    /// A banned claim appears.
    BannedClaim {
        /// The claim, as listed in the persona.
        claim: String,
    },
    /// More hashtags than allowed.
    TooManyHashtags {
        /// Found.
        count: usize,
        /// Allowed.
        max: usize,
    },
    /// More links than allowed (zero when links are not allowed at all).
    TooManyLinks {
        /// Found.
        count: usize,
        /// Allowed.
        max: usize,
    },
    /// A link to a host outside the reply allow-list.
    LinkNotAllowed {
        /// The link's host.
        host: String,
    },
    /// A mention of someone other than the person answered.
    MentionNotAllowed {
        /// The handle mentioned.
        handle: String,
    },
    /// An invisible or control character (bidi override, zero-width space, …).
    ControlCharacter {
        /// Its code point.
        codepoint: u32,
    },
    /// Runs of spaces or blank lines.
    ExcessWhitespace,
    /// Written in another language than the persona's.
    WrongLanguage {
        /// The persona's language (ISO 639-3).
        expected: String,
        /// The detected language (ISO 639-3).
        detected: String,
    },
    /// Template syntax or fence markers leaked into the output.
    Placeholder {
        /// The marker found.
        marker: String,
    },
}

impl Violation {
    /// Whether [`Guardrails::repair_post`] / [`Guardrails::repair_reply`] can
    /// fix this without a person.
    pub fn is_repairable(&self) -> bool {
        matches!(
            self,
            Self::TooLong { .. }
                | Self::TooManyHashtags { .. }
                | Self::TooManyLinks { .. }
                | Self::LinkNotAllowed { .. }
                | Self::MentionNotAllowed { .. }
                | Self::ControlCharacter { .. }
                | Self::ExcessWhitespace
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the text is empty"),
            Self::TooLong {
                length,
                max,
                budget,
            } => {
                let which = match budget {
                    Budget::Platform => "the platform's limit",
                    Budget::Persona => "the persona's maximum",
                };
                write!(f, "length {length} exceeds {which} of {max}")
            }
            Self::TooShort { length, min } => {
                write!(f, "length {length} is below the persona's minimum of {min}")
            }
            Self::BannedWord { word } => write!(f, "contains the banned word \"{word}\""),
            Self::BannedClaim { claim } => write!(f, "makes the banned claim \"{claim}\""),
            Self::TooManyHashtags { count, max } => {
                write!(f, "{count} hashtags where at most {max} are allowed")
            }
            Self::TooManyLinks { count, max } => {
                write!(f, "{count} links where at most {max} are allowed")
            }
            Self::LinkNotAllowed { host } => write!(f, "links to {host}, which is not allowed"),
            Self::MentionNotAllowed { handle } => {
                write!(f, "mentions @{handle}, who is not the person answered")
            }
            Self::ControlCharacter { codepoint } => {
                write!(f, "contains the invisible character U+{codepoint:04X}")
            }
            Self::ExcessWhitespace => f.write_str("contains runs of whitespace"),
            Self::WrongLanguage { expected, detected } => {
                write!(f, "written in {detected}, expected {expected}")
            }
            Self::Placeholder { marker } => {
                write!(f, "contains template or fence syntax \"{marker}\"")
            }
        }
    }
}

/// A repair that was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Repair {
    /// Invisible and control characters were removed.
    RemovedInvisibleCharacters,
    /// Links were removed.
    RemovedLinks {
        /// How many.
        count: usize,
    },
    /// Extra hashtags were dropped (or turned into plain words when inline).
    DroppedHashtags {
        /// How many.
        count: usize,
    },
    /// Mentions of other people were removed.
    RemovedMentions {
        /// How many.
        count: usize,
    },
    /// Whitespace was collapsed.
    CollapsedWhitespace,
    /// The text was shortened.
    Trimmed {
        /// Platform length before.
        from: usize,
        /// Platform length after.
        to: usize,
        /// Whether the cut fell on a sentence boundary.
        at_sentence: bool,
    },
}

/// A text that passed (possibly after repairs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Checked {
    /// The text to post.
    pub text: String,
    /// What was changed, in order.
    pub repairs: Vec<Repair>,
}

/// Extra rules for a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyRules {
    /// The handle of the person answered (without `@`); the only mention allowed.
    pub replying_to: Option<String>,
    /// Hosts a reply may link to (a host also allows its subdomains). Empty
    /// means no links at all.
    pub allowed_link_hosts: Vec<String>,
}

impl ReplyRules {
    /// Rules for answering `handle` (an optional leading `@` is ignored).
    pub fn replying_to(handle: impl Into<String>) -> Self {
        let handle: String = handle.into();
        Self {
            replying_to: Some(handle.trim_start_matches('@').to_owned()),
            allowed_link_hosts: Vec::new(),
        }
    }

    /// Allows links to `host` (and its subdomains).
    pub fn allow_link_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_link_hosts
            .push(host.into().to_ascii_lowercase());
        self
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.allowed_link_hosts.iter().any(|allowed| {
            let allowed = allowed.trim_start_matches("www.");
            host == allowed
                || host
                    .strip_suffix(allowed)
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }

    /// The first handle mentioned in `token` (an `@` anywhere, also glued
    /// to a word, a tag or a URL) that is not the person answered.
    fn foreign_mention<'t>(&self, token: &'t str) -> Option<&'t str> {
        token
            .match_indices(['@', '＠'])
            .map(|(i, _)| scan::mention_handle(&token[i..]))
            .find(|h| !h.is_empty() && !self.mention_allowed(h))
    }

    fn mention_allowed(&self, handle: &str) -> bool {
        self.replying_to
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(handle))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    Post,
    Reply(&'a ReplyRules),
}

/// Checks and repairs text against a persona and a platform's limits.
#[derive(Debug, Clone)]
pub struct Guardrails {
    persona: Persona,
    limits: PlatformLimits,
    language_check: bool,
}

/// Shortest text on which a language mismatch is reported (detection on
/// shorter text is unreliable).
const LANGUAGE_MIN_CHARS: usize = 60;

impl Guardrails {
    /// Guardrails for `persona` on a platform. Fails if the persona is
    /// invalid or the limits allow nothing.
    pub fn new(persona: &Persona, limits: PlatformLimits) -> Result<Self, Error> {
        persona.validate()?;
        if limits.max_length == 0 {
            return Err(Error::InvalidLimits {
                reason: "max_length is zero".to_owned(),
            });
        }
        Ok(Self {
            persona: persona.clone(),
            limits,
            language_check: true,
        })
    }

    /// Turns the language check on or off (on by default; it only applies
    /// to texts of 60 characters or more with a reliable detection).
    pub fn with_language_check(mut self, on: bool) -> Self {
        self.language_check = on;
        self
    }

    /// The platform limits in use.
    pub fn limits(&self) -> &PlatformLimits {
        &self.limits
    }

    /// Every rule a post breaks (empty when it passes).
    pub fn check_post(&self, text: &str) -> Vec<Violation> {
        self.check(text, Kind::Post)
    }

    /// Every rule a reply breaks (empty when it passes).
    pub fn check_reply(&self, text: &str, rules: &ReplyRules) -> Vec<Violation> {
        self.check(text, Kind::Reply(rules))
    }

    /// Repairs a post, or rejects it with every remaining reason.
    pub fn repair_post(&self, text: &str) -> Result<Checked, Error> {
        self.repair(text, Kind::Post)
    }

    /// Repairs a reply, or rejects it with every remaining reason. The result
    /// mentions nobody but [`ReplyRules::replying_to`], links only to allowed
    /// hosts and holds no control or invisible characters.
    pub fn repair_reply(&self, text: &str, rules: &ReplyRules) -> Result<Checked, Error> {
        self.repair(text, Kind::Reply(rules))
    }

    fn max_hashtags(&self) -> usize {
        let persona = if self.persona.habits.hashtags == Frequency::Never {
            0
        } else {
            self.persona.habits.max_hashtags
        };
        self.limits.max_hashtags.map_or(persona, |p| p.min(persona))
    }

    fn max_links(&self, kind: Kind<'_>) -> usize {
        let persona = match kind {
            Kind::Post if self.persona.habits.links_allowed => usize::MAX,
            Kind::Reply(rules) if !rules.allowed_link_hosts.is_empty() => usize::MAX,
            _ => 0,
        };
        self.limits.max_links.map_or(persona, |p| p.min(persona))
    }

    fn max_chars(&self, kind: Kind<'_>) -> Option<usize> {
        match kind {
            Kind::Post => Some(self.persona.length.max),
            Kind::Reply(_) => None,
        }
    }

    fn fits(&self, text: &str, kind: Kind<'_>) -> bool {
        self.limits.length(text) <= self.limits.max_length
            && self
                .max_chars(kind)
                .is_none_or(|max| text.chars().count() <= max)
    }

    fn check(&self, text: &str, kind: Kind<'_>) -> Vec<Violation> {
        let mut out = Vec::new();
        if text.trim().is_empty() {
            out.push(Violation::Empty);
            return out;
        }
        if let Some(c) = scan::first_invisible(text) {
            out.push(Violation::ControlCharacter {
                codepoint: u32::from(c),
            });
        }
        if scan::collapse_whitespace(text) != text {
            out.push(Violation::ExcessWhitespace);
        }
        for marker in ["{{", "}}", "{%", "%}", "<<<", ">>>", "persona-task:"] {
            if text.contains(marker) {
                out.push(Violation::Placeholder {
                    marker: marker.to_owned(),
                });
            }
        }
        let length = self.limits.length(text);
        if length > self.limits.max_length {
            out.push(Violation::TooLong {
                length,
                max: self.limits.max_length,
                budget: Budget::Platform,
            });
        }
        let chars = text.chars().count();
        if let Some(max) = self.max_chars(kind) {
            if chars > max {
                out.push(Violation::TooLong {
                    length: chars,
                    max,
                    budget: Budget::Persona,
                });
            }
        }
        if kind == Kind::Post && chars < self.persona.length.min {
            out.push(Violation::TooShort {
                length: chars,
                min: self.persona.length.min,
            });
        }
        self.check_banned(text, &mut out);
        let (mut tags, mut links) = (0, 0);
        for token in scan::tokens(text) {
            if scan::is_tag_like(token.text) {
                tags += 1;
            }
            match token.kind {
                TokenKind::Hashtag => {}
                TokenKind::Link => {
                    links += 1;
                    if let Kind::Reply(rules) = kind {
                        let host = scan::link_host(scan::link_url(token.text));
                        if !rules.host_allowed(&host) {
                            out.push(Violation::LinkNotAllowed { host });
                        }
                    }
                }
                TokenKind::Mention | TokenKind::Plain => {}
            }
            if let Kind::Reply(rules) = kind {
                if let Some(handle) = rules.foreign_mention(token.text) {
                    out.push(Violation::MentionNotAllowed {
                        handle: handle.to_owned(),
                    });
                }
            }
        }
        let max_tags = self.max_hashtags();
        if tags > max_tags {
            out.push(Violation::TooManyHashtags {
                count: tags,
                max: max_tags,
            });
        }
        let max_links = self.max_links(kind);
        if links > max_links {
            out.push(Violation::TooManyLinks {
                count: links,
                max: max_links,
            });
        }
        if self.language_check && chars >= LANGUAGE_MIN_CHARS {
            if let Some(info) = whatlang::detect(text) {
                let detected = info.lang().code();
                if info.is_reliable() && detected != self.persona.language {
                    out.push(Violation::WrongLanguage {
                        expected: self.persona.language.clone(),
                        detected: detected.to_owned(),
                    });
                }
            }
        }
        out
    }

    fn check_banned(&self, text: &str, out: &mut Vec<Violation>) {
        if self.persona.banned_words.is_empty() && self.persona.banned_claims.is_empty() {
            return;
        }
        let mut words = Vec::new();
        scan::for_each_word(text, |w| words.push(w.to_lowercase()));
        for token in scan::tokens(text) {
            if token.kind == TokenKind::Hashtag {
                words.push(scan::tag_name(token.text).to_lowercase());
            }
        }
        let normalized = format!(" {} ", words.join(" "));
        for word in &self.persona.banned_words {
            let mut needle_words = Vec::new();
            scan::for_each_word(word, |w| needle_words.push(w.to_lowercase()));
            let needle = format!(" {} ", needle_words.join(" "));
            if !needle_words.is_empty() && normalized.contains(&needle) {
                out.push(Violation::BannedWord { word: word.clone() });
            }
        }
        for claim in &self.persona.banned_claims {
            let mut needle_words = Vec::new();
            scan::for_each_word(claim, |w| needle_words.push(w.to_lowercase()));
            let needle = format!(" {} ", needle_words.join(" "));
            if !needle_words.is_empty() && normalized.contains(&needle) {
                out.push(Violation::BannedClaim {
                    claim: claim.clone(),
                });
            }
        }
    }

    fn repair(&self, text: &str, kind: Kind<'_>) -> Result<Checked, Error> {
        let mut repairs = Vec::new();
        let mut current = scan::strip_invisible(text);
        if current != text {
            repairs.push(Repair::RemovedInvisibleCharacters);
        }
        // Links, mentions and tags, token by token. Removing a tag's `#` can
        // expose a link ("#shopexample.com"), so repeat until nothing changes.
        let (mut links_removed, mut tags_dropped, mut mentions_removed) = (0, 0, 0);
        for _ in 0..4 {
            let (next, links, tags, mentions) = self.filter_tokens(&current, kind);
            links_removed += links;
            tags_dropped += tags;
            mentions_removed += mentions;
            if next == current {
                break;
            }
            current = next;
        }
        if links_removed > 0 {
            repairs.push(Repair::RemovedLinks {
                count: links_removed,
            });
        }
        if tags_dropped > 0 {
            repairs.push(Repair::DroppedHashtags {
                count: tags_dropped,
            });
        }
        if mentions_removed > 0 {
            repairs.push(Repair::RemovedMentions {
                count: mentions_removed,
            });
        }
        let collapsed = scan::collapse_whitespace(&current);
        if collapsed != current {
            // Removing tokens leaves double spaces; only report a repair the
            // caller's text needed.
            if scan::collapse_whitespace(text) != text {
                repairs.push(Repair::CollapsedWhitespace);
            }
            current = collapsed;
        }
        if !self.fits(&current, kind) {
            let from = self.limits.length(&current);
            let (trimmed, at_sentence) = self.trim(&current, kind);
            // A cut inside a token can leave a partial mention or link
            // ("@bo…"); filter once more (removal only shortens the text).
            let (filtered, ..) = self.filter_tokens(&trimmed, kind);
            current = scan::collapse_whitespace(&filtered);
            repairs.push(Repair::Trimmed {
                from,
                to: self.limits.length(&current),
                at_sentence,
            });
        }
        let violations = self.check(&current, kind);
        if violations.is_empty() {
            Ok(Checked {
                text: current,
                repairs,
            })
        } else {
            Err(Error::Rejected { violations })
        }
    }

    /// One pass over the tokens: drops links, extra tags and foreign
    /// mentions. Returns the new text and how many of each were removed.
    fn filter_tokens(&self, text: &str, kind: Kind<'_>) -> (String, usize, usize, usize) {
        let max_links = self.max_links(kind);
        let max_tags = self.max_hashtags();
        let tokens: Vec<scan::Token<'_>> = scan::tokens(text).collect();
        let last_plain = tokens
            .iter()
            .rposition(|t| t.kind == TokenKind::Plain && t.text.chars().any(char::is_alphanumeric));
        let (mut links_kept, mut links_removed) = (0, 0);
        let (mut tags_kept, mut tags_dropped) = (0, 0);
        let mut mentions_removed = 0;
        let mut rebuilt = String::with_capacity(text.len());
        let mut cursor = 0;
        for (i, token) in tokens.iter().enumerate() {
            let replacement: Option<String> = match token.kind {
                TokenKind::Link => {
                    let allowed = match kind {
                        Kind::Reply(rules) => {
                            rules.host_allowed(&scan::link_host(scan::link_url(token.text)))
                        }
                        Kind::Post => true,
                    };
                    let tag_over = scan::is_tag_like(token.text) && tags_kept >= max_tags;
                    if allowed && links_kept < max_links && !tag_over {
                        links_kept += 1;
                        tags_kept += usize::from(scan::is_tag_like(token.text));
                        None
                    } else {
                        links_removed += 1;
                        Some(String::new())
                    }
                }
                TokenKind::Hashtag => {
                    if tags_kept < max_tags {
                        tags_kept += 1;
                        None
                    } else {
                        tags_dropped += 1;
                        let inline = last_plain.is_some_and(|lp| i < lp);
                        if inline {
                            Some(token.text.replacen('#', "", 1))
                        } else {
                            Some(String::new())
                        }
                    }
                }
                TokenKind::Mention | TokenKind::Plain => None,
            };
            // In a reply, a token naming anyone but the person answered goes.
            let replacement = match kind {
                Kind::Reply(rules) if replacement.as_deref() != Some("") => {
                    let text_now = replacement.as_deref().unwrap_or(token.text);
                    if rules.foreign_mention(text_now).is_some() {
                        mentions_removed += 1;
                        Some(String::new())
                    } else {
                        replacement
                    }
                }
                _ => replacement,
            };
            if let Some(replacement) = replacement {
                rebuilt.push_str(&text[cursor..token.start]);
                rebuilt.push_str(&replacement);
                cursor = token.end();
            }
        }
        if cursor == 0 {
            return (
                text.to_owned(),
                links_removed,
                tags_dropped,
                mentions_removed,
            );
        }
        rebuilt.push_str(&text[cursor..]);
        (rebuilt, links_removed, tags_dropped, mentions_removed)
    }

    /// Shortens `text` to fit: whole sentences if possible (keeping a
    /// trailing tag block when it still fits), else whole words plus `…`,
    /// else characters.
    fn trim(&self, text: &str, kind: Kind<'_>) -> (String, bool) {
        // Split off the trailing block of tags.
        let tokens: Vec<scan::Token<'_>> = scan::tokens(text).collect();
        let body_end = tokens
            .iter()
            .rposition(|t| t.kind != TokenKind::Hashtag)
            .map_or(0, |i| tokens[i].end());
        let body = text[..body_end].trim_end();
        let tail = text[body_end..].trim();

        let mut sentence_ends = Vec::new();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let boundary = match c {
                '\n' => Some(i),
                '.' | '!' | '?' | '…' => match chars.peek() {
                    None => Some(i + c.len_utf8()),
                    Some((_, n)) if n.is_whitespace() => Some(i + c.len_utf8()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(end) = boundary {
                if !body[..end].trim().is_empty() {
                    sentence_ends.push(end);
                }
            }
        }
        let with_tail = |prefix: &str| -> Option<String> {
            let prefix = prefix.trim_end();
            if prefix.is_empty() {
                return None;
            }
            if !tail.is_empty() {
                let joined = format!("{prefix} {tail}");
                if self.fits(&joined, kind) {
                    return Some(joined);
                }
            }
            self.fits(prefix, kind).then(|| prefix.to_owned())
        };
        if let Some(best) = self.longest_fitting(&sentence_ends, |end| with_tail(&body[..end])) {
            return (best, true);
        }
        // Whole words, with an ellipsis.
        let word_ends: Vec<usize> = scan::tokens(body).map(|t| t.end()).collect();
        let cut_word = |end: usize| {
            let prefix = body[..end].trim_end_matches([',', ';', ':', '-', '—', '–', ' ']);
            if prefix.is_empty() {
                return None;
            }
            let candidate = format!("{prefix}…");
            if self.fits(&candidate, kind) {
                Some(candidate)
            } else {
                None
            }
        };
        if let Some(best) = self.longest_fitting(&word_ends, cut_word) {
            return (best, false);
        }
        // Characters.
        let char_ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        let cut_chars = |end: usize| {
            let prefix = scan::collapse_whitespace(&text[..end]);
            (!prefix.is_empty() && self.fits(&prefix, kind)).then_some(prefix)
        };
        let best = self
            .longest_fitting(&char_ends, cut_chars)
            .unwrap_or_default();
        (best, false)
    }

    /// Finds the longest candidate (by position in `ends`, ascending) for
    /// which `make` succeeds. Binary search assuming longer prefixes are
    /// longer to the platform, then a bounded linear step down in case the
    /// length function is not monotonic.
    fn longest_fitting(
        &self,
        ends: &[usize],
        make: impl Fn(usize) -> Option<String>,
    ) -> Option<String> {
        if ends.is_empty() {
            return None;
        }
        let (mut lo, mut hi) = (0usize, ends.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if make(ends[mid]).is_some() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        // `lo` is the first failing index; try the candidates just below it.
        let start = lo.min(ends.len());
        (0..start).rev().take(64).find_map(|i| make(ends[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::{Frequency, LengthRange};

    fn persona() -> Persona {
        let mut p = Persona::new("Ana");
        p.length = LengthRange { min: 0, max: 500 };
        p.habits.max_hashtags = 1;
        p.habits.hashtags = Frequency::Sometimes;
        p.banned_words = vec!["crypto".into(), "get rich".into()];
        p.banned_claims = vec!["guaranteed returns".into()];
        p
    }

    fn rails(max: usize) -> Guardrails {
        let limits = PlatformLimits::new("test", max, |s: &str| s.len())
            .with_max_links(5)
            .with_max_hashtags(1);
        Guardrails::new(&persona(), limits).unwrap()
    }

    #[test]
    fn clean_post_passes_untouched() {
        let g = rails(500);
        let checked = g
            .repair_post("A short, clean post about bread. #baking")
            .unwrap();
        assert_eq!(checked.text, "A short, clean post about bread. #baking");
        assert!(checked.repairs.is_empty());
    }

    #[test]
    fn trims_at_sentence_boundary_keeping_tags() {
        let g = rails(60);
        let text = "First sentence is here. Second one follows it. Third is too much. #bread";
        let checked = g.repair_post(text).unwrap();
        assert_eq!(
            checked.text,
            "First sentence is here. Second one follows it. #bread"
        );
        assert!(matches!(
            checked.repairs[..],
            [Repair::Trimmed {
                at_sentence: true,
                ..
            }]
        ));
    }

    #[test]
    fn trims_at_word_boundary_when_first_sentence_is_too_long() {
        let g = rails(20);
        let checked = g
            .repair_post("one two three four five six seven eight")
            .unwrap();
        assert_eq!(checked.text, "one two three…"); // "…" is 3 bytes
        assert!(g.limits().length(&checked.text) <= 20);
    }

    #[test]
    fn drops_extra_tags_inline_and_trailing() {
        let g = rails(500);
        let checked = g
            .repair_post("I love #rust and #coffee today #dev #oss")
            .unwrap();
        assert_eq!(checked.text, "I love #rust and coffee today");
        assert_eq!(checked.repairs, vec![Repair::DroppedHashtags { count: 3 }]);
    }

    #[test]
    fn strips_links_when_not_allowed() {
        let mut p = persona();
        p.habits.links_allowed = false;
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        let checked = g
            .repair_post("Read this https://example.com/a now")
            .unwrap();
        assert_eq!(checked.text, "Read this now");
        assert_eq!(checked.repairs, vec![Repair::RemovedLinks { count: 1 }]);
    }

    #[test]
    fn rejects_banned_words_and_claims() {
        let g = rails(500);
        let err = g
            .repair_post("Crypto with guaranteed returns! Get rich.")
            .unwrap_err();
        let Error::Rejected { violations } = err else {
            panic!()
        };
        assert!(violations.contains(&Violation::BannedWord {
            word: "crypto".into()
        }));
        assert!(violations.contains(&Violation::BannedWord {
            word: "get rich".into()
        }));
        assert!(violations.contains(&Violation::BannedClaim {
            claim: "guaranteed returns".into()
        }));
        assert!(violations.iter().all(|v| !v.is_repairable()));
        // Whole words only.
        assert!(g.check_post("cryptography is neat").is_empty());
        // Tags count as words.
        assert!(!g.check_post("nice #crypto").is_empty());
    }

    #[test]
    fn rejects_too_short_and_empty() {
        let mut p = persona();
        p.length.min = 30;
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        assert_eq!(
            g.check_post("hi"),
            vec![Violation::TooShort { length: 2, min: 30 }]
        );
        assert!(
            matches!(g.repair_post(" \u{200b} "), Err(Error::Rejected { violations }) if violations == vec![Violation::Empty])
        );
    }

    #[test]
    fn checks_language() {
        let g = rails(500);
        let spanish = "El gobierno anunció hoy nuevas medidas para mejorar la educación pública en todo el país, según informaron fuentes oficiales.";
        assert!(g.check_post(spanish).iter().any(|v| matches!(
            v,
            Violation::WrongLanguage { expected, .. } if expected == "eng"
        )));
        assert!(
            g.clone()
                .with_language_check(false)
                .check_post(spanish)
                .is_empty()
        );
    }

    #[test]
    fn collapses_whitespace_and_control_chars() {
        let g = rails(500);
        let checked = g
            .repair_post("Hello   there\u{202e}\n\n\n\nfriend\u{0}")
            .unwrap();
        assert_eq!(checked.text, "Hello there\n\nfriend");
        assert_eq!(
            checked.repairs,
            vec![
                Repair::RemovedInvisibleCharacters,
                Repair::CollapsedWhitespace
            ]
        );
    }

    #[test]
    fn reply_rules() {
        let g = rails(500);
        let rules = ReplyRules::replying_to("@Bob").allow_link_host("docs.example.com");
        let text = "@bob thanks! See https://docs.example.com/faq and https://evil.test/x cc @eve hi@mallory";
        let violations = g.check_reply(text, &rules);
        assert!(violations.contains(&Violation::LinkNotAllowed {
            host: "evil.test".into()
        }));
        assert!(violations.contains(&Violation::MentionNotAllowed {
            handle: "eve".into()
        }));
        assert!(violations.contains(&Violation::MentionNotAllowed {
            handle: "mallory".into()
        }));
        let checked = g.repair_reply(text, &rules).unwrap();
        assert_eq!(
            checked.text,
            "@bob thanks! See https://docs.example.com/faq and cc"
        );
        assert!(g.check_reply(&checked.text, &rules).is_empty());
        // Subdomains of an allowed host pass; look-alike hosts do not.
        assert!(rules.host_allowed("a.docs.example.com"));
        assert!(!rules.host_allowed("evildocs.example.com"));
    }

    #[test]
    fn placeholders_are_rejected() {
        let g = rails(500);
        assert!(matches!(
            g.repair_post("Hello {{ name }}"),
            Err(Error::Rejected { violations }) if violations.iter().any(|v| matches!(v, Violation::Placeholder { .. }))
        ));
    }

    #[test]
    fn rejects_zero_budget() {
        assert!(matches!(
            Guardrails::new(&persona(), PlatformLimits::characters("x", 0)),
            Err(Error::InvalidLimits { .. })
        ));
    }
}
