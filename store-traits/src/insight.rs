//! [`InsightStore`]: insights snapshots.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::AccountId;
use crate::records::{InsightScope, InsightSnapshot};

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
