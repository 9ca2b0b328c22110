//! Migrations, the schema-version guard and the connection settings.

use std::path::PathBuf;
use std::sync::Arc;

use store_sqlite::{Error, SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::{Account, AccountStore, Clock, SystemClock};

struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!(
            "store-sqlite-{name}-{}.db",
            uuid::Uuid::now_v7().simple()
        )))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

async fn scalar_i64(path: &PathBuf, sql: &'static str) -> i64 {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_keeps_data() {
    let db = TempDb::new("twice");
    let store = SqliteStore::open(&db.0, clock()).await.unwrap();
    let version = store.schema_version().await.unwrap();
    assert_eq!(version, Some(SqliteStore::supported_schema_version()));
    let account = Account::new("1", "alice", clock().now());
    store.insert_account(&account).await.unwrap();

    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), version);
    store.close().await;

    // Re-opening migrates again: still nothing to do, data intact.
    let reopened = SqliteStore::open(&db.0, clock()).await.unwrap();
    assert_eq!(
        reopened.get_account(account.id).await.unwrap(),
        Some(account)
    );
    reopened.close().await;
    let rows = scalar_i64(&db.0, "SELECT COUNT(*) FROM store_sqlite_migrations").await;
    assert_eq!(
        rows,
        SqliteStore::supported_schema_version(),
        "one row per migration"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_untouched() {
    let db = TempDb::new("newer");
    SqliteStore::open(&db.0, clock())
        .await
        .unwrap()
        .close()
        .await;
    let future = SqliteStore::supported_schema_version() + 1;
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db.0)
            .connect()
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO store_sqlite_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, 'from the future', TRUE, x'00', 0)",
        )
        .bind(future)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let error = SqliteStore::open(&db.0, clock()).await.unwrap_err();
    match &error {
        Error::SchemaTooNew { found, supported } => {
            assert_eq!(*found, future);
            assert_eq!(*supported, SqliteStore::supported_schema_version());
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert!(error.to_string().contains("newer"), "{error}");
    let rows = scalar_i64(&db.0, "SELECT COUNT(*) FROM store_sqlite_migrations").await;
    assert_eq!(rows, future, "the refused open changed nothing");
}

#[tokio::test]
async fn file_databases_use_wal_and_the_chosen_synchronous_mode() {
    for (mode, expected) in [(Synchronous::Full, 2_i64), (Synchronous::Normal, 1)] {
        let db = TempDb::new("pragmas");
        let options = SqliteStoreOptions::file(&db.0).synchronous(mode);
        let store = SqliteStore::connect(&options, clock()).await.unwrap();
        // The pragmas are per connection: ask through the store's own writer.
        let (journal, synchronous, busy) = store.connection_settings().await.unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, expected, "{mode:?}");
        assert_eq!(busy, 10_000, "default busy timeout in ms");
        store.close().await;
    }
}

#[tokio::test]
async fn opening_a_missing_file_without_create_fails_with_a_typed_error() {
    let db = TempDb::new("missing");
    let options = SqliteStoreOptions::file(&db.0).create_if_missing(false);
    let error = SqliteStore::connect(&options, clock()).await.unwrap_err();
    assert!(matches!(error, Error::Open { .. }), "{error:?}");
    assert!(error.to_string().contains(&db.0.display().to_string()));
}

#[tokio::test]
async fn zero_read_connections_is_rejected() {
    let options = SqliteStoreOptions::in_memory().read_connections(0);
    let error = SqliteStore::connect(&options, clock()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidOptions(_)), "{error:?}");
}

#[tokio::test]
async fn in_memory_stores_are_private() {
    let a = SqliteStore::open_in_memory(clock()).await.unwrap();
    let b = SqliteStore::open_in_memory(clock()).await.unwrap();
    let account = Account::new("1", "alice", clock().now());
    a.insert_account(&account).await.unwrap();
    assert!(b.get_account(account.id).await.unwrap().is_none());
    assert_eq!(a.get_account(account.id).await.unwrap(), Some(account));
}
