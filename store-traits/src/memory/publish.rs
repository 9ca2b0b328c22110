//! [`PublishLedger`]: the publish ledger in memory.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::draft::check_fenced_write;
use crate::error::{Error, Result};
use crate::ids::{DraftId, FenceToken};
use crate::insertion::Insertion;
use crate::publish::{PublishEntry, PublishFilter, PublishLedger};
use crate::record_kind::RecordKind;

#[async_trait]
impl PublishLedger for MemoryStore {
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>> {
        let mut state = self.lock();
        if let Some(existing) = state.publish.get(&entry.draft_id) {
            return Ok(Insertion::Existing(existing.clone()));
        }
        state.publish.insert(entry.draft_id, entry.clone());
        Ok(Insertion::Inserted(entry.clone()))
    }

    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>> {
        Ok(self.lock().publish.get(&draft_id).cloned())
    }

    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry> {
        let mut state = self.lock();
        let stored = state
            .publish
            .get_mut(&entry.draft_id)
            .ok_or_else(|| Error::not_found(RecordKind::PublishEntry, entry.draft_id))?;
        check_fenced_write(
            RecordKind::PublishEntry,
            entry.draft_id,
            stored.version,
            stored.fence,
            entry.version,
            fence,
        )?;
        let mut next = entry.clone();
        next.version = stored.version + 1;
        next.fence = fence.or(stored.fence);
        *stored = next.clone();
        Ok(next)
    }

    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>> {
        let state = self.lock();
        let items = state
            .publish
            .values()
            .filter(|e| filter.account_id.is_none_or(|a| e.account_id == a))
            .filter(|e| filter.states.is_empty() || filter.states.contains(&e.state))
            .filter(|e| filter.updated_before.is_none_or(|b| e.updated_at < b))
            .cloned()
            .collect();
        Ok(sorted(items, |e| (e.updated_at, e.draft_id), filter.limit))
    }

    async fn find_publish_entry_by_media(&self, media_id: &str) -> Result<Option<PublishEntry>> {
        let state = self.lock();
        Ok(state
            .publish
            .values()
            .filter(|e| e.media_id.as_deref() == Some(media_id))
            .min_by_key(|e| (e.updated_at, e.draft_id))
            .cloned())
    }
}
