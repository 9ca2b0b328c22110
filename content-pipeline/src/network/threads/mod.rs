//! [`ThreadsPublisher`]: the network traits for Meta Threads, on `threads-api`.
//!
//! One file per trait: [`Publisher`](super::Publisher) in `publisher.rs`,
//! [`Connector`](super::Connector) in `connector.rs`,
//! [`Insights`](super::Insights) in `insights.rs`; the type, its
//! construction and the error classification here.

mod connector;
mod engagement;
mod insights;
mod publisher;

use std::sync::Arc;

use chrono::TimeDelta;
use threads_api::error::ErrorAction;
use threads_api::oauth::OAuthClient;
use threads_api::{AccessToken, AccountClient, AppCredentials, ThreadsClient};

use super::{AccountAuth, FailureClass, NetworkError};

/// Meta Threads as a [`Publisher`](super::Publisher), a
/// [`Connector`](super::Connector) and an [`Engagement`](super::Engagement).
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
    /// [`Connector`](super::Connector) half.
    pub fn with_app(mut self, app: AppCredentials, redirect_uri: impl Into<String>) -> Self {
        self.oauth = Some(Arc::new(self.client.oauth(app, redirect_uri)));
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &ThreadsClient {
        &self.client
    }

    pub(super) fn account(&self, auth: &AccountAuth) -> AccountClient {
        self.client.account(
            auth.user_id().to_owned(),
            AccessToken::from(Arc::clone(auth.token())),
        )
    }

    pub(super) fn oauth(&self) -> Result<&OAuthClient, NetworkError> {
        self.oauth.as_deref().ok_or_else(|| {
            NetworkError::new(
                FailureClass::Terminal,
                "ThreadsPublisher has no app credentials; call with_app",
            )
        })
    }
}

/// Classifies an error of any call but publish.
pub(super) fn classify(error: threads_api::Error) -> NetworkError {
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
pub(super) fn classify_publish(error: threads_api::Error) -> NetworkError {
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
