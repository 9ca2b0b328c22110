//! [`SourceStore`] over the in-memory maps.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::error::{Error, Result};
use crate::ids::{AccountId, SourceId};
use crate::record_kind::RecordKind;
use crate::source::{Source, SourceStore};

#[async_trait]
impl SourceStore for MemoryStore {
    async fn insert_source(&self, source: &Source) -> Result<()> {
        let mut state = self.lock();
        if state.sources.contains_key(&source.id) {
            return Err(Error::already_exists(RecordKind::Source, source.id));
        }
        state.sources.insert(source.id, source.clone());
        Ok(())
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        Ok(self.lock().sources.get(&id).cloned())
    }

    async fn update_source(&self, source: &Source) -> Result<()> {
        let mut state = self.lock();
        match state.sources.get_mut(&source.id) {
            Some(stored) => {
                *stored = source.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::Source, source.id)),
        }
    }

    async fn list_sources(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Source>> {
        let state = self.lock();
        let items = state
            .sources
            .values()
            .filter(|s| s.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |s| (s.created_at, s.id), limit))
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        Ok(self.lock().sources.remove(&id).is_some())
    }
}
