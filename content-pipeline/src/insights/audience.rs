//! The audience: follower demographics and how they shift between two
//! snapshots.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::InsightSnapshot;

use super::record::SnapshotKind;
use crate::network::Breakdown;

/// The audience by one breakdown, as of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Audience {
    /// The breakdown.
    pub breakdown: Breakdown,
    /// When it was read.
    pub taken_at: DateTime<Utc>,
    /// Followers per value (`"US" → 120`).
    pub followers: BTreeMap<String, i64>,
}

impl Audience {
    /// The audience a demographics snapshot holds (`None` for any other
    /// snapshot).
    pub fn of(snapshot: &InsightSnapshot) -> Option<Audience> {
        match SnapshotKind::of(snapshot)? {
            SnapshotKind::Demographics { breakdown } => Some(Audience {
                breakdown,
                taken_at: snapshot.taken_at,
                followers: snapshot.metrics.clone(),
            }),
            _ => None,
        }
    }
}

/// One value of a breakdown (a country, an age range) in two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShareChange {
    /// The value (`"US"`, `"25-34"`).
    pub key: String,
    /// Followers then.
    pub before: i64,
    /// Followers now.
    pub after: i64,
    /// Its share of the audience then (a fraction).
    pub share_before: f64,
    /// Its share now.
    pub share_after: f64,
}

impl ShareChange {
    /// Followers gained (negative: lost).
    pub fn change(&self) -> i64 {
        self.after - self.before
    }

    /// The change of its share, in percentage points.
    pub fn share_change_points(&self) -> f64 {
        (self.share_after - self.share_before) * 100.0
    }
}

/// How one breakdown of the audience moved between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DemographicShift {
    /// The breakdown.
    pub breakdown: Breakdown,
    /// When the first snapshot was taken.
    pub from: DateTime<Utc>,
    /// When the second was taken.
    pub to: DateTime<Utc>,
    /// Followers counted in the first.
    pub total_before: i64,
    /// Followers counted in the second.
    pub total_after: i64,
    /// Every value seen in either, the largest share change first (ties: by
    /// key).
    pub changes: Vec<ShareChange>,
}

impl DemographicShift {
    /// The value whose share grew most, if any grew.
    pub fn biggest_gain(&self) -> Option<&ShareChange> {
        self.changes
            .iter()
            .filter(|c| c.share_change_points() > 0.0)
            .max_by(|a, b| {
                a.share_change_points()
                    .partial_cmp(&b.share_change_points())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    }
}

fn share(value: i64, total: i64) -> f64 {
    if total > 0 {
        value as f64 / total as f64
    } else {
        0.0
    }
}

/// The shift between two demographics snapshots of the same breakdown
/// (`before` taken first). `None` when either is not a demographics
/// snapshot or their breakdowns differ.
pub fn demographic_shift(
    before: &InsightSnapshot,
    after: &InsightSnapshot,
) -> Option<DemographicShift> {
    let (SnapshotKind::Demographics { breakdown: a }, SnapshotKind::Demographics { breakdown: b }) =
        (SnapshotKind::of(before)?, SnapshotKind::of(after)?)
    else {
        return None;
    };
    if a != b {
        return None;
    }
    let total = |m: &BTreeMap<String, i64>| m.values().map(|v| (*v).max(0)).sum::<i64>();
    let (total_before, total_after) = (total(&before.metrics), total(&after.metrics));
    let keys: BTreeSet<&String> = before.metrics.keys().chain(after.metrics.keys()).collect();
    let mut changes: Vec<ShareChange> = keys
        .into_iter()
        .map(|key| {
            let then = before.metrics.get(key).copied().unwrap_or(0).max(0);
            let now = after.metrics.get(key).copied().unwrap_or(0).max(0);
            ShareChange {
                key: key.clone(),
                before: then,
                after: now,
                share_before: share(then, total_before),
                share_after: share(now, total_after),
            }
        })
        .collect();
    changes.sort_by(|x, y| {
        y.share_change_points()
            .abs()
            .partial_cmp(&x.share_change_points().abs())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| x.key.cmp(&y.key))
    });
    Some(DemographicShift {
        breakdown: a,
        from: before.taken_at,
        to: after.taken_at,
        total_before,
        total_after,
        changes,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use store_traits::AccountId;

    use super::*;

    fn demo(breakdown: Breakdown, days: i64, values: &[(&str, i64)]) -> InsightSnapshot {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + TimeDelta::days(days);
        let metrics = values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        let mut s = InsightSnapshot::new(AccountId::new(), None, at, metrics);
        s.breakdowns = SnapshotKind::Demographics { breakdown }.to_value();
        s
    }

    #[test]
    fn shares_are_compared_not_just_counts() {
        let before = demo(Breakdown::Country, 0, &[("US", 60), ("BR", 40)]);
        let after = demo(
            Breakdown::Country,
            30,
            &[("US", 60), ("BR", 80), ("IN", 60)],
        );
        let shift = demographic_shift(&before, &after).expect("same breakdown");
        assert_eq!((shift.total_before, shift.total_after), (100, 200));
        let us = shift.changes.iter().find(|c| c.key == "US").unwrap();
        assert_eq!(us.change(), 0);
        assert!((us.share_change_points() + 30.0).abs() < 1e-9, "60% → 30%");
        assert_eq!(
            shift.changes[0].key, "IN",
            "the largest move first (+30 points; US -30)"
        );
        assert_eq!(shift.biggest_gain().map(|c| c.key.as_str()), Some("IN"));
        let br = shift.changes.iter().find(|c| c.key == "BR").unwrap();
        assert_eq!(br.change(), 40);
        assert!(br.share_change_points().abs() < 1e-9, "40% → 40%");
    }

    #[test]
    fn different_breakdowns_do_not_compare() {
        let a = demo(Breakdown::Age, 0, &[("18-24", 1)]);
        let b = demo(Breakdown::Gender, 1, &[("F", 1)]);
        assert_eq!(demographic_shift(&a, &b), None);
    }
}
