//! Summaries of a source: offline and extractive, or written by the
//! pipeline's language model.

use std::collections::HashMap;

use persona_core::CompletionRequest;
use persona_core::fence::{DATA_NOTICE, fence};
use persona_core::stopwords::is_stop_word;
use tracing::warn;
use unicode_segmentation::UnicodeSegmentation;

use crate::config::SummaryMode;
use crate::pipeline::Pipeline;

/// Longest sentence kept in a summary, in characters; longer ones are
/// usually lists or run-on boilerplate.
const MAX_SENTENCE_CHARS: usize = 400;

/// Lowercase content words of `text` (three letters or more, no stop words).
fn content_words(text: &str) -> Vec<String> {
    text.unicode_words()
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && w.chars().any(char::is_alphabetic))
        .filter(|w| !is_stop_word(w))
        .collect()
}

/// An extractive summary of `text`: the `max_sentences` sentences that best
/// represent it, in their original order.
///
/// Each sentence scores the document frequency of its content words, divided
/// by the square root of its length (so long sentences do not win by size),
/// with a bonus for coming early; very short and very long sentences are
/// passed over when others exist. No model is involved, so the same text
/// always gives the same summary.
///
/// ```
/// use content_pipeline::sources::extractive_summary;
///
/// let text = "Sourdough needs a lively starter. Feed the starter twice a day. \
///             The weather was nice. A lively starter doubles in six hours.";
/// let summary = extractive_summary(text, 1);
/// assert!(summary.contains("starter"));
/// ```
pub fn extractive_summary(text: &str, max_sentences: usize) -> String {
    if max_sentences == 0 {
        return String::new();
    }
    let sentences: Vec<&str> = text
        .unicode_sentences()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if sentences.len() <= max_sentences {
        return sentences.join(" ");
    }
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for word in content_words(text) {
        *frequency.entry(word).or_default() += 1;
    }
    let count = sentences.len() as f64;
    let mut scored: Vec<(usize, f64)> = sentences
        .iter()
        .enumerate()
        .map(|(i, sentence)| {
            let words = content_words(sentence);
            let chars = sentence.chars().count();
            let usable = words.len() >= 3 && chars <= MAX_SENTENCE_CHARS;
            let weight: f64 = words
                .iter()
                .map(|w| frequency.get(w).copied().unwrap_or(0) as f64)
                .sum::<f64>()
                / (words.len().max(1) as f64).sqrt();
            let early = 1.0 + 0.5 * (1.0 - i as f64 / count);
            let score = weight * early * if usable { 1.0 } else { 0.1 };
            (i, score)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = scored
        .into_iter()
        .take(max_sentences)
        .map(|(i, _)| i)
        .collect();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| sentences[i])
        .collect::<Vec<_>>()
        .join(" ")
}

impl Pipeline {
    /// The summary of a source's text, as the policy says: extractive, or
    /// by the language model (extractive when the model fails or answers
    /// nothing).
    pub(crate) async fn summarize(&self, title: Option<&str>, text: &str) -> String {
        let policy = &self.inner.config.sources;
        let extractive = || extractive_summary(text, policy.summary_sentences);
        if policy.summary == SummaryMode::Extractive || text.trim().is_empty() {
            return extractive();
        }
        let mut user = format!(
            "Summarise the source below in at most {} sentences, in its own language. \
             Keep only facts stated in it.\n\n",
            policy.summary_sentences.max(1)
        );
        if let Some(title) = title {
            user.push_str(&fence("title", title));
            user.push('\n');
        }
        user.push_str(&fence("source", text));
        let request = CompletionRequest::new(user)
            .system(format!(
                "You write short, neutral summaries. Security: {DATA_NOTICE} \
                 Output only the summary."
            ))
            .temperature(0.2)
            .max_tokens(300);
        match self.inner.llm.complete(&request).await {
            Ok(completion) if !completion.text.trim().is_empty() => {
                completion.text.trim().to_owned()
            }
            Ok(_) => extractive(),
            Err(e) => {
                warn!(error = %e, "the model could not summarise a source; using an extractive summary");
                extractive()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_representative_sentences_in_order() {
        let text = "Rye bread needs a sour starter to rise well. \
                    My neighbour has a dog. \
                    The starter for rye bread is kept stiffer than a wheat starter. \
                    It rained on Tuesday. \
                    A rye starter that is too young makes a dense, gummy bread.";
        let summary = extractive_summary(text, 2);
        assert!(summary.starts_with("Rye bread needs"), "{summary}");
        assert!(!summary.contains("dog"), "{summary}");
        assert!(!summary.contains("rained"), "{summary}");
        assert_eq!(summary.unicode_sentences().count(), 2, "{summary}");
    }

    #[test]
    fn short_texts_are_kept_whole_and_zero_sentences_is_empty() {
        assert_eq!(extractive_summary("One. Two.", 3), "One. Two.");
        assert_eq!(extractive_summary("One. Two.", 0), "");
        assert_eq!(extractive_summary("", 3), "");
    }
}
