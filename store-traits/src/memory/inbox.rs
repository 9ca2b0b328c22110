//! [`WebhookInbox`]: the webhook inbox in memory (its enqueue shares the
//! queue's, under the same lock).

use async_trait::async_trait;

use super::queue::enqueue_locked;
use super::{MemoryStore, sorted};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::inbox::{InboxEntry, InboxOutcome, WebhookInbox};
use crate::queue::NewJob;

#[async_trait]
impl WebhookInbox for MemoryStore {
    async fn receive_webhook(
        &self,
        event_id: &str,
        account_id: Option<AccountId>,
        job: NewJob,
    ) -> Result<InboxOutcome> {
        if event_id.is_empty() {
            return Err(Error::InvalidInput("webhook event id is empty".into()));
        }
        let now = self.now();
        let mut state = self.lock();
        if let Some(entry) = state.inbox.get(event_id) {
            return Ok(InboxOutcome::Duplicate {
                entry: entry.clone(),
            });
        }
        let job = enqueue_locked(&mut state, job, now)?.into_inner();
        let entry = InboxEntry {
            event_id: event_id.to_owned(),
            account_id,
            received_at: now,
            job_id: job.id,
        };
        state.inbox.insert(entry.event_id.clone(), entry.clone());
        Ok(InboxOutcome::Accepted { entry, job })
    }

    async fn get_inbox_entry(&self, event_id: &str) -> Result<Option<InboxEntry>> {
        Ok(self.lock().inbox.get(event_id).cloned())
    }

    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<InboxEntry>> {
        let state = self.lock();
        let items = state
            .inbox
            .values()
            .filter(|e| e.account_id == Some(account_id))
            .cloned()
            .collect();
        Ok(sorted(
            items,
            |e| (e.received_at, e.event_id.clone()),
            limit,
        ))
    }
}
