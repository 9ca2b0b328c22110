//! Insights, audit events and OAuth state.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemoryStore, sorted};
use crate::audit::{AuditLog, AuditQuery};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::insight::{InsightQuery, InsightStore};
use crate::oauth::OAuthStateStore;
use crate::records::{AuditEvent, InsightScope, InsightSnapshot, OAuthState, RecordKind};

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

#[async_trait]
impl OAuthStateStore for MemoryStore {
    async fn put_oauth_state(&self, oauth_state: &OAuthState) -> Result<()> {
        let mut state = self.lock();
        if state.oauth_states.contains_key(&oauth_state.nonce) {
            return Err(Error::already_exists(
                RecordKind::OAuthState,
                &oauth_state.nonce,
            ));
        }
        state
            .oauth_states
            .insert(oauth_state.nonce.clone(), oauth_state.clone());
        Ok(())
    }

    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>> {
        let now = self.now();
        let taken = self.lock().oauth_states.remove(nonce);
        Ok(taken.filter(|s| s.expires_at > now))
    }

    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let now = self.now();
        let mut state = self.lock();
        match state.used_nonces.get(nonce) {
            Some(until) if *until > now => Ok(false),
            _ => {
                state.used_nonces.insert(nonce.to_owned(), expires_at);
                Ok(true)
            }
        }
    }
}
