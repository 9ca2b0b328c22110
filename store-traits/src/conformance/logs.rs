//! Insights, audit events and OAuth state.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::oauth_state::NonceStore;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick, unique};
use crate::audit::AuditQuery;
use crate::error::Error;
use crate::ids::OrgId;
use crate::insight::InsightQuery;
use crate::oauth::StoreNonces;
use crate::records::{AuditEvent, InsightScope, InsightSnapshot, OAuthState};
use crate::store::Store;

/// [`InsightStore`](crate::InsightStore): record, list by scope and time, latest.
pub async fn insights(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let a = new_account(store, clock, None).await;
    let metrics =
        |views: i64| BTreeMap::from([("views".to_owned(), views), ("likes".to_owned(), 3)]);

    let mut s0 = InsightSnapshot::new(a.id, None, t0, metrics(10));
    s0.breakdowns = serde_json::json!({"country": {"DE": 4, "US": 6}});
    store.record_snapshot(&s0).await.unwrap();
    assert!(
        matches!(
            store.record_snapshot(&s0).await,
            Err(Error::AlreadyExists { .. })
        ),
        "record_snapshot with a taken id must fail with AlreadyExists"
    );
    let t1 = tick(clock, TimeDelta::hours(1));
    let s1 = InsightSnapshot::new(a.id, Some("m1".into()), t1, metrics(20));
    store.record_snapshot(&s1).await.unwrap();
    let t2 = tick(clock, TimeDelta::hours(1));
    let s2 = InsightSnapshot::new(a.id, None, t2, metrics(30));
    store.record_snapshot(&s2).await.unwrap();

    let all = store
        .list_snapshots(&InsightQuery::all(a.id))
        .await
        .unwrap();
    assert_eq!(
        all,
        vec![s0.clone(), s1.clone(), s2.clone()],
        "list_snapshots must return every snapshot unchanged, oldest first"
    );
    let account_level = store
        .list_snapshots(&InsightQuery {
            scope: InsightScope::Account,
            ..InsightQuery::all(a.id)
        })
        .await
        .unwrap();
    assert_eq!(
        account_level,
        vec![s0.clone(), s2.clone()],
        "scope Account must skip post snapshots"
    );
    let media = store
        .list_snapshots(&InsightQuery {
            scope: InsightScope::Media("m1".into()),
            ..InsightQuery::all(a.id)
        })
        .await
        .unwrap();
    assert_eq!(media, vec![s1.clone()], "scope Media must select one post");
    let window = store
        .list_snapshots(&InsightQuery {
            since: Some(t1),
            until: Some(t2),
            ..InsightQuery::all(a.id)
        })
        .await
        .unwrap();
    assert_eq!(
        window,
        vec![s1.clone()],
        "since is inclusive and until exclusive"
    );
    let limited = store
        .list_snapshots(&InsightQuery {
            limit: Some(2),
            ..InsightQuery::all(a.id)
        })
        .await
        .unwrap();
    assert_eq!(limited, vec![s0.clone(), s1.clone()]);
    assert_eq!(
        store
            .latest_snapshot(a.id, &InsightScope::Account)
            .await
            .unwrap(),
        Some(s2.clone()),
        "latest_snapshot must return the newest in scope"
    );
    assert_eq!(
        store
            .latest_snapshot(a.id, &InsightScope::Media("m1".into()))
            .await
            .unwrap(),
        Some(s1)
    );
    assert_eq!(
        store
            .latest_snapshot(a.id, &InsightScope::Media("none".into()))
            .await
            .unwrap(),
        None
    );
    cleanup(store, &[a.id]).await;
}

/// [`AuditLog`](crate::AuditLog): append, list by account, organisation and time.
pub async fn audit_log(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let org = OrgId::new(unique("org"));
    let a = new_account(store, clock, Some(&org)).await;
    let b = new_account(store, clock, None).await;

    let mut e0 = AuditEvent::new(Some(a.id), "user:1", "account.connected", t0);
    e0.org_id = Some(org.clone());
    e0.details.insert("scopes".into(), "threads_basic".into());
    store.append_audit(&e0).await.unwrap();
    assert!(
        matches!(
            store.append_audit(&e0).await,
            Err(Error::AlreadyExists { .. })
        ),
        "append_audit with a taken id must fail with AlreadyExists"
    );
    let t1 = tick(clock, TimeDelta::minutes(1));
    let mut e1 = AuditEvent::new(Some(a.id), "system", "draft.published", t1);
    e1.target = Some("draft-1".into());
    store.append_audit(&e1).await.unwrap();
    let e2 = AuditEvent::new(Some(b.id), "system", "draft.published", t1);
    store.append_audit(&e2).await.unwrap();

    let by_account = store
        .list_audit(&AuditQuery {
            account_id: Some(a.id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_account,
        vec![e0.clone(), e1.clone()],
        "list_audit(account) must return its events unchanged, ordered by (at, id)"
    );
    let by_org = store
        .list_audit(&AuditQuery {
            org_id: Some(org.clone()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_org,
        vec![e0.clone()],
        "list_audit must filter by organisation"
    );
    let since = store
        .list_audit(&AuditQuery {
            account_id: Some(a.id),
            since: Some(t1),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(since, vec![e1.clone()], "since is inclusive");
    let until = store
        .list_audit(&AuditQuery {
            account_id: Some(a.id),
            until: Some(t1),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(until, vec![e0.clone()], "until is exclusive");
    let limited = store
        .list_audit(&AuditQuery {
            account_id: Some(a.id),
            limit: Some(1),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(limited, vec![e0]);
    cleanup(store, &[a.id, b.id]).await;
}

/// [`OAuthStateStore`](crate::OAuthStateStore): put, single-use take (also
/// under concurrency), expiry, used nonces (also through [`StoreNonces`]).
pub async fn oauth_state(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let mut state = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    state.session_binding = Some("sha256:session".into());
    state.org_id = Some(OrgId::new("org-1"));
    state.requested_scopes = vec!["threads_basic".into()];
    state.redirect_after = Some("/accounts".into());
    store.put_oauth_state(&state).await.unwrap();
    assert!(
        matches!(
            store.put_oauth_state(&state).await,
            Err(Error::AlreadyExists { .. })
        ),
        "put_oauth_state with a taken nonce must fail with AlreadyExists"
    );
    assert_eq!(
        store.take_oauth_state(&state.nonce).await.unwrap(),
        Some(state.clone()),
        "take_oauth_state must return the stored state"
    );
    assert_eq!(
        store.take_oauth_state(&state.nonce).await.unwrap(),
        None,
        "take_oauth_state must return a state only once"
    );
    assert_eq!(
        store.take_oauth_state(&unique("unknown")).await.unwrap(),
        None
    );

    let expiring = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    store.put_oauth_state(&expiring).await.unwrap();
    tick(clock, TimeDelta::minutes(10));
    assert_eq!(
        store.take_oauth_state(&expiring.nonce).await.unwrap(),
        None,
        "a state whose expires_at <= now must not be returned"
    );

    // Concurrent takes of one state: exactly one wins.
    let raced = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    store.put_oauth_state(&raced).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        let nonce = raced.nonce.clone();
        tasks.push(tokio::spawn(
            async move { store.take_oauth_state(&nonce).await },
        ));
    }
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("task").unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(
        winners, 1,
        "exactly one concurrent take_oauth_state may succeed"
    );

    // Used nonces.
    let nonce = unique("used");
    let until = clock.now() + TimeDelta::minutes(10);
    assert!(
        store.consume_nonce(&nonce, until).await.unwrap(),
        "first consume_nonce must return true"
    );
    assert!(
        !store.consume_nonce(&nonce, until).await.unwrap(),
        "consume_nonce of a recorded, unexpired nonce must return false"
    );
    tick(clock, TimeDelta::minutes(10));
    assert!(
        store
            .consume_nonce(&nonce, clock.now() + TimeDelta::minutes(10))
            .await
            .unwrap(),
        "consume_nonce after the record expired must return true"
    );
    let adapter = StoreNonces(store.clone());
    let other = unique("used");
    let until = clock.now() + TimeDelta::minutes(5);
    assert!(adapter.consume_once(&other, until).await.unwrap());
    assert!(
        !adapter.consume_once(&other, until).await.unwrap(),
        "StoreNonces must make nonces single-use"
    );
    let raced = unique("used");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        let raced = raced.clone();
        tasks.push(tokio::spawn(async move {
            store.consume_nonce(&raced, until).await
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        if task.await.expect("task").unwrap() {
            fresh += 1;
        }
    }
    assert_eq!(
        fresh, 1,
        "exactly one concurrent consume_nonce may return true"
    );
}
