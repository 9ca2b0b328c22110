//! [`apply_migrations`]: the migration loop both SQL backends run.

use std::collections::HashMap;

use sqlx::migrate::{Migrate, MigrateError, Migrator};

/// Applies the migrations of `migrator` that the database behind `conn`
/// lacks, recording each in `table` (the bookkeeping layout `sqlx migrate`
/// uses, so the sqlx CLI can inspect it).
///
/// Refuses, before applying anything, a database that a failed migration
/// left dirty ([`MigrateError::Dirty`]), one that records a version
/// `migrator` does not ship ([`MigrateError::VersionMissing`]), and one whose
/// applied migration differs from the shipped one
/// ([`MigrateError::VersionMismatch`]). Down migrations are skipped.
///
/// Call it inside the transaction that also checks the schema version and
/// serialises concurrent migrators (SQLite's `BEGIN IMMEDIATE`, a PostgreSQL
/// advisory lock); each migration then runs in a savepoint of it, and
/// nothing is applied unless the caller commits.
pub async fn apply_migrations<C>(
    conn: &mut C,
    migrator: &Migrator,
    table: &str,
) -> Result<(), MigrateError>
where
    C: Migrate + Send + ?Sized,
{
    conn.ensure_migrations_table(table).await?;
    if let Some(version) = conn.dirty_version(table).await? {
        return Err(MigrateError::Dirty(version));
    }
    let applied: HashMap<i64, Vec<u8>> = conn
        .list_applied_migrations(table)
        .await?
        .into_iter()
        .map(|m| (m.version, m.checksum.into_owned()))
        .collect();
    if let Some(unknown) = applied.keys().find(|v| !migrator.version_exists(**v)) {
        return Err(MigrateError::VersionMissing(*unknown));
    }
    for migration in migrator.iter() {
        if migration.migration_type.is_down_migration() {
            continue;
        }
        match applied.get(&migration.version) {
            Some(checksum) if **checksum != *migration.checksum => {
                return Err(MigrateError::VersionMismatch(migration.version));
            }
            Some(_) => {}
            // Runs in a savepoint of the caller's transaction.
            None => {
                conn.apply(table, migration).await?;
            }
        }
    }
    Ok(())
}
