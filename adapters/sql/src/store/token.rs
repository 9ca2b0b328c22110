//! [`TokenStore`]: sealed tokens, with compare-and-swap rewraps; and
//! token-crypto's [`KeyUsageCounter`] over the same table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{
    AccountId, Error, KeyId, KeyUsageCounter, RecordKind, Result, SealedToken, TokenMetadata,
    TokenRecord, TokenStore,
};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{doc_of, from_doc, ns, to_doc};
use crate::exec::db;
use crate::value::{Query, Row};

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

impl<B: Backend> SqlStore<B> {
    /// How many rows of `tokens` the key sealed (indexed by `tokens_by_key`).
    async fn tokens_on_key(&self, key_id: &KeyId) -> Result<u64> {
        let query =
            Query::new("SELECT COUNT(*) FROM tokens WHERE key_id = $1").bind(key_id.as_str());
        let row = self
            .reader()
            .fetch_one(query)
            .await
            .map_err(db("counting tokens on a key"))?;
        Ok(u64::try_from(row.get::<i64>(0)?).unwrap_or(0))
    }
}

#[async_trait]
impl<B: Backend> KeyUsageCounter for SqlStore<B> {
    async fn count_tokens_on_key(&self, key_id: &KeyId) -> Result<u64, token_crypto::Error> {
        self.tokens_on_key(key_id)
            .await
            .map_err(token_crypto::Error::key_usage)
    }
}
