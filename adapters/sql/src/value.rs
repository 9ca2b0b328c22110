//! The typed value layer between the shared store logic and a driver:
//! [`Param`]s going in, [`Row`]s of [`Cell`]s coming out, and [`Query`].

use std::borrow::Cow;
use std::fmt;

use store_traits::{Error, Result};
use uuid::Uuid;

/// A bind parameter. Every variant carries its type even when the value is
/// `NULL` (`None`), so a backend can bind a typed `NULL` (PostgreSQL infers
/// parameter types from them).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Text.
    Text(Option<String>),
    /// A 64-bit integer.
    Int(Option<i64>),
    /// Raw bytes.
    Bytes(Option<Vec<u8>>),
    /// A UUID (SQLite stores it as a 16-byte blob, PostgreSQL as `uuid`).
    Uuid(Option<Uuid>),
    /// A boolean.
    Bool(Option<bool>),
    /// A list of texts, tested with [`Backend::text_in`](crate::Backend::text_in)
    /// (`None`: no list, the condition is skipped with `$n IS NULL`).
    TextList(Option<Vec<String>>),
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl From<String> for Param {
    fn from(value: String) -> Self {
        Self::Text(Some(value))
    }
}

impl From<&String> for Param {
    fn from(value: &String) -> Self {
        Self::Text(Some(value.clone()))
    }
}

impl From<Option<&str>> for Param {
    fn from(value: Option<&str>) -> Self {
        Self::Text(value.map(str::to_owned))
    }
}

impl From<Option<String>> for Param {
    fn from(value: Option<String>) -> Self {
        Self::Text(value)
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Param {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl From<Vec<u8>> for Param {
    fn from(value: Vec<u8>) -> Self {
        Self::Bytes(Some(value))
    }
}

impl From<Uuid> for Param {
    fn from(value: Uuid) -> Self {
        Self::Uuid(Some(value))
    }
}

impl From<&Uuid> for Param {
    fn from(value: &Uuid) -> Self {
        Self::Uuid(Some(*value))
    }
}

impl From<Option<Uuid>> for Param {
    fn from(value: Option<Uuid>) -> Self {
        Self::Uuid(value)
    }
}

impl From<bool> for Param {
    fn from(value: bool) -> Self {
        Self::Bool(Some(value))
    }
}

/// One decoded column value. Backends map their native types onto these:
/// every integer width to [`Cell::Int`], `uuid` to [`Cell::Uuid`] (SQLite's
/// 16-byte blobs arrive as [`Cell::Bytes`] and decode as a [`Uuid`] too).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Cell {
    /// `NULL`.
    #[default]
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A native UUID.
    Uuid(Uuid),
    /// A native boolean.
    Bool(bool),
}

impl Cell {
    fn type_name(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Text(_) => "text",
            Cell::Bytes(_) => "bytes",
            Cell::Uuid(_) => "a uuid",
            Cell::Bool(_) => "a boolean",
        }
    }
}

/// A column value that does not convert to the requested type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What was requested.
    pub expected: &'static str,
    /// What the column held.
    pub found: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for DecodeError {}

/// Types a [`Cell`] converts to; `Option<T>` maps `NULL` to `None`.
pub trait FromCell: Sized {
    /// Converts the cell, or says why not.
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError>;
}

fn mismatch<T>(expected: &'static str, cell: &Cell) -> std::result::Result<T, DecodeError> {
    Err(DecodeError {
        expected,
        found: cell.type_name(),
    })
}

impl FromCell for i64 {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Int(v) => Ok(v),
            other => mismatch("an integer", &other),
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Text(v) => Ok(v),
            other => mismatch("text", &other),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Bytes(v) => Ok(v),
            other => mismatch("bytes", &other),
        }
    }
}

impl FromCell for Uuid {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Uuid(v) => Ok(v),
            Cell::Bytes(bytes) => match <[u8; 16]>::try_from(bytes.as_slice()) {
                Ok(raw) => Ok(Uuid::from_bytes(raw)),
                Err(_) => Err(DecodeError {
                    expected: "a uuid",
                    found: "bytes of another length than 16",
                }),
            },
            other => mismatch("a uuid", &other),
        }
    }
}

impl FromCell for bool {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Bool(v) => Ok(v),
            // SQLite has no boolean type: comparisons yield 0 or 1.
            Cell::Int(v) => Ok(v != 0),
            other => mismatch("a boolean", &other),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Cell) -> std::result::Result<Self, DecodeError> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A decoded result row: its cells in `SELECT` order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    cells: Vec<Cell>,
}

impl Row {
    /// A row of these cells.
    pub fn new(cells: Vec<Cell>) -> Self {
        Self { cells }
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The value of column `index` as a `T`
    /// (`row.get::<Option<i64>>(2)?`). A missing column or a value of another
    /// type is a [`store_traits::Error::Backend`].
    pub fn get<T: FromCell>(&self, index: usize) -> Result<T> {
        let cell = self.cells.get(index).ok_or_else(|| {
            Error::backend(
                "decoding a stored row",
                format!(
                    "column {index} is missing (the row has {})",
                    self.cells.len()
                ),
            )
        })?;
        T::from_cell(cell.clone())
            .map_err(|e| Error::backend(format!("decoding stored column {index}"), e))
    }
}

impl From<Vec<Cell>> for Row {
    fn from(cells: Vec<Cell>) -> Self {
        Self::new(cells)
    }
}

/// One SQL statement with its parameters. Placeholders are `$1`, `$2`, ...
/// in both backends (SQLite accepts them too).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    sql: Cow<'static, str>,
    params: Vec<Param>,
}

impl Query {
    /// A statement without parameters yet.
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Self {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// Appends the next parameter.
    #[must_use]
    pub fn bind(mut self, param: impl Into<Param>) -> Self {
        self.params.push(param.into());
        self
    }

    /// The statement text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters, `$1` first.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The statement and its parameters, for binding.
    pub fn into_parts(self) -> (Cow<'static, str>, Vec<Param>) {
        (self.sql, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_convert_to_their_types_and_null_to_none() {
        let id = Uuid::now_v7();
        let row = Row::new(vec![
            Cell::Int(7),
            Cell::Null,
            Cell::Text("x".into()),
            Cell::Bytes(id.as_bytes().to_vec()),
            Cell::Uuid(id),
            Cell::Int(1),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert_eq!(row.get::<Option<i64>>(0).unwrap(), Some(7));
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "x");
        assert_eq!(row.get::<Uuid>(3).unwrap(), id);
        assert_eq!(row.get::<Uuid>(4).unwrap(), id);
        assert!(row.get::<bool>(5).unwrap());
    }

    #[test]
    fn mismatches_and_missing_columns_are_backend_errors() {
        let row = Row::new(vec![Cell::Text("x".into()), Cell::Bytes(vec![1, 2, 3])]);
        assert!(matches!(row.get::<i64>(0), Err(Error::Backend { .. })));
        assert!(matches!(row.get::<i64>(1), Err(Error::Backend { .. })));
        assert!(matches!(row.get::<Uuid>(1), Err(Error::Backend { .. })));
        assert!(matches!(row.get::<String>(2), Err(Error::Backend { .. })));
        // NULL is only accepted by Option.
        let null = Row::new(vec![Cell::Null]);
        assert!(matches!(null.get::<String>(0), Err(Error::Backend { .. })));
    }

    #[test]
    fn params_keep_their_type_when_null() {
        let query = Query::new("SELECT $1, $2, $3")
            .bind(None::<&str>)
            .bind(None::<i64>)
            .bind(None::<Uuid>);
        assert_eq!(
            query.params(),
            &[Param::Text(None), Param::Int(None), Param::Uuid(None)]
        );
        assert_eq!(query.sql(), "SELECT $1, $2, $3");
    }
}
