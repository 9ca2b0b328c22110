//! [`ThreadsPublisher`]: [`Publisher`] and [`Connector`] for Meta Threads, on
//! `threads-api`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use persona_core::PlatformLimits;
use secrecy::{ExposeSecret, SecretString};
use store_traits::MediaKind;
use threads_api::error::ErrorAction;
use threads_api::ids::{ContainerId as ThreadsContainerId, MediaId};
use threads_api::model::{ContainerRequest, ContainerState, Fields, LimitField, MediaField};
use threads_api::oauth::{OAuthClient, Scope};
use threads_api::{AccessToken, AccountClient, AppCredentials, ThreadsClient};

use super::{
    AccountAuth, Callback, Connector, ContainerId, ContainerStatus, FailureClass, IssuedToken,
    NetworkError, PastPostData, PostContent, PostId, Profile, PublishedPost, Publisher,
    PublishingLimits, TokenFacts,
};

/// How many recent posts [`Publisher::find_recent_post`] looks through.
const RECONCILE_SCAN: usize = 100;

/// Meta Threads as a [`Publisher`] and a [`Connector`].
///
/// Built on a [`ThreadsClient`] (one per process: it holds the connection
/// pool; point it at the emulator with its builder's base URLs). Each call
/// acts through an [`AccountClient`] made from the call's [`AccountAuth`]; the
/// token moves into it without a plaintext copy.
///
/// The connector half (OAuth) needs the app's credentials and registered
/// redirect URI: [`ThreadsPublisher::with_app`].
///
/// Error classes: a connection that never opened, and "container not ready"
/// on publish, are [`FailureClass::Retry`]; any other failure of
/// `threads_publish` is [`FailureClass::Reconcile`] (Meta may have published:
/// code 10 and HTTP 5xx answers have been seen on posts that went live); on
/// other calls the class follows [`threads_api::Error::action`].
#[derive(Debug, Clone)]
pub struct ThreadsPublisher {
    client: ThreadsClient,
    oauth: Option<Arc<OAuthClient>>,
}

impl ThreadsPublisher {
    /// A publisher on `client`, without OAuth.
    pub fn new(client: ThreadsClient) -> Self {
        Self {
            client,
            oauth: None,
        }
    }

    /// Adds the app's credentials and its registered redirect URI, for the
    /// [`Connector`] half.
    pub fn with_app(mut self, app: AppCredentials, redirect_uri: impl Into<String>) -> Self {
        self.oauth = Some(Arc::new(self.client.oauth(app, redirect_uri)));
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &ThreadsClient {
        &self.client
    }

    fn account(&self, auth: &AccountAuth) -> AccountClient {
        self.client.account(
            auth.user_id().to_owned(),
            AccessToken::from(Arc::clone(auth.token())),
        )
    }

    fn oauth(&self) -> Result<&OAuthClient, NetworkError> {
        self.oauth.as_deref().ok_or_else(|| {
            NetworkError::new(
                FailureClass::Terminal,
                "ThreadsPublisher has no app credentials; call with_app",
            )
        })
    }

    /// The container request for a text post or a single-media post.
    fn single(content: &PostContent) -> ContainerRequest {
        let request = match content.media.first() {
            None => ContainerRequest::text(content.text.clone()),
            Some(one) => media_request(one).with_text(content.text.clone()),
        };
        decorate(request, content)
    }
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

/// Classifies an error of any call but publish.
fn classify(error: threads_api::Error) -> NetworkError {
    let class = if error.is_connect() {
        FailureClass::Retry
    } else {
        match error.action() {
            ErrorAction::Retry | ErrorAction::RetryAfter(_) | ErrorAction::WaitForContainer => {
                FailureClass::Retry
            }
            ErrorAction::RecreateContainer => FailureClass::RecreateContainer,
            ErrorAction::Reauthorize => FailureClass::Reauthorize,
            _ => FailureClass::Terminal,
        }
    };
    wrap(class, error)
}

/// Classifies an error of `threads_publish`: only "never sent" and "not ready
/// yet" are known not to have published.
fn classify_publish(error: threads_api::Error) -> NetworkError {
    let class = if error.is_connect() || error.action() == ErrorAction::WaitForContainer {
        FailureClass::Retry
    } else {
        FailureClass::Reconcile
    };
    wrap(class, error)
}

fn wrap(class: FailureClass, error: threads_api::Error) -> NetworkError {
    let mut out = NetworkError::new(class, error.to_string());
    if let threads_api::Error::Graph(g) = &error {
        let code = match (g.code, g.subcode) {
            (Some(c), Some(s)) => Some(format!("{}/{}", c.as_i64(), s.as_i64())),
            (Some(c), None) => Some(c.as_i64().to_string()),
            _ => None,
        };
        if let Some(code) = code {
            out = out.with_code(code);
        }
    }
    if let Some(wait) = error
        .retry_after()
        .and_then(|d| TimeDelta::from_std(d).ok())
    {
        out = out.with_retry_after(wait);
    }
    out.with_source(error)
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
                .create_container(&Self::single(content))
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
        let limits = self
            .account(auth)
            .publishing_limit()
            .fields([
                LimitField::Config,
                LimitField::ReplyConfig,
                LimitField::DeleteConfig,
            ])
            .send()
            .await
            .map_err(classify)?;
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

#[async_trait]
impl Connector for ThreadsPublisher {
    fn default_scopes(&self) -> Vec<String> {
        [
            Scope::Basic,
            Scope::ContentPublish,
            Scope::ReadReplies,
            Scope::ManageReplies,
            Scope::ManageInsights,
        ]
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect()
    }

    fn authorize_url(&self, scopes: &[String], state: &str) -> Result<String, NetworkError> {
        let scopes: Vec<Scope> = scopes.iter().map(|s| Scope::parse(s)).collect();
        Ok(self
            .oauth()?
            .authorize_url(&scopes, Some(state))
            .to_string())
    }

    fn parse_callback(&self, callback_url: &str) -> Result<Callback, NetworkError> {
        match threads_api::oauth::parse_redirect(callback_url) {
            Ok(redirect) => Ok(Callback::Authorized {
                code: SecretString::from(redirect.code.expose_secret().to_owned()),
                state: redirect.state,
            }),
            Err(threads_api::Error::AuthorizationDenied { reason, .. }) => Ok(Callback::Denied {
                state: state_of(callback_url),
                reason,
            }),
            Err(e) => Err(classify(e)),
        }
    }

    async fn exchange_code(
        &self,
        code: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let code = threads_api::oauth::AuthorizationCode::new(code.expose_secret().to_owned());
        let short = self
            .oauth()?
            .exchange_code(&code, now)
            .await
            .map_err(classify)?;
        Ok(IssuedToken {
            token: short.access_token.secret().clone(),
            user_id: Some(short.user_id.as_str().to_owned()),
            expires_at: short.expires_at,
            long_lived: false,
        })
    }

    async fn exchange_long_lived(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let long = self
            .oauth()?
            .exchange_for_long_lived(&AccessToken::from(token.clone()), now)
            .await
            .map_err(classify)?;
        Ok(long_lived(long))
    }

    async fn refresh(
        &self,
        token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken, NetworkError> {
        let long = self
            .oauth()?
            .refresh(&AccessToken::from(token.clone()), now)
            .await
            .map_err(classify)?;
        Ok(long_lived(long))
    }

    async fn inspect_token(&self, token: &SecretString) -> Result<TokenFacts, NetworkError> {
        let token = AccessToken::from(token.clone());
        let info = self
            .oauth()?
            .debug_token(&token, &token)
            .await
            .map_err(classify)?;
        Ok(TokenFacts {
            is_valid: info.is_valid,
            scopes: info.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            issued_at: info.issued_at,
            expires_at: info.expires_at,
            data_access_expires_at: info.data_access_expires_at,
        })
    }

    async fn profile(&self, auth: &AccountAuth) -> Result<Profile, NetworkError> {
        let me = self
            .account(auth)
            .profile()
            .get()
            .all_fields()
            .send()
            .await
            .map_err(classify)?;
        Ok(Profile {
            user_id: me.id.as_str().to_owned(),
            username: me.username.unwrap_or_default(),
            display_name: me.name,
            biography: me.threads_biography,
            picture_url: me.threads_profile_picture_url,
            is_verified: me.is_verified.unwrap_or(false),
        })
    }

    async fn recent_posts(
        &self,
        auth: &AccountAuth,
        max: usize,
    ) -> Result<Vec<PastPostData>, NetworkError> {
        let fields = Fields::of([
            MediaField::Id,
            MediaField::Text,
            MediaField::Timestamp,
            MediaField::IsReply,
        ]);
        let mut stream = self
            .account(auth)
            .posts()
            .list()
            .fields(fields)
            .limit(100)
            .stream();
        let mut out = Vec::new();
        while out.len() < max {
            let Some(media) = stream.try_next().await.map_err(classify)? else {
                break;
            };
            out.push(PastPostData {
                id: PostId::new(media.id.as_str()),
                text: media.text.unwrap_or_default(),
                published_at: media.timestamp,
                is_reply: media.is_reply.unwrap_or(false),
            });
        }
        Ok(out)
    }
}

/// A long-lived token from the exchange or a refresh (neither names the user).
fn long_lived(long: threads_api::oauth::LongLivedToken) -> IssuedToken {
    IssuedToken {
        token: long.access_token.secret().clone(),
        user_id: None,
        expires_at: long.expires_at,
        long_lived: true,
    }
}

/// The `state` query parameter of a callback URL, if any.
fn state_of(callback_url: &str) -> Option<String> {
    let url = url::Url::parse(callback_url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
}
