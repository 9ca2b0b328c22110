//! Guardrails: deterministic checks and repairs of generated text before it
//! is posted.
//!
//! The platform's rules arrive as a [`PlatformLimits`] value built by the
//! caller (the pipeline builds Threads' from `threads-api`, whose length
//! function implements Meta's counting rule); this crate knows no platform.
//! The persona adds its own rules (length range, banned words and claims,
//! hashtag and link habits, language, whether posts may end with an
//! ellipsis).
//!
//! # The repair contract
//!
//! [`Guardrails::repair_post`] and [`Guardrails::repair_reply`] only make
//! changes that keep the meaning: they remove invisible characters, collapse
//! whitespace, drop extra tags and disallowed links or mentions, and — when
//! a text is over a length budget — drop whole sentences from its end. Then
//! they check the result again. What they return always passes every check;
//! everything else is an [`Error::Rejected`] listing every [`Violation`].
//!
//! They never cut a text inside a sentence. A text over budget is shortened
//! only when all of these hold:
//!
//! * its only remaining problem is its length;
//! * some sentence boundary leaves a text that fits (a trailing block of
//!   hashtags is kept when it still fits);
//! * what is left still passes every check, the persona's minimum length
//!   included, does not end cut off ([`Violation::Truncated`]) and says
//!   something (at least one word besides tags, mentions and links).
//!
//! Otherwise the [`Violation::TooLong`] stays in the rejection, and the
//! caller decides: split the text into a reply chain with
//! [`split_into_chain`](crate::split_into_chain) (or
//! [`Guardrails::split_into_chain`], which also honours the persona's
//! maximum) and check each part, or send it to a person.
//!
//! A text that looks cut off — typically a model answer that hit its token
//! limit — is never repaired: [`Violation::Truncated`] describes the rule.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::persona::{Frequency, Persona};
use crate::scan::{self, TokenKind};
use crate::truncation;

/// A function that measures text the way the platform does.
pub type LengthFn = Arc<dyn Fn(&str) -> usize + Send + Sync>;

/// What a platform accepts in one post, injected by the caller.
///
/// The length function is the platform's own counting rule; this crate
/// never assumes one. For Threads the pipeline passes
/// `threads_api::text::threads_text_len` with a budget of 500: an emoji
/// counts as its number of UTF-8 bytes (😀 = 4) and any other character
/// counts 1. The closure below (UTF-8 bytes of the whole text) is only a
/// stand-in to show the shape of the call; it over-counts accented letters
/// compared with Threads' rule.
///
/// ```
/// use persona_core::PlatformLimits;
/// // A 500 budget, at most 5 links and one hashtag, measured by a stand-in
/// // length function (the caller injects the platform's real one).
/// let limits = PlatformLimits::new("example", 500, |s: &str| s.len())
///     .with_max_links(5)
///     .with_max_hashtags(1);
/// assert_eq!(limits.length("héllo"), 6);
/// assert_eq!(limits.max_length, 500);
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
    /// Written in another language than the persona's (checked on texts of
    /// 160 characters or more, words only: shorter ones are too easily
    /// mistaken for a neighbouring language).
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
    /// The text looks cut off, as a model answer that hit its token limit
    /// does. It ends with one of:
    ///
    /// * an ellipsis (`…`, `...` or `..`, also inside closing quotes or
    ///   brackets), unless the persona ends posts that way on purpose:
    ///   [`Habits::trailing_ellipses`](crate::Habits::trailing_ellipses) is
    ///   set, or [`Persona::writing_style`] lists `trailing ellipses` as one
    ///   of its comma-separated items (as [`Persona::bootstrap`] writes it);
    /// * a dangling `,` `;` `:` `-` `–` `—` `&` or opening quote after a plain
    ///   word;
    /// * for an English persona, a last word that cannot end a sentence:
    ///   `a`, `an`, `the`, `and`, `or`, `but`, `than`, `your`, `their`, `our`.
    ///
    /// Endings on a letter, digit, emoji, `.`, `!`, `?`, a closing bracket, a
    /// link, a tag or a mention pass, so unpunctuated casual posts are fine.
    /// A cut inside a word cannot be recognised from the text alone; treat a
    /// completion whose [`finish_reason`](crate::Completion::finish_reason)
    /// is [`FinishReason::Length`](crate::FinishReason::Length) as truncated
    /// too. Never repaired: the text goes to a person or back to the model.
    Truncated {
        /// The ending that gave it away (`"…"`, `","`, `"the"`).
        ending: String,
    },
}

impl Violation {
    /// Whether [`Guardrails::repair_post`] / [`Guardrails::repair_reply`] may
    /// fix this without a person. [`Violation::TooLong`] counts as
    /// repairable but is fixed only when a sentence boundary allows it (see
    /// the [module docs](crate::guardrails)); when it is left in a
    /// rejection, split the text into a chain or send it to a person.
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
            Self::Truncated { ending } => {
                write!(f, "looks cut off: it ends with \"{ending}\"")
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
    /// Whole sentences were dropped from the end to fit a length budget
    /// (texts are never cut inside a sentence).
    Trimmed {
        /// Platform length before.
        from: usize,
        /// Platform length after.
        to: usize,
        /// How many sentences (or unterminated trailing pieces) were dropped.
        sentences_dropped: usize,
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
    /// Whether the persona may end a text with an ellipsis.
    ellipsis_ok: bool,
}

/// The confidence whatlang must have before a text is called another language.
const LANGUAGE_MIN_CONFIDENCE: f64 = 0.9;
/// Shortest text (its words alone, without handles, links and tags) on which
/// a language mismatch is reported. Trigram detection on a sentence or two
/// confuses neighbouring languages (an English reply naming a dish was read
/// as Catalan), so short texts such as most replies are not checked.
const LANGUAGE_MIN_CHARS: usize = 160;

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
            ellipsis_ok: persona.uses_trailing_ellipses(),
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

    /// The persona the texts are checked against.
    pub fn persona(&self) -> &Persona {
        &self.persona
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
    ///
    /// The returned text passes [`check_post`](Self::check_post). Repairs
    /// never change the meaning, and a post is **never cut inside a
    /// sentence**: a post over the platform's or the persona's budget is
    /// shortened only by dropping whole sentences from its end, and only when
    /// length is its last problem and what is left still passes every check
    /// (the persona's minimum length included) and says something. If no
    /// sentence boundary allows that, the result is [`Error::Rejected`] with
    /// [`Violation::TooLong`] among the violations; the caller then splits
    /// the text into a reply chain ([`Guardrails::split_into_chain`]) or
    /// sends it to a person. Texts that look cut off
    /// ([`Violation::Truncated`]) are always rejected.
    ///
    /// ```
    /// use persona_core::{Error, Guardrails, Persona, PlatformLimits, Violation};
    /// let mut persona = Persona::new("ana");
    /// persona.length.min = 20;
    /// let rails = Guardrails::new(&persona, PlatformLimits::characters("demo", 60))?;
    ///
    /// // Over budget, but a sentence boundary fits: later sentences go.
    /// let long = "Rest the dough for an hour. It shapes far more easily. \
    ///             Then bake it hot and let it cool before slicing.";
    /// let checked = rails.repair_post(long)?;
    /// assert_eq!(checked.text, "Rest the dough for an hour. It shapes far more easily.");
    ///
    /// // One long sentence: no cut inside it, the length is reported instead.
    /// let one = "Rest the dough for an hour so that it shapes far more easily later on.";
    /// let Err(Error::Rejected { violations }) = rails.repair_post(one) else {
    ///     panic!("a single over-long sentence is not cut");
    /// };
    /// assert!(matches!(violations[..], [Violation::TooLong { .. }]));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn repair_post(&self, text: &str) -> Result<Checked, Error> {
        self.repair(text, Kind::Post)
    }

    /// Repairs a reply, or rejects it with every remaining reason. The result
    /// mentions nobody but [`ReplyRules::replying_to`], links only to allowed
    /// hosts and holds no control or invisible characters.
    ///
    /// Length follows the same contract as [`repair_post`](Self::repair_post):
    /// whole sentences are dropped from the end when that leaves a reply that
    /// passes every check and says something; a reply is never cut inside a
    /// sentence, so otherwise [`Violation::TooLong`] stays in the
    /// [`Error::Rejected`] and the caller splits the reply or asks a person.
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
        if let Some(ending) = truncation::cut_off_ending(text, self.english(), self.ellipsis_ok) {
            out.push(Violation::Truncated { ending });
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
        if let Some(max) = self.max_chars(kind)
            && chars > max
        {
            out.push(Violation::TooLong {
                length: chars,
                max,
                budget: Budget::Persona,
            });
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
            if let Kind::Reply(rules) = kind
                && let Some(handle) = rules.foreign_mention(token.text)
            {
                out.push(Violation::MentionNotAllowed {
                    handle: handle.to_owned(),
                });
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
        // Detection runs on the words alone: handles, links and tags are not
        // language and skew short texts (a reply that opens with a handle).
        let words: String = scan::tokens(text)
            .filter(|t| matches!(t.kind, TokenKind::Plain))
            .map(|t| t.text)
            .collect::<Vec<_>>()
            .join(" ");
        if self.language_check
            && words.chars().count() >= LANGUAGE_MIN_CHARS
            && let Some(info) = whatlang::detect(&words)
        {
            let detected = info.lang().code();
            // Short texts are easily mistaken for a neighbour language; flag
            // only a confident detection.
            if info.is_reliable()
                && info.confidence() >= LANGUAGE_MIN_CONFIDENCE
                && detected != self.persona.language
            {
                out.push(Violation::WrongLanguage {
                    expected: self.persona.language.clone(),
                    detected: detected.to_owned(),
                });
            }
        }
        out
    }

    /// Whether the persona writes English (turns on the dangling-word rule
    /// of [`Violation::Truncated`]).
    fn english(&self) -> bool {
        self.persona.language == "eng"
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
            // Shorten only when length is the last problem left; a text with
            // other problems is rejected whole, with every reason.
            let only_length = self
                .check(&current, kind)
                .iter()
                .all(|v| matches!(v, Violation::TooLong { .. }));
            if only_length
                && let Some((trimmed, sentences_dropped)) = self.drop_sentences(&current, kind)
            {
                repairs.push(Repair::Trimmed {
                    from: self.limits.length(&current),
                    to: self.limits.length(&trimmed),
                    sentences_dropped,
                });
                current = trimmed;
            }
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

    /// Shortens `text` to fit by dropping whole sentences from its end,
    /// keeping a trailing block of tags when it still fits. Returns the
    /// longest such text that passes every check and says something, with
    /// the number of sentences dropped, or `None`: a text is never cut
    /// inside a sentence.
    fn drop_sentences(&self, text: &str, kind: Kind<'_>) -> Option<(String, usize)> {
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
            if let Some(end) = boundary
                && !body[..end].trim().is_empty()
            {
                sentence_ends.push(end);
            }
        }
        let with_tail = |end: usize| -> Option<String> {
            let prefix = body[..end].trim_end();
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
        // Binary search for the longest prefix that fits (assuming a longer
        // prefix is never shorter to the platform), then step down through
        // shorter ones until one passes every check. The step is bounded, so
        // a length function that is not monotonic costs little.
        let (mut lo, mut hi) = (0usize, sentence_ends.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if with_tail(sentence_ends[mid]).is_some() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (0..lo).rev().take(64).find_map(|i| {
            let end = sentence_ends[i];
            let candidate = with_tail(end)?;
            let passes = says_something(&candidate) && self.check(&candidate, kind).is_empty();
            passes.then(|| (candidate, scan::sentences(&body[end..]).len()))
        })
    }
}

/// Whether `text` holds at least one word besides tags, mentions and links.
fn says_something(text: &str) -> bool {
    let mut any = false;
    scan::for_each_word(text, |_| any = true);
    any
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
        assert_eq!(
            checked.repairs,
            [Repair::Trimmed {
                from: 72,
                to: 53,
                sentences_dropped: 1,
            }]
        );
    }

    fn rejected(result: Result<Checked, Error>) -> Vec<Violation> {
        match result {
            Err(Error::Rejected { violations }) => violations,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn never_cuts_inside_a_sentence() {
        let g = rails(20);
        let violations = rejected(g.repair_post("one two three four five six seven eight"));
        assert_eq!(
            violations,
            [Violation::TooLong {
                length: 39,
                max: 20,
                budget: Budget::Platform
            }]
        );
    }

    /// A 604-character post over a 280 budget: whole sentences go, or the
    /// post is rejected; it is never cut inside a sentence.
    #[test]
    fn long_post_loses_whole_sentences_or_is_rejected() {
        let sentences = [
            "Autolyse means resting flour and water before you add the salt and the starter.",
            "The rest lets gluten form on its own, so the dough needs far less kneading later.",
            "Twenty to sixty minutes is enough for most doughs, even with whole grain flour.",
            "Longer rests can make a very extensible dough that is hard to shape by hand.",
            "Try it on your next loaf and compare the crumb with the last one you baked.",
            "You will probably see a more open crumb and a crust that browns more evenly.",
            "Tell me how it goes and which flour you used this time around, friends.",
            "Bake it hot, and then let it cool fully before you slice it.",
        ];
        let text = sentences.join(" ");
        assert_eq!(text.chars().count(), 604);
        let mut p = persona();
        p.length = LengthRange { min: 40, max: 280 };
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 280)).unwrap();
        let checked = g.repair_post(&text).unwrap();
        assert_eq!(checked.text, sentences[..3].join(" "));
        assert!(matches!(
            checked.repairs[..],
            [Repair::Trimmed {
                from: 604,
                sentences_dropped: 5,
                ..
            }]
        ));
        // The same text as one run-on sentence cannot be trimmed.
        let run_on = text.replace(". ", ", and ");
        let violations = rejected(g.repair_post(&run_on));
        assert!(
            violations
                .iter()
                .all(|v| matches!(v, Violation::TooLong { .. })),
            "{violations:?}"
        );
        assert!(!violations.is_empty());
        // A kept part below the persona's minimum is not acceptable either.
        p.length.min = 100;
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 60)).unwrap();
        let violations = rejected(g.repair_post(&text));
        assert!(matches!(
            violations[0],
            Violation::TooLong {
                budget: Budget::Platform,
                ..
            }
        ));
    }

    #[test]
    fn trim_skips_boundaries_that_leave_a_cut_off_or_empty_text() {
        let g = rails(40);
        // The only boundary that fits leaves a text ending in an ellipsis.
        let text = "Rest the dough for an hour, then wait… Shape it and bake it hot.";
        let violations = rejected(g.repair_post(text));
        assert!(matches!(violations[..], [Violation::TooLong { .. }]));
        // Only tags and a mention left: says nothing.
        let g = rails(30);
        let text = "@bob #bread\nAnd now a long story about flour and water.";
        assert!(
            rejected(g.repair_post(text))
                .iter()
                .any(|v| matches!(v, Violation::TooLong { .. }))
        );
        // Other problems: no trim, every reason is listed.
        let g = rails(30);
        let violations = rejected(g.repair_post("Buy crypto now. It is the future of money."));
        assert!(violations.contains(&Violation::BannedWord {
            word: "crypto".into()
        }));
        assert!(
            violations
                .iter()
                .any(|v| matches!(v, Violation::TooLong { .. }))
        );
    }

    #[test]
    fn truncated_drafts_are_rejected() {
        let g = rails(500);
        for (text, ending) in [
            ("…pick one thing…", "…"),
            (
                "Start with one loaf a week and pick one thing to change...",
                "...",
            ),
            ("Start with one loaf a week and pick one thing…", "…"),
            ("The secret to a good crumb is patience and", "and"),
            ("Three things to try this weekend:", ":"),
        ] {
            let expected = vec![Violation::Truncated {
                ending: ending.to_owned(),
            }];
            assert_eq!(g.check_post(text), expected, "{text}");
            assert!(!expected[0].is_repairable());
            assert_eq!(rejected(g.repair_post(text)), expected, "{text}");
            let rules = ReplyRules::default();
            assert_eq!(rejected(g.repair_reply(text, &rules)), expected, "{text}");
        }
        for text in [
            "small batch sourdough today. the crumb is finally open 🍞",
            "rye starter is slower but the flavour is worth it",
            "tip: weigh your water. cups lie. #baking",
            "Wait… it finally rose!",
            "Which flour do you use?",
            "Plan A worked (mostly)",
            "fed the starter at https://example.com/",
        ] {
            assert_eq!(g.check_post(text), [], "{text}");
            assert_eq!(g.repair_post(text).unwrap().text, text);
        }
    }

    #[test]
    fn trailing_ellipses_are_fine_for_personas_that_use_them() {
        let mut p = persona();
        p.habits.trailing_ellipses = true;
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        assert_eq!(g.check_post("sunday bread, slow coffee…"), []);
        // Other cut-off endings still count.
        assert_eq!(
            g.check_post("sunday bread and"),
            [Violation::Truncated {
                ending: "and".into()
            }]
        );
        let mut p = persona();
        p.writing_style = "short sentences, Trailing Ellipses".into();
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        assert_eq!(g.check_post("sunday bread, slow coffee..."), []);
        // Mentioning ellipses is not the habit.
        p.writing_style = "never trailing ellipses".into();
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        assert_eq!(g.check_post("sunday bread, slow coffee…").len(), 1);
        // The dangling-word rule is English only.
        let mut p = persona();
        p.language = "spa".into();
        let g = Guardrails::new(&p, PlatformLimits::characters("x", 500)).unwrap();
        assert_eq!(g.check_post("pan y café and"), []);
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
        let spanish = "El gobierno anunció hoy nuevas medidas para mejorar la educación pública en todo el país, según informaron fuentes oficiales. Las escuelas recibirán más recursos el próximo año escolar.";
        assert!(spanish.chars().count() >= LANGUAGE_MIN_CHARS);
        // A short English reply that names a dish is not another language.
        assert!(
            g.check_post("@weekend_baker good question! focaccia deserves a proper answer, so i'll cover it in a follow-up post.")
                .iter()
                .all(|v| !matches!(v, Violation::WrongLanguage { .. }))
        );
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
