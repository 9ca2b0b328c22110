//! Binding [`Param`]s and decoding rows into [`Cell`]s with sqlx's SQLite driver.

use async_trait::async_trait;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, Row as _, Sqlite, SqlitePool, TypeInfo, ValueRef};
use store_sql::{Cell, DbError, Executor, Param, Query, Row, Transaction};

type Statement = sqlx::query::Query<'static, Sqlite, SqliteArguments>;

/// The statement with its parameters bound: UUIDs as 16-byte blobs, text
/// lists as a JSON array (read back with `json_each`).
pub(crate) fn bind(query: Query) -> Statement {
    let (sql, params) = query.into_parts();
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for param in params {
        statement = match param {
            Param::Text(v) => statement.bind(v),
            Param::Int(v) => statement.bind(v),
            Param::Bytes(v) => statement.bind(v),
            Param::Uuid(v) => statement.bind(v),
            Param::Bool(v) => statement.bind(v),
            Param::TextList(v) => {
                statement.bind(v.map(|texts| serde_json::Value::from(texts).to_string()))
            }
        };
    }
    statement
}

/// A row's cells by the storage class of each value (SQLite columns are not
/// typed): integers, text and blobs; a UUID arrives as its 16-byte blob.
pub(crate) fn decode(row: &SqliteRow) -> Result<Row, DbError> {
    let mut cells = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let class = {
            let value = row.try_get_raw(i).map_err(error)?;
            if value.is_null() {
                None
            } else {
                Some(value.type_info().name().to_owned())
            }
        };
        let cell = match class.as_deref() {
            None => Cell::Null,
            Some("INTEGER") => Cell::Int(row.try_get(i).map_err(error)?),
            Some("TEXT") => Cell::Text(row.try_get(i).map_err(error)?),
            Some("BLOB") => Cell::Bytes(row.try_get(i).map_err(error)?),
            Some(other) => {
                return Err(DbError::new(format!(
                    "column {i} holds a value of unsupported type {other}"
                )));
            }
        };
        cells.push(cell);
    }
    Ok(Row::new(cells))
}

/// A driver error, flagging unique-constraint violations.
pub(crate) fn error(e: sqlx::Error) -> DbError {
    if matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation()) {
        DbError::unique_violation(e)
    } else {
        DbError::new(e)
    }
}

async fn execute<'c, E>(executor: E, query: Query) -> Result<u64, DbError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let done = bind(query).execute(executor).await.map_err(error)?;
    Ok(done.rows_affected())
}

async fn fetch_all<'c, E>(executor: E, query: Query) -> Result<Vec<Row>, DbError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let rows = bind(query).fetch_all(executor).await.map_err(error)?;
    rows.iter().map(decode).collect()
}

async fn fetch_optional<'c, E>(executor: E, query: Query) -> Result<Option<Row>, DbError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let row = bind(query).fetch_optional(executor).await.map_err(error)?;
    row.as_ref().map(decode).transpose()
}

/// Statements on a pool, each on any of its connections.
#[derive(Debug)]
pub(crate) struct OnPool<'a>(pub(crate) &'a SqlitePool);

#[async_trait]
impl Executor for OnPool<'_> {
    async fn execute(&mut self, query: Query) -> Result<u64, DbError> {
        execute(self.0, query).await
    }

    async fn fetch_all(&mut self, query: Query) -> Result<Vec<Row>, DbError> {
        fetch_all(self.0, query).await
    }

    async fn fetch_optional(&mut self, query: Query) -> Result<Option<Row>, DbError> {
        fetch_optional(self.0, query).await
    }
}

/// An open transaction (rolled back if dropped uncommitted).
#[derive(Debug)]
pub(crate) struct Tx(pub(crate) sqlx::Transaction<'static, Sqlite>);

#[async_trait]
impl Executor for Tx {
    async fn execute(&mut self, query: Query) -> Result<u64, DbError> {
        execute(&mut *self.0, query).await
    }

    async fn fetch_all(&mut self, query: Query) -> Result<Vec<Row>, DbError> {
        fetch_all(&mut *self.0, query).await
    }

    async fn fetch_optional(&mut self, query: Query) -> Result<Option<Row>, DbError> {
        fetch_optional(&mut *self.0, query).await
    }
}

#[async_trait]
impl Transaction for Tx {
    async fn commit(self: Box<Self>) -> Result<(), DbError> {
        self.0.commit().await.map_err(error)
    }
}
