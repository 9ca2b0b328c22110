//! Conformance of [`InsightStore`](crate::InsightStore).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::ManualClock;

use super::{align, cleanup, new_account, tick};
use crate::error::Error;
use crate::insight::{InsightQuery, InsightScope, InsightSnapshot};
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
