//! Insights: `GET /{media-id}/insights` and `GET /{user-id}/threads_insights`.
//!
//! Every metric comes back as one [`Metric`] envelope in `data`, carrying its
//! numbers in one of three forms:
//!
//! - a time series, `values: [{value, end_time}]` (user `views`, media metrics);
//! - a total, `total_value: {value}` (user `likes`, `replies`, `reposts`,
//!   `quotes`, `followers_count`), possibly with `breakdowns`
//!   (`follower_demographics`);
//! - link totals, `link_total_values: [{value, link_url}]` (user `clicks`).
//!
//! [`Metric::total`] reads any of them as one number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum! {
    /// A metric of `GET /{media-id}/insights`.
    pub enum MediaMetric {
        /// Views (marked "in development" by Meta).
        Views = "views",
        /// Likes.
        Likes = "likes",
        /// Replies (all replies on a root post, direct replies on a reply).
        Replies = "replies",
        /// Reposts.
        Reposts = "reposts",
        /// Quotes.
        Quotes = "quotes",
        /// Shares (marked "in development" by Meta).
        Shares = "shares",
    }
}

impl MediaMetric {
    /// Every media metric.
    pub const ALL: [MediaMetric; 6] = [
        MediaMetric::Views,
        MediaMetric::Likes,
        MediaMetric::Replies,
        MediaMetric::Reposts,
        MediaMetric::Quotes,
        MediaMetric::Shares,
    ];
}

wire_enum! {
    /// A metric of `GET /{user-id}/threads_insights`.
    pub enum UserMetric {
        /// Profile views (a daily time series).
        Views = "views",
        /// Likes (total).
        Likes = "likes",
        /// Top-level replies (total).
        Replies = "replies",
        /// Reposts (total).
        Reposts = "reposts",
        /// Quotes (total).
        Quotes = "quotes",
        /// Link clicks per URL (`link_total_values`).
        Clicks = "clicks",
        /// Follower count (total; ignores `since`/`until`).
        FollowersCount = "followers_count",
        /// Follower demographics (needs a breakdown and ≥ 100 followers;
        /// ignores `since`/`until`).
        FollowerDemographics = "follower_demographics",
    }
}

impl UserMetric {
    /// Every user metric except `follower_demographics`, which must be asked
    /// for with a breakdown.
    pub const WITHOUT_DEMOGRAPHICS: [UserMetric; 7] = [
        UserMetric::Views,
        UserMetric::Likes,
        UserMetric::Replies,
        UserMetric::Reposts,
        UserMetric::Quotes,
        UserMetric::Clicks,
        UserMetric::FollowersCount,
    ];

    /// Whether the metric ignores `since`/`until`.
    pub fn ignores_time_range(&self) -> bool {
        matches!(self, Self::FollowersCount | Self::FollowerDemographics)
    }
}

wire_enum! {
    /// The `breakdown` of `follower_demographics` (exactly one per request).
    pub enum DemographicBreakdown {
        /// By country (ISO codes).
        Country = "country",
        /// By city.
        City = "city",
        /// By age range.
        Age = "age",
        /// By gender.
        Gender = "gender",
    }
}

wire_enum! {
    /// The `period` of a metric envelope.
    pub enum Period {
        /// Per day.
        Day = "day",
        /// Over the object's lifetime.
        Lifetime = "lifetime",
    }
}

/// One point of a time series: `{"value": 10, "end_time": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsightValue {
    /// The count.
    #[serde(default)]
    pub value: u64,
    /// End of the period counted (absent on lifetime media metrics).
    #[serde(
        default,
        with = "crate::model::time::iso_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<DateTime<Utc>>,
}

/// One breakdown result: `{"dimension_values": ["US"], "value": 900}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BreakdownResult {
    /// The values of the breakdown dimensions, in `dimension_keys` order.
    #[serde(default)]
    pub dimension_values: Vec<String>,
    /// The count.
    #[serde(default)]
    pub value: u64,
}

/// A breakdown: `{"dimension_keys": ["country"], "results": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Breakdown {
    /// The dimensions (e.g. `["country"]`).
    #[serde(default)]
    pub dimension_keys: Vec<String>,
    /// One entry per dimension value.
    #[serde(default)]
    pub results: Vec<BreakdownResult>,
}

/// A total: `{"value": 42}` or `{"breakdowns": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TotalValue {
    /// The total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u64>,
    /// Breakdowns (`follower_demographics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<Vec<Breakdown>>,
}

/// Clicks on one link: `{"value": 3, "link_url": "https://..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LinkValue {
    /// The number of clicks.
    #[serde(default)]
    pub value: u64,
    /// The link.
    #[serde(default)]
    pub link_url: String,
}

/// One metric envelope in an insights response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metric {
    /// The metric name (`likes`, `views`, ...).
    pub name: String,
    /// `day` or `lifetime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `<object-id>/insights/<metric>/<period>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Time-series form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<InsightValue>>,
    /// Total form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_value: Option<TotalValue>,
    /// Link-totals form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_total_values: Option<Vec<LinkValue>>,
}

impl Metric {
    /// The metric as one number: `total_value.value`, else the sum of
    /// `values`, else the sum of `link_total_values`, else the sum of the
    /// first breakdown's results.
    pub fn total(&self) -> Option<u64> {
        if let Some(v) = self.total_value.as_ref().and_then(|t| t.value) {
            return Some(v);
        }
        if let Some(values) = &self.values {
            return Some(values.iter().map(|v| v.value).sum());
        }
        if let Some(links) = &self.link_total_values {
            return Some(links.iter().map(|v| v.value).sum());
        }
        self.breakdowns()
            .first()
            .map(|b| b.results.iter().map(|r| r.value).sum())
    }

    /// The breakdowns of a total (empty when there are none).
    pub fn breakdowns(&self) -> &[Breakdown] {
        self.total_value
            .as_ref()
            .and_then(|t| t.breakdowns.as_deref())
            .unwrap_or(&[])
    }
}

/// `previous`/`next` links some insights responses carry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsightsPaging {
    /// URL of the previous period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// URL of the next period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An insights response: `{"data": [metric, ...]}`.
///
/// A repost's media insights are `{"data": []}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsightsResponse {
    /// One envelope per requested metric.
    #[serde(default)]
    pub data: Vec<Metric>,
    /// Period links, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<InsightsPaging>,
}

impl InsightsResponse {
    /// The envelope of the metric called `name`.
    pub fn metric(&self, name: impl AsRef<str>) -> Option<&Metric> {
        let name = name.as_ref();
        self.data.iter().find(|m| m.name == name)
    }

    /// Shortcut for `metric(name)?.total()`.
    pub fn total(&self, name: impl AsRef<str>) -> Option<u64> {
        self.metric(name)?.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_reads_every_form() {
        let r: InsightsResponse = serde_json::from_str(
            r#"{"data":[
              {"name":"views","period":"day","values":[{"value":2,"end_time":"2024-01-01T08:00:00+0000"},{"value":3}]},
              {"name":"likes","period":"day","total_value":{"value":7}},
              {"name":"clicks","link_total_values":[{"value":1,"link_url":"a"},{"value":4,"link_url":"b"}]},
              {"name":"follower_demographics","total_value":{"breakdowns":[{"dimension_keys":["age"],"results":[{"dimension_values":["18-24"],"value":5},{"dimension_values":["25-34"],"value":6}]}]}},
              {"name":"odd"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(r.total(UserMetric::Views), Some(5));
        assert_eq!(r.total("likes"), Some(7));
        assert_eq!(r.total(UserMetric::Clicks), Some(5));
        assert_eq!(r.total(UserMetric::FollowerDemographics), Some(11));
        assert_eq!(r.total("odd"), None);
        assert_eq!(r.total("missing"), None);
        assert_eq!(r.metric("views").unwrap().period, Some(Period::Day));
    }
}
