//! [`InsightStore`] over the in-memory maps.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::insight::{InsightQuery, InsightScope, InsightSnapshot, InsightStore};
use crate::record_kind::RecordKind;

#[async_trait]
impl InsightStore for MemoryStore {
    async fn record_snapshot(&self, snapshot: &InsightSnapshot) -> Result<()> {
        let mut state = self.lock();
        if state.insights.contains_key(&snapshot.id) {
            return Err(Error::already_exists(
                RecordKind::InsightSnapshot,
                snapshot.id,
            ));
        }
        state.insights.insert(snapshot.id, snapshot.clone());
        Ok(())
    }

    async fn list_snapshots(&self, query: &InsightQuery) -> Result<Vec<InsightSnapshot>> {
        let state = self.lock();
        let items = state
            .insights
            .values()
            .filter(|s| s.account_id == query.account_id && query.scope.matches(s))
            .filter(|s| query.since.is_none_or(|t| s.taken_at >= t))
            .filter(|s| query.until.is_none_or(|t| s.taken_at < t))
            .cloned()
            .collect();
        Ok(sorted(items, |s| (s.taken_at, s.id), query.limit))
    }

    async fn latest_snapshot(
        &self,
        account_id: AccountId,
        scope: &InsightScope,
    ) -> Result<Option<InsightSnapshot>> {
        let state = self.lock();
        Ok(state
            .insights
            .values()
            .filter(|s| s.account_id == account_id && scope.matches(s))
            .max_by_key(|s| (s.taken_at, s.id))
            .cloned())
    }
}
