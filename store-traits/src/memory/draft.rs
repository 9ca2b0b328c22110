//! [`DraftStore`]: compare-and-swap, fencing and the life cycle in memory.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::draft::{Draft, DraftFilter, DraftStore, check_draft_transition, check_fenced_write};
use crate::error::{Error, Result};
use crate::ids::{DraftId, FenceToken};
use crate::record_kind::RecordKind;

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
        check_draft_transition(draft.id, stored.state, draft.state)?;
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
