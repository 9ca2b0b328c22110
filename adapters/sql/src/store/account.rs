//! [`AccountStore`]: accounts, stored as a JSON document beside the columns
//! that lists filter and order on.

use async_trait::async_trait;
use store_traits::{Account, AccountFilter, AccountId, AccountStore, Error, RecordKind, Result};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{docs_of, ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
use crate::value::Query;

#[async_trait]
impl<B: Backend> AccountStore for SqlStore<B> {
    async fn insert_account(&self, account: &Account) -> Result<()> {
        let doc = to_doc(account, RecordKind::Account)?;
        let query = Query::new(
            "INSERT INTO accounts (id, org_id, threads_user_id, status, created_ns, last_active_ns, doc, username) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc)
        .bind(&account.username);
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
             last_active_ns = $6, doc = $7, username = $8 WHERE id = $1",
        )
        .bind(account.id.as_uuid())
        .bind(account.org_id.as_ref().map(|o| o.as_str()))
        .bind(&account.threads_user_id)
        .bind(account.status.as_str())
        .bind(ns(account.created_at)?)
        .bind(ns(account.last_active_at)?)
        .bind(doc)
        .bind(&account.username);
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

    async fn find_accounts_by_username(&self, username: &str) -> Result<Vec<Account>> {
        let query =
            Query::new("SELECT doc FROM accounts WHERE username = $1 ORDER BY created_ns, id")
                .bind(username);
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("finding accounts by username"))?;
        docs_of(rows, RecordKind::Account)
    }
}
