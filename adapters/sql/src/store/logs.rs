//! Insights snapshots, the audit log, OAuth states and used nonces.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{
    AccountId, AuditEvent, AuditLog, AuditQuery, InsightQuery, InsightScope, InsightSnapshot,
    InsightStore, OAuthState, OAuthStateStore, RecordKind, Result,
};

use super::SqlStore;
use super::records::exists_or;
use crate::backend::Backend;
use crate::codec::{doc_of, docs_of, from_doc, ns, opt_ns, to_doc};
use crate::exec::db;
use crate::value::Query;

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
impl<B: Backend> InsightStore for SqlStore<B> {
    async fn record_snapshot(&self, snapshot: &InsightSnapshot) -> Result<()> {
        let query = Query::new(
            "INSERT INTO insight_snapshots (id, account_id, media_id, taken_ns, doc) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(snapshot.id.as_uuid())
        .bind(snapshot.account_id.as_uuid())
        .bind(snapshot.media_id.as_deref())
        .bind(ns(snapshot.taken_at)?)
        .bind(to_doc(snapshot, RecordKind::InsightSnapshot)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::InsightSnapshot,
            snapshot.id,
            "recording an insights snapshot",
        ))?;
        Ok(())
    }

    async fn list_snapshots(&self, query: &InsightQuery) -> Result<Vec<InsightSnapshot>> {
        let (mode, media) = scope_params(&query.scope);
        let sql = format!(
            "SELECT doc FROM insight_snapshots WHERE account_id = $1 AND {SCOPE_CONDITION} \
             AND ($4 IS NULL OR taken_ns >= $4) AND ($5 IS NULL OR taken_ns < $5) \
             ORDER BY taken_ns, id LIMIT $6"
        );
        let statement = Query::new(sql)
            .bind(query.account_id.as_uuid())
            .bind(mode)
            .bind(media)
            .bind(opt_ns(query.since)?)
            .bind(opt_ns(query.until)?)
            .bind(B::limit(query.limit));
        let rows = self
            .reader()
            .fetch_all(statement)
            .await
            .map_err(db("listing insights snapshots"))?;
        docs_of(rows, RecordKind::InsightSnapshot)
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
        let query = Query::new(sql)
            .bind(account_id.as_uuid())
            .bind(mode)
            .bind(media);
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("reading the latest insights snapshot"))?;
        doc_of(row, RecordKind::InsightSnapshot)
    }
}

#[async_trait]
impl<B: Backend> AuditLog for SqlStore<B> {
    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let query = Query::new(
            "INSERT INTO audit_events (id, account_id, org_id, at_ns, doc) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event.id.as_uuid())
        .bind(event.account_id.map(|a| *a.as_uuid()))
        .bind(event.org_id.as_ref().map(|o| o.as_str()))
        .bind(ns(event.at)?)
        .bind(to_doc(event, RecordKind::AuditEvent)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::AuditEvent,
            event.id,
            "appending an audit event",
        ))?;
        Ok(())
    }

    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>> {
        let statement = Query::new(
            "SELECT doc FROM audit_events WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR org_id = $2) AND ($3 IS NULL OR at_ns >= $3) \
             AND ($4 IS NULL OR at_ns < $4) ORDER BY at_ns, id LIMIT $5",
        )
        .bind(query.account_id.map(|a| *a.as_uuid()))
        .bind(query.org_id.as_ref().map(|o| o.as_str()))
        .bind(opt_ns(query.since)?)
        .bind(opt_ns(query.until)?)
        .bind(B::limit(query.limit));
        let rows = self
            .reader()
            .fetch_all(statement)
            .await
            .map_err(db("listing audit events"))?;
        docs_of(rows, RecordKind::AuditEvent)
    }
}

#[async_trait]
impl<B: Backend> OAuthStateStore for SqlStore<B> {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<()> {
        let query =
            Query::new("INSERT INTO oauth_states (nonce, expires_ns, doc) VALUES ($1, $2, $3)")
                .bind(&state.nonce)
                .bind(ns(state.expires_at)?)
                .bind(to_doc(state, RecordKind::OAuthState)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::OAuthState,
            &state.nonce,
            "storing an OAuth state",
        ))?;
        Ok(())
    }

    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>> {
        let now = ns(self.now())?;
        // One statement: of concurrent takers only one sees the row.
        let query =
            Query::new("DELETE FROM oauth_states WHERE nonce = $1 RETURNING expires_ns, doc")
                .bind(nonce);
        let row = self
            .writer()
            .fetch_optional(query)
            .await
            .map_err(db("taking an OAuth state"))?;
        match row {
            Some(row) if row.get::<i64>(0)? > now => Ok(Some(from_doc(
                &row.get::<String>(1)?,
                RecordKind::OAuthState,
            )?)),
            _ => Ok(None),
        }
    }

    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let now = ns(self.now())?;
        // Insert, or take over an expired record; an unexpired one blocks both.
        let query = Query::new(
            "INSERT INTO used_nonces (nonce, expires_ns) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO UPDATE SET expires_ns = excluded.expires_ns \
             WHERE used_nonces.expires_ns <= $3",
        )
        .bind(nonce)
        .bind(ns(expires_at)?)
        .bind(now);
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("recording a used nonce"))?;
        Ok(done > 0)
    }
}
