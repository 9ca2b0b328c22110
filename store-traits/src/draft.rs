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
/// 4. the draft is stored with `version + 1` and, if `fence` is `Some(f)`,
///    `fence = Some(f)` (without a fence the stored fence is kept).
///
/// Writes from people (edits, approval) pass no fence; a worker passes the
/// fencing token of the job it holds.
#[async_trait]
pub trait DraftStore: Send + Sync {
    /// Stores a new draft as given (version included).
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
    if let (Some(presented), Some(current)) = (fence, stored_fence) {
        if presented < current {
            return Err(Error::StaleFence {
                kind,
                id: id.to_string(),
                presented,
                current: Some(current),
            });
        }
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
    /// ```text
    /// Draft → PendingApproval → Approved → Scheduled → Publishing → PublishSent → Published
    ///                     ↘ Rejected                       ↘ Failed        ↘ Unconfirmed
    ///                                     Scheduled (overdue) → Missed
    /// ```
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
        /// Publishing failed for good; see `last_error`.
        Failed => "failed",
        /// A person rejected it.
        Rejected => "rejected",
        /// Reconciliation could not tell whether it went live; a person must check.
        Unconfirmed => "unconfirmed",
        /// It was due while no worker ran and the lateness policy gave up on it.
        Missed => "missed",
    }
}

impl DraftState {
    /// States from which the draft never moves on by itself.
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
