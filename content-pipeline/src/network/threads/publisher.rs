//! [`Publisher`](crate::Publisher) for Meta Threads.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use persona_core::PlatformLimits;
use store_traits::MediaKind;
use threads_api::ids::{ContainerId as ThreadsContainerId, MediaId};
use threads_api::model::{ContainerRequest, ContainerState, Fields, LimitField, MediaField};

use super::{ThreadsPublisher, classify, classify_publish};
use crate::network::{
    AccountAuth, ContainerId, ContainerStatus, NetworkError, PostContent, PostId, PublishedPost,
    Publisher, PublishingLimits,
};

/// How many recent posts [`Publisher::find_recent_post`] looks through.
const RECONCILE_SCAN: usize = 100;

/// The container request for a text post or a single-media post.
fn single(content: &PostContent) -> ContainerRequest {
    let request = match content.media.first() {
        None => ContainerRequest::text(content.text.clone()),
        Some(one) => media_request(one).with_text(content.text.clone()),
    };
    decorate(request, content)
}

/// Adds what applies to the top-level container: topic tag, reply target, quote.
fn decorate(mut request: ContainerRequest, content: &PostContent) -> ContainerRequest {
    if let Some(tag) = &content.topic_tag {
        request = request.topic_tag(tag.clone());
    }
    if let Some(to) = &content.reply_to {
        request = request.reply_to(MediaId::new(to.as_str()));
    }
    if let Some(quoted) = &content.quote_of {
        request = request.quote(MediaId::new(quoted.as_str()));
    }
    request
}

fn media_request(m: &store_traits::DraftMedia) -> ContainerRequest {
    let request = match m.kind {
        MediaKind::Video => ContainerRequest::video(m.url.clone()),
        _ => ContainerRequest::image(m.url.clone()),
    };
    match &m.alt_text {
        Some(alt) => request.alt_text(alt.clone()),
        None => request,
    }
}

fn same_post(content: &PostContent, text: Option<&str>) -> bool {
    normalize(text.unwrap_or("")) == normalize(&content.text)
}

/// Whitespace-insensitive comparison: Meta may trim or fold line endings.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[async_trait]
impl Publisher for ThreadsPublisher {
    fn network(&self) -> &str {
        "threads"
    }

    fn text_limits(&self) -> PlatformLimits {
        PlatformLimits::new(
            "threads",
            threads_api::text::TEXT_LIMIT,
            threads_api::text::threads_text_len,
        )
        .with_max_links(threads_api::text::LINK_LIMIT)
        .with_max_hashtags(1)
    }

    async fn create_container(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
    ) -> Result<ContainerId, NetworkError> {
        let account = self.account(auth);
        let publish = account.publish();
        if content.media.len() < 2 {
            let id = publish
                .create_container(&single(content))
                .await
                .map_err(classify)?;
            return Ok(ContainerId::new(id.as_str()));
        }
        // A carousel: one container per item, then the parent.
        let mut children: Vec<ThreadsContainerId> = Vec::with_capacity(content.media.len());
        for item in &content.media {
            let child = publish
                .create_container(&media_request(item).carousel_item(true))
                .await
                .map_err(classify)?;
            children.push(child);
        }
        let parent = decorate(
            ContainerRequest::carousel(children).with_text(content.text.clone()),
            content,
        );
        let id = publish.create_container(&parent).await.map_err(classify)?;
        Ok(ContainerId::new(id.as_str()))
    }

    async fn container_status(
        &self,
        auth: &AccountAuth,
        container: &ContainerId,
    ) -> Result<ContainerStatus, NetworkError> {
        let status = self
            .account(auth)
            .publish()
            .container_status(&ThreadsContainerId::new(container.as_str()))
            .await
            .map_err(classify)?;
        Ok(match status.status {
            Some(ContainerState::Finished) => ContainerStatus::Finished,
            Some(ContainerState::Published) => ContainerStatus::Published,
            Some(ContainerState::Expired) => ContainerStatus::Expired,
            Some(ContainerState::Error) => ContainerStatus::Failed {
                reason: status
                    .error_message
                    .map_or_else(|| "ERROR".to_owned(), |m| m.to_string()),
            },
            // IN_PROGRESS, or a state Meta adds later: ask again.
            _ => ContainerStatus::InProgress,
        })
    }

    async fn publish(
        &self,
        auth: &AccountAuth,
        container: &ContainerId,
    ) -> Result<PublishedPost, NetworkError> {
        let published = self
            .account(auth)
            .publish()
            .publish_container(&ThreadsContainerId::new(container.as_str()))
            .await
            .map_err(classify_publish)?;
        Ok(PublishedPost::new(PostId::new(published.media_id.as_str())))
    }

    async fn find_recent_post(
        &self,
        auth: &AccountAuth,
        content: &PostContent,
        since: DateTime<Utc>,
        exclude: &[PostId],
    ) -> Result<Option<PublishedPost>, NetworkError> {
        let account = self.account(auth);
        let fields = Fields::of([
            MediaField::Id,
            MediaField::Text,
            MediaField::Timestamp,
            MediaField::Permalink,
        ]);
        // Replies are listed under /me/replies, posts under /me/threads.
        let list = if content.reply_to.is_some() {
            account.replies().by_user()
        } else {
            account.posts().list()
        };
        let since = since - TimeDelta::minutes(5);
        let mut stream = list.fields(fields).limit(25).stream();
        let mut seen = 0usize;
        while let Some(media) = stream.try_next().await.map_err(classify)? {
            seen += 1;
            if media.timestamp.is_some_and(|t| t < since) || seen > RECONCILE_SCAN {
                break;
            }
            let id = PostId::new(media.id.as_str());
            if exclude.contains(&id) || !same_post(content, media.text.as_deref()) {
                continue;
            }
            return Ok(Some(PublishedPost {
                id,
                permalink: media.permalink,
                published_at: media.timestamp,
            }));
        }
        Ok(None)
    }

    async fn permalink(
        &self,
        auth: &AccountAuth,
        post: &PostId,
    ) -> Result<Option<String>, NetworkError> {
        let media = self
            .account(auth)
            .posts()
            .get(&MediaId::new(post.as_str()))
            .fields(Fields::of([MediaField::Id, MediaField::Permalink]))
            .send()
            .await
            .map_err(classify)?;
        Ok(media.permalink)
    }

    async fn delete(&self, auth: &AccountAuth, post: &PostId) -> Result<(), NetworkError> {
        self.account(auth)
            .posts()
            .delete(&MediaId::new(post.as_str()))
            .await
            .map_err(classify_publish)?;
        Ok(())
    }

    async fn publishing_limits(
        &self,
        auth: &AccountAuth,
    ) -> Result<PublishingLimits, NetworkError> {
        // `reply_config` needs `threads_manage_replies` and `delete_config`
        // needs `threads_delete`; an account that did not grant them still
        // has a post quota, so a permission refusal drops the optional
        // fields one group at a time (the post quota alone needs only
        // `threads_content_publish`).
        const ATTEMPTS: [&[LimitField]; 3] = [
            &[
                LimitField::Config,
                LimitField::ReplyConfig,
                LimitField::DeleteConfig,
            ],
            &[LimitField::Config, LimitField::ReplyConfig],
            &[LimitField::Config],
        ];
        let mut attempt = 0;
        let limits = loop {
            let fields = ATTEMPTS[attempt];
            match self
                .account(auth)
                .publishing_limit()
                .fields(fields.iter().cloned())
                .send()
                .await
            {
                Ok(limits) => break limits,
                Err(e) if attempt + 1 < ATTEMPTS.len() && is_permission(&e) => attempt += 1,
                Err(e) => return Err(classify(e)),
            }
        };
        let mut out = PublishingLimits::unknown(TimeDelta::hours(24));
        {
            let l = &limits;
            let total = |c: Option<threads_api::model::QuotaConfig>| {
                c.map(|c| u32::try_from(c.quota_total).unwrap_or(u32::MAX))
            };
            out.posts = total(l.config);
            out.replies = total(l.reply_config);
            out.deletes = total(l.delete_config);
            if let Some(window) = l
                .config
                .map(|c| c.quota_duration)
                .filter(|d| *d > 0)
                .and_then(|d| i64::try_from(d).ok())
            {
                out.window = TimeDelta::seconds(window);
            }
        }
        Ok(out)
    }
}

/// A refusal for a missing scope (codes 10 and 200–299).
fn is_permission(e: &threads_api::Error) -> bool {
    use threads_api::error::ErrorCode;
    e.graph().is_some_and(|g| {
        matches!(
            g.code,
            Some(ErrorCode::PermissionDenied | ErrorCode::Permission(_))
        )
    })
}
