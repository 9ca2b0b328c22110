//! [`PersonaStore`]: persona documents.

use async_trait::async_trait;
use store_traits::{AccountId, PersonaId, PersonaRecord, PersonaStore, RecordKind, Result};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{docs_of, ns, to_doc};
use crate::exec::db;
use crate::value::Query;

#[async_trait]
impl<B: Backend> PersonaStore for SqlStore<B> {
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()> {
        let query = Query::new(
            "INSERT INTO personas (id, account_id, created_ns, doc) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
             created_ns = excluded.created_ns, doc = excluded.doc",
        )
        .bind(persona.id.as_uuid())
        .bind(persona.account_id.as_uuid())
        .bind(ns(persona.created_at)?)
        .bind(to_doc(persona, RecordKind::Persona)?);
        self.writer()
            .execute(query)
            .await
            .map_err(db("storing a persona"))?;
        Ok(())
    }

    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>> {
        self.doc_by_id(
            "SELECT doc FROM personas WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Persona,
            "reading a persona",
        )
        .await
    }

    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>> {
        let query =
            Query::new("SELECT doc FROM personas WHERE account_id = $1 ORDER BY created_ns, id")
                .bind(account_id.as_uuid());
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing personas"))?;
        docs_of(rows, RecordKind::Persona)
    }

    async fn delete_persona(&self, id: PersonaId) -> Result<bool> {
        self.delete_by_id(
            "DELETE FROM personas WHERE id = $1",
            *id.as_uuid(),
            "deleting a persona",
        )
        .await
    }
}
