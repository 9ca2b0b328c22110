//! [`SourceStore`]: content sources.

use async_trait::async_trait;
use store_traits::{AccountId, Error, RecordKind, Result, Source, SourceId, SourceStore};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{docs_of, ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
use crate::value::Query;

#[async_trait]
impl<B: Backend> SourceStore for SqlStore<B> {
    async fn insert_source(&self, source: &Source) -> Result<()> {
        let query = Query::new(
            "INSERT INTO sources (id, account_id, created_ns, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(source.id.as_uuid())
        .bind(source.account_id.as_uuid())
        .bind(ns(source.created_at)?)
        .bind(to_doc(source, RecordKind::Source)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Source,
            source.id,
            "inserting a source",
        ))?;
        Ok(())
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        self.doc_by_id(
            "SELECT doc FROM sources WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Source,
            "reading a source",
        )
        .await
    }

    async fn update_source(&self, source: &Source) -> Result<()> {
        let query = Query::new(
            "UPDATE sources SET account_id = $2, created_ns = $3, doc = $4 WHERE id = $1",
        )
        .bind(source.id.as_uuid())
        .bind(source.account_id.as_uuid())
        .bind(ns(source.created_at)?)
        .bind(to_doc(source, RecordKind::Source)?);
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("updating a source"))?;
        if done == 0 {
            return Err(Error::not_found(RecordKind::Source, source.id));
        }
        Ok(())
    }

    async fn list_sources(&self, account_id: AccountId, max: Option<usize>) -> Result<Vec<Source>> {
        let query = Query::new(
            "SELECT doc FROM sources WHERE account_id = $1 ORDER BY created_ns, id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(B::limit(max));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing sources"))?;
        docs_of(rows, RecordKind::Source)
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        self.delete_by_id(
            "DELETE FROM sources WHERE id = $1",
            *id.as_uuid(),
            "deleting a source",
        )
        .await
    }
}
