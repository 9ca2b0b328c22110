//! [`QuotaLedger`]: the quota ledger and each account's limits in memory.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ReservationId};
use crate::quota::{
    QuotaKind, QuotaLedger, QuotaLimits, QuotaRequest, QuotaReservation, QuotaUsage,
};
use crate::record_kind::RecordKind;

#[async_trait]
impl QuotaLedger for MemoryStore {
    async fn set_quota_limits(&self, account_id: AccountId, limits: &QuotaLimits) -> Result<()> {
        limits.validate()?;
        self.lock().quota_limits.insert(account_id, *limits);
        Ok(())
    }

    async fn quota_limits(&self, account_id: AccountId) -> Result<QuotaLimits> {
        Ok(self
            .lock()
            .quota_limits
            .get(&account_id)
            .copied()
            .unwrap_or_default())
    }

    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation> {
        let now = self.now();
        let mut state = self.lock();
        let limits = state
            .quota_limits
            .get(&request.account_id)
            .copied()
            .unwrap_or_default();
        let existing: Vec<QuotaReservation> = state
            .quota
            .values()
            .filter(|r| r.account_id == request.account_id && r.kind == request.kind)
            .cloned()
            .collect();
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
        state.quota.insert(reservation.id, reservation.clone());
        Ok(reservation)
    }

    async fn commit(&self, id: ReservationId) -> Result<QuotaReservation> {
        let now = self.now();
        let mut state = self.lock();
        let reservation = state
            .quota
            .get_mut(&id)
            .ok_or_else(|| Error::not_found(RecordKind::QuotaReservation, id))?;
        if reservation.committed_at.is_none() {
            reservation.committed_at = Some(now);
        }
        Ok(reservation.clone())
    }

    async fn release(&self, id: ReservationId) -> Result<bool> {
        let mut state = self.lock();
        match state.quota.get(&id) {
            None => Ok(false),
            Some(r) if r.committed_at.is_some() => Err(Error::InvalidState {
                kind: RecordKind::QuotaReservation,
                id: id.to_string(),
                message: "a committed reservation cannot be released".into(),
            }),
            Some(_) => {
                state.quota.remove(&id);
                Ok(true)
            }
        }
    }

    async fn usage(&self, account_id: AccountId, kind: QuotaKind) -> Result<QuotaUsage> {
        let now = self.now();
        let state = self.lock();
        let window = state
            .quota_limits
            .get(&account_id)
            .copied()
            .unwrap_or_default()
            .window;
        let existing: Vec<QuotaReservation> = state
            .quota
            .values()
            .filter(|r| r.account_id == account_id && r.kind == kind)
            .cloned()
            .collect();
        Ok(QuotaUsage::of(&existing, account_id, kind, now, window))
    }

    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>> {
        let state = self.lock();
        let items = state
            .quota
            .values()
            .filter(|r| r.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |r| (r.reserved_at, r.id), None))
    }
}
