//! The network side, as platform-neutral traits.
//!
//! * [`Publisher`]: what publishing needs (containers, their status, publish,
//!   reconciliation lookups, delete, publishing limits, the text budget).
//! * [`Connector`]: what connecting an account needs (the consent dialog,
//!   token exchanges and refresh, token facts, profile, past posts).
//! * [`Engagement`]: replies, mentions and moderation.
//! * [`Insights`]: what measuring needs (account figures over a range,
//!   follower demographics, per-post figures, the call-budget hint).
//!
//! The pipeline's state machine sees only these traits and the neutral types
//! below, never a Threads type, so other networks that share the container
//! protocol (Instagram) or not (Facebook Pages, X) plug in as new
//! implementations. [`ThreadsPublisher`] implements them all for Meta
//! Threads.
//!
//! Failures are [`NetworkError`]s with a [`FailureClass`] the state machine
//! acts on: retry later, reconcile (the outcome is unknown), recreate the
//! container, re-authorize the account, or give up.

mod connector;
mod engagement;
mod insights;
mod publisher;
#[cfg(feature = "threads")]
mod threads;

use std::fmt;
use std::sync::Arc;

use chrono::TimeDelta;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::BoxError;

pub use connector::{Callback, Connector, IssuedToken, PastPostData, Profile, TokenFacts};
pub use engagement::{Engagement, InboundEvent, InboundKind, InboundPost, Moderation};
pub use insights::{Breakdown, Insights, UsageHint, metric};
pub use publisher::{ContainerStatus, PostContent, PublishedPost, Publisher, PublishingLimits};
#[cfg(feature = "threads")]
pub use threads::ThreadsPublisher;

macro_rules! provider_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id the network assigned.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
    };
}

provider_id! {
    /// A media container the network created (publishing is a separate step).
    ContainerId
}

provider_id! {
    /// A published post (or reply) on the network.
    PostId
}

/// The credentials to act as one account for one call: the network's user id
/// and the opened access token.
///
/// The pipeline opens the sealed token just before the call and drops this
/// value right after. The token is shared behind an `Arc`, so handing it to a
/// client (for Threads, `threads_api::AccessToken::from`) copies no plaintext.
/// `Debug` shows the user id only.
#[derive(Clone)]
pub struct AccountAuth {
    user_id: String,
    token: Arc<SecretString>,
}

impl AccountAuth {
    /// Credentials for `user_id` (the network's id, e.g. the Threads user id).
    pub fn new(user_id: impl Into<String>, token: impl Into<Arc<SecretString>>) -> Self {
        Self {
            user_id: user_id.into(),
            token: token.into(),
        }
    }

    /// The network's user id.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The access token.
    pub fn token(&self) -> &Arc<SecretString> {
        &self.token
    }
}

impl fmt::Debug for AccountAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountAuth")
            .field("user_id", &self.user_id)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// What to do about a failed network call. The state machine decides on this
/// alone, whatever the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureClass {
    /// Nothing happened on the network's side (the request was refused before
    /// it had an effect, or never arrived): the same call may be made again,
    /// after [`NetworkError::retry_after`] if given.
    Retry,
    /// The call may or may not have taken effect (a timeout or server error on
    /// an irreversible call such as publish). Never repeat it blindly: look at
    /// the network's state first (container status, recent posts).
    Reconcile,
    /// The media container failed or expired; a new one must be created.
    RecreateContainer,
    /// The token is invalid, expired or lacks a permission: the account's owner
    /// must connect again. Work for the account pauses.
    Reauthorize,
    /// Repeating will not help (invalid content, a policy block, a bug).
    Terminal,
}

impl FailureClass {
    /// Whether the call can succeed later without anyone changing anything.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Retry | Self::Reconcile)
    }

    /// The class as text (`"retry"`, `"reconcile"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retry => "retry",
            Self::Reconcile => "reconcile",
            Self::RecreateContainer => "recreate_container",
            Self::Reauthorize => "reauthorize",
            Self::Terminal => "terminal",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified failure of a [`Publisher`] or [`Connector`] call.
///
/// The message and code never contain secrets; implementations must make sure
/// of that (the Threads one strips URLs and tokens from transport errors).
#[derive(Debug)]
pub struct NetworkError {
    class: FailureClass,
    message: String,
    code: Option<String>,
    retry_after: Option<TimeDelta>,
    source: Option<BoxError>,
}

impl NetworkError {
    /// A failure of `class` with a human-readable message.
    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            code: None,
            retry_after: None,
            source: None,
        }
    }

    /// Attaches the network's own error code (e.g. `"190/463"`).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Attaches the network's wait hint.
    pub fn with_retry_after(mut self, wait: TimeDelta) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What to do about it.
    pub fn class(&self) -> FailureClass {
        self.class
    }

    /// The network's error code, if it gave one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// How long the network asked to wait, if it said.
    pub fn retry_after(&self) -> Option<TimeDelta> {
        self.retry_after
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.message, self.class)?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for NetworkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
