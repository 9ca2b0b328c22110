//! [`WebhookInbox`]: the event id is claimed (`ON CONFLICT DO NOTHING`) and
//! the job enqueued in one write transaction; a redelivery writes nothing.

use async_trait::async_trait;
use store_traits::{
    AccountId, Error, InboxEntry, InboxOutcome, JobId, NewJob, RecordKind, Result, WebhookInbox,
};

use super::SqlStore;
use super::queue::enqueue_in;
use crate::backend::Backend;
use crate::codec::{ns, time};
use crate::exec::{Executor, db};
use crate::value::{Query, Row};

#[async_trait]
impl<B: Backend> WebhookInbox for SqlStore<B> {
    async fn receive_webhook(
        &self,
        event_id: &str,
        account_id: Option<AccountId>,
        job: NewJob,
    ) -> Result<InboxOutcome> {
        if event_id.is_empty() {
            return Err(Error::InvalidInput("webhook event id is empty".into()));
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        // Claim the event id first: a concurrent delivery of the same event
        // waits on this row until we commit, then finds it and writes nothing.
        let planned_job = JobId::new();
        let query = Query::new(
            "INSERT INTO inbox_entries (event_id, account_id, received_ns, job_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(account_id.map(|a| *a.as_uuid()))
        .bind(ns(now)?)
        .bind(planned_job.as_uuid());
        let inserted = tx
            .execute(query)
            .await
            .map_err(db("recording a webhook event"))?;
        if inserted == 0 {
            let entry = fetch_inbox_entry(&mut *tx, event_id)
                .await?
                .ok_or_else(|| Error::not_found(RecordKind::InboxEntry, event_id))?;
            return Ok(InboxOutcome::Duplicate { entry });
        }
        let job = enqueue_in(&mut *tx, job, planned_job, now)
            .await?
            .into_inner();
        if job.id != planned_job {
            // A live job held the dedup key: the event points at that one.
            let query = Query::new("UPDATE inbox_entries SET job_id = $2 WHERE event_id = $1")
                .bind(event_id)
                .bind(job.id.as_uuid());
            tx.execute(query)
                .await
                .map_err(db("linking a webhook event to its job"))?;
        }
        tx.commit()
            .await
            .map_err(db("committing a webhook event"))?;
        let entry = InboxEntry {
            event_id: event_id.to_owned(),
            account_id,
            received_at: now,
            job_id: job.id,
        };
        Ok(InboxOutcome::Accepted { entry, job })
    }

    async fn get_inbox_entry(&self, event_id: &str) -> Result<Option<InboxEntry>> {
        fetch_inbox_entry(&mut *self.reader(), event_id).await
    }

    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        max: Option<usize>,
    ) -> Result<Vec<InboxEntry>> {
        let sql = format!(
            "SELECT {INBOX_COLUMNS} FROM inbox_entries \
             WHERE account_id = $1 ORDER BY received_ns, event_id LIMIT $2"
        );
        let query = Query::new(sql)
            .bind(account_id.as_uuid())
            .bind(B::limit(max));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing inbox entries"))?;
        inbox_entries(&rows)
    }
}

/// Every column of `inbox_entries`, in [`inbox_entry`] order.
pub(super) const INBOX_COLUMNS: &str = "event_id, account_id, received_ns, job_id";

/// An `inbox_entries` row ([`INBOX_COLUMNS`]).
fn inbox_entry(row: &Row) -> Result<InboxEntry> {
    Ok(InboxEntry {
        event_id: row.get(0)?,
        account_id: row.get::<Option<_>>(1)?.map(AccountId::from_uuid),
        received_at: time(row.get(2)?),
        job_id: JobId::from_uuid(row.get(3)?),
    })
}

pub(super) fn inbox_entries(rows: &[Row]) -> Result<Vec<InboxEntry>> {
    rows.iter().map(inbox_entry).collect()
}

async fn fetch_inbox_entry<E: Executor + ?Sized>(
    conn: &mut E,
    event_id: &str,
) -> Result<Option<InboxEntry>> {
    let sql = format!("SELECT {INBOX_COLUMNS} FROM inbox_entries WHERE event_id = $1");
    let row = conn
        .fetch_optional(Query::new(sql).bind(event_id))
        .await
        .map_err(db("reading an inbox entry"))?;
    row.as_ref().map(inbox_entry).transpose()
}
