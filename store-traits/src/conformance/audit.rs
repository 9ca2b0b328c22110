//! Conformance of [`AuditLog`](crate::AuditLog).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::ManualClock;

use super::{align, cleanup, new_account, tick, unique};
use crate::audit::{AuditEvent, AuditQuery};
use crate::error::Error;
use crate::ids::OrgId;
use crate::store::Store;

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
