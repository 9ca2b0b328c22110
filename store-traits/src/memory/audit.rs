//! [`AuditLog`] over the in-memory maps.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::audit::{AuditEvent, AuditLog, AuditQuery};
use crate::error::{Error, Result};
use crate::record_kind::RecordKind;

#[async_trait]
impl AuditLog for MemoryStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let mut state = self.lock();
        if state.audit.contains_key(&event.id) {
            return Err(Error::already_exists(RecordKind::AuditEvent, event.id));
        }
        state.audit.insert(event.id, event.clone());
        Ok(())
    }

    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>> {
        let state = self.lock();
        let items = state
            .audit
            .values()
            .filter(|e| query.account_id.is_none_or(|a| e.account_id == Some(a)))
            .filter(|e| {
                query
                    .org_id
                    .as_ref()
                    .is_none_or(|o| e.org_id.as_ref() == Some(o))
            })
            .filter(|e| query.since.is_none_or(|t| e.at >= t))
            .filter(|e| query.until.is_none_or(|t| e.at < t))
            .cloned()
            .collect();
        Ok(sorted(items, |e| (e.at, e.id), query.limit))
    }
}
