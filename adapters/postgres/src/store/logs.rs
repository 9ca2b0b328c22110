//! Insights snapshots, the audit log, OAuth states and used nonces.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{
    AccountId, AuditEvent, AuditLog, AuditQuery, Error, InsightQuery, InsightScope,
    InsightSnapshot, InsightStore, OAuthState, OAuthStateStore, RecordKind, Result,
};

use super::PgStore;
use crate::codec::{db, from_doc, from_docs, is_unique_violation, limit, ns, opt_ns, to_doc};

/// `(mode, media id)` parameters for the scope condition used below.
fn scope_params(scope: &InsightScope) -> (&'static str, Option<&str>) {
    match scope {
        InsightScope::Account => ("account", None),
        InsightScope::Media(id) => ("media", Some(id.as_str())),
        InsightScope::All => ("all", None),
    }
}

const SCOPE_CONDITION: &str = "($2 = 'all' OR ($2 = 'account' AND media_id IS NULL) \
     OR ($2 = 'media' AND media_id = $3))";

#[async_trait]
impl InsightStore for PgStore {
    async fn record_snapshot(&self, snapshot: &InsightSnapshot) -> Result<()> {
        sqlx::query(
            "INSERT INTO insight_snapshots (id, account_id, media_id, taken_ns, doc) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(snapshot.id.as_uuid())
        .bind(snapshot.account_id.as_uuid())
        .bind(snapshot.media_id.as_deref())
        .bind(ns(snapshot.taken_at)?)
        .bind(to_doc(snapshot, RecordKind::InsightSnapshot)?)
        .execute(self.db())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::InsightSnapshot, snapshot.id)
            } else {
                db("recording an insights snapshot")(e)
            }
        })?;
        Ok(())
    }

    async fn list_snapshots(&self, query: &InsightQuery) -> Result<Vec<InsightSnapshot>> {
        let (mode, media) = scope_params(&query.scope);
        let sql = format!(
            "SELECT doc FROM insight_snapshots WHERE account_id = $1 AND {SCOPE_CONDITION} \
             AND ($4 IS NULL OR taken_ns >= $4) AND ($5 IS NULL OR taken_ns < $5) \
             ORDER BY taken_ns, id LIMIT $6"
        );
        let docs: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(query.account_id.as_uuid())
            .bind(mode)
            .bind(media)
            .bind(opt_ns(query.since)?)
            .bind(opt_ns(query.until)?)
            .bind(limit(query.limit))
            .fetch_all(self.db())
            .await
            .map_err(db("listing insights snapshots"))?;
        from_docs(docs, RecordKind::InsightSnapshot)
    }

    async fn latest_snapshot(
        &self,
        account_id: AccountId,
        scope: &InsightScope,
    ) -> Result<Option<InsightSnapshot>> {
        let (mode, media) = scope_params(scope);
        let sql = format!(
            "SELECT doc FROM insight_snapshots WHERE account_id = $1 AND {SCOPE_CONDITION} \
             ORDER BY taken_ns DESC, id DESC LIMIT 1"
        );
        let doc: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(account_id.as_uuid())
            .bind(mode)
            .bind(media)
            .fetch_optional(self.db())
            .await
            .map_err(db("reading the latest insights snapshot"))?;
        doc.map(|d| from_doc(&d, RecordKind::InsightSnapshot))
            .transpose()
    }
}

#[async_trait]
impl AuditLog for PgStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (id, account_id, org_id, at_ns, doc) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event.id.as_uuid())
        .bind(event.account_id.map(|a| *a.as_uuid()))
        .bind(event.org_id.as_ref().map(|o| o.as_str()))
        .bind(ns(event.at)?)
        .bind(to_doc(event, RecordKind::AuditEvent)?)
        .execute(self.db())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::AuditEvent, event.id)
            } else {
                db("appending an audit event")(e)
            }
        })?;
        Ok(())
    }

    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM audit_events WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR org_id = $2) AND ($3 IS NULL OR at_ns >= $3) \
             AND ($4 IS NULL OR at_ns < $4) ORDER BY at_ns, id LIMIT $5",
        )
        .bind(query.account_id.map(|a| *a.as_uuid()))
        .bind(query.org_id.as_ref().map(|o| o.as_str()))
        .bind(opt_ns(query.since)?)
        .bind(opt_ns(query.until)?)
        .bind(limit(query.limit))
        .fetch_all(self.db())
        .await
        .map_err(db("listing audit events"))?;
        from_docs(docs, RecordKind::AuditEvent)
    }
}

#[async_trait]
impl OAuthStateStore for PgStore {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<()> {
        sqlx::query("INSERT INTO oauth_states (nonce, expires_ns, doc) VALUES ($1, $2, $3)")
            .bind(&state.nonce)
            .bind(ns(state.expires_at)?)
            .bind(to_doc(state, RecordKind::OAuthState)?)
            .execute(self.db())
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::already_exists(RecordKind::OAuthState, &state.nonce)
                } else {
                    db("storing an OAuth state")(e)
                }
            })?;
        Ok(())
    }

    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>> {
        let now = ns(self.now())?;
        // One statement: of concurrent takers only one sees the row.
        let row: Option<(i64, String)> =
            sqlx::query_as("DELETE FROM oauth_states WHERE nonce = $1 RETURNING expires_ns, doc")
                .bind(nonce)
                .fetch_optional(self.db())
                .await
                .map_err(db("taking an OAuth state"))?;
        match row {
            Some((expires, doc)) if expires > now => {
                Ok(Some(from_doc(&doc, RecordKind::OAuthState)?))
            }
            _ => Ok(None),
        }
    }

    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let now = ns(self.now())?;
        // Insert, or take over an expired record; an unexpired one blocks both.
        let done = sqlx::query(
            "INSERT INTO used_nonces (nonce, expires_ns) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO UPDATE SET expires_ns = excluded.expires_ns \
             WHERE used_nonces.expires_ns <= $3",
        )
        .bind(nonce)
        .bind(ns(expires_at)?)
        .bind(now)
        .execute(self.db())
        .await
        .map_err(db("recording a used nonce"))?;
        Ok(done.rows_affected() > 0)
    }
}
