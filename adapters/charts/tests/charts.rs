//! Every chart drawn from realistic insights, built with the pipeline's own
//! query functions from snapshots as the snapshot job stores them.
//!
//! Set `THREADS_CHARTS_DIR` to also write each chart there as PNG and SVG
//! (to look at them).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use content_pipeline::insights::{
    self, Audience, Growth, HeatMap, PostFacts, PostPerformance, SnapshotKind,
};
use content_pipeline::{Breakdown, PostId};
use store_traits::{AccountId, InsightSnapshot};
use threads_charts::{ChartOptions, Error, Svg};

fn berlin() -> Tz {
    "Europe/Berlin".parse().expect("zone")
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap()
}

fn snapshot(
    account: AccountId,
    media_id: Option<String>,
    taken_at: DateTime<Utc>,
    kind: SnapshotKind,
    metrics: &[(&str, i64)],
) -> InsightSnapshot {
    let metrics: BTreeMap<String, i64> =
        metrics.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    let mut s = InsightSnapshot::new(account, media_id, taken_at, metrics);
    s.breakdowns = serde_json::to_value(kind).expect("kind");
    s
}

/// 30 daily account snapshots: followers from 1,204 up to about 1,470,
/// with a dip in the middle.
fn growth() -> Growth {
    let account = AccountId::new();
    let mut snaps = Vec::new();
    let mut followers = 1_204_i64;
    for day in 0..30 {
        let since = start() + Duration::days(day);
        let until = since + Duration::days(1);
        followers += match day {
            12..=14 => -6,
            _ => 7 + (day * 7 % 11),
        };
        snaps.push(snapshot(
            account,
            None,
            until,
            SnapshotKind::Account { since, until },
            &[
                ("views", 900 + day * 40),
                ("likes", 60 + day),
                ("followers_count", followers),
            ],
        ));
    }
    insights::growth(&snaps, start(), start() + Duration::days(30), berlin())
}

/// 36 posts over four weeks at varied hours, each measured once.
fn posts() -> Vec<PostPerformance> {
    let account = AccountId::new();
    let mut facts = Vec::new();
    let mut snaps = Vec::new();
    for i in 0..36_i64 {
        let hour = [7, 9, 12, 18, 20, 21][(i % 6) as usize];
        let published =
            Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::hours(i * 19 + hour);
        let id = format!("1784{i:04}");
        facts.push(PostFacts::new(
            PostId::new(id.clone()),
            published,
            format!("post number {i} about sourdough"),
        ));
        let views = 400 + (i * 137 % 900);
        let likes = 8 + (i * 31 % 60) + if hour >= 18 { 25 } else { 0 };
        snaps.push(snapshot(
            account,
            Some(id),
            published + Duration::days(2),
            SnapshotKind::Post {
                draft_id: None,
                published_at: published,
            },
            &[
                ("views", views),
                ("likes", likes),
                ("replies", i % 7),
                ("reposts", i % 3),
                ("quotes", i % 2),
            ],
        ));
    }
    insights::post_performance(&facts, &snaps)
}

fn heat() -> HeatMap {
    insights::heat_map(&posts(), berlin())
}

fn audiences() -> Vec<Audience> {
    let account = AccountId::new();
    let at = start() + Duration::days(29);
    let of = |breakdown: Breakdown, values: &[(&str, i64)]| {
        Audience::of(&snapshot(
            account,
            None,
            at,
            SnapshotKind::Demographics { breakdown },
            values,
        ))
        .expect("demographics snapshot")
    };
    vec![
        of(
            Breakdown::Country,
            &[
                ("DE", 520),
                ("US", 310),
                ("AT", 160),
                ("CH", 120),
                ("GB", 80),
                ("FR", 60),
                ("NL", 50),
                ("IT", 40),
                ("ES", 30),
                ("PL", 20),
                ("BR", 10),
            ],
        ),
        of(
            Breakdown::Age,
            &[
                ("18-24", 180),
                ("25-34", 560),
                ("35-44", 420),
                ("45-54", 190),
                ("55-64", 50),
                ("65+", 20),
            ],
        ),
        of(Breakdown::Gender, &[("F", 780), ("M", 590), ("U", 30)]),
    ]
}

/// Parses the SVG as resvg will, and checks it names each of `texts`.
fn check_svg(svg: &Svg, texts: &[&str]) {
    let options = resvg::usvg::Options::default();
    resvg::usvg::Tree::from_str(svg.as_str(), &options).expect("the SVG parses");
    for text in texts {
        assert!(
            svg.as_str().contains(text),
            "the SVG lacks {text:?}:\n{}",
            &svg.as_str()[..svg.as_str().len().min(2_000)]
        );
    }
}

/// The text of every `<text>` element, trimmed.
fn texts(svg: &Svg) -> Vec<String> {
    svg.as_str()
        .split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_owned())
        })
        .collect()
}

/// The PNG's width and height from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// Writes the chart to `THREADS_CHARTS_DIR` when it is set.
fn keep(name: &str, svg: &Svg) {
    if let Ok(dir) = std::env::var("THREADS_CHARTS_DIR") {
        std::fs::create_dir_all(&dir).expect("charts dir");
        let base = std::path::Path::new(&dir).join(name);
        svg.write_svg(base.with_extension("svg")).expect("svg");
        svg.write_png(base.with_extension("png"), 1.0).expect("png");
    }
}

#[test]
fn follower_growth_shows_dates_followers_and_the_change() {
    let g = growth();
    assert_eq!(
        g.days.len(),
        31,
        "30 days from 07:00 Berlin touch 31 local days"
    );
    let svg = threads_charts::follower_growth(&g, &ChartOptions::default()).expect("chart");
    keep("growth", &svg);
    let change = g.followers_change().expect("both ends known");
    check_svg(
        &svg,
        &[
            "Follower growth",
            "Followers (count)",
            "Date (Europe/Berlin)",
            "Mar 1, 2026",
            &format!("(+{change})"),
        ],
    );
    // Dates label the x axis.
    assert!(svg.as_str().contains(">Mar 1") || svg.as_str().contains("Mar 1\n"));
}

#[test]
fn engagement_per_post_is_in_percent_with_dated_bars() {
    let posts = posts();
    let options = ChartOptions::default().time_zone(berlin());
    let svg = threads_charts::engagement_per_post(&posts, &options).expect("chart");
    keep("engagement", &svg);
    check_svg(
        &svg,
        &[
            "Engagement per post",
            "Engagement rate (%)",
            "Post, by publication time (Europe/Berlin)",
            "36 posts",
            "mean rate ",
        ],
    );
    // The first post went live 2026-03-02 07:00 UTC = 08:00 in Berlin.
    assert!(
        svg.as_str().contains("Mar 2 08:00"),
        "local publication time"
    );
}

#[test]
fn few_posts_get_their_rate_written_on_the_bar() {
    let posts: Vec<PostPerformance> = posts().into_iter().take(5).collect();
    let rate = posts[0].engagement_rate().expect("views") * 100.0;
    let svg = threads_charts::engagement_per_post(&posts, &ChartOptions::default()).expect("chart");
    keep("engagement-few", &svg);
    check_svg(&svg, &[&format!("{rate:.1}%")]);
}

#[test]
fn a_single_post_or_day_still_draws() {
    let one: Vec<PostPerformance> = posts().into_iter().take(1).collect();
    let svg = threads_charts::engagement_per_post(&one, &ChartOptions::default()).expect("chart");
    keep("engagement-one", &svg);
    check_svg(&svg, &["1 post "]);
    let mut g = growth();
    g.days.truncate(1);
    g.days[0].followers = Some(1_204);
    g.followers_start = Some(1_204);
    g.followers_end = Some(1_204);
    let svg = threads_charts::follower_growth(&g, &ChartOptions::default()).expect("chart");
    keep("growth-one", &svg);
    check_svg(&svg, &["Mar 1", "on Mar 1, 2026", "(±0)"]);
    assert_eq!(
        svg.as_str().matches("<circle").count(),
        1,
        "one reading, one dot"
    );
    assert!(
        !svg.as_str().contains("#2563EB\" stroke-width=\"3\""),
        "no line through one point"
    );
    assert!(!svg.as_str().contains("points=\"\""), "no empty shape");
    let single = Audience::of(&snapshot(
        AccountId::new(),
        None,
        start(),
        SnapshotKind::Demographics {
            breakdown: Breakdown::Gender,
        },
        &[("F", 120)],
    ))
    .expect("demographics");
    let svg = threads_charts::audience(&[single], &ChartOptions::default()).expect("chart");
    keep("audience-one", &svg);
    check_svg(&svg, &["Female", "100%"]);
}

#[test]
fn best_hours_is_a_week_grid_with_a_legend() {
    let map = heat();
    assert!(map.cells.len() > 10);
    let svg =
        threads_charts::best_hours(&map, &ChartOptions::default().size(1200, 560)).expect("chart");
    keep("hours", &svg);
    check_svg(
        &svg,
        &[
            "Best posting hours",
            "Hour of publication (Europe/Berlin)",
            "Weekday",
            "Mon",
            "Sun",
            "Engagement rate",
            "no posts",
            "best: ",
        ],
    );
    // 7 × 24 cells, and the legend's steps.
    let rects = svg.as_str().matches("<rect").count();
    assert!(rects >= 7 * 24 + 60, "{rects} rectangles");
}

#[test]
fn audience_has_one_panel_per_breakdown() {
    let options = ChartOptions::default().size(1280, 560).max_bars(6);
    let svg = threads_charts::audience(&audiences(), &options).expect("chart");
    keep("audience", &svg);
    check_svg(
        &svg,
        &[
            "Audience",
            "Country (1,400 followers)",
            "Age (1,420 followers)",
            "Gender (1,400 followers)",
            "Share of followers (%)",
            "Female",
            "25-34",
            "Other (6)",
        ],
    );
    // 520 of 1,400 followers in Germany.
    assert!(svg.as_str().contains("37%"));
}

#[test]
fn empty_data_is_a_typed_error() {
    let mut g = growth();
    for d in &mut g.days {
        d.followers = None;
    }
    let no_data = |r: threads_charts::Result<Svg>| matches!(r, Err(Error::NoData { .. }));
    assert!(no_data(threads_charts::follower_growth(
        &g,
        &ChartOptions::default()
    )));
    assert!(no_data(threads_charts::engagement_per_post(
        &[],
        &ChartOptions::default()
    )));
    assert!(no_data(threads_charts::best_hours(
        &insights::heat_map(&[], berlin()),
        &ChartOptions::default()
    )));
    assert!(no_data(threads_charts::audience(
        &[],
        &ChartOptions::default()
    )));
    let err = threads_charts::engagement_per_post(&[], &ChartOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no data for the engagement per post chart: no post has views yet"
    );
}

#[test]
fn bad_options_are_refused() {
    let g = growth();
    for options in [
        ChartOptions::default().size(0, 540),
        ChartOptions::default().size(960, 100_000),
        ChartOptions::default().max_bars(0),
    ] {
        assert!(matches!(
            threads_charts::follower_growth(&g, &options),
            Err(Error::InvalidOptions(_))
        ));
    }
}

#[test]
fn pngs_have_the_signature_and_the_scaled_size() {
    let svg = threads_charts::follower_growth(&growth(), &ChartOptions::default().size(800, 450))
        .expect("chart");
    assert_eq!((svg.width(), svg.height()), (800, 450));
    assert_eq!(png_size(&svg.to_png(1.0).expect("png")), (800, 450));
    assert_eq!(png_size(&svg.to_png(2.0).expect("png")), (1600, 900));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("growth.png");
    svg.write_png(&path, 1.5).expect("write");
    assert_eq!(png_size(&std::fs::read(&path).expect("read")), (1200, 675));
    let svg_path = dir.path().join("growth.svg");
    svg.write_svg(&svg_path).expect("write svg");
    assert_eq!(
        std::fs::read_to_string(&svg_path).expect("read"),
        svg.as_str()
    );
}

#[test]
fn text_is_drawn_in_the_png() {
    // The same chart with and without its title: the title's pixels differ,
    // so the embedded font drew glyphs.
    let g = growth();
    let a = threads_charts::follower_growth(&g, &ChartOptions::default().title("Followers"))
        .expect("chart")
        .to_png(1.0)
        .expect("png");
    let b = threads_charts::follower_growth(&g, &ChartOptions::default().title(" "))
        .expect("chart")
        .to_png(1.0)
        .expect("png");
    assert_ne!(a, b);
}

#[test]
fn writing_to_a_missing_directory_is_an_io_error() {
    let svg = threads_charts::follower_growth(&growth(), &ChartOptions::default()).expect("chart");
    let err = svg
        .write_svg("/nonexistent-dir/x/growth.svg")
        .expect_err("no such directory");
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("/nonexistent-dir/x/growth.svg"));
}

/// A year and a half of daily readings of a big account (tens of millions
/// of followers), with a week missing: the line bridges the gap, the dates
/// carry their year, the counts are grouped.
#[test]
fn a_long_period_of_huge_counts_stays_readable() {
    let account = AccountId::new();
    let begin = Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap();
    let mut snaps = Vec::new();
    for day in 0..540_i64 {
        if (200..207).contains(&day) {
            continue;
        }
        let since = begin + Duration::days(day);
        snaps.push(snapshot(
            account,
            None,
            since + Duration::days(1),
            SnapshotKind::Account {
                since,
                until: since + Duration::days(1),
            },
            &[
                ("views", 90_000_000),
                ("followers_count", 48_000_000 + day * 31_000),
            ],
        ));
    }
    let g = insights::growth(&snaps, begin, begin + Duration::days(540), Tz::UTC);
    let svg = threads_charts::follower_growth(&g, &ChartOptions::default()).expect("chart");
    keep("growth-long", &svg);
    check_svg(&svg, &["2025", "2026", "48,0", "Followers (count)"]);
    assert_eq!(png_size(&svg.to_png(1.0).expect("png")), (960, 540));
}

/// Counts near the limits of `i64` neither panic nor overflow.
#[test]
fn extreme_counts_do_not_overflow() {
    let mut g = growth();
    g.days[3].followers = Some(i64::MAX);
    g.days[4].followers = Some(0);
    g.followers_start = Some(i64::MIN);
    g.followers_end = Some(i64::MAX);
    let svg = threads_charts::follower_growth(&g, &ChartOptions::default()).expect("chart");
    check_svg(&svg, &["9,223,372,036,854,775,807"]);

    let mut posts: Vec<PostPerformance> = posts().into_iter().take(3).collect();
    posts[0].metrics.insert("views".into(), i64::MAX);
    posts[0].metrics.insert("likes".into(), i64::MAX);
    posts[1].metrics.insert("views".into(), 1);
    posts[1].metrics.insert("likes".into(), 5_000);
    let svg = threads_charts::engagement_per_post(&posts, &ChartOptions::default()).expect("chart");
    keep("engagement-extreme", &svg);
    check_svg(&svg, &["3 posts", "9,223,372,036,854,775,807 views"]);
    let map = insights::heat_map(&posts, Tz::UTC);
    let svg =
        threads_charts::best_hours(&map, &ChartOptions::default().size(1200, 560)).expect("chart");
    keep("hours-extreme", &svg);
    assert!(
        texts(&svg).iter().any(|t| t == "&gt;999"),
        "a huge rate fits its cell"
    );

    let huge = Audience::of(&snapshot(
        AccountId::new(),
        None,
        start(),
        SnapshotKind::Demographics {
            breakdown: Breakdown::Country,
        },
        &[("US", i64::MAX), ("DE", i64::MAX), ("FR", -5)],
    ))
    .expect("demographics");
    let svg = threads_charts::audience(&[huge], &ChartOptions::default()).expect("chart");
    check_svg(&svg, &["US", "DE"]);
    assert!(!svg.as_str().contains("FR"), "a negative count is left out");
}

/// All four breakdowns, long city names and the default (smaller) size.
#[test]
fn four_breakdowns_make_a_grid_and_long_names_are_cut() {
    let account = AccountId::new();
    let city = Audience::of(&snapshot(
        account,
        None,
        start(),
        SnapshotKind::Demographics {
            breakdown: Breakdown::City,
        },
        &[
            ("Berlin, Berlin", 300),
            ("Hamburg, Hamburg", 120),
            ("Frankfurt am Main, Hesse", 90),
            ("Garmisch-Partenkirchen, Bavaria", 40),
            ("Vienna, Vienna", 80),
        ],
    ))
    .expect("demographics");
    let mut all = audiences();
    all.insert(1, city);
    let options = ChartOptions::default().size(1280, 900);
    let svg = threads_charts::audience(&all, &options).expect("chart");
    keep("audience-four", &svg);
    check_svg(
        &svg,
        &[
            "City (630 followers)",
            "Berlin, Berlin",
            "Frankfurt am Main",
            "Garmisch-Partenki…",
            "Country",
            "Gender",
        ],
    );
    assert!(!svg.as_str().contains("Garmisch-Partenkirchen, Bavaria"));
    // The default size still draws it.
    let svg = threads_charts::audience(&all, &ChartOptions::default()).expect("chart");
    keep("audience-four-small", &svg);
}

/// The heat map at the default width leaves the (narrow) cells without
/// numbers; at a small width, every third hour is labelled.
#[test]
fn narrow_heat_maps_thin_their_labels() {
    let svg = threads_charts::best_hours(&heat(), &ChartOptions::default()).expect("chart");
    keep("hours-default", &svg);
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "01"), "every hour at 960 px");
    assert!(
        !labels.iter().any(|t| t.contains('.')),
        "no rates in narrow cells"
    );

    let svg = threads_charts::best_hours(&heat(), &ChartOptions::default().size(640, 400))
        .expect("chart");
    keep("hours-small", &svg);
    let labels = texts(&svg);
    for hour in ["00", "03", "21"] {
        assert!(labels.iter().any(|t| t == hour), "{hour} in {labels:?}");
    }
    assert!(
        !labels.iter().any(|t| t == "01"),
        "every third hour is labelled"
    );
}

/// Many posts: bars thin out and only some dates are written.
#[test]
fn many_posts_get_thinned_date_labels() {
    let account = AccountId::new();
    let mut facts = Vec::new();
    let mut snaps = Vec::new();
    for i in 0..200_i64 {
        let published = start() + Duration::hours(i * 11);
        let id = format!("99{i:05}");
        facts.push(PostFacts::new(PostId::new(id.clone()), published, "x"));
        snaps.push(snapshot(
            account,
            Some(id),
            published + Duration::days(1),
            SnapshotKind::Post {
                draft_id: None,
                published_at: published,
            },
            &[("views", 1_000 + i * 13), ("likes", 10 + i % 40)],
        ));
    }
    let posts = insights::post_performance(&facts, &snaps);
    let svg = threads_charts::engagement_per_post(&posts, &ChartOptions::default()).expect("chart");
    keep("engagement-many", &svg);
    check_svg(&svg, &["200 posts"]);
    let dated = texts(&svg)
        .iter()
        .filter(|t| t.starts_with("Mar ") || t.starts_with("Apr "))
        .count();
    assert!((2..=12).contains(&dated), "{dated} date labels");
}
