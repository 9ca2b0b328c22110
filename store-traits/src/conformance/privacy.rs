//! Conformance of [`PrivacyStore`](crate::PrivacyStore): export, deletion,
//! deletion requests and retention.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, sealed, tick, unique, unique_key_id};
use crate::account::AccountFilter;
use crate::audit::{AuditEvent, AuditQuery};
use crate::conversation::{Conversation, ConversationKind, Message};
use crate::draft::{Draft, DraftFilter, DraftKind};
use crate::error::Error;
use crate::ids::{AccountId, OrgId};
use crate::insight::{InsightQuery, InsightScope, InsightSnapshot};
use crate::persona::PersonaRecord;
use crate::privacy::{
    AccountExport, DeletionOrigin, DeletionRequest, DeletionStatus, RetentionPolicy,
};
use crate::publish::{PublishEntry, PublishFilter};
use crate::queue::{JobFilter, JobState, NewJob};
use crate::quota::{QuotaKind, QuotaLimits, QuotaRequest};
use crate::record_kind::RecordKind;
use crate::source::Source;
use crate::store::Store;
use crate::token::{TokenKind, TokenRecord};

/// Everything one account owns, created through the public API.
struct Fixture {
    account: crate::Account,
    queue: String,
    provider_id: String,
    conversation: crate::ConversationId,
    event_id: String,
    media_id: String,
}

async fn populate(store: &Arc<dyn Store>, clock: &ManualClock, org: &OrgId) -> Fixture {
    let now = clock.now();
    let account = new_account(store, clock, Some(org)).await;
    let id = account.id;
    let key = unique_key_id();
    store
        .put_token(&TokenRecord::new(
            id,
            TokenKind::LongLived,
            sealed(&key, 4),
            now,
            now + TimeDelta::days(60),
        ))
        .await
        .unwrap();
    store
        .put_persona(&PersonaRecord::new(
            id,
            "p",
            serde_json::json!({"tone": "dry"}),
            now,
        ))
        .await
        .unwrap();
    store
        .insert_source(&Source::text(id, "notes", now))
        .await
        .unwrap();
    let draft = Draft::new(id, DraftKind::Post, "hello", now);
    store.insert_draft(&draft).await.unwrap();
    let media_id = unique("media");
    let mut entry = PublishEntry::new(draft.id, id, "h", None, now);
    entry.media_id = Some(media_id.clone());
    store.begin_publish(&entry).await.unwrap();
    let conversation = Conversation::new(id, unique("root"), ConversationKind::Replies, now);
    store
        .get_or_create_conversation(&conversation)
        .await
        .unwrap();
    let provider_id = unique("reply");
    store
        .add_message(&Message::inbound(
            &conversation,
            &provider_id,
            "bob",
            "hi",
            now,
        ))
        .await
        .unwrap();
    store
        .record_snapshot(&InsightSnapshot::new(
            id,
            None,
            now,
            BTreeMap::from([("views".into(), 1)]),
        ))
        .await
        .unwrap();
    let mut event = AuditEvent::new(Some(id), "system", "account.connected", now);
    event.org_id = Some(org.clone());
    store.append_audit(&event).await.unwrap();
    let queue = unique("queue");
    store
        .enqueue(NewJob::new(&queue, "sync", serde_json::json!({})).account(id))
        .await
        .unwrap();
    let event_id = unique("evt");
    store
        .receive_webhook(
            &event_id,
            Some(id),
            NewJob::new(&queue, "reply", serde_json::json!({})).account(id),
        )
        .await
        .unwrap();
    store
        .set_quota_limits(
            id,
            &QuotaLimits {
                posts: 200,
                ..QuotaLimits::threads()
            },
        )
        .await
        .unwrap();
    store
        .reserve(&QuotaRequest::new(id, QuotaKind::Posts))
        .await
        .unwrap();
    Fixture {
        account,
        queue,
        provider_id,
        conversation: conversation.id,
        event_id,
        media_id,
    }
}

/// Asserts through export and every list and get method that no record names `id`.
async fn assert_gone(
    store: &Arc<dyn Store>,
    f: &Fixture,
    org: &OrgId,
    since: chrono::DateTime<chrono::Utc>,
) {
    let id = f.account.id;
    let export = store.export_account(id).await.unwrap();
    assert!(
        export.is_empty(),
        "after deletion the export must be empty, got {export:?}"
    );
    let named = |what: &str, found: bool| {
        assert!(
            !found,
            "after delete_account_data, {what} still names the account"
        );
    };
    named(
        "get_account",
        store.get_account(id).await.unwrap().is_some(),
    );
    let accounts = store
        .list_accounts(&AccountFilter {
            org_id: Some(org.clone()),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    named("list_accounts", accounts.iter().any(|a| a.id == id));
    named(
        "find_accounts_by_threads_user",
        !store
            .find_accounts_by_threads_user(&f.account.threads_user_id)
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "find_accounts_by_username",
        store
            .find_accounts_by_username(&f.account.username)
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == id),
    );
    named("get_token", store.get_token(id).await.unwrap().is_some());
    named(
        "token_metadata",
        store.token_metadata(id).await.unwrap().is_some(),
    );
    named(
        "list_tokens_expiring_before",
        store
            .list_tokens_expiring_before(since + TimeDelta::days(3650), 1_000_000)
            .await
            .unwrap()
            .iter()
            .any(|t| t.account_id() == id),
    );
    named(
        "list_personas",
        !store.list_personas(id).await.unwrap().is_empty(),
    );
    named(
        "list_sources",
        !store.list_sources(id, None).await.unwrap().is_empty(),
    );
    named(
        "list_drafts",
        !store
            .list_drafts(&DraftFilter::account(id))
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "list_drafts (all accounts)",
        store
            .list_drafts(&DraftFilter::default())
            .await
            .unwrap()
            .iter()
            .any(|d| d.account_id == id),
    );
    named(
        "list_publish_entries",
        !store
            .list_publish_entries(&PublishFilter {
                account_id: Some(id),
                ..PublishFilter::default()
            })
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "list_publish_entries (all accounts)",
        store
            .list_publish_entries(&PublishFilter::default())
            .await
            .unwrap()
            .iter()
            .any(|e| e.account_id == id),
    );
    named(
        "list_conversations",
        !store.list_conversations(id, None).await.unwrap().is_empty(),
    );
    named(
        "get_conversation",
        store
            .get_conversation(f.conversation)
            .await
            .unwrap()
            .is_some(),
    );
    named(
        "list_messages",
        !store
            .list_messages(f.conversation)
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "find_message",
        store
            .find_message(id, &f.provider_id)
            .await
            .unwrap()
            .is_some(),
    );
    named(
        "list_snapshots",
        !store
            .list_snapshots(&InsightQuery::all(id))
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "latest_snapshot",
        store
            .latest_snapshot(id, &InsightScope::All)
            .await
            .unwrap()
            .is_some(),
    );
    named(
        "list_audit(account)",
        !store
            .list_audit(&AuditQuery {
                account_id: Some(id),
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "list_audit(since)",
        store
            .list_audit(&AuditQuery {
                since: Some(since),
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .iter()
            .any(|e| e.account_id == Some(id)),
    );
    named(
        "list_jobs(account)",
        !store
            .list_jobs(&JobFilter {
                account_id: Some(id),
                ..JobFilter::default()
            })
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "list_jobs(queue)",
        !store
            .list_jobs(&JobFilter {
                queue: Some(f.queue.clone()),
                ..JobFilter::default()
            })
            .await
            .unwrap()
            .is_empty(),
    );
    named(
        "list_inbox_entries",
        !store.list_inbox_entries(id, None).await.unwrap().is_empty(),
    );
    named(
        "get_inbox_entry",
        store.get_inbox_entry(&f.event_id).await.unwrap().is_some(),
    );
    named(
        "list_reservations",
        !store.list_reservations(id).await.unwrap().is_empty(),
    );
    named(
        "find_publish_entry_by_media",
        store
            .find_publish_entry_by_media(&f.media_id)
            .await
            .unwrap()
            .is_some(),
    );
    named(
        "quota_limits",
        store.quota_limits(id).await.unwrap() != QuotaLimits::threads(),
    );
    named(
        "usage",
        store.usage(id, QuotaKind::Posts).await.unwrap().in_use() > 0,
    );
}

/// [`PrivacyStore`](crate::PrivacyStore) export and deletion: the export holds
/// every record (no ciphertext) and round-trips through JSON; after
/// `delete_account_data` no record anywhere names the account (checked through
/// the export and every list and get method), other accounts are untouched, the
/// deletion request is completed and anonymised, and a second deletion is a no-op.
pub async fn export_and_delete(store: &Arc<dyn Store>, clock: &ManualClock) {
    let since = align(clock);
    let org = OrgId::new(unique("org"));
    let doomed = populate(store, clock, &org).await;
    let kept = populate(store, clock, &org).await;
    let id = doomed.account.id;

    let export = store.export_account(id).await.unwrap();
    assert_eq!(export.account_id, id);
    assert_eq!(
        export.exported_at,
        clock.now(),
        "exported_at comes from the store's clock"
    );
    assert_eq!(export.account.as_ref(), Some(&doomed.account));
    let token = store.get_token(id).await.unwrap().expect("token stored");
    assert_eq!(
        export.token.as_ref(),
        Some(&token.metadata),
        "the export carries token metadata"
    );
    let counts = [
        ("personas", export.personas.len()),
        ("sources", export.sources.len()),
        ("drafts", export.drafts.len()),
        ("publish_entries", export.publish_entries.len()),
        ("conversations", export.conversations.len()),
        ("messages", export.messages.len()),
        ("insights", export.insights.len()),
        ("audit_events", export.audit_events.len()),
        ("inbox_entries", export.inbox_entries.len()),
        ("quota_reservations", export.quota_reservations.len()),
    ];
    for (what, n) in counts {
        assert_eq!(n, 1, "the export must hold the account's one {what} record");
    }
    assert_eq!(
        export.jobs.len(),
        2,
        "the export must hold the account's jobs"
    );
    assert_eq!(
        export.quota_limits.map(|l| l.posts),
        Some(200),
        "the export must hold the account's quota limits"
    );
    assert_eq!(export.record_count(), 15);
    let json = serde_json::to_string(&export).expect("AccountExport serializes");
    assert!(
        !json.contains(&token.sealed.to_string()),
        "the export must not contain the sealed token"
    );
    let back: AccountExport = serde_json::from_str(&json).expect("AccountExport deserializes");
    assert_eq!(back, export, "the export must round-trip through JSON");

    let request = DeletionRequest::new(
        id,
        unique("code"),
        DeletionOrigin::MetaCallback,
        clock.now(),
    );
    store.create_deletion_request(&request).await.unwrap();
    let kept_before = store.export_account(kept.account.id).await.unwrap();

    tick(clock, TimeDelta::seconds(1));
    let report = store.delete_account_data(id).await.unwrap();
    assert_eq!(report.account_id, Some(id));
    for (kind, n) in [
        (RecordKind::Account, 1),
        (RecordKind::Token, 1),
        (RecordKind::Persona, 1),
        (RecordKind::Source, 1),
        (RecordKind::Draft, 1),
        (RecordKind::PublishEntry, 1),
        (RecordKind::Conversation, 1),
        (RecordKind::Message, 1),
        (RecordKind::InsightSnapshot, 1),
        (RecordKind::AuditEvent, 1),
        (RecordKind::Job, 2),
        (RecordKind::InboxEntry, 1),
        (RecordKind::QuotaReservation, 1),
        (RecordKind::QuotaLimits, 1),
    ] {
        assert_eq!(
            report.count(kind),
            n,
            "delete_account_data must report {n} deleted {kind} record(s)"
        );
    }
    assert_eq!(report.requests_completed, 1);
    assert_gone(store, &doomed, &org, since).await;

    let done = store
        .get_deletion_request(&request.confirmation_code)
        .await
        .unwrap()
        .expect("the deletion request stays");
    assert_eq!(
        (done.status, done.account_id, done.completed_at),
        (DeletionStatus::Completed, None, Some(clock.now())),
        "deletion must complete the request and clear its account id"
    );

    let mut kept_after = store.export_account(kept.account.id).await.unwrap();
    kept_after.exported_at = kept_before.exported_at;
    assert_eq!(
        kept_after, kept_before,
        "deleting one account must not touch another"
    );

    let again = store.delete_account_data(id).await.unwrap();
    assert_eq!(
        again.total(),
        0,
        "a second delete_account_data must delete nothing"
    );
    assert_eq!(again.requests_completed, 0);
    cleanup(store, &[kept.account.id]).await;
}

/// Deletion requests: create (unique id and code), get by code, update.
pub async fn deletion_requests(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let account = AccountId::new();
    let request = DeletionRequest::new(account, unique("code"), DeletionOrigin::User, clock.now());
    store.create_deletion_request(&request).await.unwrap();
    assert!(
        matches!(
            store.create_deletion_request(&request).await,
            Err(Error::AlreadyExists { .. })
        ),
        "a taken id must fail with AlreadyExists"
    );
    let mut same_code = DeletionRequest::new(
        account,
        request.confirmation_code.clone(),
        DeletionOrigin::User,
        clock.now(),
    );
    same_code.origin = DeletionOrigin::Retention;
    assert!(
        matches!(
            store.create_deletion_request(&same_code).await,
            Err(Error::AlreadyExists { .. })
        ),
        "a taken confirmation code must fail with AlreadyExists"
    );
    assert_eq!(
        store
            .get_deletion_request(&request.confirmation_code)
            .await
            .unwrap(),
        Some(request.clone())
    );
    assert_eq!(
        store.get_deletion_request(&unique("code")).await.unwrap(),
        None
    );
    let mut progress = request.clone();
    progress.status = DeletionStatus::InProgress;
    store.update_deletion_request(&progress).await.unwrap();
    assert_eq!(
        store
            .get_deletion_request(&request.confirmation_code)
            .await
            .unwrap(),
        Some(progress.clone())
    );
    let ghost = DeletionRequest::new(account, unique("code"), DeletionOrigin::User, clock.now());
    assert!(
        matches!(
            store.update_deletion_request(&ghost).await,
            Err(Error::NotFound { .. })
        ),
        "update_deletion_request of an unknown id must fail with NotFound"
    );
    // Finish it so it names no account.
    store.delete_account_data(account).await.unwrap();
    let finished = store
        .get_deletion_request(&request.confirmation_code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (finished.status, finished.account_id),
        (DeletionStatus::Completed, None)
    );
}

/// Retention: `purge` removes exactly what the policy says is too old (by the
/// store's clock) and keeps the rest. **Deletes by age across the whole store**;
/// run it last on shared databases.
pub async fn retention(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let org = OrgId::new(unique("org"));
    let mut stale = new_account(store, clock, Some(&org)).await;
    stale.last_active_at = t0 - TimeDelta::days(400);
    store.update_account(&stale).await.unwrap();
    let stale_draft = Draft::new(stale.id, DraftKind::Post, "old", t0);
    store.insert_draft(&stale_draft).await.unwrap();
    let active = new_account(store, clock, Some(&org)).await;

    let old_event = AuditEvent::new(Some(active.id), "system", "old", t0 - TimeDelta::days(100));
    let recent_event = AuditEvent::new(
        Some(active.id),
        "system",
        "recent",
        t0 - TimeDelta::days(58),
    );
    store.append_audit(&old_event).await.unwrap();
    store.append_audit(&recent_event).await.unwrap();
    let old_snapshot =
        InsightSnapshot::new(active.id, None, t0 - TimeDelta::days(100), BTreeMap::new());
    let new_snapshot = InsightSnapshot::new(active.id, None, t0, BTreeMap::new());
    store.record_snapshot(&old_snapshot).await.unwrap();
    store.record_snapshot(&new_snapshot).await.unwrap();

    let q = unique("queue");
    let finished = store
        .enqueue(NewJob::new(&q, "k", serde_json::json!({})).account(active.id))
        .await
        .unwrap()
        .into_inner();
    let claimed = store
        .claim(&q, "w", 1, TimeDelta::minutes(5))
        .await
        .unwrap();
    store
        .complete(finished.id, claimed[0].fence.unwrap())
        .await
        .unwrap();
    let queued = store
        .enqueue(
            NewJob::new(&q, "k", serde_json::json!({}))
                .account(active.id)
                .run_at(t0 + TimeDelta::days(400)),
        )
        .await
        .unwrap()
        .into_inner();
    let event_id = unique("evt");
    store
        .receive_webhook(
            &event_id,
            Some(active.id),
            NewJob::new(&q, "k", serde_json::json!({})).account(active.id),
        )
        .await
        .unwrap();
    let reservation = store
        .reserve(&QuotaRequest::new(active.id, QuotaKind::Posts))
        .await
        .unwrap();
    store.commit(reservation.id).await.unwrap();
    let nonce = unique("used");
    store
        .consume_nonce(&nonce, t0 + TimeDelta::minutes(10))
        .await
        .unwrap();
    let mut old_request =
        DeletionRequest::new(AccountId::new(), unique("code"), DeletionOrigin::User, t0);
    old_request.account_id = None;
    old_request.status = DeletionStatus::Completed;
    old_request.completed_at = Some(t0);
    store.create_deletion_request(&old_request).await.unwrap();

    // keep_all deletes nothing of ours (only expired used nonces, and ours is fresh).
    let none = store.purge(&RetentionPolicy::keep_all()).await.unwrap();
    assert!(
        none.accounts.is_empty(),
        "keep_all must not delete accounts"
    );
    assert!(store.get_account(stale.id).await.unwrap().is_some());

    tick(clock, TimeDelta::days(31));
    let policy = RetentionPolicy {
        insight_snapshots: Some(TimeDelta::days(90)),
        deletion_requests: Some(TimeDelta::days(30)),
        ..RetentionPolicy::default()
    };
    let report = store.purge(&policy).await.unwrap();

    assert!(
        report.accounts.contains(&stale.id),
        "an account inactive for 400 days must be purged"
    );
    assert!(
        !report.accounts.contains(&active.id),
        "an active account must be kept"
    );
    assert_eq!(store.get_account(stale.id).await.unwrap(), None);
    assert_eq!(
        store.get_draft(stale_draft.id).await.unwrap(),
        None,
        "purging an account deletes its records"
    );
    assert!(store.get_account(active.id).await.unwrap().is_some());

    let events = store
        .list_audit(&AuditQuery {
            account_id: Some(active.id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![recent_event.id],
        "audit events older than 90 days must be purged, younger ones kept"
    );
    let snaps = store
        .list_snapshots(&InsightQuery::all(active.id))
        .await
        .unwrap();
    assert_eq!(
        snaps.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![new_snapshot.id],
        "insight snapshots older than the policy must be purged"
    );
    assert_eq!(
        store.get_job(finished.id).await.unwrap(),
        None,
        "finished jobs older than 30 days must be purged"
    );
    assert_eq!(
        store.get_job(queued.id).await.unwrap().map(|j| j.state),
        Some(JobState::Queued),
        "queued jobs are never purged by age"
    );
    assert_eq!(
        store.get_inbox_entry(&event_id).await.unwrap(),
        None,
        "old inbox entries must be purged"
    );
    assert!(
        !store
            .list_reservations(active.id)
            .await
            .unwrap()
            .iter()
            .any(|r| r.id == reservation.id),
        "old quota reservations must be purged"
    );
    assert_eq!(
        store
            .get_deletion_request(&old_request.confirmation_code)
            .await
            .unwrap(),
        None,
        "completed deletion requests older than the policy must be purged"
    );
    for (kind, at_least) in [
        (RecordKind::Account, 1),
        (RecordKind::Draft, 1),
        (RecordKind::AuditEvent, 1),
        (RecordKind::InsightSnapshot, 1),
        (RecordKind::Job, 1),
        (RecordKind::InboxEntry, 1),
        (RecordKind::QuotaReservation, 1),
        (RecordKind::DeletionRequest, 1),
        (RecordKind::UsedNonce, 1),
    ] {
        assert!(
            report.count(kind) >= at_least,
            "purge must report deleted {kind} records, report: {report:?}"
        );
    }
    assert!(
        store
            .consume_nonce(&nonce, clock.now() + TimeDelta::minutes(1))
            .await
            .unwrap(),
        "a purged nonce record no longer blocks"
    );
    cleanup(store, &[active.id]).await;
}
