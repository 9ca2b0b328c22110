//! Retention: the scheduled purge.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use store_traits::{AccountFilter, DeletionOrigin, Job, RecordKind, RetentionPolicy};
use tracing::info;

use super::deletion::{DeletionReceipt, is_redacted, redact};
use crate::actor::Actor;
use crate::error::Result;
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome, Task};
use crate::pipeline::Pipeline;

/// What one purge did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RetentionReport {
    /// Records deleted per kind, the records of inactive accounts included.
    pub deleted: BTreeMap<RecordKind, u64>,
    /// Accounts deleted for inactivity, one receipt each.
    pub accounts_deleted: Vec<DeletionReceipt>,
    /// Conversation messages whose text and author were removed.
    pub messages_redacted: u64,
    /// When the next purge is due.
    pub next_run: DateTime<Utc>,
}

impl RetentionReport {
    /// Records deleted of one kind.
    pub fn count(&self, kind: RecordKind) -> u64 {
        self.deleted.get(&kind).copied().unwrap_or(0)
    }
}

fn add_counts(into: &mut BTreeMap<RecordKind, u64>, from: &BTreeMap<RecordKind, u64>) {
    for (kind, n) in from {
        *into.entry(*kind).or_default() += n;
    }
}

impl Pipeline {
    /// Queues the recurring purge (one per store, whatever the number of
    /// processes: its dedup key), due now; each run queues itself again
    /// [`RetentionSettings::interval`](crate::config::RetentionSettings::interval)
    /// later. Returns the live purge job.
    pub async fn schedule_purges(&self) -> Result<Job> {
        let job = Task::Purge.to_job(None, self.inner.now())?;
        Ok(self.inner.store.enqueue(job).await?.into_inner())
    }

    /// Applies [`RetentionSettings`](crate::config::RetentionSettings) once,
    /// now (the purge job calls this; a host with its own scheduler may
    /// too):
    ///
    /// 1. accounts inactive for `inactive_accounts` are deleted as by
    ///    [`delete_account`](Self::delete_account), by the system, each
    ///    leaving a deletion request of origin `retention`;
    /// 2. conversation messages older than `conversations` (when set) lose
    ///    their text and author;
    /// 3. the store deletes audit events, finished jobs, inbox entries,
    ///    insights snapshots, completed deletion requests and quota
    ///    reservations older than their settings, and expired OAuth nonces;
    /// 4. a `retention.applied` audit event records the counts.
    pub async fn purge(&self) -> Result<RetentionReport> {
        let settings = self.inner.config.retention;
        let store = &self.inner.store;
        let now = self.inner.now();
        let system = Actor::system();
        let mut deleted = BTreeMap::new();
        let mut accounts_deleted = Vec::new();
        if let Some(age) = settings.inactive_accounts {
            let cutoff = now - age;
            let accounts = store.list_accounts(&AccountFilter::default()).await?;
            for account in accounts.into_iter().filter(|a| a.last_active_at < cutoff) {
                let receipt = self
                    .delete_with(account, DeletionOrigin::Retention, &system)
                    .await?;
                add_counts(&mut deleted, &receipt.deleted);
                accounts_deleted.push(receipt);
            }
        }
        let messages_redacted = match settings.conversations {
            Some(age) => self.redact_messages_before(now - age).await?,
            None => 0,
        };
        let policy = RetentionPolicy {
            audit_events: settings.audit_events,
            // Handled above, through the deletion path.
            inactive_accounts: None,
            finished_jobs: settings.technical_logs,
            inbox_entries: settings.technical_logs,
            insight_snapshots: settings.insight_snapshots,
            deletion_requests: settings.deletion_requests,
            quota_reservations: settings.quota_reservations,
        };
        let purged = store.purge(&policy).await?;
        add_counts(&mut deleted, &purged.deleted);
        let records = deleted.values().sum();
        self.inner
            .record(
                &system,
                Event::RetentionApplied {
                    records,
                    accounts_deleted: accounts_deleted.len(),
                    messages_redacted,
                },
            )
            .await?;
        info!(
            records,
            accounts = accounts_deleted.len(),
            messages_redacted,
            "retention applied"
        );
        Ok(RetentionReport {
            deleted,
            accounts_deleted,
            messages_redacted,
            next_run: now + settings.interval,
        })
    }

    /// Removes the text and author of every message received before
    /// `cutoff`. Returns how many were changed.
    async fn redact_messages_before(&self, cutoff: DateTime<Utc>) -> Result<u64> {
        let store = &self.inner.store;
        let mut redacted = 0;
        for account in store.list_accounts(&AccountFilter::default()).await? {
            for conversation in store.list_conversations(account.id, None).await? {
                for mut message in store.list_messages(conversation.id).await? {
                    if message.received_at < cutoff && !is_redacted(&message) {
                        redact(&mut message);
                        store.update_message(&message).await?;
                        redacted += 1;
                    }
                }
            }
        }
        Ok(redacted)
    }

    /// The purge job: applies the retention settings and runs again one
    /// interval later.
    pub(crate) async fn purge_step(&self, ctx: &JobCtx) -> Result<JobOutcome> {
        // A stale worker must not start a second purge beside the owner's.
        ctx.check_lease(&self.inner).await?;
        let report = self.purge().await?;
        Ok(JobOutcome::RetryAt {
            at: report.next_run,
            reason: "next purge".into(),
        })
    }
}
