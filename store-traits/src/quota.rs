//! [`QuotaLedger`]: rolling-window rate limits shared by all workers.

use async_trait::async_trait;
use chrono::TimeDelta;

use crate::error::Result;
use crate::ids::{AccountId, ReservationId};
use crate::records::{QuotaKind, QuotaRequest, QuotaReservation, QuotaUsage};

/// Reserve → act → commit (or release) quota units per account and kind.
///
/// # Protocol
/// 1. [`reserve`](QuotaLedger::reserve) before calling the API. It succeeds only if
///    `in_use + units <= limit`, where `in_use` counts, at the store's `now`, the
///    committed units with `committed_at > now - window` plus the uncommitted,
///    unlapsed reservations (`expires_at > now`) of the same account and kind.
///    Check and insert are **one atomic step across all workers and processes**
///    (a transaction that serialises on the account and kind in SQL backends).
/// 2. After the action happened, [`commit`](QuotaLedger::commit) (it then counts
///    for `window` from the commit time). If it did not happen,
///    [`release`](QuotaLedger::release). If the worker dies in between, the
///    reservation lapses at `expires_at`.
///
/// On refusal, [`Error::QuotaExceeded`](crate::Error::QuotaExceeded) carries
/// `retry_at`: the earliest instant at which enough units free up, assuming no
/// new reservations (each counted reservation frees at `committed_at + window`,
/// or at `expires_at` if uncommitted; `retry_at` is the time at which the sum of
/// units freed reaches `in_use + units - limit`).
#[async_trait]
pub trait QuotaLedger: Send + Sync {
    /// Reserves units or fails with [`Error::QuotaExceeded`](crate::Error::QuotaExceeded).
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for zero units, a zero
    /// limit, or a non-positive window or hold.
    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation>;

    /// Marks a reservation as used, at the store's `now`. Committing twice is a
    /// no-op returning the first commit. [`Error::NotFound`](crate::Error::NotFound)
    /// if it was released or purged.
    async fn commit(&self, id: ReservationId) -> Result<QuotaReservation>;

    /// Gives the units back. `true` if an uncommitted reservation was removed;
    /// `false` if it is unknown. [`Error::InvalidState`](crate::Error::InvalidState)
    /// if it was committed (used units cannot be returned).
    async fn release(&self, id: ReservationId) -> Result<bool>;

    /// Units counted now for the account, kind and window.
    async fn usage(
        &self,
        account_id: AccountId,
        kind: QuotaKind,
        window: TimeDelta,
    ) -> Result<QuotaUsage>;

    /// All the account's reservations (any state), ordered by `(reserved_at, id)`.
    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>>;
}
