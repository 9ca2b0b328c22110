//! Export, deletion and retention across every table.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;
use store_traits::{
    AccountExport, AccountId, DeletionReport, DeletionRequest, DeletionStatus, Error, PrivacyStore,
    PurgeReport, RecordKind, Result, RetentionPolicy,
};
use uuid::Uuid;

use super::PgStore;
use super::queue::{InboxRow, JOB_COLUMNS, JobRow, inbox_entries, jobs_from_rows};
use super::quota::{ReservationRow, reservations};
use crate::codec::{db, from_doc, from_docs, is_unique_violation, ns, opt_ns, to_doc};

/// Tables whose rows name an account in an `account_id` column, with the kind
/// reported for them. Deletion requests are handled apart (they are kept).
const ACCOUNT_TABLES: &[(&str, RecordKind)] = &[
    ("accounts", RecordKind::Account),
    ("tokens", RecordKind::Token),
    ("personas", RecordKind::Persona),
    ("sources", RecordKind::Source),
    ("drafts", RecordKind::Draft),
    ("publish_entries", RecordKind::PublishEntry),
    ("conversations", RecordKind::Conversation),
    ("messages", RecordKind::Message),
    ("insight_snapshots", RecordKind::InsightSnapshot),
    ("audit_events", RecordKind::AuditEvent),
    ("jobs", RecordKind::Job),
    ("inbox_entries", RecordKind::InboxEntry),
    ("quota_reservations", RecordKind::QuotaReservation),
];

fn add(counts: &mut BTreeMap<RecordKind, u64>, kind: RecordKind, n: u64) {
    if n > 0 {
        *counts.entry(kind).or_default() += n;
    }
}

fn cutoff(now: DateTime<Utc>, age: TimeDelta) -> Result<i64> {
    let at = now
        .checked_sub_signed(age)
        .ok_or_else(|| Error::InvalidInput(format!("retention age {age} is out of range")))?;
    // Ages reaching before 1677 keep everything.
    Ok(at.timestamp_nanos_opt().unwrap_or(i64::MIN))
}

/// Deletes everything naming `account` inside an open write transaction.
async fn delete_in(
    conn: &mut PgConnection,
    account: AccountId,
    now: DateTime<Utc>,
) -> Result<DeletionReport> {
    let mut deleted = BTreeMap::new();
    for (table, kind) in ACCOUNT_TABLES {
        let column = if *table == "accounts" {
            "id"
        } else {
            "account_id"
        };
        let sql = format!("DELETE FROM {table} WHERE {column} = $1");
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(db("deleting an account's records"))?;
        add(&mut deleted, *kind, done.rows_affected());
    }
    let docs: Vec<String> =
        sqlx::query_scalar("SELECT doc FROM deletion_requests WHERE account_id = $1 FOR UPDATE")
            .bind(account.as_uuid())
            .fetch_all(&mut *conn)
            .await
            .map_err(db("reading deletion requests"))?;
    let mut requests_completed = 0;
    for doc in docs {
        let mut request: DeletionRequest = from_doc(&doc, RecordKind::DeletionRequest)?;
        request.account_id = None;
        if request.status != DeletionStatus::Completed {
            request.status = DeletionStatus::Completed;
            request.completed_at = Some(now);
            requests_completed += 1;
        }
        write_request(&mut *conn, &request, false).await?;
    }
    Ok(DeletionReport {
        account_id: Some(account),
        deleted,
        requests_completed,
    })
}

/// Inserts or replaces a deletion request; `false` from an update means "not found".
async fn write_request(
    conn: &mut PgConnection,
    request: &DeletionRequest,
    insert: bool,
) -> Result<bool> {
    let sql = if insert {
        "INSERT INTO deletion_requests (id, confirmation_code, account_id, status, completed_ns, doc) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    } else {
        "UPDATE deletion_requests SET confirmation_code = $2, account_id = $3, status = $4, \
         completed_ns = $5, doc = $6 WHERE id = $1"
    };
    let done = sqlx::query(sql)
        .bind(request.id.as_uuid())
        .bind(&request.confirmation_code)
        .bind(request.account_id.map(|a| *a.as_uuid()))
        .bind(request.status.as_str())
        .bind(opt_ns(request.completed_at)?)
        .bind(to_doc(request, RecordKind::DeletionRequest)?)
        .execute(conn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::DeletionRequest, &request.confirmation_code)
            } else {
                db("writing a deletion request")(e)
            }
        })?;
    Ok(done.rows_affected() > 0)
}

async fn docs(
    conn: &mut PgConnection,
    sql: &'static str,
    account: AccountId,
) -> Result<Vec<String>> {
    sqlx::query_scalar(sql)
        .bind(account.as_uuid())
        .fetch_all(conn)
        .await
        .map_err(db("exporting an account"))
}

#[async_trait]
impl PrivacyStore for PgStore {
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport> {
        let exported_at = self.now();
        // One read transaction: a consistent snapshot of every table.
        let mut tx = self
            .db()
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db("starting an export"))?;
        let a = account_id;
        let account = docs(&mut tx, "SELECT doc FROM accounts WHERE id = $1", a).await?;
        let token = docs(
            &mut tx,
            "SELECT metadata FROM tokens WHERE account_id = $1",
            a,
        )
        .await?;
        let personas = docs(
            &mut tx,
            "SELECT doc FROM personas WHERE account_id = $1 ORDER BY created_ns, id",
            a,
        )
        .await?;
        let sources = docs(
            &mut tx,
            "SELECT doc FROM sources WHERE account_id = $1 ORDER BY created_ns, id",
            a,
        )
        .await?;
        let drafts = docs(
            &mut tx,
            "SELECT doc FROM drafts WHERE account_id = $1 ORDER BY created_ns, id",
            a,
        )
        .await?;
        let publish_entries = docs(
            &mut tx,
            "SELECT doc FROM publish_entries WHERE account_id = $1 ORDER BY updated_ns, draft_id",
            a,
        )
        .await?;
        let conversations = docs(
            &mut tx,
            "SELECT doc FROM conversations WHERE account_id = $1 ORDER BY created_ns, id",
            a,
        )
        .await?;
        let messages = docs(
            &mut tx,
            "SELECT doc FROM messages WHERE account_id = $1 ORDER BY created_ns, id",
            a,
        )
        .await?;
        let insights = docs(
            &mut tx,
            "SELECT doc FROM insight_snapshots WHERE account_id = $1 ORDER BY taken_ns, id",
            a,
        )
        .await?;
        let audit_events = docs(
            &mut tx,
            "SELECT doc FROM audit_events WHERE account_id = $1 ORDER BY at_ns, id",
            a,
        )
        .await?;
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM jobs WHERE account_id = $1 ORDER BY created_ns, id");
        let jobs: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(a.as_uuid())
            .fetch_all(&mut *tx)
            .await
            .map_err(db("exporting an account's jobs"))?;
        let inbox: Vec<InboxRow> = sqlx::query_as(
            "SELECT event_id, account_id, received_ns, job_id FROM inbox_entries \
             WHERE account_id = $1 ORDER BY received_ns, event_id",
        )
        .bind(a.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(db("exporting an account's inbox entries"))?;
        let quota: Vec<ReservationRow> = sqlx::query_as(
            "SELECT id, account_id, kind, units, reserved_ns, expires_ns, committed_ns \
             FROM quota_reservations WHERE account_id = $1 ORDER BY reserved_ns, id",
        )
        .bind(a.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(db("exporting an account's quota reservations"))?;
        tx.commit().await.map_err(db("finishing an export"))?;
        Ok(AccountExport {
            account_id,
            exported_at,
            account: account
                .first()
                .map(|d| from_doc(d, RecordKind::Account))
                .transpose()?,
            token: token
                .first()
                .map(|d| from_doc(d, RecordKind::Token))
                .transpose()?,
            personas: from_docs(personas, RecordKind::Persona)?,
            sources: from_docs(sources, RecordKind::Source)?,
            drafts: from_docs(drafts, RecordKind::Draft)?,
            publish_entries: from_docs(publish_entries, RecordKind::PublishEntry)?,
            conversations: from_docs(conversations, RecordKind::Conversation)?,
            messages: from_docs(messages, RecordKind::Message)?,
            insights: from_docs(insights, RecordKind::InsightSnapshot)?,
            audit_events: from_docs(audit_events, RecordKind::AuditEvent)?,
            jobs: jobs_from_rows(jobs)?,
            inbox_entries: inbox_entries(inbox),
            quota_reservations: reservations(quota)?,
        })
    }

    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport> {
        let now = self.now();
        let mut tx = self.tx().await?;
        let report = delete_in(&mut tx, account_id, now).await?;
        tx.commit()
            .await
            .map_err(db("committing an account deletion"))?;
        Ok(report)
    }

    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport> {
        let now = self.now();
        let now_ns = ns(now)?;
        let mut report = PurgeReport::default();
        let mut tx = self.tx().await?;

        if let Some(age) = policy.inactive_accounts {
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "SELECT id FROM accounts WHERE last_active_ns < $1 ORDER BY id FOR UPDATE",
            )
            .bind(cutoff(now, age)?)
            .fetch_all(&mut *tx)
            .await
            .map_err(db("finding inactive accounts"))?;
            for id in ids {
                let id = AccountId::from_uuid(id);
                let deleted = delete_in(&mut tx, id, now).await?;
                for (kind, n) in deleted.deleted {
                    add(&mut report.deleted, kind, n);
                }
                report.accounts.push(id);
            }
        }
        let rules: [(Option<TimeDelta>, &str, RecordKind); 6] = [
            (
                policy.audit_events,
                "DELETE FROM audit_events WHERE at_ns < $1",
                RecordKind::AuditEvent,
            ),
            (
                policy.finished_jobs,
                "DELETE FROM jobs WHERE state IN ('completed', 'dead_lettered') AND finished_ns < $1",
                RecordKind::Job,
            ),
            (
                policy.inbox_entries,
                "DELETE FROM inbox_entries WHERE received_ns < $1",
                RecordKind::InboxEntry,
            ),
            (
                policy.insight_snapshots,
                "DELETE FROM insight_snapshots WHERE taken_ns < $1",
                RecordKind::InsightSnapshot,
            ),
            (
                policy.deletion_requests,
                "DELETE FROM deletion_requests WHERE status = 'completed' AND completed_ns < $1",
                RecordKind::DeletionRequest,
            ),
            (
                policy.quota_reservations,
                "DELETE FROM quota_reservations WHERE COALESCE(committed_ns, expires_ns) < $1",
                RecordKind::QuotaReservation,
            ),
        ];
        for (age, sql, kind) in rules {
            let Some(age) = age else { continue };
            let done = sqlx::query(sql)
                .bind(cutoff(now, age)?)
                .execute(&mut *tx)
                .await
                .map_err(db("purging old records"))?;
            add(&mut report.deleted, kind, done.rows_affected());
        }
        for (sql, kind) in [
            (
                "DELETE FROM oauth_states WHERE expires_ns <= $1",
                RecordKind::OAuthState,
            ),
            (
                "DELETE FROM used_nonces WHERE expires_ns <= $1",
                RecordKind::UsedNonce,
            ),
        ] {
            let done = sqlx::query(sql)
                .bind(now_ns)
                .execute(&mut *tx)
                .await
                .map_err(db("purging expired OAuth records"))?;
            add(&mut report.deleted, kind, done.rows_affected());
        }
        tx.commit().await.map_err(db("committing a purge"))?;
        Ok(report)
    }

    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        let mut tx = self.tx().await?;
        let taken: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM deletion_requests WHERE id = $1")
                .bind(request.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("checking a deletion request id"))?;
        if taken.is_some() {
            return Err(Error::already_exists(
                RecordKind::DeletionRequest,
                request.id,
            ));
        }
        write_request(&mut tx, request, true).await?;
        tx.commit()
            .await
            .map_err(db("committing a deletion request"))?;
        Ok(())
    }

    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM deletion_requests WHERE confirmation_code = $1")
                .bind(confirmation_code)
                .fetch_optional(self.db())
                .await
                .map_err(db("reading a deletion request"))?;
        doc.map(|d| from_doc(&d, RecordKind::DeletionRequest))
            .transpose()
    }

    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        let mut conn = self
            .db()
            .acquire()
            .await
            .map_err(db("updating a deletion request"))?;
        if write_request(&mut conn, request, false).await? {
            Ok(())
        } else {
            Err(Error::not_found(RecordKind::DeletionRequest, request.id))
        }
    }
}
