//! Splitting a text that is too long for one post into a reply chain: parts
//! that each fit a length budget, cut between sentences when possible and
//! between words otherwise.
//!
//! The rule, part by part:
//!
//! 1. If the rest of the text fits, it is the last part.
//! 2. Otherwise the part ends at the last sentence end (`.`, `!`, `?` or
//!    `…`, also before closing quotes or brackets, or a line break) that
//!    fits and does not leave the part looking cut off (see
//!    [`Violation::Truncated`](crate::Violation::Truncated): a final
//!    ellipsis, a dangling comma or dash, a dangling "the" or "and").
//! 3. With no such sentence end, it ends at the last word that fits and does
//!    not leave it looking cut off, else at the last word that fits.
//!
//! Parts are only ever cut at whitespace, so no word, link, mention or tag
//! is split: joining the parts with spaces gives back the text's words in
//! order. If sentence-first splitting needs more parts than allowed, the
//! splitter retries cutting at words, then packing each part as full as it
//! goes, before giving up with [`SplitFailure::TooManyParts`].
//!
//! Lengths are measured by the injected [`PlatformLimits::length`], so the
//! parts fit the platform's own counting rule. Each part should still go
//! through the guardrails ([`Guardrails::repair_post`] for the first,
//! [`Guardrails::repair_post`] or [`Guardrails::repair_reply`] for the
//! rest); a short last part may be under the persona's minimum length.

use crate::error::{Error, SplitFailure};
use crate::guardrails::{Budget, Guardrails, PlatformLimits};
use crate::scan;
use crate::truncation;

/// How far a piece of text goes over a budget.
struct Overrun {
    length: usize,
    max: usize,
    budget: Budget,
}

/// Splits `text` into at most `max_parts` parts that each measure at most
/// `limits.max_length` by `limits.length`, cutting between sentences when
/// possible and between words otherwise (see the [module docs](self)).
///
/// Fails with [`Error::Unsplittable`] when the text is empty, when a single
/// word, link, mention or tag is over the budget, or when more than
/// `max_parts` parts are needed. To also keep every part within the
/// persona's maximum length, use [`Guardrails::split_into_chain`].
///
/// ```
/// use persona_core::{PlatformLimits, split_into_chain};
/// let limits = PlatformLimits::characters("demo", 50);
/// let text = "Autolyse is a rest before salt. It lets gluten form on its own. \
///             You knead less and the crumb opens up.";
/// let parts = split_into_chain(text, &limits, 3)?;
/// assert_eq!(
///     parts,
///     [
///         "Autolyse is a rest before salt.",
///         "It lets gluten form on its own.",
///         "You knead less and the crumb opens up.",
///     ]
/// );
/// # Ok::<(), persona_core::Error>(())
/// ```
pub fn split_into_chain(
    text: &str,
    limits: &PlatformLimits,
    max_parts: usize,
) -> Result<Vec<String>, Error> {
    split(text, max_parts, |part| {
        let length = limits.length(part);
        (length > limits.max_length).then_some(Overrun {
            length,
            max: limits.max_length,
            budget: Budget::Platform,
        })
    })
}

impl Guardrails {
    /// Splits `text` like [`split_into_chain`], with every part within both
    /// the platform's budget and the persona's maximum length (in
    /// characters). Use it when [`repair_post`](Self::repair_post) rejects a
    /// text with [`Violation::TooLong`](crate::Violation::TooLong) and the
    /// text should go out as a reply chain; then check each part.
    pub fn split_into_chain(&self, text: &str, max_parts: usize) -> Result<Vec<String>, Error> {
        let limits = self.limits();
        let max_chars = self.persona().length.max;
        split(text, max_parts, |part| {
            let length = limits.length(part);
            if length > limits.max_length {
                return Some(Overrun {
                    length,
                    max: limits.max_length,
                    budget: Budget::Platform,
                });
            }
            let chars = part.chars().count();
            (chars > max_chars).then_some(Overrun {
                length: chars,
                max: max_chars,
                budget: Budget::Persona,
            })
        })
    }
}

/// Where a part may end, from most to least preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A sentence end, else a word that leaves no cut-off look, else any word.
    Sentences,
    /// A word that leaves no cut-off look, else any word.
    Words,
    /// The last word that fits (fewest parts).
    Packed,
}

fn unsplittable(reason: SplitFailure) -> Error {
    Error::Unsplittable { reason }
}

fn split(
    text: &str,
    max_parts: usize,
    over: impl Fn(&str) -> Option<Overrun>,
) -> Result<Vec<String>, Error> {
    let tokens: Vec<(usize, usize)> = scan::tokens(text).map(|t| (t.start, t.end())).collect();
    if tokens.is_empty() {
        return Err(unsplittable(SplitFailure::Empty));
    }
    for &(start, end) in &tokens {
        if let Some(o) = over(&text[start..end]) {
            return Err(unsplittable(SplitFailure::WordTooLong {
                length: o.length,
                max: o.max,
                budget: o.budget,
            }));
        }
    }
    let ends_sentence: Vec<bool> = tokens
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let line_break = tokens
                .get(i + 1)
                .is_none_or(|&(next, _)| text[end..next].contains('\n'));
            line_break || ends_with_terminator(&text[start..end])
        })
        .collect();
    let splitter = Splitter {
        text,
        tokens: &tokens,
        ends_sentence: &ends_sentence,
        over: &over,
    };
    let mut needed = 0;
    for mode in [Mode::Sentences, Mode::Words, Mode::Packed] {
        let ranges = splitter.run(mode);
        if ranges.len() <= max_parts {
            return Ok(ranges
                .into_iter()
                .map(|(i, j)| splitter.part(i, j).to_owned())
                .collect());
        }
        needed = ranges.len();
    }
    Err(unsplittable(SplitFailure::TooManyParts {
        needed,
        max_parts,
    }))
}

/// Whether a token ends a sentence: `.`, `!`, `?` or `…`, possibly followed
/// by closing quotes or brackets.
fn ends_with_terminator(token: &str) -> bool {
    token
        .trim_end_matches([')', ']', '"', '\'', '”', '’', '»'])
        .ends_with(['.', '!', '?', '…'])
}

struct Splitter<'a, F> {
    text: &'a str,
    /// Byte ranges of the whitespace-separated tokens.
    tokens: &'a [(usize, usize)],
    /// Whether a part may end after each token at a sentence boundary.
    ends_sentence: &'a [bool],
    over: &'a F,
}

impl<F: Fn(&str) -> Option<Overrun>> Splitter<'_, F> {
    /// Tokens `i..=j` as they stand in the text.
    fn part(&self, i: usize, j: usize) -> &str {
        &self.text[self.tokens[i].0..self.tokens[j].1]
    }

    fn fits(&self, i: usize, j: usize) -> bool {
        (self.over)(self.part(i, j)).is_none()
    }

    fn looks_cut(&self, i: usize, j: usize) -> bool {
        truncation::cut_off_ending(self.part(i, j), true, false).is_some()
    }

    /// Greedy split; returns the token range of each part.
    fn run(&self, mode: Mode) -> Vec<(usize, usize)> {
        let last = self.tokens.len() - 1;
        let mut out = Vec::new();
        let mut i = 0;
        while i <= last {
            let j = if self.fits(i, last) {
                last
            } else {
                // Binary search for the furthest fitting end. Invariant:
                // `lo` fits (a single token always does, checked up front),
                // `hi` does not; so the result fits even if the length
                // function is not monotonic.
                let (mut lo, mut hi) = (i, last);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.fits(i, mid) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                self.choose_end(i, lo, mode)
            };
            out.push((i, j));
            i = j + 1;
        }
        out
    }

    /// Picks where a part starting at token `i` ends, given that it may run
    /// up to token `furthest`.
    fn choose_end(&self, i: usize, furthest: usize, mode: Mode) -> usize {
        let sentence = || {
            (i..=furthest)
                .rev()
                .find(|&j| self.ends_sentence[j] && !self.looks_cut(i, j) && self.fits(i, j))
        };
        let word = || {
            (i..=furthest)
                .rev()
                .find(|&j| !self.looks_cut(i, j) && self.fits(i, j))
        };
        match mode {
            Mode::Sentences => sentence().or_else(word),
            Mode::Words => word(),
            Mode::Packed => None,
        }
        .unwrap_or(furthest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::Persona;

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn prefers_sentence_boundaries() {
        let limits = PlatformLimits::characters("t", 60);
        let text = "One short sentence. Another short sentence here. \
                    A third one that is a little longer than the rest.";
        let parts = split_into_chain(text, &limits, 5).unwrap();
        assert_eq!(
            parts,
            [
                "One short sentence. Another short sentence here.",
                "A third one that is a little longer than the rest."
            ]
        );
    }

    #[test]
    fn falls_back_to_words_without_dangling_endings() {
        let limits = PlatformLimits::characters("t", 30);
        let text =
            "this sentence has no end and keeps going with the words until the budget runs out";
        let parts = split_into_chain(text, &limits, 10).unwrap();
        for part in &parts {
            assert!(part.chars().count() <= 30, "{part:?}");
            assert_eq!(
                truncation::cut_off_ending(part, true, false),
                None,
                "{part:?}"
            );
        }
        assert_eq!(words(&parts.join(" ")), words(text));
    }

    #[test]
    fn line_breaks_are_boundaries_and_kept_inside_parts() {
        let limits = PlatformLimits::characters("t", 40);
        let text = "Shopping list\nflour\nwater\nsalt and a good starter for the weekend bake";
        let parts = split_into_chain(text, &limits, 5).unwrap();
        assert_eq!(parts[0], "Shopping list\nflour\nwater");
        assert_eq!(words(&parts.join(" ")), words(text));
    }

    #[test]
    fn typed_failures() {
        let limits = PlatformLimits::new("bytes", 20, |s: &str| s.len());
        assert!(matches!(
            split_into_chain(" \n ", &limits, 3),
            Err(Error::Unsplittable {
                reason: SplitFailure::Empty
            })
        ));
        assert!(matches!(
            split_into_chain("see https://example.com/a/very/long/path", &limits, 3),
            Err(Error::Unsplittable {
                reason: SplitFailure::WordTooLong {
                    length: 36,
                    max: 20,
                    budget: Budget::Platform
                }
            })
        ));
        let text = "one two three four five six seven eight nine ten eleven twelve";
        assert!(matches!(
            split_into_chain(text, &limits, 2),
            Err(Error::Unsplittable {
                reason: SplitFailure::TooManyParts {
                    needed: 4,
                    max_parts: 2
                }
            })
        ));
        assert!(matches!(
            split_into_chain("hi", &limits, 0),
            Err(Error::Unsplittable {
                reason: SplitFailure::TooManyParts {
                    needed: 1,
                    max_parts: 0
                }
            })
        ));
    }

    #[test]
    fn retries_with_fuller_parts_when_sentences_need_too_many() {
        let limits = PlatformLimits::characters("t", 25);
        // Sentence-first gives three parts ("Yes.", then the long sentence
        // in two); packing gives two.
        let text = "Yes. The dough rested for an hour before shaping";
        assert_eq!(split_into_chain(text, &limits, 3).unwrap().len(), 3);
        let packed = split_into_chain(text, &limits, 2).unwrap();
        assert_eq!(packed.len(), 2);
        assert_eq!(words(&packed.join(" ")), words(text));
    }

    #[test]
    fn guardrails_split_honours_the_persona_maximum() {
        let mut persona = Persona::new("Ana");
        persona.length.min = 0;
        persona.length.max = 30;
        let rails = Guardrails::new(&persona, PlatformLimits::characters("t", 500)).unwrap();
        let text = "First we mix flour and water. Then we wait an hour. Then we add salt.";
        let parts = rails.split_into_chain(text, 5).unwrap();
        assert_eq!(
            parts,
            [
                "First we mix flour and water.",
                "Then we wait an hour.",
                "Then we add salt."
            ]
        );
        assert!(matches!(
            rails.split_into_chain("supercalifragilisticexpialidocious!!", 5),
            Err(Error::Unsplittable {
                reason: SplitFailure::WordTooLong {
                    budget: Budget::Persona,
                    ..
                }
            })
        ));
    }
}
