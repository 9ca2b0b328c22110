//! The durable side of exactly-once publishing: [`PublishEntry`] and
//! [`PublishLedger`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, DraftId, FenceToken, ReservationId};
use crate::insertion::Insertion;

/// Which ledger entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishFilter {
    /// Only this account (`None`: all, for reconciliation sweeps).
    pub account_id: Option<AccountId>,
    /// Only these states (empty: any).
    pub states: Vec<PublishState>,
    /// Only entries last updated strictly before this instant.
    pub updated_before: Option<DateTime<Utc>>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// One entry per draft recording how far publication got.
///
/// See [`PublishEntry`] for the protocol.
/// [`update_publish_entry`](PublishLedger::update_publish_entry) follows exactly
/// the rules of [`DraftStore::update_draft`](crate::DraftStore::update_draft):
/// fence check, then version compare-and-swap, then store with `version + 1`.
#[async_trait]
pub trait PublishLedger: Send + Sync {
    /// Stores the entry unless the draft has one; then returns that one, unchanged.
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>>;

    /// Reads a draft's entry.
    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>>;

    /// Conditionally replaces an entry and returns the stored value.
    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry>;

    /// Entries matching `filter`, ordered by `(updated_at, draft_id)`.
    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>>;

    /// The entry whose [`media_id`](PublishEntry::media_id) equals `media_id`
    /// (reconciliation: which draft became this live post?).
    ///
    /// Media ids are unique on the network, so a correct publisher records
    /// each on one entry at most; should several entries name it anyway, the
    /// first by `(updated_at, draft_id)` is returned.
    async fn find_publish_entry_by_media(&self, media_id: &str) -> Result<Option<PublishEntry>>;
}

str_enum! {
    /// Progress of one draft's publication.
    pub enum PublishState {
        /// Entry created; no container yet.
        Pending => "pending",
        /// The container exists and its id is committed. Publishing it is the next step.
        ContainerCreated => "container_created",
        /// The publish call was sent; its outcome is unknown until recorded or
        /// reconciled (check the container status before anything else).
        PublishSent => "publish_sent",
        /// Live; `media_id` is set.
        Published => "published",
        /// Failed for good.
        Failed => "failed",
        /// Reconciliation could not decide; a person must check the account.
        Unconfirmed => "unconfirmed",
    }
}

impl PublishState {
    /// States in which the publisher is done with the entry: `Published`,
    /// `Failed` and `Unconfirmed` (the last waits for a person, not a worker).
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Published | Self::Failed | Self::Unconfirmed)
    }
}

/// The ledger row for one draft (one per draft, keyed by its id).
///
/// The protocol a publisher follows (each step a fenced, committed write):
/// 1. create the entry ([`PublishState::Pending`]);
/// 2. create the container, then **persist `container_id`**
///    ([`PublishState::ContainerCreated`]) before anything else;
/// 3. re-check the lease, reserve a quota unit, record
///    [`PublishState::PublishSent`] with `quota_reservation` and `sent_at`, then
///    call publish;
/// 4. record [`PublishState::Published`] with the media id (and commit the
///    reservation).
///
/// A worker that finds `PublishSent` (a crash or timeout after step 3) reconciles
/// by container status and by looking for the live post published since
/// `sent_at` ([`PublishLedger::find_publish_entry_by_media`] tells which entry a
/// live post belongs to) instead of publishing again, noting what it saw in
/// `evidence`. `version` and `fence` work as
/// on [`Draft`](crate::Draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishEntry {
    /// The draft being published (also the entry's key).
    pub draft_id: DraftId,
    /// The account it is published on.
    pub account_id: AccountId,
    /// A marker of the content sent (e.g. a hash of text and media), recorded
    /// before the call so reconciliation can match the live post.
    pub content_hash: String,
    /// Protocol state.
    pub state: PublishState,
    /// Current container id.
    pub container_id: Option<String>,
    /// Containers given up on (ERROR or EXPIRED), oldest first.
    pub previous_container_ids: Vec<String>,
    /// The published media id.
    pub media_id: Option<String>,
    /// The permalink.
    pub permalink: Option<String>,
    /// Publish attempts.
    pub attempts: u32,
    /// The quota unit reserved for the publish call, while it is held
    /// (commit it once the post is live, release it if the call never happened).
    #[serde(default)]
    pub quota_reservation: Option<ReservationId>,
    /// When [`PublishState::PublishSent`] was recorded: reconciliation looks
    /// for the live post from this instant on.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// What reconciliation saw, oldest first, in words for an operator
    /// (most useful with [`PublishState::Unconfirmed`]).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The last error.
    pub last_error: Option<String>,
    /// Optimistic-concurrency version (maintained by the store; starts at 0).
    pub version: u64,
    /// Largest fencing token that wrote the entry.
    pub fence: Option<FenceToken>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it went live.
    pub published_at: Option<DateTime<Utc>>,
}

impl PublishEntry {
    /// A new pending entry, version 0.
    pub fn new(
        draft_id: DraftId,
        account_id: AccountId,
        content_hash: impl Into<String>,
        fence: Option<FenceToken>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            draft_id,
            account_id,
            content_hash: content_hash.into(),
            state: PublishState::Pending,
            container_id: None,
            previous_container_ids: Vec::new(),
            media_id: None,
            permalink: None,
            attempts: 0,
            quota_reservation: None,
            sent_at: None,
            evidence: Vec::new(),
            last_error: None,
            version: 0,
            fence,
            created_at: now,
            updated_at: now,
            published_at: None,
        }
    }
}
