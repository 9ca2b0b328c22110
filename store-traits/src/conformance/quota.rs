//! Conformance of [`QuotaLedger`](crate::QuotaLedger).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::error::Error;
use crate::ids::{AccountId, ReservationId};
use crate::quota::{QuotaKind, QuotaLimits, QuotaRequest, QuotaUsage};
use crate::store::Store;

/// Limits of `posts` posts, `replies` replies and `deletes` deletions per 24 h.
fn limits(posts: u32, replies: u32, deletes: u32) -> QuotaLimits {
    QuotaLimits {
        posts,
        replies,
        deletes,
        window: TimeDelta::hours(24),
    }
}

/// [`QuotaLedger`](crate::QuotaLedger): validation, reserve/commit/release
/// against the account's stored limits, the rolling window with the clock
/// advanced, `retry_at`, lapsed reservations, isolation by account and kind,
/// and 32 concurrent reservers against a limit of 5.
pub async fn quota(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let acct = new_account(store, clock, None).await;
    let other = new_account(store, clock, None).await;
    let day = TimeDelta::hours(24);
    let hold = TimeDelta::minutes(15);
    store
        .set_quota_limits(acct.id, &limits(3, 1, 3))
        .await
        .unwrap();
    store
        .set_quota_limits(other.id, &limits(3, 1, 3))
        .await
        .unwrap();
    let req = |units: u32| {
        QuotaRequest::new(acct.id, QuotaKind::Posts)
            .units(units)
            .hold(hold)
    };

    for bad in [req(0), req(1).hold(TimeDelta::zero())] {
        let r = store.reserve(&bad).await;
        assert!(
            matches!(r, Err(Error::InvalidInput(_))),
            "reserve must reject zero units or a non-positive hold, got {r:?}"
        );
    }

    let r1 = store.reserve(&req(1)).await.unwrap();
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
        store.usage(acct.id, QuotaKind::Posts).await.unwrap(),
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
    let r2 = store.reserve(&req(1)).await.unwrap();
    store.commit(r2.id).await.unwrap();
    let t2 = tick(clock, TimeDelta::hours(1));
    let r3 = store.reserve(&req(1)).await.unwrap();
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts).await.unwrap(),
        QuotaUsage {
            committed: 2,
            reserved: 1
        }
    );

    let refused = store.reserve(&req(1)).await;
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
    match store.reserve(&req(2)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => assert_eq!(
            retry_at,
            Some(t0 + day),
            "retry_at must accumulate freed units until the request fits"
        ),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    match store.reserve(&req(4)).await {
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

    let r4 = store.reserve(&req(1)).await.unwrap();
    store.commit(r4.id).await.unwrap();
    match store.reserve(&req(1)).await {
        Err(Error::QuotaExceeded { retry_at, .. }) => assert_eq!(retry_at, Some(t0 + day)),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    // Exactly 24 h after the first commit, it leaves the window.
    clock.set(t0 + day);
    store
        .reserve(&req(1))
        .await
        .expect("the oldest post left the rolling window");
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts).await.unwrap(),
        QuotaUsage {
            committed: 2,
            reserved: 1
        },
        "usage counts commits within (now - window, now] and live reservations"
    );

    // Kinds and accounts are separate.
    let deletes = QuotaRequest {
        kind: QuotaKind::Deletes,
        ..req(3)
    };
    store
        .reserve(&deletes)
        .await
        .expect("another kind has its own limit");
    let other_req = QuotaRequest {
        account_id: other.id,
        ..req(3)
    };
    store
        .reserve(&other_req)
        .await
        .expect("another account has its own limit");

    // A reservation that is never committed lapses; committing it late still counts.
    let replies = |units| QuotaRequest {
        kind: QuotaKind::Replies,
        ..req(units)
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
        store.usage(acct.id, QuotaKind::Replies).await.unwrap(),
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
    store
        .set_quota_limits(fresh.id, &limits(5, 5, 5))
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let store = store.clone();
        let barrier = barrier.clone();
        let request = QuotaRequest::new(fresh.id, QuotaKind::Posts);
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

/// Each account's [`QuotaLimits`]: Meta's documented limits until set,
/// validation, replacement, isolation by account, every reservation decided
/// against the stored limit (whatever the request), the stored window used by
/// `reserve` and `usage`, a zero limit, and deletion with the account.
pub async fn quota_limits(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let acct = new_account(store, clock, None).await;
    let other = new_account(store, clock, None).await;
    assert_eq!(
        store.quota_limits(acct.id).await.unwrap(),
        QuotaLimits::threads(),
        "quota_limits of an account whose limits were never set must be QuotaLimits::threads()"
    );
    assert_eq!(
        store.quota_limits(AccountId::new()).await.unwrap(),
        QuotaLimits::threads()
    );
    for window in [
        TimeDelta::zero(),
        TimeDelta::hours(-1),
        TimeDelta::milliseconds(1500),
    ] {
        let bad = QuotaLimits {
            window,
            ..QuotaLimits::threads()
        };
        let r = store.set_quota_limits(acct.id, &bad).await;
        assert!(
            matches!(r, Err(Error::InvalidInput(_))),
            "set_quota_limits must reject a window of {window} (not a positive whole number of seconds), got {r:?}"
        );
    }
    assert_eq!(
        store.quota_limits(acct.id).await.unwrap(),
        QuotaLimits::threads(),
        "a refused set_quota_limits must store nothing"
    );

    // Limits of 2 posts: the third reservation is refused, whoever asks.
    let two = limits(2, 1000, 100);
    store.set_quota_limits(acct.id, &two).await.unwrap();
    assert_eq!(store.quota_limits(acct.id).await.unwrap(), two);
    assert_eq!(
        store.quota_limits(other.id).await.unwrap(),
        QuotaLimits::threads(),
        "limits belong to one account"
    );
    let first = store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts))
        .await
        .unwrap();
    store.commit(first.id).await.unwrap();
    let t1 = tick(clock, TimeDelta::minutes(1));
    let second = store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts).hold(TimeDelta::minutes(30)))
        .await
        .unwrap();
    match store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts).hold(TimeDelta::hours(2)))
        .await
    {
        Err(Error::QuotaExceeded {
            limit,
            in_use,
            retry_at,
            ..
        }) => {
            assert_eq!(
                (limit, in_use),
                (2, 2),
                "the third reservation must be decided against the stored limit of 2"
            );
            assert_eq!(
                retry_at,
                Some(t1 + TimeDelta::minutes(30)),
                "retry_at must be when the pending reservation lapses"
            );
        }
        other => panic!(
            "the third reservation against a stored limit of 2 must fail with QuotaExceeded, got {other:?}"
        ),
    }
    assert!(
        store
            .reserve(&QuotaRequest::new(other.id, QuotaKind::Posts))
            .await
            .is_ok(),
        "another account keeps its own (default) limits"
    );

    // Raising the limit lets the next reservation in; lowering it stops the next.
    store
        .set_quota_limits(acct.id, &limits(3, 1000, 100))
        .await
        .unwrap();
    let third = store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts))
        .await
        .expect("a raised limit applies to the next reservation");
    store
        .set_quota_limits(acct.id, &limits(1, 1000, 100))
        .await
        .unwrap();
    match store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts))
        .await
    {
        Err(Error::QuotaExceeded { limit, in_use, .. }) => assert_eq!(
            (limit, in_use),
            (1, 3),
            "a lowered limit applies to the next reservation"
        ),
        other => panic!("expected QuotaExceeded after lowering the limit, got {other:?}"),
    }
    store.release(second.id).await.unwrap();
    store.release(third.id).await.unwrap();

    // The stored window decides what counts, in reserve and in usage.
    store
        .set_quota_limits(
            acct.id,
            &QuotaLimits {
                window: TimeDelta::hours(1),
                ..limits(1, 1000, 100)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts).await.unwrap(),
        QuotaUsage {
            committed: 1,
            reserved: 0
        }
    );
    match store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts))
        .await
    {
        Err(Error::QuotaExceeded { retry_at, .. }) => assert_eq!(
            retry_at,
            Some(t0 + TimeDelta::hours(1)),
            "retry_at must follow the stored window"
        ),
        other => panic!("expected QuotaExceeded within the stored window, got {other:?}"),
    }
    clock.set(t0 + TimeDelta::hours(1));
    assert_eq!(
        store.usage(acct.id, QuotaKind::Posts).await.unwrap(),
        QuotaUsage::default(),
        "usage must count commits within the stored window only"
    );
    store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Posts))
        .await
        .expect("a commit older than the stored window no longer counts");

    // A zero limit: nothing of that kind, ever.
    store
        .set_quota_limits(acct.id, &limits(1, 1000, 0))
        .await
        .unwrap();
    match store
        .reserve(&QuotaRequest::new(acct.id, QuotaKind::Deletes))
        .await
    {
        Err(Error::QuotaExceeded {
            limit: 0, retry_at, ..
        }) => assert_eq!(retry_at, None, "a zero limit can never be met"),
        other => panic!("a reservation against a zero limit must fail, got {other:?}"),
    }

    // The limits go with the account's data.
    let exported = store.export_account(acct.id).await.unwrap();
    assert_eq!(
        exported.quota_limits,
        Some(limits(1, 1000, 0)),
        "the export must carry the account's stored limits"
    );
    assert_eq!(
        store.export_account(other.id).await.unwrap().quota_limits,
        None,
        "an account whose limits were never set exports none"
    );
    let report = store.delete_account_data(acct.id).await.unwrap();
    assert_eq!(
        report.count(crate::RecordKind::QuotaLimits),
        1,
        "delete_account_data must delete the account's quota limits"
    );
    assert_eq!(
        store.quota_limits(acct.id).await.unwrap(),
        QuotaLimits::threads(),
        "after deletion the account's limits are gone"
    );
    cleanup(store, &[other.id]).await;
}
