//! [`DraftStore`]: drafts with optimistic concurrency and fencing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{AccountId, DraftId, FenceToken};
use crate::records::{Draft, DraftState, RecordKind};

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
