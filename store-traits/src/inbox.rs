//! [`WebhookInbox`]: deduplicated webhook intake.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::AccountId;
use crate::records::{InboxEntry, InboxOutcome, NewJob};

/// Records received webhook events and enqueues their work exactly once.
#[async_trait]
pub trait WebhookInbox: Send + Sync {
    /// In **one transaction**: if `event_id` is new, records it and enqueues `job`
    /// (with the same semantics as [`JobQueue::enqueue`](crate::JobQueue::enqueue),
    /// dedup key included) and returns [`InboxOutcome::Accepted`]; otherwise
    /// writes nothing and returns [`InboxOutcome::Duplicate`].
    ///
    /// Of any number of concurrent deliveries of one event, exactly one is accepted.
    async fn receive_webhook(
        &self,
        event_id: &str,
        account_id: Option<AccountId>,
        job: NewJob,
    ) -> Result<InboxOutcome>;

    /// Reads an entry.
    async fn get_inbox_entry(&self, event_id: &str) -> Result<Option<InboxEntry>>;

    /// The account's entries, ordered by `(received_at, event_id)`, at most `limit` (`None`: all).
    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<InboxEntry>>;
}
