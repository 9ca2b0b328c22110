//! Growth over a period: what the account's counts added up to, per day in
//! its zone, and how its follower count moved.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use store_traits::InsightSnapshot;

use super::record::SnapshotKind;
use crate::network::metric;
use crate::schedule::resolve_local;

/// Most days a growth result lists (about three years); longer periods are
/// summed in full but listed only for their last days.
const MAX_DAYS: usize = 1_100;

/// One local day of a [`Growth`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DayGrowth {
    /// The day, in the account's zone.
    pub date: NaiveDate,
    /// Counts attributed to the day (views, likes, replies, ...).
    pub metrics: BTreeMap<String, i64>,
    /// The last follower count seen that day.
    pub followers: Option<i64>,
    /// Followers gained (negative: lost) since the previous level seen.
    pub followers_change: Option<i64>,
}

impl DayGrowth {
    /// The day's count of `name` (0 when none).
    pub fn metric(&self, name: &str) -> i64 {
        self.metrics.get(name).copied().unwrap_or(0)
    }
}

/// Growth of an account over `[since, until)`, from its account snapshots.
///
/// Each account snapshot counts over its own range (from the previous
/// snapshot to its own time). A range that lies inside the period counts in
/// full; one that straddles an end of the period, or a day boundary, is
/// shared out in proportion to the time on each side (the network's figures
/// do not say when in the range things happened). Totals of ranges inside the
/// period are exact; days are rounded one by one, so they may differ from the
/// total by a unit or two. Two ranges that overlap (two snapshots taken
/// close together) count the overlap once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Growth {
    /// Start of the period.
    pub since: DateTime<Utc>,
    /// End of the period.
    pub until: DateTime<Utc>,
    /// The zone days are cut in.
    pub time_zone: Tz,
    /// Counts over the period (views, likes, replies, reposts, quotes,
    /// clicks: whatever the network reported).
    pub totals: BTreeMap<String, i64>,
    /// Followers at the start of the period: the last level seen at or
    /// before it, else the first one seen in it.
    pub followers_start: Option<i64>,
    /// Followers at the end: the last level seen at or before it.
    pub followers_end: Option<i64>,
    /// One entry per local day touched by the period, oldest first.
    pub days: Vec<DayGrowth>,
    /// Account snapshots that contributed.
    pub snapshots: usize,
}

impl Growth {
    /// The period's count of `name` (0 when none).
    pub fn total(&self, name: &str) -> i64 {
        self.totals.get(name).copied().unwrap_or(0)
    }

    /// Followers gained (negative: lost) over the period, when both ends
    /// are known.
    pub fn followers_change(&self) -> Option<i64> {
        Some(self.followers_end? - self.followers_start?)
    }
}

/// The start of a local day, as an instant (a day that starts in a DST gap
/// starts when the gap ends).
fn day_start(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    resolve_local(zone, date.and_time(NaiveTime::MIN))
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

/// Seconds from `a` to `b` as a float (0 when `b` is not after `a`).
fn seconds(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds().max(0) as f64 / 1_000.0
}

/// Growth of the account over `[since, until)` in `zone`, from its
/// snapshots (any kind; only account snapshots are read).
pub fn growth(
    snapshots: &[InsightSnapshot],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    zone: Tz,
) -> Growth {
    let mut windows: Vec<(DateTime<Utc>, DateTime<Utc>, &InsightSnapshot)> = snapshots
        .iter()
        .filter_map(|s| match SnapshotKind::of(s)? {
            SnapshotKind::Account { since, until } => Some((since, until, s)),
            _ => None,
        })
        .collect();
    windows.sort_by_key(|(ws, we, s)| (*we, *ws, s.id));

    // The local days of the period.
    let mut days: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    if since < until {
        let mut date = since.with_timezone(&zone).date_naive();
        let last = (until - chrono::TimeDelta::nanoseconds(1))
            .with_timezone(&zone)
            .date_naive();
        loop {
            let next = next_day(date);
            days.push((date, day_start(zone, date), day_start(zone, next)));
            if date >= last || next == date {
                break;
            }
            date = next;
        }
        if days.len() > MAX_DAYS {
            days.drain(..days.len() - MAX_DAYS);
        }
    }

    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    let mut per_day: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); days.len()];
    let mut covered: Option<DateTime<Utc>> = None;
    let mut used = 0;
    for (ws, we, snapshot) in &windows {
        let length = seconds(*ws, *we);
        if length <= 0.0 {
            continue;
        }
        // Count only what earlier ranges did not already cover.
        let start = covered.map_or(*ws, |c| c.max(*ws));
        covered = Some(covered.map_or(*we, |c| c.max(*we)));
        let (from, to) = (start.max(since), (*we).min(until));
        if from >= to {
            continue;
        }
        used += 1;
        let share = seconds(from, to) / length;
        for (name, value) in &snapshot.metrics {
            if name == metric::FOLLOWERS_COUNT {
                continue;
            }
            let value = *value as f64;
            *totals.entry(name.clone()).or_default() += value * share;
            for (i, (_, day_from, day_to)) in days.iter().enumerate() {
                let (a, b) = (from.max(*day_from), to.min(*day_to));
                if a < b {
                    *per_day[i].entry(name.clone()).or_default() += value * seconds(a, b) / length;
                }
            }
        }
    }

    // Follower levels, in time order.
    let mut levels: Vec<(DateTime<Utc>, i64)> = windows
        .iter()
        .filter_map(|(_, _, s)| Some((s.taken_at, *s.metrics.get(metric::FOLLOWERS_COUNT)?)))
        .collect();
    levels.sort_by_key(|(at, _)| *at);
    let followers_start = levels
        .iter()
        .rfind(|(at, _)| *at <= since)
        .or_else(|| levels.iter().find(|(at, _)| *at > since && *at < until))
        .map(|(_, v)| *v);
    let followers_end = levels.iter().rfind(|(at, _)| *at <= until).map(|(_, v)| *v);

    let mut previous = levels
        .iter()
        .rfind(|(at, _)| days.first().is_some_and(|(_, from, _)| *at < *from))
        .map(|(_, v)| *v);
    let days = days
        .iter()
        .zip(per_day)
        .map(|((date, from, to), metrics)| {
            let followers = levels
                .iter()
                .rfind(|(at, _)| *at >= *from && *at < *to && *at <= until)
                .map(|(_, v)| *v);
            let followers_change = match (followers, previous) {
                (Some(now), Some(before)) => Some(now - before),
                _ => None,
            };
            if followers.is_some() {
                previous = followers;
            }
            DayGrowth {
                date: *date,
                metrics: metrics
                    .into_iter()
                    .map(|(k, v)| (k, v.round() as i64))
                    .collect(),
                followers,
                followers_change,
            }
        })
        .collect();

    Growth {
        since,
        until,
        time_zone: zone,
        totals: totals
            .into_iter()
            .map(|(k, v)| (k, v.round() as i64))
            .collect(),
        followers_start,
        followers_end,
        days,
        snapshots: used,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use store_traits::AccountId;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    fn window(
        account: AccountId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        views: i64,
        followers: i64,
    ) -> InsightSnapshot {
        let metrics = BTreeMap::from([
            ("views".to_owned(), views),
            ("followers_count".to_owned(), followers),
        ]);
        let mut s = InsightSnapshot::new(account, None, until, metrics);
        s.breakdowns = SnapshotKind::Account { since, until }.to_value();
        s
    }

    #[test]
    fn ranges_inside_the_period_add_up_exactly() {
        let a = AccountId::new();
        let snaps = vec![
            window(a, at(2, 12), at(3, 12), 100, 500),
            window(a, at(3, 12), at(4, 12), 40, 510),
            window(a, at(4, 12), at(5, 12), 60, 505),
        ];
        let g = growth(&snaps, at(2, 12), at(5, 12), Tz::UTC);
        assert_eq!(g.total("views"), 200);
        assert_eq!(g.snapshots, 3);
        assert_eq!(
            g.followers_start,
            Some(500),
            "the first level seen in the period"
        );
        assert_eq!(g.followers_end, Some(505));
        assert_eq!(g.followers_change(), Some(5));
        // Days split at midnight UTC: half of each range on each side.
        let views: Vec<i64> = g.days.iter().map(|d| d.metric("views")).collect();
        assert_eq!(views, vec![50, 70, 50, 30]);
        assert_eq!(g.days[1].followers, Some(500));
        assert_eq!(g.days[2].followers_change, Some(10));
        assert_eq!(g.days[3].followers_change, Some(-5));
    }

    #[test]
    fn straddling_and_overlapping_ranges_count_once() {
        let a = AccountId::new();
        let snaps = vec![
            window(a, at(2, 0), at(3, 0), 240, 1),
            // Overlaps the first by 12 hours: only its last 12 hours count.
            window(a, at(2, 12), at(3, 12), 100, 1),
        ];
        // The period starts halfway through the first range.
        let g = growth(&snaps, at(2, 12), at(4, 0), Tz::UTC);
        assert_eq!(g.total("views"), 120 + 50);
        assert_eq!(g.followers_change(), Some(0));
    }

    #[test]
    fn days_follow_the_zone_across_daylight_saving() {
        let a = AccountId::new();
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2026-03-08 is 23 hours long in New York.
        let from = day_start(ny, NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        let to = day_start(ny, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(to - from, TimeDelta::hours(23));
        let snaps = vec![window(a, from, to, 23, 7)];
        let g = growth(&snaps, from, to, ny);
        assert_eq!(g.days.len(), 1);
        assert_eq!(g.days[0].metric("views"), 23);
        assert_eq!(g.days[0].followers, None, "taken at the next day's start");
        assert_eq!(g.followers_end, Some(7), "a level taken at the end counts");
    }

    #[test]
    fn an_empty_period_has_no_days() {
        let g = growth(&[], at(3, 0), at(3, 0), Tz::UTC);
        assert!(g.days.is_empty());
        assert!(g.totals.is_empty());
        assert_eq!(g.followers_change(), None);
    }
}
