//! The webhook queue as data: subscriptions, queued events, delivery records and their
//! signing (`X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the exact body with the
//! app secret). Events are put in the queue by [`crate::webhooks`] and sent by
//! [`crate::delivery`].

use std::collections::{BTreeSet, HashMap, VecDeque};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How queued webhook events leave the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    /// Only when [`crate::Admin::deliver_webhooks`] (or `POST /__admin/webhooks/deliver`)
    /// is called. Deterministic; the default.
    #[default]
    Manual,
    /// A background task delivers as soon as events are queued and whenever the clock moves.
    Automatic,
}

/// Retry delays (virtual seconds) after the 1st, 2nd, ... failure.
pub(crate) const BACKOFF: [i64; 7] = [0, 60, 300, 1_800, 7_200, 21_600, 43_200];
/// Events older than this are dropped instead of retried.
pub(crate) const GIVE_UP_AFTER: i64 = 36 * 3_600;
/// Delivery records kept for inspection.
const MAX_RECORDS: usize = 1_000;

/// A webhook subscription of one app.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) callback_url: String,
    pub(crate) fields: BTreeSet<String>,
    /// Signing secret overriding the app secret (to test secret rotation).
    pub(crate) secret: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingDelivery {
    pub(crate) id: u64,
    pub(crate) app_id: String,
    pub(crate) field: String,
    pub(crate) body: String,
    pub(crate) attempts: u32,
    pub(crate) due: i64,
    pub(crate) created: i64,
}

/// One delivery attempt, as kept for inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// Event id (stable across retries and duplicates of one event).
    pub event_id: u64,
    /// The app whose subscription received it.
    pub app_id: String,
    /// `replies`, `mentions`, `publish` or `delete`.
    pub field: String,
    /// The exact body sent.
    pub body: String,
    /// The `X-Hub-Signature-256` header value sent.
    pub signature: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// HTTP status of the callback's answer (`None` when the call failed).
    pub status: Option<u16>,
    /// True when the callback answered 2xx.
    pub delivered: bool,
    /// True when this was a deliberate duplicate.
    pub duplicate: bool,
    /// Virtual time of the attempt.
    pub at: i64,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Events attempted (duplicates not counted).
    pub attempted: usize,
    /// Events acknowledged with 2xx.
    pub delivered: usize,
    /// Events that failed and will be retried.
    pub retrying: usize,
    /// Events given up (older than 36 h).
    pub dropped: usize,
}

/// Queued events, subscriptions and delivery records.
#[derive(Debug, Default)]
pub(crate) struct WebhookQueue {
    pub(crate) subs: HashMap<String, Subscription>,
    pub(crate) pending: VecDeque<PendingDelivery>,
    pub(crate) records: VecDeque<DeliveryRecord>,
    pub(crate) duplicate_next: u32,
    pub(crate) duplicate_rate: f64,
    pub(crate) next_event: u64,
}

impl WebhookQueue {
    pub(crate) fn record(&mut self, r: DeliveryRecord) {
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        self.records.push_back(r);
    }
}

/// `sha256=<lower-case hex HMAC-SHA256(secret, body)>`.
pub fn signature_header(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One delivery about to be sent (built under the lock, sent outside it).
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) pending: PendingDelivery,
    pub(crate) url: String,
    pub(crate) signature: String,
    pub(crate) duplicate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_records_are_capped() {
        let mut q = WebhookQueue::default();
        for i in 0..(MAX_RECORDS as u64 + 50) {
            q.record(DeliveryRecord {
                event_id: i,
                app_id: "1".into(),
                field: "publish".into(),
                body: "{}".into(),
                signature: String::new(),
                attempt: 1,
                status: Some(200),
                delivered: true,
                duplicate: false,
                at: 0,
            });
        }
        assert_eq!(q.records.len(), MAX_RECORDS);
        assert_eq!(q.records.front().map(|r| r.event_id), Some(50));
    }

    #[test]
    fn signature_matches_known_vector() {
        // RFC 4231 test case 2.
        let sig = signature_header("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
