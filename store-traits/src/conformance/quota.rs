//! Conformance of [`QuotaLedger`](crate::QuotaLedger).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::error::Error;
use crate::ids::ReservationId;
use crate::quota::{QuotaKind, QuotaRequest, QuotaUsage};
use crate::store::Store;

/// [`QuotaLedger`](crate::QuotaLedger): validation, reserve/commit/release,
/// the rolling window with the clock advanced, `retry_at`, lapsed reservations,
/// isolation by account and kind, and 32 concurrent reservers against a limit of 5.
pub async fn quota(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let acct = new_account(store, clock, None).await;
    let other = new_account(store, clock, None).await;
    let day = TimeDelta::hours(24);
    let hold = TimeDelta::minutes(15);
    let req = |units: u32, limit: u32| QuotaRequest {
        account_id: acct.id,
        kind: QuotaKind::Posts,
        units,
        limit,
        window: day,
        hold,
    };

    for bad in [
        req(0, 3),
        req(1, 0),
        QuotaRequest {
            window: TimeDelta::zero(),
            ..req(1, 3)
        },
    ] {
        let r = store.reserve(&bad).await;
        assert!(
            matches!(r, Err(Error::InvalidInput(_))),
            "reserve must reject zero units, a zero limit or an empty window, got {r:?}"
        );
    }

    let r1 = store.reserve(&req(1, 3)).await.unwrap();
    assert_eq!(
        (
            r1.account_id,
            r1.kind,
            r1.units,
            r1.reserved_at,
            r1.expires_at,
            r1.committed_at
        ),
        (acct.id, QuotaKind::Posts, 1, t0, t0 + hold, None)
    );
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts, day).await.unwrap(),
        QuotaUsage {
            committed: 0,
            reserved: 1
        }
    );
    let c1 = store.commit(r1.id).await.unwrap();
    assert_eq!(c1.committed_at, Some(t0), "commit records the store's now");
    tick(clock, TimeDelta::hours(1));
    assert_eq!(
        store.commit(r1.id).await.unwrap().committed_at,
        Some(t0),
        "a second commit is a no-op"
    );
    let r2 = store.reserve(&req(1, 3)).await.unwrap();
    store.commit(r2.id).await.unwrap();
    let t2 = tick(clock, TimeDelta::hours(1));
    let r3 = store.reserve(&req(1, 3)).await.unwrap();
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts, day).await.unwrap(),
        QuotaUsage {
            committed: 2,
            reserved: 1
        }
    );

    let refused = store.reserve(&req(1, 3)).await;
    match refused {
        Err(Error::QuotaExceeded {
            account_id,
            kind,
            limit,
            in_use,
            requested,
            retry_at,
        }) => {
            assert_eq!(
                (account_id, kind, limit, in_use, requested),
                (acct.id, QuotaKind::Posts, 3, 3, 1)
            );
            assert_eq!(
                retry_at,
                Some(t2 + hold),
                "retry_at must be when the first counted units free up (here the pending reservation lapses)"
            );
        }
        other => panic!("a reservation over the limit must fail with QuotaExceeded, got {other:?}"),
    }
    match store.reserve(&req(2, 3)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => assert_eq!(
            retry_at,
            Some(t0 + day),
            "retry_at must accumulate freed units until the request fits"
        ),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    match store.reserve(&req(4, 3)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => {
            assert_eq!(
                retry_at, None,
                "a request above the limit can never succeed"
            )
        }
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }

    assert!(
        store.release(r3.id).await.unwrap(),
        "release of a pending reservation returns true"
    );
    assert!(
        !store.release(r3.id).await.unwrap(),
        "a second release returns false"
    );
    assert!(!store.release(ReservationId::new()).await.unwrap());
    let committed = store.release(r1.id).await;
    assert!(
        matches!(committed, Err(Error::InvalidState { .. })),
        "release of a committed reservation must fail with InvalidState, got {committed:?}"
    );
    assert!(
        matches!(store.commit(r3.id).await, Err(Error::NotFound { .. })),
        "commit of a released reservation must fail with NotFound"
    );

    let r4 = store.reserve(&req(1, 3)).await.unwrap();
    store.commit(r4.id).await.unwrap();
    match store.reserve(&req(1, 3)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => assert_eq!(retry_at, Some(t0 + day)),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    // Exactly 24 h after the first commit, it leaves the window.
    clock.set(t0 + day);
    store
        .reserve(&req(1, 3))
        .await
        .expect("the oldest post left the rolling window");
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts, day).await.unwrap(),
        QuotaUsage {
            committed: 2,
            reserved: 1
        },
        "usage counts commits within (now - window, now] and live reservations"
    );

    // Kinds and accounts are separate.
    let deletes = QuotaRequest {
        kind: QuotaKind::Deletes,
        ..req(3, 3)
    };
    store
        .reserve(&deletes)
        .await
        .expect("another kind has its own limit");
    let other_req = QuotaRequest {
        account_id: other.id,
        ..req(3, 3)
    };
    store
        .reserve(&other_req)
        .await
        .expect("another account has its own limit");

    // A reservation that is never committed lapses; committing it late still counts.
    let replies = |units| QuotaRequest {
        kind: QuotaKind::Replies,
        ..req(units, 1)
    };
    let lapsing = store.reserve(&replies(1)).await.unwrap();
    match store.reserve(&replies(1)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => {
            assert_eq!(retry_at, Some(lapsing.expires_at))
        }
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    tick(clock, hold);
    store
        .reserve(&replies(1))
        .await
        .expect("a lapsed reservation frees its units");
    let late = store.commit(lapsing.id).await.unwrap();
    assert_eq!(
        late.committed_at,
        Some(clock.now()),
        "a lapsed reservation can still be committed"
    );
    assert_eq!(
        store.usage(acct.id, QuotaKind::Replies, day).await.unwrap(),
        QuotaUsage {
            committed: 1,
            reserved: 1
        }
    );

    let listed = store.list_reservations(acct.id).await.unwrap();
    let mut keys: Vec<_> = listed.iter().map(|r| (r.reserved_at, r.id)).collect();
    keys.sort();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.reserved_at, r.id))
            .collect::<Vec<_>>(),
        keys,
        "list_reservations must order by (reserved_at, id)"
    );
    assert!(listed.iter().all(|r| r.account_id == acct.id));
    assert!(listed.iter().any(|r| r.id == r1.id) && !listed.iter().any(|r| r.id == r3.id));

    // Concurrency: 32 workers, limit 5 → exactly 5 reservations.
    let fresh = new_account(store, clock, None).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let store = store.clone();
        let barrier = barrier.clone();
        let request = QuotaRequest {
            account_id: fresh.id,
            ..req(1, 5)
        };
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.reserve(&request).await
        }));
    }
    let mut granted = 0;
    for task in tasks {
        match task.await.expect("reserver task") {
            Ok(_) => granted += 1,
            Err(Error::QuotaExceeded { .. }) => {}
            Err(other) => panic!("concurrent reserve failed unexpectedly: {other:?}"),
        }
    }
    assert_eq!(
        granted, 5,
        "concurrent reservations must never exceed the limit"
    );
    cleanup(store, &[acct.id, other.id, fresh.id]).await;
}
