//! Conformance of [`DraftStore`](crate::DraftStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::draft::{Draft, DraftFilter, DraftKind, DraftMedia, DraftState, MediaKind};
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
    store.insert_draft(&d1).await.unwrap();
    let dup = store.insert_draft(&d1).await;
    assert!(
        matches!(dup, Err(Error::AlreadyExists { .. })),
        "insert_draft with a taken id must fail with AlreadyExists, got {dup:?}"
    );
    assert_eq!(
        store.get_draft(d1.id).await.unwrap(),
        Some(d1.clone()),
        "get_draft must return the draft unchanged (media, history, schedule included)"
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

    assert!(store.delete_draft(d3.id).await.unwrap());
    assert!(
        !store.delete_draft(d3.id).await.unwrap(),
        "second delete_draft must return false"
    );
    assert_eq!(store.get_draft(d3.id).await.unwrap(), None);
    cleanup(store, &[a.id, b.id]).await;
}
