//! Per-post figures: engagement rates, top posts and the topics of what
//! works.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{DraftId, InsightSnapshot};

use super::record::SnapshotKind;
use crate::network::{PostId, metric};

/// A published post as the pipeline knows it (from its draft), without
/// figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostFacts {
    /// The network's post id.
    pub post_id: PostId,
    /// The draft it was published from.
    pub draft_id: Option<DraftId>,
    /// When it went live.
    pub published_at: DateTime<Utc>,
    /// Its text.
    pub text: String,
    /// Its topic tag, if any.
    pub topic_tag: Option<String>,
}

impl PostFacts {
    /// A post known by id, time and text.
    pub fn new(post_id: PostId, published_at: DateTime<Utc>, text: impl Into<String>) -> Self {
        Self {
            post_id,
            draft_id: None,
            published_at,
            text: text.into(),
            topic_tag: None,
        }
    }
}

/// A post with its latest figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostPerformance {
    /// The post.
    pub post: PostFacts,
    /// When its figures were read.
    pub measured_at: DateTime<Utc>,
    /// Its figures (views, likes, replies, reposts, quotes, shares).
    pub metrics: BTreeMap<String, i64>,
}

impl PostPerformance {
    /// Views (0 when not reported).
    pub fn views(&self) -> i64 {
        self.metrics.get(metric::VIEWS).copied().unwrap_or(0)
    }

    /// Likes, replies, reposts and quotes together.
    pub fn engagements(&self) -> i64 {
        engagements(&self.metrics)
    }

    /// [`engagement_rate`] of the post.
    pub fn engagement_rate(&self) -> Option<f64> {
        engagement_rate(&self.metrics)
    }
}

/// Likes, replies, reposts and quotes together (missing ones count 0).
pub fn engagements(metrics: &BTreeMap<String, i64>) -> i64 {
    metric::ENGAGEMENTS
        .iter()
        .map(|name| metrics.get(*name).copied().unwrap_or(0).max(0))
        .fold(0_i64, i64::saturating_add)
}

/// The engagement rate: (likes + replies + reposts + quotes) / views, as a
/// fraction (0.05 is 5 %). `None` without views.
pub fn engagement_rate(metrics: &BTreeMap<String, i64>) -> Option<f64> {
    let views = metrics.get(metric::VIEWS).copied().unwrap_or(0);
    (views > 0).then(|| engagements(metrics) as f64 / views as f64)
}

/// Each post of `posts` with the figures of its latest snapshot in
/// `snapshots` (posts never measured are left out), oldest post first.
pub fn post_performance(
    posts: &[PostFacts],
    snapshots: &[InsightSnapshot],
) -> Vec<PostPerformance> {
    let mut latest: HashMap<&str, &InsightSnapshot> = HashMap::new();
    for s in snapshots {
        if !matches!(SnapshotKind::of(s), Some(SnapshotKind::Post { .. })) {
            continue;
        }
        let Some(id) = s.media_id.as_deref() else {
            continue;
        };
        let newer = latest
            .get(id)
            .is_none_or(|seen| (s.taken_at, s.id) > (seen.taken_at, seen.id));
        if newer {
            latest.insert(id, s);
        }
    }
    let mut out: Vec<PostPerformance> = posts
        .iter()
        .filter_map(|post| {
            let s = latest.get(post.post_id.as_str())?;
            Some(PostPerformance {
                post: post.clone(),
                measured_at: s.taken_at,
                metrics: s.metrics.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.post.published_at, &a.post.post_id).cmp(&(b.post.published_at, &b.post.post_id))
    });
    out
}

/// How posts are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostRanking {
    /// Most likes, replies, reposts and quotes (ties: most views).
    #[default]
    Engagements,
    /// Highest engagement rate (posts without views last).
    EngagementRate,
    /// Most views.
    Views,
}

/// The `n` best posts by `ranking`, best first (ties: the newer first).
pub fn top_posts(
    posts: &[PostPerformance],
    n: usize,
    ranking: PostRanking,
) -> Vec<PostPerformance> {
    let mut ranked: Vec<&PostPerformance> = posts.iter().collect();
    ranked.sort_by(|a, b| {
        let order = match ranking {
            PostRanking::Engagements => {
                (b.engagements(), b.views()).cmp(&(a.engagements(), a.views()))
            }
            PostRanking::EngagementRate => {
                let (ra, rb) = (a.engagement_rate(), b.engagement_rate());
                rb.partial_cmp(&ra).unwrap_or(std::cmp::Ordering::Equal)
            }
            PostRanking::Views => b.views().cmp(&a.views()),
        };
        order.then_with(|| b.post.published_at.cmp(&a.post.published_at))
    });
    ranked.into_iter().take(n).cloned().collect()
}

/// A word or hashtag of what works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Topic {
    /// The word or tag, lower case, without `#`.
    pub term: String,
    /// Whether it was used as a hashtag or topic tag.
    pub is_tag: bool,
    /// Posts that use it.
    pub posts: usize,
    /// How many of the better half of posts (by engagement rate) use it.
    pub best_posts: usize,
    /// Mean engagement rate of the posts that use it.
    pub engagement_rate: f64,
    /// That rate over the account's mean rate (2.0: twice as engaging as
    /// the account's average post).
    pub lift: f64,
}

/// Words shorter than this say little about a topic.
const MIN_WORD_CHARS: usize = 3;

/// The terms of a post: hashtags and its topic tag (as tags), and its other
/// words that are not function words.
fn terms(post: &PostFacts) -> BTreeMap<String, bool> {
    let mut out: BTreeMap<String, bool> = BTreeMap::new();
    if let Some(tag) = &post.topic_tag {
        let tag = tag.trim().trim_start_matches('#').to_lowercase();
        if !tag.is_empty() {
            out.insert(tag, true);
        }
    }
    for raw in post.text.split_whitespace() {
        if raw.starts_with('@') || raw.contains("://") {
            continue;
        }
        let is_tag = raw.starts_with('#');
        let word: String = raw
            .trim_start_matches('#')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '\'' || *c == '-')
            .collect::<String>()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if word.chars().count() < MIN_WORD_CHARS
            || word.chars().all(|c| c.is_numeric())
            || (!is_tag && persona_core::stopwords::is_stop_word(&word))
        {
            continue;
        }
        let entry = out.entry(word).or_insert(false);
        *entry |= is_tag;
    }
    out
}

/// The topics of what works: words and hashtags of the better half of the
/// posts (by engagement rate) whose posts are more engaging than the
/// account's average (lift above 1), used in at least two posts (one when
/// there are fewer than six measured posts). Ranked by lift, then by how
/// many of the better posts use them, tags before plain words, longer words
/// first; a term used in exactly the same posts as one ranked before it is
/// left out (it is the same topic); at most `n`.
pub fn top_topics(posts: &[PostPerformance], n: usize) -> Vec<Topic> {
    let rated: Vec<(&PostPerformance, f64)> = posts
        .iter()
        .filter_map(|p| Some((p, p.engagement_rate()?)))
        .collect();
    if rated.is_empty() || n == 0 {
        return Vec::new();
    }
    let mean = rated.iter().map(|(_, r)| r).sum::<f64>() / rated.len() as f64;
    if mean <= 0.0 {
        return Vec::new();
    }
    let mut by_rate: Vec<&(&PostPerformance, f64)> = rated.iter().collect();
    by_rate.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    let best_count = rated.len().div_ceil(2);
    let min_posts = if rated.len() < 6 { 1 } else { 2 };

    // term → (is_tag, posts, best posts, sum of rates, which posts)
    type Stats = (bool, usize, usize, f64, Vec<usize>);
    let mut stats: BTreeMap<String, Stats> = BTreeMap::new();
    for (rank, (post, rate)) in by_rate.iter().enumerate() {
        for (term, is_tag) in terms(&post.post) {
            let e = stats.entry(term).or_insert((false, 0, 0, 0.0, Vec::new()));
            e.0 |= is_tag;
            e.1 += 1;
            e.2 += usize::from(rank < best_count);
            e.3 += rate;
            e.4.push(rank);
        }
    }
    let mut topics: Vec<(Topic, Vec<usize>)> = stats
        .into_iter()
        .filter(|(_, (_, posts, best_posts, _, _))| *best_posts > 0 && *posts >= min_posts)
        .map(|(term, (is_tag, posts, best_posts, sum, which))| {
            let rate = sum / posts as f64;
            let topic = Topic {
                term,
                is_tag,
                posts,
                best_posts,
                engagement_rate: rate,
                lift: rate / mean,
            };
            (topic, which)
        })
        .filter(|(t, _)| t.lift > 1.0)
        .collect();
    topics.sort_by(|(a, _), (b, _)| {
        b.lift
            .partial_cmp(&a.lift)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.best_posts.cmp(&a.best_posts))
            .then(b.is_tag.cmp(&a.is_tag))
            .then(b.term.chars().count().cmp(&a.term.chars().count()))
            .then(a.term.cmp(&b.term))
    });
    // A term used in exactly the posts of a term ranked before it says
    // nothing more ("focaccia", "rosemary" and "balcony" of one post are
    // one topic): only the first, a tag when there is one, else the
    // longest word, is kept.
    let mut seen: Vec<Vec<usize>> = Vec::new();
    let mut kept = Vec::new();
    for (topic, which) in topics {
        if kept.len() == n {
            break;
        }
        if seen.contains(&which) {
            continue;
        }
        seen.push(which);
        kept.push(topic);
    }
    kept
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use store_traits::AccountId;

    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + TimeDelta::hours(h)
    }

    fn measured(id: &str, text: &str, views: i64, likes: i64, replies: i64) -> PostPerformance {
        PostPerformance {
            post: PostFacts::new(PostId::new(id), at(id.len() as i64), text),
            measured_at: at(100),
            metrics: BTreeMap::from([
                ("views".to_owned(), views),
                ("likes".to_owned(), likes),
                ("replies".to_owned(), replies),
            ]),
        }
    }

    fn snapshot(account: AccountId, post: &str, taken: i64, views: i64) -> InsightSnapshot {
        let mut s = InsightSnapshot::new(
            account,
            Some(post.to_owned()),
            at(taken),
            BTreeMap::from([("views".to_owned(), views), ("likes".to_owned(), 1)]),
        );
        s.breakdowns = SnapshotKind::Post {
            draft_id: None,
            published_at: at(0),
        }
        .to_value();
        s
    }

    #[test]
    fn rates_count_the_four_interactions_over_views() {
        let m = BTreeMap::from([
            ("views".to_owned(), 200),
            ("likes".to_owned(), 10),
            ("replies".to_owned(), 5),
            ("reposts".to_owned(), 3),
            ("quotes".to_owned(), 2),
            ("shares".to_owned(), 50),
        ]);
        assert_eq!(engagements(&m), 20);
        assert_eq!(engagement_rate(&m), Some(0.1));
        assert_eq!(engagement_rate(&BTreeMap::new()), None);
    }

    #[test]
    fn the_latest_snapshot_of_each_post_wins() {
        let a = AccountId::new();
        let snaps = vec![
            snapshot(a, "1", 10, 100),
            snapshot(a, "1", 30, 300),
            snapshot(a, "1", 20, 200),
            snapshot(a, "2", 5, 50),
        ];
        let posts = vec![
            PostFacts::new(PostId::new("1"), at(1), "one"),
            PostFacts::new(PostId::new("3"), at(3), "never measured"),
        ];
        let perf = post_performance(&posts, &snaps);
        assert_eq!(perf.len(), 1);
        assert_eq!(perf[0].views(), 300);
        assert_eq!(perf[0].measured_at, at(30));
    }

    #[test]
    fn top_posts_follow_the_ranking() {
        let posts = vec![
            measured("a", "x", 1000, 50, 0),
            measured("bb", "x", 100, 20, 5),
            measured("ccc", "x", 5000, 10, 0),
        ];
        let ids = |r: PostRanking| -> Vec<String> {
            top_posts(&posts, 2, r)
                .iter()
                .map(|p| p.post.post_id.to_string())
                .collect()
        };
        assert_eq!(ids(PostRanking::Engagements), ["a", "bb"]);
        assert_eq!(ids(PostRanking::EngagementRate), ["bb", "a"]);
        assert_eq!(ids(PostRanking::Views), ["ccc", "a"]);
    }

    #[test]
    fn topics_are_the_words_of_the_more_engaging_posts() {
        let posts = vec![
            measured("1", "Sourdough crumb shot #sourdough", 100, 20, 0),
            measured("2", "Another #sourdough loaf, open crumb", 100, 18, 0),
            measured("3", "Monday notes on the weather", 100, 2, 0),
            measured("4", "More notes on the weather today", 100, 3, 0),
            measured("5", "Weather again, and notes", 100, 1, 0),
            measured("6", "A #sourdough discard pancake", 100, 22, 0),
        ];
        let topics = top_topics(&posts, 3);
        let terms: Vec<&str> = topics.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms[0], "sourdough", "{topics:?}");
        assert!(topics[0].is_tag);
        assert_eq!(topics[0].posts, 3);
        assert!(topics[0].lift > 1.5);
        assert!(terms.contains(&"crumb"));
        assert!(
            !terms.contains(&"weather") && !terms.contains(&"notes"),
            "below-average words are not what works: {terms:?}"
        );
        assert!(!terms.contains(&"the"), "function words are left out");
        assert!(top_topics(&[], 3).is_empty());
    }

    #[test]
    fn words_of_exactly_the_same_posts_are_one_topic() {
        let tagged = vec![
            measured(
                "1",
                "Spelt focaccia with rosemary from the balcony #focaccia",
                100,
                30,
                0,
            ),
            measured("2", "Monday notes on the weather", 100, 2, 0),
            measured("3", "Weather again, and notes", 100, 1, 0),
        ];
        let topics = top_topics(&tagged, 3);
        let terms: Vec<&str> = topics.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["focaccia"], "{topics:?}");
        assert!(topics[0].is_tag);
        // Without the tag, the longest word of the post stands for it.
        let posts = vec![
            measured("1", "Spelt rosemary focaccia, on the balcony", 100, 30, 0),
            measured("2", "Monday notes on the weather", 100, 2, 0),
            measured("3", "Weather again, and notes", 100, 1, 0),
        ];
        let topics = top_topics(&posts, 3);
        let terms: Vec<&str> = topics.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["focaccia"], "{topics:?}");
        assert!(!topics[0].is_tag);
    }
}
