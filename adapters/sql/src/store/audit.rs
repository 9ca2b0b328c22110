//! [`AuditLog`]: the audit trail.

use async_trait::async_trait;
use store_traits::{AuditEvent, AuditLog, AuditQuery, RecordKind, Result};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{docs_of, ns, opt_ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
use crate::value::Query;

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
