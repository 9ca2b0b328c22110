//! [`Connector`](crate::Connector) for Meta Threads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use threads_api::AccessToken;
use threads_api::oauth::Scope;

use super::{ThreadsPublisher, classify};
use crate::network::{
    AccountAuth, Callback, Connector, IssuedToken, NetworkError, PastPostData, PostId, Profile,
    TokenFacts,
};
use futures::TryStreamExt;
use threads_api::model::{Fields, MediaField};

#[async_trait]
impl Connector for ThreadsPublisher {
    fn default_scopes(&self) -> Vec<String> {
        [
            Scope::Basic,
            Scope::ContentPublish,
            Scope::ReadReplies,
            Scope::ManageReplies,
            Scope::ManageMentions,
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
