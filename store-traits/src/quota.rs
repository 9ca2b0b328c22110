//! Rolling-window rate limits shared by all workers: [`QuotaLimits`] per
//! account, [`QuotaReservation`], [`QuotaRequest`] and [`QuotaLedger`].

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AccountId, ReservationId};

/// Reserve → act → commit (or release) quota units per account and kind,
/// against limits stored per account.
///
/// # Limits
/// Each account has one [`QuotaLimits`] (units per kind and the rolling
/// window), set with [`set_quota_limits`](QuotaLedger::set_quota_limits) (from
/// what the network reports for the account, typically) and read with
/// [`quota_limits`](QuotaLedger::quota_limits); an account whose limits were
/// never set has [`QuotaLimits::threads`]. Every reservation of the account is
/// decided against those stored limits, so all callers share one limit per
/// account and kind. Deleting the account's data deletes its limits.
///
/// # Protocol
/// 1. [`reserve`](QuotaLedger::reserve) before calling the API. It succeeds only if
///    `in_use + units <= limit`, where `limit` and `window` are the account's
///    stored limits and `in_use` counts, at the store's `now`, the committed
///    units with `committed_at > now - window` plus the uncommitted, unlapsed
///    reservations (`expires_at > now`) of the same account and kind. Reading
///    the limits, the check and the insert are **one atomic step across all
///    workers and processes** (a transaction that serialises on the account and
///    kind in SQL backends).
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
    /// Stores the account's limits, replacing earlier ones; the next
    /// reservation is decided against them.
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) unless the window is
    /// a positive, whole number of seconds ([`QuotaLimits::validate`]).
    async fn set_quota_limits(&self, account_id: AccountId, limits: &QuotaLimits) -> Result<()>;

    /// The account's stored limits, or [`QuotaLimits::threads`] if none were set.
    async fn quota_limits(&self, account_id: AccountId) -> Result<QuotaLimits>;

    /// Reserves units or fails with [`Error::QuotaExceeded`](crate::Error::QuotaExceeded).
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for zero units or a
    /// non-positive hold.
    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation>;

    /// Marks a reservation as used, at the store's `now`. Committing twice is a
    /// no-op returning the first commit. [`Error::NotFound`](crate::Error::NotFound)
    /// if it was released or purged.
    async fn commit(&self, id: ReservationId) -> Result<QuotaReservation>;

    /// Gives the units back. `true` if an uncommitted reservation was removed;
    /// `false` if it is unknown. [`Error::InvalidState`](crate::Error::InvalidState)
    /// if it was committed (used units cannot be returned).
    async fn release(&self, id: ReservationId) -> Result<bool>;

    /// Units counted now for the account and kind, in the account's stored window.
    async fn usage(&self, account_id: AccountId, kind: QuotaKind) -> Result<QuotaUsage>;

    /// All the account's reservations (any state), ordered by `(reserved_at, id)`.
    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>>;
}

str_enum! {
    /// Which per-account limit a reservation counts against.
    pub enum QuotaKind {
        /// Published posts (a carousel counts as 1).
        Posts => "posts",
        /// Published replies.
        Replies => "replies",
        /// Deletions.
        Deletes => "deletes",
    }
}

/// One account's limits: units allowed per kind within a rolling window.
///
/// Serialized with the window as whole seconds (`window_secs`).
///
/// ```
/// use chrono::TimeDelta;
/// use store_traits::{QuotaKind, QuotaLimits};
///
/// let limits = QuotaLimits::threads();
/// assert_eq!(limits.limit(QuotaKind::Posts), 250);
/// assert_eq!(limits.window, TimeDelta::hours(24));
/// assert_eq!(QuotaLimits::default(), limits);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLimits {
    /// Posts per window.
    pub posts: u32,
    /// Replies per window.
    pub replies: u32,
    /// Deletions per window.
    pub deletes: u32,
    /// The rolling window (positive, whole seconds).
    #[serde(rename = "window_secs", with = "whole_seconds")]
    pub window: TimeDelta,
}

impl QuotaLimits {
    /// Meta's documented Threads limits: 250 posts, 1,000 replies and 100
    /// deletions per rolling 24 hours
    /// (<https://developers.facebook.com/docs/threads/troubleshooting>).
    pub const fn threads() -> Self {
        Self {
            posts: 250,
            replies: 1000,
            deletes: 100,
            window: TimeDelta::hours(24),
        }
    }

    /// The units allowed per window for `kind`.
    pub const fn limit(&self, kind: QuotaKind) -> u32 {
        match kind {
            QuotaKind::Posts => self.posts,
            QuotaKind::Replies => self.replies,
            QuotaKind::Deletes => self.deletes,
        }
    }

    /// What every store requires of stored limits: a positive window of whole
    /// seconds. [`Error::InvalidInput`] otherwise. A limit of zero is allowed
    /// (nothing of that kind may happen).
    pub fn validate(&self) -> Result<()> {
        if self.window <= TimeDelta::zero() {
            return Err(Error::InvalidInput("quota window must be positive".into()));
        }
        if self.window.subsec_nanos() != 0 {
            return Err(Error::InvalidInput(
                "quota window must be a whole number of seconds".into(),
            ));
        }
        Ok(())
    }
}

impl Default for QuotaLimits {
    /// [`QuotaLimits::threads`].
    fn default() -> Self {
        Self::threads()
    }
}

/// Serde for [`QuotaLimits::window`]: whole seconds.
mod whole_seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(window: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(window.num_seconds())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = i64::deserialize(d)?;
        TimeDelta::try_seconds(secs)
            .ok_or_else(|| D::Error::custom(format!("quota window of {secs} s is out of range")))
    }
}

/// A request to reserve quota units of one account and kind (the limit is
/// the account's, see [`QuotaLedger`]).
///
/// ```
/// use chrono::TimeDelta;
/// use store_traits::{AccountId, QuotaKind, QuotaRequest};
///
/// let request = QuotaRequest::new(AccountId::new(), QuotaKind::Replies)
///     .units(2)
///     .hold(TimeDelta::minutes(5));
/// assert_eq!((request.units, request.hold), (2, TimeDelta::minutes(5)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRequest {
    /// The account.
    pub account_id: AccountId,
    /// Which limit.
    pub kind: QuotaKind,
    /// Units wanted (at least 1).
    pub units: u32,
    /// How long an uncommitted reservation holds its units before it lapses
    /// (positive).
    pub hold: TimeDelta,
}

impl QuotaRequest {
    /// One unit of `kind` for the account, held 15 minutes.
    pub fn new(account_id: AccountId, kind: QuotaKind) -> Self {
        Self {
            account_id,
            kind,
            units: 1,
            hold: TimeDelta::minutes(15),
        }
    }

    /// Sets the units wanted.
    pub fn units(mut self, units: u32) -> Self {
        self.units = units;
        self
    }

    /// Sets how long an uncommitted reservation holds its units.
    pub fn hold(mut self, hold: TimeDelta) -> Self {
        self.hold = hold;
        self
    }

    /// Decides a reservation against the account's `limits` and the
    /// reservations of the same account and kind that exist now (any state;
    /// those that no longer count are ignored).
    ///
    /// Returns the usage before the reservation when it fits, or
    /// [`Error::QuotaExceeded`] with `retry_at` computed as described on
    /// [`QuotaLedger`](crate::QuotaLedger), or [`Error::InvalidInput`] for a
    /// malformed request or limits. Backends call this inside the transaction
    /// that read the limits and then inserts the reservation, so every backend
    /// decides identically.
    pub fn check(
        &self,
        limits: &QuotaLimits,
        existing: &[QuotaReservation],
        now: DateTime<Utc>,
    ) -> Result<QuotaUsage, Error> {
        if self.units == 0 {
            return Err(Error::InvalidInput("quota request for zero units".into()));
        }
        if self.hold <= TimeDelta::zero() {
            return Err(Error::InvalidInput("quota hold must be positive".into()));
        }
        limits.validate()?;
        let limit = limits.limit(self.kind);
        let window = limits.window;
        let usage = QuotaUsage::of(existing, self.account_id, self.kind, now, window);
        let in_use = usage.in_use();
        if u64::from(in_use) + u64::from(self.units) <= u64::from(limit) {
            return Ok(usage);
        }
        let retry_at = if self.units > limit {
            None
        } else {
            // Units that must free up before the request fits.
            let mut needed = u64::from(in_use) + u64::from(self.units) - u64::from(limit);
            let mut frees: Vec<(DateTime<Utc>, u32)> = existing
                .iter()
                .filter(|r| {
                    r.account_id == self.account_id
                        && r.kind == self.kind
                        && r.counts_at(now, window)
                })
                .map(|r| (r.frees_at(window), r.units))
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
            limit,
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
