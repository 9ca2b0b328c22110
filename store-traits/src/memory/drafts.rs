//! Drafts and the publish ledger.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::draft::{DraftFilter, DraftStore, check_fenced_write};
use crate::error::{Error, Result};
use crate::ids::{DraftId, FenceToken};
use crate::publish::{PublishFilter, PublishLedger};
use crate::records::{Draft, Insertion, PublishEntry, RecordKind};

#[async_trait]
impl DraftStore for MemoryStore {
    async fn insert_draft(&self, draft: &Draft) -> Result<()> {
        let mut state = self.lock();
        if state.drafts.contains_key(&draft.id) {
            return Err(Error::already_exists(RecordKind::Draft, draft.id));
        }
        state.drafts.insert(draft.id, draft.clone());
        Ok(())
    }

    async fn get_draft(&self, id: DraftId) -> Result<Option<Draft>> {
        Ok(self.lock().drafts.get(&id).cloned())
    }

    async fn update_draft(&self, draft: &Draft, fence: Option<FenceToken>) -> Result<Draft> {
        let mut state = self.lock();
        let stored = state
            .drafts
            .get_mut(&draft.id)
            .ok_or_else(|| Error::not_found(RecordKind::Draft, draft.id))?;
        check_fenced_write(
            RecordKind::Draft,
            draft.id,
            stored.version,
            stored.fence,
            draft.version,
            fence,
        )?;
        let mut next = draft.clone();
        next.version = stored.version + 1;
        next.fence = fence.or(stored.fence);
        *stored = next.clone();
        Ok(next)
    }

    async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<Draft>> {
        let state = self.lock();
        let items = state
            .drafts
            .values()
            .filter(|d| filter.account_id.is_none_or(|a| d.account_id == a))
            .filter(|d| filter.states.is_empty() || filter.states.contains(&d.state))
            .filter(|d| {
                filter
                    .scheduled_before
                    .is_none_or(|before| d.scheduled_at.is_some_and(|at| at < before))
            })
            .cloned()
            .collect();
        Ok(sorted(items, |d| (d.created_at, d.id), filter.limit))
    }

    async fn delete_draft(&self, id: DraftId) -> Result<bool> {
        Ok(self.lock().drafts.remove(&id).is_some())
    }
}

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
}
