//! [`InsightStore`]: insights snapshots, account-level or per post.

use async_trait::async_trait;
use store_traits::{
    AccountId, InsightQuery, InsightScope, InsightSnapshot, InsightStore, RecordKind, Result,
};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{doc_of, docs_of, ns, opt_ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
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
