//! [`Persona`]: who the account is and how it writes, posts and replies.

use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, InvalidReason};
use crate::style::StyleProfile;
use crate::triage::Intent;

/// How often a habit shows up.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Not at all.
    Never,
    /// In fewer than about one post in five.
    Rarely,
    /// In about one post in five to one in two.
    #[default]
    Sometimes,
    /// In most posts.
    Often,
}

impl Frequency {
    /// Buckets a share of posts (0..1): below 0.05 never, below 0.2 rarely,
    /// below 0.5 sometimes, else often.
    pub fn from_share(share: f64) -> Self {
        match share {
            s if s < 0.05 => Self::Never,
            s if s < 0.2 => Self::Rarely,
            s if s < 0.5 => Self::Sometimes,
            _ => Self::Often,
        }
    }

    /// A representative share of posts for this bucket.
    pub fn share(self) -> f64 {
        match self {
            Self::Never => 0.0,
            Self::Rarely => 0.1,
            Self::Sometimes => 0.35,
            Self::Often => 0.75,
        }
    }

    /// The lowercase name (`"often"`), as used in prompts and task headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Rarely => "rarely",
            Self::Sometimes => "sometimes",
            Self::Often => "often",
        }
    }
}

/// Habits the generator imitates and the guardrails enforce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Habits {
    /// How often posts use emoji.
    pub emoji: Frequency,
    /// How often posts carry hashtags.
    pub hashtags: Frequency,
    /// The most hashtags in one post (enforced by the guardrails).
    pub max_hashtags: usize,
    /// How often posts ask the reader a question.
    pub questions: Frequency,
    /// Whether the account writes in all lowercase.
    pub lowercase: bool,
    /// Whether posts may contain links (enforced by the guardrails).
    pub links_allowed: bool,
    /// Whether the account ends posts with an ellipsis on purpose ("so
    /// good…"). When false, the guardrails read a final ellipsis as a sign
    /// that the text was cut off ([`Violation::Truncated`](crate::Violation::Truncated)).
    /// Missing in older persona documents, where it defaults to false.
    #[serde(default)]
    pub trailing_ellipses: bool,
}

impl Default for Habits {
    fn default() -> Self {
        Self {
            emoji: Frequency::Rarely,
            hashtags: Frequency::Rarely,
            max_hashtags: 1,
            questions: Frequency::Sometimes,
            lowercase: false,
            links_allowed: true,
            trailing_ellipses: false,
        }
    }
}

/// An inclusive range of post lengths, in characters.
///
/// The default, 40–280, is also the prior that
/// [`from_profile`](Self::from_profile) (and so [`Persona::bootstrap`])
/// blends with the measured lengths when there are few past posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthRange {
    /// Fewest characters.
    pub min: usize,
    /// Most characters (the platform's own limit also applies).
    pub max: usize,
}

impl Default for LengthRange {
    fn default() -> Self {
        Self { min: 40, max: 280 }
    }
}

impl LengthRange {
    /// The number of past posts from which the measured range is used as
    /// is; smaller samples are widened toward the default range.
    pub const FULL_WEIGHT_POSTS: usize = 20;

    /// The length range learned from a style profile: the 10th to 90th
    /// percentile of the measured post lengths, widened by a prior when the
    /// sample is small.
    ///
    /// With `n` posts and `w = min(n / 20, 1)`
    /// ([`FULL_WEIGHT_POSTS`](Self::FULL_WEIGHT_POSTS)), each bound is first
    /// blended with the default 40–280 range as `w · measured + (1 − w) ·
    /// default`. The prior only widens: the minimum is the smaller of the
    /// blend and the measured 10th percentile, the maximum the larger of the
    /// blend and the measured 90th percentile, so the range always covers
    /// the measured one. Six short posts therefore give a range close to
    /// 40–280, and twenty posts or more give the measured percentiles. The
    /// minimum is at least 1 and the maximum at least 40 and at least the
    /// minimum. A profile of no posts gives the default.
    ///
    /// ```
    /// use persona_core::{LengthRange, StyleProfile};
    /// let few = StyleProfile::analyze(["short one here", "another short one", "tiny"]);
    /// let range = LengthRange::from_profile(&few);
    /// assert!(range.max >= 200, "{range:?}");
    /// ```
    pub fn from_profile(profile: &StyleProfile) -> Self {
        if profile.posts == 0 {
            return Self::default();
        }
        let (p10, p90) = (profile.length.p10, profile.length.p90);
        let weight = (profile.posts as f64 / Self::FULL_WEIGHT_POSTS as f64).min(1.0);
        let prior = Self::default();
        let blend = |measured: usize, prior: usize| {
            (weight * measured as f64 + (1.0 - weight) * prior as f64).round() as usize
        };
        let min = blend(p10, prior.min).min(p10).max(1);
        let max = blend(p90, prior.max).max(p90).max(min).max(40);
        Self { min, max }
    }
}

/// A weekly window in which the account likes to post, in the persona's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingWindow {
    /// Days the window applies to; empty means every day.
    #[serde(default)]
    pub days: Vec<Weekday>,
    /// Local start time (inclusive).
    pub start: NaiveTime,
    /// Local end time (exclusive); must be after `start`.
    pub end: NaiveTime,
}

/// When and to whom the account answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyPolicy {
    /// Most replies to one person per day.
    pub max_per_user_per_day: u32,
    /// Most replies inside one thread.
    pub max_per_thread: u32,
    /// Most replies per day overall (keep it well below Meta's 1,000).
    pub max_per_day: u32,
    /// Which intents get an answer; the others are left for a person.
    pub answer_intents: Vec<Intent>,
    /// Whether replies need human approval before they are posted.
    pub require_approval: bool,
}

impl Default for ReplyPolicy {
    fn default() -> Self {
        Self {
            max_per_user_per_day: 3,
            max_per_thread: 3,
            max_per_day: 100,
            answer_intents: vec![Intent::Question, Intent::Praise, Intent::Complaint],
            require_approval: true,
        }
    }
}

/// How many replies were already sent, for [`ReplyPolicy::decide`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplyCounts {
    /// Replies to this person in the last 24 hours.
    pub to_user_today: u32,
    /// Replies in this thread.
    pub in_thread: u32,
    /// Replies in the last 24 hours overall.
    pub today: u32,
}

impl ReplyCounts {
    /// Builds the counts.
    pub fn new(to_user_today: u32, in_thread: u32, today: u32) -> Self {
        Self {
            to_user_today,
            in_thread,
            today,
        }
    }
}

/// What to do with a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "reason")]
#[non_exhaustive]
pub enum ReplyDecision {
    /// Draft an answer.
    Answer,
    /// Do not answer, for the given reason.
    Skip(SkipReason),
}

/// Why a comment gets no automatic answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The intent is not in [`ReplyPolicy::answer_intents`].
    IntentNotAnswered,
    /// The per-person daily cap is reached.
    UserCapReached,
    /// The per-thread cap is reached.
    ThreadCapReached,
    /// The daily cap is reached.
    DailyCapReached,
}

impl ReplyPolicy {
    /// Decides whether to answer a comment of the given intent. Spam and abuse
    /// are never answered, whatever `answer_intents` says.
    pub fn decide(&self, intent: Intent, counts: ReplyCounts) -> ReplyDecision {
        let never = matches!(intent, Intent::Spam | Intent::Abuse);
        if never || !self.answer_intents.contains(&intent) {
            return ReplyDecision::Skip(SkipReason::IntentNotAnswered);
        }
        if counts.today >= self.max_per_day {
            return ReplyDecision::Skip(SkipReason::DailyCapReached);
        }
        if counts.to_user_today >= self.max_per_user_per_day {
            return ReplyDecision::Skip(SkipReason::UserCapReached);
        }
        if counts.in_thread >= self.max_per_thread {
            return ReplyDecision::Skip(SkipReason::ThreadCapReached);
        }
        ReplyDecision::Answer
    }
}

/// Who the account is and how it writes.
///
/// Build one with [`Persona::new`] and set fields, deserialize one (JSON,
/// YAML, TOML: missing fields take defaults), or learn one from past posts
/// with [`Persona::bootstrap`]. Call [`validate`](Self::validate) before use;
/// [`PromptEngine`](crate::PromptEngine) and [`Guardrails`](crate::Guardrails)
/// do it for you.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Persona {
    /// Display name.
    pub name: String,
    /// Who the account is, in a few sentences.
    pub bio: String,
    /// Tone of voice (e.g. "warm, direct, a little dry").
    pub tone: String,
    /// What the account talks about.
    pub topics: Vec<String>,
    /// Free-form notes on writing style.
    pub writing_style: String,
    /// The language posts are written in, as an ISO 639-3 code (`"eng"`,
    /// `"spa"`, `"fra"`), the codes `whatlang` uses.
    pub language: String,
    /// Things to do.
    pub dos: Vec<String>,
    /// Things never to do.
    pub donts: Vec<String>,
    /// Words that must never appear (matched case-insensitively as whole words).
    pub banned_words: Vec<String>,
    /// Claims that must never be made (matched case-insensitively as phrases,
    /// e.g. "guaranteed returns", "cures").
    pub banned_claims: Vec<String>,
    /// Emoji, hashtag, question, casing and link habits.
    pub habits: Habits,
    /// Length of posts, in characters.
    pub length: LengthRange,
    /// The account's IANA time zone.
    pub time_zone: Tz,
    /// When the account likes to post.
    pub posting_windows: Vec<PostingWindow>,
    /// How the account answers comments and mentions.
    pub reply_policy: ReplyPolicy,
}

impl Default for Persona {
    fn default() -> Self {
        Self {
            name: String::new(),
            bio: String::new(),
            tone: String::new(),
            topics: Vec::new(),
            writing_style: String::new(),
            language: "eng".to_owned(),
            dos: Vec::new(),
            donts: Vec::new(),
            banned_words: Vec::new(),
            banned_claims: Vec::new(),
            habits: Habits::default(),
            length: LengthRange::default(),
            time_zone: Tz::UTC,
            posting_windows: Vec::new(),
            reply_policy: ReplyPolicy::default(),
        }
    }
}

/// The writing-style item for accounts that end posts with an ellipsis.
const TRAILING_ELLIPSES: &str = "trailing ellipses";

/// Longest accepted free-text field, in characters.
const MAX_FIELD_CHARS: usize = 2_000;
/// Most entries in a list field.
const MAX_LIST_ITEMS: usize = 100;

fn invalid(field: impl Into<String>, reason: InvalidReason) -> Error {
    Error::InvalidPersona {
        field: field.into(),
        reason,
    }
}

fn check_text(field: &str, value: &str, required: bool) -> Result<(), Error> {
    if required && value.trim().is_empty() {
        return Err(invalid(field, InvalidReason::Empty));
    }
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(invalid(
            field,
            InvalidReason::TooLong {
                max: MAX_FIELD_CHARS,
            },
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| crate::scan::is_invisible_or_control(*c) && *c != '\u{200d}')
    {
        return Err(invalid(
            field,
            InvalidReason::ControlCharacter {
                codepoint: u32::from(c),
            },
        ));
    }
    Ok(())
}

fn check_list(field: &str, values: &[String]) -> Result<(), Error> {
    if values.len() > MAX_LIST_ITEMS {
        return Err(invalid(
            field,
            InvalidReason::TooMany {
                max: MAX_LIST_ITEMS,
            },
        ));
    }
    for (i, v) in values.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), v, true)?;
        let lower = v.trim().to_lowercase();
        if values[..i]
            .iter()
            .any(|earlier| earlier.trim().to_lowercase() == lower)
        {
            return Err(invalid(format!("{field}[{i}]"), InvalidReason::Duplicate));
        }
    }
    Ok(())
}

impl Persona {
    /// A persona with the given name and default settings (English, UTC,
    /// 40–280 characters, rare emoji and hashtags, replies need approval).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Checks every field; the error names the first bad field (`"length.max"`,
    /// `"banned_words[2]"`) and says what is wrong.
    pub fn validate(&self) -> Result<(), Error> {
        check_text("name", &self.name, true)?;
        if self.name.chars().count() > 100 {
            return Err(invalid("name", InvalidReason::TooLong { max: 100 }));
        }
        check_text("bio", &self.bio, false)?;
        check_text("tone", &self.tone, false)?;
        check_text("writing_style", &self.writing_style, false)?;
        check_list("topics", &self.topics)?;
        check_list("dos", &self.dos)?;
        check_list("donts", &self.donts)?;
        check_list("banned_words", &self.banned_words)?;
        check_list("banned_claims", &self.banned_claims)?;
        if whatlang::Lang::from_code(self.language.as_str()).is_none() {
            return Err(invalid(
                "language",
                InvalidReason::UnknownLanguage {
                    code: self.language.clone(),
                },
            ));
        }
        if self.length.max == 0 {
            return Err(invalid("length.max", InvalidReason::Zero));
        }
        if self.length.min > self.length.max {
            return Err(invalid(
                "length.min",
                InvalidReason::Inverted {
                    other: "length.max".to_owned(),
                },
            ));
        }
        if self.habits.max_hashtags > 30 {
            return Err(invalid(
                "habits.max_hashtags",
                InvalidReason::TooMany { max: 30 },
            ));
        }
        if self.habits.hashtags != Frequency::Never && self.habits.max_hashtags == 0 {
            return Err(invalid(
                "habits.max_hashtags",
                InvalidReason::Contradiction {
                    other: "habits.hashtags".to_owned(),
                },
            ));
        }
        for (i, w) in self.posting_windows.iter().enumerate() {
            if w.end <= w.start {
                return Err(invalid(
                    format!("posting_windows[{i}].end"),
                    InvalidReason::Inverted {
                        other: format!("posting_windows[{i}].start"),
                    },
                ));
            }
        }
        let policy = &self.reply_policy;
        if policy.max_per_day >= 1_000 {
            return Err(invalid(
                "reply_policy.max_per_day",
                InvalidReason::TooMany { max: 999 },
            ));
        }
        if policy.max_per_thread > policy.max_per_day {
            return Err(invalid(
                "reply_policy.max_per_thread",
                InvalidReason::Inverted {
                    other: "reply_policy.max_per_day".to_owned(),
                },
            ));
        }
        if policy.max_per_user_per_day > policy.max_per_day {
            return Err(invalid(
                "reply_policy.max_per_user_per_day",
                InvalidReason::Inverted {
                    other: "reply_policy.max_per_day".to_owned(),
                },
            ));
        }
        Ok(())
    }

    /// Whether the persona ends posts with an ellipsis on purpose:
    /// [`Habits::trailing_ellipses`] is set, or [`writing_style`](Self::writing_style)
    /// has `trailing ellipses` as one of its comma- or semicolon-separated
    /// items (case-insensitive), as [`bootstrap`](Self::bootstrap) writes it.
    /// Free text that merely mentions ellipses ("never trailing ellipses")
    /// does not count.
    pub fn uses_trailing_ellipses(&self) -> bool {
        self.habits.trailing_ellipses
            || self
                .writing_style
                .split([',', ';'])
                .any(|item| item.trim().eq_ignore_ascii_case(TRAILING_ELLIPSES))
    }

    /// Whether `at` falls in one of the posting windows, read in the
    /// persona's time zone (so windows follow daylight-saving changes). With
    /// no windows, any time is fine.
    pub fn in_posting_window(&self, at: DateTime<Utc>) -> bool {
        if self.posting_windows.is_empty() {
            return true;
        }
        let local = at.with_timezone(&self.time_zone);
        let (day, time) = (local.weekday(), local.time());
        self.posting_windows.iter().any(|w| {
            (w.days.is_empty() || w.days.contains(&day)) && time >= w.start && time < w.end
        })
    }

    /// Parses a persona from JSON and validates it. Parse errors name the
    /// JSON path of the bad value.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let persona: Persona =
            serde_path_to_error::deserialize(&mut de).map_err(Error::PersonaJson)?;
        persona.validate()?;
        Ok(persona)
    }

    /// Builds a persona from the measured habits of the account's past posts
    /// and its profile bio. Topics come from the top hashtags and phrases,
    /// the habits from the measured rates, the language from detection and
    /// posting windows from the two busiest hours (when the profile has
    /// active hours, in their zone).
    ///
    /// The length range comes from [`LengthRange::from_profile`]: the 10th–90th
    /// percentiles of the past posts' lengths, widened toward the default
    /// 40–280 when there are fewer than
    /// [`LengthRange::FULL_WEIGHT_POSTS`] (20) posts, so that a handful of
    /// short posts does not pin every future post to their narrow range.
    ///
    /// When the posts average more than 0.3 ellipses each, the writing style
    /// says "trailing ellipses" and [`Habits::trailing_ellipses`] is set, so
    /// the guardrails accept posts that end with one.
    ///
    /// ```
    /// use persona_core::{Persona, StyleProfile};
    /// let profile = StyleProfile::analyze([
    ///     "morning coffee and a small rust refactor ☕",
    ///     "small refactors add up. coffee helps ☕",
    /// ]);
    /// let persona = Persona::bootstrap("ana", "Rust dev, coffee person.", &profile);
    /// assert!(persona.habits.lowercase);
    /// persona.validate().unwrap();
    /// ```
    pub fn bootstrap(
        name: impl Into<String>,
        bio: impl Into<String>,
        profile: &StyleProfile,
    ) -> Self {
        let mut persona = Persona::new(name);
        persona.bio = bio.into().chars().take(MAX_FIELD_CHARS).collect();
        persona.bio = crate::scan::strip_invisible(&persona.bio);
        if profile.posts == 0 {
            return persona;
        }
        let mut topics: Vec<String> = Vec::new();
        let candidates = profile
            .top_hashtags
            .iter()
            .take(3)
            .map(|t| t.term.clone())
            .chain(profile.top_phrases.iter().take(2).map(|t| t.term.clone()))
            .chain(
                profile
                    .top_words
                    .iter()
                    .filter(|t| t.count >= 2)
                    .map(|t| t.term.clone()),
            );
        for term in candidates {
            if topics.len() >= 6 {
                break;
            }
            let covered = topics
                .iter()
                .any(|t| t.contains(&term) || term.contains(t.as_str()));
            if !covered {
                topics.push(term);
            }
        }
        persona.topics = topics;
        persona.length = LengthRange::from_profile(profile);
        let mut descriptors = Vec::new();
        if profile.words_per_sentence < 9.0 {
            descriptors.push("short sentences");
        } else if profile.words_per_sentence > 20.0 {
            descriptors.push("long, flowing sentences");
        }
        if profile.casing.lowercase_start_rate > 0.6 {
            descriptors.push("all lowercase");
        }
        if profile.punctuation.exclamation_rate > 0.4 {
            descriptors.push("enthusiastic");
        }
        if profile.line_breaks_per_post > 1.5 {
            descriptors.push("airy line breaks");
        }
        let trailing_ellipses = profile.punctuation.ellipses_per_post > 0.3;
        if trailing_ellipses {
            descriptors.push(TRAILING_ELLIPSES);
        }
        persona.writing_style = descriptors.join(", ");
        persona.habits = Habits {
            emoji: Frequency::from_share(profile.emoji.post_share),
            hashtags: Frequency::from_share(profile.hashtags.post_share),
            max_hashtags: (profile.hashtags.per_post.ceil() as usize).clamp(1, 5),
            questions: Frequency::from_share(profile.punctuation.question_rate),
            lowercase: profile.casing.lowercase_start_rate > 0.6,
            links_allowed: profile.links.post_share > 0.0,
            trailing_ellipses,
        };
        if let Some(lang) = &profile.language {
            persona.language.clone_from(lang);
        }
        if let Some(hours) = &profile.active_hours {
            persona.time_zone = hours.time_zone;
            persona.posting_windows = hours
                .peak_hours(2)
                .into_iter()
                .filter_map(|h| {
                    let start = NaiveTime::from_hms_opt(h, 0, 0)?;
                    let end = NaiveTime::from_hms_opt(h, 59, 59)?;
                    Some(PostingWindow {
                        days: Vec::new(),
                        start,
                        end,
                    })
                })
                .collect();
        }
        persona
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::PastPost;
    use chrono::{TimeZone, Utc};

    #[test]
    fn default_persona_with_name_is_valid() {
        Persona::new("Ana").validate().unwrap();
    }

    fn field_of(err: Error) -> (String, InvalidReason) {
        match err {
            Error::InvalidPersona { field, reason } => (field, reason),
            other => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut p = Persona::new("  ");
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            ("name".into(), InvalidReason::Empty)
        );
        p.name = "Ana".into();
        p.length = LengthRange { min: 300, max: 100 };
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            (
                "length.min".into(),
                InvalidReason::Inverted {
                    other: "length.max".into()
                }
            )
        );
        p.length = LengthRange::default();
        p.banned_words = vec!["crypto".into(), "CRYPTO".into()];
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            ("banned_words[1]".into(), InvalidReason::Duplicate)
        );
        p.banned_words.clear();
        p.language = "xx".into();
        assert!(matches!(
            field_of(p.validate().unwrap_err()),
            (f, InvalidReason::UnknownLanguage { .. }) if f == "language"
        ));
        p.language = "fra".into();
        p.bio = "hi\u{202e}there".into();
        assert_eq!(
            field_of(p.validate().unwrap_err()),
            (
                "bio".into(),
                InvalidReason::ControlCharacter { codepoint: 0x202e }
            )
        );
        p.bio.clear();
        p.reply_policy.max_per_day = 5000;
        assert_eq!(
            field_of(p.validate().unwrap_err()).0,
            "reply_policy.max_per_day"
        );
        p.reply_policy.max_per_day = 50;
        p.posting_windows = vec![PostingWindow {
            days: vec![],
            start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        }];
        assert_eq!(
            field_of(p.validate().unwrap_err()).0,
            "posting_windows[0].end"
        );
    }

    #[test]
    fn serde_round_trip_and_defaults() {
        let p = Persona::from_json(
            r#"{"name":"Ana","time_zone":"America/Sao_Paulo","topics":["coffee"]}"#,
        )
        .unwrap();
        assert_eq!(p.time_zone, chrono_tz::America::Sao_Paulo);
        assert_eq!(p.language, "eng");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Persona>(&json).unwrap(), p);
        let err = Persona::from_json(r#"{"name":"Ana","time_zone":"Mars/Olympus"}"#).unwrap_err();
        assert!(matches!(err, Error::PersonaJson(_)));
    }

    #[test]
    fn bootstrap_from_profile() {
        let tz: Tz = "Asia/Tokyo".parse().unwrap();
        let texts = [
            "sourdough bread again today. the crumb keeps getting better 🍞 #baking",
            "fed the starter twice and it finally doubled before lunch 🍞 #baking",
            "my kitchen smells wonderful when the sourdough bread comes out 🍞 #baking",
            "tried a wetter dough this time, shaping was harder than usual 🍞 #baking",
            "the oven spring on this loaf made my whole week 🍞 #baking",
            "slow mornings, warm sourdough bread and a strong cup of tea 🍞 #baking",
        ];
        let posts: Vec<PastPost> = texts
            .iter()
            .zip(1u32..)
            .map(|(text, day)| {
                PastPost::new(*text)
                    .published_at(Utc.with_ymd_and_hms(2026, 3, day, 23, 15, 0).unwrap())
            })
            .collect();
        let profile = StyleProfile::analyze_posts(&posts, tz);
        let p = Persona::bootstrap("baker", "I bake bread.", &profile);
        p.validate().unwrap();
        assert_eq!(p.topics[0], "baking");
        assert!(p.topics.iter().any(|t| t.contains("bread")));
        assert_eq!(p.habits.emoji, Frequency::Often);
        assert_eq!(p.habits.hashtags, Frequency::Often);
        assert_eq!(p.habits.max_hashtags, 1);
        assert!(p.habits.lowercase);
        assert!(!p.habits.links_allowed);
        assert_eq!(p.language, "eng");
        assert_eq!(p.time_zone, tz);
        // 23:15 UTC is 08:15 in Tokyo.
        assert_eq!(
            p.posting_windows[0].start,
            NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        );
        assert!(p.length.min <= p.length.max);
    }

    /// Six short posts of 49–72 characters: the measured p10–p90 alone
    /// would pin every future post to that band.
    #[test]
    fn few_posts_give_a_range_close_to_the_prior() {
        let texts = [
            "fed the starter, it doubled by noon today, ok",
            "rye loaf cooling on the rack, crumb looks so nice",
            "weighed the water today instead of using cups, big win",
            "the kitchen smells like toasted sesame and warm bread, yes",
            "small batch sourdough today, two loaves, one gone already, ha ha",
            "slow proof overnight in the fridge, baking first thing tomorrow morning!",
        ];
        let profile = StyleProfile::analyze(texts);
        let (p10, p90) = (profile.length.p10, profile.length.p90);
        assert_eq!((p10, p90), (49, 72));
        let range = Persona::bootstrap("baker", "", &profile).length;
        assert_eq!(range, LengthRange::from_profile(&profile));
        // w = 6/20: max = 0.3·p90 + 0.7·280, min = min(0.3·p10 + 0.7·40, p10).
        assert!(range.max >= 200, "{range:?}");
        let expected_max = (0.3 * p90 as f64 + 0.7 * 280.0).round() as usize;
        assert_eq!(range.max, expected_max);
        assert!(range.min <= p10 && range.min >= 40, "{range:?}");
    }

    #[test]
    fn many_posts_give_the_measured_range() {
        let texts: Vec<String> = (0..100)
            .map(|i| format!("post number {i:03} about bread, starters and a slow proof overnight"))
            .collect();
        let profile = StyleProfile::analyze(&texts);
        assert_eq!(profile.posts, 100);
        let range = Persona::bootstrap("baker", "", &profile).length;
        assert_eq!(
            range,
            LengthRange {
                min: profile.length.p10,
                max: profile.length.p90
            }
        );
        assert!(range.max < 80, "{range:?}");
        // The weight grows with the sample: 10 posts sit between the two.
        let ten = StyleProfile::analyze(&texts[..10]);
        let mid = LengthRange::from_profile(&ten);
        assert!(mid.max > range.max && mid.max < 280, "{mid:?}");
        // Long posts are never squeezed by the prior.
        let long: Vec<String> = (0..3)
            .map(|i| format!("{i} {}", "word ".repeat(80)))
            .collect();
        let long_profile = StyleProfile::analyze(&long);
        let long_range = LengthRange::from_profile(&long_profile);
        assert!(long_range.max >= long_profile.length.p90);
        assert!(long_range.min <= long_profile.length.p10);
        assert_eq!(
            LengthRange::from_profile(&StyleProfile::analyze(Vec::<String>::new())),
            LengthRange::default()
        );
    }

    #[test]
    fn trailing_ellipses_habit() {
        let profile = StyleProfile::analyze([
            "sunday bread, slow coffee…",
            "the starter is waking up...",
            "one more loaf before the week starts…",
        ]);
        let p = Persona::bootstrap("ana", "", &profile);
        assert!(p.habits.trailing_ellipses);
        assert!(p.writing_style.contains("trailing ellipses"));
        assert!(p.uses_trailing_ellipses());
        let plain = Persona::bootstrap("ana", "", &StyleProfile::analyze(["Bread. Coffee."]));
        assert!(!plain.habits.trailing_ellipses && !plain.uses_trailing_ellipses());
        // Persona documents written before the field existed still load.
        let old = r#"{"name":"Ana","habits":{"emoji":"often","hashtags":"never","max_hashtags":1,
            "questions":"rarely","lowercase":true,"links_allowed":false},
            "writing_style":"short sentences, trailing ellipses"}"#;
        let p = Persona::from_json(old).unwrap();
        assert!(!p.habits.trailing_ellipses);
        assert!(p.uses_trailing_ellipses());
    }

    #[test]
    fn reply_policy_caps_and_intents() {
        let policy = ReplyPolicy::default();
        let zero = ReplyCounts::default();
        assert_eq!(policy.decide(Intent::Question, zero), ReplyDecision::Answer);
        assert_eq!(
            policy.decide(Intent::Spam, zero),
            ReplyDecision::Skip(SkipReason::IntentNotAnswered)
        );
        assert_eq!(
            policy.decide(Intent::Question, ReplyCounts::new(3, 0, 0)),
            ReplyDecision::Skip(SkipReason::UserCapReached)
        );
        assert_eq!(
            policy.decide(Intent::Question, ReplyCounts::new(0, 3, 0)),
            ReplyDecision::Skip(SkipReason::ThreadCapReached)
        );
        assert_eq!(
            policy.decide(Intent::Question, ReplyCounts::new(0, 0, 100)),
            ReplyDecision::Skip(SkipReason::DailyCapReached)
        );
        let mut open = policy.clone();
        open.answer_intents.push(Intent::Abuse);
        assert_eq!(
            open.decide(Intent::Abuse, zero),
            ReplyDecision::Skip(SkipReason::IntentNotAnswered)
        );
    }

    #[test]
    fn posting_windows_use_local_time() {
        let mut p = Persona::new("Ana");
        assert!(p.in_posting_window(Utc.with_ymd_and_hms(2026, 1, 1, 3, 0, 0).unwrap()));
        p.time_zone = chrono_tz::Europe::Berlin;
        p.posting_windows = vec![PostingWindow {
            days: vec![Weekday::Mon],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        }];
        // Monday 2026-01-05 08:30 UTC = 09:30 in Berlin (winter, UTC+1).
        assert!(p.in_posting_window(Utc.with_ymd_and_hms(2026, 1, 5, 8, 30, 0).unwrap()));
        // Monday 2026-07-06 08:30 UTC = 10:30 in Berlin (summer, UTC+2).
        assert!(!p.in_posting_window(Utc.with_ymd_and_hms(2026, 7, 6, 8, 30, 0).unwrap()));
        assert!(p.in_posting_window(Utc.with_ymd_and_hms(2026, 7, 6, 7, 30, 0).unwrap()));
        // Tuesday: wrong day.
        assert!(!p.in_posting_window(Utc.with_ymd_and_hms(2026, 1, 6, 8, 30, 0).unwrap()));
    }

    #[test]
    fn frequency_buckets() {
        assert_eq!(Frequency::from_share(0.0), Frequency::Never);
        assert_eq!(Frequency::from_share(0.1), Frequency::Rarely);
        assert_eq!(Frequency::from_share(0.3), Frequency::Sometimes);
        assert_eq!(Frequency::from_share(0.9), Frequency::Often);
    }
}
