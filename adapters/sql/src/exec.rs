//! Running statements: [`Executor`], [`Transaction`] and the driver error
//! they report, [`DbError`].

use std::fmt;

use async_trait::async_trait;
use store_traits::{BoxError, Error, RecordKind};

use crate::value::{Query, Row};

/// A driver error, with the one property the shared logic branches on.
#[derive(Debug)]
pub struct DbError {
    source: BoxError,
    unique_violation: bool,
}

impl DbError {
    /// Any driver error.
    pub fn new(source: impl Into<BoxError>) -> Self {
        Self {
            source: source.into(),
            unique_violation: false,
        }
    }

    /// A driver error that is a unique-constraint violation.
    pub fn unique_violation(source: impl Into<BoxError>) -> Self {
        Self {
            source: source.into(),
            unique_violation: true,
        }
    }

    /// Whether the statement broke a unique constraint (the shared logic
    /// reports these as "already exists" or "invalid state").
    pub fn is_unique_violation(&self) -> bool {
        self.unique_violation
    }

    /// The driver's error.
    pub fn into_source(self) -> BoxError {
        self.source
    }

    /// A store error naming the failed operation, with the driver's error as
    /// its source.
    pub fn into_store_error(self, context: impl Into<String>) -> Error {
        Error::backend(context, self.source)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Maps a driver error to a store error naming the failed operation:
/// `.map_err(db("reading a job"))`.
pub fn db(context: &'static str) -> impl FnOnce(DbError) -> Error {
    move |error| error.into_store_error(context)
}

/// Maps a failed insert: a unique violation means the record exists.
pub(crate) fn exists_or(
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

/// Runs statements: a pool (each statement on any connection, in autocommit),
/// one connection, or an open [`Transaction`].
#[async_trait]
pub trait Executor: Send {
    /// Runs a statement; the number of rows it changed.
    async fn execute(&mut self, query: Query) -> Result<u64, DbError>;

    /// Runs a query; every row.
    async fn fetch_all(&mut self, query: Query) -> Result<Vec<Row>, DbError>;

    /// Runs a query; its first row, if any.
    async fn fetch_optional(&mut self, query: Query) -> Result<Option<Row>, DbError>;

    /// Runs a query that returns at least one row; the first.
    async fn fetch_one(&mut self, query: Query) -> Result<Row, DbError> {
        self.fetch_optional(query)
            .await?
            .ok_or_else(|| DbError::new("the statement returned no row"))
    }
}

/// An open transaction. Dropping it without [`commit`](Self::commit) rolls
/// it back.
#[async_trait]
pub trait Transaction: Executor {
    /// Commits the transaction.
    async fn commit(self: Box<Self>) -> Result<(), DbError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_name_the_operation_and_keep_the_driver_error() {
        let error = DbError::unique_violation(std::io::Error::other("duplicate key"));
        assert!(error.is_unique_violation());
        let store = db("inserting a thing")(error);
        match store {
            Error::Backend { message, source } => {
                assert_eq!(message, "inserting a thing");
                assert_eq!(source.to_string(), "duplicate key");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!DbError::new("x").is_unique_violation());
    }
}
