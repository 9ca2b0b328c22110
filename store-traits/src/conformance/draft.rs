//! Conformance of [`DraftStore`](crate::DraftStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::draft::{
    Decision, DecisionKind, Draft, DraftFilter, DraftKind, DraftMedia, DraftQuality, DraftState,
    MediaKind,
};
use crate::error::Error;
use crate::ids::{DraftId, FenceToken};
use crate::store::Store;

/// [`DraftStore`](crate::DraftStore): insert, get, the fenced compare-and-swap
/// of `update_draft` (every branch), list filters, delete.
pub async fn drafts(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let b = new_account(store, clock, None).await;

    let mut d1 = Draft::new(a.id, DraftKind::Post, "First post", clock.now());
    d1.media = vec![
        DraftMedia {
            kind: MediaKind::Image,
            url: "https://cdn.example.com/a.jpg".into(),
            alt_text: Some("A cat".into()),
        },
        DraftMedia {
            kind: MediaKind::Video,
            url: "https://cdn.example.com/b.mp4".into(),
            alt_text: None,
        },
    ];
    d1.topic_tag = Some("rust".into());
    d1.edit_text("First post, edited", Some("user:1".into()), clock.now());
    d1.state = DraftState::Scheduled;
    d1.scheduled_at = Some(clock.now() + TimeDelta::hours(1));
    d1.chain = vec![DraftId::new(), DraftId::new()];
    d1.decisions = vec![
        Decision {
            at: clock.now(),
            actor: "user:1".into(),
            kind: DecisionKind::Approved,
            reason: None,
        },
        Decision {
            at: clock.now(),
            actor: "system".into(),
            kind: DecisionKind::Scheduled,
            reason: Some("next free slot".into()),
        },
    ];
    d1.quality = Some(DraftQuality {
        voice_score: Some(0.8125),
        findings: vec!["long sentence".into()],
        needs_review: true,
    });
    store.insert_draft(&d1).await.unwrap();
    let dup = store.insert_draft(&d1).await;
    assert!(
        matches!(dup, Err(Error::AlreadyExists { .. })),
        "insert_draft with a taken id must fail with AlreadyExists, got {dup:?}"
    );
    assert_eq!(
        store.get_draft(d1.id).await.unwrap(),
        Some(d1.clone()),
        "get_draft must return the draft unchanged (media, history, schedule, chain, decisions and quality included)"
    );
    assert_eq!(store.get_draft(DraftId::new()).await.unwrap(), None);

    // Compare-and-swap without a fence.
    let mut edit = d1.clone();
    edit.state = DraftState::Publishing;
    edit.updated_at = tick(clock, TimeDelta::seconds(1));
    let v1 = store.update_draft(&edit, None).await.unwrap();
    assert_eq!(v1.version, 1, "update_draft must increment the version");
    assert_eq!(v1.fence, None);
    assert_eq!(v1.state, DraftState::Publishing);
    assert_eq!(store.get_draft(d1.id).await.unwrap(), Some(v1.clone()));
    let stale = store.update_draft(&edit, None).await;
    assert!(
        matches!(
            stale,
            Err(Error::VersionConflict {
                expected: 0,
                actual: 1,
                ..
            })
        ),
        "update_draft with an old version must fail with VersionConflict{{expected: 0, actual: 1}}, got {stale:?}"
    );

    // Fencing.
    let mut w = v1.clone();
    w.provider.container_id = Some("c-1".into());
    let v2 = store
        .update_draft(&w, Some(FenceToken::new(10)))
        .await
        .unwrap();
    assert_eq!((v2.version, v2.fence), (2, Some(FenceToken::new(10))));
    let mut old_worker = v2.clone();
    old_worker.state = DraftState::Failed;
    let fenced = store
        .update_draft(&old_worker, Some(FenceToken::new(9)))
        .await;
    assert!(
        matches!(
            fenced,
            Err(Error::StaleFence {
                presented,
                current: Some(current),
                ..
            }) if presented == FenceToken::new(9) && current == FenceToken::new(10)
        ),
        "update_draft with a smaller fence must fail with StaleFence, got {fenced:?}"
    );
    let mut wrong_both = v1.clone();
    wrong_both.state = DraftState::Failed;
    let both = store
        .update_draft(&wrong_both, Some(FenceToken::new(9)))
        .await;
    assert!(
        matches!(both, Err(Error::StaleFence { .. })),
        "the fence is checked before the version, got {both:?}"
    );
    assert_eq!(
        store.get_draft(d1.id).await.unwrap(),
        Some(v2.clone()),
        "failed writes must change nothing"
    );
    let v3 = store.update_draft(&v2, None).await.unwrap();
    assert_eq!(
        (v3.version, v3.fence),
        (3, Some(FenceToken::new(10))),
        "a write without a fence keeps the stored fence"
    );
    let v4 = store
        .update_draft(&v3, Some(FenceToken::new(10)))
        .await
        .unwrap();
    assert_eq!(v4.version, 4, "the current fence may write again");
    let wrong_version = store.update_draft(&v3, Some(FenceToken::new(11))).await;
    assert!(
        matches!(wrong_version, Err(Error::VersionConflict { .. })),
        "a newer fence still needs the current version, got {wrong_version:?}"
    );
    let mut published = v4.clone();
    published.state = DraftState::Published;
    published.provider.media_id = Some("m-1".into());
    published.provider.permalink = Some("https://www.threads.net/@x/post/1".into());
    published.attempts = 1;
    published.published_at = Some(clock.now());
    let v5 = store
        .update_draft(&published, Some(FenceToken::new(12)))
        .await
        .unwrap();
    assert_eq!((v5.version, v5.fence), (5, Some(FenceToken::new(12))));
    assert_eq!(store.get_draft(d1.id).await.unwrap(), Some(v5.clone()));
    let mut ghost = v5.clone();
    ghost.id = DraftId::new();
    let missing = store.update_draft(&ghost, None).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "update_draft of an unknown id must fail with NotFound, got {missing:?}"
    );

    // Listing.
    tick(clock, TimeDelta::seconds(1));
    let mut d2 = Draft::new(a.id, DraftKind::Reply, "A reply", clock.now());
    d2.reply_to_id = Some("p-9".into());
    d2.parent_draft_id = Some(d1.id);
    d2.state = DraftState::Scheduled;
    d2.scheduled_at = Some(clock.now() - TimeDelta::minutes(5));
    store.insert_draft(&d2).await.unwrap();
    tick(clock, TimeDelta::seconds(1));
    let d3 = Draft::new(a.id, DraftKind::Quote, "A quote", clock.now());
    store.insert_draft(&d3).await.unwrap();
    let d4 = Draft::new(b.id, DraftKind::Post, "Other account", clock.now());
    store.insert_draft(&d4).await.unwrap();

    let all_a = store
        .list_drafts(&DraftFilter::account(a.id))
        .await
        .unwrap();
    assert_eq!(
        all_a.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![d1.id, d2.id, d3.id],
        "list_drafts(account) must order by (created_at, id)"
    );
    let scheduled = store
        .list_drafts(&DraftFilter {
            account_id: Some(a.id),
            states: vec![DraftState::Scheduled, DraftState::Draft],
            ..DraftFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        scheduled.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![d2.id, d3.id],
        "list_drafts must filter by any of the states"
    );
    let overdue = store
        .list_drafts(&DraftFilter {
            account_id: Some(a.id),
            states: vec![DraftState::Scheduled],
            scheduled_before: Some(clock.now()),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(
        overdue.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![d2.id],
        "list_drafts must filter by scheduled_before (drafts without a schedule never match)"
    );
    let across = store
        .list_drafts(&DraftFilter {
            account_id: None,
            states: vec![DraftState::Scheduled],
            scheduled_before: Some(clock.now()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        across.iter().any(|d| d.id == d2.id),
        "list_drafts without an account must search all accounts"
    );
    let limited = store
        .list_drafts(&DraftFilter {
            account_id: Some(a.id),
            limit: Some(2),
            ..DraftFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        limited.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![d1.id, d2.id]
    );

    assert_eq!(
        store
            .get_draft(d2.id)
            .await
            .unwrap()
            .and_then(|d| d.parent_draft_id),
        Some(d1.id),
        "get_draft must keep parent_draft_id"
    );

    assert!(store.delete_draft(d3.id).await.unwrap());
    assert!(
        !store.delete_draft(d3.id).await.unwrap(),
        "second delete_draft must return false"
    );
    assert_eq!(store.get_draft(d3.id).await.unwrap(), None);
    cleanup(store, &[a.id, b.id]).await;
}

/// The draft life cycle ([`DraftState::can_become`]): `update_draft` accepts
/// every allowed change of state (and every same-state write), refuses every
/// other with `InvalidTransition` naming both states and changes nothing,
/// checks the fence and the version first, and `insert_draft` accepts any state.
pub async fn draft_life_cycle(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;

    // Published is final.
    let mut published = Draft::new(a.id, DraftKind::Post, "Live", clock.now());
    published.state = DraftState::Published;
    published.provider.media_id = Some("m-1".into());
    store
        .insert_draft(&published)
        .await
        .expect("insert_draft must accept a draft in any state");
    let mut back = published.clone();
    back.state = DraftState::Draft;
    back.text = "Live, edited".into();
    match store.update_draft(&back, None).await {
        Err(Error::InvalidTransition { kind, id, from, to }) => {
            assert_eq!(kind, crate::RecordKind::Draft);
            assert_eq!(id, published.id.to_string());
            assert_eq!(
                (from.as_str(), to.as_str()),
                ("published", "draft"),
                "InvalidTransition must name the stored and the requested state"
            );
        }
        other => panic!(
            "update_draft from Published to Draft must fail with InvalidTransition, got {other:?}"
        ),
    }
    let message = store
        .update_draft(&back, Some(FenceToken::new(1)))
        .await
        .expect_err("Published to Draft is refused with a fence too")
        .to_string();
    assert!(
        message.contains("published") && message.contains("draft"),
        "the InvalidTransition message must name both states, got {message:?}"
    );
    assert_eq!(
        store.get_draft(published.id).await.unwrap(),
        Some(published.clone()),
        "a refused transition must change nothing"
    );
    let mut same = published.clone();
    same.provider.permalink = Some("https://www.threads.net/@x/post/1".into());
    let same = store
        .update_draft(&same, None)
        .await
        .expect("a same-state write is always allowed, even from Published");
    assert_eq!(same.version, 1);

    // Fence and version are checked before the transition.
    let mut stale = same.clone();
    stale.version = 0;
    stale.state = DraftState::Draft;
    let conflict = store.update_draft(&stale, None).await;
    assert!(
        matches!(conflict, Err(Error::VersionConflict { .. })),
        "the version is checked before the transition, got {conflict:?}"
    );
    let fenced = store
        .update_draft(&same, Some(FenceToken::new(5)))
        .await
        .unwrap();
    let mut late = fenced.clone();
    late.state = DraftState::Draft;
    let refused = store.update_draft(&late, Some(FenceToken::new(4))).await;
    assert!(
        matches!(refused, Err(Error::StaleFence { .. })),
        "the fence is checked before the transition, got {refused:?}"
    );

    // Every pair of states: allowed exactly as the table says.
    for &from in DraftState::ALL {
        for &to in DraftState::ALL {
            let mut draft = Draft::new(a.id, DraftKind::Post, "Pair", clock.now());
            draft.state = from;
            store.insert_draft(&draft).await.unwrap();
            let mut next = draft.clone();
            next.state = to;
            let result = store.update_draft(&next, None).await;
            if from.can_become(to) {
                let stored = result.unwrap_or_else(|e| {
                    panic!("update_draft from {from} to {to} is allowed, got {e:?}")
                });
                assert_eq!(
                    (stored.state, stored.version),
                    (to, 1),
                    "an allowed transition from {from} to {to} must be stored"
                );
            } else {
                match result {
                    Err(Error::InvalidTransition {
                        from: stored_from,
                        to: asked,
                        ..
                    }) => assert_eq!(
                        (stored_from.as_str(), asked.as_str()),
                        (from.as_str(), to.as_str()),
                        "InvalidTransition must name both states"
                    ),
                    other => panic!(
                        "update_draft from {from} to {to} must fail with InvalidTransition, got {other:?}"
                    ),
                }
                assert_eq!(
                    store.get_draft(draft.id).await.unwrap().map(|d| d.state),
                    Some(from),
                    "a refused transition from {from} to {to} must change nothing"
                );
            }
            store.delete_draft(draft.id).await.unwrap();
        }
    }
    cleanup(store, &[a.id]).await;
}
