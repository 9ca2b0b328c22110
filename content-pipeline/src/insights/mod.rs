//! Insights: snapshots of account, audience and post figures over time, and
//! the queries a dashboard needs.
//!
//! # Snapshots
//!
//! [`Pipeline::schedule_snapshots`] queues an account's recurring `Snapshot`
//! job (connecting an account does it; [`Pipeline::schedule_all_snapshots`]
//! catches up accounts connected before); [`Pipeline::snapshot_now`] takes
//! one at once. Each run reads, through the [`Insights`](crate::Insights)
//! network:
//!
//! * the account's figures since its previous snapshot (views, likes,
//!   replies, reposts, quotes, clicks) and its follower count;
//! * its followers per country, city, age and gender (one snapshot per
//!   breakdown of [`InsightsPolicy::breakdowns`](crate::config::InsightsPolicy::breakdowns));
//! * the lifetime figures of each post it published through the pipeline in
//!   the last [`InsightsPolicy::post_lookback`](crate::config::InsightsPolicy::post_lookback)
//!   (the drafts know the post ids); older posts keep their last figures.
//!
//! They are stored with the store's [`InsightStore`](store_traits::InsightStore),
//! laid out as [`SnapshotKind`] says, so a host can read them directly too.
//!
//! # Schedule and call budget
//!
//! Every account runs on its own schedule: every
//! [`InsightsPolicy::interval`](crate::config::InsightsPolicy::interval), at an
//! offset inside the interval derived from its id, so a thousand accounts
//! spread over the day instead of firing together. The job never hammers the
//! network: when the last answer's usage headers say the app has used
//! [`InsightsPolicy::usage_threshold_percent`](crate::config::InsightsPolicy::usage_threshold_percent)
//! of its budget, or a call is throttled, the run stores nothing and comes
//! back after the network's wait (or a configured one). Threads limits calls
//! per app and per user over a rolling 24 hours
//! (<https://developers.facebook.com/docs/threads/overview#rate-limiting>).
//!
//! # Queries
//!
//! Each query is a pure function over snapshots, public for hosts that load
//! snapshots themselves ([`growth`], [`post_performance`], [`heat_map`],
//! [`top_posts`], [`top_topics`], [`demographic_shift`],
//! [`StrategistReport::compose`]), and a [`Pipeline`] method that loads the
//! account's data and reads hours and days in its persona's time zone:
//!
//! | question | call |
//! |---|---|
//! | growth over a period, per day | [`Pipeline::growth`] |
//! | engagement rate per post | [`Pipeline::post_performance`] ([`PostPerformance::engagement_rate`]) |
//! | best posting hours (weekday × hour) | [`Pipeline::best_hours`] |
//! | top posts, top topics | [`Pipeline::top_posts`], [`Pipeline::top_topics`] |
//! | the audience, and how it shifted | [`Pipeline::audience`], [`Pipeline::demographic_shift`] |
//! | an audit: what works, what to post more of, when | [`Pipeline::strategist_report`] |
//!
//! The engagement rate is (likes + replies + reposts + quotes) / views.
//! [`Pipeline::apply_best_hours`] (opt-in) turns the best hours into the
//! persona's posting windows.

mod audience;
mod growth;
mod hours;
mod job;
mod posts;
mod record;
mod report;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use persona_core::PostingWindow;
use store_traits::{
    AccountId, DraftFilter, DraftKind, DraftState, InsightQuery, InsightScope, InsightSnapshot,
};

pub use audience::{Audience, DemographicShift, ShareChange, demographic_shift};
pub use growth::{DayGrowth, Growth, growth};
pub use hours::{HeatMap, HourSlot, heat_map, posting_windows};
pub use job::SnapshotSummary;
pub use posts::{
    PostFacts, PostPerformance, PostRanking, Topic, engagement_rate, engagements, post_performance,
    top_posts, top_topics,
};
pub use record::SnapshotKind;
pub use report::StrategistReport;

use crate::actor::Actor;
use crate::config::ReportWriter;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::network::{Breakdown, PostId};
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// How far around a period account snapshots are read: a snapshot counts
/// from the one before it, which may lie up to this long before.
fn reach() -> TimeDelta {
    TimeDelta::days(31)
}

fn check_period(since: DateTime<Utc>, until: DateTime<Utc>) -> Result<()> {
    if since >= until {
        return Err(Error::InvalidInput(format!(
            "a period must start before it ends ({since} is not before {until})"
        )));
    }
    Ok(())
}

impl Pipeline {
    /// The account's time zone (its persona's; UTC without a persona).
    async fn time_zone(&self, account_id: AccountId) -> Result<Tz> {
        Ok(self.persona_document(account_id).await?.1.persona.time_zone)
    }

    /// The account's top-level posts (posts and quotes, first parts of
    /// chains) published through the pipeline in `[since, until)`, oldest
    /// first.
    pub(crate) async fn published_posts(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PostFacts>> {
        let drafts = self
            .inner
            .store
            .list_drafts(&DraftFilter {
                account_id: Some(account_id),
                states: vec![DraftState::Published],
                ..DraftFilter::default()
            })
            .await?;
        let mut posts: Vec<PostFacts> = drafts
            .into_iter()
            .filter(|d| {
                d.parent_draft_id.is_none() && matches!(d.kind, DraftKind::Post | DraftKind::Quote)
            })
            .filter_map(|d| {
                let published_at = d.published_at?;
                if published_at < since || published_at >= until {
                    return None;
                }
                Some(PostFacts {
                    post_id: PostId::new(d.provider.media_id?),
                    draft_id: Some(d.id),
                    published_at,
                    text: d.text,
                    topic_tag: d.topic_tag,
                })
            })
            .collect();
        posts.sort_by(|a, b| (a.published_at, &a.post_id).cmp(&(b.published_at, &b.post_id)));
        Ok(posts)
    }

    async fn snapshots(
        &self,
        account_id: AccountId,
        scope: InsightScope,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<InsightSnapshot>> {
        Ok(self
            .inner
            .store
            .list_snapshots(&InsightQuery {
                account_id,
                scope,
                since,
                until,
                limit: None,
            })
            .await?)
    }

    /// Growth of the account over `[since, until)`: counts over the period
    /// and per day in the persona's zone, and the follower count's move
    /// (see [`Growth`] for how ranges are shared out).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`.
    pub async fn growth(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Growth> {
        check_period(since, until)?;
        let zone = self.time_zone(account_id).await?;
        let snapshots = self
            .snapshots(
                account_id,
                InsightScope::Account,
                Some(since - reach()),
                Some(until + reach()),
            )
            .await?;
        Ok(growth(&snapshots, since, until, zone))
    }

    /// The account's posts published in `[since, until)` with their latest
    /// figures, oldest first (posts not measured yet are left out). Each
    /// has its [`engagement_rate`](PostPerformance::engagement_rate).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`.
    pub async fn post_performance(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<PostPerformance>> {
        check_period(since, until)?;
        let posts = self.published_posts(account_id, since, until).await?;
        let Some(first) = posts.first() else {
            return Ok(Vec::new());
        };
        let snapshots = self
            .snapshots(
                account_id,
                InsightScope::All,
                Some(first.published_at),
                None,
            )
            .await?;
        Ok(post_performance(&posts, &snapshots))
    }

    /// The weekday × hour heat map of the posts published in
    /// `[since, until)`, in the persona's zone; [`HeatMap::best`] gives the
    /// best hours.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`.
    pub async fn best_hours(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<HeatMap> {
        let posts = self.post_performance(account_id, since, until).await?;
        let zone = self.time_zone(account_id).await?;
        Ok(heat_map(&posts, zone))
    }

    /// The `n` best posts published in `[since, until)` by `ranking`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`.
    pub async fn top_posts(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        n: usize,
        ranking: PostRanking,
    ) -> Result<Vec<PostPerformance>> {
        let posts = self.post_performance(account_id, since, until).await?;
        Ok(top_posts(&posts, n, ranking))
    }

    /// The topics (words and hashtags) of the more engaging posts published
    /// in `[since, until)`; see [`top_topics`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`.
    pub async fn top_topics(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        n: usize,
    ) -> Result<Vec<Topic>> {
        let posts = self.post_performance(account_id, since, until).await?;
        Ok(top_topics(&posts, n))
    }

    async fn demographics_snapshots(
        &self,
        account_id: AccountId,
        breakdown: Breakdown,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<InsightSnapshot>> {
        let all = self
            .snapshots(account_id, InsightScope::Account, since, until)
            .await?;
        Ok(all
            .into_iter()
            .filter(|s| {
                matches!(SnapshotKind::of(s), Some(SnapshotKind::Demographics { breakdown: b }) if b == breakdown)
            })
            .collect())
    }

    /// The account's latest audience by `breakdown` (`None` before its
    /// first snapshot, or when the network gives none, as Threads does for
    /// accounts with fewer than 100 followers).
    pub async fn audience(
        &self,
        account_id: AccountId,
        breakdown: Breakdown,
    ) -> Result<Option<Audience>> {
        let snapshots = self
            .demographics_snapshots(account_id, breakdown, None, None)
            .await?;
        Ok(snapshots.last().and_then(Audience::of))
    }

    /// How the audience by `breakdown` shifted over `[since, until)`: from
    /// the first snapshot taken in the period to the last one.
    ///
    /// # Errors
    /// [`Error::NoInsights`] when the period holds fewer than two snapshots
    /// of the breakdown; [`Error::InvalidInput`] when `since` is not before
    /// `until`.
    pub async fn demographic_shift(
        &self,
        account_id: AccountId,
        breakdown: Breakdown,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<DemographicShift> {
        check_period(since, until)?;
        let snapshots = self
            .demographics_snapshots(account_id, breakdown, Some(since), Some(until))
            .await?;
        let none = || Error::NoInsights {
            account_id,
            reason: format!("fewer than two {breakdown} demographics snapshots in the period"),
        };
        match (snapshots.first(), snapshots.last()) {
            (Some(first), Some(last)) if first.taken_at < last.taken_at => {
                demographic_shift(first, last).ok_or_else(none)
            }
            _ => Err(none()),
        }
    }

    /// An audit of the account over `[since, until)`: growth (against the
    /// period of the same length before), what works (topics, the best
    /// post), what to post more of, when to post (best hours in the
    /// persona's zone) and how the audience by country moved, with a summary
    /// for the owner. The summary is computed from the figures
    /// ([`ReportWriter::Offline`], the default) or written by the pipeline's
    /// language model from persona-core's `insights_summary` prompt
    /// ([`ReportWriter::Provider`] in
    /// [`InsightsPolicy::report_writer`](crate::config::InsightsPolicy::report_writer));
    /// when the model fails, the computed summary is kept and
    /// [`StrategistReport::writer_error`] says why.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `since` is not before `until`; store
    /// failures.
    pub async fn strategist_report(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<StrategistReport> {
        check_period(since, until)?;
        let current = self.growth(account_id, since, until).await?;
        let before = self
            .growth(account_id, since - (until - since), since)
            .await?;
        let previous = (before.snapshots > 0).then_some(before);
        let posts = self.post_performance(account_id, since, until).await?;
        let shift = match self
            .demographic_shift(account_id, Breakdown::Country, since, until)
            .await
        {
            Ok(shift) => Some(shift),
            Err(Error::NoInsights { .. }) => None,
            Err(e) => return Err(e),
        };
        let mut report = StrategistReport::compose(account_id, current, previous, &posts, shift);
        if self.inner.config.insights.report_writer == ReportWriter::Provider {
            let (_, doc) = self.persona_document(account_id).await?;
            let task = persona_core::Task::InsightsSummary(report.insights_task());
            let written = match self.inner.prompts.render(&doc.persona, &task) {
                Ok(prompt) => self
                    .inner
                    .llm
                    .complete(&prompt.to_request())
                    .await
                    .map(|c| c.text)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match written {
                Ok(text) if !text.trim().is_empty() => {
                    report.summary = text.trim().to_owned();
                    report.written_by = ReportWriter::Provider;
                }
                Ok(_) => report.writer_error = Some("the model wrote nothing".into()),
                Err(e) => report.writer_error = Some(e),
            }
        }
        Ok(report)
    }

    /// Sets the persona's posting windows to the account's `top_n` best
    /// hours (weekday × hour, in the persona's zone) over the last
    /// [`InsightsPolicy::best_hours_period`](crate::config::InsightsPolicy::best_hours_period):
    /// one window per hour, on the weekdays that hour was best. Opt-in: the
    /// pipeline never calls it by itself. Writes the persona record and
    /// records an [`Event::PostingWindowsApplied`] for `actor`. Returns the
    /// new windows. Needs [`Operation::EditPersona`].
    ///
    /// # Errors
    /// [`Error::Forbidden`] when `actor` may not edit the persona;
    /// [`Error::NoInsights`] when no post of the period has figures;
    /// [`Error::InvalidInput`] when `top_n` is 0 or the account has no
    /// persona.
    pub async fn apply_best_hours(
        &self,
        account_id: AccountId,
        actor: &Actor,
        top_n: usize,
    ) -> Result<Vec<PostingWindow>> {
        self.inner
            .authorize(actor, Operation::EditPersona, account_id)
            .await?;
        if top_n == 0 {
            return Err(Error::InvalidInput(
                "apply_best_hours needs at least one hour".into(),
            ));
        }
        let Some((mut record, mut doc)) = self.inner.persona(account_id).await? else {
            return Err(Error::InvalidInput(format!(
                "account {account_id} has no persona to update"
            )));
        };
        let now = self.inner.now();
        let period = self.inner.config.insights.best_hours_period;
        let posts = self
            .post_performance(account_id, now - period, now + TimeDelta::seconds(1))
            .await?;
        let best = heat_map(&posts, doc.persona.time_zone).best(top_n);
        if best.is_empty() {
            return Err(Error::NoInsights {
                account_id,
                reason: format!("no post of the last {} days has figures", period.num_days()),
            });
        }
        let windows = posting_windows(&best);
        doc.persona.posting_windows = windows.clone();
        doc.persona.validate()?;
        record.document = serde_json::to_value(&doc).map_err(|e| {
            Error::InvalidInput(format!("persona {} cannot be written: {e}", record.id))
        })?;
        record.updated_at = now;
        self.inner.store.put_persona(&record).await?;
        self.inner
            .record(
                actor,
                Event::PostingWindowsApplied {
                    account_id,
                    persona_id: record.id,
                    windows: windows.iter().map(hours::describe_window).collect(),
                },
            )
            .await?;
        Ok(windows)
    }
}
