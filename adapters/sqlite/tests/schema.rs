//! Migrations, the schema-version guard and the connection settings.

use std::path::PathBuf;
use std::sync::Arc;

use store_sqlite::{Error, SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::{
    Account, AccountStore, Clock, Draft, DraftKind, PublishEntry, PublishLedger, PublishState,
    QuotaLedger, QuotaLimits, SystemClock,
};

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
        .expect("test fixture");
    sqlx::query_scalar(sql)
        .fetch_one(&mut conn)
        .await
        .expect("test fixture")
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

/// A database of schema version 1 (only the first migration applied), as a
/// release before version 2 left it.
async fn version_1_database(path: &PathBuf) -> sqlx::SqliteConnection {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("test fixture");
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version == 1)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let mut tx = conn.begin().await.expect("test fixture");
    store_sql::apply_migrations(&mut *tx, &migrator, "store_sqlite_migrations")
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    conn
}

#[tokio::test]
async fn version_2_backfills_the_lookup_columns_of_a_version_1_database() {
    let db = TempDb::new("upgrade");
    let now = clock().now();
    let ns = |at: chrono::DateTime<chrono::Utc>| at.timestamp_nanos_opt().unwrap();
    let account = Account::new("1789", "alice", now);
    let draft = Draft::new(account.id, DraftKind::Post, "live", now);
    let mut entry = PublishEntry::new(draft.id, account.id, "h", None, now);
    entry.state = PublishState::Published;
    entry.media_id = Some("media-1".into());
    {
        let mut conn = version_1_database(&db.0).await;
        // Rows as version 1 wrote them: no username or media id column yet.
        sqlx::query(
            "INSERT INTO accounts (id, org_id, threads_user_id, status, created_ns, last_active_ns, doc) \
             VALUES ($1, NULL, $2, 'active', $3, $3, $4)",
        )
        .bind(*account.id.as_uuid())
        .bind(&account.threads_user_id)
        .bind(ns(now))
        .bind(serde_json::to_string(&account).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO publish_entries (draft_id, account_id, state, updated_ns, version, fence, doc) \
             VALUES ($1, $2, 'published', $3, 0, NULL, $4)",
        )
        .bind(*draft.id.as_uuid())
        .bind(*account.id.as_uuid())
        .bind(ns(now))
        .bind(serde_json::to_string(&entry).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("INSERT INTO oauth_states (nonce, expires_ns, doc) VALUES ('n', 0, '{}')")
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let store = SqliteStore::open(&db.0, clock()).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), Some(2));
    assert_eq!(
        store.find_accounts_by_username("alice").await.unwrap(),
        vec![account.clone()],
        "the migration copies usernames out of the stored documents"
    );
    assert_eq!(
        store.find_publish_entry_by_media("media-1").await.unwrap(),
        Some(entry),
        "the migration copies media ids out of the stored documents"
    );
    assert_eq!(
        store.quota_limits(account.id).await.unwrap(),
        QuotaLimits::threads()
    );
    store.close().await;
    let tables = scalar_i64(
        &db.0,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'oauth_states'",
    )
    .await;
    assert_eq!(tables, 0, "version 2 drops the server-side OAuth states");
}
