//! Sending webhook events: takes the due deliveries out of the world under the lock, posts
//! them without holding it, and settles the outcomes (delivered, retrying or dropped).

use crate::context::Shared;
use crate::webhook_queue::{DeliveryReport, Outgoing};
use crate::webhooks;

/// Delivers every due webhook event (new events and due retries).
pub(crate) async fn deliver_pending(shared: &Shared) -> DeliveryReport {
    let due = webhooks::take_due(&mut shared.lock());
    let mut report = DeliveryReport::default();
    for o in due {
        report.attempted += 1;
        let status = send(&shared.http, &o).await;
        let dup = if o.duplicate {
            Some(send(&shared.http, &o).await)
        } else {
            None
        };
        let (delivered, dropped) = webhooks::settle(&mut shared.lock(), o, status, dup);
        if delivered {
            report.delivered += 1;
        } else if dropped {
            report.dropped += 1;
        } else {
            report.retrying += 1;
        }
    }
    report
}

/// Sends one delivery; returns the HTTP status, if any.
async fn send(http: &reqwest::Client, o: &Outgoing) -> Option<u16> {
    let res = http
        .post(&o.url)
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", &o.signature)
        .body(o.pending.body.clone())
        .send()
        .await
        .ok()?;
    Some(res.status().as_u16())
}
