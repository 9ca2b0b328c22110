//! The quota ledger: count and insert in one write transaction, serialised per
//! account and kind ([`Backend::lock_quota`], or the backend's single writer).

use async_trait::async_trait;
use chrono::TimeDelta;
use store_traits::{
    AccountId, Error, QuotaKind, QuotaLedger, QuotaRequest, QuotaReservation, QuotaUsage,
    RecordKind, ReservationId, Result,
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
    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation> {
        let now = self.now();
        let now_ns = ns(now)?;
        if request.window <= TimeDelta::zero() {
            // Let the shared check produce the error message.
            request.check(&[], now)?;
        }
        let mut tx = self.write_tx().await?;
        self.backend()
            .lock_quota(&mut *tx, request.account_id, request.kind)
            .await
            .map_err(db("locking a quota"))?;
        let existing = counting(
            &mut *tx,
            request.account_id,
            request.kind,
            now_ns,
            request.window,
        )
        .await?;
        request.check(&existing, now)?;
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

    async fn usage(
        &self,
        account_id: AccountId,
        kind: QuotaKind,
        window: TimeDelta,
    ) -> Result<QuotaUsage> {
        let now = self.now();
        let existing = counting(&mut *self.reader(), account_id, kind, ns(now)?, window).await?;
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
