//! Near-duplicate detection: a new draft's text against the account's recent
//! drafts and posts, by the overlap of their three-word sequences.

use std::collections::{HashMap, HashSet};

use store_traits::{AccountId, DraftFilter, DraftId, DraftState};
use unicode_segmentation::UnicodeSegmentation;

use super::error::SourceError;
use crate::error::Result;
use crate::pipeline::Pipeline;

/// Words per shingle.
const SHINGLE: usize = 3;

/// The text's word shingles: every run of three consecutive words
/// (lowercase; punctuation, emoji and links' punctuation ignored). A text of
/// fewer than three words is its set of words.
fn shingles(text: &str) -> HashSet<String> {
    let words: Vec<String> = text.unicode_words().map(str::to_lowercase).collect();
    if words.len() < SHINGLE {
        return words.into_iter().collect();
    }
    words.windows(SHINGLE).map(|w| w.join(" ")).collect()
}

/// Shingle sets smaller than this are compared by the Jaccard index rather
/// than by overlap (a handful of words is contained in many texts).
const MIN_OVERLAP_SET: usize = 6;

/// How alike two texts are, from 0 (nothing shared) to 1: the share of the
/// shorter text's word shingles that the other text also has (so a post
/// with an opener or a closing question added still matches), or, when
/// either text is very short, the Jaccard index of the two sets.
#[cfg(test)]
fn similarity(a: &str, b: &str) -> f64 {
    overlap(&shingles(a), &shingles(b))
}

fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    let smaller = a.len().min(b.len());
    if smaller < MIN_OVERLAP_SET {
        shared as f64 / (a.len() + b.len() - shared) as f64
    } else {
        shared as f64 / smaller as f64
    }
}

impl Pipeline {
    /// Refuses `text` when it is a near-duplicate of one of the account's
    /// recent drafts or posts (any state but rejected, created within
    /// [`SourcePolicy::near_duplicate_window`](crate::config::SourcePolicy::near_duplicate_window)):
    /// [`SourceError::NearDuplicate`] names the most similar one (the first
    /// part, for a reply chain, compared as the whole chain).
    pub(crate) async fn refuse_near_duplicate(
        &self,
        account_id: AccountId,
        text: &str,
    ) -> Result<()> {
        let policy = &self.inner.config.sources;
        if policy.near_duplicate_percent == 0 {
            return Ok(());
        }
        let since = self.inner.now() - policy.near_duplicate_window;
        let drafts = self
            .inner
            .store
            .list_drafts(&DraftFilter::account(account_id))
            .await?;
        let by_id: HashMap<DraftId, &store_traits::Draft> =
            drafts.iter().map(|d| (d.id, d)).collect();
        let candidate = shingles(text);
        let threshold = f64::from(policy.near_duplicate_percent.min(100)) / 100.0;
        let mut worst: Option<(DraftId, f64)> = None;
        for draft in &drafts {
            if draft.parent_draft_id.is_some()
                || draft.state == DraftState::Rejected
                || draft.created_at < since
            {
                continue;
            }
            let mut whole = draft.text.clone();
            for id in &draft.chain {
                if let Some(part) = by_id.get(id) {
                    whole.push('\n');
                    whole.push_str(&part.text);
                }
            }
            let score = overlap(&candidate, &shingles(&whole));
            if score >= threshold && worst.is_none_or(|(_, s)| score > s) {
                worst = Some((draft.id, score));
            }
        }
        match worst {
            Some((of, score)) => Err(SourceError::NearDuplicate {
                of,
                similarity: (score * 100.0).round().clamp(0.0, 100.0) as u8,
            }
            .into()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_are_one_and_unrelated_ones_near_zero() {
        let a = "Feed your starter twice a day and keep it warm.";
        assert!((similarity(a, a) - 1.0).abs() < 1e-9);
        assert!(
            (similarity(a, "FEED your starter, twice a day; and keep it warm!") - 1.0).abs() < 1e-9
        );
        assert!(similarity(a, "The match ended in a draw after extra time.") < 0.05);
        assert_eq!(similarity("", a), 0.0);
    }

    #[test]
    fn a_light_rewording_stays_similar() {
        let a = "Quick takeaway: feed your starter twice a day and keep it somewhere warm. What do you think?";
        let b = "Worth sharing: feed your starter twice a day and keep it somewhere warm. Would you try this?";
        let score = similarity(a, b);
        assert!((0.5..1.0).contains(&score), "{score}");
        // The same post with a sentence added is contained in it.
        let longer = format!("{a} I learned this the hard way last winter.");
        assert!((similarity(a, &longer) - 1.0).abs() < 1e-9);
        // Three words in common are not enough.
        assert!(similarity("keep it warm", a) < 0.5);
    }
}
