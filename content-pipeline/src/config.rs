//! [`PipelineConfig`]: every policy knob, with documented defaults.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// Whether drafts of a kind need a person's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApprovalMode {
    /// Drafts that pass the guardrails are approved by the system at once.
    Automatic,
    /// Every draft waits for a person.
    Manual,
}

/// Approval mode per kind of draft. A draft whose text failed a guardrail
/// check, or needed a repair that changed its meaning (a cut), always goes
/// to a person, whatever the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApprovalPolicy {
    /// Top-level posts and quotes. Default: manual.
    pub posts: ApprovalMode,
    /// Replies. Default: manual.
    pub replies: ApprovalMode,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            posts: ApprovalMode::Manual,
            replies: ApprovalMode::Manual,
        }
    }
}

/// What to do with a post whose time passed while no worker ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LateAction {
    /// Publish it now, late.
    PublishNow,
    /// Mark it [`Missed`](store_traits::DraftState::Missed) and leave it to a person.
    MarkMissed,
}

/// The lateness policy: a post picked up more than `grace` after its
/// scheduled time gets `action`. Posts within the grace are published as
/// usual. Defaults: 15 minutes, publish now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LatenessPolicy {
    /// How late is still on time.
    pub grace: TimeDelta,
    /// What happens after that.
    pub action: LateAction,
}

impl Default for LatenessPolicy {
    fn default() -> Self {
        Self {
            grace: TimeDelta::minutes(15),
            action: LateAction::PublishNow,
        }
    }
}

/// When tokens are refreshed. Threads lets a long-lived token (60 days) be
/// refreshed once it is 24 hours old and while it is still valid; the
/// pipeline refreshes inside `window` before expiry, never earlier than
/// `min_age` after issue. Defaults: 10 days, 24 hours, retries every hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Refresh once the token expires within this.
    pub window: TimeDelta,
    /// Never refresh a token younger than this.
    pub min_age: TimeDelta,
    /// Wait before trying again after a transient failure.
    pub retry_after: TimeDelta,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            window: TimeDelta::days(10),
            min_age: TimeDelta::hours(24),
            retry_after: TimeDelta::hours(1),
        }
    }
}

/// How publishing waits, retries and gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishPolicy {
    /// First wait between container status checks; doubles up to
    /// `poll_max`. Default 2 s.
    pub poll_initial: TimeDelta,
    /// Longest wait between status checks. Default 60 s.
    pub poll_max: TimeDelta,
    /// How long a worker keeps polling a processing container in-process
    /// before it hands the job back to the queue for later. Default 30 s.
    pub inline_wait: TimeDelta,
    /// Containers created for one draft before it fails (ERROR or EXPIRED
    /// containers are replaced). Default 3.
    pub max_containers: u32,
    /// Base and cap of the retry backoff after transient failures.
    /// Defaults 5 s and 10 min.
    pub retry_base: TimeDelta,
    /// See `retry_base`.
    pub retry_max: TimeDelta,
    /// A draft that makes no progress for this long leaves publishing: it
    /// fails if the publish call was never sent, and becomes
    /// [`Unconfirmed`](store_traits::DraftState::Unconfirmed) for a person
    /// if it was. Default 6 hours.
    pub deadline: TimeDelta,
    /// How far back before the publish call reconciliation looks for the
    /// live post (clock skew between us and the network). Default 10 min.
    pub reconcile_skew: TimeDelta,
    /// How long a quota reservation holds its unit before it lapses (a
    /// crashed worker cannot leak quota for longer). Default 15 min.
    pub quota_hold: TimeDelta,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        Self {
            poll_initial: TimeDelta::seconds(2),
            poll_max: TimeDelta::seconds(60),
            inline_wait: TimeDelta::seconds(30),
            max_containers: 3,
            retry_base: TimeDelta::seconds(5),
            retry_max: TimeDelta::minutes(10),
            deadline: TimeDelta::hours(6),
            reconcile_skew: TimeDelta::minutes(10),
            quota_hold: TimeDelta::minutes(15),
        }
    }
}

/// How the next free slot is found in a persona's posting windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlotPolicy {
    /// Slots are the window starts plus multiples of this. Default 30 min.
    pub interval: TimeDelta,
    /// A slot is free when no other post of the account is scheduled closer
    /// than this to it. Default 30 min.
    pub min_gap: TimeDelta,
    /// How far ahead to search. Default 30 days.
    pub horizon: TimeDelta,
}

impl Default for SlotPolicy {
    fn default() -> Self {
        Self {
            interval: TimeDelta::minutes(30),
            min_gap: TimeDelta::minutes(30),
            horizon: TimeDelta::days(30),
        }
    }
}

/// How drafts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenerationPolicy {
    /// Candidates asked of the model per draft, ranked by voice score. Default 3.
    pub candidates: u32,
    /// Most parts a long text is split into (a reply chain). Default 5.
    pub max_chain_parts: u32,
}

impl Default for GenerationPolicy {
    fn default() -> Self {
        Self {
            candidates: 3,
            max_chain_parts: 5,
        }
    }
}

/// What connecting an account syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncPolicy {
    /// Most past posts read (across pages) to learn the voice. Default 200.
    pub max_posts: usize,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        Self { max_posts: 200 }
    }
}

/// Every policy of a [`Pipeline`](crate::Pipeline). Start from
/// `PipelineConfig::default()` and change what you need; every field is
/// public and documented with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PipelineConfig {
    /// Approval per kind.
    pub approval: ApprovalPolicy,
    /// Posts found late.
    pub lateness: LatenessPolicy,
    /// Token refresh.
    pub refresh: RefreshPolicy,
    /// Publishing waits, retries, deadlines.
    pub publish: PublishPolicy,
    /// Finding slots.
    pub slots: SlotPolicy,
    /// Writing drafts.
    pub generation: GenerationPolicy,
    /// Connecting.
    pub sync: SyncPolicy,
}
