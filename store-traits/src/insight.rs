//! Insights snapshots: [`InsightSnapshot`] and [`InsightStore`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, InsightSnapshotId};

/// Which snapshots to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightQuery {
    /// The account.
    pub account_id: AccountId,
    /// Account-level, one post, or all.
    pub scope: InsightScope,
    /// Only snapshots taken at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only snapshots taken strictly before this instant.
    pub until: Option<DateTime<Utc>>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

impl InsightQuery {
    /// Every snapshot of an account.
    pub fn all(account_id: AccountId) -> Self {
        Self {
            account_id,
            scope: InsightScope::All,
            since: None,
            until: None,
            limit: None,
        }
    }
}

/// Insights snapshots over time.
#[async_trait]
pub trait InsightStore: Send + Sync {
    /// Stores a snapshot. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn record_snapshot(&self, snapshot: &InsightSnapshot) -> Result<()>;

    /// Snapshots matching `query`, oldest first: ordered by `(taken_at, id)`.
    async fn list_snapshots(&self, query: &InsightQuery) -> Result<Vec<InsightSnapshot>>;

    /// The newest snapshot in scope (largest `(taken_at, id)`).
    async fn latest_snapshot(
        &self,
        account_id: AccountId,
        scope: &InsightScope,
    ) -> Result<Option<InsightSnapshot>>;
}

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
