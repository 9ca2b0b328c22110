//! Client-side validation errors.
//!
//! Requests are checked before they leave the process against the documented
//! Threads limits (500-character text budget, 5 unique links, poll options,
//! carousel sizes, which attachments go with which media type, ...). A failed
//! check produces a [`ValidationError`] naming the wire parameter and the reason:
//!
//! ```
//! use threads_api::validation::{Reason, ValidationError};
//!
//! let err = ValidationError::new(
//!     "poll_attachment.option_c",
//!     Reason::TooLong { max: 25, actual: 27 },
//! );
//! assert_eq!(
//!     err.to_string(),
//!     "`poll_attachment.option_c`: 27 characters, at most 25 allowed"
//! );
//! ```
//!
//! Passing client-side validation does not guarantee the server accepts the
//! request: Meta may apply rules that are not documented (see the crate docs on
//! the text budget and link counting).

use std::fmt;

/// A request parameter failed a client-side check.
///
/// `field` is the wire name of the parameter, with a dotted suffix for a part
/// of a JSON-valued parameter (`poll_attachment.option_a`,
/// `text_attachment.plaintext`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("`{field}`: {reason}")]
pub struct ValidationError {
    /// The wire name of the offending parameter.
    pub field: &'static str,
    /// Why the value was rejected.
    pub reason: Reason,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, reason: Reason) -> Self {
        Self { field, reason }
    }
}

/// Why a parameter was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The value is longer than allowed (lengths in the unit the limit uses:
    /// the Threads text budget for `text`, Unicode scalar values elsewhere).
    TooLong {
        /// Largest allowed length.
        max: usize,
        /// Length of the value.
        actual: usize,
    },
    /// The value is shorter than allowed (usually: empty).
    TooShort {
        /// Smallest allowed length.
        min: usize,
        /// Length of the value.
        actual: usize,
    },
    /// More items than allowed.
    TooMany {
        /// What is being counted (`"unique links"`, `"children"`, ...).
        what: &'static str,
        /// Largest allowed count.
        max: usize,
        /// Count found.
        actual: usize,
    },
    /// Fewer items than required.
    TooFew {
        /// What is being counted.
        what: &'static str,
        /// Smallest allowed count.
        min: usize,
        /// Count found.
        actual: usize,
    },
    /// A number outside its allowed range (inclusive bounds).
    OutOfRange {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
        /// The value given.
        actual: i64,
    },
    /// A required parameter is missing.
    Required {
        /// When it is required, e.g. `"for IMAGE containers"`.
        when: &'static str,
    },
    /// The parameter is not allowed in this request.
    NotAllowed {
        /// When it is not allowed, e.g. `"on IMAGE containers (TEXT only)"`.
        when: &'static str,
    },
    /// The parameter cannot be combined with another one.
    Conflicts {
        /// The wire name of the other parameter.
        other: &'static str,
    },
    /// The value contains a character that is not allowed.
    ForbiddenChar {
        /// The offending character.
        ch: char,
    },
    /// Two ranges (spoilers, styling) overlap.
    Overlapping {
        /// Index of the first range in the list.
        first: usize,
        /// Index of the second range in the list.
        second: usize,
    },
    /// A range points outside the text it refers to.
    RangeOutOfBounds {
        /// Index of the range in the list.
        index: usize,
        /// End of the range (offset + length).
        end: usize,
        /// Length of the text it refers to.
        text_len: usize,
    },
    /// Any other invalid value, with a human-readable explanation.
    Invalid {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooLong { max, actual } => {
                write!(f, "{actual} characters, at most {max} allowed")
            }
            Reason::TooShort { min, actual } => {
                write!(f, "{actual} characters, at least {min} required")
            }
            Reason::TooMany { what, max, actual } => {
                write!(f, "{actual} {what}, at most {max} allowed")
            }
            Reason::TooFew { what, min, actual } => {
                write!(f, "{actual} {what}, at least {min} required")
            }
            Reason::OutOfRange { min, max, actual } => {
                write!(f, "{actual} is out of range, allowed {min}..={max}")
            }
            Reason::Required { when } => write!(f, "required {when}"),
            Reason::NotAllowed { when } => write!(f, "not allowed {when}"),
            Reason::Conflicts { other } => write!(f, "cannot be combined with `{other}`"),
            Reason::ForbiddenChar { ch } => write!(f, "contains the forbidden character {ch:?}"),
            Reason::Overlapping { first, second } => {
                write!(f, "range #{second} overlaps range #{first}")
            }
            Reason::RangeOutOfBounds {
                index,
                end,
                text_len,
            } => write!(
                f,
                "range #{index} ends at {end}, past the end of the text ({text_len})"
            ),
            Reason::Invalid { message } => f.write_str(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_field_and_reason() {
        let cases = [
            (
                ValidationError::new(
                    "text",
                    Reason::TooLong {
                        max: 500,
                        actual: 501,
                    },
                ),
                "`text`: 501 characters, at most 500 allowed",
            ),
            (
                ValidationError::new(
                    "children",
                    Reason::TooFew {
                        what: "children",
                        min: 2,
                        actual: 1,
                    },
                ),
                "`children`: 1 children, at least 2 required",
            ),
            (
                ValidationError::new(
                    "maxwidth",
                    Reason::OutOfRange {
                        min: 320,
                        max: 658,
                        actual: 10,
                    },
                ),
                "`maxwidth`: 10 is out of range, allowed 320..=658",
            ),
            (
                ValidationError::new("topic_tag", Reason::ForbiddenChar { ch: '&' }),
                "`topic_tag`: contains the forbidden character '&'",
            ),
            (
                ValidationError::new(
                    "text_attachment.link_attachment_url",
                    Reason::Conflicts {
                        other: "link_attachment",
                    },
                ),
                "`text_attachment.link_attachment_url`: cannot be combined with `link_attachment`",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }
}
