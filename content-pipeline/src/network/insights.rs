//! [`Insights`]: the metrics half of a network (account figures, audience
//! demographics, per-post figures) and the call-budget hint that paces it.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountAuth, NetworkError, PostId};

/// Metric names the pipeline reads. A network reports its figures under these
/// names where it has them (and may add its own); the queries of
/// [`crate::insights`] only look for these.
pub mod metric {
    /// Times the account or post was seen.
    pub const VIEWS: &str = "views";
    /// Likes.
    pub const LIKES: &str = "likes";
    /// Replies.
    pub const REPLIES: &str = "replies";
    /// Reposts.
    pub const REPOSTS: &str = "reposts";
    /// Quotes.
    pub const QUOTES: &str = "quotes";
    /// Shares (sends to other people or apps).
    pub const SHARES: &str = "shares";
    /// Clicks on links in the account's posts.
    pub const CLICKS: &str = "clicks";
    /// Followers of the account (a level, not a count over a period).
    pub const FOLLOWERS_COUNT: &str = "followers_count";
    /// The interactions an engagement rate counts: likes, replies, reposts
    /// and quotes.
    pub const ENGAGEMENTS: [&str; 4] = [LIKES, REPLIES, REPOSTS, QUOTES];
}

/// A dimension of the account's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Breakdown {
    /// Followers per country (ISO 3166 codes on Threads).
    Country,
    /// Followers per city.
    City,
    /// Followers per age range (`"18-24"`, ...).
    Age,
    /// Followers per gender.
    Gender,
}

impl Breakdown {
    /// Every breakdown, in a stable order.
    pub const ALL: [Breakdown; 4] = [
        Breakdown::Country,
        Breakdown::City,
        Breakdown::Age,
        Breakdown::Gender,
    ];

    /// The breakdown as text (`"country"`, `"city"`, `"age"`, `"gender"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::City => "city",
            Self::Age => "age",
            Self::Gender => "gender",
        }
    }

    /// Reads a breakdown from its text form.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == text)
    }
}

impl fmt::Display for Breakdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of the app's call budget the network says is used, from the
/// usage headers of its most recent answer that carried any.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageHint {
    /// The highest share of any budget reported (calls, CPU time, total
    /// time), in percent: 0 is untouched, 100 is exhausted.
    pub used_percent: Option<f64>,
    /// How long the network asked to wait before calling again, when it said.
    pub wait: Option<TimeDelta>,
}

impl UsageHint {
    /// A hint with the used share (percent) and an optional wait.
    pub fn new(used_percent: Option<f64>, wait: Option<TimeDelta>) -> Self {
        Self { used_percent, wait }
    }

    /// Whether the used share is at or above `threshold_percent`.
    pub fn at_least(&self, threshold_percent: f64) -> bool {
        self.used_percent
            .is_some_and(|used| used.is_finite() && used >= threshold_percent)
    }
}

/// The metrics half of a network: what an account and its posts achieved,
/// and who follows it.
///
/// Figures are platform-neutral: metric names as text (see [`metric`]),
/// values as integers. Object safe; the pipeline holds an
/// `Arc<dyn Insights>` ([`PipelineBuilder::insights`](crate::PipelineBuilder::insights)).
/// Failures are [`NetworkError`]s classed like the other network calls; a
/// throttled call is [`FailureClass::Retry`](super::FailureClass::Retry)
/// with the network's wait in [`NetworkError::retry_after`] when it gave one.
#[async_trait]
pub trait Insights: Send + Sync + fmt::Debug {
    /// The account's figures over `[since, until)`: counts over the range
    /// (views, likes, replies, reposts, quotes, clicks) and levels at the
    /// time of the call ([`metric::FOLLOWERS_COUNT`]).
    async fn account_metrics(
        &self,
        auth: &AccountAuth,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>, NetworkError>;

    /// Followers per value of `breakdown` (country code, city, age range or
    /// gender → followers), as of now.
    async fn demographics(
        &self,
        auth: &AccountAuth,
        breakdown: Breakdown,
    ) -> Result<BTreeMap<String, i64>, NetworkError>;

    /// One post's lifetime figures so far (views, likes, replies, reposts,
    /// quotes, shares). A post the network keeps no figures for (a repost)
    /// gives an empty map.
    async fn post_metrics(
        &self,
        auth: &AccountAuth,
        post: &PostId,
    ) -> Result<BTreeMap<String, i64>, NetworkError>;

    /// The share of the app's call budget used, from the usage headers of
    /// the most recent answer that carried any; `None` when the network never
    /// said. The pipeline backs off before the budget runs out.
    fn usage(&self) -> Option<UsageHint>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdowns_round_trip_as_text() {
        for b in Breakdown::ALL {
            assert_eq!(Breakdown::parse(b.as_str()), Some(b));
            assert_eq!(b.to_string(), b.as_str());
        }
        assert_eq!(Breakdown::parse("planet"), None);
    }

    #[test]
    fn usage_threshold_needs_a_reported_share() {
        assert!(UsageHint::new(Some(91.0), None).at_least(90.0));
        assert!(!UsageHint::new(Some(89.9), None).at_least(90.0));
        assert!(!UsageHint::new(None, Some(TimeDelta::minutes(3))).at_least(0.0));
        assert!(!UsageHint::new(Some(f64::NAN), None).at_least(0.0));
    }
}
