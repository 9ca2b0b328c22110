//! The snapshot job: each account measured on its own schedule, within the
//! app's call budget.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store_traits::{
    Account, AccountFilter, AccountId, AccountStatus, InsightQuery, InsightScope, InsightSnapshot,
    RecordKind,
};
use tracing::{debug, info};

use super::record::SnapshotKind;
use crate::error::{Error, Result};
use crate::jobs::{JobCtx, JobOutcome, Task};
use crate::network::{FailureClass, Insights, NetworkError};
use crate::pipeline::Pipeline;

/// Shortest interval between two snapshots of an account.
fn min_interval() -> TimeDelta {
    TimeDelta::minutes(1)
}

/// Shortest wait after a throttled or failed snapshot.
fn min_wait() -> TimeDelta {
    TimeDelta::minutes(1)
}

/// The longest range one account snapshot counts: after a longer gap (an
/// account paused for months) the counts restart from this far back rather
/// than asking the network for one huge range.
fn max_window() -> TimeDelta {
    TimeDelta::days(30)
}

/// What one snapshot stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotSummary {
    /// The account.
    pub account_id: AccountId,
    /// When the figures were read (the `taken_at` of every snapshot stored).
    pub taken_at: DateTime<Utc>,
    /// Whether account figures were stored (not when the previous snapshot
    /// was taken at the same instant: there was no time to count).
    pub account_metrics: bool,
    /// Demographics snapshots stored (one per breakdown).
    pub demographics: usize,
    /// Post snapshots stored.
    pub posts: usize,
    /// What was left out, one line each (a breakdown the network does not
    /// give for small audiences, a deleted post).
    pub skipped: Vec<String>,
}

/// The result of measuring an account.
enum Measured {
    Stored(SnapshotSummary),
    Failed(NetworkError),
}

/// Where inside each interval an account's snapshots fall: a fixed offset
/// derived from the account id, so accounts spread evenly over the interval.
pub(crate) fn slot_offset(account_id: AccountId, interval: TimeDelta) -> TimeDelta {
    let seconds = interval.num_seconds().max(1);
    let digest = Sha256::digest(account_id.to_string().as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    let spread = u64::from_be_bytes(first) % seconds.unsigned_abs();
    TimeDelta::seconds(i64::try_from(spread).unwrap_or(0))
}

/// The account's first snapshot slot strictly after `after`: slots are
/// `offset + k × interval` seconds from the Unix epoch.
pub(crate) fn next_slot(
    account_id: AccountId,
    after: DateTime<Utc>,
    interval: TimeDelta,
) -> DateTime<Utc> {
    let step = interval.num_seconds().max(1);
    let offset = slot_offset(account_id, interval).num_seconds();
    let t = after.timestamp();
    let k = (t - offset).div_euclid(step) + 1;
    DateTime::from_timestamp(offset + k * step, 0).unwrap_or(after + interval)
}

impl Pipeline {
    fn snapshot_interval(&self) -> TimeDelta {
        self.inner.config.insights.interval.max(min_interval())
    }

    /// The failure to report when the app's call budget is nearly used.
    fn over_budget(&self, insights: &dyn Insights) -> Option<NetworkError> {
        let policy = &self.inner.config.insights;
        let threshold = f64::from(policy.usage_threshold_percent);
        let hint = insights.usage()?;
        if !hint.at_least(threshold) {
            return None;
        }
        let used = hint.used_percent.unwrap_or(100.0);
        Some(
            NetworkError::new(
                FailureClass::Retry,
                format!(
                    "the app has used {used:.0}% of its call budget (snapshots wait from {threshold:.0}%)"
                ),
            )
            .with_retry_after(hint.wait.unwrap_or(policy.usage_backoff)),
        )
    }

    /// The end of the account's last counted range, if any.
    async fn last_counted(
        &self,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let store = &self.inner.store;
        let Some(latest) = store
            .latest_snapshot(account_id, &InsightScope::Account)
            .await?
        else {
            return Ok(None);
        };
        if let Some(SnapshotKind::Account { until, .. }) = SnapshotKind::of(&latest) {
            return Ok(Some(until));
        }
        // The newest account-level snapshot is a demographics one (same
        // instant, or a run stopped before its account figures): look back.
        let recent = store
            .list_snapshots(&InsightQuery {
                account_id,
                scope: InsightScope::Account,
                since: Some(now - max_window()),
                until: None,
                limit: None,
            })
            .await?;
        Ok(recent.iter().rev().find_map(|s| match SnapshotKind::of(s) {
            Some(SnapshotKind::Account { until, .. }) => Some(until),
            _ => None,
        }))
    }

    /// Reads the account's figures and stores them. Every network call
    /// comes first and the writes last, account figures at the very end, so
    /// a run that stops half-way stores nothing that a later run would count
    /// twice.
    async fn measure(&self, account: &Account, ctx: Option<&JobCtx>) -> Result<Measured> {
        let insights =
            self.inner.insights.clone().ok_or_else(|| {
                Error::Config("insights need an Insights network (insights)".into())
            })?;
        let policy = &self.inner.config.insights;
        if let Some(e) = self.over_budget(insights.as_ref()) {
            return Ok(Measured::Failed(e));
        }
        let now = self.inner.now();
        let since = self
            .last_counted(account.id, now)
            .await?
            .unwrap_or(now - self.snapshot_interval())
            .max(now - max_window());
        let posts = {
            let mut posts = self
                .published_posts(
                    account.id,
                    now - policy.post_lookback,
                    now + TimeDelta::seconds(1),
                )
                .await?;
            posts.reverse();
            posts.truncate(policy.max_posts);
            posts
        };
        let auth = self.inner.auth(account).await?;
        let mut summary = SnapshotSummary {
            account_id: account.id,
            taken_at: now,
            account_metrics: false,
            demographics: 0,
            posts: 0,
            skipped: Vec::new(),
        };

        // Whole seconds, as the network counts: two snapshots within one
        // second have no range between them to ask about.
        let account_figures = if since.timestamp() < now.timestamp() {
            match insights.account_metrics(&auth, since, now).await {
                Ok(m) => Some(m),
                Err(e) => return Ok(Measured::Failed(e)),
            }
        } else {
            None
        };

        let mut snapshots = Vec::new();
        let mut seen = BTreeSet::new();
        for breakdown in &policy.breakdowns {
            if !seen.insert(*breakdown) {
                continue;
            }
            if let Some(e) = self.over_budget(insights.as_ref()) {
                return Ok(Measured::Failed(e));
            }
            match insights.demographics(&auth, *breakdown).await {
                Ok(values) => {
                    let mut s = InsightSnapshot::new(account.id, None, now, values);
                    s.breakdowns = SnapshotKind::Demographics {
                        breakdown: *breakdown,
                    }
                    .to_value();
                    snapshots.push(s);
                    summary.demographics += 1;
                }
                Err(e) if e.class() == FailureClass::Terminal => {
                    summary
                        .skipped
                        .push(format!("{breakdown} demographics: {}", e.message()));
                }
                Err(e) => return Ok(Measured::Failed(e)),
            }
        }

        for post in &posts {
            if let Some(e) = self.over_budget(insights.as_ref()) {
                return Ok(Measured::Failed(e));
            }
            match insights.post_metrics(&auth, &post.post_id).await {
                Ok(values) => {
                    let mut s = InsightSnapshot::new(
                        account.id,
                        Some(post.post_id.as_str().to_owned()),
                        now,
                        values,
                    );
                    s.breakdowns = SnapshotKind::Post {
                        draft_id: post.draft_id,
                        published_at: post.published_at,
                    }
                    .to_value();
                    snapshots.push(s);
                    summary.posts += 1;
                }
                Err(e) if e.class() == FailureClass::Terminal => {
                    summary
                        .skipped
                        .push(format!("post {}: {}", post.post_id, e.message()));
                }
                Err(e) => return Ok(Measured::Failed(e)),
            }
        }
        drop(auth);

        // A worker that lost its job to another writes nothing.
        if let Some(ctx) = ctx {
            ctx.check_lease(&self.inner).await?;
        }
        let store = &self.inner.store;
        for s in &snapshots {
            store.record_snapshot(s).await?;
        }
        if let Some(metrics) = account_figures {
            let mut s = InsightSnapshot::new(account.id, None, now, metrics);
            s.breakdowns = SnapshotKind::Account { since, until: now }.to_value();
            store.record_snapshot(&s).await?;
            summary.account_metrics = true;
        }
        debug!(
            account = %account.id,
            demographics = summary.demographics,
            posts = summary.posts,
            skipped = summary.skipped.len(),
            "insights snapshot stored"
        );
        Ok(Measured::Stored(summary))
    }

    /// Queues the account's recurring snapshot job (one per account: calling
    /// again changes nothing while it is queued). The first snapshot is
    /// taken at the account's next slot: every
    /// [`InsightsPolicy::interval`](crate::config::InsightsPolicy::interval),
    /// at an offset derived from the account id, so many accounts spread
    /// over the interval. Returns when the job runs next, or `None` when the
    /// pipeline has no [`Insights`] network (nothing is queued then).
    pub async fn schedule_snapshots(&self, account_id: AccountId) -> Result<Option<DateTime<Utc>>> {
        if self.inner.insights.is_none() {
            return Ok(None);
        }
        if self.inner.store.get_account(account_id).await?.is_none() {
            return Err(store_traits::Error::not_found(RecordKind::Account, account_id).into());
        }
        let at = next_slot(account_id, self.inner.now(), self.snapshot_interval());
        let job = self
            .enqueue(Task::Snapshot { account_id }, account_id, at)
            .await?
            .into_inner();
        Ok(Some(job.run_at))
    }

    /// Queues the snapshot job of every active and paused account that has
    /// none (after an upgrade, or when jobs were lost); returns how many
    /// accounts were looked at. Accounts already scheduled keep their job.
    pub async fn schedule_all_snapshots(&self) -> Result<usize> {
        if self.inner.insights.is_none() {
            return Ok(0);
        }
        let mut seen = 0;
        for status in [AccountStatus::Active, AccountStatus::Paused] {
            let accounts = self
                .inner
                .store
                .list_accounts(&AccountFilter {
                    status: Some(status),
                    ..AccountFilter::default()
                })
                .await?;
            for account in accounts {
                self.schedule_snapshots(account.id).await?;
                seen += 1;
            }
        }
        Ok(seen)
    }

    /// Takes a snapshot of the account now, outside its schedule (the
    /// recurring job keeps its own times). The account must be active or
    /// paused.
    ///
    /// # Errors
    /// [`Error::Network`] when the network refused or throttled the reads,
    /// or the app's call budget is nearly used (class
    /// [`Retry`](FailureClass::Retry), with the wait in
    /// [`NetworkError::retry_after`]); nothing is stored then.
    /// [`Error::AccountNotActive`], [`Error::NoToken`], [`Error::Config`]
    /// without an [`Insights`] network.
    pub async fn snapshot_now(&self, account_id: AccountId) -> Result<SnapshotSummary> {
        let account = self
            .inner
            .store
            .get_account(account_id)
            .await?
            .ok_or_else(|| store_traits::Error::not_found(RecordKind::Account, account_id))?;
        if !matches!(
            account.status,
            AccountStatus::Active | AccountStatus::Paused
        ) {
            return Err(Error::AccountNotActive {
                account_id,
                status: account.status,
            });
        }
        match self.measure(&account, None).await? {
            Measured::Stored(summary) => Ok(summary),
            Measured::Failed(e) => Err(Error::network("take an insights snapshot", e)),
        }
    }

    /// The `Snapshot` job: measures the account and comes back at its next
    /// slot. A paused account, or one that needs re-authorization, is
    /// skipped until its next slot; a throttled or transient failure comes
    /// back after the network's wait (or
    /// [`InsightsPolicy::retry_after`](crate::config::InsightsPolicy::retry_after));
    /// a refused read skips this slot. The job ends when the account is
    /// disconnected.
    pub(crate) async fn snapshot_step(
        &self,
        ctx: &JobCtx,
        account_id: AccountId,
    ) -> Result<JobOutcome> {
        let store = &self.inner.store;
        let Some(account) = store.get_account(account_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let now = self.inner.now();
        let next = next_slot(account_id, now, self.snapshot_interval());
        if account.status == AccountStatus::Disconnected {
            return Ok(JobOutcome::Done);
        }
        if account.status != AccountStatus::Active {
            return Ok(JobOutcome::RetryAt {
                at: next,
                reason: format!("account is {}; snapshot skipped", account.status),
            });
        }
        if self.inner.insights.is_none() {
            return Ok(JobOutcome::Parked {
                reason: "the pipeline has no Insights network".into(),
            });
        }
        if store.token_metadata(account_id).await?.is_none() {
            return Ok(JobOutcome::Done);
        }
        match self.measure(&account, Some(ctx)).await? {
            Measured::Stored(summary) => {
                info!(
                    account = %account_id,
                    posts = summary.posts,
                    next = %next,
                    "insights snapshot taken"
                );
                Ok(JobOutcome::RetryAt {
                    at: next,
                    reason: "next snapshot".into(),
                })
            }
            Measured::Failed(e) if e.class().is_retryable() => {
                let wait = e
                    .retry_after()
                    .unwrap_or(self.inner.config.insights.retry_after)
                    .max(min_wait());
                info!(account = %account_id, error = %e, "insights snapshot waits");
                Ok(JobOutcome::RetryAt {
                    at: now + wait,
                    reason: e.to_string(),
                })
            }
            Measured::Failed(e) => Ok(JobOutcome::RetryAt {
                at: next,
                reason: format!("snapshot skipped: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn slots_recur_at_the_account_offset() {
        let day = TimeDelta::hours(24);
        let a = AccountId::new();
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let first = next_slot(a, now, day);
        assert!(first > now && first <= now + day);
        let second = next_slot(a, first, day);
        assert_eq!(second - first, day, "strictly after the slot itself");
        assert_eq!(next_slot(a, first - TimeDelta::seconds(1), day), first);
        let offset = slot_offset(a, day);
        assert_eq!((first.timestamp() - offset.num_seconds()) % 86_400, 0);
    }

    #[test]
    fn many_accounts_spread_over_the_interval() {
        let day = TimeDelta::hours(24);
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let mut per_hour = [0_usize; 24];
        for _ in 0..2_400 {
            let at = next_slot(AccountId::new(), now, day);
            let hour = usize::try_from((at - now).num_hours()).unwrap();
            per_hour[hour.min(23)] += 1;
        }
        // 100 per hour on average; no hour gets more than twice that.
        assert!(per_hour.iter().all(|n| *n > 40 && *n < 200), "{per_hour:?}");
    }
}
