//! [`DraftStore`]: fenced compare-and-swap writes that follow the draft life cycle.
//!
//! An update reads the stored version, fence and state inside a write
//! transaction, locking the row ([`Backend::ROW_LOCK`]), checks them
//! ([`check_fenced_write`], then [`check_draft_transition`]), and writes the
//! next version before committing, so concurrent writers cannot both pass the
//! check.

use async_trait::async_trait;
use store_traits::{
    Draft, DraftFilter, DraftId, DraftState, DraftStore, Error, FenceToken, RecordKind, Result,
    check_draft_transition, check_fenced_write,
};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{
    docs_of, fence_from, ns, opt_fence, opt_ns, stored_version, text_set, to_doc, version_value,
};
use crate::exec::exists_or;
use crate::exec::{Executor, db};
use crate::value::{Query, Row};

/// Reads one row with `sql` (`SELECT version, fence, ...`, locking it) and
/// checks the write against its version and fence; the stored version and
/// fence, and the row for further checks.
pub(super) async fn checked<E: Executor + ?Sized>(
    tx: &mut E,
    sql: String,
    kind: RecordKind,
    id: DraftId,
    expected_version: u64,
    fence: Option<FenceToken>,
    context: &'static str,
) -> Result<(u64, Option<FenceToken>, Row)> {
    let row = tx
        .fetch_optional(Query::new(sql).bind(id.as_uuid()))
        .await
        .map_err(db(context))?
        .ok_or_else(|| Error::not_found(kind, id))?;
    let version = stored_version(row.get(0)?);
    let stored_fence = fence_from(row.get(1)?);
    check_fenced_write(kind, id, version, stored_fence, expected_version, fence)?;
    Ok((version, stored_fence, row))
}

#[async_trait]
impl<B: Backend> DraftStore for SqlStore<B> {
    async fn insert_draft(&self, draft: &Draft) -> Result<()> {
        let query = Query::new(
            "INSERT INTO drafts (id, account_id, state, scheduled_ns, created_ns, version, fence, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(draft.id.as_uuid())
        .bind(draft.account_id.as_uuid())
        .bind(draft.state.as_str())
        .bind(opt_ns(draft.scheduled_at)?)
        .bind(ns(draft.created_at)?)
        .bind(version_value(draft.version)?)
        .bind(opt_fence(draft.fence)?)
        .bind(to_doc(draft, RecordKind::Draft)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Draft,
            draft.id,
            "inserting a draft",
        ))?;
        Ok(())
    }

    async fn get_draft(&self, id: DraftId) -> Result<Option<Draft>> {
        self.doc_by_id(
            "SELECT doc FROM drafts WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Draft,
            "reading a draft",
        )
        .await
    }

    async fn update_draft(&self, draft: &Draft, fence: Option<FenceToken>) -> Result<Draft> {
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "SELECT version, fence, state FROM drafts WHERE id = $1{}",
            Self::row_lock()
        );
        let (version, stored_fence, row) = checked(
            &mut *tx,
            sql,
            RecordKind::Draft,
            draft.id,
            draft.version,
            fence,
            "reading a draft to update",
        )
        .await?;
        let stored_state: DraftState = row
            .get::<String>(2)?
            .parse()
            .map_err(|e| Error::backend("decoding a stored draft state", e))?;
        check_draft_transition(draft.id, stored_state, draft.state)?;
        let mut next = draft.clone();
        next.version = version + 1;
        next.fence = fence.or(stored_fence);
        let query = Query::new(
            "UPDATE drafts SET account_id = $2, state = $3, scheduled_ns = $4, created_ns = $5, \
             version = $6, fence = $7, doc = $8 WHERE id = $1",
        )
        .bind(next.id.as_uuid())
        .bind(next.account_id.as_uuid())
        .bind(next.state.as_str())
        .bind(opt_ns(next.scheduled_at)?)
        .bind(ns(next.created_at)?)
        .bind(version_value(next.version)?)
        .bind(opt_fence(next.fence)?)
        .bind(to_doc(&next, RecordKind::Draft)?);
        tx.execute(query).await.map_err(db("updating a draft"))?;
        tx.commit().await.map_err(db("committing a draft update"))?;
        Ok(next)
    }

    async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<Draft>> {
        let sql = format!(
            "SELECT doc FROM drafts WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR {}) \
             AND ($3 IS NULL OR scheduled_ns < $3) \
             ORDER BY created_ns, id LIMIT $4",
            B::text_in("state", 2)
        );
        let query = Query::new(sql)
            .bind(filter.account_id.map(|a| *a.as_uuid()))
            .bind(text_set(&filter.states))
            .bind(opt_ns(filter.scheduled_before)?)
            .bind(B::limit(filter.limit));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing drafts"))?;
        docs_of(rows, RecordKind::Draft)
    }

    async fn delete_draft(&self, id: DraftId) -> Result<bool> {
        self.delete_by_id(
            "DELETE FROM drafts WHERE id = $1",
            *id.as_uuid(),
            "deleting a draft",
        )
        .await
    }
}
