//! Intake: webhook deliveries verified and parsed, events matched to their
//! accounts, recorded in the inbox and queued once.

use serde::{Deserialize, Serialize};
use store_traits::{Account, AccountStatus, InboxOutcome};
use tracing::{debug, warn};

use crate::error::{Error, Result};
use crate::jobs::Task;
use crate::network::{Engagement, InboundEvent};
use crate::pipeline::Pipeline;

/// What one webhook delivery led to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookReceipt {
    /// Events in the delivery.
    pub events: usize,
    /// Events recorded and queued for the first time (one per account concerned).
    pub accepted: usize,
    /// Events seen before (a redelivery, or already found by polling): nothing done.
    pub duplicates: usize,
    /// Events for no connected, active account: nothing done.
    pub unmatched: usize,
}

impl Pipeline {
    pub(crate) fn engagement(&self) -> Result<&std::sync::Arc<dyn Engagement>> {
        self.inner
            .engagement
            .as_ref()
            .ok_or_else(|| Error::Config("this operation needs an engagement network".into()))
    }

    /// Takes a webhook delivery as the host's HTTP server received it: the
    /// `X-Hub-Signature-256` header value and the raw body, exactly as sent.
    ///
    /// The signature is verified over the raw bytes before anything is parsed
    /// ([`Error::Webhook`] otherwise, and nothing is recorded). Each event is
    /// matched to the connected accounts it concerns and recorded in the
    /// store's webhook inbox together with its job, in one transaction: a
    /// redelivery, the same event in another delivery, or the same message
    /// found by polling is recorded once and handled once. The work happens
    /// in a worker (the `conversations` queue), not in the request: answer
    /// the delivery right after this returns.
    pub async fn receive_webhook(
        &self,
        signature_header: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookReceipt> {
        let verifier = self.inner.webhooks.as_ref().ok_or_else(|| {
            Error::Config("receiving webhooks needs the app secret (webhook_verifier)".into())
        })?;
        verifier
            .verify(signature_header, body)
            .map_err(Error::Webhook)?;
        let events = self
            .engagement()?
            .parse_webhook(body)
            .map_err(|e| Error::network("read a webhook", e))?;
        let mut receipt = WebhookReceipt {
            events: events.len(),
            ..WebhookReceipt::default()
        };
        for event in events {
            let accounts = self.accounts_for(&event).await?;
            if accounts.is_empty() {
                debug!(event = %event.key(), "webhook event for no active account");
                receipt.unmatched += 1;
                continue;
            }
            for account in &accounts {
                match self.accept(account, event.clone()).await? {
                    InboxOutcome::Duplicate { .. } => receipt.duplicates += 1,
                    _ => receipt.accepted += 1,
                }
            }
        }
        Ok(receipt)
    }

    /// The active accounts an event concerns: by the network's user id when
    /// the delivery names it, else by handle. Several organisations may have
    /// connected the same profile; each gets the event.
    async fn accounts_for(&self, event: &InboundEvent) -> Result<Vec<Account>> {
        let store = &self.inner.store;
        let accounts = match (&event.account_user_id, &event.account_username) {
            (Some(id), _) => store.find_accounts_by_threads_user(id).await?,
            (None, Some(name)) => store.find_accounts_by_username(name).await?,
            (None, None) => {
                warn!(event = %event.key(), "event names no account");
                Vec::new()
            }
        };
        Ok(accounts
            .into_iter()
            .filter(|a| a.status == AccountStatus::Active)
            .collect())
    }

    /// Records `event` for `account` once and queues its handling, in one
    /// transaction. Webhooks and polling both come through here, so a message
    /// is handled once whichever finds it first.
    pub(crate) async fn accept(
        &self,
        account: &Account,
        event: InboundEvent,
    ) -> Result<InboxOutcome> {
        let event_id = format!("{}:{}", account.id, event.key());
        let task = Task::Inbound {
            account_id: account.id,
            event,
        };
        let job = task.to_job(Some(account.id), self.inner.now())?;
        Ok(self
            .inner
            .store
            .receive_webhook(&event_id, Some(account.id), job)
            .await?)
    }
}
