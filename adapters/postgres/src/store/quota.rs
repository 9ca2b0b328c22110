//! The quota ledger: check and insert in one transaction serialised per
//! account and kind by an advisory lock.

use async_trait::async_trait;
use chrono::TimeDelta;
use store_traits::{
    AccountId, Error, QuotaKind, QuotaLedger, QuotaRequest, QuotaReservation, QuotaUsage,
    RecordKind, ReservationId, Result,
};
use uuid::Uuid;

use super::PgStore;
use crate::codec::{count, db, ns, time};

/// Every column of `quota_reservations`, in [`ReservationRow`] order.
const COLUMNS: &str = "id, account_id, kind, units, reserved_ns, expires_ns, committed_ns";

/// A `quota_reservations` row.
pub(super) type ReservationRow = (Uuid, Uuid, String, i64, i64, i64, Option<i64>);

pub(super) fn reservation(row: ReservationRow) -> Result<QuotaReservation> {
    let (id, account_id, kind, units, reserved_ns, expires_ns, committed_ns) = row;
    Ok(QuotaReservation {
        id: ReservationId::from_uuid(id),
        account_id: AccountId::from_uuid(account_id),
        kind: kind
            .parse()
            .map_err(|e| Error::backend("decoding a stored quota kind", e))?,
        units: count(units, "quota units")?,
        reserved_at: time(reserved_ns),
        expires_at: time(expires_ns),
        committed_at: committed_ns.map(time),
    })
}

pub(super) fn reservations(rows: Vec<ReservationRow>) -> Result<Vec<QuotaReservation>> {
    rows.into_iter().map(reservation).collect()
}

/// Reservations of one account and kind that may still count at `now`
/// (committed within `window`, or uncommitted and not lapsed).
async fn counting<'c, E>(
    executor: E,
    account_id: AccountId,
    kind: QuotaKind,
    now: i64,
    window: TimeDelta,
) -> Result<Vec<QuotaReservation>>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let window = window
        .num_nanoseconds()
        .ok_or_else(|| Error::InvalidInput("quota window is too long".into()))?;
    let sql = format!(
        "SELECT {COLUMNS} FROM quota_reservations WHERE account_id = $1 AND kind = $2 \
         AND ((committed_ns IS NULL AND expires_ns > $3) OR committed_ns > $4) \
         ORDER BY reserved_ns, id"
    );
    let rows: Vec<ReservationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(account_id.as_uuid())
        .bind(kind.as_str())
        .bind(now)
        .bind(now.saturating_sub(window))
        .fetch_all(executor)
        .await
        .map_err(db("reading quota reservations"))?;
    reservations(rows)
}

/// The advisory-lock key of one account's quota of one kind: the UUID's last
/// eight bytes (the random part of a v7 id), with the kind mixed into the top bits. Two pairs sharing a key
/// only serialise each other; correctness does not depend on distinct keys.
fn lock_key(account_id: AccountId, kind: QuotaKind) -> i64 {
    let bytes = account_id.as_uuid().as_bytes();
    let mut head = [0u8; 8];
    head.copy_from_slice(&bytes[8..16]);
    let tag: i64 = match kind.as_str() {
        "posts" => 1,
        "replies" => 2,
        "deletes" => 3,
        _ => 4,
    };
    i64::from_be_bytes(head) ^ (tag << 56)
}

#[async_trait]
impl QuotaLedger for PgStore {
    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation> {
        let now = self.now();
        let now_ns = ns(now)?;
        if request.window <= TimeDelta::zero() {
            // Let the shared check produce the error message.
            request.check(&[], now)?;
        }
        let mut tx = self.tx().await?;
        // Serialise reservations of this account and kind across every worker
        // and machine until commit; other accounts and kinds are not blocked.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(lock_key(request.account_id, request.kind))
            .execute(&mut *tx)
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
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(reservation.id.as_uuid())
            .bind(reservation.account_id.as_uuid())
            .bind(reservation.kind.as_str())
            .bind(i64::from(reservation.units))
            .bind(now_ns)
            .bind(ns(reservation.expires_at)?)
            .execute(&mut *tx)
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
        let row: Option<ReservationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .bind(now)
            .fetch_optional(self.db())
            .await
            .map_err(db("committing a quota reservation"))?;
        match row {
            Some(row) => reservation(row),
            None => Err(Error::not_found(RecordKind::QuotaReservation, id)),
        }
    }

    async fn release(&self, id: ReservationId) -> Result<bool> {
        let mut tx = self.tx().await?;
        let committed: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT committed_ns FROM quota_reservations WHERE id = $1 FOR UPDATE")
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("reading a quota reservation"))?;
        match committed {
            None => Ok(false),
            Some((Some(_),)) => Err(Error::InvalidState {
                kind: RecordKind::QuotaReservation,
                id: id.to_string(),
                message: "a committed reservation cannot be released".into(),
            }),
            Some((None,)) => {
                sqlx::query("DELETE FROM quota_reservations WHERE id = $1")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("releasing a quota reservation"))?;
                tx.commit()
                    .await
                    .map_err(db("committing a quota release"))?;
                Ok(true)
            }
        }
    }

    async fn usage(
        &self,
        account_id: AccountId,
        kind: QuotaKind,
        window: TimeDelta,
    ) -> Result<QuotaUsage> {
        let now = self.now();
        let existing = counting(self.db(), account_id, kind, ns(now)?, window).await?;
        Ok(QuotaUsage::of(&existing, account_id, kind, now, window))
    }

    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM quota_reservations WHERE account_id = $1 ORDER BY reserved_ns, id"
        );
        let rows: Vec<ReservationRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(account_id.as_uuid())
            .fetch_all(self.db())
            .await
            .map_err(db("listing quota reservations"))?;
        reservations(rows)
    }
}
