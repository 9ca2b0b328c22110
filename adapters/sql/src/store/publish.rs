//! [`PublishLedger`]: one entry per draft, created once (`ON CONFLICT DO
//! NOTHING`) and updated with the same fenced compare-and-swap as drafts; the
//! `media_id` column (written with every entry) finds an entry by its post.

use async_trait::async_trait;
use store_traits::{
    DraftId, Error, FenceToken, Insertion, PublishEntry, PublishFilter, PublishLedger, RecordKind,
    Result,
};

use super::SqlStore;
use super::draft::checked;
use crate::backend::Backend;
use crate::codec::{doc_of, docs_of, ns, opt_fence, opt_ns, text_set, to_doc, version_value};
use crate::exec::db;
use crate::value::Query;

/// The columns of `publish_entries`, `$1` to `$8`, from `entry`.
fn entry_query(sql: &'static str, entry: &PublishEntry) -> Result<Query> {
    Ok(Query::new(sql)
        .bind(entry.draft_id.as_uuid())
        .bind(entry.account_id.as_uuid())
        .bind(entry.state.as_str())
        .bind(ns(entry.updated_at)?)
        .bind(version_value(entry.version)?)
        .bind(opt_fence(entry.fence)?)
        .bind(to_doc(entry, RecordKind::PublishEntry)?)
        .bind(entry.media_id.as_deref()))
}

#[async_trait]
impl<B: Backend> PublishLedger for SqlStore<B> {
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>> {
        let query = entry_query(
            "INSERT INTO publish_entries (draft_id, account_id, state, updated_ns, version, fence, doc, media_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (draft_id) DO NOTHING",
            entry,
        )?;
        let inserted = self
            .writer()
            .execute(query)
            .await
            .map_err(db("inserting a publish entry"))?;
        if inserted > 0 {
            return Ok(Insertion::Inserted(entry.clone()));
        }
        // Entries are only removed with their account; if it vanished meanwhile, say so.
        self.get_publish_entry(entry.draft_id)
            .await?
            .map(Insertion::Existing)
            .ok_or_else(|| Error::not_found(RecordKind::PublishEntry, entry.draft_id))
    }

    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>> {
        let query = Query::new("SELECT doc FROM publish_entries WHERE draft_id = $1")
            .bind(draft_id.as_uuid());
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("reading a publish entry"))?;
        doc_of(row, RecordKind::PublishEntry)
    }

    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry> {
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "SELECT version, fence FROM publish_entries WHERE draft_id = $1{}",
            Self::row_lock()
        );
        let (version, stored_fence, _) = checked(
            &mut *tx,
            sql,
            RecordKind::PublishEntry,
            entry.draft_id,
            entry.version,
            fence,
            "reading a publish entry to update",
        )
        .await?;
        let mut next = entry.clone();
        next.version = version + 1;
        next.fence = fence.or(stored_fence);
        let query = entry_query(
            "UPDATE publish_entries SET account_id = $2, state = $3, updated_ns = $4, version = $5, \
             fence = $6, doc = $7, media_id = $8 WHERE draft_id = $1",
            &next,
        )?;
        tx.execute(query)
            .await
            .map_err(db("writing a publish entry"))?;
        tx.commit()
            .await
            .map_err(db("committing a publish entry update"))?;
        Ok(next)
    }

    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>> {
        let sql = format!(
            "SELECT doc FROM publish_entries WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR {}) \
             AND ($3 IS NULL OR updated_ns < $3) \
             ORDER BY updated_ns, draft_id LIMIT $4",
            B::text_in("state", 2)
        );
        let query = Query::new(sql)
            .bind(filter.account_id.map(|a| *a.as_uuid()))
            .bind(text_set(&filter.states))
            .bind(opt_ns(filter.updated_before)?)
            .bind(B::limit(filter.limit));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing publish entries"))?;
        docs_of(rows, RecordKind::PublishEntry)
    }

    async fn find_publish_entry_by_media(&self, media_id: &str) -> Result<Option<PublishEntry>> {
        let query = Query::new(
            "SELECT doc FROM publish_entries WHERE media_id = $1 \
             ORDER BY updated_ns, draft_id LIMIT 1",
        )
        .bind(media_id);
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("finding a publish entry by media id"))?;
        doc_of(row, RecordKind::PublishEntry)
    }
}
