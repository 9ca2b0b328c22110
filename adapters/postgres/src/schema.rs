//! Embedded migrations and the schema-version guard.

use sqlx::migrate::Migrator;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::error::Error;

/// The table recording applied migrations (kept apart from a host's own
/// `_sqlx_migrations`, so both can live in one database).
pub(crate) const MIGRATIONS_TABLE: &str = "store_postgres_migrations";

/// Advisory-lock key serialising migrations of this crate across processes
/// (the bytes of "storepg1").
const MIGRATION_LOCK: i64 = 0x7374_6f72_6570_6731;

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
pub(crate) async fn recorded_version(conn: &mut PgConnection) -> Result<Option<i64>, Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_one(&mut *conn)
    .await
    .map_err(Error::database("reading the schema version"))?;
    if !exists {
        return Ok(None);
    }
    let sql = format!("SELECT MAX(version) FROM {MIGRATIONS_TABLE}");
    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::database("reading the schema version"))
}

/// Fails with [`Error::SchemaTooNew`] if the database is ahead of this release.
pub(crate) async fn guard(conn: &mut PgConnection) -> Result<(), Error> {
    let supported = supported_version();
    match recorded_version(conn).await? {
        Some(found) if found > supported => Err(Error::SchemaTooNew { found, supported }),
        _ => Ok(()),
    }
}

/// Checks the version and applies missing migrations in one transaction that
/// first takes a transaction-scoped advisory lock: processes starting at once
/// queue on the lock, and the later ones find nothing left to do.
///
/// The bookkeeping table has the layout `sqlx migrate` uses.
pub(crate) async fn migrate(mut tx: Transaction<'static, Postgres>) -> Result<(), Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(Error::database("taking the migration lock"))?;
    guard(&mut tx).await?;
    store_sql::apply_migrations(&mut *tx, &migrator(), MIGRATIONS_TABLE)
        .await
        .map_err(Error::Migrate)?;
    tx.commit()
        .await
        .map_err(Error::database("committing the migrations"))
}
