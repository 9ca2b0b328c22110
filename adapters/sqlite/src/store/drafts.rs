//! Drafts and the publish ledger: fenced compare-and-swap writes.

use async_trait::async_trait;
use store_traits::{
    Draft, DraftFilter, DraftId, DraftStore, Error, FenceToken, Insertion, PublishEntry,
    PublishFilter, PublishLedger, RecordKind, Result,
};

use super::SqliteStore;
use super::records::delete_by_id;
use crate::codec::{
    db, fence_from, fence_value, from_doc, from_docs, is_unique_violation, limit, ns, opt_ns,
    text_set, to_doc, version_value,
};

/// The fence check, then the version check, shared by drafts and ledger entries.
pub(super) fn check_write(
    kind: RecordKind,
    id: DraftId,
    stored_version: u64,
    stored_fence: Option<FenceToken>,
    expected_version: u64,
    fence: Option<FenceToken>,
) -> Result<()> {
    if let (Some(presented), Some(current)) = (fence, stored_fence)
        && presented < current
    {
        return Err(Error::StaleFence {
            kind,
            id: id.to_string(),
            presented,
            current: Some(current),
        });
    }
    if stored_version != expected_version {
        return Err(Error::VersionConflict {
            kind,
            id: id.to_string(),
            expected: expected_version,
            actual: stored_version,
        });
    }
    Ok(())
}

fn stored_version(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[async_trait]
impl DraftStore for SqliteStore {
    async fn insert_draft(&self, draft: &Draft) -> Result<()> {
        sqlx::query(
            "INSERT INTO drafts (id, account_id, state, scheduled_ns, created_ns, version, fence, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(draft.id.as_uuid())
        .bind(draft.account_id.as_uuid())
        .bind(draft.state.as_str())
        .bind(opt_ns(draft.scheduled_at)?)
        .bind(ns(draft.created_at)?)
        .bind(version_value(draft.version)?)
        .bind(draft.fence.map(fence_value).transpose()?)
        .bind(to_doc(draft, RecordKind::Draft)?)
        .execute(self.writer())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Draft, draft.id)
            } else {
                db("inserting a draft")(e)
            }
        })?;
        Ok(())
    }

    async fn get_draft(&self, id: DraftId) -> Result<Option<Draft>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM drafts WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.reader())
            .await
            .map_err(db("reading a draft"))?;
        doc.map(|d| from_doc(&d, RecordKind::Draft)).transpose()
    }

    async fn update_draft(&self, draft: &Draft, fence: Option<FenceToken>) -> Result<Draft> {
        let mut tx = self.write_tx().await?;
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT version, fence FROM drafts WHERE id = $1")
                .bind(draft.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("reading a draft to update"))?;
        let (version, stored_fence) =
            row.ok_or_else(|| Error::not_found(RecordKind::Draft, draft.id))?;
        let (version, stored_fence) = (stored_version(version), fence_from(stored_fence));
        check_write(
            RecordKind::Draft,
            draft.id,
            version,
            stored_fence,
            draft.version,
            fence,
        )?;
        let mut next = draft.clone();
        next.version = version + 1;
        next.fence = fence.or(stored_fence);
        sqlx::query(
            "UPDATE drafts SET account_id = $2, state = $3, scheduled_ns = $4, created_ns = $5, \
             version = $6, fence = $7, doc = $8 WHERE id = $1",
        )
        .bind(next.id.as_uuid())
        .bind(next.account_id.as_uuid())
        .bind(next.state.as_str())
        .bind(opt_ns(next.scheduled_at)?)
        .bind(ns(next.created_at)?)
        .bind(version_value(next.version)?)
        .bind(next.fence.map(fence_value).transpose()?)
        .bind(to_doc(&next, RecordKind::Draft)?)
        .execute(&mut *tx)
        .await
        .map_err(db("updating a draft"))?;
        tx.commit().await.map_err(db("committing a draft update"))?;
        Ok(next)
    }

    async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<Draft>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM drafts WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR state IN (SELECT value FROM json_each($2))) \
             AND ($3 IS NULL OR scheduled_ns < $3) \
             ORDER BY created_ns, id LIMIT $4",
        )
        .bind(filter.account_id.map(|a| *a.as_uuid()))
        .bind(text_set(&filter.states))
        .bind(opt_ns(filter.scheduled_before)?)
        .bind(limit(filter.limit))
        .fetch_all(self.reader())
        .await
        .map_err(db("listing drafts"))?;
        from_docs(docs, RecordKind::Draft)
    }

    async fn delete_draft(&self, id: DraftId) -> Result<bool> {
        delete_by_id(
            self,
            "DELETE FROM drafts WHERE id = $1",
            *id.as_uuid(),
            "deleting a draft",
        )
        .await
    }
}

#[async_trait]
impl PublishLedger for SqliteStore {
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>> {
        let mut tx = self.write_tx().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT doc FROM publish_entries WHERE draft_id = $1")
                .bind(entry.draft_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("reading a publish entry"))?;
        if let Some(doc) = existing {
            return Ok(Insertion::Existing(from_doc(
                &doc,
                RecordKind::PublishEntry,
            )?));
        }
        write_entry(&mut tx, entry, true).await?;
        tx.commit()
            .await
            .map_err(db("committing a publish entry"))?;
        Ok(Insertion::Inserted(entry.clone()))
    }

    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM publish_entries WHERE draft_id = $1")
                .bind(draft_id.as_uuid())
                .fetch_optional(self.reader())
                .await
                .map_err(db("reading a publish entry"))?;
        doc.map(|d| from_doc(&d, RecordKind::PublishEntry))
            .transpose()
    }

    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry> {
        let mut tx = self.write_tx().await?;
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT version, fence FROM publish_entries WHERE draft_id = $1")
                .bind(entry.draft_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("reading a publish entry to update"))?;
        let (version, stored_fence) =
            row.ok_or_else(|| Error::not_found(RecordKind::PublishEntry, entry.draft_id))?;
        let (version, stored_fence) = (stored_version(version), fence_from(stored_fence));
        check_write(
            RecordKind::PublishEntry,
            entry.draft_id,
            version,
            stored_fence,
            entry.version,
            fence,
        )?;
        let mut next = entry.clone();
        next.version = version + 1;
        next.fence = fence.or(stored_fence);
        write_entry(&mut tx, &next, false).await?;
        tx.commit()
            .await
            .map_err(db("committing a publish entry update"))?;
        Ok(next)
    }

    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM publish_entries WHERE ($1 IS NULL OR account_id = $1) \
             AND ($2 IS NULL OR state IN (SELECT value FROM json_each($2))) \
             AND ($3 IS NULL OR updated_ns < $3) \
             ORDER BY updated_ns, draft_id LIMIT $4",
        )
        .bind(filter.account_id.map(|a| *a.as_uuid()))
        .bind(text_set(&filter.states))
        .bind(opt_ns(filter.updated_before)?)
        .bind(limit(filter.limit))
        .fetch_all(self.reader())
        .await
        .map_err(db("listing publish entries"))?;
        from_docs(docs, RecordKind::PublishEntry)
    }
}

async fn write_entry(
    tx: &mut sqlx::SqliteConnection,
    entry: &PublishEntry,
    insert: bool,
) -> Result<()> {
    let sql = if insert {
        "INSERT INTO publish_entries (draft_id, account_id, state, updated_ns, version, fence, doc) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    } else {
        "UPDATE publish_entries SET account_id = $2, state = $3, updated_ns = $4, version = $5, \
         fence = $6, doc = $7 WHERE draft_id = $1"
    };
    sqlx::query(sql)
        .bind(entry.draft_id.as_uuid())
        .bind(entry.account_id.as_uuid())
        .bind(entry.state.as_str())
        .bind(ns(entry.updated_at)?)
        .bind(version_value(entry.version)?)
        .bind(entry.fence.map(fence_value).transpose()?)
        .bind(to_doc(entry, RecordKind::PublishEntry)?)
        .execute(tx)
        .await
        .map_err(db("writing a publish entry"))?;
    Ok(())
}
