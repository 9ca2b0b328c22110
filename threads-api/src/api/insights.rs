//! Insights: `GET /{media-id}/insights` and `GET /{user-id}/threads_insights`.
//!
//! Needs `threads_manage_insights`. See [`crate::model::insights`] for the
//! response forms (time series, totals, link totals, breakdowns).

use chrono::{DateTime, Utc};

use crate::client::{AccountClient, RequestSpec};
use crate::error::Result;
use crate::ids::MediaId;
use crate::model::{DemographicBreakdown, InsightsResponse, MediaMetric, UserMetric};
use crate::validation::{Reason, ValidationError};

/// The earliest `since`/`until` user insights accept: 2024-04-13 (`1712991600`).
/// Data before 2024-06-01 is not guaranteed.
pub const MIN_USER_INSIGHTS_TIME: i64 = 1_712_991_600;

impl AccountClient {
    /// Post and account insights.
    pub fn insights(&self) -> InsightsHandler {
        InsightsHandler {
            account: self.clone(),
        }
    }
}

/// Insights operations of one account.
#[derive(Debug, Clone)]
pub struct InsightsHandler {
    account: AccountClient,
}

impl InsightsHandler {
    /// A post's metrics, by default all of [`MediaMetric::ALL`]. A repost returns
    /// no metrics (`{"data": []}`).
    ///
    /// ```no_run
    /// # use threads_api::{AccountClient, ids::MediaId, model::MediaMetric};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let id = MediaId::new("18050000000000001");
    /// let insights = account
    ///     .insights()
    ///     .media(&id)
    ///     .metrics([MediaMetric::Likes, MediaMetric::Replies])
    ///     .send()
    ///     .await?;
    /// println!("likes: {:?}", insights.total(MediaMetric::Likes));
    /// # Ok(()) }
    /// ```
    pub fn media(&self, id: &MediaId) -> MediaInsights {
        MediaInsights {
            account: self.account.clone(),
            id: id.clone(),
            metrics: MediaMetric::ALL.to_vec(),
            since: None,
            until: None,
        }
    }

    /// The account's metrics, by default [`UserMetric::WITHOUT_DEMOGRAPHICS`]
    /// over Meta's default range (yesterday through today).
    ///
    /// ```no_run
    /// # use chrono::{Duration, Utc};
    /// # use threads_api::{AccountClient, model::{DemographicBreakdown, UserMetric}};
    /// # async fn run(account: AccountClient) -> Result<(), threads_api::Error> {
    /// let week = account
    ///     .insights()
    ///     .user()
    ///     .metrics([UserMetric::Views, UserMetric::Clicks])
    ///     .since(Utc::now() - Duration::days(7))
    ///     .send()
    ///     .await?;
    /// let by_country = account
    ///     .insights()
    ///     .user()
    ///     .follower_demographics(DemographicBreakdown::Country)
    ///     .send()
    ///     .await?;
    /// # let _ = (week, by_country); Ok(()) }
    /// ```
    pub fn user(&self) -> UserInsights {
        UserInsights {
            account: self.account.clone(),
            metrics: UserMetric::WITHOUT_DEMOGRAPHICS.to_vec(),
            breakdown: None,
            since: None,
            until: None,
        }
    }
}

fn join<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",")
}

fn no_metrics() -> ValidationError {
    ValidationError::new(
        "metric",
        Reason::TooFew {
            what: "metrics",
            min: 1,
            actual: 0,
        },
    )
}

/// Builder of `GET /{media-id}/insights`. Created by [`InsightsHandler::media`].
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct MediaInsights {
    account: AccountClient,
    id: MediaId,
    metrics: Vec<MediaMetric>,
    since: Option<i64>,
    until: Option<i64>,
}

impl MediaInsights {
    /// The metrics to fetch.
    pub fn metrics(mut self, metrics: impl IntoIterator<Item = MediaMetric>) -> Self {
        self.metrics = metrics.into_iter().collect();
        self
    }

    /// `since` (not documented for media insights, but sent by Meta's sample app).
    pub fn since(mut self, at: DateTime<Utc>) -> Self {
        self.since = Some(at.timestamp());
        self
    }

    /// `until` (not documented for media insights, but sent by Meta's sample app).
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.until = Some(at.timestamp());
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) when no metric is selected or
    /// `since` is not before `until`; any request error.
    pub async fn send(self) -> Result<InsightsResponse> {
        if self.metrics.is_empty() {
            return Err(no_metrics().into());
        }
        check_order(self.since, self.until)?;
        let spec = RequestSpec::get([self.id.as_str(), "insights"])
            .query("metric", join(&self.metrics))
            .query_opt("since", self.since.map(|s| s.to_string()))
            .query_opt("until", self.until.map(|s| s.to_string()))
            .token(&self.account.token);
        self.account.client.send(spec).await
    }
}

fn check_order(since: Option<i64>, until: Option<i64>) -> Result<(), ValidationError> {
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(ValidationError::new(
            "since",
            Reason::Invalid {
                message: format!("{since} must be earlier than `until` ({until})"),
            },
        ));
    }
    Ok(())
}

/// Builder of `GET /{user-id}/threads_insights`. Created by [`InsightsHandler::user`].
///
/// Checked before sending: at least one metric; `follower_demographics` comes
/// with exactly one breakdown and a breakdown only with it; `since`/`until` are
/// ≥ 2024-04-13, not in the future, and in order.
#[derive(Debug, Clone)]
#[must_use = "the request is sent by `send()`"]
pub struct UserInsights {
    account: AccountClient,
    metrics: Vec<UserMetric>,
    breakdown: Option<DemographicBreakdown>,
    since: Option<i64>,
    until: Option<i64>,
}

impl UserInsights {
    /// The metrics to fetch.
    pub fn metrics(mut self, metrics: impl IntoIterator<Item = UserMetric>) -> Self {
        self.metrics = metrics.into_iter().collect();
        self
    }

    /// `breakdown` of `follower_demographics`.
    pub fn breakdown(mut self, breakdown: DemographicBreakdown) -> Self {
        self.breakdown = Some(breakdown);
        self
    }

    /// Shortcut: only `follower_demographics`, broken down by `breakdown`.
    /// Needs at least 100 followers; ignores `since`/`until`.
    pub fn follower_demographics(self, breakdown: DemographicBreakdown) -> Self {
        self.metrics([UserMetric::FollowerDemographics])
            .breakdown(breakdown)
    }

    /// Start of the range (Unix seconds on the wire).
    pub fn since(mut self, at: DateTime<Utc>) -> Self {
        self.since = Some(at.timestamp());
        self
    }

    /// End of the range (Unix seconds on the wire).
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.until = Some(at.timestamp());
        self
    }

    /// Checks the parameters against the current time `now`.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the offending parameter.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if self.metrics.is_empty() {
            return Err(no_metrics());
        }
        let demographics = self.metrics.contains(&UserMetric::FollowerDemographics);
        if demographics && self.breakdown.is_none() {
            return Err(ValidationError::new(
                "breakdown",
                Reason::Required {
                    when: "with the follower_demographics metric",
                },
            ));
        }
        if !demographics && self.breakdown.is_some() {
            return Err(ValidationError::new(
                "breakdown",
                Reason::NotAllowed {
                    when: "without the follower_demographics metric",
                },
            ));
        }
        let now = now.timestamp();
        for (field, value) in [("since", self.since), ("until", self.until)] {
            if let Some(v) = value
                && !(MIN_USER_INSIGHTS_TIME..=now).contains(&v)
            {
                return Err(ValidationError::new(
                    field,
                    Reason::OutOfRange {
                        min: MIN_USER_INSIGHTS_TIME,
                        max: now,
                        actual: v,
                    },
                ));
            }
        }
        check_order(self.since, self.until)
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) (see [`validate`](Self::validate));
    /// any request error.
    pub async fn send(self) -> Result<InsightsResponse> {
        self.validate(Utc::now())?;
        let spec = RequestSpec::get([self.account.user_id.as_str(), "threads_insights"])
            .query("metric", join(&self.metrics))
            .query_opt("breakdown", self.breakdown.as_ref().map(|b| b.to_string()))
            .query_opt("since", self.since.map(|s| s.to_string()))
            .query_opt("until", self.until.map(|s| s.to_string()))
            .token(&self.account.token);
        self.account.client.send(spec).await
    }
}

awaitable!(MediaInsights => InsightsResponse);
awaitable!(UserInsights => InsightsResponse);
