//! `threads insights`: growth, top posts and best hours in the terminal,
//! and one chart written to a file.

use std::path::PathBuf;

use chrono::TimeDelta;
use content_pipeline::Breakdown;
use content_pipeline::insights::PostRanking;
use store_traits::{Account, InsightScope};
use threads_charts::ChartOptions;

use crate::args::{ChartKind, InsightsArgs};
use crate::backend::Backend;
use crate::error::{CliError, Result};

/// A snapshot younger than this many seconds is not retaken.
const FRESH_SECS: i64 = 60;

fn chart_name(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Growth => "growth",
        ChartKind::Engagement => "engagement",
        ChartKind::Hours => "hours",
        ChartKind::Audience => "audience",
    }
}

/// Prints the account's insights over the last `--days` and writes the
/// chart.
pub(crate) async fn run(backend: &Backend, args: &InsightsArgs) -> Result<()> {
    if args.days == 0 || args.days > 3_650 {
        return Err(CliError::usage(
            format!("--days {} is out of range", args.days),
            "use 1 to 3650 days",
        ));
    }
    let out = chart_path(args)?;
    let account = backend.account(args.account.account.as_deref()).await?;
    let pipeline = &backend.pipeline;
    if !args.no_refresh
        && !fresh(backend, &account).await?
        && let Err(e) = pipeline.snapshot_now(account.id).await
    {
        eprintln!("warning: no fresh snapshot ({e}); showing stored figures");
    }
    let until = pipeline.clock().now();
    let since = until - TimeDelta::days(i64::from(args.days));
    let growth = pipeline.growth(account.id, since, until).await?;
    let zone = growth.time_zone;
    println!(
        "@{} over the last {} days ({}):",
        account.username,
        args.days,
        zone.name()
    );
    match (growth.followers_start, growth.followers_end) {
        (Some(a), Some(b)) => println!("  followers: {a} → {b} ({:+})", b - a),
        _ => println!("  followers: no reading yet"),
    }
    for name in ["views", "likes", "replies", "reposts", "quotes"] {
        println!("  {name}: {}", growth.total(name));
    }
    let posts = pipeline.post_performance(account.id, since, until).await?;
    let top = content_pipeline::insights::top_posts(&posts, 5, PostRanking::Engagements);
    if top.is_empty() {
        println!("  top posts: none measured yet");
    } else {
        println!("  top posts:");
        for p in &top {
            let rate = p
                .engagement_rate()
                .map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0));
            let text: String = p.post.text.chars().take(50).collect();
            println!(
                "    {} engagements, {} views, {rate}: {}",
                p.engagements(),
                p.views(),
                text.replace('\n', " ")
            );
        }
    }
    let heat = content_pipeline::insights::heat_map(&posts, zone);
    let best = heat.best(3);
    if !best.is_empty() {
        let list: Vec<String> = best
            .iter()
            .map(|c| format!("{} ({:.1}%)", c.label(), c.engagement_rate * 100.0))
            .collect();
        println!("  best hours: {}", list.join(", "));
    }

    let options = ChartOptions::default().time_zone(zone);
    let chart = match args.chart {
        ChartKind::Growth => threads_charts::follower_growth(&growth, &options)?,
        ChartKind::Engagement => threads_charts::engagement_per_post(&posts, &options)?,
        ChartKind::Hours => threads_charts::best_hours(&heat, &options)?,
        ChartKind::Audience => {
            let mut audiences = Vec::new();
            for breakdown in Breakdown::ALL {
                if let Some(a) = pipeline.audience(account.id, breakdown).await? {
                    audiences.push(a);
                }
            }
            // Up to three breakdowns side by side, four in a 2 × 2 grid.
            let height = if audiences.len() > 3 { 900 } else { 560 };
            threads_charts::audience(&audiences, &options.size(1280, height))?
        }
    };
    let out = out.unwrap_or_else(|| {
        backend.data.charts().join(format!(
            "{}-{}.png",
            account.username,
            chart_name(args.chart)
        ))
    });
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(CliError::io(parent))?;
    }
    if is_svg(&out) {
        chart.write_svg(&out)?;
    } else {
        chart.write_png(&out, args.scale)?;
    }
    println!("Chart written to {}", out.display());
    Ok(())
}

/// Whether the account's newest account snapshot is under a minute old
/// (`threads sync` just ran): another one would count an empty range.
async fn fresh(backend: &Backend, account: &Account) -> Result<bool> {
    let latest = backend
        .store
        .latest_snapshot(account.id, &InsightScope::Account)
        .await?;
    let now = backend.pipeline.clock().now();
    Ok(latest.is_some_and(|s| now - s.taken_at < TimeDelta::seconds(FRESH_SECS)))
}

fn is_svg(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// The `--out` path, checked before any work: `.svg` or `.png`.
fn chart_path(args: &InsightsArgs) -> Result<Option<PathBuf>> {
    let Some(out) = &args.out else {
        return Ok(None);
    };
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("svg" | "png") => Ok(Some(out.clone())),
        _ => Err(CliError::usage(
            format!("{} is neither .svg nor .png", out.display()),
            "name the chart file *.svg or *.png",
        )),
    }
}
