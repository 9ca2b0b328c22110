//! Privacy: the export document, account deletion on every store (then a
//! scan of every table for the account), deletion status by code, Meta's
//! data-deletion and deauthorize callbacks, claimed jobs of a deleted
//! account, and retention on the manual clock.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use common::{Harness, postgres_database, start};
use content_pipeline::config::RetentionSettings;
use content_pipeline::{
    AccountExportDocument, Actor, ConnectRequest, Connected, EXPORT_FORMAT, EXPORT_VERSION, Error,
    Event, NewDraft, Pipeline, PipelineConfig, Probe, Role, Step, When, Worker, WorkerConfig,
    queues,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use store_traits::{
    Account, AccountFilter, AccountStatus, AuditEvent, AuditQuery, Clock, Conversation,
    ConversationKind, DeletionOrigin, DeletionStatus, DraftFilter, DraftState, DynStore,
    InsightQuery, InsightSnapshot, JobFilter, JobQueueExt, JobState, ManualClock, Message, NewJob,
    PublishFilter, RecordKind, Source,
};
use threads_emulator::{Operation as Call, PostAs, UserSpec};
use token_crypto::signed_request::sign_signed_request;

const GONE_NAME: &str = "vanishing_baker";
const GONE_ID: &str = "31415926535897932";
const STAY_NAME: &str = "staying_baker";
const STAY_ID: &str = "27182818284590452";
const STATUS_PAGE: &str = "https://app.example/privacy/deletion";

fn owner() -> Actor {
    Actor::person("olga", Role::Owner)
}

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

/// Creates `username` (with the Threads id `id`) on the emulator and
/// connects it as the owner.
async fn connect_user(h: &Harness, username: &str, id: &str) -> Connected {
    let admin = h.emu.admin();
    let user = admin
        .create_user(UserSpec {
            id: Some(id.into()),
            username: username.into(),
            biography: "Bakes bread, writes about it.".into(),
            ..UserSpec::default()
        })
        .expect("user");
    for text in [
        "small batch sourdough today. the crumb is finally open",
        "tip: weigh your water. cups lie.",
    ] {
        admin
            .post_as(PostAs {
                author: user.id.clone(),
                text: Some(text.into()),
                ..PostAs::default()
            })
            .expect("post");
    }
    admin.set_authorizer(&user.id).expect("authorizer");
    let session = format!("session-{username}");
    let start = h
        .pipeline
        .start_connect(ConnectRequest::new(session.clone()).by(&owner()))
        .await
        .expect("start connect");
    let callback = h.consent(&start.authorize_url).await;
    h.pipeline
        .finish_connect(&callback, &session)
        .await
        .expect("finish connect")
}

/// A pipeline on the harness's store, clock and network that answers Meta's
/// callbacks.
fn meta_pipeline(h: &Harness, config: PipelineConfig) -> Pipeline {
    Pipeline::builder()
        .store(h.store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(h.threads.clone())
        .keyring(h.keyring.clone())
        .manual_clock(h.clock.clone())
        .config(config)
        .meta_app_secrets([SecretString::from(h.app.secret.expose_secret().to_owned())])
        .deletion_status_url(STATUS_PAGE)
        .build()
        .expect("pipeline")
}

fn signed_request(h: &Harness, user_id: &str, issued_at: chrono::DateTime<chrono::Utc>) -> String {
    sign_signed_request(
        &SecretString::from(h.app.secret.expose_secret().to_owned()),
        &json!({
            "algorithm": "HMAC-SHA256",
            "user_id": user_id,
            "issued_at": issued_at.timestamp(),
        }),
    )
}

/// The account's plain access token, read from the store.
async fn access_token(h: &Harness, account: &Account) -> String {
    h.store
        .get_token(account.id)
        .await
        .expect("test step")
        .expect("token")
        .open(&h.keyring)
        .expect("opens")
        .expose_secret()
        .to_owned()
}

/// Publishes one post, leaves one pending and one scheduled for later.
async fn drafts_for(h: &Harness, account: &Account) -> String {
    let text = format!("Fresh rye from @{} today.", account.username);
    let live = h
        .pipeline
        .create_draft(NewDraft::post(account.id, text.clone()), &editor())
        .await
        .expect("test step");
    h.pipeline
        .approve(live.draft.id, &editor())
        .await
        .expect("test step");
    h.pipeline
        .schedule(live.draft.id, When::Now, &editor())
        .await
        .expect("test step");
    h.drain().await;
    assert_eq!(
        h.pipeline
            .draft(live.draft.id)
            .await
            .expect("test step")
            .state,
        DraftState::Published
    );
    h.pipeline
        .create_draft(
            NewDraft::post(account.id, "Pending: a note about hydration."),
            &editor(),
        )
        .await
        .expect("test step");
    let later = h
        .pipeline
        .create_draft(
            NewDraft::post(account.id, "Later: the weekend bake schedule."),
            &editor(),
        )
        .await
        .expect("test step");
    h.pipeline
        .approve(later.draft.id, &editor())
        .await
        .expect("test step");
    h.pipeline
        .schedule(
            later.draft.id,
            When::At {
                at: h.clock.now() + TimeDelta::days(2),
            },
            &editor(),
        )
        .await
        .expect("test step");
    text
}

/// Two connected accounts with records of every kind; the first one is
/// the one to delete. Its handle also appears in the second one's
/// conversations, as the author of a reply.
async fn populate(h: &Harness) -> (Account, Account) {
    let gone = connect_user(h, GONE_NAME, GONE_ID).await.account;
    let stays = connect_user(h, STAY_NAME, STAY_ID).await.account;
    drafts_for(h, &gone).await;
    drafts_for(h, &stays).await;
    let now = h.clock.now();
    let store = &h.store;
    store
        .insert_source(&Source::text(gone.id, "notes about bread", now))
        .await
        .expect("test step");
    store
        .record_snapshot(&InsightSnapshot::new(
            gone.id,
            None,
            now,
            BTreeMap::from([("views".to_owned(), 10)]),
        ))
        .await
        .expect("test step");
    let own = store
        .get_or_create_conversation(&Conversation::new(
            gone.id,
            "root-media-1",
            ConversationKind::Replies,
            now,
        ))
        .await
        .expect("test step")
        .into_inner();
    store
        .add_message(&Message::inbound(
            &own,
            "reply-1",
            "visitor",
            "Lovely crumb!",
            now,
        ))
        .await
        .expect("test step");
    let theirs = store
        .get_or_create_conversation(&Conversation::new(
            stays.id,
            "root-media-2",
            ConversationKind::Replies,
            now,
        ))
        .await
        .expect("test step")
        .into_inner();
    let mut by_gone = Message::inbound(
        &theirs,
        "reply-2",
        GONE_NAME,
        format!("Greetings from @{GONE_NAME}"),
        now,
    );
    by_gone.author_id = Some(GONE_ID.into());
    store.add_message(&by_gone).await.expect("test step");
    store
        .add_message(&Message::inbound(
            &theirs,
            "reply-3",
            "someone_else",
            "Nice loaf.",
            now,
        ))
        .await
        .expect("test step");
    store
        .receive_webhook(
            "evt-gone-1",
            Some(gone.id),
            NewJob::new("test-inbox", "noop", json!({})).account(gone.id),
        )
        .await
        .expect("test step");
    h.pipeline
        .export_account(gone.id, &owner())
        .await
        .expect("test step");
    (gone, stays)
}

/// What names the deleted account: its id (three spellings), its Threads
/// user id, its handle, its access token.
fn needles(account: &Account, token: &str) -> Vec<(String, Vec<u8>)> {
    let uuid = *account.id.as_uuid();
    vec![
        (
            "account id".into(),
            uuid.hyphenated().to_string().into_bytes(),
        ),
        (
            "account id (simple)".into(),
            uuid.simple().to_string().into_bytes(),
        ),
        ("account id (blob)".into(), uuid.as_bytes().to_vec()),
        ("threads user id".into(), GONE_ID.as_bytes().to_vec()),
        ("username".into(), GONE_NAME.as_bytes().to_vec()),
        ("access token".into(), token.as_bytes().to_vec()),
    ]
}

fn text_needles(needles: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    needles
        .iter()
        .filter_map(|(label, bytes)| {
            String::from_utf8(bytes.clone())
                .ok()
                .map(|t| (label.clone(), t))
        })
        .collect()
}

/// Reads everything the store's traits can list and returns what still
/// names the account.
async fn trait_scan(
    store: &DynStore,
    gone: &Account,
    stays: &Account,
    code: &str,
    needles: &[(String, Vec<u8>)],
) -> Vec<String> {
    let mut problems = Vec::new();
    let export = store.export_account(gone.id).await.expect("test step");
    if !export.is_empty() {
        problems.push(format!(
            "export still holds {} records",
            export.record_count()
        ));
    }
    if store
        .get_account(gone.id)
        .await
        .expect("test step")
        .is_some()
    {
        problems.push("the account record".into());
    }
    if !store
        .find_accounts_by_threads_user(GONE_ID)
        .await
        .expect("test step")
        .is_empty()
        || !store
            .find_accounts_by_username(GONE_NAME)
            .await
            .expect("test step")
            .is_empty()
    {
        problems.push("found by Threads id or handle".into());
    }
    if store
        .token_metadata(gone.id)
        .await
        .expect("test step")
        .is_some()
    {
        problems.push("token metadata".into());
    }
    for (what, n) in [
        (
            "personas",
            store.list_personas(gone.id).await.expect("test step").len(),
        ),
        (
            "sources",
            store
                .list_sources(gone.id, None)
                .await
                .expect("test step")
                .len(),
        ),
        (
            "conversations",
            store
                .list_conversations(gone.id, None)
                .await
                .expect("test step")
                .len(),
        ),
        (
            "insights",
            store
                .list_snapshots(&InsightQuery::all(gone.id))
                .await
                .expect("test step")
                .len(),
        ),
        (
            "inbox entries",
            store
                .list_inbox_entries(gone.id, None)
                .await
                .expect("test step")
                .len(),
        ),
        (
            "quota reservations",
            store
                .list_reservations(gone.id)
                .await
                .expect("test step")
                .len(),
        ),
    ] {
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    let mut everything = Vec::new();
    let far = start() + TimeDelta::days(10_000);
    everything.push(
        serde_json::to_string(
            &store
                .list_accounts(&AccountFilter::default())
                .await
                .expect("test step"),
        )
        .expect("test step"),
    );
    let tokens = store
        .list_tokens_expiring_before(far, 10_000)
        .await
        .expect("test step");
    everything.push(format!(
        "{:?}",
        tokens.iter().map(|t| &t.metadata).collect::<Vec<_>>()
    ));
    everything.push(
        serde_json::to_string(
            &store
                .list_drafts(&DraftFilter::default())
                .await
                .expect("test step"),
        )
        .expect("test step"),
    );
    everything.push(
        serde_json::to_string(
            &store
                .list_publish_entries(&PublishFilter::default())
                .await
                .expect("test step"),
        )
        .expect("test step"),
    );
    everything.push(
        serde_json::to_string(
            &store
                .list_audit(&AuditQuery::default())
                .await
                .expect("test step"),
        )
        .expect("test step"),
    );
    everything.push(
        serde_json::to_string(
            &store
                .list_jobs(&JobFilter::default())
                .await
                .expect("test step"),
        )
        .expect("test step"),
    );
    everything.push(
        serde_json::to_string(&store.export_account(stays.id).await.expect("test step"))
            .expect("test step"),
    );
    for conversation in store
        .list_conversations(stays.id, None)
        .await
        .expect("test step")
    {
        everything.push(
            serde_json::to_string(
                &store
                    .list_messages(conversation.id)
                    .await
                    .expect("test step"),
            )
            .expect("test step"),
        );
    }
    everything.push(
        serde_json::to_string(&store.get_deletion_request(code).await.expect("test step"))
            .expect("test step"),
    );
    let everything = everything.join("\n");
    for (label, needle) in text_needles(needles) {
        if everything.contains(&needle) {
            problems.push(format!("the {label} is still listed"));
        }
    }
    problems
}

/// Every text and blob column of every table of a SQLite file that holds
/// one of the needles.
async fn scan_sqlite(path: &PathBuf, needles: &[(String, Vec<u8>)]) -> Vec<String> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .expect("raw SQLite connection");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .expect("test step");
    assert!(tables.len() >= 15, "tables: {tables:?}");
    let mut hits = Vec::new();
    for table in &tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .expect("test step");
        for column in &columns {
            for (label, needle) in needles {
                let sql = format!(
                    "SELECT count(*) FROM \"{table}\" WHERE typeof(\"{column}\") IN ('text', 'blob') \
                     AND instr(CAST(\"{column}\" AS BLOB), ?1) > 0"
                );
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(needle.as_slice())
                    .fetch_one(&mut conn)
                    .await
                    .expect("test step");
                if n > 0 {
                    hits.push(format!("{table}.{column}: {label}"));
                }
            }
        }
    }
    hits
}

/// Every column (cast to text; bytea searched as bytes) of every table of
/// the PostgreSQL database that holds one of the needles.
async fn scan_postgres(url: &str, needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let pool = sqlx::PgPool::connect(url).await.expect("raw PostgreSQL");
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .expect("test step");
    let tables: std::collections::BTreeSet<&str> =
        columns.iter().map(|(t, _, _)| t.as_str()).collect();
    assert!(tables.len() >= 15, "tables: {tables:?}");
    let mut hits = Vec::new();
    for (table, column, kind) in &columns {
        for (label, needle) in needles {
            let n: i64 = if kind == "bytea" {
                let sql = format!(
                    "SELECT count(*) FROM \"{table}\" WHERE position($1::bytea in \"{column}\") > 0"
                );
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(needle.as_slice())
                    .fetch_one(&pool)
                    .await
                    .expect("test step")
            } else {
                let Ok(text) = std::str::from_utf8(needle) else {
                    continue;
                };
                let sql = format!(
                    "SELECT count(*) FROM \"{table}\" WHERE position($1 in CAST(\"{column}\" AS TEXT)) > 0"
                );
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(text)
                    .fetch_one(&pool)
                    .await
                    .expect("test step")
            };
            if n > 0 {
                hits.push(format!("{table}.{column}: {label}"));
            }
        }
    }
    pool.close().await;
    hits
}

/// Where the raw rows of a SQL store can be read.
enum Raw {
    None,
    Sqlite(PathBuf),
    Postgres(String),
}

async fn raw_scan(raw: &Raw, needles: &[(String, Vec<u8>)]) -> Option<Vec<String>> {
    match raw {
        Raw::None => None,
        Raw::Sqlite(path) => Some(scan_sqlite(path, needles).await),
        Raw::Postgres(url) => Some(scan_postgres(url, needles).await),
    }
}

/// The account is deleted; nothing anywhere names it afterwards; the other
/// account is untouched except for the deleted one's words in it.
async fn deletion_leaves_no_trace(h: &Harness, raw: Raw) {
    let (gone, stays) = populate(h).await;
    let token = access_token(h, &gone).await;
    let needles = needles(&gone, &token);
    // The scanners see the account before the deletion (they can fail).
    if let Some(before) = raw_scan(&raw, &needles).await {
        for table in [
            "accounts.",
            "drafts.",
            "audit_events.",
            "tokens.",
            "messages.",
        ] {
            assert!(
                before.iter().any(|hit| hit.starts_with(table)),
                "the raw scan finds {table} before deletion: {before:?}"
            );
        }
    }
    let mut events = h.pipeline.subscribe();
    let receipt = h
        .pipeline
        .delete_account(gone.id, &owner())
        .await
        .expect("test step");
    assert_eq!(receipt.account_id, gone.id);
    assert_eq!(receipt.status, DeletionStatus::Completed);
    assert_eq!(receipt.confirmation_code.as_str().len(), 20);
    assert!(receipt.records_deleted() > 20, "{:?}", receipt.deleted);
    for kind in [
        RecordKind::Account,
        RecordKind::Token,
        RecordKind::Persona,
        RecordKind::Source,
        RecordKind::Draft,
        RecordKind::PublishEntry,
        RecordKind::Conversation,
        RecordKind::Message,
        RecordKind::InsightSnapshot,
        RecordKind::AuditEvent,
        RecordKind::Job,
        RecordKind::InboxEntry,
        RecordKind::QuotaReservation,
    ] {
        assert!(
            receipt.deleted.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?} deleted: {:?}",
            receipt.deleted
        );
    }
    assert_eq!(receipt.messages_redacted, 1);
    assert_eq!(receipt.status_url, None, "no status page configured here");
    // Listeners learn which account went; the audit log does not.
    let mut told = false;
    while let Ok(event) = events.try_recv() {
        if let Event::AccountDeleted { account, .. } = event {
            told |= account == Some(gone.id);
        }
    }
    assert!(told);

    // The status by code: completed, no account named.
    let code = receipt.confirmation_code.as_str().to_owned();
    let status = h
        .pipeline
        .deletion_status(&code)
        .await
        .expect("test step")
        .expect("request");
    assert_eq!(status.status, DeletionStatus::Completed);
    assert_eq!(status.origin, DeletionOrigin::User);
    assert_eq!(status.account_id, None);
    assert!(status.completed_at.is_some());
    assert!(
        h.pipeline
            .deletion_status("NoSuchCode")
            .await
            .expect("test step")
            .is_none()
    );
    let deleted_event: AuditEvent = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("test step")
        .into_iter()
        .find(|e| e.action == "account.deleted")
        .expect("deletion audited");
    assert_eq!(deleted_event.actor, "user:olga");
    assert_eq!(deleted_event.account_id, None);
    assert_eq!(deleted_event.target, Some(status.id.to_string()));

    // The other account keeps everything, but not the deleted one's words.
    let kept = h.store.export_account(stays.id).await.expect("test step");
    assert!(kept.account.is_some() && kept.token.is_some() && !kept.drafts.is_empty());
    let by_gone = kept
        .messages
        .iter()
        .find(|m| m.provider_id == "reply-2")
        .expect("the message stays");
    assert!(by_gone.text.is_empty() && by_gone.author_username.is_empty());
    assert!(
        kept.messages
            .iter()
            .any(|m| m.provider_id == "reply-3" && m.text == "Nice loaf.")
    );

    // The post scheduled for later never goes out.
    let published = h.publishes().len();
    h.advance(TimeDelta::days(3));
    let report = h.drain().await;
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(
        h.publishes().len(),
        published + 1,
        "only the other account's"
    );

    let problems = trait_scan(h.store.as_ref(), &gone, &stays, &code, &needles).await;
    assert!(problems.is_empty(), "still there: {problems:?}");
    if let Some(after) = raw_scan(&raw, &needles).await {
        assert!(after.is_empty(), "still in the database: {after:?}");
    }
}

#[tokio::test]
async fn deletion_on_the_memory_store_leaves_no_trace() {
    let h = Harness::new().await;
    deletion_leaves_no_trace(&h, Raw::None).await;
}

#[tokio::test]
async fn deletion_on_sqlite_leaves_no_trace_in_any_table() {
    let clock = Arc::new(ManualClock::new(start()));
    let path = std::env::temp_dir().join(format!(
        "pipeline-privacy-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let store: Arc<DynStore> = Arc::new(
        store_sqlite::SqliteStore::open(&path, clock.clone())
            .await
            .expect("test step"),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        Duration::from_secs(5),
    )
    .await;
    deletion_leaves_no_trace(&h, Raw::Sqlite(path.clone())).await;
    drop(h);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn deletion_on_postgres_leaves_no_trace_in_any_table() {
    let Some(db) = postgres_database("privacy").await else {
        return;
    };
    let clock = Arc::new(ManualClock::new(start()));
    let options = store_postgres::PgStoreOptions::new(db.url()).expect("test step");
    let store: Arc<DynStore> = Arc::new(
        store_postgres::PgStore::connect(&options, clock.clone())
            .await
            .expect("test step"),
    );
    let h = Harness::build(
        clock,
        store,
        PipelineConfig::default(),
        Duration::from_secs(5),
    )
    .await;
    deletion_leaves_no_trace(&h, Raw::Postgres(db.url().to_owned())).await;
    drop(h);
    db.drop_database().await;
}

#[tokio::test]
async fn the_export_is_versioned_json_without_any_token() {
    let h = Harness::new().await;
    let account = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let text = drafts_for(&h, &account).await;
    let token = access_token(&h, &account).await;
    let sealed = serde_json::to_string(
        &h.store
            .get_token(account.id)
            .await
            .expect("test step")
            .expect("token")
            .sealed,
    )
    .expect("test step");

    let doc = h
        .pipeline
        .export_account(account.id, &owner())
        .await
        .expect("test step");
    assert_eq!(doc.format, EXPORT_FORMAT);
    assert_eq!(doc.format, "threads-toolkit.account-export");
    assert_eq!(doc.version, EXPORT_VERSION);
    assert_eq!(doc.version, 1);
    let json = doc.to_json().expect("test step");
    let value: serde_json::Value = serde_json::from_str(&json).expect("test step");
    let top: Vec<&str> = value
        .as_object()
        .expect("test step")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["account", "exported_at", "format", "version"]);
    let records = &value["account"];
    for key in [
        "account_id",
        "account",
        "token",
        "personas",
        "sources",
        "drafts",
        "publish_entries",
        "conversations",
        "messages",
        "insights",
        "audit_events",
        "jobs",
        "inbox_entries",
        "quota_reservations",
        "quota_limits",
    ] {
        assert!(records.get(key).is_some(), "{key} in the export");
    }
    assert_eq!(records["account"]["username"], GONE_NAME);
    assert_eq!(records["account_id"], account.id.to_string());
    assert!(
        records["drafts"]
            .as_array()
            .expect("test step")
            .iter()
            .any(|d| d["text"] == text.as_str())
    );
    assert!(
        !records["publish_entries"]
            .as_array()
            .expect("test step")
            .is_empty()
    );
    assert_eq!(records["token"]["account_id"], account.id.to_string());
    // Token metadata only: never the token, never its sealed form.
    assert!(!json.contains(&token), "the access token leaked");
    assert!(
        !json.contains(sealed.trim_matches('"')),
        "the sealed token leaked"
    );
    assert!(records["token"].get("sealed").is_none());
    assert!(records["token"].get("ciphertext").is_none());

    // It reads back; another version does not.
    assert_eq!(
        AccountExportDocument::from_json(&json).expect("test step"),
        doc
    );
    let mut newer = value.clone();
    newer["version"] = json!(2);
    assert!(matches!(
        AccountExportDocument::from_json(&newer.to_string()),
        Err(Error::InvalidInput(_))
    ));
    let mut other = value;
    other["format"] = json!("something-else");
    assert!(AccountExportDocument::from_json(&other.to_string()).is_err());

    let audit = h
        .store
        .list_audit(&AuditQuery {
            account_id: Some(account.id),
            ..AuditQuery::default()
        })
        .await
        .expect("test step");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "account.exported" && e.actor == "user:olga")
    );
}

#[tokio::test]
async fn meta_data_deletion_callback_deletes_and_answers_with_url_and_code() {
    let h = Harness::new().await;
    let meta = meta_pipeline(&h, PipelineConfig::default());
    let gone = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let now = h.clock.now();

    // Refused before anything happens: a forged signature, a stale request.
    let forged = sign_signed_request(
        &SecretString::from("not-the-app-secret"),
        &json!({"algorithm": "HMAC-SHA256", "user_id": GONE_ID, "issued_at": now.timestamp()}),
    );
    assert!(matches!(
        meta.handle_data_deletion(&forged).await,
        Err(Error::SignedRequest(_))
    ));
    let stale = signed_request(&h, GONE_ID, now - TimeDelta::hours(2));
    assert!(matches!(
        meta.handle_data_deletion(&stale).await,
        Err(Error::SignedRequest(_))
    ));
    assert!(matches!(
        meta.handle_data_deletion("garbage").await,
        Err(Error::SignedRequest(_))
    ));
    assert!(
        h.store
            .get_account(gone.id)
            .await
            .expect("test step")
            .is_some()
    );
    // Without the app secret the pipeline cannot answer.
    assert!(matches!(
        h.pipeline
            .handle_data_deletion(&signed_request(&h, GONE_ID, now))
            .await,
        Err(Error::Config(_))
    ));

    let response = meta
        .handle_data_deletion(&signed_request(&h, GONE_ID, now))
        .await
        .expect("test step");
    let body = serde_json::to_value(&response).expect("test step");
    let code = response.confirmation_code.as_str().to_owned();
    assert_eq!(
        body,
        json!({"url": format!("{STATUS_PAGE}?code={code}"), "confirmation_code": code})
    );
    assert!(
        h.store
            .get_account(gone.id)
            .await
            .expect("test step")
            .is_none()
    );
    assert!(
        h.store
            .export_account(gone.id)
            .await
            .expect("test step")
            .is_empty()
    );
    let status = meta
        .deletion_status(&code)
        .await
        .expect("test step")
        .expect("request");
    assert_eq!(status.status, DeletionStatus::Completed);
    assert_eq!(status.origin, DeletionOrigin::MetaCallback);
    assert_eq!(status.account_id, None);
    let audited = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("test step")
        .into_iter()
        .find(|e| e.action == "account.deleted")
        .expect("audited");
    assert_eq!(audited.actor, "system");
    assert_eq!(
        audited.details.get("origin").map(String::as_str),
        Some("meta_callback")
    );

    // Meta asks again: nothing left, still a true answer with its own code.
    let again = meta
        .handle_data_deletion(&signed_request(&h, GONE_ID, now))
        .await
        .expect("test step");
    assert_ne!(again.confirmation_code, response.confirmation_code);
    let status = meta
        .deletion_status(again.confirmation_code.as_str())
        .await
        .expect("test step")
        .expect("request");
    assert_eq!(status.status, DeletionStatus::Completed);
}

#[tokio::test]
async fn meta_deauthorize_callback_disconnects() {
    let h = Harness::new().await;
    let meta = meta_pipeline(&h, PipelineConfig::default());
    let account = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let later = h
        .pipeline
        .create_draft(NewDraft::post(account.id, "Tomorrow's bake."), &editor())
        .await
        .expect("test step");
    h.pipeline
        .approve(later.draft.id, &editor())
        .await
        .expect("test step");
    h.pipeline
        .schedule(
            later.draft.id,
            When::At {
                at: h.clock.now() + TimeDelta::hours(20),
            },
            &editor(),
        )
        .await
        .expect("test step");

    let forged = sign_signed_request(
        &SecretString::from("wrong"),
        &json!({"algorithm": "HMAC-SHA256", "user_id": GONE_ID, "issued_at": h.clock.now().timestamp()}),
    );
    assert!(matches!(
        meta.handle_deauthorize(&forged).await,
        Err(Error::SignedRequest(_))
    ));
    assert!(
        h.store
            .get_token(account.id)
            .await
            .expect("test step")
            .is_some()
    );

    let disconnected = meta
        .handle_deauthorize(&signed_request(&h, GONE_ID, h.clock.now()))
        .await
        .expect("test step");
    assert_eq!(disconnected, vec![account.id]);
    let stored = h
        .store
        .get_account(account.id)
        .await
        .expect("test step")
        .expect("kept");
    assert_eq!(stored.status, AccountStatus::Disconnected);
    assert!(
        h.store
            .get_token(account.id)
            .await
            .expect("test step")
            .is_none()
    );
    assert_eq!(
        h.pipeline
            .draft(later.draft.id)
            .await
            .expect("test step")
            .state,
        DraftState::Approved,
        "taken off the schedule"
    );
    let queued = h
        .store
        .list_jobs(&JobFilter {
            queue: Some(queues::PUBLISH.into()),
            account_id: Some(account.id),
            states: vec![JobState::Queued],
            limit: None,
        })
        .await
        .expect("test step");
    assert!(queued.is_empty());
    assert!(
        h.store
            .list_audit(&AuditQuery {
                account_id: Some(account.id),
                ..AuditQuery::default()
            })
            .await
            .expect("test step")
            .iter()
            .any(|e| e.action == "account.disconnected" && e.actor == "system")
    );
    // Again: nothing left to disconnect.
    assert!(
        meta.handle_deauthorize(&signed_request(&h, GONE_ID, h.clock.now()))
            .await
            .expect("test step")
            .is_empty()
    );
    h.advance(TimeDelta::days(1));
    h.drain().await;
    assert!(h.publishes().is_empty());
}

/// A publish job of `account` due now, approved by an editor.
async fn due_post(h: &Harness, account: &Account, text: &str) {
    let drafted = h
        .pipeline
        .create_draft(NewDraft::post(account.id, text), &editor())
        .await
        .expect("test step");
    h.pipeline
        .approve(drafted.draft.id, &editor())
        .await
        .expect("test step");
    h.pipeline
        .schedule(drafted.draft.id, When::Now, &editor())
        .await
        .expect("test step");
}

#[tokio::test]
async fn a_job_claimed_before_the_deletion_publishes_nothing() {
    let h = Harness::new().await;
    let account = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let text = "Claimed, then deleted: never posted.";
    due_post(&h, &account, text).await;
    let lease = TimeDelta::minutes(5);
    let job = h
        .store
        .claim_one(queues::PUBLISH, "slow-worker", lease)
        .await
        .expect("test step")
        .expect("the publish job is due");

    h.pipeline
        .delete_account(account.id, &owner())
        .await
        .expect("test step");

    // The slow worker carries on with its claim: nothing to publish, and its
    // fenced settle finds the job gone.
    match h.pipeline.process(&job, lease).await {
        Ok(outcome) => panic!("the job was settled after deletion: {outcome:?}"),
        Err(e) => assert!(e.is_lease_lost(), "{e}"),
    }
    let report = h.drain().await;
    assert_eq!(report.errors, 0, "{report:?}");
    let calls = h.emu.admin().ledger();
    assert!(
        !calls.iter().any(|c| c.operation == Call::Publish),
        "{calls:?}"
    );
    assert!(!calls.iter().any(|c| c.text.as_deref() == Some(text)));
}

/// Deletes an account when the publishing protocol reaches a step.
#[derive(Debug)]
struct DeleteAt {
    step: Step,
    target: Mutex<Option<(Pipeline, store_traits::AccountId)>>,
    fired: AtomicBool,
}

impl Probe for DeleteAt {
    fn at(&self, step: Step, _subject: &str) {
        if step != self.step || self.fired.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some((pipeline, account)) = self.target.lock().expect("test step").clone() else {
            return;
        };
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current()
                .block_on(pipeline.delete_account(account, &owner()))
                .expect("delete mid-run");
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_during_a_publish_run_stops_it_before_the_publish_call() {
    let h = Harness::new().await;
    let account = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let text = "Deleted while its container waits.";
    due_post(&h, &account, text).await;
    let probe = Arc::new(DeleteAt {
        step: Step::ContainerRecorded,
        target: Mutex::new(Some((h.pipeline.clone(), account.id))),
        fired: AtomicBool::new(false),
    });
    let worker_pipeline = h.pipeline_with_probe(probe.clone());
    let report = Worker::new(worker_pipeline, WorkerConfig::named("w-probe"))
        .drain()
        .await
        .expect("test step");
    assert!(probe.fired.load(Ordering::SeqCst), "the step was reached");
    assert_eq!(report.errors, 0, "{report:?}");
    assert!(
        h.store
            .get_account(account.id)
            .await
            .expect("test step")
            .is_none()
    );
    let calls = h.emu.admin().ledger();
    assert!(
        calls
            .iter()
            .any(|c| c.operation == Call::CreateContainer && c.text.as_deref() == Some(text)),
        "the container was made before the deletion"
    );
    assert!(
        !calls.iter().any(|c| c.operation == Call::Publish),
        "{calls:?}"
    );
}

fn retention_config(change: impl FnOnce(&mut RetentionSettings)) -> PipelineConfig {
    let mut config = PipelineConfig::default();
    change(&mut config.retention);
    config
}

#[tokio::test]
async fn retention_purges_old_audit_details_and_inactive_accounts() {
    let h = Harness::new().await;
    let account = connect_user(&h, GONE_NAME, GONE_ID).await.account;
    let t0 = h.clock.now();
    let theirs = h
        .store
        .get_or_create_conversation(&Conversation::new(
            account.id,
            "root-media-9",
            ConversationKind::Replies,
            t0,
        ))
        .await
        .expect("test step")
        .into_inner();
    h.store
        .add_message(&Message::inbound(
            &theirs,
            "reply-9",
            "visitor",
            "Kept for context.",
            t0,
        ))
        .await
        .expect("test step");
    // A technical record: a finished job.
    let job = h
        .store
        .enqueue_now("test-maintenance", "noop", json!({}))
        .await
        .expect("test step");
    let claimed = h
        .store
        .claim_one("test-maintenance", "w", TimeDelta::minutes(1))
        .await
        .expect("test step")
        .expect("claimed");
    h.store
        .complete(claimed.id, claimed.fence.expect("fence"))
        .await
        .expect("test step");
    let defaults = RetentionSettings::default();
    assert_eq!(defaults.audit_events, Some(TimeDelta::days(90)));
    assert_eq!(defaults.technical_logs, Some(TimeDelta::days(90)));
    assert_eq!(defaults.conversations, None);
    assert_eq!(defaults.inactive_accounts, Some(TimeDelta::days(365)));

    // 89 days: nothing is old enough.
    h.advance(TimeDelta::days(89));
    let early = h.pipeline.purge().await.expect("test step");
    assert_eq!(early.count(RecordKind::AuditEvent), 0);
    assert_eq!(early.count(RecordKind::Job), 0);
    let audit_at_t0 = h
        .store
        .list_audit(&AuditQuery {
            until: Some(t0 + TimeDelta::seconds(1)),
            ..AuditQuery::default()
        })
        .await
        .expect("test step");
    assert!(!audit_at_t0.is_empty());

    // 91 days: the connection's audit details and the finished job go; the
    // account (not yet inactive for a year) and its conversation stay.
    h.advance(TimeDelta::days(2));
    let purged = h.pipeline.purge().await.expect("test step");
    assert!(purged.count(RecordKind::AuditEvent) >= audit_at_t0.len() as u64);
    assert_eq!(purged.count(RecordKind::Job), 1);
    assert!(h.store.get_job(job.id).await.expect("test step").is_none());
    assert!(
        h.store
            .list_audit(&AuditQuery {
                until: Some(t0 + TimeDelta::seconds(1)),
                ..AuditQuery::default()
            })
            .await
            .expect("test step")
            .is_empty()
    );
    assert!(purged.accounts_deleted.is_empty());
    assert!(
        h.store
            .get_account(account.id)
            .await
            .expect("test step")
            .is_some()
    );
    let kept = h.store.list_messages(theirs.id).await.expect("test step");
    assert_eq!(kept[0].text, "Kept for context.");
    assert_eq!(purged.next_run, h.clock.now() + TimeDelta::hours(24));

    // Configured otherwise, old messages lose their text and author.
    let short = meta_pipeline(
        &h,
        retention_config(|r| r.conversations = Some(TimeDelta::days(30))),
    );
    let redacted = short.purge().await.expect("test step");
    assert_eq!(redacted.messages_redacted, 1);
    let message = &h.store.list_messages(theirs.id).await.expect("test step")[0];
    assert!(message.text.is_empty() && message.author_username.is_empty());
    assert_eq!(message.provider_id, "reply-9", "the outline stays");

    // A year without activity: the account is deleted, with a receipt.
    h.advance(TimeDelta::days(366 - 91));
    let year = h.pipeline.purge().await.expect("test step");
    assert_eq!(year.accounts_deleted.len(), 1);
    let receipt = &year.accounts_deleted[0];
    assert_eq!(receipt.account_id, account.id);
    assert!(
        h.store
            .get_account(account.id)
            .await
            .expect("test step")
            .is_none()
    );
    assert!(
        h.store
            .export_account(account.id)
            .await
            .expect("test step")
            .is_empty()
    );
    let status = h
        .pipeline
        .deletion_status(receipt.confirmation_code.as_str())
        .await
        .expect("test step")
        .expect("request");
    assert_eq!(status.origin, DeletionOrigin::Retention);
    assert_eq!(status.status, DeletionStatus::Completed);
    assert!(
        h.store
            .list_audit(&AuditQuery::default())
            .await
            .expect("test step")
            .iter()
            .any(|e| e.action == "retention.applied" && e.actor == "system")
    );
}

#[tokio::test]
async fn the_purge_runs_on_its_schedule() {
    let h = Harness::with_config(retention_config(|r| r.interval = TimeDelta::hours(6))).await;
    let job = h.pipeline.schedule_purges().await.expect("test step");
    assert_eq!(job.run_at, h.clock.now());
    // Scheduling again finds the same live job.
    assert_eq!(
        h.pipeline.schedule_purges().await.expect("test step").id,
        job.id
    );
    let runs = || async {
        h.store
            .list_audit(&AuditQuery::default())
            .await
            .expect("test step")
            .iter()
            .filter(|e| e.action == "retention.applied")
            .count()
    };
    h.drain().await;
    assert_eq!(runs().await, 1);
    let queued = h
        .store
        .get_job(job.id)
        .await
        .expect("test step")
        .expect("still live");
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!(queued.run_at, h.clock.now() + TimeDelta::hours(6));
    h.advance(TimeDelta::hours(5));
    h.drain().await;
    assert_eq!(runs().await, 1, "not due yet");
    h.advance(TimeDelta::hours(1));
    let report = h.drain().await;
    assert_eq!(report.errors, 0);
    assert_eq!(runs().await, 2);
}
