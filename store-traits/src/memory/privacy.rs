//! [`PrivacyStore`]: export, deletion and retention in memory.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemoryStore, State, sorted};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::privacy::{
    AccountExport, DeletionReport, DeletionRequest, DeletionStatus, PrivacyStore, PurgeReport,
    RetentionPolicy,
};
use crate::queue::JobState;
use crate::record_kind::RecordKind;

/// Removes every entry of `map` matching `pred`; returns how many.
fn remove_where<K, V>(map: &mut std::collections::HashMap<K, V>, pred: impl Fn(&V) -> bool) -> u64 {
    let before = map.len();
    map.retain(|_, v| !pred(v));
    (before - map.len()) as u64
}

fn add(counts: &mut BTreeMap<RecordKind, u64>, kind: RecordKind, n: u64) {
    if n > 0 {
        *counts.entry(kind).or_default() += n;
    }
}

/// Deletes everything naming `account` (inside the held lock).
fn delete_locked(state: &mut State, account: AccountId, now: DateTime<Utc>) -> DeletionReport {
    let mut deleted = BTreeMap::new();
    let a = Some(account);
    add(
        &mut deleted,
        RecordKind::Account,
        u64::from(state.accounts.remove(&account).is_some()),
    );
    add(
        &mut deleted,
        RecordKind::Token,
        u64::from(state.tokens.remove(&account).is_some()),
    );
    let n = remove_where(&mut state.personas, |p| p.account_id == account);
    add(&mut deleted, RecordKind::Persona, n);
    let n = remove_where(&mut state.sources, |s| s.account_id == account);
    add(&mut deleted, RecordKind::Source, n);
    let n = remove_where(&mut state.drafts, |d| d.account_id == account);
    add(&mut deleted, RecordKind::Draft, n);
    let n = remove_where(&mut state.publish, |e| e.account_id == account);
    add(&mut deleted, RecordKind::PublishEntry, n);
    let n = remove_where(&mut state.conversations, |c| c.account_id == account);
    add(&mut deleted, RecordKind::Conversation, n);
    let n = remove_where(&mut state.messages, |m| m.account_id == account);
    add(&mut deleted, RecordKind::Message, n);
    let n = remove_where(&mut state.insights, |s| s.account_id == account);
    add(&mut deleted, RecordKind::InsightSnapshot, n);
    let n = remove_where(&mut state.audit, |e| e.account_id == a);
    add(&mut deleted, RecordKind::AuditEvent, n);
    let n = remove_where(&mut state.inbox, |e| e.account_id == a);
    add(&mut deleted, RecordKind::InboxEntry, n);
    let n = remove_where(&mut state.quota, |r| r.account_id == account);
    add(&mut deleted, RecordKind::QuotaReservation, n);
    add(
        &mut deleted,
        RecordKind::QuotaLimits,
        u64::from(state.quota_limits.remove(&account).is_some()),
    );
    let doomed: Vec<(String, crate::ids::JobId)> = state
        .jobs
        .values()
        .filter(|j| j.account_id == a)
        .map(|j| (j.queue.clone(), j.id))
        .collect();
    for (queue, id) in &doomed {
        state.jobs.remove(id);
        state.mark_finished(queue, *id);
    }
    add(&mut deleted, RecordKind::Job, doomed.len() as u64);

    let mut requests_completed = 0;
    for request in state.deletion_requests.values_mut() {
        if request.account_id == a {
            request.account_id = None;
            if request.status != DeletionStatus::Completed {
                request.status = DeletionStatus::Completed;
                request.completed_at = Some(now);
                requests_completed += 1;
            }
        }
    }
    DeletionReport {
        account_id: a,
        deleted,
        requests_completed,
    }
}

#[async_trait]
impl PrivacyStore for MemoryStore {
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport> {
        let now = self.now();
        let state = self.lock();
        let a = Some(account_id);
        Ok(AccountExport {
            account_id,
            exported_at: now,
            account: state.accounts.get(&account_id).cloned(),
            token: state.tokens.get(&account_id).map(|t| t.metadata.clone()),
            personas: sorted(
                state
                    .personas
                    .values()
                    .filter(|p| p.account_id == account_id)
                    .cloned()
                    .collect(),
                |p| (p.created_at, p.id),
                None,
            ),
            sources: sorted(
                state
                    .sources
                    .values()
                    .filter(|s| s.account_id == account_id)
                    .cloned()
                    .collect(),
                |s| (s.created_at, s.id),
                None,
            ),
            drafts: sorted(
                state
                    .drafts
                    .values()
                    .filter(|d| d.account_id == account_id)
                    .cloned()
                    .collect(),
                |d| (d.created_at, d.id),
                None,
            ),
            publish_entries: sorted(
                state
                    .publish
                    .values()
                    .filter(|e| e.account_id == account_id)
                    .cloned()
                    .collect(),
                |e| (e.updated_at, e.draft_id),
                None,
            ),
            conversations: sorted(
                state
                    .conversations
                    .values()
                    .filter(|c| c.account_id == account_id)
                    .cloned()
                    .collect(),
                |c| (c.created_at, c.id),
                None,
            ),
            messages: sorted(
                state
                    .messages
                    .values()
                    .filter(|m| m.account_id == account_id)
                    .cloned()
                    .collect(),
                |m| (m.created_at, m.id),
                None,
            ),
            insights: sorted(
                state
                    .insights
                    .values()
                    .filter(|s| s.account_id == account_id)
                    .cloned()
                    .collect(),
                |s| (s.taken_at, s.id),
                None,
            ),
            audit_events: sorted(
                state
                    .audit
                    .values()
                    .filter(|e| e.account_id == a)
                    .cloned()
                    .collect(),
                |e| (e.at, e.id),
                None,
            ),
            jobs: sorted(
                state
                    .jobs
                    .values()
                    .filter(|j| j.account_id == a)
                    .cloned()
                    .collect(),
                |j| (j.created_at, j.id),
                None,
            ),
            inbox_entries: sorted(
                state
                    .inbox
                    .values()
                    .filter(|e| e.account_id == a)
                    .cloned()
                    .collect(),
                |e| (e.received_at, e.event_id.clone()),
                None,
            ),
            quota_reservations: sorted(
                state
                    .quota
                    .values()
                    .filter(|r| r.account_id == account_id)
                    .cloned()
                    .collect(),
                |r| (r.reserved_at, r.id),
                None,
            ),
            quota_limits: state.quota_limits.get(&account_id).copied(),
        })
    }

    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport> {
        let now = self.now();
        Ok(delete_locked(&mut self.lock(), account_id, now))
    }

    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport> {
        let now = self.now();
        let mut state = self.lock();
        let mut report = PurgeReport::default();

        if let Some(age) = policy.inactive_accounts {
            let cutoff = now - age;
            let mut inactive: Vec<_> = state
                .accounts
                .values()
                .filter(|a| a.last_active_at < cutoff)
                .map(|a| a.id)
                .collect();
            inactive.sort();
            for id in inactive {
                let deleted = delete_locked(&mut state, id, now);
                for (kind, n) in deleted.deleted {
                    add(&mut report.deleted, kind, n);
                }
                report.accounts.push(id);
            }
        }
        if let Some(age) = policy.audit_events {
            let cutoff = now - age;
            let n = remove_where(&mut state.audit, |e| e.at < cutoff);
            add(&mut report.deleted, RecordKind::AuditEvent, n);
        }
        if let Some(age) = policy.finished_jobs {
            let cutoff = now - age;
            let n = remove_where(&mut state.jobs, |j| {
                matches!(j.state, JobState::Completed | JobState::DeadLettered)
                    && j.finished_at.is_some_and(|at| at < cutoff)
            });
            add(&mut report.deleted, RecordKind::Job, n);
        }
        if let Some(age) = policy.inbox_entries {
            let cutoff = now - age;
            let n = remove_where(&mut state.inbox, |e| e.received_at < cutoff);
            add(&mut report.deleted, RecordKind::InboxEntry, n);
        }
        if let Some(age) = policy.insight_snapshots {
            let cutoff = now - age;
            let n = remove_where(&mut state.insights, |s| s.taken_at < cutoff);
            add(&mut report.deleted, RecordKind::InsightSnapshot, n);
        }
        if let Some(age) = policy.deletion_requests {
            let cutoff = now - age;
            let n = remove_where(&mut state.deletion_requests, |r| {
                r.status == DeletionStatus::Completed
                    && r.completed_at.is_some_and(|at| at < cutoff)
            });
            add(&mut report.deleted, RecordKind::DeletionRequest, n);
        }
        if let Some(age) = policy.quota_reservations {
            let cutoff = now - age;
            let n = remove_where(&mut state.quota, |r| {
                r.committed_at.unwrap_or(r.expires_at) < cutoff
            });
            add(&mut report.deleted, RecordKind::QuotaReservation, n);
        }
        let n = remove_where(&mut state.used_nonces, |until| *until <= now);
        add(&mut report.deleted, RecordKind::UsedNonce, n);
        Ok(report)
    }

    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        let mut state = self.lock();
        if state.deletion_requests.contains_key(&request.id) {
            return Err(Error::already_exists(
                RecordKind::DeletionRequest,
                request.id,
            ));
        }
        if state
            .deletion_requests
            .values()
            .any(|r| r.confirmation_code == request.confirmation_code)
        {
            return Err(Error::already_exists(
                RecordKind::DeletionRequest,
                &request.confirmation_code,
            ));
        }
        state.deletion_requests.insert(request.id, request.clone());
        Ok(())
    }

    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>> {
        Ok(self
            .lock()
            .deletion_requests
            .values()
            .find(|r| r.confirmation_code == confirmation_code)
            .cloned())
    }

    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        let mut state = self.lock();
        match state.deletion_requests.get_mut(&request.id) {
            Some(stored) => {
                *stored = request.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::DeletionRequest, request.id)),
        }
    }
}
