//! An analytics command centre for a Threads account: what a creator or a
//! brand looks at every morning, built on the pipeline's insights.
//!
//! * connect the account; its profile and follower metrics;
//! * four simulated months: the account posts at different hours of the
//!   week, people reply, followers come (and some go); the pipeline's
//!   snapshot job reads the account, its audience and its posts once a day;
//! * post history with engagement (views, interactions, rate) and the top
//!   posts; follower demographics (country, city, age, gender) and how they
//!   moved; growth against the month before; the best hours of the week;
//! * a strategist report: what works, what to post more of, when to post;
//! * charts with `threads-charts` (SVG and PNG): follower growth, engagement
//!   per post, a weekday × hour heat map, demographics;
//! * a year without activity later, the retention purge deletes the account
//!   (12 months of inactivity), leaving only a deletion receipt.
//!
//! Offline and in seconds: the Threads emulator in-process plays Meta and
//! the world around the account (followers, repliers), on a manual clock
//! shared with SQLite in a temporary directory and the pipeline, so four
//! months pass in a few seconds. Charts go to `EXAMPLE_OUT_DIR` when it is
//! set, else to a new directory under the system's temporary directory
//! (kept, and printed, so you can open them).
//!
//! ```text
//! cargo run -p threads-examples --example analytics_centre
//! EXAMPLE_OUT_DIR=charts cargo run -p threads-examples --example analytics_centre
//! ```
//!
//! With `THREADS_APP_ID`, `THREADS_APP_SECRET` and `THREADS_REDIRECT_URI`
//! set it reads a real account instead (the person consents in a browser):
//! a snapshot now, the profile and follower figures, the post history of the
//! last 90 days with engagement, the demographics Meta gives (for accounts
//! with at least 100 followers), the best hours, the strategist report and
//! the charts of what there is. The account's own posts (made in Threads'
//! apps) are brought in first with `Pipeline::import_history`, so they are
//! measured too. Growth needs snapshots on several days:
//! keep the database in `THREADS_EXAMPLE_DB` and run it daily. It never
//! posts. Optional: `THREADS_SEALING_KEY` (needed to read the account again
//! on later runs), `THREADS_GRAPH_URL`, `THREADS_AUTHORIZE_URL`.

#[path = "support/meta.rs"]
mod meta;
/// Meta itself, when `THREADS_*` variables are set.
#[path = "support/real.rs"]
mod real;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use content_pipeline::insights::PostRanking;
use content_pipeline::{
    Actor, Breakdown, ConnectRequest, NewDraft, Pipeline, PipelineConfig, Role, When, Worker,
    WorkerConfig,
};
use store_traits::{AccountStatus, Clock, DeletionStatus, DraftState, ManualClock};
use threads_charts::ChartOptions;
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// Days simulated.
const DAYS: i64 = 120;
const ZONE: Tz = chrono_tz::Europe::Berlin;

/// What the account posts about, in turn.
const POSTS: [&str; 8] = [
    "Sunday bake: a seeded rye that rested a full day before slicing. #rye",
    "Cold proof overnight, bake straight from the fridge, score with confidence. #sourdough",
    "Starter check: it doubled in four hours at 24 degrees. Bake day! #sourdough",
    "Weigh your water. Cups are guesses, grams are bread. #basics",
    "Spelt focaccia with rosemary from the balcony. #focaccia",
    "Open crumb is nice, but an even crumb makes better sandwiches. #sourdough",
    "Rye doughs do not need kneading: mix, rest, tin, wait. #rye",
    "Why my loaves stopped spreading: a tighter pre-shape and a colder proof. #basics",
];

/// The local hours the account posts at; the hour of each weekday moves
/// through these from week to week.
const HOURS: [u32; 6] = [7, 9, 12, 15, 18, 20];

/// The local hour the account posts at on `day` (none on Tuesdays and
/// Fridays).
fn posting_hour(day: i64, weekday: Weekday) -> Option<u32> {
    if matches!(weekday, Weekday::Tue | Weekday::Fri) {
        return None;
    }
    let week = usize::try_from(day / 7).unwrap_or(0);
    let index = (week * 2 + weekday.num_days_from_monday() as usize) % HOURS.len();
    Some(HOURS[index])
}

#[tokio::main]
async fn main() -> Result<()> {
    if let Some(real) = real::RealApi::from_env()? {
        return on_threads(real).await;
    }
    let started = std::time::Instant::now();
    // Monday 6 October 2025, 06:00 UTC; everything reads this one clock.
    let clock = Arc::new(ManualClock::new(utc(2025, 10, 6, 6)?));
    let dir = tempfile::tempdir()?;
    let meta = meta::Meta::start(
        meta::AppSetup::redirecting_to("https://analytics.example/threads/oauth/callback")
            .on_clock(clock.clone()),
    )
    .await?;

    let store =
        store_sqlite::SqliteStore::open(dir.path().join("analytics.db"), clock.clone()).await?;
    let mut config = PipelineConfig::default();
    // The account's posts are written by people here; they go out as written.
    config.approval.posts = content_pipeline::config::ApprovalMode::Automatic;
    // Posts are re-measured for two weeks (then keep their last figures).
    config.insights.post_lookback = TimeDelta::days(14);
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(meta.threads()?))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("2025-10")?,
            KeyMaterial::generate()?,
        )))
        .oauth_state_key(KeyMaterial::generate()?)
        .manual_clock(clock.clone())
        .config(config)
        .build()?;
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("insights-worker"));
    let ana = Actor::person("ana", Role::Owner);

    // 1. Connect; the first snapshot reads the profile and follower metrics.
    let owner = meta.account_owner(
        "ana_bakes",
        1_800,
        &[
            "small batch sourdough today, the crumb is open",
            "tip: weigh your water, not your patience",
            "rye loves a long cold proof. trust the fridge",
        ],
    )?;
    let start = pipeline
        .start_connect(ConnectRequest::new("session-ana").by(&ana))
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let connected = pipeline.finish_connect(&callback, "session-ana").await?;
    let account = connected.account.id;
    let mut persona = pipeline
        .persona(account)
        .await?
        .context("no persona")?
        .persona;
    persona.time_zone = ZONE;
    pipeline.update_persona(account, persona, &ana).await?;
    let first = pipeline.snapshot_now(account).await?;
    let day0 = clock.now();
    let profile = pipeline
        .growth(
            account,
            day0 - TimeDelta::days(1),
            day0 + TimeDelta::seconds(1),
        )
        .await?;
    println!(
        "1. connected @{} ({}; \"{}\"): {} followers; first snapshot: account figures {}, {} demographic breakdowns",
        connected.account.username,
        connected.account.display_name.clone().unwrap_or_default(),
        connected.account.biography.clone().unwrap_or_default(),
        thousands(profile.followers_end.unwrap_or(0)),
        if first.account_metrics {
            "read"
        } else {
            "not read"
        },
        first.demographics
    );
    if profile.followers_end != Some(1_800) || first.demographics != 4 {
        bail!("the first snapshot did not read 1,800 followers and four breakdowns");
    }

    // 2. Four months pass: posts at different hours, replies, new followers;
    //    the snapshot job measures the account once a day.
    let fans: Vec<threads_emulator::UserInfo> =
        ["rye_rookie", "market_mia", "crust_club", "dough_dad"]
            .iter()
            .map(|name| meta.someone(name))
            .collect::<Result<_>>()?;
    let mut published = 0;
    for day in 0..DAYS {
        let date = (day0 + TimeDelta::days(day))
            .with_timezone(&ZONE)
            .date_naive();
        meta.admin().set_followers(&owner.id, followers_on(day))?;
        if let Some(hour) = posting_hour(day, date.weekday()) {
            let at = content_pipeline::schedule::resolve_local(
                ZONE,
                date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).context("hour")?),
            );
            if at < clock.now() {
                continue;
            }
            let text = format!("{} (day {})", POSTS[published % POSTS.len()], day + 1);
            let drafted = pipeline
                .create_draft(NewDraft::post(account, text), &ana)
                .await?;
            if drafted.draft.state != DraftState::Approved {
                pipeline.approve(drafted.draft.id, &ana).await?;
            }
            pipeline
                .schedule(drafted.draft.id, When::At { at }, &ana)
                .await?;
            run_until(&clock, &worker, at).await?;
            let post = pipeline.draft(drafted.draft.id).await?;
            if post.state != DraftState::Published {
                bail!(
                    "day {day}: a post is {}: {}",
                    post.state,
                    post.last_error.unwrap_or_default()
                );
            }
            published += 1;
            // Evening and weekend posts draw more replies.
            let media_id = post.provider.media_id.context("no post id")?;
            for fan in fans.iter().take(replies_for(date.weekday(), hour)) {
                meta.reply(fan, &media_id, "love this, saving it for the weekend")?;
            }
        }
        let end_of_day = resolve_day_end(date)?;
        run_until(&clock, &worker, end_of_day).await?;
    }
    // The dashboard opens the next morning with a fresh reading.
    clock.advance(TimeDelta::hours(8));
    pipeline.snapshot_now(account).await?;
    let until = clock.now();
    let since = day0;
    println!(
        "2. {DAYS} days simulated ({} to {}): {published} posts published, followers {} → {}",
        since.with_timezone(&ZONE).format("%Y-%m-%d"),
        until.with_timezone(&ZONE).format("%Y-%m-%d"),
        thousands(followers_on(0) as i64),
        thousands(followers_on(DAYS - 1) as i64),
    );

    // 3. Growth, day by day, against the month before.
    let growth = pipeline.growth(account, since, until).await?;
    let last_month = pipeline
        .growth(account, until - TimeDelta::days(30), until)
        .await?;
    let month_before = pipeline
        .growth(
            account,
            until - TimeDelta::days(60),
            until - TimeDelta::days(30),
        )
        .await?;
    println!(
        "3. growth over the period: {} snapshots, {} days, followers {:+} ({} → {}), {} views, {} likes, {} replies",
        growth.snapshots,
        growth.days.len(),
        growth.followers_change().unwrap_or(0),
        thousands(growth.followers_start.unwrap_or(0)),
        thousands(growth.followers_end.unwrap_or(0)),
        thousands(growth.total("views")),
        thousands(growth.total("likes")),
        thousands(growth.total("replies")),
    );
    println!(
        "   last 30 days: followers {:+}, views {}; the 30 days before: followers {:+}, views {}",
        last_month.followers_change().unwrap_or(0),
        thousands(last_month.total("views")),
        month_before.followers_change().unwrap_or(0),
        thousands(month_before.total("views")),
    );
    let expected = followers_on(DAYS - 1) as i64 - followers_on(0) as i64;
    if growth.snapshots + 1 < DAYS as usize || growth.followers_change() != Some(expected) {
        bail!(
            "growth does not match the simulation: {:?} snapshots, change {:?} (expected {expected})",
            growth.snapshots,
            growth.followers_change()
        );
    }

    // 4. Post history with engagement.
    let posts = pipeline.post_performance(account, since, until).await?;
    let rates: Vec<f64> = posts.iter().filter_map(|p| p.engagement_rate()).collect();
    let mean = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    println!(
        "4. post history: {} posts measured, mean engagement rate {:.1}%; the latest five:",
        posts.len(),
        mean * 100.0
    );
    for p in posts.iter().rev().take(5) {
        println!(
            "   {}  {:>5} views {:>3} likes {:>2} replies  {:>5.1}%  {}",
            p.post
                .published_at
                .with_timezone(&ZONE)
                .format("%a %d %b %H:%M"),
            p.views(),
            p.metrics.get("likes").copied().unwrap_or(0),
            p.metrics.get("replies").copied().unwrap_or(0),
            p.engagement_rate().unwrap_or(0.0) * 100.0,
            opening(&p.post.text)
        );
    }
    if posts.len() != published {
        bail!("{} of {published} posts have figures", posts.len());
    }
    let top = pipeline
        .top_posts(account, since, until, 3, PostRanking::EngagementRate)
        .await?;
    for (i, p) in top.iter().enumerate() {
        println!(
            "   top {} by rate: {:.1}% on {}: {}",
            i + 1,
            p.engagement_rate().unwrap_or(0.0) * 100.0,
            p.post.published_at.with_timezone(&ZONE).format("%a %H:%M"),
            opening(&p.post.text)
        );
    }

    // 5. Who follows: demographics, and how they moved over the period.
    let mut audiences = Vec::new();
    for breakdown in Breakdown::ALL {
        let audience = pipeline
            .audience(account, breakdown)
            .await?
            .with_context(|| format!("no {breakdown} audience"))?;
        let total: i64 = audience.followers.values().sum();
        let mut top: Vec<(&String, &i64)> = audience.followers.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1));
        let shown: Vec<String> = top
            .iter()
            .take(3)
            .map(|(k, v)| format!("{k} {:.0}%", **v as f64 * 100.0 / total.max(1) as f64))
            .collect();
        let lead = if audiences.is_empty() { "5." } else { "  " };
        println!("{lead} followers by {breakdown}: {}", shown.join(", "));
        audiences.push(audience);
    }
    let shift = pipeline
        .demographic_shift(account, Breakdown::Country, since, until)
        .await?;
    println!(
        "   by country over the period: {} → {} followers; biggest gain {}",
        thousands(shift.total_before),
        thousands(shift.total_after),
        shift
            .biggest_gain()
            .map(|c| format!("{} ({:+})", c.key, c.change()))
            .unwrap_or_else(|| "-".into())
    );

    // 6. When to post: the weekday × hour heat map.
    let heat = pipeline.best_hours(account, since, until).await?;
    let best: Vec<String> = heat.best(3).iter().map(|s| s.label()).collect();
    println!("6. best hours ({}): {}", heat.time_zone, best.join(", "));
    if best.is_empty() {
        bail!("no best hours");
    }

    // 7. The strategist report over the last 30 days.
    let report = pipeline
        .strategist_report(account, until - TimeDelta::days(30), until)
        .await?;
    println!(
        "7. strategist report on the last 30 days ({} posts measured, summary by {:?}):",
        report.posts_measured, report.written_by
    );
    for line in report.summary.lines() {
        println!("   | {line}");
    }
    if report.summary.trim().is_empty()
        || report.posts_measured == 0
        || report.what_works.is_empty()
        || report.when_to_post.is_empty()
    {
        bail!("the report is empty");
    }

    // 8. Charts.
    let out = out_dir()?;
    let charts = [
        (
            "followers",
            threads_charts::follower_growth(&growth, &ChartOptions::default().size(1200, 600))?,
        ),
        (
            "engagement",
            threads_charts::engagement_per_post(
                &posts,
                &ChartOptions::default().size(1200, 600).time_zone(ZONE),
            )?,
        ),
        (
            "best-hours",
            threads_charts::best_hours(&heat, &ChartOptions::default().size(1200, 600))?,
        ),
        (
            "audience",
            threads_charts::audience(&audiences, &ChartOptions::default().size(1280, 900))?,
        ),
    ];
    println!("8. charts in {}:", out.display());
    for (name, chart) in &charts {
        let svg = out.join(format!("{name}.svg"));
        let png = out.join(format!("{name}.png"));
        chart.write_svg(&svg)?;
        chart.write_png(&png, 1.0)?;
        let size = std::fs::metadata(&png)?.len();
        println!(
            "   {} ({} KB) and {} ({} × {} px, {} KB)",
            svg.display(),
            chart.as_str().len() / 1024,
            png.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
            chart.width(),
            chart.height(),
            size / 1024
        );
        if size < 1024 {
            bail!("{} is suspiciously small", png.display());
        }
    }

    // 9. A year without activity: the retention purge deletes the account.
    let before = pipeline
        .store()
        .get_account(account)
        .await?
        .context("the account")?;
    clock.advance(TimeDelta::days(366));
    let purge = pipeline.purge().await?;
    let receipt = purge
        .accounts_deleted
        .iter()
        .find(|r| r.account_id == account)
        .context("the inactive account was not purged")?;
    let status = pipeline
        .deletion_status(receipt.confirmation_code.as_str())
        .await?
        .context("no deletion request for the code")?;
    println!(
        "9. last active {}; 366 days later the purge deleted it ({} records), receipt {} is {:?}",
        before
            .last_active_at
            .with_timezone(&ZONE)
            .format("%Y-%m-%d"),
        receipt.records_deleted(),
        receipt.confirmation_code,
        status.status
    );
    let gone = pipeline.store().get_account(account).await?;
    if gone.is_some_and(|a| a.status != AccountStatus::Disconnected)
        || status.status != DeletionStatus::Completed
    {
        bail!("the inactive account is still there");
    }

    meta.stop().await;
    println!("done in {:.1?}", started.elapsed());
    Ok(())
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> Result<DateTime<Utc>> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .context("a valid time")
}

/// The account's followers on `day`: steady growth, faster in the third
/// month, a loss in week 7 (a post that went down badly).
fn followers_on(day: i64) -> u64 {
    let day = day.max(0) as u64;
    let steady = 1_800 + day * 9 + (day % 7) * 3;
    let boost = day.saturating_sub(60).min(30) * 14;
    let dip = if (42..49).contains(&day) {
        (day - 41) * 25
    } else if day >= 49 {
        150
    } else {
        0
    };
    steady + boost - dip
}

/// How many fans reply to a post at `hour` on `weekday`.
fn replies_for(weekday: Weekday, hour: u32) -> usize {
    let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
    match (weekend, hour) {
        (true, 17..=21) => 4,
        (true, _) | (false, 18..=21) => 2,
        (false, 7..=9) => 1,
        _ => 0,
    }
}

/// 23:30 local time on `date`.
fn resolve_day_end(date: chrono::NaiveDate) -> Result<DateTime<Utc>> {
    Ok(content_pipeline::schedule::resolve_local(
        ZONE,
        date.and_time(NaiveTime::from_hms_opt(23, 30, 0).context("time")?),
    ))
}

/// Moves the clock to `until`, letting the worker run what falls due.
async fn run_until(clock: &ManualClock, worker: &Worker, until: DateTime<Utc>) -> Result<()> {
    if clock.now() < until {
        clock.advance(until - clock.now());
    }
    let report = worker.drain().await?;
    if report.errors > 0 {
        bail!("the worker failed: {report:?}");
    }
    Ok(())
}

/// The command centre on a real account: what one sitting can read. An
/// account connected earlier in `THREADS_EXAMPLE_DB` (with the same
/// `THREADS_SEALING_KEY`) is read again without a new consent.
async fn on_threads(real: real::RealApi) -> Result<()> {
    println!("analytics centre on {}", real.describe());
    let pipeline = real.pipeline("analytics.db").await?.build()?;
    let ana = Actor::person("ana", Role::Owner);
    let known = pipeline
        .store()
        .list_accounts(&store_traits::AccountFilter {
            status: Some(AccountStatus::Active),
            limit: Some(1),
            ..store_traits::AccountFilter::default()
        })
        .await?
        .into_iter()
        .next();
    let account = match known {
        Some(account) => {
            println!("1. @{} again, from THREADS_EXAMPLE_DB", account.username);
            account
        }
        None => {
            let connected = real
                .connect(&pipeline, ConnectRequest::new("session-ana").by(&ana))
                .await?;
            println!("1. connected @{}", connected.account.username);
            connected.account
        }
    };
    let id = account.id;
    // Posts made in Threads' own apps become published drafts, so they are
    // measured too.
    let history = pipeline.import_history(id, &ana).await?;
    println!(
        "   post history: {} posts read, {} new, {} already known",
        history.read, history.imported, history.known
    );

    // 2. A snapshot now: profile, follower figures, demographics, posts.
    let snapshot = pipeline.snapshot_now(id).await?;
    let now = snapshot.taken_at;
    let since = now - TimeDelta::days(90);
    let growth = pipeline
        .growth(id, since, now + TimeDelta::seconds(1))
        .await?;
    println!(
        "2. snapshot at {}: account figures {}, {} demographic breakdowns, {} posts measured{}",
        now.format("%Y-%m-%d %H:%M UTC"),
        if snapshot.account_metrics {
            "read"
        } else {
            "not read"
        },
        snapshot.demographics,
        snapshot.posts,
        if snapshot.skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped: {}", snapshot.skipped.join("; "))
        }
    );
    println!(
        "   followers {}; {} snapshot(s) so far, over {} day(s); change {:+}",
        thousands(growth.followers_end.unwrap_or(0)),
        growth.snapshots,
        growth.days.len(),
        growth.followers_change().unwrap_or(0)
    );

    // 3. Post history with engagement, and the top posts.
    let posts = pipeline.post_performance(id, since, now).await?;
    println!(
        "3. {} posts in the last 90 days; the latest five:",
        posts.len()
    );
    for p in posts.iter().rev().take(5) {
        println!(
            "   {}  {:>6} views {:>4} likes {:>3} replies  {:>5.1}%  {}",
            p.post.published_at.format("%a %d %b %H:%M"),
            p.views(),
            p.metrics.get("likes").copied().unwrap_or(0),
            p.metrics.get("replies").copied().unwrap_or(0),
            p.engagement_rate().unwrap_or(0.0) * 100.0,
            opening(&p.post.text)
        );
    }
    let top = pipeline
        .top_posts(id, since, now, 3, PostRanking::EngagementRate)
        .await?;
    for (i, p) in top.iter().enumerate() {
        println!(
            "   top {} by rate: {:.1}%: {}",
            i + 1,
            p.engagement_rate().unwrap_or(0.0) * 100.0,
            opening(&p.post.text)
        );
    }

    // 4. Demographics (Meta gives them from 100 followers on).
    let mut audiences = Vec::new();
    for breakdown in Breakdown::ALL {
        match pipeline.audience(id, breakdown).await? {
            Some(audience) => {
                let total: i64 = audience.followers.values().sum();
                let mut top: Vec<(&String, &i64)> = audience.followers.iter().collect();
                top.sort_by(|a, b| b.1.cmp(a.1));
                let shown: Vec<String> = top
                    .iter()
                    .take(3)
                    .map(|(k, v)| format!("{k} {:.0}%", **v as f64 * 100.0 / total.max(1) as f64))
                    .collect();
                println!("4. followers by {breakdown}: {}", shown.join(", "));
                audiences.push(audience);
            }
            None => println!("4. followers by {breakdown}: not given by Meta for this account"),
        }
    }

    // 5. Best hours and 6. the strategist report.
    let heat = pipeline.best_hours(id, since, now).await?;
    let best: Vec<String> = heat.best(3).iter().map(|s| s.label()).collect();
    println!("5. best hours ({}): {}", heat.time_zone, best.join(", "));
    let report = pipeline
        .strategist_report(id, now - TimeDelta::days(30), now)
        .await?;
    println!(
        "6. strategist report on the last 30 days ({} posts measured):",
        report.posts_measured
    );
    for line in report.summary.lines() {
        println!("   | {line}");
    }

    // 7. Charts of what there is.
    let out = out_dir()?;
    let options = ChartOptions::default().size(1200, 600);
    let wide = ChartOptions::default().size(1280, 900);
    // A chart without data is refused (`NoData`) rather than drawn as zeros.
    let mut charts = Vec::new();
    for (name, chart) in [
        (
            "followers",
            threads_charts::follower_growth(&growth, &options),
        ),
        (
            "engagement",
            threads_charts::engagement_per_post(&posts, &options),
        ),
        ("best-hours", threads_charts::best_hours(&heat, &options)),
        ("audience", threads_charts::audience(&audiences, &wide)),
    ] {
        match chart {
            Ok(chart) => charts.push((name, chart)),
            Err(e @ threads_charts::Error::NoData { .. }) => {
                println!("   no {name} chart yet: {e}")
            }
            Err(e) => return Err(e.into()),
        }
    }
    println!("7. {} chart(s) in {}", charts.len(), out.display());
    for (name, chart) in &charts {
        let svg = out.join(format!("{name}.svg"));
        chart.write_svg(&svg)?;
        chart.write_png(out.join(format!("{name}.png")), 1.0)?;
        println!("   {} and {name}.png", svg.display());
    }
    if !snapshot.account_metrics {
        bail!("the account's figures could not be read");
    }
    Ok(())
}

fn out_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("EXAMPLE_OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => tempfile::Builder::new()
            .prefix("threads-analytics-")
            .tempdir()?
            .keep(),
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn opening(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(7).collect();
    format!("{}…", words.join(" "))
}
