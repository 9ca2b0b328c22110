//! Polling: finds the replies and mentions a webhook missed (or all of them,
//! when webhooks are off), and hands them to the same intake.

use std::collections::BTreeSet;

use store_traits::{
    AccountId, AccountStatus, DraftFilter, DraftState, PublishFilter, PublishState,
};
use tracing::debug;

use crate::error::{Error, Result};
use crate::jobs::{JobCtx, JobOutcome, Task};
use crate::network::{FailureClass, InboundEvent, InboundKind, PostId};
use crate::pipeline::Pipeline;

impl Pipeline {
    /// Starts polling an account's replies and mentions, every
    /// [`ConversationPolicy::poll_interval`](crate::config::ConversationPolicy::poll_interval).
    /// With webhooks on, polling is the reconciler that catches what a
    /// delivery missed; with them off, it is how messages arrive. Either way a
    /// message is handled once: polling goes through the same inbox.
    pub async fn schedule_polling(&self, account_id: AccountId) -> Result<()> {
        self.enqueue(Task::Poll { account_id }, account_id, self.inner.now())
            .await?;
        Ok(())
    }

    /// Polls an account once now, without the queue (for a host's own
    /// scheduler); returns how many messages were new.
    pub async fn poll_now(&self, account_id: AccountId) -> Result<usize> {
        let account = self.inner.active_account(account_id).await?;
        self.poll_account(&account).await
    }

    /// The `Poll` job: one round, then the next one.
    pub(crate) async fn poll_step(
        &self,
        _ctx: &JobCtx,
        account_id: AccountId,
    ) -> Result<JobOutcome> {
        let Some(account) = self.inner.store.get_account(account_id).await? else {
            return Ok(JobOutcome::Done);
        };
        if account.status != AccountStatus::Active {
            return Ok(JobOutcome::Parked {
                reason: format!("account is {}", account.status),
            });
        }
        let next = self.inner.now() + self.inner.config.conversations.poll_interval;
        match self.poll_account(&account).await {
            Ok(found) => {
                debug!(account = %account_id, found, "polled");
                Ok(JobOutcome::RetryAt {
                    at: next,
                    reason: "next poll".into(),
                })
            }
            Err(Error::Network { source, .. }) if source.class() == FailureClass::Reauthorize => {
                self.mark_needs_reauth(account_id, source.message()).await?;
                Ok(JobOutcome::Parked {
                    reason: source.to_string(),
                })
            }
            Err(e) if e.is_retryable() => Ok(JobOutcome::RetryAt {
                at: next,
                reason: e.to_string(),
            }),
            Err(e) => Err(e),
        }
    }

    /// Reads the threads of the account's recent posts and its recent
    /// mentions; records what is new through the inbox.
    async fn poll_account(&self, account: &store_traits::Account) -> Result<usize> {
        let engagement = self.engagement()?.clone();
        let auth = self.inner.auth(account).await?;
        let since = self.inner.now() - self.inner.config.conversations.poll_lookback;
        // The roots: what the ledger published, and every published draft
        // (which includes posts brought in by `import_history`).
        let entries = self
            .inner
            .store
            .list_publish_entries(&PublishFilter {
                account_id: Some(account.id),
                states: vec![PublishState::Published],
                ..PublishFilter::default()
            })
            .await?;
        let drafts = self
            .inner
            .store
            .list_drafts(&DraftFilter {
                states: vec![DraftState::Published],
                ..DraftFilter::account(account.id)
            })
            .await?;
        let mut roots = BTreeSet::new();
        let recent = entries
            .into_iter()
            .filter(|e| e.published_at.is_some_and(|at| at >= since))
            .filter_map(|e| e.media_id)
            .chain(
                drafts
                    .into_iter()
                    .filter(|d| d.published_at.is_some_and(|at| at >= since))
                    .filter_map(|d| d.provider.media_id),
            );
        let mut new = 0;
        for media in recent {
            if !roots.insert(media.clone()) {
                continue;
            }
            let root = PostId::new(media.clone());
            let thread = engagement
                .thread(&auth, &root)
                .await
                .map_err(|e| Error::network("read a thread", e))?;
            for mut post in thread {
                if post.is_own || post.author_username.eq_ignore_ascii_case(&account.username) {
                    continue;
                }
                post.root_id.get_or_insert_with(|| root.clone());
                if self
                    .accept(account, InboundEvent::new(InboundKind::Reply, post))
                    .await?
                    .is_duplicate()
                {
                    continue;
                }
                new += 1;
            }
        }
        let mentions = match engagement.mentions(&auth, since).await {
            Ok(m) => m,
            // The account did not grant the mentions permission: replies
            // still work; say so once per poll instead of pausing the account.
            Err(e) if e.class() == FailureClass::Reauthorize && e.code() == Some("10") => {
                tracing::warn!(account = %account.id, "mentions not granted; polling replies only");
                Vec::new()
            }
            Err(e) => return Err(Error::network("read mentions", e)),
        };
        for post in mentions {
            if !self
                .accept(account, InboundEvent::new(InboundKind::Mention, post))
                .await?
                .is_duplicate()
            {
                new += 1;
            }
        }
        Ok(new)
    }
}
