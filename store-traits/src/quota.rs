//! Rolling-window rate limits shared by all workers: [`QuotaReservation`],
//! [`QuotaRequest`] and [`QuotaLedger`].

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AccountId, ReservationId};

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

str_enum! {
    /// Which per-account limit a reservation counts against.
    pub enum QuotaKind {
        /// Published posts (Threads: 250 per rolling 24 h; a carousel counts as 1).
        Posts => "posts",
        /// Published replies (Threads: 1,000 per 24 h).
        Replies => "replies",
        /// Deletions (Threads: 100 per 24 h).
        Deletes => "deletes",
    }
}

impl QuotaKind {
    /// Meta's documented Threads limit per rolling 24 hours.
    pub const fn threads_limit(self) -> u32 {
        match self {
            Self::Posts => 250,
            Self::Replies => 1000,
            Self::Deletes => 100,
        }
    }
}

/// A request to reserve quota units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRequest {
    /// The account.
    pub account_id: AccountId,
    /// Which limit.
    pub kind: QuotaKind,
    /// Units wanted (at least 1).
    pub units: u32,
    /// Units allowed per window (at least 1).
    pub limit: u32,
    /// The rolling window (24 h for Threads).
    pub window: TimeDelta,
    /// How long an uncommitted reservation holds its units before it lapses.
    pub hold: TimeDelta,
}

impl QuotaRequest {
    /// One unit against Meta's Threads limit for `kind`, 24 h window, held 15 minutes.
    pub fn threads(account_id: AccountId, kind: QuotaKind) -> Self {
        Self {
            account_id,
            kind,
            units: 1,
            limit: kind.threads_limit(),
            window: TimeDelta::hours(24),
            hold: TimeDelta::minutes(15),
        }
    }
}

impl QuotaRequest {
    /// Decides a reservation against the reservations of the same account and
    /// kind that exist now (any state; those that no longer count are ignored).
    ///
    /// Returns the usage before the reservation when it fits, or
    /// [`Error::QuotaExceeded`] with `retry_at` computed as described on
    /// [`QuotaLedger`](crate::QuotaLedger), or [`Error::InvalidInput`] for a
    /// malformed request. Backends call this inside the transaction that then
    /// inserts the reservation, so every backend decides identically.
    pub fn check(
        &self,
        existing: &[QuotaReservation],
        now: DateTime<Utc>,
    ) -> Result<QuotaUsage, Error> {
        if self.units == 0 {
            return Err(Error::InvalidInput("quota request for zero units".into()));
        }
        if self.limit == 0 {
            return Err(Error::InvalidInput("quota limit must be at least 1".into()));
        }
        if self.window <= TimeDelta::zero() || self.hold <= TimeDelta::zero() {
            return Err(Error::InvalidInput(
                "quota window and hold must be positive".into(),
            ));
        }
        let usage = QuotaUsage::of(existing, self.account_id, self.kind, now, self.window);
        let in_use = usage.in_use();
        if u64::from(in_use) + u64::from(self.units) <= u64::from(self.limit) {
            return Ok(usage);
        }
        let retry_at = if self.units > self.limit {
            None
        } else {
            // Units that must free up before the request fits.
            let mut needed = u64::from(in_use) + u64::from(self.units) - u64::from(self.limit);
            let mut frees: Vec<(DateTime<Utc>, u32)> = existing
                .iter()
                .filter(|r| {
                    r.account_id == self.account_id
                        && r.kind == self.kind
                        && r.counts_at(now, self.window)
                })
                .map(|r| (r.frees_at(self.window), r.units))
                .collect();
            frees.sort();
            let mut at = None;
            for (when, units) in frees {
                needed = needed.saturating_sub(u64::from(units));
                if needed == 0 {
                    at = Some(when);
                    break;
                }
            }
            at
        };
        Err(Error::QuotaExceeded {
            account_id: self.account_id,
            kind: self.kind,
            limit: self.limit,
            in_use,
            requested: self.units,
            retry_at,
        })
    }
}

/// Units reserved (and perhaps committed) against a quota.
///
/// Counting rule, at instant `now` and for a window `w`: a committed reservation
/// counts while `committed_at > now - w`; an uncommitted one counts while
/// `expires_at > now`. Committing a lapsed reservation still succeeds and counts
/// from the commit time (the action happened; the ledger must know).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaReservation {
    /// The reservation's id.
    pub id: ReservationId,
    /// The account.
    pub account_id: AccountId,
    /// Which limit.
    pub kind: QuotaKind,
    /// Units held.
    pub units: u32,
    /// When it was reserved.
    pub reserved_at: DateTime<Utc>,
    /// When an uncommitted reservation lapses.
    pub expires_at: DateTime<Utc>,
    /// When it was committed (the action happened).
    pub committed_at: Option<DateTime<Utc>>,
}

impl QuotaReservation {
    /// Whether the reservation counts against the window `w` at `now`.
    pub fn counts_at(&self, now: DateTime<Utc>, window: TimeDelta) -> bool {
        match self.committed_at {
            Some(at) => at > now - window,
            None => self.expires_at > now,
        }
    }

    /// When the reservation stops counting: `committed_at + window`, or
    /// `expires_at` while uncommitted.
    pub fn frees_at(&self, window: TimeDelta) -> DateTime<Utc> {
        match self.committed_at {
            Some(at) => at + window,
            None => self.expires_at,
        }
    }
}

/// Units counted in a window now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuotaUsage {
    /// Units committed within the window.
    pub committed: u32,
    /// Units reserved, not committed, not lapsed.
    pub reserved: u32,
}

impl QuotaUsage {
    /// Counts the reservations of one account and kind that count at `now`.
    pub fn of(
        reservations: &[QuotaReservation],
        account_id: AccountId,
        kind: QuotaKind,
        now: DateTime<Utc>,
        window: TimeDelta,
    ) -> Self {
        let mut usage = Self::default();
        for r in reservations {
            if r.account_id != account_id || r.kind != kind || !r.counts_at(now, window) {
                continue;
            }
            if r.committed_at.is_some() {
                usage.committed = usage.committed.saturating_add(r.units);
            } else {
                usage.reserved = usage.reserved.saturating_add(r.units);
            }
        }
        usage
    }

    /// Committed plus reserved.
    pub fn in_use(&self) -> u32 {
        self.committed.saturating_add(self.reserved)
    }
}
