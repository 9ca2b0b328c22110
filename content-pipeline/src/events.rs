//! [`Event`]: what happened, for the audit trail and for listeners.
//!
//! Every event is written to the store's audit log (actor, action, target and
//! details, never a secret) and then sent to in-process subscribers
//! ([`Pipeline::subscribe`](crate::Pipeline::subscribe)). The audit log is the
//! durable record, shared by all processes; the broadcast is a convenience
//! for the process that made the change (a dashboard, a notifier). A slow
//! subscriber misses events rather than slowing the pipeline.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{AccountId, DraftId, DraftState};

/// Something the pipeline did or saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// An OAuth login started (an authorize URL was handed out).
    ConnectStarted,
    /// A step of a connection went through (`state_verified`,
    /// `token_issued`, `profile_read`, `posts_synced`, `limits_read`), with
    /// what it learned (never a token or code).
    ConnectStep {
        /// The account, once it exists.
        account_id: Option<AccountId>,
        /// The step.
        step: String,
        /// What it learned (scopes, expiry, counts).
        detail: String,
    },
    /// A callback was refused (denied consent, bad or replayed state, a
    /// network error).
    ConnectRefused {
        /// Why.
        reason: String,
    },
    /// An account was connected (or reconnected).
    AccountConnected {
        /// The account.
        account_id: AccountId,
        /// Its handle.
        username: String,
        /// Scopes asked for but not granted.
        missing_scopes: Vec<String>,
    },
    /// Past posts were synced and a persona bootstrapped from them.
    PersonaBootstrapped {
        /// The account.
        account_id: AccountId,
        /// How many posts were read.
        posts: usize,
    },
    /// A token refresh was attempted (one event per attempt: the refresh log).
    TokenRefreshAttempted {
        /// The account.
        account_id: AccountId,
        /// Whether it worked.
        succeeded: bool,
        /// The new expiry, on success.
        expires_at: Option<DateTime<Utc>>,
        /// The failure, otherwise.
        error: Option<String>,
    },
    /// The network refused the account's token: its owner must connect again.
    /// Publishing for the account pauses until then.
    AccountNeedsReauth {
        /// The account.
        account_id: AccountId,
        /// What the network said.
        reason: String,
    },
    /// The account was disconnected: tokens deleted, work cancelled.
    AccountDisconnected {
        /// The account.
        account_id: AccountId,
        /// Jobs cancelled.
        jobs_cancelled: usize,
        /// Drafts taken off the schedule.
        drafts_unscheduled: usize,
    },
    /// A draft moved from one state to another.
    DraftTransition {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// Before.
        from: DraftState,
        /// After.
        to: DraftState,
        /// Why, when there is more to say (a rejection reason, an error).
        note: Option<String>,
    },
    /// A draft's text was edited.
    DraftEdited {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
    },
    /// A post went live.
    Published {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The network's post id.
        post_id: String,
        /// Its link, when known.
        permalink: Option<String>,
    },
    /// A media container failed or expired and was replaced.
    ContainerReplaced {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The container given up on.
        container_id: String,
        /// Why.
        reason: String,
    },
    /// The quota was exhausted; the post moved to when it frees up.
    QuotaDeferred {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The new time.
        until: DateTime<Utc>,
    },
}

impl Event {
    /// The audit action name (`"draft.transition"`, `"account.connected"`, ...).
    pub fn action(&self) -> &'static str {
        match self {
            Self::ConnectStarted => "connect.started",
            Self::ConnectStep { .. } => "connect.step",
            Self::ConnectRefused { .. } => "connect.refused",
            Self::AccountConnected { .. } => "account.connected",
            Self::PersonaBootstrapped { .. } => "persona.bootstrapped",
            Self::TokenRefreshAttempted { .. } => "token.refresh",
            Self::AccountNeedsReauth { .. } => "account.needs_reauth",
            Self::AccountDisconnected { .. } => "account.disconnected",
            Self::DraftTransition { .. } => "draft.transition",
            Self::DraftEdited { .. } => "draft.edited",
            Self::Published { .. } => "draft.published",
            Self::ContainerReplaced { .. } => "publish.container_replaced",
            Self::QuotaDeferred { .. } => "publish.quota_deferred",
        }
    }

    /// The account the event concerns, if any.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Self::ConnectStarted | Self::ConnectRefused { .. } => None,
            Self::ConnectStep { account_id, .. } => *account_id,
            Self::AccountConnected { account_id, .. }
            | Self::PersonaBootstrapped { account_id, .. }
            | Self::TokenRefreshAttempted { account_id, .. }
            | Self::AccountNeedsReauth { account_id, .. }
            | Self::AccountDisconnected { account_id, .. }
            | Self::DraftTransition { account_id, .. }
            | Self::DraftEdited { account_id, .. }
            | Self::Published { account_id, .. }
            | Self::ContainerReplaced { account_id, .. }
            | Self::QuotaDeferred { account_id, .. } => Some(*account_id),
        }
    }

    /// The record acted on, as the audit event's target.
    pub fn target(&self) -> Option<String> {
        match self {
            Self::DraftTransition { draft_id, .. }
            | Self::DraftEdited { draft_id, .. }
            | Self::Published { draft_id, .. }
            | Self::ContainerReplaced { draft_id, .. }
            | Self::QuotaDeferred { draft_id, .. } => Some(draft_id.to_string()),
            other => other.account_id().map(|a| a.to_string()),
        }
    }

    /// The event's fields as audit details (text values, no secrets).
    pub fn details(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) {
            for (k, v) in map {
                if k == "event" || v.is_null() {
                    continue;
                }
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, text);
            }
        }
        out
    }
}
