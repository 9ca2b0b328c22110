//! Drafts, posts and replies on their way to publication: the [`Draft`]
//! record and [`DraftStore`], with optimistic concurrency and fencing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AccountId, ConversationId, DraftId, FenceToken, PersonaId, SourceId};
use crate::record_kind::RecordKind;

/// Which drafts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftFilter {
    /// Only this account's drafts (`None`: all accounts, for sweeps).
    pub account_id: Option<AccountId>,
    /// Only drafts in one of these states (empty: any state).
    pub states: Vec<DraftState>,
    /// Only drafts with `scheduled_at` set and strictly before this instant.
    pub scheduled_before: Option<DateTime<Utc>>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

impl DraftFilter {
    /// All drafts of one account.
    pub fn account(account_id: AccountId) -> Self {
        Self {
            account_id: Some(account_id),
            ..Self::default()
        }
    }
}

/// Drafts.
///
/// # Writes by workers
/// [`update_draft`](DraftStore::update_draft) is a compare-and-swap on
/// [`Draft::version`] plus an optional fencing check, in one atomic step:
/// 1. the stored draft must exist ([`Error::NotFound`](crate::Error::NotFound));
/// 2. if `fence` is `Some(f)` and the stored `fence` is greater than `f`:
///    [`Error::StaleFence`](crate::Error::StaleFence) (checked before the version);
/// 3. the stored version must equal `draft.version`:
///    [`Error::VersionConflict`](crate::Error::VersionConflict) otherwise;
/// 4. the stored state must be able to become `draft.state`
///    ([`DraftState::can_become`]):
///    [`Error::InvalidTransition`](crate::Error::InvalidTransition) otherwise;
/// 5. the draft is stored with `version + 1` and, if `fence` is `Some(f)`,
///    `fence = Some(f)` (without a fence the stored fence is kept).
///
/// Steps 2 to 4 are [`check_fenced_write`] and [`check_draft_transition`],
/// which every backend calls inside the atomic step, so all decide alike.
/// [`insert_draft`](DraftStore::insert_draft) accepts a draft in any state.
///
/// Writes from people (edits, approval) pass no fence; a worker passes the
/// fencing token of the job it holds.
#[async_trait]
pub trait DraftStore: Send + Sync {
    /// Stores a new draft as given (version and state included).
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn insert_draft(&self, draft: &Draft) -> Result<()>;

    /// Reads a draft.
    async fn get_draft(&self, id: DraftId) -> Result<Option<Draft>>;

    /// Conditionally replaces a draft (see the trait docs) and returns the stored value.
    async fn update_draft(&self, draft: &Draft, fence: Option<FenceToken>) -> Result<Draft>;

    /// Drafts matching `filter`, ordered by `(created_at, id)`.
    async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<Draft>>;

    /// Deletes a draft; `true` if it existed.
    async fn delete_draft(&self, id: DraftId) -> Result<bool>;
}

/// Decides a fenced compare-and-swap write as
/// [`DraftStore::update_draft`] and
/// [`PublishLedger::update_publish_entry`](crate::PublishLedger::update_publish_entry)
/// specify: the fence first ([`Error::StaleFence`] if `fence` is older than
/// `stored_fence`), then the version ([`Error::VersionConflict`] if
/// `expected_version` differs from `stored_version`).
///
/// Backends call it inside the transaction that then writes `version + 1`, so
/// every backend decides identically.
pub fn check_fenced_write(
    kind: RecordKind,
    id: impl ToString,
    stored_version: u64,
    stored_fence: Option<FenceToken>,
    expected_version: u64,
    fence: Option<FenceToken>,
) -> Result<()> {
    if let (Some(presented), Some(current)) = (fence, stored_fence)
        && presented < current
    {
        return Err(Error::StaleFence {
            kind,
            id: id.to_string(),
            presented,
            current: Some(current),
        });
    }
    if stored_version != expected_version {
        return Err(Error::VersionConflict {
            kind,
            id: id.to_string(),
            expected: expected_version,
            actual: stored_version,
        });
    }
    Ok(())
}

/// Decides whether a draft stored in state `from` may be written in state
/// `to`, as [`DraftStore::update_draft`] specifies:
/// [`Error::InvalidTransition`] naming both states unless
/// [`from.can_become(to)`](DraftState::can_become).
///
/// Backends call it after [`check_fenced_write`], inside the same atomic step,
/// so every backend decides identically.
pub fn check_draft_transition(id: impl ToString, from: DraftState, to: DraftState) -> Result<()> {
    if from.can_become(to) {
        return Ok(());
    }
    Err(Error::InvalidTransition {
        kind: RecordKind::Draft,
        id: id.to_string(),
        from: from.as_str().to_owned(),
        to: to.as_str().to_owned(),
    })
}

str_enum! {
    /// What a draft becomes when published.
    pub enum DraftKind {
        /// A top-level post.
        Post => "post",
        /// A reply to another post or reply (`reply_to_id`).
        Reply => "reply",
        /// A quote post of another post (`reply_to_id` holds the quoted id).
        Quote => "quote",
    }
}

str_enum! {
    /// Where a draft is in its life.
    ///
    /// The life cycle is defined in one place, [`DraftState::TRANSITIONS`], and
    /// every store enforces it on [`DraftStore::update_draft`]
    /// ([`DraftState::can_become`]; writing the state a draft already has is
    /// always allowed). The main path runs left to right; most steps can be
    /// taken back while nothing was sent:
    ///
    /// ```text
    /// Draft ⇄ PendingApproval ⇄ Approved ⇄ Scheduled ⇄ Publishing ⇄ PublishSent → Published
    ///
    /// Draft → Approved (no approval needed);  Publishing → Published
    /// Approved → Draft;  Scheduled → PendingApproval
    /// Draft, PendingApproval, Approved, Scheduled → Rejected → Draft
    /// Scheduled → Missed → Approved | Scheduled
    /// Scheduled, Publishing, PublishSent → Failed → Approved | Scheduled
    /// Publishing, PublishSent → Unconfirmed → Published | Failed
    /// Published → (nothing)
    /// ```
    ///
    /// The table, from each state to the states it can become:
    ///
    /// | from | to |
    /// |---|---|
    /// | `Draft` | `PendingApproval`, `Approved`, `Rejected` |
    /// | `PendingApproval` | `Approved`, `Rejected`, `Draft` |
    /// | `Approved` | `Scheduled`, `PendingApproval`, `Rejected`, `Draft` |
    /// | `Scheduled` | `Publishing`, `Approved`, `Missed`, `PendingApproval`, `Rejected`, `Failed` |
    /// | `Publishing` | `PublishSent`, `Published`, `Failed`, `Unconfirmed`, `Scheduled` |
    /// | `PublishSent` | `Published`, `Failed`, `Unconfirmed`, `Publishing` |
    /// | `Published` | nothing |
    /// | `Failed` | `Approved`, `Scheduled` |
    /// | `Unconfirmed` | `Published`, `Failed` |
    /// | `Rejected` | `Draft` |
    /// | `Missed` | `Approved`, `Scheduled` |
    pub enum DraftState {
        /// Being written or edited.
        Draft => "draft",
        /// Waiting for a person to approve it.
        PendingApproval => "pending_approval",
        /// Approved, not scheduled yet.
        Approved => "approved",
        /// Waiting for `scheduled_at`.
        Scheduled => "scheduled",
        /// A worker is creating the container or waiting for it to finish.
        Publishing => "publishing",
        /// The publish call was sent and its outcome is not recorded yet
        /// (outcome unknown: reconcile before doing anything else).
        PublishSent => "publish_sent",
        /// Live on Threads; `provider.media_id` is set.
        Published => "published",
        /// Publishing failed; see `last_error`. Nothing retries it until a
        /// person approves or schedules it again.
        Failed => "failed",
        /// A person rejected it.
        Rejected => "rejected",
        /// Reconciliation could not tell whether it went live; a person must check.
        Unconfirmed => "unconfirmed",
        /// It was due while no worker ran and the lateness policy gave up on it
        /// (a person may approve or schedule it again).
        Missed => "missed",
    }
}

impl DraftState {
    /// The life cycle: each state with the states it can become (besides
    /// itself), in [`DraftState::ALL`] order. See the table on [`DraftState`].
    pub const TRANSITIONS: &'static [(DraftState, &'static [DraftState])] = {
        use DraftState::*;
        &[
            (Draft, &[PendingApproval, Approved, Rejected]),
            (PendingApproval, &[Approved, Rejected, Draft]),
            (Approved, &[Scheduled, PendingApproval, Rejected, Draft]),
            (
                Scheduled,
                &[
                    Publishing,
                    Approved,
                    Missed,
                    PendingApproval,
                    Rejected,
                    Failed,
                ],
            ),
            (
                Publishing,
                &[PublishSent, Published, Failed, Unconfirmed, Scheduled],
            ),
            (PublishSent, &[Published, Failed, Unconfirmed, Publishing]),
            (Published, &[]),
            (Failed, &[Approved, Scheduled]),
            (Rejected, &[Draft]),
            (Unconfirmed, &[Published, Failed]),
            (Missed, &[Approved, Scheduled]),
        ]
    };

    /// The states this one can become, besides itself
    /// (its row of [`DraftState::TRANSITIONS`]).
    pub fn next_states(self) -> &'static [DraftState] {
        Self::TRANSITIONS
            .iter()
            .find(|(from, _)| *from == self)
            .map_or(&[], |(_, to)| *to)
    }

    /// Whether a draft in this state may be written in state `next`: `next`
    /// is this state (always allowed) or one of its
    /// [`next_states`](Self::next_states).
    pub fn can_become(self, next: DraftState) -> bool {
        self == next || self.next_states().contains(&next)
    }

    /// States from which the draft never moves on by itself (only a person
    /// can move a failed, rejected, unconfirmed or missed draft on; a
    /// published one stays).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Published | Self::Failed | Self::Rejected | Self::Unconfirmed | Self::Missed
        )
    }
}

str_enum! {
    /// Kind of a media attachment.
    pub enum MediaKind {
        /// A still image (`image_url`).
        Image => "image",
        /// A video (`video_url`).
        Video => "video",
    }
}

/// One media attachment (a carousel has several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftMedia {
    /// Image or video.
    pub kind: MediaKind,
    /// Public URL Meta fetches the media from.
    pub url: String,
    /// Alt text.
    pub alt_text: Option<String>,
}

/// Ids the provider (Threads) assigned while publishing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderIds {
    /// The media container id, persisted *before* the publish call.
    pub container_id: Option<String>,
    /// The published media id.
    pub media_id: Option<String>,
    /// The public permalink.
    pub permalink: Option<String>,
}

str_enum! {
    /// What a person (or the system acting for one) decided about a draft.
    pub enum DecisionKind {
        /// Submitted for approval.
        Submitted => "submitted",
        /// Approved for publication.
        Approved => "approved",
        /// Rejected.
        Rejected => "rejected",
        /// The text was edited.
        Edited => "edited",
        /// Given a publication time.
        Scheduled => "scheduled",
    }
}

/// One decision in a draft's history: who decided what, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// When it was decided.
    pub at: DateTime<Utc>,
    /// Who decided (an actor id chosen by the host, for example `user:42`).
    pub actor: String,
    /// What was decided.
    pub kind: DecisionKind,
    /// The reason given, if any (a rejection's explanation, for example).
    pub reason: Option<String>,
}

/// What the quality checks found when a draft was written or edited.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DraftQuality {
    /// How closely the text matches the persona's voice, if it was scored
    /// (higher is closer; the scale is the scorer's).
    pub voice_score: Option<f64>,
    /// Findings of the checks (guardrails, style), in words for a reviewer.
    pub findings: Vec<String>,
    /// Whether a person should look at the draft before it is approved.
    pub needs_review: bool,
}

/// One past version of a draft's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftEdit {
    /// When the edit was made.
    pub at: DateTime<Utc>,
    /// Who made it (an actor id chosen by the host), if known.
    pub editor: Option<String>,
    /// The text before the edit.
    pub previous_text: String,
}

/// A post or reply being prepared, approved, scheduled and published.
///
/// # Concurrency
/// `version` is an optimistic-concurrency counter maintained by the store:
/// [`DraftStore::update_draft`](crate::DraftStore::update_draft) succeeds only when
/// the stored version equals the one in the value passed (the version the caller
/// read) and stores it incremented. `fence` is the largest
/// [`FenceToken`] that wrote the draft; a worker's write carrying a smaller token
/// fails with [`Error::StaleFence`](crate::Error::StaleFence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The draft's id.
    pub id: DraftId,
    /// The account it will be published on.
    pub account_id: AccountId,
    /// The persona that wrote it.
    pub persona_id: Option<PersonaId>,
    /// The source it was made from.
    pub source_id: Option<SourceId>,
    /// The conversation it replies in.
    pub conversation_id: Option<ConversationId>,
    /// Post, reply or quote.
    pub kind: DraftKind,
    /// The text.
    pub text: String,
    /// Media attachments (empty for text posts).
    pub media: Vec<DraftMedia>,
    /// The topic tag, if any (one per post).
    pub topic_tag: Option<String>,
    /// The provider id replied to (reply) or quoted (quote).
    pub reply_to_id: Option<String>,
    /// Life-cycle state.
    pub state: DraftState,
    /// When to publish.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Ids the provider assigned.
    pub provider: ProviderIds,
    /// Publish attempts so far.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// Past versions of the text, oldest first.
    pub history: Vec<DraftEdit>,
    /// Optimistic-concurrency version (maintained by the store; starts at 0).
    pub version: u64,
    /// Largest fencing token that wrote this draft.
    pub fence: Option<FenceToken>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
    /// For a later part of a reply chain: the draft whose published post this
    /// part replies to (the previous part).
    #[serde(default)]
    pub parent_draft_id: Option<DraftId>,
    /// On the first part of a reply chain: the following parts, in order
    /// (empty for a single post).
    #[serde(default)]
    pub chain: Vec<DraftId>,
    /// Who decided what about the draft, oldest first.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// What the quality checks found, if they ran.
    #[serde(default)]
    pub quality: Option<DraftQuality>,
}

impl Draft {
    /// A new draft in state [`DraftState::Draft`], version 0.
    pub fn new(
        account_id: AccountId,
        kind: DraftKind,
        text: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: DraftId::new(),
            account_id,
            persona_id: None,
            source_id: None,
            conversation_id: None,
            kind,
            text: text.into(),
            media: Vec::new(),
            topic_tag: None,
            reply_to_id: None,
            state: DraftState::Draft,
            scheduled_at: None,
            provider: ProviderIds::default(),
            attempts: 0,
            last_error: None,
            history: Vec::new(),
            version: 0,
            fence: None,
            created_at: now,
            updated_at: now,
            published_at: None,
            parent_draft_id: None,
            chain: Vec::new(),
            decisions: Vec::new(),
            quality: None,
        }
    }

    /// Replaces the text, keeping the old one in `history`.
    pub fn edit_text(
        &mut self,
        text: impl Into<String>,
        editor: Option<String>,
        now: DateTime<Utc>,
    ) {
        let previous = std::mem::replace(&mut self.text, text.into());
        self.history.push(DraftEdit {
            at: now,
            editor,
            previous_text: previous,
        });
        self.updated_at = now;
    }
}
