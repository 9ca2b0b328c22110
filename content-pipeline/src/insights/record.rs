//! How a snapshot is laid out in the store: [`SnapshotKind`], kept in the
//! snapshot's `breakdowns` field.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{DraftId, InsightSnapshot};

use crate::network::Breakdown;

/// What a stored [`InsightSnapshot`] holds. Written by the snapshot job into
/// the snapshot's `breakdowns` field; read back with [`SnapshotKind::of`].
///
/// | kind | `media_id` | `metrics` |
/// |---|---|---|
/// | [`Account`](Self::Account) | none | counts over `[since, until)` (views, likes, replies, reposts, quotes, clicks) and `followers_count` at `until` |
/// | [`Demographics`](Self::Demographics) | none | followers per value of the breakdown (`"US" → 120`) |
/// | [`Post`](Self::Post) | the post | the post's lifetime figures at `taken_at` |
///
/// The snapshots of one run share their `taken_at`. Snapshots of another
/// layout (a host's own) are left alone by every query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SnapshotKind {
    /// The account's figures over a range.
    Account {
        /// Start of the range counted.
        since: DateTime<Utc>,
        /// End of the range counted (the snapshot's `taken_at`).
        until: DateTime<Utc>,
    },
    /// Followers per value of one breakdown.
    Demographics {
        /// The breakdown.
        breakdown: Breakdown,
    },
    /// One post's figures.
    Post {
        /// The draft it was published from.
        draft_id: Option<DraftId>,
        /// When it went live.
        published_at: DateTime<Utc>,
    },
}

impl SnapshotKind {
    /// What `snapshot` holds, or `None` when it was not written by the
    /// snapshot job.
    pub fn of(snapshot: &InsightSnapshot) -> Option<SnapshotKind> {
        if !snapshot.breakdowns.is_object() {
            return None;
        }
        let kind = SnapshotKind::deserialize(&snapshot.breakdowns).ok()?;
        // The layout is only believed when the media id agrees with it.
        match (&kind, &snapshot.media_id) {
            (SnapshotKind::Post { .. }, Some(_))
            | (SnapshotKind::Account { .. } | SnapshotKind::Demographics { .. }, None) => {
                Some(kind)
            }
            _ => None,
        }
    }

    /// The layout as the JSON kept in `breakdowns`.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        // Serializing this enum cannot fail (string keys, plain values).
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use store_traits::AccountId;

    use super::*;

    fn snapshot(media: Option<&str>, kind: &SnapshotKind) -> InsightSnapshot {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let mut s = InsightSnapshot::new(
            AccountId::new(),
            media.map(str::to_owned),
            at,
            BTreeMap::new(),
        );
        s.breakdowns = kind.to_value();
        s
    }

    #[test]
    fn layouts_round_trip_through_the_snapshot() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let kinds = [
            (
                None,
                SnapshotKind::Account {
                    since: at - chrono::TimeDelta::days(1),
                    until: at,
                },
            ),
            (
                None,
                SnapshotKind::Demographics {
                    breakdown: Breakdown::Age,
                },
            ),
            (
                Some("42"),
                SnapshotKind::Post {
                    draft_id: Some(DraftId::new()),
                    published_at: at,
                },
            ),
        ];
        for (media, kind) in kinds {
            assert_eq!(SnapshotKind::of(&snapshot(media, &kind)), Some(kind));
        }
    }

    #[test]
    fn foreign_or_inconsistent_snapshots_are_not_read() {
        let mut plain = snapshot(
            None,
            &SnapshotKind::Demographics {
                breakdown: Breakdown::City,
            },
        );
        plain.breakdowns = serde_json::Value::Null;
        assert_eq!(SnapshotKind::of(&plain), None);
        plain.breakdowns = serde_json::json!({"kind": "weather"});
        assert_eq!(SnapshotKind::of(&plain), None);
        // A post layout without a post id is not believed.
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let post = SnapshotKind::Post {
            draft_id: None,
            published_at: at,
        };
        assert_eq!(SnapshotKind::of(&snapshot(None, &post)), None);
    }
}
