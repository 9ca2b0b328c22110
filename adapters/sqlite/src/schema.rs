//! Embedded migrations and the schema-version guard.

use sqlx::migrate::Migrator;
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::error::Error;

/// The table recording applied migrations (kept apart from a host's own
/// `_sqlx_migrations`, so both can live in one database file).
pub(crate) const MIGRATIONS_TABLE: &str = "store_sqlite_migrations";

/// The migrations shipped with this release.
pub(crate) fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The newest schema version this release ships.
pub(crate) fn supported_version() -> i64 {
    migrator().iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest schema version recorded in the database (`None` for a fresh one).
pub(crate) async fn recorded_version(conn: &mut SqliteConnection) -> Result<Option<i64>, Error> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(MIGRATIONS_TABLE)
            .fetch_optional(&mut *conn)
            .await
            .map_err(Error::database("reading the schema version"))?;
    if exists.is_none() {
        return Ok(None);
    }
    let sql = format!("SELECT MAX(version) FROM {MIGRATIONS_TABLE}");
    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::database("reading the schema version"))
}

/// Fails with [`Error::SchemaTooNew`] if the database is ahead of this release.
pub(crate) async fn guard(conn: &mut SqliteConnection) -> Result<(), Error> {
    let supported = supported_version();
    match recorded_version(conn).await? {
        Some(found) if found > supported => Err(Error::SchemaTooNew { found, supported }),
        _ => Ok(()),
    }
}

/// Checks the version and applies missing migrations, all inside one
/// `BEGIN IMMEDIATE` transaction: processes opening the same file at once queue
/// on SQLite's write lock, and the second one finds nothing left to do.
///
/// The bookkeeping table has the layout `sqlx migrate` uses, so the sqlx CLI can
/// inspect it (`--table-name store_sqlite_migrations` is not needed for reading).
pub(crate) async fn migrate(mut tx: Transaction<'static, Sqlite>) -> Result<(), Error> {
    guard(&mut tx).await?;
    store_sql::apply_migrations(&mut *tx, &migrator(), MIGRATIONS_TABLE)
        .await
        .map_err(Error::Migrate)?;
    tx.commit()
        .await
        .map_err(Error::database("committing the migrations"))
}
