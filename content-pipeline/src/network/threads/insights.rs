//! [`Insights`] for Meta Threads: `GET /{user-id}/threads_insights` (account
//! metrics and follower demographics) and `GET /{media-id}/insights`
//! (per-post metrics), read with the `threads_manage_insights` permission.
//! See <https://developers.facebook.com/docs/threads/insights>.
//!
//! Account figures are asked for the exact range (`since`/`until`), so
//! consecutive snapshots add up; ranges before 2024-04-13, when Threads
//! insights start, are cut there. `threads-api` checks a range against the
//! machine's own clock: a range that ends in the machine's future (a
//! pipeline clock set ahead of it) is refused before sending, as a
//! [`FailureClass::Terminal`] failure. Follower demographics need at least
//! 100 followers; below that Threads refuses them (also terminal), and the
//! snapshot goes on without them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use threads_api::api::insights::MIN_USER_INSIGHTS_TIME;
use threads_api::ids::MediaId;
use threads_api::model::{DemographicBreakdown, InsightsResponse, UserMetric};

use super::{ThreadsPublisher, classify};
use crate::network::{
    AccountAuth, Breakdown, FailureClass, Insights, NetworkError, PostId, UsageHint,
};

/// Every metric envelope of a response as one number per name.
fn totals(response: &InsightsResponse) -> BTreeMap<String, i64> {
    response
        .data
        .iter()
        .filter_map(|m| {
            let value = i64::try_from(m.total()?).unwrap_or(i64::MAX);
            Some((m.name.clone(), value))
        })
        .collect()
}

fn breakdown(b: Breakdown) -> DemographicBreakdown {
    match b {
        Breakdown::Country => DemographicBreakdown::Country,
        Breakdown::City => DemographicBreakdown::City,
        Breakdown::Age => DemographicBreakdown::Age,
        Breakdown::Gender => DemographicBreakdown::Gender,
    }
}

/// The earliest instant user insights accept.
fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(MIN_USER_INSIGHTS_TIME, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

#[async_trait]
impl Insights for ThreadsPublisher {
    async fn account_metrics(
        &self,
        auth: &AccountAuth,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        // Threads refuses ranges before its insights start; nothing was
        // counted then anyway.
        // The API counts in whole seconds: a range shorter than a second is
        // empty there, whatever its sub-second parts.
        let since = since.max(earliest());
        if since.timestamp() >= until.timestamp() {
            return Err(NetworkError::new(
                FailureClass::Terminal,
                format!("an insights range must start before it ends ({since} ≥ {until})"),
            ));
        }
        let response = self
            .account(auth)
            .insights()
            .user()
            .metrics(UserMetric::WITHOUT_DEMOGRAPHICS)
            .since(since)
            .until(until)
            .send()
            .await
            .map_err(classify)?;
        Ok(totals(&response))
    }

    async fn demographics(
        &self,
        auth: &AccountAuth,
        by: Breakdown,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        let response = self
            .account(auth)
            .insights()
            .user()
            .follower_demographics(breakdown(by))
            .send()
            .await
            .map_err(classify)?;
        let mut out = BTreeMap::new();
        for metric in &response.data {
            for b in metric.breakdowns() {
                for result in &b.results {
                    let key = result.dimension_values.join(", ");
                    let value = i64::try_from(result.value).unwrap_or(i64::MAX);
                    *out.entry(key).or_insert(0) += value;
                }
            }
        }
        Ok(out)
    }

    async fn post_metrics(
        &self,
        auth: &AccountAuth,
        post: &PostId,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        let response = self
            .account(auth)
            .insights()
            .media(&MediaId::new(post.as_str()))
            .send()
            .await
            .map_err(classify)?;
        Ok(totals(&response))
    }

    fn usage(&self) -> Option<UsageHint> {
        let usage = self.client.last_usage()?;
        let used = usage.max_percent();
        let wait = usage.wait_hint().and_then(|d| TimeDelta::from_std(d).ok());
        (used.is_some() || wait.is_some()).then(|| UsageHint::new(used, wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_form_becomes_one_number() {
        let response: InsightsResponse = serde_json::from_str(
            r#"{"data":[
              {"name":"views","period":"day","values":[{"value":2},{"value":3}]},
              {"name":"likes","total_value":{"value":7}},
              {"name":"clicks","link_total_values":[{"value":1,"link_url":"a"},{"value":4,"link_url":"b"}]},
              {"name":"odd"}
            ]}"#,
        )
        .expect("response");
        let t = totals(&response);
        assert_eq!(t.get("views"), Some(&5));
        assert_eq!(t.get("likes"), Some(&7));
        assert_eq!(t.get("clicks"), Some(&5));
        assert!(!t.contains_key("odd"));
    }

    #[test]
    fn breakdowns_map_one_to_one() {
        for b in Breakdown::ALL {
            assert_eq!(breakdown(b).to_string(), b.as_str());
        }
    }
}
