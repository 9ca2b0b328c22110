//! The crate's [`Error`] type.

use std::fmt;

use crate::guardrails::{Budget, Violation};
use crate::provider::LlmError;

/// What is wrong with a persona field (see [`Error::InvalidPersona`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReason {
    /// A required value is empty or only whitespace.
    Empty,
    /// The value is longer than `max` characters.
    TooLong {
        /// The limit.
        max: usize,
    },
    /// The list (or number) exceeds `max`.
    TooMany {
        /// The limit.
        max: usize,
    },
    /// The value must be above zero.
    Zero,
    /// The same entry appears twice (case-insensitively).
    Duplicate,
    /// The value is on the wrong side of the field named `other`.
    Inverted {
        /// The related field.
        other: String,
    },
    /// The value contradicts the field named `other`.
    Contradiction {
        /// The related field.
        other: String,
    },
    /// The language code is not an ISO 639-3 code `whatlang` knows.
    UnknownLanguage {
        /// The code given.
        code: String,
    },
    /// The text contains an invisible or control character.
    ControlCharacter {
        /// Its Unicode code point.
        codepoint: u32,
    },
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong { max } => write!(f, "must be at most {max} characters"),
            Self::TooMany { max } => write!(f, "must be at most {max}"),
            Self::Zero => f.write_str("must be greater than zero"),
            Self::Duplicate => f.write_str("duplicates an earlier entry"),
            Self::Inverted { other } => write!(f, "is on the wrong side of `{other}`"),
            Self::Contradiction { other } => write!(f, "contradicts `{other}`"),
            Self::UnknownLanguage { code } => {
                write!(
                    f,
                    "`{code}` is not a known ISO 639-3 language code (e.g. \"eng\")"
                )
            }
            Self::ControlCharacter { codepoint } => {
                write!(
                    f,
                    "contains the invisible or control character U+{codepoint:04X}"
                )
            }
        }
    }
}

/// Why a text could not be split into a reply chain (see
/// [`Error::Unsplittable`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitFailure {
    /// The text holds nothing but whitespace.
    Empty,
    /// One word, link, mention or tag is longer than a part may be; parts
    /// are never cut inside one.
    WordTooLong {
        /// Its length, measured by the budget's own rule.
        length: usize,
        /// The budget.
        max: usize,
        /// Which budget it exceeds.
        budget: Budget,
    },
    /// The text needs more parts than allowed (`needed` is the fewest
    /// parts that cutting between words gives).
    TooManyParts {
        /// Parts needed.
        needed: usize,
        /// Parts allowed.
        max_parts: usize,
    },
}

impl fmt::Display for SplitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the text is empty"),
            Self::WordTooLong {
                length,
                max,
                budget,
            } => {
                let which = match budget {
                    Budget::Platform => "the platform's limit",
                    Budget::Persona => "the persona's maximum",
                };
                write!(
                    f,
                    "a single word, link, mention or tag of length {length} exceeds {which} of {max}"
                )
            }
            Self::TooManyParts { needed, max_parts } => {
                write!(
                    f,
                    "needs {needed} parts where at most {max_parts} are allowed"
                )
            }
        }
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A persona field is invalid.
    #[error("invalid persona: `{field}` {reason}")]
    InvalidPersona {
        /// The field path (`"length.min"`, `"banned_words[2]"`).
        field: String,
        /// What is wrong.
        reason: InvalidReason,
    },
    /// A persona document could not be parsed; the message names the path.
    #[error("could not parse persona JSON at `{}`", .0.path())]
    PersonaJson(#[source] serde_path_to_error::Error<serde_json::Error>),
    /// A template failed to compile (at registration) or to render.
    #[error("prompt template `{name}` failed")]
    Template {
        /// The template's name.
        name: String,
        /// The template engine's error (with line information).
        #[source]
        source: minijinja::Error,
    },
    /// A template override uses a name the engine does not know.
    #[error(
        "unknown prompt template `{name}` (known: post, reply_comment, reply_mention, remix, insights_summary, system)"
    )]
    UnknownTemplate {
        /// The name given.
        name: String,
    },
    /// The platform limits are unusable (e.g. a zero length budget).
    #[error("invalid platform limits: {reason}")]
    InvalidLimits {
        /// What is wrong.
        reason: String,
    },
    /// A text failed the guardrails and could not be repaired.
    #[error("text rejected by the guardrails: {}", describe(.violations))]
    Rejected {
        /// Every reason, in the order found.
        violations: Vec<Violation>,
    },
    /// A text could not be split into a reply chain within the budget.
    #[error("cannot split the text into a chain: {reason}")]
    Unsplittable {
        /// Why.
        reason: SplitFailure,
    },
    /// The language model provider failed.
    #[error("language model call failed")]
    Provider(#[from] LlmError),
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
