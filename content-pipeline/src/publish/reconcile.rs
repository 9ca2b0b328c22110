//! Step 6 of publishing: the publish call was sent and its outcome is not
//! known. The container's status and the account's recent posts decide.

use store_traits::{Draft, PublishEntry, PublishState};
use tracing::info;

use crate::error::Result;
use crate::jobs::{JobCtx, JobOutcome};
use crate::network::{
    AccountAuth, ContainerStatus, FailureClass, NetworkError, PostContent, PostId, PublishedPost,
};
use crate::pipeline::Pipeline;
use crate::time::backoff;

use super::{Next, container_of};

impl Pipeline {
    /// Step 6: the publish call was sent and its outcome is not known.
    pub(super) async fn reconcile(
        &self,
        ctx: &JobCtx,
        draft: &Draft,
        entry: PublishEntry,
        content: &PostContent,
        auth: &AccountAuth,
    ) -> Result<Next> {
        let inner = &self.inner;
        let policy = inner.config.publish;
        let now = inner.now();
        let container = container_of(&entry)?;
        let attempts = entry.attempts.max(1);
        let retry = |reason: String| {
            Next::Stop(JobOutcome::RetryAt {
                at: now + backoff(policy.retry_base, policy.retry_max, attempts),
                reason,
            })
        };
        match inner.publisher.container_status(auth, &container).await {
            Ok(ContainerStatus::Published) => match self.find_post(auth, content, &entry).await {
                Ok(Some(post)) => {
                    let permalink = post.permalink.clone();
                    let done = self.record_published(ctx, entry, &post, permalink).await?;
                    info!(post = %post.id, "reconciled: the post was live");
                    Ok(Next::Continue(Box::new(done)))
                }
                Ok(None) => {
                    let mut e = entry;
                    let note = "container PUBLISHED but the post is not among the recent posts yet";
                    if e.evidence.last().map(String::as_str) != Some(note) {
                        e.evidence.push(note.into());
                        self.write_entry(ctx, e).await?;
                    }
                    Ok(retry(note.into()))
                }
                Err(err) => Ok(retry(err.to_string())),
            },
            Ok(ContainerStatus::Finished) => {
                // The call never took effect: publishing again is safe.
                let mut back = entry;
                if let Some(r) = back.quota_reservation.take() {
                    self.release(r).await;
                }
                back.state = PublishState::ContainerCreated;
                back.evidence
                    .push("container FINISHED after the publish call: not published".into());
                Ok(Next::Continue(Box::new(self.write_entry(ctx, back).await?)))
            }
            Ok(ContainerStatus::InProgress) => Ok(retry("container processing".into())),
            Ok(ContainerStatus::Failed { reason }) => {
                // A published container reports PUBLISHED; a failed one never went live.
                Ok(Next::Continue(Box::new(
                    self.replace_container(ctx, draft, entry, &reason).await?,
                )))
            }
            Ok(ContainerStatus::Expired) => Ok(Next::Continue(Box::new(
                self.replace_container(ctx, draft, entry, "EXPIRED").await?,
            ))),
            Err(err) if err.class() == FailureClass::Reauthorize => {
                self.mark_needs_reauth(draft.account_id, err.message())
                    .await?;
                Ok(Next::Stop(JobOutcome::Parked {
                    reason: err.to_string(),
                }))
            }
            Err(err)
                if matches!(
                    err.class(),
                    FailureClass::Terminal | FailureClass::RecreateContainer
                ) =>
            {
                // The container cannot be read: look for the post itself.
                match self.find_post(auth, content, &entry).await {
                    Ok(Some(post)) => {
                        let permalink = post.permalink.clone();
                        Ok(Next::Continue(Box::new(
                            self.record_published(ctx, entry, &post, permalink).await?,
                        )))
                    }
                    _ => {
                        let mut e = entry;
                        let note = format!("container status unreadable: {err}");
                        if e.evidence.last() != Some(&note) {
                            e.evidence.push(note.clone());
                            self.write_entry(ctx, e).await?;
                        }
                        Ok(retry(note))
                    }
                }
            }
            Err(err) => Ok(retry(err.to_string())),
        }
    }

    /// The account's live post carrying `content`, published after the call
    /// was recorded (minus clock skew), that the ledger does not give to
    /// another draft.
    pub(super) async fn find_post(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
        entry: &PublishEntry,
    ) -> Result<Option<PublishedPost>, NetworkError> {
        let inner = &self.inner;
        let since = entry.sent_at.unwrap_or(entry.updated_at) - inner.config.publish.reconcile_skew;
        let mut exclude: Vec<PostId> = Vec::new();
        for _ in 0..10 {
            let Some(post) = inner
                .publisher
                .find_recent_post(auth, content, since, &exclude)
                .await?
            else {
                return Ok(None);
            };
            let owner = inner
                .store
                .find_publish_entry_by_media(post.id.as_str())
                .await
                .map_err(|e| NetworkError::new(FailureClass::Retry, e.to_string()))?;
            match owner {
                Some(other) if other.draft_id != entry.draft_id => exclude.push(post.id),
                _ => return Ok(Some(post)),
            }
        }
        Ok(None)
    }
}
