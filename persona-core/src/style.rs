//! [`StyleProfile`]: the measurable writing habits of an account, learned from
//! its past posts, and the [`VoiceScore`] of a draft against them.
//!
//! Analysis is one pass over the input (plus a bounded sample for language
//! detection), so it is linear in the total text size: the `style` bench in
//! `benches/` measures 1k, 10k and 100k posts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::scan::{self, TokenKind};
use crate::stopwords::is_stop_word;

/// How many top words, phrases and tags a profile keeps.
const TOP_TERMS: usize = 25;
/// How many posts at most go through language detection (whatlang costs
/// tens of microseconds per post; a bounded sample keeps analysis linear
/// with a small constant).
const LANGUAGE_SAMPLE: usize = 32;
/// Most bytes of the concatenated sample given to whatlang at once.
const LANGUAGE_SAMPLE_BYTES: usize = 8_192;

/// One past post, as input to [`StyleProfile::analyze_posts`] and to
/// few-shot example selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PastPost {
    /// The post's text.
    pub text: String,
    /// When it was published (used for active hours).
    pub published_at: Option<DateTime<Utc>>,
    /// An engagement figure (likes + replies + reposts, or any score the host
    /// prefers; higher is better). Used to pick few-shot examples.
    pub engagement: Option<f64>,
}

impl PastPost {
    /// A post with text only.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            published_at: None,
            engagement: None,
        }
    }

    /// Sets the publication time.
    pub fn published_at(mut self, at: DateTime<Utc>) -> Self {
        self.published_at = Some(at);
        self
    }

    /// Sets the engagement figure.
    pub fn engagement(mut self, engagement: f64) -> Self {
        self.engagement = Some(engagement);
        self
    }
}

/// Distribution of post lengths, in characters (Unicode scalar values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LengthStats {
    /// Shortest post.
    pub min: usize,
    /// Longest post.
    pub max: usize,
    /// Mean length.
    pub mean: f64,
    /// 10th percentile.
    pub p10: usize,
    /// Median.
    pub p50: usize,
    /// 90th percentile.
    pub p90: usize,
}

/// Casing habits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CasingHabits {
    /// Share of posts whose first letter is lowercase (0..1).
    pub lowercase_start_rate: f64,
    /// Share of words of two or more letters written in ALL CAPS (0..1).
    pub all_caps_word_rate: f64,
}

/// Punctuation habits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PunctuationHabits {
    /// Share of posts containing a question mark.
    pub question_rate: f64,
    /// Share of posts ending with a question mark (ignoring trailing tags and emoji).
    pub ends_with_question_rate: f64,
    /// Share of posts containing an exclamation mark.
    pub exclamation_rate: f64,
    /// Share of posts whose last sentence ends with a period.
    pub terminal_period_rate: f64,
    /// Ellipses (`...` or `…`) per post.
    pub ellipses_per_post: f64,
    /// Dashes (`—`, `–` or a spaced ` - `) per post.
    pub dashes_per_post: f64,
}

/// How often something appears: per post on average, and the share of posts
/// with at least one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rate {
    /// Average count per post.
    pub per_post: f64,
    /// Share of posts with at least one (0..1).
    pub post_share: f64,
}

/// A term with how many times it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermCount {
    /// The term (lowercased; phrases are space-separated words).
    pub term: String,
    /// Occurrences.
    pub count: u32,
}

/// When the account posts: a histogram of local hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActiveHours {
    /// The zone the hours are expressed in.
    pub time_zone: Tz,
    /// Posts per local hour of day (index 0 = 00:00–00:59).
    pub histogram: [u32; 24],
}

impl ActiveHours {
    /// The `n` busiest hours, busiest first (ties: earlier hour first), with
    /// at least one post each.
    pub fn peak_hours(&self, n: usize) -> Vec<u32> {
        let mut hours: Vec<u32> = (0..24)
            .filter(|h| self.histogram[*h as usize] > 0)
            .collect();
        hours.sort_by_key(|h| (std::cmp::Reverse(self.histogram[*h as usize]), *h));
        hours.truncate(n);
        hours
    }
}

/// The measurable writing habits of an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StyleProfile {
    /// Number of posts analyzed (empty texts are skipped).
    pub posts: usize,
    /// Length distribution in characters.
    pub length: LengthStats,
    /// Mean words per sentence.
    pub words_per_sentence: f64,
    /// Mean sentences per post.
    pub sentences_per_post: f64,
    /// Mean line breaks per post.
    pub line_breaks_per_post: f64,
    /// Emoji use.
    pub emoji: Rate,
    /// Hashtag use.
    pub hashtags: Rate,
    /// Mention use.
    pub mentions: Rate,
    /// Link use.
    pub links: Rate,
    /// Punctuation habits.
    pub punctuation: PunctuationHabits,
    /// Casing habits.
    pub casing: CasingHabits,
    /// Most frequent content words (stop words left out).
    pub top_words: Vec<TermCount>,
    /// Most frequent two-word phrases without stop words, seen at least twice.
    pub top_phrases: Vec<TermCount>,
    /// Most frequent hashtags (lowercased, without `#`).
    pub top_hashtags: Vec<TermCount>,
    /// The dominant language as an ISO 639-3 code (`"eng"`, `"spa"`), when
    /// one could be detected.
    pub language: Option<String>,
    /// Share of sampled posts detected in [`language`](Self::language).
    pub language_share: f64,
    /// Posting hours, when timestamps were given.
    pub active_hours: Option<ActiveHours>,
}

/// Features of one text, computed in one pass.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TextFeatures {
    pub(crate) chars: usize,
    pub(crate) words: usize,
    pub(crate) sentences: usize,
    pub(crate) emoji: usize,
    pub(crate) hashtags: usize,
    pub(crate) mentions: usize,
    pub(crate) links: usize,
    pub(crate) has_question: bool,
    pub(crate) ends_with_question: bool,
    pub(crate) has_exclamation: bool,
    pub(crate) ends_with_period: bool,
    pub(crate) line_breaks: usize,
    pub(crate) ellipses: usize,
    pub(crate) dashes: usize,
    pub(crate) starts_lowercase: bool,
    pub(crate) letter_words: usize,
    pub(crate) caps_words: usize,
}

impl TextFeatures {
    pub(crate) fn of(text: &str) -> Self {
        Self::scan(text, |_, _| {}, |_| {})
    }

    /// Computes the features and reports every word (with whether a clause
    /// boundary precedes it) and every hashtag to the callbacks, in two
    /// passes over the text.
    pub(crate) fn scan(
        text: &str,
        mut on_word: impl FnMut(&str, bool),
        mut on_tag: impl FnMut(&str),
    ) -> Self {
        let mut f = TextFeatures::default();
        // Pass 1: characters.
        let mut first_alpha_seen = false;
        let mut emoji_after_joiner = false;
        let mut dots = 0u32;
        let mut prev = '\0';
        let mut prev2 = '\0';
        let mut in_sentence = false;
        for c in text.chars() {
            f.chars += 1;
            match c {
                '?' => f.has_question = true,
                '!' => f.has_exclamation = true,
                '\n' => f.line_breaks += 1,
                '…' => f.ellipses += 1,
                '—' | '–' => f.dashes += 1,
                ' ' if prev == '-' && prev2 == ' ' => f.dashes += 1,
                _ => {}
            }
            if c == '.' {
                dots += 1;
                if dots == 3 {
                    f.ellipses += 1;
                    dots = 0;
                }
            } else {
                dots = 0;
            }
            // Sentences: a terminator followed by whitespace, or a line break,
            // closes a sentence that holds something other than whitespace.
            let terminator_before = matches!(prev, '.' | '!' | '?' | '…');
            if (c.is_whitespace() && terminator_before) || c == '\n' {
                if in_sentence {
                    f.sentences += 1;
                    in_sentence = false;
                }
            } else if !c.is_whitespace() {
                in_sentence = true;
            }
            if !first_alpha_seen && c.is_alphabetic() {
                first_alpha_seen = true;
                f.starts_lowercase = c.is_lowercase();
            }
            if !c.is_ascii() {
                if c == '\u{200d}' {
                    emoji_after_joiner = true;
                    prev2 = prev;
                    prev = c;
                    continue;
                }
                if scan::is_emoji(c) && !emoji_after_joiner {
                    f.emoji += 1;
                }
            }
            emoji_after_joiner = false;
            prev2 = prev;
            prev = c;
        }
        if in_sentence {
            f.sentences += 1;
        }
        // Pass 2: tokens and words.
        let mut last_plain: Option<&str> = None;
        let mut pending_break = true;
        let mut last_end = 0;
        for token in scan::tokens(text) {
            if text[last_end..token.start].contains('\n') {
                pending_break = true;
            }
            last_end = token.end();
            match token.kind {
                TokenKind::Hashtag => {
                    f.hashtags += 1;
                    on_tag(scan::tag_name(token.text));
                    pending_break = true;
                    continue;
                }
                TokenKind::Mention => {
                    f.mentions += 1;
                    pending_break = true;
                    continue;
                }
                TokenKind::Link => {
                    f.links += 1;
                    pending_break = true;
                    continue;
                }
                TokenKind::Plain => {}
            }
            let t = token.text;
            let mut word_start: Option<usize> = None;
            let mut any_alnum = false;
            let mut emit = |w: &str, boundary: bool, f: &mut TextFeatures| {
                f.words += 1;
                let mut letters = 0;
                let mut all_upper = true;
                for ch in w.chars() {
                    if ch.is_alphabetic() {
                        letters += 1;
                        all_upper &= ch.is_uppercase();
                    }
                }
                if letters >= 2 {
                    f.letter_words += 1;
                    if all_upper {
                        f.caps_words += 1;
                    }
                }
                on_word(w, boundary);
            };
            for (i, c) in t.char_indices() {
                let alnum = c.is_alphanumeric();
                any_alnum |= alnum;
                let is_word = alnum || ((c == '\'' || c == '’') && word_start.is_some());
                if is_word {
                    if word_start.is_none() {
                        word_start = Some(i);
                    }
                    continue;
                }
                if let Some(s) = word_start.take() {
                    emit(t[s..i].trim_end_matches(['\'', '’']), pending_break, &mut f);
                    pending_break = false;
                }
                if matches!(
                    c,
                    '.' | ','
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | '…'
                        | '('
                        | ')'
                        | '"'
                        | '“'
                        | '”'
                        | '—'
                        | '–'
                ) {
                    pending_break = true;
                }
            }
            if let Some(s) = word_start {
                emit(t[s..].trim_end_matches(['\'', '’']), pending_break, &mut f);
                pending_break = false;
            }
            if any_alnum {
                last_plain = Some(t);
            }
        }
        if let Some(last) = last_plain {
            let last = last.trim_end_matches(|c: char| scan::is_emoji(c) || c == '\u{fe0f}');
            f.ends_with_question = last.ends_with('?');
            f.ends_with_period = last.ends_with('.') && !last.ends_with("...");
        }
        f
    }
}

/// A small, fast, non-cryptographic hasher for the term counters (the inputs
/// are the account's own posts; hash flooding is not a concern here).
#[derive(Default)]
struct TermHasher(u64);

impl Hasher for TermHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        self.0 = h;
    }
}

type Counter = HashMap<String, u32, BuildHasherDefault<TermHasher>>;

fn bump(counter: &mut Counter, key: &str) {
    if let Some(n) = counter.get_mut(key) {
        *n += 1;
    } else {
        counter.insert(key.to_owned(), 1);
    }
}

fn top(counter: Counter, n: usize, min_count: u32) -> Vec<TermCount> {
    let mut terms: Vec<TermCount> = counter
        .into_iter()
        .filter(|(_, count)| *count >= min_count)
        .map(|(term, count)| TermCount { term, count })
        .collect();
    let by_rank =
        |a: &TermCount, b: &TermCount| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term));
    if terms.len() > n {
        terms.select_nth_unstable_by(n, by_rank);
        terms.truncate(n);
    }
    terms.sort_by(by_rank);
    terms
}

/// The most frequent phrases (seen at least twice), spelled out.
fn top_phrases(
    vocabulary: &HashMap<String, WordEntry, BuildHasherDefault<TermHasher>>,
    phrases: HashMap<u64, u32, BuildHasherDefault<TermHasher>>,
) -> Vec<TermCount> {
    let mut frequent: Vec<(u64, u32)> = phrases.into_iter().filter(|(_, n)| *n >= 2).collect();
    if frequent.is_empty() {
        return Vec::new();
    }
    // Keep a generous candidate set before spelling phrases out (ties are
    // broken alphabetically, which needs the words).
    frequent.sort_unstable_by_key(|(_, n)| std::cmp::Reverse(*n));
    let cutoff = frequent.get(TOP_TERMS - 1).map_or(0, |(_, n)| *n);
    frequent.retain(|(_, n)| *n >= cutoff);
    let mut words: Vec<&str> = vec![""; vocabulary.len()];
    for (w, e) in vocabulary {
        if let Some(slot) = words.get_mut(e.id as usize) {
            *slot = w.as_str();
        }
    }
    let spelled: Counter = frequent
        .into_iter()
        .map(|(key, n)| {
            let first = words.get((key >> 32) as usize).copied().unwrap_or("");
            let second = words
                .get((key & 0xffff_ffff) as usize)
                .copied()
                .unwrap_or("");
            (format!("{first} {second}"), n)
        })
        .collect();
    top(spelled, TOP_TERMS, 2)
}

fn lowercase_into(buf: &mut String, word: &str) {
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(word.chars().flat_map(char::to_lowercase));
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Accumulates features over many posts.
#[derive(Default)]
struct Accumulator {
    posts: usize,
    lengths: Vec<usize>,
    total_chars: usize,
    words: usize,
    sentences: usize,
    line_breaks: usize,
    emoji: (usize, usize),
    hashtags: (usize, usize),
    mentions: (usize, usize),
    links: (usize, usize),
    question: usize,
    ends_question: usize,
    exclamation: usize,
    period: usize,
    ellipses: usize,
    dashes: usize,
    lowercase_start: usize,
    letter_words: usize,
    caps_words: usize,
    /// Every distinct lowercased word, with its count and whether it is a
    /// content word (one hash lookup per word, stop-word status cached).
    vocabulary: HashMap<String, WordEntry, BuildHasherDefault<TermHasher>>,
    /// Two-word phrases as pairs of word ids.
    phrase_counts: HashMap<u64, u32, BuildHasherDefault<TermHasher>>,
    tag_counts: Counter,
    hours: Option<[u32; 24]>,
}

/// A vocabulary entry.
struct WordEntry {
    id: u32,
    count: u32,
    content: bool,
}

impl Accumulator {
    fn add(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let mut word = String::new();
        let mut tag = String::new();
        let mut previous: Option<u32> = None;
        let vocabulary = &mut self.vocabulary;
        let phrase_counts = &mut self.phrase_counts;
        let tag_counts = &mut self.tag_counts;
        let f = TextFeatures::scan(
            text,
            |w, boundary| {
                lowercase_into(&mut word, w);
                let (id, content) = match vocabulary.get_mut(word.as_str()) {
                    Some(entry) => {
                        if entry.content {
                            entry.count += 1;
                        }
                        (entry.id, entry.content)
                    }
                    None => {
                        let content = word.chars().count() >= 2
                            && word.chars().any(char::is_alphabetic)
                            && !is_stop_word(&word);
                        let id = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                        vocabulary.insert(
                            word.clone(),
                            WordEntry {
                                id,
                                count: u32::from(content),
                                content,
                            },
                        );
                        (id, content)
                    }
                };
                if !content {
                    previous = None;
                    return;
                }
                if let (Some(prev), false) = (previous, boundary) {
                    *phrase_counts
                        .entry((u64::from(prev) << 32) | u64::from(id))
                        .or_insert(0) += 1;
                }
                previous = Some(id);
            },
            |name| {
                lowercase_into(&mut tag, name);
                if !tag.is_empty() {
                    bump(tag_counts, &tag);
                }
            },
        );
        self.posts += 1;
        self.lengths.push(f.chars);
        self.total_chars += f.chars;
        self.words += f.words;
        self.sentences += f.sentences;
        self.line_breaks += f.line_breaks;
        let pair = |acc: &mut (usize, usize), n: usize| {
            acc.0 += n;
            acc.1 += usize::from(n > 0);
        };
        pair(&mut self.emoji, f.emoji);
        pair(&mut self.hashtags, f.hashtags);
        pair(&mut self.mentions, f.mentions);
        pair(&mut self.links, f.links);
        self.question += usize::from(f.has_question);
        self.ends_question += usize::from(f.ends_with_question);
        self.exclamation += usize::from(f.has_exclamation);
        self.period += usize::from(f.ends_with_period);
        self.ellipses += f.ellipses;
        self.dashes += f.dashes;
        self.lowercase_start += usize::from(f.starts_lowercase);
        self.letter_words += f.letter_words;
        self.caps_words += f.caps_words;
    }

    fn finish(mut self, language_sample: &[&str], time_zone: Option<Tz>) -> StyleProfile {
        let n = self.posts;
        let rate = |(count, with): (usize, usize)| Rate {
            per_post: ratio(count, n),
            post_share: ratio(with, n),
        };
        let length = if n == 0 {
            LengthStats::default()
        } else {
            let min = self.lengths.iter().copied().min().unwrap_or(0);
            let max = self.lengths.iter().copied().max().unwrap_or(0);
            let mut pick = |q: f64| {
                let idx = ((n - 1) as f64 * q).round() as usize;
                *self.lengths.select_nth_unstable(idx).1
            };
            let (p10, p50, p90) = (pick(0.1), pick(0.5), pick(0.9));
            LengthStats {
                min,
                max,
                mean: ratio(self.total_chars, n),
                p10,
                p50,
                p90,
            }
        };
        let (language, language_share) = detect_language(language_sample);
        StyleProfile {
            posts: n,
            length,
            words_per_sentence: ratio(self.words, self.sentences),
            sentences_per_post: ratio(self.sentences, n),
            line_breaks_per_post: ratio(self.line_breaks, n),
            emoji: rate(self.emoji),
            hashtags: rate(self.hashtags),
            mentions: rate(self.mentions),
            links: rate(self.links),
            punctuation: PunctuationHabits {
                question_rate: ratio(self.question, n),
                ends_with_question_rate: ratio(self.ends_question, n),
                exclamation_rate: ratio(self.exclamation, n),
                terminal_period_rate: ratio(self.period, n),
                ellipses_per_post: ratio(self.ellipses, n),
                dashes_per_post: ratio(self.dashes, n),
            },
            casing: CasingHabits {
                lowercase_start_rate: ratio(self.lowercase_start, n),
                all_caps_word_rate: ratio(self.caps_words, self.letter_words),
            },
            top_phrases: top_phrases(&self.vocabulary, self.phrase_counts),
            top_words: top(
                self.vocabulary
                    .into_iter()
                    .filter(|(_, e)| e.content)
                    .map(|(w, e)| (w, e.count))
                    .collect(),
                TOP_TERMS,
                1,
            ),
            top_hashtags: top(self.tag_counts, TOP_TERMS, 1),
            language,
            language_share,
            active_hours: match (self.hours, time_zone) {
                (Some(histogram), Some(time_zone)) => Some(ActiveHours {
                    time_zone,
                    histogram,
                }),
                _ => None,
            },
        }
    }
}

/// Detects the language on the concatenated sample (short posts alone are
/// unreliable), then measures which share of the sampled posts agree.
fn detect_language(sample: &[&str]) -> (Option<String>, f64) {
    if sample.is_empty() {
        return (None, 0.0);
    }
    let mut joined = String::new();
    for text in sample {
        if joined.len() + text.len() > LANGUAGE_SAMPLE_BYTES && !joined.is_empty() {
            break;
        }
        joined.push_str(text);
        joined.push('\n');
    }
    let Some(info) = whatlang::detect(&joined) else {
        return (None, 0.0);
    };
    let lang = info.lang();
    let agreeing = sample
        .iter()
        .filter(|text| whatlang::detect(text).is_some_and(|i| i.lang() == lang))
        .count();
    (
        Some(lang.code().to_owned()),
        agreeing as f64 / sample.len() as f64,
    )
}

/// Picks at most [`LANGUAGE_SAMPLE`] texts spread evenly over the input.
fn sample_evenly<'a>(texts: &[&'a str]) -> Vec<&'a str> {
    let non_empty: Vec<&str> = texts
        .iter()
        .copied()
        .filter(|t| !t.trim().is_empty())
        .collect();
    if non_empty.len() <= LANGUAGE_SAMPLE {
        return non_empty;
    }
    let step = non_empty.len() as f64 / LANGUAGE_SAMPLE as f64;
    (0..LANGUAGE_SAMPLE)
        .filter_map(|i| non_empty.get((i as f64 * step) as usize).copied())
        .collect()
}

impl StyleProfile {
    /// Measures the habits of a set of texts (empty ones are skipped).
    ///
    /// ```
    /// use persona_core::StyleProfile;
    /// let profile = StyleProfile::analyze(["Shipped it! 🚀 #rust", "Why is naming hard?"]);
    /// assert_eq!(profile.posts, 2);
    /// assert_eq!(profile.punctuation.question_rate, 0.5);
    /// ```
    pub fn analyze<I, S>(texts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let owned: Vec<S> = texts.into_iter().collect();
        let refs: Vec<&str> = owned.iter().map(AsRef::as_ref).collect();
        let mut acc = Accumulator::default();
        for text in &refs {
            acc.add(text);
        }
        acc.finish(&sample_evenly(&refs), None)
    }

    /// Like [`analyze`](Self::analyze), and also builds the active-hours
    /// histogram in `time_zone` from the posts that have a timestamp (each
    /// converted with its own offset, so DST is handled).
    pub fn analyze_posts(posts: &[PastPost], time_zone: Tz) -> Self {
        let refs: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
        let mut acc = Accumulator::default();
        let mut hours = [0u32; 24];
        let mut any_time = false;
        for post in posts {
            acc.add(&post.text);
            if let (Some(at), false) = (post.published_at, post.text.trim().is_empty()) {
                any_time = true;
                hours[at.with_timezone(&time_zone).hour() as usize] += 1;
            }
        }
        acc.hours = any_time.then_some(hours);
        acc.finish(&sample_evenly(&refs), Some(time_zone))
    }

    /// How close `draft` is to this profile's style.
    pub fn voice_score(&self, draft: &str) -> VoiceScore {
        VoiceScore::compute(self, draft)
    }

    /// Indices of `candidates`, best voice match first (ties keep input order).
    pub fn rank<S: AsRef<str>>(&self, candidates: &[S]) -> Vec<usize> {
        let scores: Vec<f64> = candidates
            .iter()
            .map(|c| self.voice_score(c.as_ref()).total)
            .collect();
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        order
    }
}

/// How close a draft's style is to a [`StyleProfile`], overall and per
/// aspect. Every number is in `0..=1`, 1 meaning "exactly the account's habit".
///
/// The total is a weighted mean: length 0.20, sentence length 0.15,
/// vocabulary 0.15, emoji 0.10, hashtags 0.10, questions and exclamations
/// 0.15, casing 0.10, links and mentions 0.05. With an empty profile every
/// aspect is 0.5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VoiceScore {
    /// Weighted total.
    pub total: f64,
    /// Length within the account's 10th–90th percentile range.
    pub length: f64,
    /// Words per sentence compared with the account's mean.
    pub sentence_length: f64,
    /// Share of the draft's content words the account often uses.
    pub vocabulary: f64,
    /// Emoji presence against the account's emoji rate.
    pub emoji: f64,
    /// Hashtag presence against the account's hashtag rate.
    pub hashtags: f64,
    /// Question and exclamation marks against the account's rates.
    pub punctuation: f64,
    /// Lowercase start and ALL-CAPS words against the account's habits.
    pub casing: f64,
    /// Links and mentions against the account's rates.
    pub links_and_mentions: f64,
}

/// Probability-style agreement: the draft shows a trait that the account
/// shows in a `share` of its posts.
fn agreement(share: f64, present: bool) -> f64 {
    if present { share } else { 1.0 - share }
}

fn closeness(a: f64, b: f64) -> f64 {
    if a <= 0.0 && b <= 0.0 {
        return 1.0;
    }
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if hi <= 0.0 {
        1.0
    } else {
        (lo / hi).clamp(0.0, 1.0)
    }
}

impl VoiceScore {
    fn compute(profile: &StyleProfile, draft: &str) -> Self {
        if profile.posts == 0 {
            return Self {
                total: 0.5,
                length: 0.5,
                sentence_length: 0.5,
                vocabulary: 0.5,
                emoji: 0.5,
                hashtags: 0.5,
                punctuation: 0.5,
                casing: 0.5,
                links_and_mentions: 0.5,
            };
        }
        let f = TextFeatures::of(draft.trim());
        let l = &profile.length;
        let length = if f.chars >= l.p10 && f.chars <= l.p90 {
            1.0
        } else {
            let edge = if f.chars < l.p10 { l.p10 } else { l.p90 };
            let distance = f.chars.abs_diff(edge) as f64;
            (1.0 - distance / (l.p50.max(20) as f64)).clamp(0.0, 1.0)
        };
        let sentence_length = closeness(ratio(f.words, f.sentences), profile.words_per_sentence);
        let vocabulary = {
            let mut total = 0usize;
            let mut known = 0usize;
            let mut buf = String::new();
            scan::for_each_word(draft, |w| {
                lowercase_into(&mut buf, w);
                if buf.chars().count() >= 2 && !is_stop_word(&buf) {
                    total += 1;
                    if profile.top_words.iter().any(|t| t.term == buf) {
                        known += 1;
                    }
                }
            });
            if total == 0 {
                0.5
            } else {
                (0.4 + 1.2 * ratio(known, total)).min(1.0)
            }
        };
        let emoji = agreement(profile.emoji.post_share, f.emoji > 0);
        let hashtags = agreement(profile.hashtags.post_share, f.hashtags > 0);
        let punctuation = 0.5 * agreement(profile.punctuation.question_rate, f.has_question)
            + 0.5 * agreement(profile.punctuation.exclamation_rate, f.has_exclamation);
        let caps_share = ratio(f.caps_words, f.letter_words);
        let casing = 0.7 * agreement(profile.casing.lowercase_start_rate, f.starts_lowercase)
            + 0.3 * (1.0 - (caps_share - profile.casing.all_caps_word_rate).abs()).clamp(0.0, 1.0);
        let links_and_mentions = 0.5 * agreement(profile.links.post_share, f.links > 0)
            + 0.5 * agreement(profile.mentions.post_share, f.mentions > 0);
        let total = 0.20 * length
            + 0.15 * sentence_length
            + 0.15 * vocabulary
            + 0.10 * emoji
            + 0.10 * hashtags
            + 0.15 * punctuation
            + 0.10 * casing
            + 0.05 * links_and_mentions;
        Self {
            total,
            length,
            sentence_length,
            vocabulary,
            emoji,
            hashtags,
            punctuation,
            casing,
            links_and_mentions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn empty_input_gives_empty_profile() {
        let p = StyleProfile::analyze(Vec::<String>::new());
        assert_eq!(p.posts, 0);
        assert_eq!(p.length, LengthStats::default());
        assert!(p.language.is_none());
        let p = StyleProfile::analyze(["", "   "]);
        assert_eq!(p.posts, 0);
    }

    #[test]
    fn length_distribution() {
        let texts: Vec<String> = (1..=10).map(|n| "x".repeat(n * 10)).collect();
        let p = StyleProfile::analyze(&texts);
        assert_eq!(p.posts, 10);
        assert_eq!(p.length.min, 10);
        assert_eq!(p.length.max, 100);
        assert!(close(p.length.mean, 55.0));
        assert_eq!(p.length.p10, 20);
        assert_eq!(p.length.p50, 60);
        assert_eq!(p.length.p90, 90);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = StyleProfile::analyze(["héllo 👋"]);
        assert_eq!(p.length.max, 7);
    }

    #[test]
    fn sentence_metrics() {
        let p = StyleProfile::analyze(["One two three. Four five six.", "Seven eight"]);
        assert!(close(p.sentences_per_post, 1.5));
        assert!(close(p.words_per_sentence, 8.0 / 3.0));
    }

    #[test]
    fn emoji_hashtag_mention_link_rates() {
        let p = StyleProfile::analyze([
            "Launch day 🚀🚀 #rust #oss",
            "Thanks @ana for https://example.com/post",
            "quiet post",
            "#rust again with @bob and @cy",
        ]);
        assert!(close(p.emoji.per_post, 0.5));
        assert!(close(p.emoji.post_share, 0.25));
        assert!(close(p.hashtags.per_post, 0.75));
        assert!(close(p.hashtags.post_share, 0.5));
        assert!(close(p.mentions.per_post, 0.75));
        assert!(close(p.mentions.post_share, 0.5));
        assert!(close(p.links.per_post, 0.25));
        assert_eq!(
            p.top_hashtags[0],
            TermCount {
                term: "rust".into(),
                count: 2
            }
        );
    }

    #[test]
    fn punctuation_and_casing() {
        let p = StyleProfile::analyze([
            "is this on? 🤔",
            "Yes! It works.",
            "Wait... what — really",
            "HUGE NEWS today.",
        ]);
        assert!(close(p.punctuation.question_rate, 0.25));
        assert!(close(p.punctuation.ends_with_question_rate, 0.25));
        assert!(close(p.punctuation.exclamation_rate, 0.25));
        assert!(close(p.punctuation.terminal_period_rate, 0.5));
        assert!(close(p.punctuation.ellipses_per_post, 0.25));
        assert!(close(p.punctuation.dashes_per_post, 0.25));
        assert!(close(p.casing.lowercase_start_rate, 0.25));
        // Words with ≥ 2 letters: is this on Yes It works Wait what really HUGE NEWS today = 12; caps: HUGE NEWS.
        assert!(close(p.casing.all_caps_word_rate, 2.0 / 12.0));
    }

    #[test]
    fn line_breaks() {
        let p = StyleProfile::analyze(["a\nb\nc", "d"]);
        assert!(close(p.line_breaks_per_post, 1.0));
        assert!(close(p.sentences_per_post, 2.0));
    }

    #[test]
    fn top_words_and_phrases_skip_stop_words() {
        let p = StyleProfile::analyze([
            "The coffee roaster is the best coffee roaster.",
            "My coffee roaster broke. The coffee is fine.",
            "Coffee, roaster",
        ]);
        assert_eq!(
            p.top_words[0],
            TermCount {
                term: "coffee".into(),
                count: 5
            }
        );
        assert_eq!(
            p.top_words[1],
            TermCount {
                term: "roaster".into(),
                count: 4
            }
        );
        assert!(
            p.top_words
                .iter()
                .all(|t| t.term != "the" && t.term != "is")
        );
        // "coffee, roaster" is split by the comma and does not count.
        assert_eq!(
            p.top_phrases,
            vec![TermCount {
                term: "coffee roaster".into(),
                count: 3
            }]
        );
    }

    #[test]
    fn detects_language() {
        let p = StyleProfile::analyze([
            "Hoy salimos temprano al mercado para comprar fruta fresca y pan para toda la familia.",
            "Mañana vamos a la playa con mis amigos si no llueve, y después cenamos juntos en casa.",
        ]);
        assert_eq!(p.language.as_deref(), Some("spa"));
        assert!(p.language_share > 0.0 && p.language_share <= 1.0);
    }

    #[test]
    fn active_hours_use_local_time_with_dst() {
        let tz: Tz = "Europe/Paris".parse().unwrap();
        let posts = vec![
            // 08:30 UTC in January = 09:30 Paris (UTC+1).
            PastPost::new("winter")
                .published_at(Utc.with_ymd_and_hms(2026, 1, 10, 8, 30, 0).unwrap()),
            // 07:30 UTC in July = 09:30 Paris (UTC+2).
            PastPost::new("summer")
                .published_at(Utc.with_ymd_and_hms(2026, 7, 10, 7, 30, 0).unwrap()),
            PastPost::new("evening")
                .published_at(Utc.with_ymd_and_hms(2026, 7, 10, 18, 0, 0).unwrap()),
            PastPost::new("undated"),
        ];
        let p = StyleProfile::analyze_posts(&posts, tz);
        let hours = p.active_hours.unwrap();
        assert_eq!(hours.histogram[9], 2);
        assert_eq!(hours.histogram[20], 1);
        assert_eq!(hours.histogram.iter().sum::<u32>(), 3);
        assert_eq!(hours.peak_hours(5), vec![9, 20]);
        assert!(
            StyleProfile::analyze_posts(&[PastPost::new("x")], tz)
                .active_hours
                .is_none()
        );
    }

    #[test]
    fn voice_score_prefers_matching_style() {
        let profile = StyleProfile::analyze([
            "shipping small things every day. coffee helps",
            "small steps beat big plans. coffee first",
            "wrote some rust today. small wins",
            "coffee, code, repeat. small but steady",
        ]);
        let similar = "small wins today. more coffee";
        let different = "HUGE ANNOUNCEMENT!!! Check out our amazing new product at https://example.com #launch #startup #growth 🚀🚀🚀 Are you ready?";
        let a = profile.voice_score(similar);
        let b = profile.voice_score(different);
        assert!(a.total > b.total, "{a:?} vs {b:?}");
        assert!(a.total > 0.8 && a.total <= 1.0);
        assert!(b.total < 0.5);
        assert!(close(a.emoji, 1.0));
        assert!(close(b.emoji, 0.0));
        assert_eq!(profile.rank(&[different, similar]), vec![1, 0]);
    }

    #[test]
    fn empty_profile_scores_neutral() {
        let s = StyleProfile::default().voice_score("anything");
        assert!(close(s.total, 0.5));
    }
}
