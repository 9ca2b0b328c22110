//! Insights end to end on the emulator: snapshots over simulated months on
//! the manual clock, growth that matches the emulator's own figures,
//! engagement rates, best hours in a non-UTC zone, top posts and topics,
//! audience shifts, the strategist report, the call budget and throttling,
//! and per-account schedules.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use common::Harness;
use content_pipeline::config::ReportWriter;
use content_pipeline::insights::{PostRanking, SnapshotKind};
use content_pipeline::{
    AccountAuth, Actor, Breakdown, Error, FailureClass, Insights, NetworkError, NewDraft, Pipeline,
    PipelineConfig, PostId, Role, UsageHint, When,
};
use secrecy::ExposeSecret;
use store_traits::{
    AccountId, AuditQuery, Clock, DraftState, InsightQuery, InsightScope, Job, JobFilter, JobState,
};
use threads_api::AccessToken;
use threads_api::model::UserMetric;
use threads_emulator::{Endpoint, FaultAction, FaultRule, PostAs, TokenSpec, UserSpec};

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

fn admin() -> Actor {
    Actor::person("ada", Role::Admin)
}

fn new_york() -> Tz {
    "America/New_York".parse().expect("zone")
}

/// Puts the account's persona in `zone`, with no posting windows and no
/// automatic answers (the comments the test writes need none).
async fn persona_in(h: &Harness, account: AccountId, zone: Tz) {
    let mut record = h
        .store
        .list_personas(account)
        .await
        .expect("personas")
        .into_iter()
        .rfind(|p| p.is_active)
        .expect("a persona");
    let mut doc: content_pipeline::PersonaDocument =
        serde_json::from_value(record.document.clone()).expect("doc");
    doc.persona.time_zone = zone;
    doc.persona.posting_windows.clear();
    doc.persona.reply_policy.answer_intents.clear();
    record.document = serde_json::to_value(&doc).expect("json");
    h.store.put_persona(&record).await.expect("persona");
}

/// Publishes a post through the pipeline now; returns its post id.
async fn publish(h: &Harness, account: AccountId, text: &str, tag: Option<&str>) -> String {
    let mut new = NewDraft::post(account, text);
    if let Some(tag) = tag {
        new = new.topic_tag(tag);
    }
    let d = h
        .pipeline
        .create_draft(new, &editor())
        .await
        .expect("draft");
    if d.draft.state != DraftState::Approved {
        h.pipeline
            .approve(d.draft.id, &editor())
            .await
            .expect("approve");
    }
    h.pipeline
        .schedule(d.draft.id, When::Now, &editor())
        .await
        .expect("schedule");
    h.drain().await;
    let draft = h.pipeline.draft(d.draft.id).await.expect("draft");
    assert_eq!(draft.state, DraftState::Published, "{draft:?}");
    draft.provider.media_id.expect("post id")
}

/// The instant of `hour`:00 local time on `date` in `zone`.
fn local(zone: Tz, date: NaiveDate, hour: u32) -> DateTime<Utc> {
    zone.from_local_datetime(&date.and_hms_opt(hour, 0, 0).expect("time"))
        .earliest()
        .expect("a local time")
        .with_timezone(&Utc)
}

/// A token of the account's user, minted by the emulator, to read its
/// figures directly.
fn direct_token(h: &Harness, user_id: &str) -> AccessToken {
    let minted = h
        .emu
        .admin()
        .mint_token(TokenSpec {
            app_id: h.app.id.clone(),
            user_id: user_id.to_owned(),
            long_lived: true,
            ..TokenSpec::default()
        })
        .expect("token");
    AccessToken::new(minted.access_token.expose_secret())
}

async fn snapshot_job(h: &Harness, account: AccountId) -> Job {
    h.store
        .list_jobs(&JobFilter {
            account_id: Some(account),
            ..JobFilter::default()
        })
        .await
        .expect("jobs")
        .into_iter()
        .find(|j| j.kind == "snapshot")
        .expect("a snapshot job")
}

async fn account_snapshots(h: &Harness, account: AccountId) -> Vec<store_traits::InsightSnapshot> {
    h.store
        .list_snapshots(&InsightQuery {
            account_id: account,
            scope: InsightScope::Account,
            since: None,
            until: None,
            limit: None,
        })
        .await
        .expect("snapshots")
        .into_iter()
        .filter(|s| matches!(SnapshotKind::of(s), Some(SnapshotKind::Account { .. })))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_days_of_snapshots_answer_the_dashboard() {
    let h = Harness::new().await;
    let connected = h.connect("ana").await;
    let account = connected.account.id;
    let user_id = connected.account.threads_user_id.clone();
    let zone = new_york();
    persona_in(&h, account, zone).await;
    let fan = h
        .emu
        .admin()
        .create_user(UserSpec {
            username: "fan".into(),
            followers: 10,
            ..UserSpec::default()
        })
        .expect("fan")
        .id;

    // Connecting queued the account's snapshot job.
    let job = snapshot_job(&h, account).await;
    assert_eq!(job.state, JobState::Queued);
    assert!(job.run_at > h.clock.now() && job.run_at <= h.clock.now() + TimeDelta::hours(24));

    // 90 days, one post a day: Tuesdays at 18:00 New York time, with a crowd
    // of replies; other days in the morning or early afternoon, without.
    let first_day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let mut tuesday_posts = Vec::new();
    let mut posts = 0;
    for day in 0..90_u64 {
        let date = first_day + chrono::Days::new(day);
        let tuesday = date.weekday() == Weekday::Tue;
        let hour = if tuesday {
            18
        } else {
            [8, 10, 12, 14, 16][day as usize % 5]
        };
        h.clock.set(local(zone, date, hour));
        let id = if tuesday {
            publish(
                &h,
                account,
                &format!("tuesday bake {day}: the crumb opened up, the crust sang"),
                Some("sourdough"),
            )
            .await
        } else {
            publish(
                &h,
                account,
                &format!("weekday notes {day}: errands, emails and a quiet kitchen"),
                None,
            )
            .await
        };
        posts += 1;
        if tuesday {
            let now = h.clock.now().timestamp();
            for i in 0..100 {
                h.emu
                    .admin()
                    .post_as(PostAs {
                        author: fan.clone(),
                        text: Some(format!("lovely loaf {i}")),
                        reply_to: Some(id.clone()),
                        at: Some(now + 60 + i),
                        ..PostAs::default()
                    })
                    .expect("reply");
            }
            tuesday_posts.push(id);
        }
        // A worker pass half a day later too: passes are never a day apart,
        // so each day's snapshot slot gets its own run.
        h.advance(TimeDelta::hours(12));
        let report = h.drain().await;
        assert_eq!(report.errors, 0, "{report:?}");
    }
    let start = local(zone, first_day, 0);
    let end = local(zone, first_day + chrono::Days::new(90), 0);
    h.clock.set(end + TimeDelta::hours(24));
    let report = h.drain().await;
    assert_eq!(report.errors, 0, "{report:?}");

    // One account snapshot per day (a slot that passes while no worker runs
    // is caught up by the next run, which counts from the last one).
    let snapshots = account_snapshots(&h, account).await;
    assert!(
        snapshots.len() >= 88,
        "{} account snapshots",
        snapshots.len()
    );
    // The ranges are contiguous: each starts where the previous ended.
    for pair in snapshots.windows(2) {
        let (
            Some(SnapshotKind::Account { until: a, .. }),
            Some(SnapshotKind::Account { since: b, .. }),
        ) = (SnapshotKind::of(&pair[0]), SnapshotKind::of(&pair[1]))
        else {
            panic!("account layouts");
        };
        assert_eq!(a, b, "ranges follow each other");
    }

    // Growth between two snapshots matches the emulator's own figures for
    // that range, read directly.
    let t_a = snapshots[10].taken_at;
    let t_b = snapshots[75].taken_at;
    let growth = h.pipeline.growth(account, t_a, t_b).await.expect("growth");
    let direct = h
        .threads
        .client()
        .account(user_id.clone(), direct_token(&h, &user_id))
        .insights()
        .user()
        .metrics([UserMetric::Views, UserMetric::Likes, UserMetric::Replies])
        .since(t_a)
        .until(t_b)
        .send()
        .await
        .expect("direct insights");
    let views = i64::try_from(direct.total("views").expect("views")).expect("i64");
    let likes = i64::try_from(direct.total("likes").expect("likes")).expect("i64");
    let replies = i64::try_from(direct.total("replies").expect("replies")).expect("i64");
    assert!(views > 0 && likes > 0 && replies > 0);
    assert_eq!(growth.total("views"), views);
    assert_eq!(growth.total("likes"), likes);
    assert_eq!(growth.total("replies"), replies);
    assert_eq!(growth.followers_end, Some(500));
    assert_eq!(
        growth.followers_change(),
        Some(0),
        "the emulator's audience is fixed"
    );
    assert_eq!(growth.time_zone, zone);
    let day_views: i64 = growth.days.iter().map(|d| d.metric("views")).sum();
    assert!(
        (day_views - views).abs() <= growth.days.len() as i64,
        "days add up to the total up to rounding: {day_views} vs {views}"
    );
    assert!(
        growth
            .days
            .iter()
            .all(|d| d.followers.is_none_or(|f| f == 500))
    );

    // Two snapshots at one instant: the second has no time to count, so it
    // stores no account figures (the range would be empty).
    h.pipeline
        .snapshot_now(account)
        .await
        .expect("snapshot now");
    let same_instant = h
        .pipeline
        .snapshot_now(account)
        .await
        .expect("snapshot now");
    assert!(!same_instant.account_metrics && same_instant.demographics == 4);
    // Within the same second (the API counts in whole seconds): no range
    // either, and no refusal from the client's `since < until` check.
    h.advance(TimeDelta::milliseconds(400));
    let same_second = h
        .pipeline
        .snapshot_now(account)
        .await
        .expect("a snapshot in the same second is not an error");
    assert!(!same_second.account_metrics && same_second.demographics == 4);

    // Engagement rate per post: every post measured; the newest agree with
    // the emulator's figures read at the same instant.
    h.advance(TimeDelta::hours(1));
    let summary = h
        .pipeline
        .snapshot_now(account)
        .await
        .expect("snapshot now");
    assert!(summary.account_metrics && summary.demographics == 4);
    assert!(
        summary.posts >= 28,
        "posts of the last 30 days: {summary:?}"
    );
    let perf = h
        .pipeline
        .post_performance(account, start, end)
        .await
        .expect("performance");
    assert_eq!(perf.len(), posts);
    let newest = perf.last().expect("a post");
    let figures = h
        .threads
        .client()
        .account(user_id.clone(), direct_token(&h, &user_id))
        .insights()
        .media(&threads_api::ids::MediaId::new(
            newest.post.post_id.as_str(),
        ))
        .send()
        .await
        .expect("media insights");
    let total = |name: &str| i64::try_from(figures.total(name).unwrap_or(0)).expect("i64");
    let expected = (total("likes") + total("replies") + total("reposts") + total("quotes")) as f64
        / total("views") as f64;
    assert_eq!(newest.views(), total("views"));
    let rate = newest.engagement_rate().expect("views");
    assert!((rate - expected).abs() < 1e-12, "{rate} vs {expected}");

    // Best hours, in New York time: Tuesday 18:00 across the DST change
    // (22:00 or 23:00 UTC, one cell in the account's zone).
    let heat = h
        .pipeline
        .best_hours(account, start, end)
        .await
        .expect("heat map");
    let best = heat.best(1);
    assert_eq!(
        (best[0].weekday, best[0].hour),
        (Weekday::Tue, 18),
        "{best:?}"
    );
    assert_eq!(best[0].posts, tuesday_posts.len());
    assert!(heat.cell(Weekday::Tue, 22).is_none() && heat.cell(Weekday::Tue, 23).is_none());

    // Top posts are the Tuesday ones; the top topic is their tag.
    let top = h
        .pipeline
        .top_posts(account, start, end, 5, PostRanking::Engagements)
        .await
        .expect("top posts");
    assert_eq!(top.len(), 5);
    assert!(
        top.iter()
            .all(|p| tuesday_posts.contains(&p.post.post_id.to_string()))
    );
    let topics = h
        .pipeline
        .top_topics(account, start, end, 3)
        .await
        .expect("topics");
    assert_eq!(topics[0].term, "sourdough", "{topics:?}");
    assert!(topics[0].is_tag && topics[0].lift > 1.0);
    assert!(!topics.iter().any(|t| t.term == "errands"));

    // The audience: four breakdowns; stable between two snapshots.
    let countries = h
        .pipeline
        .audience(account, Breakdown::Country)
        .await
        .expect("audience")
        .expect("country snapshot");
    let counted: i64 = countries.followers.values().sum();
    assert!((490..=500).contains(&counted), "{countries:?}");
    let shift = h
        .pipeline
        .demographic_shift(account, Breakdown::Age, start, end + TimeDelta::days(2))
        .await
        .expect("shift");
    assert_eq!(shift.total_before, shift.total_after);
    assert!(shift.changes.iter().all(|c| c.change() == 0));

    // The report, offline: it names the best hour and the top topic.
    let report = h
        .pipeline
        .strategist_report(account, start, end)
        .await
        .expect("report");
    assert_eq!(report.written_by, ReportWriter::Offline);
    assert!(
        report.summary.contains("Tuesday 18:00"),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains("America/New_York"),
        "{}",
        report.summary
    );
    assert!(report.summary.contains("#sourdough"), "{}", report.summary);
    assert_eq!(report.posts_measured, posts);
    assert!(!report.what_works.is_empty() && !report.when_to_post.is_empty());

    // Opt-in: the best hours become the persona's posting windows.
    let refused = h.pipeline.apply_best_hours(account, &editor(), 2).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let windows = h
        .pipeline
        .apply_best_hours(account, &admin(), 1)
        .await
        .expect("apply");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].days, vec![Weekday::Tue]);
    assert_eq!(windows[0].start.format("%H:%M").to_string(), "18:00");
    let doc = h
        .pipeline
        .persona(account)
        .await
        .expect("persona")
        .expect("doc");
    assert_eq!(doc.persona.posting_windows, windows);
    assert_eq!(doc.persona.time_zone, zone);
    let audit = h
        .store
        .list_audit(&AuditQuery {
            account_id: Some(account),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    let applied = audit
        .iter()
        .find(|e| e.action == "persona.posting_windows")
        .expect("audited");
    assert_eq!(applied.actor, "user:ada");
}

#[tokio::test]
async fn the_provider_writes_the_report_when_configured() {
    let mut config = PipelineConfig::default();
    config.insights.report_writer = ReportWriter::Provider;
    let h = Harness::with_config(config).await;
    let account = h.connect("ana").await.account.id;
    publish(&h, account, "a loaf for the weekend", Some("sourdough")).await;
    h.advance(TimeDelta::hours(30));
    h.drain().await;
    let now = h.clock.now();
    let report = h
        .pipeline
        .strategist_report(account, now - TimeDelta::days(7), now)
        .await
        .expect("report");
    assert_eq!(report.written_by, ReportWriter::Provider, "{report:?}");
    assert_eq!(report.writer_error, None);
    assert!(!report.summary.is_empty());
    let offline = content_pipeline::insights::StrategistReport::compose(
        account,
        report.growth.clone(),
        report.previous.clone(),
        &report.top_posts,
        None,
    );
    assert_ne!(
        report.summary, offline.summary,
        "written by the model, not computed"
    );
}

#[tokio::test]
async fn a_throttled_snapshot_comes_back_later_without_failing() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account.id;
    publish(&h, account, "a post to measure", None).await;
    let job = snapshot_job(&h, account).await;
    h.clock.set(job.run_at);
    // Every insights read is throttled (code 4): the client's own retries of
    // a read fail too.
    h.emu.admin().set_faults(vec![
        FaultRule::always(
            Endpoint::Insights,
            FaultAction::GraphError {
                code: 4,
                subcode: None,
                status: None,
                message: None,
            },
        )
        .times(3),
    ]);
    let report = h.drain().await;
    assert_eq!(report.errors, 0, "{report:?}");
    let job = snapshot_job(&h, account).await;
    assert_eq!(job.state, JobState::Queued, "handed back, not failed");
    assert_eq!(job.run_at, h.clock.now() + TimeDelta::minutes(15));
    assert!(
        job.last_error.as_deref().unwrap_or("").contains("retry"),
        "{job:?}"
    );
    assert!(
        account_snapshots(&h, account).await.is_empty(),
        "nothing stored"
    );

    // Later, the network answers again and the snapshot is taken.
    h.clock.set(job.run_at);
    let report = h.drain().await;
    assert_eq!(report.errors, 0);
    assert_eq!(account_snapshots(&h, account).await.len(), 1);
    let next = snapshot_job(&h, account).await;
    assert!(next.run_at > h.clock.now() + TimeDelta::hours(23));
}

#[tokio::test]
async fn a_nearly_used_call_budget_makes_snapshots_wait() {
    let mut config = PipelineConfig::default();
    config.insights.usage_threshold_percent = 1;
    let h = Harness::with_config(config).await;
    let connected = h.connect("ana").await;
    let account = connected.account.id;
    // The budget is barely touched: a snapshot goes through.
    h.pipeline
        .snapshot_now(account)
        .await
        .expect("under budget");
    // 1% of the emulator's 48,000 daily calls per app.
    let user = connected.account.threads_user_id.clone();
    let client = h
        .threads
        .client()
        .account(user.clone(), direct_token(&h, &user));
    for _ in 0..480 {
        client.profile().get().send().await.expect("profile");
    }
    let usage = Insights::usage(h.threads.as_ref()).expect("usage reported");
    assert!(usage.at_least(1.0), "{usage:?}");

    h.advance(TimeDelta::hours(1));
    let refused = h.pipeline.snapshot_now(account).await;
    let Err(Error::Network { source, .. }) = &refused else {
        panic!("expected a budget refusal: {refused:?}");
    };
    assert_eq!(source.class(), FailureClass::Retry);
    assert_eq!(source.retry_after(), Some(TimeDelta::hours(1)));

    // The scheduled job waits the same way instead of calling.
    let job = snapshot_job(&h, account).await;
    h.clock.set(job.run_at.max(h.clock.now()));
    let stored = account_snapshots(&h, account).await.len();
    let report = h.drain().await;
    assert_eq!(report.errors, 0);
    let job = snapshot_job(&h, account).await;
    assert_eq!(job.run_at, h.clock.now() + TimeDelta::hours(1));
    assert_eq!(account_snapshots(&h, account).await.len(), stored);
}

#[tokio::test]
async fn each_account_has_its_own_spread_schedule() {
    let h = Harness::new().await;
    let mut times = Vec::new();
    for name in ["ana", "bea", "cai", "dov", "eli"] {
        let account = h.connect(name).await.account.id;
        let job = snapshot_job(&h, account).await;
        // Scheduling again changes nothing: one job per account.
        let again = h
            .pipeline
            .schedule_snapshots(account)
            .await
            .expect("schedule")
            .expect("insights configured");
        assert_eq!(again, job.run_at);
        assert_eq!(
            h.store
                .list_jobs(&JobFilter {
                    account_id: Some(account),
                    ..JobFilter::default()
                })
                .await
                .expect("jobs")
                .iter()
                .filter(|j| j.kind == "snapshot")
                .count(),
            1
        );
        times.push((account, job.run_at));
    }
    // The catch-up sweep finds every account already scheduled.
    assert_eq!(h.pipeline.schedule_all_snapshots().await.expect("sweep"), 5);
    for (account, first) in &times {
        assert_eq!(snapshot_job(&h, *account).await.run_at, *first);
    }
    let now = h.clock.now();
    assert!(
        times
            .iter()
            .all(|(_, t)| *t > now && *t <= now + TimeDelta::hours(24))
    );
    let mut distinct: Vec<DateTime<Utc>> = times.iter().map(|(_, t)| *t).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), times.len(), "spread: {times:?}");

    // After its run, each comes back exactly one interval later.
    h.advance(TimeDelta::hours(24));
    let report = h.drain().await;
    assert_eq!(report.errors, 0);
    for (account, first) in &times {
        let job = snapshot_job(&h, *account).await;
        assert_eq!(job.run_at, *first + TimeDelta::hours(24));
        assert_eq!(account_snapshots(&h, *account).await.len(), 1);
    }
}

/// Threads as it is, except that every demographics read adds `step`
/// followers from India: an audience that moves.
#[derive(Debug)]
struct GrowingIndia {
    inner: Arc<content_pipeline::ThreadsPublisher>,
    added: AtomicI64,
    step: i64,
}

#[async_trait]
impl Insights for GrowingIndia {
    async fn account_metrics(
        &self,
        auth: &AccountAuth,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        self.inner.account_metrics(auth, since, until).await
    }

    async fn demographics(
        &self,
        auth: &AccountAuth,
        breakdown: Breakdown,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        let mut values = self.inner.demographics(auth, breakdown).await?;
        if breakdown == Breakdown::Country {
            let added = self.added.fetch_add(self.step, Ordering::SeqCst) + self.step;
            *values.entry("IN".into()).or_insert(0) += added;
        }
        Ok(values)
    }

    async fn post_metrics(
        &self,
        auth: &AccountAuth,
        post: &PostId,
    ) -> Result<BTreeMap<String, i64>, NetworkError> {
        self.inner.post_metrics(auth, post).await
    }

    fn usage(&self) -> Option<UsageHint> {
        self.inner.usage()
    }
}

#[tokio::test]
async fn a_moving_audience_shows_as_a_shift_between_two_snapshots() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account.id;
    let pipeline = Pipeline::builder()
        .store(h.store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(h.threads.clone())
        .insights(Arc::new(GrowingIndia {
            inner: h.threads.clone(),
            added: AtomicI64::new(0),
            step: 300,
        }))
        .keyring(h.keyring.clone())
        .manual_clock(h.clock.clone())
        .build()
        .expect("pipeline");
    let since = h.clock.now();
    pipeline.snapshot_now(account).await.expect("first");
    h.advance(TimeDelta::days(30));
    pipeline.snapshot_now(account).await.expect("second");
    let shift = pipeline
        .demographic_shift(
            account,
            Breakdown::Country,
            since,
            h.clock.now() + TimeDelta::seconds(1),
        )
        .await
        .expect("shift");
    assert_eq!(shift.total_after - shift.total_before, 300);
    assert_eq!(shift.changes[0].key, "IN", "{shift:?}");
    let india = &shift.changes[0];
    assert_eq!(india.change(), 300);
    assert!(india.share_change_points() > 10.0);
    assert!(
        shift.changes[1..]
            .iter()
            .all(|c| c.change() == 0 && c.share_change_points() < 0.0),
        "the others keep their followers but lose share"
    );
    // One snapshot alone is no shift.
    let single = pipeline
        .demographic_shift(
            account,
            Breakdown::Country,
            since,
            since + TimeDelta::days(1),
        )
        .await;
    assert!(
        matches!(single, Err(Error::NoInsights { .. })),
        "{single:?}"
    );
}

#[tokio::test]
async fn a_paused_account_is_skipped_until_it_is_resumed() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account.id;
    h.pipeline
        .set_paused(account, true, &admin())
        .await
        .expect("pause");
    let first = snapshot_job(&h, account).await.run_at;
    h.clock.set(first);
    assert_eq!(h.drain().await.errors, 0);
    let job = snapshot_job(&h, account).await;
    assert_eq!(job.state, JobState::Queued, "the schedule lives on");
    assert_eq!(job.run_at, first + TimeDelta::hours(24));
    assert!(
        job.last_error.as_deref().unwrap_or("").contains("paused"),
        "{job:?}"
    );
    assert!(account_snapshots(&h, account).await.is_empty());

    h.pipeline
        .set_paused(account, false, &admin())
        .await
        .expect("resume");
    h.clock.set(job.run_at);
    assert_eq!(h.drain().await.errors, 0);
    assert_eq!(account_snapshots(&h, account).await.len(), 1);
}

/// Two days of snapshots on `h`'s store, read back through every query.
async fn snapshots_read_back(h: &Harness) {
    let account = h.connect("ana").await.account.id;
    let since = h.clock.now();
    publish(h, account, "a loaf for the weekend", Some("sourdough")).await;
    for _ in 0..2 {
        h.advance(TimeDelta::hours(24));
        assert_eq!(h.drain().await.errors, 0);
    }
    let until = h.clock.now() + TimeDelta::seconds(1);
    let snapshots = account_snapshots(h, account).await;
    assert_eq!(snapshots.len(), 2, "the layouts read back from the store");
    let growth = h
        .pipeline
        .growth(account, since, until)
        .await
        .expect("growth");
    assert!(growth.total("views") > 0, "{growth:?}");
    assert_eq!(growth.followers_end, Some(500));
    let perf = h
        .pipeline
        .post_performance(account, since, until)
        .await
        .expect("performance");
    assert_eq!(perf.len(), 1);
    assert!(perf[0].engagement_rate().is_some());
    assert!(perf[0].post.draft_id.is_some());
    let audience = h
        .pipeline
        .audience(account, Breakdown::Gender)
        .await
        .expect("audience")
        .expect("gender");
    assert_eq!(audience.breakdown, Breakdown::Gender);
    assert_eq!(audience.followers.len(), 3);
    h.pipeline
        .demographic_shift(account, Breakdown::City, since, until)
        .await
        .expect("two city snapshots");
}

#[tokio::test]
async fn snapshots_read_back_from_sqlite() {
    let clock = Arc::new(store_traits::ManualClock::new(common::start()));
    let path = std::env::temp_dir().join(format!(
        "pipeline-insights-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let store: Arc<store_traits::DynStore> = Arc::new(
        store_sqlite::SqliteStore::open(&path, clock.clone())
            .await
            .expect("sqlite"),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        std::time::Duration::from_secs(5),
    )
    .await;
    snapshots_read_back(&h).await;
    drop(h);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn snapshots_read_back_from_postgres() {
    let Some(db) = common::postgres_database("insights").await else {
        return;
    };
    let clock = Arc::new(store_traits::ManualClock::new(common::start()));
    let options = store_postgres::PgStoreOptions::new(db.url()).expect("options");
    let store: Arc<store_traits::DynStore> = Arc::new(
        store_postgres::PgStore::connect(&options, clock.clone())
            .await
            .expect("postgres"),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        std::time::Duration::from_secs(5),
    )
    .await;
    snapshots_read_back(&h).await;
    drop(h);
    db.drop_database().await;
}
