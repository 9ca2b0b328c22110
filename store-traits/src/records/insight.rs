//! Insights snapshots.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, InsightSnapshotId};

/// Metrics of an account or one of its posts at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightSnapshot {
    /// The snapshot's id.
    pub id: InsightSnapshotId,
    /// The account.
    pub account_id: AccountId,
    /// The post, or `None` for account-level metrics.
    pub media_id: Option<String>,
    /// When the metrics were read.
    pub taken_at: DateTime<Utc>,
    /// Metric name → value (views, likes, replies, followers_count, ...).
    pub metrics: BTreeMap<String, i64>,
    /// Breakdowns (follower demographics and the like) as returned; `Null` when none.
    pub breakdowns: serde_json::Value,
}

impl InsightSnapshot {
    /// A snapshot with the given metrics and no breakdowns.
    pub fn new(
        account_id: AccountId,
        media_id: Option<String>,
        taken_at: DateTime<Utc>,
        metrics: BTreeMap<String, i64>,
    ) -> Self {
        Self {
            id: InsightSnapshotId::new(),
            account_id,
            media_id,
            taken_at,
            metrics,
            breakdowns: serde_json::Value::Null,
        }
    }
}

/// Which snapshots of an account to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsightScope {
    /// Account-level snapshots only (`media_id` is `None`).
    Account,
    /// Snapshots of one post.
    Media(String),
    /// All snapshots of the account.
    All,
}

impl InsightScope {
    /// Whether a snapshot is in scope.
    pub fn matches(&self, snapshot: &InsightSnapshot) -> bool {
        match self {
            Self::Account => snapshot.media_id.is_none(),
            Self::Media(id) => snapshot.media_id.as_deref() == Some(id.as_str()),
            Self::All => true,
        }
    }
}
