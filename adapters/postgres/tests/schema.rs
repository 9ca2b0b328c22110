//! Migrations, the schema-version guard and the connection settings.

mod common;

use std::sync::Arc;

use store_postgres::{Error, PgStore, PgStoreOptions, PlanCache, SynchronousCommit};
use store_traits::{
    Account, AccountStore, Clock, Draft, DraftKind, PublishEntry, PublishLedger, PublishState,
    QuotaLedger, QuotaLimits, SystemClock,
};

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_keeps_data() {
    common::with_database("twice", |options, _| async move {
        let store = PgStore::connect(&options, clock()).await.unwrap();
        let version = store.schema_version().await.unwrap();
        assert_eq!(version, Some(PgStore::supported_schema_version()));
        let account = Account::new("1", "alice", clock().now());
        store.insert_account(&account).await.unwrap();

        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), version);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM store_postgres_migrations")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            rows,
            PgStore::supported_schema_version(),
            "one row per migration"
        );
        store.close().await;

        let reopened = PgStore::connect(&options, clock()).await.unwrap();
        assert_eq!(
            reopened.get_account(account.id).await.unwrap(),
            Some(account)
        );
        reopened.close().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_first_connections_migrate_once() {
    common::with_database("race", |options, _| async move {
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let options = options.clone().max_connections(2);
            tasks.push(tokio::spawn(async move {
                PgStore::connect(&options, clock()).await
            }));
        }
        for task in tasks {
            let store = task.await.unwrap().expect("every racing connect succeeds");
            assert_eq!(
                store.schema_version().await.unwrap(),
                Some(PgStore::supported_schema_version())
            );
            store.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_untouched() {
    common::with_database("newer", |options, _| async move {
        let store = PgStore::connect(&options, clock()).await.unwrap();
        let future = PgStore::supported_schema_version() + 1;
        sqlx::query(
            "INSERT INTO store_postgres_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, 'from the future', TRUE, '\\x00', 0)",
        )
        .bind(future)
        .execute(store.pool())
        .await
        .unwrap();
        let error = PgStore::connect(&options, clock()).await.unwrap_err();
        match &error {
            Error::SchemaTooNew { found, supported } => {
                assert_eq!(*found, future);
                assert_eq!(*supported, PgStore::supported_schema_version());
            }
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
        assert!(error.to_string().contains("newer"), "{error}");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM store_postgres_migrations")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(rows, future, "the refused connect changed nothing");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn synchronous_commit_is_applied_to_every_connection() {
    common::with_database("sync", |options, _| async move {
        for (mode, expected) in [
            (SynchronousCommit::On, "on"),
            (SynchronousCommit::Off, "off"),
        ] {
            let store = PgStore::connect(&options.clone().synchronous_commit(mode), clock())
                .await
                .unwrap();
            let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(setting, expected, "{mode:?}");
            store.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn plan_cache_mode_is_applied_to_every_connection() {
    common::with_database("plans", |options, _| async move {
        for (mode, expected) in [
            (None, "force_generic_plan"),
            (Some(PlanCache::Generic), "force_generic_plan"),
            (Some(PlanCache::Auto), "auto"),
        ] {
            let options = match mode {
                Some(mode) => options.clone().plan_cache(mode),
                None => options.clone(),
            };
            // Both settings at once: neither may replace the other.
            let options = options.synchronous_commit(SynchronousCommit::Off);
            let store = PgStore::connect(&options, clock()).await.unwrap();
            let setting: String = sqlx::query_scalar("SHOW plan_cache_mode")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(setting, expected, "{mode:?}");
            let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(sync, "off");
            store.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn bad_urls_and_pool_sizes_are_typed_errors() {
    let error = PgStoreOptions::new("mysql://nope").unwrap_err();
    assert!(matches!(error, Error::InvalidOptions(_)), "{error:?}");
    let options = PgStoreOptions::new(common::DEFAULT_URL)
        .unwrap()
        .max_connections(0);
    let error = PgStore::connect(&options, clock()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidOptions(_)), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_an_open_error_without_the_password() {
    let options = PgStoreOptions::new("postgres://app:hunter2@127.0.0.1:1/threads")
        .unwrap()
        .acquire_timeout(std::time::Duration::from_secs(2));
    let error = PgStore::connect(&options, clock()).await.unwrap_err();
    assert!(matches!(error, Error::Open { .. }), "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(text.contains("127.0.0.1:1/threads"), "{text}");
    assert!(!text.contains("hunter2"), "the password leaked: {text}");
}

#[tokio::test]
async fn version_2_backfills_the_lookup_columns_of_a_version_1_database() {
    common::with_database("upgrade", |options, url| async move {
        use sqlx::Connection;
        let now = clock().now();
        let ns = |at: chrono::DateTime<chrono::Utc>| at.timestamp_nanos_opt().unwrap();
        let account = Account::new("1789", "alice", now);
        let draft = Draft::new(account.id, DraftKind::Post, "live", now);
        let mut entry = PublishEntry::new(draft.id, account.id, "h", None, now);
        entry.state = PublishState::Published;
        entry.media_id = Some("media-1".into());
        {
            // Schema version 1 only, as a release before version 2 left it.
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut migrator = sqlx::migrate!("./migrations");
            migrator.migrations = migrator
                .migrations
                .iter()
                .filter(|m| m.version == 1)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            let mut tx = conn.begin().await.unwrap();
            store_sql::apply_migrations(&mut *tx, &migrator, "store_postgres_migrations")
                .await
                .unwrap();
            tx.commit().await.unwrap();
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
            conn.close().await.unwrap();
        }

        let store = PgStore::connect(&options, clock()).await.unwrap();
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
        let oauth_states: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('oauth_states')::text")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(
            oauth_states, None,
            "version 2 drops the server-side OAuth states"
        );
        store.close().await;
    })
    .await;
}
