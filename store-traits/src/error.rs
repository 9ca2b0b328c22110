//! The crate's error type.

use chrono::{DateTime, Utc};

use crate::ids::{AccountId, FenceToken};
use crate::quota::QuotaKind;
use crate::record_kind::RecordKind;

/// A boxed error from a storage backend (a database driver, an I/O error, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand for results of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a store operation can report.
///
/// Variants carry meaning, not backend codes: callers match on
/// [`Error::StaleFence`] or [`Error::QuotaExceeded`] the same way whatever the
/// backend. Backends map their own failures to [`Error::Backend`] and keep the
/// original error as the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// What kind of record was looked up.
        kind: RecordKind,
        /// Its id, as text.
        id: String,
    },

    /// A record with the same id (or unique key) exists already.
    #[error("{kind} {id} already exists")]
    AlreadyExists {
        /// What kind of record was inserted.
        kind: RecordKind,
        /// Its id or unique key, as text.
        id: String,
    },

    /// An optimistic-concurrency check failed: the record changed since it was read.
    ///
    /// Re-read the record and decide again.
    #[error("{kind} {id} was modified concurrently (expected version {expected}, found {actual})")]
    VersionConflict {
        /// What kind of record was written.
        kind: RecordKind,
        /// Its id, as text.
        id: String,
        /// The version the writer had read.
        expected: u64,
        /// The version in the store.
        actual: u64,
    },

    /// A write carried a fencing token older than the one the record (or job)
    /// now holds: another worker took over, and this writer must stop.
    #[error(
        "{kind} {id}: fencing token {presented} is stale ({})",
        describe_current(current)
    )]
    StaleFence {
        /// What kind of record was written.
        kind: RecordKind,
        /// Its id, as text.
        id: String,
        /// The token the writer presented.
        presented: FenceToken,
        /// The token the store holds now (`None` when the job is no longer leased).
        current: Option<FenceToken>,
    },

    /// A write would move a record to a state its stored state cannot become
    /// (for a draft: see [`DraftState::can_become`](crate::DraftState::can_become)).
    ///
    /// Nothing was written. Re-read the record: someone else may have moved it on.
    #[error("{kind} {id} cannot go from state {from} to state {to}")]
    InvalidTransition {
        /// What kind of record was written.
        kind: RecordKind,
        /// Its id, as text.
        id: String,
        /// The stored state, as stored text.
        from: String,
        /// The state the write asked for, as stored text.
        to: String,
    },

    /// A quota reservation would exceed the limit within the rolling window.
    #[error(
        "quota for {kind} of account {account_id} exhausted: {in_use} of {limit} in use, {requested} requested; {}",
        describe_retry(retry_at)
    )]
    QuotaExceeded {
        /// The account whose quota is exhausted.
        account_id: AccountId,
        /// Which quota.
        kind: QuotaKind,
        /// The limit per window.
        limit: u32,
        /// Units counted in the window now (committed and pending).
        in_use: u32,
        /// Units the caller asked for.
        requested: u32,
        /// The earliest instant at which the request could succeed, if nothing
        /// else is reserved meanwhile. `None` when it can never succeed
        /// (`requested` exceeds `limit`).
        retry_at: Option<DateTime<Utc>>,
    },

    /// The request is malformed (for example zero quota units or an empty queue name).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The operation is not allowed in the record's current state
    /// (for example committing a released quota reservation).
    #[error("{kind} {id}: {message}")]
    InvalidState {
        /// What kind of record.
        kind: RecordKind,
        /// Its id, as text.
        id: String,
        /// What is wrong.
        message: String,
    },

    /// The storage backend failed (connection, I/O, constraint the store did not expect).
    #[error("storage backend error: {message}")]
    Backend {
        /// A short description of what the store was doing.
        message: String,
        /// The backend's own error.
        #[source]
        source: BoxError,
    },
}

impl Error {
    /// Wraps a backend error with a short description of the failed operation.
    pub fn backend(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            message: message.into(),
            source: source.into(),
        }
    }

    /// Builds [`Error::NotFound`].
    pub fn not_found(kind: RecordKind, id: impl ToString) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// Builds [`Error::AlreadyExists`].
    pub fn already_exists(kind: RecordKind, id: impl ToString) -> Self {
        Self::AlreadyExists {
            kind,
            id: id.to_string(),
        }
    }

    /// True for [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// True for [`Error::StaleFence`]: the caller lost its lease and must stop.
    pub fn is_stale_fence(&self) -> bool {
        matches!(self, Self::StaleFence { .. })
    }

    /// True for [`Error::VersionConflict`]: re-read and retry the decision.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::VersionConflict { .. })
    }

    /// True for [`Error::InvalidTransition`]: the record is in a state the
    /// write may not leave for the one asked.
    pub fn is_invalid_transition(&self) -> bool {
        matches!(self, Self::InvalidTransition { .. })
    }
}

fn describe_current(current: &Option<FenceToken>) -> String {
    match current {
        Some(token) => format!("current token: {token}"),
        None => "no current lease".to_owned(),
    }
}

fn describe_retry(retry_at: &Option<DateTime<Utc>>) -> String {
    match retry_at {
        Some(at) => format!("capacity frees up at {}", at.to_rfc3339()),
        None => "the request exceeds the limit itself".to_owned(),
    }
}

/// A string did not name a known enum value (when reading a stored enum back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {type_name} value {value:?}")]
pub struct ParseEnumError {
    /// The enum type's name.
    pub type_name: &'static str,
    /// The rejected text.
    pub value: String,
}
