//! Accounts, tokens, personas and sources.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{
    Account, AccountFilter, AccountId, AccountStore, Error, KeyId, PersonaId, PersonaRecord,
    PersonaStore, RecordKind, Result, SealedToken, Source, SourceId, SourceStore, TokenMetadata,
    TokenRecord, TokenStore,
};
use uuid::Uuid;

use super::PgStore;
use crate::codec::{db, from_doc, from_docs, is_unique_violation, limit, ns, to_doc};

#[async_trait]
impl AccountStore for PgStore {
    async fn insert_account(&self, account: &Account) -> Result<()> {
        let doc = to_doc(account, RecordKind::Account)?;
        sqlx::query(
            "INSERT INTO accounts (id, org_id, threads_user_id, status, created_ns, last_active_ns, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc)
        .execute(self.db())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Account, account.id)
            } else {
                db("inserting an account")(e)
            }
        })?;
        Ok(())
    }

    async fn get_account(&self, id: AccountId) -> Result<Option<Account>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM accounts WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await
            .map_err(db("reading an account"))?;
        doc.map(|d| from_doc(&d, RecordKind::Account)).transpose()
    }

    async fn update_account(&self, account: &Account) -> Result<()> {
        let doc = to_doc(account, RecordKind::Account)?;
        let done = sqlx::query(
            "UPDATE accounts SET org_id = $2, threads_user_id = $3, status = $4, created_ns = $5, \
             last_active_ns = $6, doc = $7 WHERE id = $1",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc)
        .execute(self.db())
        .await
        .map_err(db("updating an account"))?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(RecordKind::Account, account.id));
        }
        Ok(())
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM accounts WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR status = $2) \
             ORDER BY created_ns, id LIMIT $3",
        )
        .bind(filter.org_id.as_ref().map(|o| o.as_str()))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(limit(filter.limit))
        .fetch_all(self.db())
        .await
        .map_err(db("listing accounts"))?;
        from_docs(docs, RecordKind::Account)
    }

    async fn find_accounts_by_threads_user(&self, threads_user_id: &str) -> Result<Vec<Account>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM accounts WHERE threads_user_id = $1 ORDER BY created_ns, id",
        )
        .bind(threads_user_id)
        .fetch_all(self.db())
        .await
        .map_err(db("finding accounts by Threads user"))?;
        from_docs(docs, RecordKind::Account)
    }
}

/// A token row: the sealed value plus its metadata document.
fn token_from_row(sealed: &str, metadata: &str) -> Result<TokenRecord> {
    let sealed: SealedToken = sealed
        .parse()
        .map_err(|e| Error::backend("decoding a stored sealed token", e))?;
    Ok(TokenRecord {
        sealed,
        metadata: from_doc(metadata, RecordKind::Token)?,
    })
}

fn tokens_from_rows(rows: Vec<(String, String)>) -> Result<Vec<TokenRecord>> {
    rows.iter().map(|(s, m)| token_from_row(s, m)).collect()
}

#[async_trait]
impl TokenStore for PgStore {
    async fn put_token(&self, token: &TokenRecord) -> Result<()> {
        if token.metadata.key_id != *token.sealed.key_id() {
            return Err(Error::InvalidInput(
                "token metadata key id differs from the sealed token's key id".into(),
            ));
        }
        let metadata = to_doc(&token.metadata, RecordKind::Token)?;
        sqlx::query(
            "INSERT INTO tokens (account_id, key_id, sealed, expires_ns, metadata) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, \
             expires_ns = excluded.expires_ns, metadata = excluded.metadata",
        )
        .bind(token.account_id().as_uuid())
        .bind(token.sealed.key_id().as_str())
        .bind(token.sealed.to_string())
        .bind(ns(token.metadata.expires_at)?)
        .bind(metadata)
        .execute(self.db())
        .await
        .map_err(db("storing a token"))?;
        Ok(())
    }

    async fn get_token(&self, account_id: AccountId) -> Result<Option<TokenRecord>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT sealed, metadata FROM tokens WHERE account_id = $1")
                .bind(account_id.as_uuid())
                .fetch_optional(self.db())
                .await
                .map_err(db("reading a token"))?;
        row.map(|(s, m)| token_from_row(&s, &m)).transpose()
    }

    async fn token_metadata(&self, account_id: AccountId) -> Result<Option<TokenMetadata>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT metadata FROM tokens WHERE account_id = $1")
                .bind(account_id.as_uuid())
                .fetch_optional(self.db())
                .await
                .map_err(db("reading token metadata"))?;
        doc.map(|d| from_doc(&d, RecordKind::Token)).transpose()
    }

    async fn delete_token(&self, account_id: AccountId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM tokens WHERE account_id = $1")
            .bind(account_id.as_uuid())
            .execute(self.db())
            .await
            .map_err(db("deleting a token"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_tokens_expiring_before(
        &self,
        before: DateTime<Utc>,
        max: usize,
    ) -> Result<Vec<TokenRecord>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT sealed, metadata FROM tokens WHERE expires_ns < $1 \
             ORDER BY expires_ns, account_id LIMIT $2",
        )
        .bind(ns(before)?)
        .bind(limit(Some(max)))
        .fetch_all(self.db())
        .await
        .map_err(db("listing expiring tokens"))?;
        tokens_from_rows(rows)
    }

    async fn rewrap_token(
        &self,
        account_id: AccountId,
        current: &SealedToken,
        replacement: &SealedToken,
    ) -> Result<bool> {
        let mut tx = self.tx().await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT sealed, metadata FROM tokens WHERE account_id = $1 FOR UPDATE")
                .bind(account_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("reading a token to rewrap"))?;
        let Some((sealed, metadata)) = row else {
            return Ok(false);
        };
        let mut stored = token_from_row(&sealed, &metadata)?;
        if stored.sealed != *current {
            return Ok(false);
        }
        stored.sealed = replacement.clone();
        stored.metadata.key_id = replacement.key_id().clone();
        sqlx::query(
            "UPDATE tokens SET key_id = $2, sealed = $3, metadata = $4 WHERE account_id = $1",
        )
        .bind(account_id.as_uuid())
        .bind(replacement.key_id().as_str())
        .bind(replacement.to_string())
        .bind(to_doc(&stored.metadata, RecordKind::Token)?)
        .execute(&mut *tx)
        .await
        .map_err(db("rewrapping a token"))?;
        tx.commit().await.map_err(db("committing a token rewrap"))?;
        Ok(true)
    }

    async fn count_tokens_by_key(&self) -> Result<Vec<(KeyId, u64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT key_id, COUNT(*) FROM tokens GROUP BY key_id ORDER BY key_id")
                .fetch_all(self.db())
                .await
                .map_err(db("counting tokens by key"))?;
        rows.into_iter()
            .map(|(key, n)| {
                let key =
                    KeyId::new(key).map_err(|e| Error::backend("decoding a stored key id", e))?;
                Ok((key, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    async fn list_tokens_by_key(&self, key_id: &KeyId, max: usize) -> Result<Vec<TokenRecord>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT sealed, metadata FROM tokens WHERE key_id = $1 ORDER BY account_id LIMIT $2",
        )
        .bind(key_id.as_str())
        .bind(limit(Some(max)))
        .fetch_all(self.db())
        .await
        .map_err(db("listing tokens by key"))?;
        tokens_from_rows(rows)
    }
}

#[async_trait]
impl PersonaStore for PgStore {
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO personas (id, account_id, created_ns, doc) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
             created_ns = excluded.created_ns, doc = excluded.doc",
        )
        .bind(persona.id.as_uuid())
        .bind(persona.account_id.as_uuid())
        .bind(ns(persona.created_at)?)
        .bind(to_doc(persona, RecordKind::Persona)?)
        .execute(self.db())
        .await
        .map_err(db("storing a persona"))?;
        Ok(())
    }

    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM personas WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await
            .map_err(db("reading a persona"))?;
        doc.map(|d| from_doc(&d, RecordKind::Persona)).transpose()
    }

    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM personas WHERE account_id = $1 ORDER BY created_ns, id",
        )
        .bind(account_id.as_uuid())
        .fetch_all(self.db())
        .await
        .map_err(db("listing personas"))?;
        from_docs(docs, RecordKind::Persona)
    }

    async fn delete_persona(&self, id: PersonaId) -> Result<bool> {
        delete_by_id(
            self,
            "DELETE FROM personas WHERE id = $1",
            *id.as_uuid(),
            "deleting a persona",
        )
        .await
    }
}

#[async_trait]
impl SourceStore for PgStore {
    async fn insert_source(&self, source: &Source) -> Result<()> {
        sqlx::query(
            "INSERT INTO sources (id, account_id, created_ns, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(source.id.as_uuid())
        .bind(source.account_id.as_uuid())
        .bind(ns(source.created_at)?)
        .bind(to_doc(source, RecordKind::Source)?)
        .execute(self.db())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Source, source.id)
            } else {
                db("inserting a source")(e)
            }
        })?;
        Ok(())
    }

    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM sources WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await
            .map_err(db("reading a source"))?;
        doc.map(|d| from_doc(&d, RecordKind::Source)).transpose()
    }

    async fn update_source(&self, source: &Source) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sources SET account_id = $2, created_ns = $3, doc = $4 WHERE id = $1",
        )
        .bind(source.id.as_uuid())
        .bind(source.account_id.as_uuid())
        .bind(ns(source.created_at)?)
        .bind(to_doc(source, RecordKind::Source)?)
        .execute(self.db())
        .await
        .map_err(db("updating a source"))?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(RecordKind::Source, source.id));
        }
        Ok(())
    }

    async fn list_sources(&self, account_id: AccountId, max: Option<usize>) -> Result<Vec<Source>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM sources WHERE account_id = $1 ORDER BY created_ns, id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(limit(max))
        .fetch_all(self.db())
        .await
        .map_err(db("listing sources"))?;
        from_docs(docs, RecordKind::Source)
    }

    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        delete_by_id(
            self,
            "DELETE FROM sources WHERE id = $1",
            *id.as_uuid(),
            "deleting a source",
        )
        .await
    }
}

/// Runs a `DELETE ... WHERE id = $1`; `true` if a row went.
pub(super) async fn delete_by_id(
    store: &PgStore,
    sql: &'static str,
    id: Uuid,
    context: &'static str,
) -> Result<bool> {
    let done = sqlx::query(sql)
        .bind(id)
        .execute(store.db())
        .await
        .map_err(db(context))?;
    Ok(done.rows_affected() > 0)
}
