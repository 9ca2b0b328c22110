//! Binding [`Param`]s and decoding rows into [`Cell`]s with sqlx's PostgreSQL driver.

use async_trait::async_trait;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{AssertSqlSafe, Column, PgPool, Postgres, Row as _, TypeInfo};
use store_sql::{Cell, DbError, Executor, Param, Query, Row, Transaction};

type Statement = sqlx::query::Query<'static, Postgres, PgArguments>;

/// The statement with its parameters bound with their PostgreSQL types (a
/// `NULL` keeps its type): UUIDs as `uuid`, text lists as `text[]` (tested
/// with `= ANY($n)`).
fn bind(query: Query) -> Statement {
    let (sql, params) = query.into_parts();
    let mut statement = sqlx::query(AssertSqlSafe(sql));
    for param in params {
        statement = match param {
            Param::Text(v) => statement.bind(v),
            Param::Int(v) => statement.bind(v),
            Param::Bytes(v) => statement.bind(v),
            Param::Uuid(v) => statement.bind(v),
            Param::Bool(v) => statement.bind(v),
            Param::TextList(v) => statement.bind(v),
        };
    }
    statement
}

/// A row's cells by each column's declared type.
fn decode(row: &PgRow) -> Result<Row, DbError> {
    let mut cells = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let cell = match column.type_info().name() {
            "INT8" => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Cell::Int)),
            "INT4" => row
                .try_get::<Option<i32>, _>(i)
                .map(|v| v.map(|n| Cell::Int(n.into()))),
            "INT2" => row
                .try_get::<Option<i16>, _>(i)
                .map(|v| v.map(|n| Cell::Int(n.into()))),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => row
                .try_get::<Option<String>, _>(i)
                .map(|v| v.map(Cell::Text)),
            "UUID" => row
                .try_get::<Option<uuid::Uuid>, _>(i)
                .map(|v| v.map(Cell::Uuid)),
            "BOOL" => row.try_get::<Option<bool>, _>(i).map(|v| v.map(Cell::Bool)),
            "BYTEA" => row
                .try_get::<Option<Vec<u8>>, _>(i)
                .map(|v| v.map(Cell::Bytes)),
            other => {
                return Err(DbError::new(format!(
                    "column {i} has the unsupported type {other}"
                )));
            }
        };
        cells.push(cell.map_err(error)?.unwrap_or(Cell::Null));
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
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let done = bind(query).execute(executor).await.map_err(error)?;
    Ok(done.rows_affected())
}

async fn fetch_all<'c, E>(executor: E, query: Query) -> Result<Vec<Row>, DbError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let rows = bind(query).fetch_all(executor).await.map_err(error)?;
    rows.iter().map(decode).collect()
}

async fn fetch_optional<'c, E>(executor: E, query: Query) -> Result<Option<Row>, DbError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    let row = bind(query).fetch_optional(executor).await.map_err(error)?;
    row.as_ref().map(decode).transpose()
}

/// Statements on a pool, each on any of its connections.
#[derive(Debug)]
pub(crate) struct OnPool<'a>(pub(crate) &'a PgPool);

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
pub(crate) struct Tx(pub(crate) sqlx::Transaction<'static, Postgres>);

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
