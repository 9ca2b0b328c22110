//! [`PublishLedger`]: the durable side of exactly-once publishing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{AccountId, DraftId, FenceToken};
use crate::records::{Insertion, PublishEntry, PublishState};

/// Which ledger entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishFilter {
    /// Only this account (`None`: all, for reconciliation sweeps).
    pub account_id: Option<AccountId>,
    /// Only these states (empty: any).
    pub states: Vec<PublishState>,
    /// Only entries last updated strictly before this instant.
    pub updated_before: Option<DateTime<Utc>>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// One entry per draft recording how far publication got.
///
/// See [`PublishEntry`] for the protocol.
/// [`update_publish_entry`](PublishLedger::update_publish_entry) follows exactly
/// the rules of [`DraftStore::update_draft`](crate::DraftStore::update_draft):
/// fence check, then version compare-and-swap, then store with `version + 1`.
#[async_trait]
pub trait PublishLedger: Send + Sync {
    /// Stores the entry unless the draft has one; then returns that one, unchanged.
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>>;

    /// Reads a draft's entry.
    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>>;

    /// Conditionally replaces an entry and returns the stored value.
    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry>;

    /// Entries matching `filter`, ordered by `(updated_at, draft_id)`.
    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>>;
}
