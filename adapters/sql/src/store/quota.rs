//! The quota ledger: read the account's limits, count and insert in one write
//! transaction, serialised per account and kind ([`Backend::lock_quota`], or
//! the backend's single writer). Limits live in `quota_limits`, one row per
//! account that has any.

use async_trait::async_trait;
use chrono::TimeDelta;
use store_traits::{
    AccountId, Error, QuotaKind, QuotaLedger, QuotaLimits, QuotaRequest, QuotaReservation,
    QuotaUsage, RecordKind, ReservationId, Result,
};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{count, ns, time};
use crate::exec::{Executor, db};
use crate::value::{Query, Row};

/// Every column of `quota_reservations`, in [`reservation`] order.
pub(super) const COLUMNS: &str =
    "id, account_id, kind, units, reserved_ns, expires_ns, committed_ns";

/// A `quota_reservations` row ([`COLUMNS`]).
pub(super) fn reservation(row: &Row) -> Result<QuotaReservation> {
    Ok(QuotaReservation {
        id: ReservationId::from_uuid(row.get(0)?),
        account_id: AccountId::from_uuid(row.get(1)?),
        kind: row
            .get::<String>(2)?
            .parse()
            .map_err(|e| Error::backend("decoding a stored quota kind", e))?,
        units: count(row.get(3)?, "quota units")?,
        reserved_at: time(row.get(4)?),
        expires_at: time(row.get(5)?),
        committed_at: row.get::<Option<i64>>(6)?.map(time),
    })
}

pub(super) fn reservations(rows: &[Row]) -> Result<Vec<QuotaReservation>> {
    rows.iter().map(reservation).collect()
}

/// Every column of `quota_limits` but the account, in [`limits_from_row`] order.
pub(super) const LIMIT_COLUMNS: &str = "posts, replies, deletes, window_ns";

/// A `quota_limits` row ([`LIMIT_COLUMNS`]).
pub(super) fn limits_from_row(row: &Row) -> Result<QuotaLimits> {
    Ok(QuotaLimits {
        posts: count(row.get(0)?, "post limit")?,
        replies: count(row.get(1)?, "reply limit")?,
        deletes: count(row.get(2)?, "delete limit")?,
        window: TimeDelta::nanoseconds(row.get(3)?),
    })
}

/// The account's stored limits, or [`QuotaLimits::threads`] when none are stored.
async fn limits_of<E: Executor + ?Sized>(
    conn: &mut E,
    account_id: AccountId,
) -> Result<QuotaLimits> {
    let sql = format!("SELECT {LIMIT_COLUMNS} FROM quota_limits WHERE account_id = $1");
    let row = conn
        .fetch_optional(Query::new(sql).bind(account_id.as_uuid()))
        .await
        .map_err(db("reading quota limits"))?;
    match row {
        Some(row) => limits_from_row(&row),
        None => Ok(QuotaLimits::threads()),
    }
}

/// Reservations of one account and kind that may still count at `now`
/// (committed within `window`, or uncommitted and not lapsed).
async fn counting<E: Executor + ?Sized>(
    conn: &mut E,
    account_id: AccountId,
    kind: QuotaKind,
    now: i64,
    window: TimeDelta,
) -> Result<Vec<QuotaReservation>> {
    let window = window
        .num_nanoseconds()
        .ok_or_else(|| Error::InvalidInput("quota window is too long".into()))?;
    let sql = format!(
        "SELECT {COLUMNS} FROM quota_reservations WHERE account_id = $1 AND kind = $2 \
         AND ((committed_ns IS NULL AND expires_ns > $3) OR committed_ns > $4) \
         ORDER BY reserved_ns, id"
    );
    let query = Query::new(sql)
        .bind(account_id.as_uuid())
        .bind(kind.as_str())
        .bind(now)
        .bind(now.saturating_sub(window));
    let rows = conn
        .fetch_all(query)
        .await
        .map_err(db("reading quota reservations"))?;
    reservations(&rows)
}

#[async_trait]
impl<B: Backend> QuotaLedger for SqlStore<B> {
    async fn set_quota_limits(&self, account_id: AccountId, limits: &QuotaLimits) -> Result<()> {
        limits.validate()?;
        let window = limits
            .window
            .num_nanoseconds()
            .ok_or_else(|| Error::InvalidInput("quota window is too long".into()))?;
        let sql = format!(
            "INSERT INTO quota_limits (account_id, {LIMIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account_id) DO UPDATE SET posts = excluded.posts, \
             replies = excluded.replies, deletes = excluded.deletes, window_ns = excluded.window_ns"
        );
        let query = Query::new(sql)
            .bind(account_id.as_uuid())
            .bind(i64::from(limits.posts))
            .bind(i64::from(limits.replies))
            .bind(i64::from(limits.deletes))
            .bind(window);
        self.writer()
            .execute(query)
            .await
            .map_err(db("storing quota limits"))?;
        Ok(())
    }

    async fn quota_limits(&self, account_id: AccountId) -> Result<QuotaLimits> {
        limits_of(&mut *self.reader(), account_id).await
    }

    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation> {
        let now = self.now();
        let now_ns = ns(now)?;
        let mut tx = self.write_tx().await?;
        self.backend()
            .lock_quota(&mut *tx, request.account_id, request.kind)
            .await
            .map_err(db("locking a quota"))?;
        // Read in the serialised transaction: every reservation of the
        // account and kind is decided against the limits stored now.
        let limits = limits_of(&mut *tx, request.account_id).await?;
        let existing = counting(
            &mut *tx,
            request.account_id,
            request.kind,
            now_ns,
            limits.window,
        )
        .await?;
        request.check(&limits, &existing, now)?;
        let reservation = QuotaReservation {
            id: ReservationId::new(),
            account_id: request.account_id,
            kind: request.kind,
            units: request.units,
            reserved_at: now,
            expires_at: now + request.hold,
            committed_at: None,
        };
        let sql = format!(
            "INSERT INTO quota_reservations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL)"
        );
        let query = Query::new(sql)
            .bind(reservation.id.as_uuid())
            .bind(reservation.account_id.as_uuid())
            .bind(reservation.kind.as_str())
            .bind(i64::from(reservation.units))
            .bind(now_ns)
            .bind(ns(reservation.expires_at)?);
        tx.execute(query)
            .await
            .map_err(db("inserting a quota reservation"))?;
        tx.commit()
            .await
            .map_err(db("committing a quota reservation"))?;
        Ok(reservation)
    }

    async fn commit(&self, id: ReservationId) -> Result<QuotaReservation> {
        let now = ns(self.now())?;
        // Sets committed_ns only the first time; returns the row either way.
        let sql = format!(
            "UPDATE quota_reservations SET committed_ns = COALESCE(committed_ns, $2) \
             WHERE id = $1 RETURNING {COLUMNS}"
        );
        let row = self
            .writer()
            .fetch_optional(Query::new(sql).bind(id.as_uuid()).bind(now))
            .await
            .map_err(db("committing a quota reservation"))?;
        match row {
            Some(row) => reservation(&row),
            None => Err(Error::not_found(RecordKind::QuotaReservation, id)),
        }
    }

    async fn release(&self, id: ReservationId) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "SELECT committed_ns FROM quota_reservations WHERE id = $1{}",
            Self::row_lock()
        );
        let row = tx
            .fetch_optional(Query::new(sql).bind(id.as_uuid()))
            .await
            .map_err(db("reading a quota reservation"))?;
        let Some(row) = row else {
            return Ok(false);
        };
        if row.get::<Option<i64>>(0)?.is_some() {
            return Err(Error::InvalidState {
                kind: RecordKind::QuotaReservation,
                id: id.to_string(),
                message: "a committed reservation cannot be released".into(),
            });
        }
        tx.execute(Query::new("DELETE FROM quota_reservations WHERE id = $1").bind(id.as_uuid()))
            .await
            .map_err(db("releasing a quota reservation"))?;
        tx.commit()
            .await
            .map_err(db("committing a quota release"))?;
        Ok(true)
    }

    async fn usage(&self, account_id: AccountId, kind: QuotaKind) -> Result<QuotaUsage> {
        let now = self.now();
        let mut reader = self.reader();
        let window = limits_of(&mut *reader, account_id).await?.window;
        let existing = counting(&mut *reader, account_id, kind, ns(now)?, window).await?;
        Ok(QuotaUsage::of(&existing, account_id, kind, now, window))
    }

    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM quota_reservations WHERE account_id = $1 ORDER BY reserved_ns, id"
        );
        let rows = self
            .reader()
            .fetch_all(Query::new(sql).bind(account_id.as_uuid()))
            .await
            .map_err(db("listing quota reservations"))?;
        reservations(&rows)
    }
}
