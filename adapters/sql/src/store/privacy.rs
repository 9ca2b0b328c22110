//! Export, deletion and retention across every table.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use store_traits::{
    AccountExport, AccountId, DeletionReport, DeletionRequest, DeletionStatus, Error, PrivacyStore,
    PurgeReport, RecordKind, Result, RetentionPolicy,
};
use uuid::Uuid;

use super::SqlStore;
use super::inbox::{INBOX_COLUMNS, inbox_entries};
use super::queue::jobs_from_rows;
use super::quota::{COLUMNS as RESERVATION_COLUMNS, LIMIT_COLUMNS, limits_from_row, reservations};
use crate::backend::{Backend, JOB_COLUMNS};
use crate::codec::{doc_of, docs_of, ns, opt_ns, to_doc};
use crate::exec::exists_or;
use crate::exec::{Executor, db};
use crate::value::{Query, Row};

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
    ("quota_limits", RecordKind::QuotaLimits),
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

/// Deletes everything naming `account` inside an open write transaction;
/// `lock` is the backend's row-lock suffix.
async fn delete_in<E: Executor + ?Sized>(
    conn: &mut E,
    account: AccountId,
    now: DateTime<Utc>,
    lock: &str,
) -> Result<DeletionReport> {
    let mut deleted = BTreeMap::new();
    for (table, kind) in ACCOUNT_TABLES {
        let column = if *table == "accounts" {
            "id"
        } else {
            "account_id"
        };
        let sql = format!("DELETE FROM {table} WHERE {column} = $1");
        let done = conn
            .execute(Query::new(sql).bind(account.as_uuid()))
            .await
            .map_err(db("deleting an account's records"))?;
        add(&mut deleted, *kind, done);
    }
    let sql = format!("SELECT doc FROM deletion_requests WHERE account_id = $1{lock}");
    let rows = conn
        .fetch_all(Query::new(sql).bind(account.as_uuid()))
        .await
        .map_err(db("reading deletion requests"))?;
    let mut requests_completed = 0;
    for mut request in docs_of::<DeletionRequest>(rows, RecordKind::DeletionRequest)? {
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
async fn write_request<E: Executor + ?Sized>(
    conn: &mut E,
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
    let query = Query::new(sql)
        .bind(request.id.as_uuid())
        .bind(&request.confirmation_code)
        .bind(request.account_id.map(|a| *a.as_uuid()))
        .bind(request.status.as_str())
        .bind(opt_ns(request.completed_at)?)
        .bind(to_doc(request, RecordKind::DeletionRequest)?);
    let done = conn.execute(query).await.map_err(exists_or(
        RecordKind::DeletionRequest,
        &request.confirmation_code,
        "writing a deletion request",
    ))?;
    Ok(done > 0)
}

/// Runs an export query (`$1` = the account); its rows.
async fn export_rows<E: Executor + ?Sized>(
    conn: &mut E,
    sql: impl Into<std::borrow::Cow<'static, str>>,
    account: AccountId,
    context: &'static str,
) -> Result<Vec<Row>> {
    conn.fetch_all(Query::new(sql).bind(account.as_uuid()))
        .await
        .map_err(db(context))
}

#[async_trait]
impl<B: Backend> PrivacyStore for SqlStore<B> {
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport> {
        let exported_at = self.now();
        // One read transaction: a consistent snapshot of every table.
        let mut tx = self
            .backend()
            .begin_snapshot()
            .await
            .map_err(db("starting an export"))?;
        let a = account_id;
        const EXPORTING: &str = "exporting an account";
        let account = export_rows(
            &mut *tx,
            "SELECT doc FROM accounts WHERE id = $1",
            a,
            EXPORTING,
        )
        .await?;
        let token = export_rows(
            &mut *tx,
            "SELECT metadata FROM tokens WHERE account_id = $1",
            a,
            EXPORTING,
        )
        .await?;
        let personas = export_rows(
            &mut *tx,
            "SELECT doc FROM personas WHERE account_id = $1 ORDER BY created_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let sources = export_rows(
            &mut *tx,
            "SELECT doc FROM sources WHERE account_id = $1 ORDER BY created_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let drafts = export_rows(
            &mut *tx,
            "SELECT doc FROM drafts WHERE account_id = $1 ORDER BY created_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let publish_entries = export_rows(
            &mut *tx,
            "SELECT doc FROM publish_entries WHERE account_id = $1 ORDER BY updated_ns, draft_id",
            a,
            EXPORTING,
        )
        .await?;
        let conversations = export_rows(
            &mut *tx,
            "SELECT doc FROM conversations WHERE account_id = $1 ORDER BY created_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let messages = export_rows(
            &mut *tx,
            "SELECT doc FROM messages WHERE account_id = $1 ORDER BY created_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let insights = export_rows(
            &mut *tx,
            "SELECT doc FROM insight_snapshots WHERE account_id = $1 ORDER BY taken_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let audit_events = export_rows(
            &mut *tx,
            "SELECT doc FROM audit_events WHERE account_id = $1 ORDER BY at_ns, id",
            a,
            EXPORTING,
        )
        .await?;
        let jobs = export_rows(
            &mut *tx,
            format!("SELECT {JOB_COLUMNS} FROM jobs WHERE account_id = $1 ORDER BY created_ns, id"),
            a,
            "exporting an account's jobs",
        )
        .await?;
        let inbox = export_rows(
            &mut *tx,
            format!(
                "SELECT {INBOX_COLUMNS} FROM inbox_entries \
                 WHERE account_id = $1 ORDER BY received_ns, event_id"
            ),
            a,
            "exporting an account's inbox entries",
        )
        .await?;
        let quota = export_rows(
            &mut *tx,
            format!(
                "SELECT {RESERVATION_COLUMNS} FROM quota_reservations \
                 WHERE account_id = $1 ORDER BY reserved_ns, id"
            ),
            a,
            "exporting an account's quota reservations",
        )
        .await?;
        let limits = export_rows(
            &mut *tx,
            format!("SELECT {LIMIT_COLUMNS} FROM quota_limits WHERE account_id = $1"),
            a,
            "exporting an account's quota limits",
        )
        .await?;
        tx.commit().await.map_err(db("finishing an export"))?;
        Ok(AccountExport {
            account_id,
            exported_at,
            account: doc_of(account.into_iter().next(), RecordKind::Account)?,
            token: doc_of(token.into_iter().next(), RecordKind::Token)?,
            personas: docs_of(personas, RecordKind::Persona)?,
            sources: docs_of(sources, RecordKind::Source)?,
            drafts: docs_of(drafts, RecordKind::Draft)?,
            publish_entries: docs_of(publish_entries, RecordKind::PublishEntry)?,
            conversations: docs_of(conversations, RecordKind::Conversation)?,
            messages: docs_of(messages, RecordKind::Message)?,
            insights: docs_of(insights, RecordKind::InsightSnapshot)?,
            audit_events: docs_of(audit_events, RecordKind::AuditEvent)?,
            jobs: jobs_from_rows(&jobs)?,
            inbox_entries: inbox_entries(&inbox)?,
            quota_reservations: reservations(&quota)?,
            quota_limits: limits.first().map(limits_from_row).transpose()?,
        })
    }

    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let report = delete_in(&mut *tx, account_id, now, Self::row_lock()).await?;
        tx.commit()
            .await
            .map_err(db("committing an account deletion"))?;
        Ok(report)
    }

    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport> {
        let now = self.now();
        let now_ns = ns(now)?;
        let mut report = PurgeReport::default();
        let mut tx = self.write_tx().await?;

        if let Some(age) = policy.inactive_accounts {
            let sql = format!(
                "SELECT id FROM accounts WHERE last_active_ns < $1 ORDER BY id{}",
                Self::row_lock()
            );
            let rows = tx
                .fetch_all(Query::new(sql).bind(cutoff(now, age)?))
                .await
                .map_err(db("finding inactive accounts"))?;
            for row in rows {
                let id = AccountId::from_uuid(row.get::<Uuid>(0)?);
                let deleted = delete_in(&mut *tx, id, now, Self::row_lock()).await?;
                for (kind, n) in deleted.deleted {
                    add(&mut report.deleted, kind, n);
                }
                report.accounts.push(id);
            }
        }
        let rules: [(Option<TimeDelta>, &'static str, RecordKind); 6] = [
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
            let done = tx
                .execute(Query::new(sql).bind(cutoff(now, age)?))
                .await
                .map_err(db("purging old records"))?;
            add(&mut report.deleted, kind, done);
        }
        let done = tx
            .execute(Query::new("DELETE FROM used_nonces WHERE expires_ns <= $1").bind(now_ns))
            .await
            .map_err(db("purging expired used nonces"))?;
        add(&mut report.deleted, RecordKind::UsedNonce, done);
        tx.commit().await.map_err(db("committing a purge"))?;
        Ok(report)
    }

    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let taken = tx
            .fetch_optional(
                Query::new("SELECT 1 FROM deletion_requests WHERE id = $1")
                    .bind(request.id.as_uuid()),
            )
            .await
            .map_err(db("checking a deletion request id"))?;
        if taken.is_some() {
            return Err(Error::already_exists(
                RecordKind::DeletionRequest,
                request.id,
            ));
        }
        write_request(&mut *tx, request, true).await?;
        tx.commit()
            .await
            .map_err(db("committing a deletion request"))?;
        Ok(())
    }

    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>> {
        let query = Query::new("SELECT doc FROM deletion_requests WHERE confirmation_code = $1")
            .bind(confirmation_code);
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("reading a deletion request"))?;
        doc_of(row, RecordKind::DeletionRequest)
    }

    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        if write_request(&mut *self.writer(), request, false).await? {
            Ok(())
        } else {
            Err(Error::not_found(RecordKind::DeletionRequest, request.id))
        }
    }
}
