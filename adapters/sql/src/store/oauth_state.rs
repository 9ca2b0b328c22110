//! [`OAuthStateStore`]: OAuth states and used nonces, each taken or
//! consumed by one statement so concurrent callers cannot both win.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use store_traits::{OAuthState, OAuthStateStore, RecordKind, Result};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{from_doc, ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
use crate::value::Query;

#[async_trait]
impl<B: Backend> OAuthStateStore for SqlStore<B> {
    async fn put_oauth_state(&self, state: &OAuthState) -> Result<()> {
        let query =
            Query::new("INSERT INTO oauth_states (nonce, expires_ns, doc) VALUES ($1, $2, $3)")
                .bind(&state.nonce)
                .bind(ns(state.expires_at)?)
                .bind(to_doc(state, RecordKind::OAuthState)?);
        self.writer().execute(query).await.map_err(exists_or(
            RecordKind::OAuthState,
            &state.nonce,
            "storing an OAuth state",
        ))?;
        Ok(())
    }

    async fn take_oauth_state(&self, nonce: &str) -> Result<Option<OAuthState>> {
        let now = ns(self.now())?;
        // One statement: of concurrent takers only one sees the row.
        let query =
            Query::new("DELETE FROM oauth_states WHERE nonce = $1 RETURNING expires_ns, doc")
                .bind(nonce);
        let row = self
            .writer()
            .fetch_optional(query)
            .await
            .map_err(db("taking an OAuth state"))?;
        match row {
            Some(row) if row.get::<i64>(0)? > now => Ok(Some(from_doc(
                &row.get::<String>(1)?,
                RecordKind::OAuthState,
            )?)),
            _ => Ok(None),
        }
    }

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
