//! How a text that was cut off ends: the deterministic rule behind
//! [`Violation::Truncated`](crate::Violation::Truncated), shared by the
//! guardrails and the chain splitter.
//!
//! A text counts as cut off when its last characters are one of:
//!
//! 1. an ellipsis (`…`, or two or more dots), possibly inside closing quotes
//!    or brackets — unless the persona ends posts that way on purpose;
//! 2. a dangling separator: `,` `;` `:` `-` `–` `—` `&` or an opening quote;
//! 3. for English, a word that cannot end a sentence: an article (`a`, `an`,
//!    `the`), a conjunction (`and`, `or`, `but`), `than`, or a possessive
//!    determiner (`your`, `their`, `our`).
//!
//! Rules 2 and 3 only look at a last token that is a plain word: a link
//! ending in `/`, a hashtag or a mention is a normal ending. Texts that end
//! with a letter, a digit, an emoji, `.`, `!`, `?` or a closing bracket pass,
//! so lowercase posts without a final period are not flagged. A cut inside
//! a word ("so you kn") cannot be told apart from a normal unpunctuated
//! ending without a dictionary and is not detected here; the model's own
//! stop reason (`FinishReason::Length`) is the signal for that case.

use crate::scan::{self, TokenKind};

/// Closing quotes and brackets looked through when searching for an ellipsis.
const CLOSERS: [char; 9] = [')', ']', '}', '"', '\'', '”', '’', '»', '›'];

/// Characters after which a text cannot have ended on purpose.
const DANGLING_MARKS: [char; 11] = [',', ';', ':', '-', '–', '—', '&', '“', '‘', '«', '‹'];

/// English words that cannot end a sentence (compared in lowercase; `a` only
/// in lowercase, so "Plan A" and "vitamin A" pass).
const DANGLING_WORDS: [&str; 9] = [
    "an", "the", "and", "or", "but", "than", "your", "their", "our",
];

/// The ending that shows `text` was cut off, if any (see the module docs).
/// `english` turns on the word rule; `ellipsis_ok` turns off the ellipsis
/// rule for personas that end posts with one on purpose.
pub(crate) fn cut_off_ending(text: &str, english: bool, ellipsis_ok: bool) -> Option<String> {
    let text = text.trim_end();
    let core = text.trim_end_matches(CLOSERS);
    let marks = &core[core.trim_end_matches(['.', '…']).len()..];
    if marks.contains('…') || marks.len() >= 2 {
        return (!ellipsis_ok).then(|| marks.to_owned());
    }
    let last = text.split_whitespace().next_back()?;
    if scan::classify(last) != TokenKind::Plain {
        return None;
    }
    let last_char = last.chars().next_back()?;
    if DANGLING_MARKS.contains(&last_char) {
        return Some(last_char.to_string());
    }
    if english {
        let word = last.trim_start_matches(['(', '[', '"', '\'', '“', '‘', '«']);
        let dangling = word == "a" || DANGLING_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w));
        if dangling {
            return Some(word.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> Option<String> {
        cut_off_ending(text, true, false)
    }

    #[test]
    fn ellipses_are_cut_offs_unless_allowed() {
        assert_eq!(cut("…pick one thing…").as_deref(), Some("…"));
        assert_eq!(cut("start with the dough...").as_deref(), Some("..."));
        assert_eq!(cut("and then..").as_deref(), Some(".."));
        assert_eq!(cut("he said \"wait…\"  ").as_deref(), Some("…"));
        assert_eq!(cut_off_ending("so good…", true, true), None);
        assert_eq!(cut("A full sentence."), None);
        assert_eq!(cut("Wait… it rose!"), None);
    }

    #[test]
    fn dangling_marks_and_words() {
        assert_eq!(cut("Three things to try:").as_deref(), Some(":"));
        assert_eq!(cut("flour, water,").as_deref(), Some(","));
        assert_eq!(cut("and then —").as_deref(), Some("—"));
        assert_eq!(cut("Start small and").as_deref(), Some("and"));
        assert_eq!(cut("I bought a").as_deref(), Some("a"));
        assert_eq!(cut("It is better than").as_deref(), Some("than"));
        // Only in English.
        assert_eq!(cut_off_ending("Start small and", false, false), None);
    }

    #[test]
    fn normal_endings_pass() {
        for text in [
            "small batch sourdough today. the crumb is finally open 🍞",
            "tip: weigh your water. cups lie. #baking",
            "What do you think?",
            "Plan A",
            "love this :)",
            "read more at https://example.com/",
            "thanks @bob",
            "rye starter is slower but the flavour is worth it",
            "Version 2.0",
            "",
        ] {
            assert_eq!(cut(text), None, "{text:?}");
        }
    }
}
