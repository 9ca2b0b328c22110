//! [`Engagement`] for Meta Threads: webhook payloads, replies, mentions,
//! pending replies and moderation.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use threads_api::ids::MediaId;
use threads_api::model::{Fields, HideStatus, Media, MediaField};
use threads_api::webhook::{WebhookEvent, WebhookPayload};

use super::{ThreadsPublisher, classify, classify_publish};
use crate::network::{
    AccountAuth, Engagement, FailureClass, InboundEvent, InboundKind, InboundPost, Moderation,
    NetworkError, PostId,
};

/// Most posts read from one list, across pages (a guard against a runaway thread).
const MAX_LISTED: usize = 2_000;

fn fields() -> Fields {
    Fields::of([
        MediaField::Id,
        MediaField::Text,
        MediaField::Username,
        MediaField::Timestamp,
        MediaField::RootPost,
        MediaField::RepliedTo,
        MediaField::HideStatus,
        MediaField::IsReplyOwnedByMe,
    ])
}

/// The neutral form of a Threads media object.
fn inbound(media: &Media, own_username: Option<&str>) -> InboundPost {
    let username = media.username.clone().unwrap_or_default();
    let is_own = media.is_reply_owned_by_me.unwrap_or(false)
        || own_username.is_some_and(|u| !u.is_empty() && u == username);
    InboundPost {
        id: PostId::new(media.id.as_str()),
        text: media.text.clone().unwrap_or_default(),
        author_id: media
            .owner
            .as_ref()
            .and_then(|o| o.id.as_ref().or(o.owner_id.as_ref()))
            .map(|id| id.as_str().to_owned()),
        author_username: username,
        root_id: media.root_post.as_ref().map(|r| PostId::new(r.id.as_str())),
        parent_id: media
            .replied_to
            .as_ref()
            .map(|r| PostId::new(r.id.as_str())),
        created_at: media.timestamp,
        is_own,
        hidden: matches!(media.hide_status, Some(HideStatus::Hidden)),
    }
}

#[async_trait]
impl Engagement for ThreadsPublisher {
    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<InboundEvent>, NetworkError> {
        let events = WebhookEvent::parse_batch(body).map_err(|e| {
            NetworkError::new(FailureClass::Terminal, "undecodable webhook body").with_source(e)
        })?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            // Whose account the event concerns differs per field: Meta sends
            // the media id as `target_id` for replies and deletes, and the
            // mentioned user's id for mentions.
            let (kind, post, user_id, username) = match &event.payload {
                WebhookPayload::Replies(m) => {
                    let root = m.root_post.as_ref();
                    (
                        InboundKind::Reply,
                        inbound(m, None),
                        root.and_then(|r| r.owner_id.as_ref())
                            .map(|id| id.as_str().to_owned()),
                        root.and_then(|r| r.username.clone()),
                    )
                }
                WebhookPayload::Mentions(m) => (
                    InboundKind::Mention,
                    inbound(m, None),
                    Some(event.target_id.clone()),
                    None,
                ),
                WebhookPayload::Publish(m) => {
                    let mut post = inbound(m, None);
                    post.is_own = true;
                    let author = Some(post.author_username.clone()).filter(|u| !u.is_empty());
                    (InboundKind::Published, post, None, author)
                }
                WebhookPayload::Delete(d) => {
                    let mut post = InboundPost::new(PostId::new(d.id.as_str()), "", "");
                    post.created_at = d.deleted_at;
                    post.is_own = true;
                    let owner = d
                        .owner
                        .as_ref()
                        .and_then(|o| o.owner_id.as_ref().or(o.id.as_ref()))
                        .map(|id| id.as_str().to_owned());
                    (InboundKind::Deleted, post, owner, None)
                }
                // A field this version does not know: not an error, nothing to do.
                _ => continue,
            };
            let mut inbound = InboundEvent::new(kind, post);
            inbound.account_user_id = user_id;
            inbound.account_username = username;
            out.push(inbound);
        }
        Ok(out)
    }

    async fn thread(
        &self,
        auth: &AccountAuth,
        root: &PostId,
    ) -> Result<Vec<InboundPost>, NetworkError> {
        let stream = self
            .account(auth)
            .replies()
            .conversation(&MediaId::new(root.as_str()))
            .fields(fields())
            .limit(100)
            .reverse(false)
            .stream();
        let media: Vec<Media> = stream
            .take(MAX_LISTED)
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(media.iter().map(|m| inbound(m, None)).collect())
    }

    async fn mentions(
        &self,
        auth: &AccountAuth,
        since: DateTime<Utc>,
    ) -> Result<Vec<InboundPost>, NetworkError> {
        let stream = self
            .account(auth)
            .mentions()
            .list()
            .fields(Fields::of([
                MediaField::Id,
                MediaField::Text,
                MediaField::Username,
                MediaField::Timestamp,
                MediaField::RootPost,
                MediaField::RepliedTo,
            ]))
            .since(since)
            .limit(100)
            .stream();
        let mut media: Vec<Media> = stream
            .take(MAX_LISTED)
            .try_collect()
            .await
            .map_err(classify)?;
        media.sort_by_key(|m| m.timestamp);
        Ok(media.iter().map(|m| inbound(m, None)).collect())
    }

    async fn pending_replies(
        &self,
        auth: &AccountAuth,
        root: &PostId,
    ) -> Result<Vec<InboundPost>, NetworkError> {
        let stream = self
            .account(auth)
            .replies()
            .pending(&MediaId::new(root.as_str()))
            .fields(fields())
            .limit(100)
            .stream();
        let media: Vec<Media> = stream
            .take(MAX_LISTED)
            .try_collect()
            .await
            .map_err(classify)?;
        Ok(media.iter().map(|m| inbound(m, None)).collect())
    }

    async fn moderate(
        &self,
        auth: &AccountAuth,
        reply: &PostId,
        action: Moderation,
    ) -> Result<(), NetworkError> {
        let replies = self.account(auth).replies();
        let id = MediaId::new(reply.as_str());
        let result = match action {
            Moderation::Hide => replies.hide(&id).await,
            Moderation::Unhide => replies.unhide(&id).await,
            Moderation::Approve => replies.approve(&id).await,
            _ => replies.ignore(&id).await,
        };
        // Moderation is idempotent on Meta's side (hiding a hidden reply is a
        // no-op), but a lost answer is still reported for the caller to re-read.
        result.map(|_| ()).map_err(classify_publish)
    }
}
