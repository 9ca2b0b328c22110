//! Moderation a person asks for, and the review of replies that wait for the
//! account's approval (Threads' pending-reply approvals).

use serde::{Deserialize, Serialize};
use store_traits::AccountId;

use super::decide::risk_flags;
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::network::{Moderation, PostId};
use crate::pipeline::Pipeline;

/// What a review of pending replies did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingReview {
    /// Let through: no abuse or spam, nothing risky.
    pub approved: Vec<PostId>,
    /// Left unapproved: abuse or spam.
    pub ignored: Vec<PostId>,
    /// Left for a person: risky (links, names, money, health, negative tone).
    pub for_a_person: Vec<PostId>,
}

impl Pipeline {
    /// Hides, shows, approves or ignores a reply on the network, for a person.
    /// Needs [`Operation::Moderate`](crate::Operation::Moderate); audited with
    /// the actor.
    pub async fn moderate(
        &self,
        account_id: AccountId,
        reply: &PostId,
        action: Moderation,
        actor: &Actor,
    ) -> Result<()> {
        self.inner
            .authorize(actor, crate::Operation::Moderate, account_id)
            .await?;
        let account = self.inner.active_account(account_id).await?;
        let auth = self.inner.auth(&account).await?;
        self.engagement()?
            .moderate(&auth, reply, action)
            .await
            .map_err(|e| Error::network("moderate a reply", e))?;
        self.inner
            .record(
                actor,
                Event::Moderated {
                    account_id,
                    post_id: reply.to_string(),
                    action: format!("{action:?}").to_lowercase(),
                },
            )
            .await
    }

    /// Reviews the replies waiting for approval under one of the account's
    /// posts: plain ones are approved, abuse and spam ignored, anything risky
    /// left for a person. Triage uses the rules (and the model when they are
    /// unsure), as for answers.
    pub async fn review_pending_replies(
        &self,
        account_id: AccountId,
        root: &PostId,
    ) -> Result<PendingReview> {
        let account = self.inner.active_account(account_id).await?;
        let auth = self.inner.auth(&account).await?;
        let engagement = self.engagement()?.clone();
        let pending = engagement
            .pending_replies(&auth, root)
            .await
            .map_err(|e| Error::network("read pending replies", e))?;
        let mut review = PendingReview::default();
        for reply in pending {
            let intent = self.triage(&reply.text).await;
            let action = if matches!(
                intent,
                persona_core::Intent::Abuse | persona_core::Intent::Spam
            ) {
                Moderation::Ignore
            } else if risk_flags(&reply.text, intent).is_empty() {
                Moderation::Approve
            } else {
                review.for_a_person.push(reply.id);
                continue;
            };
            engagement
                .moderate(&auth, &reply.id, action)
                .await
                .map_err(|e| Error::network("review a pending reply", e))?;
            self.inner
                .record(
                    &Actor::system(),
                    Event::Moderated {
                        account_id,
                        post_id: reply.id.to_string(),
                        action: format!("{action:?}").to_lowercase(),
                    },
                )
                .await?;
            match action {
                Moderation::Approve => review.approved.push(reply.id),
                _ => review.ignored.push(reply.id),
            }
        }
        Ok(review)
    }
}
