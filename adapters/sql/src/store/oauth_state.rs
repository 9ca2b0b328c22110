//! [`OAuthStateStore`]: used OAuth state nonces, each consumed by one
//! statement so concurrent callers cannot both win.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{OAuthStateStore, Result};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::ns;
use crate::exec::db;
use crate::value::Query;

#[async_trait]
impl<B: Backend> OAuthStateStore for SqlStore<B> {
    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let now = ns(self.now())?;
        // Insert, or take over an expired record; an unexpired one blocks both.
        let query = Query::new(
            "INSERT INTO used_nonces (nonce, expires_ns) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO UPDATE SET expires_ns = excluded.expires_ns \
             WHERE used_nonces.expires_ns <= $3",
        )
        .bind(nonce)
        .bind(ns(expires_at)?)
        .bind(now);
        let done = self
            .writer()
            .execute(query)
            .await
            .map_err(db("recording a used nonce"))?;
        Ok(done > 0)
    }
}
