//! The job queue and the webhook inbox.
//!
//! Claims are one statement: a CTE picks the due rows with `FOR UPDATE SKIP
//! LOCKED` (concurrent claimers skip each other's rows instead of waiting), and
//! the `UPDATE ... RETURNING` that takes them sets the lease owner, its expiry
//! and a fencing token from a sequence. Every other queue write is one
//! conditional statement or a short transaction that locks its row.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;
use store_traits::{
    AccountId, Error, FenceToken, InboxEntry, InboxOutcome, Insertion, Job, JobFilter, JobId,
    JobQueue, JobState, NewJob, RecordKind, Result, WebhookInbox,
};
use uuid::Uuid;

use super::PgStore;
use crate::codec::{count, db, fence_from, fence_value, limit, ns, text_set, time};

/// Stored as `last_error` on jobs whose final lease ran out.
const LEASE_EXHAUSTED: &str = "lease expired on the final attempt";

/// Every column of `jobs`, in [`JobRow`] order.
pub(super) const JOB_COLUMNS: &str = "id, queue, kind, payload, account_id, dedup_key, state, \
     run_at_ns, attempts, max_attempts, fence, lease_owner, lease_expires_ns, last_error, \
     created_ns, updated_ns, finished_ns";

/// A `jobs` row.
#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    id: Uuid,
    queue: String,
    kind: String,
    payload: String,
    account_id: Option<Uuid>,
    dedup_key: Option<String>,
    state: String,
    run_at_ns: i64,
    attempts: i64,
    max_attempts: i64,
    fence: Option<i64>,
    lease_owner: Option<String>,
    lease_expires_ns: Option<i64>,
    last_error: Option<String>,
    created_ns: i64,
    updated_ns: i64,
    finished_ns: Option<i64>,
}

impl JobRow {
    pub(super) fn into_job(self) -> Result<Job> {
        Ok(Job {
            id: JobId::from_uuid(self.id),
            queue: self.queue,
            kind: self.kind,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| Error::backend("decoding a stored job payload", e))?,
            account_id: self.account_id.map(AccountId::from_uuid),
            dedup_key: self.dedup_key,
            state: self
                .state
                .parse()
                .map_err(|e| Error::backend("decoding a stored job state", e))?,
            run_at: time(self.run_at_ns),
            attempts: count(self.attempts, "job attempts")?,
            max_attempts: count(self.max_attempts, "job max_attempts")?,
            fence: fence_from(self.fence),
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_ns.map(time),
            last_error: self.last_error,
            created_at: time(self.created_ns),
            updated_at: time(self.updated_ns),
            finished_at: self.finished_ns.map(time),
        })
    }
}

pub(super) fn jobs_from_rows(rows: Vec<JobRow>) -> Result<Vec<Job>> {
    rows.into_iter().map(JobRow::into_job).collect()
}

fn validate(job: &NewJob) -> Result<()> {
    if job.queue.is_empty() {
        return Err(Error::InvalidInput("queue name is empty".into()));
    }
    if job.max_attempts == 0 {
        return Err(Error::InvalidInput(
            "max_attempts must be at least 1".into(),
        ));
    }
    Ok(())
}

fn positive_lease(lease: TimeDelta) -> Result<i64> {
    if lease <= TimeDelta::zero() {
        return Err(Error::InvalidInput("lease must be positive".into()));
    }
    lease
        .num_nanoseconds()
        .ok_or_else(|| Error::InvalidInput("lease is too long".into()))
}

async fn fetch_job(conn: &mut PgConnection, id: JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(db("reading a job"))?;
    row.map(JobRow::into_job).transpose()
}

/// Enqueues on `conn` (inside the caller's transaction for the inbox).
///
/// A dedup key is claimed by inserting against the partial unique index of
/// live jobs; when that conflicts, the live holder is returned. If the holder
/// finishes between the two statements the insert is simply tried again.
async fn enqueue_in(
    conn: &mut PgConnection,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<Insertion<Job>> {
    validate(&job)?;
    let stored = Job {
        id: JobId::new(),
        queue: job.queue,
        kind: job.kind,
        payload: job.payload,
        account_id: job.account_id,
        dedup_key: job.dedup_key,
        state: JobState::Queued,
        run_at: job.run_at.unwrap_or(now),
        attempts: 0,
        max_attempts: job.max_attempts,
        fence: None,
        lease_owner: None,
        lease_expires_at: None,
        last_error: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    let payload = serde_json::to_string(&stored.payload)
        .map_err(|e| Error::backend("encoding a job payload", e))?;
    let run_at = ns(stored.run_at)?;
    let created = ns(now)?;
    for _ in 0..8 {
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, queue, kind, payload, account_id, dedup_key, state, run_at_ns, \
             attempts, max_attempts, created_ns, updated_ns) \
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $8, $9, $9) \
             ON CONFLICT (queue, dedup_key) \
             WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING",
        )
        .bind(stored.id.as_uuid())
        .bind(&stored.queue)
        .bind(&stored.kind)
        .bind(&payload)
        .bind(stored.account_id.map(|a| *a.as_uuid()))
        .bind(stored.dedup_key.as_deref())
        .bind(run_at)
        .bind(i64::from(stored.max_attempts))
        .bind(created)
        .execute(&mut *conn)
        .await
        .map_err(db("inserting a job"))?;
        if inserted.rows_affected() > 0 {
            return Ok(Insertion::Inserted(stored));
        }
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE queue = $1 AND dedup_key = $2 \
             AND state IN ('queued', 'running')"
        );
        let existing: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&stored.queue)
            .bind(stored.dedup_key.as_deref())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db("looking up a dedup key"))?;
        if let Some(row) = existing {
            return Ok(Insertion::Existing(row.into_job()?));
        }
    }
    Err(Error::backend(
        "enqueueing a job",
        "the job holding its dedup key kept changing; try again",
    ))
}

impl PgStore {
    /// Runs a fenced single-statement update (`$1` = id, `$2` = fence, then
    /// `extra` binds from `$3`); on no match, explains why.
    async fn fenced_update(
        &self,
        id: JobId,
        fence: FenceToken,
        set: &str,
        binds: FencedBinds<'_>,
    ) -> Result<Job> {
        let sql = format!(
            "UPDATE jobs SET {set} WHERE id = $1 AND state = 'running' AND fence = $2 \
             RETURNING {JOB_COLUMNS}"
        );
        let mut query = sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .bind(fence_value(fence)?);
        for value in binds.ints {
            query = query.bind(value);
        }
        if let Some(text) = binds.text {
            query = query.bind(text);
        }
        let row = query
            .fetch_optional(self.db())
            .await
            .map_err(db("updating a leased job"))?;
        if let Some(row) = row {
            return row.into_job();
        }
        let mut conn = self.db().acquire().await.map_err(db("reading a job"))?;
        match fetch_job(&mut conn, id).await? {
            None => Err(Error::not_found(RecordKind::Job, id)),
            Some(job) => Err(Error::StaleFence {
                kind: RecordKind::Job,
                id: id.to_string(),
                presented: fence,
                current: if job.state == JobState::Running {
                    job.fence
                } else {
                    None
                },
            }),
        }
    }
}

/// Extra parameters of a fenced update: integers from `$3`, then one text.
struct FencedBinds<'a> {
    ints: Vec<i64>,
    text: Option<&'a str>,
}

/// The claim statement (`$1` queue, `$2` now, `$3` limit, `$4` worker,
/// `$5` lease expiry, `$6` dead-letter message).
///
/// - `exhausted` dead-letters due jobs that used up their attempts;
/// - `due` picks the next due jobs in `(run_at, id)` order, locking them and
///   skipping rows other claimers hold (`FOR UPDATE SKIP LOCKED`), so two
///   claimers never get the same row and never wait for each other;
/// - the `UPDATE` takes them: `running`, one more attempt, the lease, and a
///   fencing token from the `job_fence` sequence.
///
/// Under READ COMMITTED a locked row is re-checked against the `WHERE` clause
/// after the lock is granted, so a job that another claimer took (or someone
/// completed) in the meantime drops out instead of being handed out twice.
fn claim_sql() -> String {
    let returning = JOB_COLUMNS
        .split(", ")
        .map(|c| format!("j.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH exhausted AS ( \
            UPDATE jobs x SET state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
                updated_ns = $2, finished_ns = $2, last_error = $6 \
            FROM ( \
                SELECT id FROM jobs WHERE queue = $1 AND state IN ('queued', 'running') \
                AND attempts >= max_attempts AND ( \
                    (state = 'queued' AND run_at_ns <= $2) OR \
                    (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))) \
                FOR UPDATE SKIP LOCKED) gone \
            WHERE x.id = gone.id \
            RETURNING 1 \
         ), due AS ( \
            SELECT id FROM jobs \
            WHERE queue = $1 AND state IN ('queued', 'running') AND attempts < max_attempts AND ( \
                (state = 'queued' AND run_at_ns <= $2) OR \
                (state = 'running' AND (lease_expires_ns IS NULL OR lease_expires_ns <= $2))) \
            ORDER BY run_at_ns, id \
            LIMIT $3 \
            FOR UPDATE SKIP LOCKED \
         ) \
         UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, \
            fence = nextval('job_fence'), lease_owner = $4, lease_expires_ns = $5, updated_ns = $2 \
         FROM due WHERE j.id = due.id \
         RETURNING {returning}"
    )
}

#[async_trait]
impl JobQueue for PgStore {
    async fn enqueue(&self, job: NewJob) -> Result<Insertion<Job>> {
        validate(&job)?;
        let now = self.now();
        let mut conn = self.db().acquire().await.map_err(db("enqueueing a job"))?;
        enqueue_in(&mut conn, job, now).await
    }

    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        max: usize,
        lease: TimeDelta,
    ) -> Result<Vec<Job>> {
        let lease = positive_lease(lease)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = ns(self.now())?;
        let expires = now.saturating_add(lease);
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(claim_sql()))
            .bind(queue)
            .bind(now)
            .bind(limit(Some(max)))
            .bind(worker)
            .bind(expires)
            .bind(LEASE_EXHAUSTED)
            .fetch_all(self.db())
            .await
            .map_err(db("claiming jobs"))?;
        let mut jobs = jobs_from_rows(rows)?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job> {
        let lease = positive_lease(lease)?;
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "lease_expires_ns = $3, updated_ns = $4",
            FencedBinds {
                ints: vec![now.saturating_add(lease), now],
                text: None,
            },
        )
        .await
    }

    async fn complete(&self, id: JobId, fence: FenceToken) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = 'completed', lease_owner = NULL, lease_expires_ns = NULL, \
             updated_ns = $3, finished_ns = $3",
            FencedBinds {
                ints: vec![now],
                text: None,
            },
        )
        .await
    }

    async fn retry(
        &self,
        id: JobId,
        fence: FenceToken,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = CASE WHEN attempts >= max_attempts THEN 'dead_lettered' ELSE 'queued' END, \
             run_at_ns = CASE WHEN attempts >= max_attempts THEN run_at_ns ELSE $4 END, \
             finished_ns = CASE WHEN attempts >= max_attempts THEN $3 ELSE NULL END, \
             lease_owner = NULL, lease_expires_ns = NULL, updated_ns = $3, last_error = $5",
            FencedBinds {
                ints: vec![now, ns(at)?],
                text: Some(error),
            },
        )
        .await
    }

    async fn dead_letter(&self, id: JobId, fence: FenceToken, error: &str) -> Result<Job> {
        let now = ns(self.now())?;
        self.fenced_update(
            id,
            fence,
            "state = 'dead_lettered', lease_owner = NULL, lease_expires_ns = NULL, \
             updated_ns = $3, finished_ns = $3, last_error = $4",
            FencedBinds {
                ints: vec![now],
                text: Some(error),
            },
        )
        .await
    }

    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job> {
        let now = ns(self.now())?;
        let mut tx = self.tx().await?;
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE");
        let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("reading a job"))?;
        let job = row
            .map(JobRow::into_job)
            .transpose()?
            .ok_or_else(|| Error::not_found(RecordKind::Job, id))?;
        if job.state != JobState::DeadLettered {
            return Err(Error::InvalidState {
                kind: RecordKind::Job,
                id: id.to_string(),
                message: format!(
                    "only dead-lettered jobs can be requeued (state: {})",
                    job.state
                ),
            });
        }
        let sql = format!(
            "UPDATE jobs SET state = 'queued', run_at_ns = $2, attempts = 0, finished_ns = NULL, \
             updated_ns = $3 WHERE id = $1 RETURNING {JOB_COLUMNS}"
        );
        let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .bind(ns(at)?)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if crate::codec::is_unique_violation(&e) {
                    Error::InvalidState {
                        kind: RecordKind::Job,
                        id: id.to_string(),
                        message: "a live job holds the same dedup key".into(),
                    }
                } else {
                    db("requeueing a job")(e)
                }
            })?;
        tx.commit().await.map_err(db("committing a requeue"))?;
        row.into_job()
    }

    async fn cancel_job(&self, id: JobId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND state = 'queued'")
            .bind(id.as_uuid())
            .execute(self.db())
            .await
            .map_err(db("cancelling a job"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        let mut conn = self.db().acquire().await.map_err(db("reading a job"))?;
        fetch_job(&mut conn, id).await
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR queue = $1) \
             AND ($2 IS NULL OR account_id = $2) \
             AND ($3 IS NULL OR state = ANY($3)) \
             ORDER BY created_ns, id LIMIT $4"
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(filter.queue.as_deref())
            .bind(filter.account_id.map(|a| *a.as_uuid()))
            .bind(text_set(&filter.states))
            .bind(limit(filter.limit))
            .fetch_all(self.db())
            .await
            .map_err(db("listing jobs"))?;
        jobs_from_rows(rows)
    }
}

#[async_trait]
impl WebhookInbox for PgStore {
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
        let mut tx = self.tx().await?;
        // Claim the event id first: a concurrent delivery of the same event
        // waits on this row until we commit, then finds it and writes nothing.
        let planned_job = JobId::new();
        let inserted = sqlx::query(
            "INSERT INTO inbox_entries (event_id, account_id, received_ns, job_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(account_id.map(|a| *a.as_uuid()))
        .bind(ns(now)?)
        .bind(planned_job.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db("recording a webhook event"))?;
        if inserted.rows_affected() == 0 {
            let entry = fetch_inbox_entry(&mut tx, event_id)
                .await?
                .ok_or_else(|| Error::not_found(RecordKind::InboxEntry, event_id))?;
            return Ok(InboxOutcome::Duplicate { entry });
        }
        let job = enqueue_in(&mut tx, job, now).await?.into_inner();
        sqlx::query("UPDATE inbox_entries SET job_id = $2 WHERE event_id = $1")
            .bind(event_id)
            .bind(job.id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db("linking a webhook event to its job"))?;
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
        let mut conn = self
            .db()
            .acquire()
            .await
            .map_err(db("reading an inbox entry"))?;
        fetch_inbox_entry(&mut conn, event_id).await
    }

    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        max: Option<usize>,
    ) -> Result<Vec<InboxEntry>> {
        let rows: Vec<InboxRow> = sqlx::query_as(
            "SELECT event_id, account_id, received_ns, job_id FROM inbox_entries \
             WHERE account_id = $1 ORDER BY received_ns, event_id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(limit(max))
        .fetch_all(self.db())
        .await
        .map_err(db("listing inbox entries"))?;
        Ok(rows.into_iter().map(InboxRow::into_entry).collect())
    }
}

/// An `inbox_entries` row.
pub(super) type InboxRow = (String, Option<Uuid>, i64, Uuid);

trait IntoEntry {
    fn into_entry(self) -> InboxEntry;
}

impl IntoEntry for InboxRow {
    fn into_entry(self) -> InboxEntry {
        let (event_id, account_id, received_ns, job_id) = self;
        InboxEntry {
            event_id,
            account_id: account_id.map(AccountId::from_uuid),
            received_at: time(received_ns),
            job_id: JobId::from_uuid(job_id),
        }
    }
}

pub(super) fn inbox_entries(rows: Vec<InboxRow>) -> Vec<InboxEntry> {
    rows.into_iter().map(IntoEntry::into_entry).collect()
}

async fn fetch_inbox_entry(conn: &mut PgConnection, event_id: &str) -> Result<Option<InboxEntry>> {
    let row: Option<InboxRow> = sqlx::query_as(
        "SELECT event_id, account_id, received_ns, job_id FROM inbox_entries WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(conn)
    .await
    .map_err(db("reading an inbox entry"))?;
    Ok(row.map(IntoEntry::into_entry))
}
