//! Deduplicated webhook intake: [`InboxEntry`] and [`WebhookInbox`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, JobId};
use crate::queue::{Job, NewJob};

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

/// The record that an event was received and its work enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// The event's unique id (chosen by the receiver, e.g. a hash of the verified
    /// payload, since Meta sends no delivery id).
    pub event_id: String,
    /// The account the event concerns, if known.
    pub account_id: Option<AccountId>,
    /// When it was first received.
    pub received_at: DateTime<Utc>,
    /// The job enqueued for it.
    pub job_id: JobId,
}

/// What [`WebhookInbox::receive_webhook`](crate::WebhookInbox::receive_webhook) did.
// Returned once per delivery and matched at once; boxing the job would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum InboxOutcome {
    /// First delivery: the entry and the job were written in one transaction.
    Accepted {
        /// The new inbox entry.
        entry: InboxEntry,
        /// The job enqueued for it (or the live job its dedup key matched).
        job: Job,
    },
    /// The event was seen before; nothing was written.
    Duplicate {
        /// The entry of the first delivery.
        entry: InboxEntry,
    },
}

impl InboxOutcome {
    /// True for [`InboxOutcome::Duplicate`].
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::Duplicate { .. })
    }

    /// The inbox entry (new or first).
    pub fn entry(&self) -> &InboxEntry {
        match self {
            Self::Accepted { entry, .. } | Self::Duplicate { entry } => entry,
        }
    }
}
