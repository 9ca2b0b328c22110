//! Best posting hours: a weekday × hour heat map of engagement, in the
//! account's zone, and the posting windows it suggests.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;
use persona_core::PostingWindow;
use serde::{Deserialize, Serialize};

use super::posts::PostPerformance;

/// One cell of a [`HeatMap`]: the posts published on one weekday in one
/// local hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HourSlot {
    /// The weekday, in the account's zone.
    pub weekday: Weekday,
    /// The hour (0–23), in the account's zone.
    pub hour: u32,
    /// Posts published in the cell (with views).
    pub posts: usize,
    /// Their mean engagement rate (a fraction: 0.05 is 5 %).
    pub engagement_rate: f64,
    /// Their likes, replies, reposts and quotes together.
    pub engagements: i64,
    /// Their views together.
    pub views: i64,
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

impl HourSlot {
    /// The cell in words: `"Tuesday 18:00–19:00"`.
    pub fn label(&self) -> String {
        format!(
            "{} {:02}:00–{:02}:00",
            weekday_name(self.weekday),
            self.hour,
            self.hour + 1
        )
    }
}

/// Engagement per weekday and local hour of publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeatMap {
    /// The zone the hours are read in.
    pub time_zone: Tz,
    /// The cells that have posts, Monday 00:00 first.
    pub cells: Vec<HourSlot>,
}

impl HeatMap {
    /// The cell of `weekday` at `hour`, if it has posts.
    pub fn cell(&self, weekday: Weekday, hour: u32) -> Option<&HourSlot> {
        self.cells
            .iter()
            .find(|c| c.weekday == weekday && c.hour == hour)
    }

    /// Whether no post could be placed.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The `n` cells with the highest mean engagement rate (ties: more
    /// posts, then the earlier in the week).
    pub fn best(&self, n: usize) -> Vec<HourSlot> {
        let mut cells: Vec<&HourSlot> = self.cells.iter().collect();
        cells.sort_by(|a, b| {
            b.engagement_rate
                .partial_cmp(&a.engagement_rate)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.posts.cmp(&a.posts))
                .then(
                    (a.weekday.num_days_from_monday(), a.hour)
                        .cmp(&(b.weekday.num_days_from_monday(), b.hour)),
                )
        });
        cells.into_iter().take(n).cloned().collect()
    }
}

/// The heat map of `posts` in `zone`: each post (with views) placed by the
/// local weekday and hour it went live, each cell scored by the mean
/// engagement rate of its posts (so old and new posts weigh alike).
pub fn heat_map(posts: &[PostPerformance], zone: Tz) -> HeatMap {
    // (weekday, hour) → (posts, sum of rates, engagements, views)
    let mut cells: BTreeMap<(u32, u32), (usize, f64, i64, i64)> = BTreeMap::new();
    for p in posts {
        let Some(rate) = p.engagement_rate() else {
            continue;
        };
        let local = p.post.published_at.with_timezone(&zone);
        let key = (local.weekday().num_days_from_monday(), local.hour());
        let cell = cells.entry(key).or_insert((0, 0.0, 0, 0));
        cell.0 += 1;
        cell.1 += rate;
        cell.2 = cell.2.saturating_add(p.engagements());
        cell.3 = cell.3.saturating_add(p.views());
    }
    let cells = cells
        .into_iter()
        .filter_map(|((day, hour), (posts, sum, engagements, views))| {
            Some(HourSlot {
                weekday: Weekday::try_from(u8::try_from(day).ok()?).ok()?,
                hour,
                posts,
                engagement_rate: sum / posts as f64,
                engagements,
                views,
            })
        })
        .collect();
    HeatMap {
        time_zone: zone,
        cells,
    }
}

/// Posting windows for `slots`: one window per hour, on the weekdays that
/// hour was best (`18:00–18:59:59` on Tuesday and Friday), earliest hour
/// first.
pub fn posting_windows(slots: &[HourSlot]) -> Vec<PostingWindow> {
    let mut by_hour: BTreeMap<u32, Vec<Weekday>> = BTreeMap::new();
    for s in slots {
        let days = by_hour.entry(s.hour).or_default();
        if !days.contains(&s.weekday) {
            days.push(s.weekday);
        }
    }
    by_hour
        .into_iter()
        .filter_map(|(hour, mut days)| {
            days.sort_by_key(|d| d.num_days_from_monday());
            Some(PostingWindow {
                days,
                start: NaiveTime::from_hms_opt(hour, 0, 0)?,
                end: NaiveTime::from_hms_opt(hour, 59, 59)?,
            })
        })
        .collect()
}

/// A window in words: `"Tue, Fri 18:00-18:59"` (`"daily 18:00-18:59"`
/// without days).
pub(crate) fn describe_window(window: &PostingWindow) -> String {
    let days = if window.days.is_empty() {
        "daily".to_owned()
    } else {
        window
            .days
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{days} {}-{}",
        window.start.format("%H:%M"),
        window.end.format("%H:%M")
    )
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::insights::posts::PostFacts;
    use crate::network::PostId;

    fn post(at: DateTime<Utc>, views: i64, likes: i64) -> PostPerformance {
        PostPerformance {
            post: PostFacts::new(PostId::new(at.timestamp().to_string()), at, "text"),
            measured_at: at,
            metrics: BTreeMap::from([("views".to_owned(), views), ("likes".to_owned(), likes)]),
        }
    }

    #[test]
    fn cells_are_local_weekdays_and_hours() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        // Monday 2026-03-02 23:30 UTC is Tuesday 08:30 in Tokyo.
        let a = Utc.with_ymd_and_hms(2026, 3, 2, 23, 30, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 3, 9, 23, 10, 0).unwrap();
        let c = Utc.with_ymd_and_hms(2026, 3, 3, 3, 0, 0).unwrap();
        let map = heat_map(
            &[post(a, 100, 10), post(b, 100, 20), post(c, 100, 1)],
            tokyo,
        );
        let cell = map.cell(Weekday::Tue, 8).expect("Tuesday 08:00 in Tokyo");
        assert_eq!(cell.posts, 2);
        assert!((cell.engagement_rate - 0.15).abs() < 1e-9);
        assert_eq!(cell.engagements, 30);
        assert!(map.cell(Weekday::Mon, 23).is_none(), "not read in UTC");
        let best = map.best(1);
        assert_eq!(best[0].label(), "Tuesday 08:00–09:00");
        assert_eq!(map.best(5).len(), 2);
    }

    #[test]
    fn posts_without_views_are_not_placed() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        assert!(heat_map(&[post(at, 0, 0)], Tz::UTC).is_empty());
    }

    #[test]
    fn windows_merge_days_of_the_same_hour() {
        let slot = |weekday, hour| HourSlot {
            weekday,
            hour,
            posts: 1,
            engagement_rate: 0.1,
            engagements: 1,
            views: 10,
        };
        let windows = posting_windows(&[
            slot(Weekday::Fri, 18),
            slot(Weekday::Tue, 18),
            slot(Weekday::Mon, 9),
            slot(Weekday::Tue, 23),
        ]);
        assert_eq!(windows.len(), 3);
        assert_eq!(windows[0].days, vec![Weekday::Mon]);
        assert_eq!(windows[1].days, vec![Weekday::Tue, Weekday::Fri]);
        assert_eq!(describe_window(&windows[1]), "Tue, Fri 18:00-18:59");
        assert!(windows.iter().all(|w| w.start < w.end));
        assert_eq!(windows[2].end, NaiveTime::from_hms_opt(23, 59, 59).unwrap());
    }
}
