//! Accounts, tokens, personas and sources.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{
    Account, AccountFilter, AccountId, AccountStore, Error, KeyId, PersonaId, PersonaRecord,
    PersonaStore, RecordKind, Result, SealedToken, Source, SourceId, SourceStore, TokenMetadata,
    TokenRecord, TokenStore,
};
use uuid::Uuid;

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{doc_of, docs_of, from_doc, ns, to_doc};
use crate::exec::{DbError, db};
use crate::value::{Query, Row};

/// Maps a failed insert: a unique violation means the record exists.
pub(super) fn exists_or(
    kind: RecordKind,
    id: impl ToString,
    context: &'static str,
) -> impl FnOnce(DbError) -> Error {
    move |e| {
        if e.is_unique_violation() {
            Error::already_exists(kind, id)
        } else {
            e.into_store_error(context)
        }
    }
}

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn insert_account(&self, account: &Account) -> Result<()> {
        let doc = to_doc(account, RecordKind::Account)?;
        let query = Query::new(
            "INSERT INTO accounts (id, org_id, threads_user_id, status, created_ns, last_active_ns, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Account,
            account.id,
            "inserting an account",
        ))?;
        Ok(())
    }

    async fn get_account(&self, id: AccountId) -> Result<Option<Account>> {
        self.doc_by_id(
            "SELECT doc FROM accounts WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Account,
            "reading an account",
        )
        .await
    }

    async fn update_account(&self, account: &Account) -> Result<()> {
        let doc = to_doc(account, RecordKind::Account)?;
        let query = Query::new(
            "UPDATE accounts SET org_id = $2, threads_user_id = $3, status = $4, created_ns = $5, \
             last_active_ns = $6, doc = $7 WHERE id = $1",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc);
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("updating an account"))?;
        if done == 0 {
            return Err(Error::not_found(RecordKind::Account, account.id));
        }
        Ok(())
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        let query = Query::new(
            "SELECT doc FROM accounts WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR status = $2) \
             ORDER BY created_ns, id LIMIT $3",
        )
        .bind(filter.org_id.as_ref().map(|o| o.as_str()))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(B::limit(filter.limit));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing accounts"))?;
        docs_of(rows, RecordKind::Account)
    }

    async fn find_accounts_by_threads_user(&self, threads_user_id: &str) -> Result<Vec<Account>> {
        let query = Query::new(
            "SELECT doc FROM accounts WHERE threads_user_id = $1 ORDER BY created_ns, id",
        )
        .bind(threads_user_id);
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("finding accounts by Threads user"))?;
        docs_of(rows, RecordKind::Account)
    }
}

/// A token row (`sealed, metadata`): the sealed value plus its metadata document.
fn token_from_row(row: &Row) -> Result<TokenRecord> {
    let sealed: SealedToken = row
        .get::<String>(0)?
        .parse()
        .map_err(|e| Error::backend("decoding a stored sealed token", e))?;
    Ok(TokenRecord {
        sealed,
        metadata: from_doc(&row.get::<String>(1)?, RecordKind::Token)?,
    })
}

fn tokens_from_rows(rows: &[Row]) -> Result<Vec<TokenRecord>> {
    rows.iter().map(token_from_row).collect()
}

#[async_trait]
impl<B: Backend> TokenStore for SqlStore<B> {
    async fn put_token(&self, token: &TokenRecord) -> Result<()> {
        if token.metadata.key_id != *token.sealed.key_id() {
            return Err(Error::InvalidInput(
                "token metadata key id differs from the sealed token's key id".into(),
            ));
        }
        let metadata = to_doc(&token.metadata, RecordKind::Token)?;
        let query = Query::new(
            "INSERT INTO tokens (account_id, key_id, sealed, expires_ns, metadata) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, \
             expires_ns = excluded.expires_ns, metadata = excluded.metadata",
        )
        .bind(token.account_id().as_uuid())
        .bind(token.sealed.key_id().as_str())
        .bind(token.sealed.to_string())
        .bind(ns(token.metadata.expires_at)?)
        .bind(metadata);
        self.writer()
            .execute(query)
            .await
            .map_err(db("storing a token"))?;
        Ok(())
    }

    async fn get_token(&self, account_id: AccountId) -> Result<Option<TokenRecord>> {
        let query = Query::new("SELECT sealed, metadata FROM tokens WHERE account_id = $1")
            .bind(account_id.as_uuid());
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("reading a token"))?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn token_metadata(&self, account_id: AccountId) -> Result<Option<TokenMetadata>> {
        let query = Query::new("SELECT metadata FROM tokens WHERE account_id = $1")
            .bind(account_id.as_uuid());
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("reading token metadata"))?;
        doc_of(row, RecordKind::Token)
    }

    async fn delete_token(&self, account_id: AccountId) -> Result<bool> {
        let query =
            Query::new("DELETE FROM tokens WHERE account_id = $1").bind(account_id.as_uuid());
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("deleting a token"))?;
        Ok(done > 0)
    }

    async fn list_tokens_expiring_before(
        &self,
        before: DateTime<Utc>,
        max: usize,
    ) -> Result<Vec<TokenRecord>> {
        let query = Query::new(
            "SELECT sealed, metadata FROM tokens WHERE expires_ns < $1 \
             ORDER BY expires_ns, account_id LIMIT $2",
        )
        .bind(ns(before)?)
        .bind(B::limit(Some(max)));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing expiring tokens"))?;
        tokens_from_rows(&rows)
    }

    async fn rewrap_token(
        &self,
        account_id: AccountId,
        current: &SealedToken,
        replacement: &SealedToken,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "SELECT sealed, metadata FROM tokens WHERE account_id = $1{}",
            Self::row_lock()
        );
        let row = tx
            .fetch_optional(Query::new(sql).bind(account_id.as_uuid()))
            .await
            .map_err(db("reading a token to rewrap"))?;
        let Some(row) = row else {
            return Ok(false);
        };
        let mut stored = token_from_row(&row)?;
        if stored.sealed != *current {
            return Ok(false);
        }
        stored.sealed = replacement.clone();
        stored.metadata.key_id = replacement.key_id().clone();
        let query = Query::new(
            "UPDATE tokens SET key_id = $2, sealed = $3, metadata = $4 WHERE account_id = $1",
        )
        .bind(account_id.as_uuid())
        .bind(replacement.key_id().as_str())
        .bind(replacement.to_string())
        .bind(to_doc(&stored.metadata, RecordKind::Token)?);
        tx.execute(query).await.map_err(db("rewrapping a token"))?;
        tx.commit().await.map_err(db("committing a token rewrap"))?;
        Ok(true)
    }

    async fn count_tokens_by_key(&self) -> Result<Vec<(KeyId, u64)>> {
        let query =
            Query::new("SELECT key_id, COUNT(*) FROM tokens GROUP BY key_id ORDER BY key_id");
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("counting tokens by key"))?;
        rows.iter()
            .map(|row| {
                let key = KeyId::new(row.get::<String>(0)?)
                    .map_err(|e| Error::backend("decoding a stored key id", e))?;
                Ok((key, u64::try_from(row.get::<i64>(1)?).unwrap_or(0)))
            })
            .collect()
    }

    async fn list_tokens_by_key(&self, key_id: &KeyId, max: usize) -> Result<Vec<TokenRecord>> {
        let query = Query::new(
            "SELECT sealed, metadata FROM tokens WHERE key_id = $1 ORDER BY account_id LIMIT $2",
        )
        .bind(key_id.as_str())
        .bind(B::limit(Some(max)));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing tokens by key"))?;
        tokens_from_rows(&rows)
    }
}

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

impl<B: Backend> SqlStore<B> {
    /// Runs a `DELETE ... WHERE id = $1`; `true` if a row went.
    pub(super) async fn delete_by_id(
        &self,
        sql: &'static str,
        id: Uuid,
        context: &'static str,
    ) -> Result<bool> {
        let done = self
            .writer()
            .execute(Query::new(sql).bind(id))
            .await
            .map_err(db(context))?;
        Ok(done > 0)
    }
}
