//! Conformance of [`PublishLedger`](crate::PublishLedger).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::draft::{Draft, DraftKind};
use crate::error::Error;
use crate::ids::{DraftId, FenceToken, ReservationId};
use crate::publish::{PublishEntry, PublishFilter, PublishState};
use crate::store::Store;

/// [`PublishLedger`](crate::PublishLedger): begin (idempotent), the fenced
/// compare-and-swap through the protocol's states (quota reservation, sent
/// time and evidence kept), list filters, lookup by media id.
pub async fn publish_ledger(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let draft = Draft::new(a.id, DraftKind::Post, "Ledger", clock.now());
    store.insert_draft(&draft).await.unwrap();

    let fence = FenceToken::new(100);
    let entry = PublishEntry::new(draft.id, a.id, "sha256:abc", Some(fence), clock.now());
    let begun = store.begin_publish(&entry).await.unwrap();
    assert!(begun.is_new(), "the first begin_publish must insert");
    assert_eq!(begun.get(), &entry);
    let mut other = PublishEntry::new(draft.id, a.id, "sha256:other", None, clock.now());
    other.attempts = 7;
    let again = store.begin_publish(&other).await.unwrap();
    assert!(
        !again.is_new(),
        "begin_publish for a draft with an entry must return the existing one"
    );
    assert_eq!(
        again.into_inner(),
        entry,
        "the existing entry must be unchanged"
    );
    assert_eq!(
        store.get_publish_entry(draft.id).await.unwrap(),
        Some(entry.clone())
    );
    assert_eq!(store.get_publish_entry(DraftId::new()).await.unwrap(), None);

    // Container id persisted before publishing.
    let mut step = entry.clone();
    step.state = PublishState::ContainerCreated;
    step.container_id = Some("container-1".into());
    step.updated_at = tick(clock, TimeDelta::seconds(1));
    let e1 = store
        .update_publish_entry(&step, Some(fence))
        .await
        .unwrap();
    assert_eq!((e1.version, e1.fence), (1, Some(fence)));
    assert_eq!(
        store
            .get_publish_entry(draft.id)
            .await
            .unwrap()
            .and_then(|e| e.container_id),
        Some("container-1".into()),
        "the container id must be durable after update_publish_entry returns"
    );

    // A newer worker takes over and replaces an expired container.
    let newer = FenceToken::new(101);
    let mut takeover = e1.clone();
    takeover.previous_container_ids.push("container-1".into());
    takeover.container_id = Some("container-2".into());
    takeover.state = PublishState::PublishSent;
    takeover.attempts = 2;
    takeover.quota_reservation = Some(ReservationId::new());
    takeover.sent_at = Some(clock.now());
    takeover.evidence = vec!["container FINISHED".into()];
    takeover.updated_at = tick(clock, TimeDelta::seconds(1));
    let e2 = store
        .update_publish_entry(&takeover, Some(newer))
        .await
        .unwrap();
    assert_eq!((e2.version, e2.fence), (2, Some(newer)));
    let mut late = e2.clone();
    late.state = PublishState::Failed;
    let stale = store.update_publish_entry(&late, Some(fence)).await;
    assert!(
        matches!(stale, Err(Error::StaleFence { .. })),
        "update_publish_entry with an older fence must fail with StaleFence, got {stale:?}"
    );
    let conflict = store.update_publish_entry(&e1, Some(newer)).await;
    assert!(
        matches!(conflict, Err(Error::VersionConflict { .. })),
        "update_publish_entry with an old version must fail with VersionConflict, got {conflict:?}"
    );
    assert_eq!(
        store.get_publish_entry(draft.id).await.unwrap(),
        Some(e2.clone()),
        "the quota reservation, sent time and evidence must be stored"
    );
    assert_eq!(
        store.find_publish_entry_by_media("media-1").await.unwrap(),
        None,
        "no entry names the media id yet"
    );

    let mut done = e2.clone();
    done.state = PublishState::Published;
    done.media_id = Some("media-1".into());
    done.published_at = Some(clock.now());
    done.quota_reservation = None;
    done.evidence.push("live post found".into());
    let e3 = store.update_publish_entry(&done, None).await.unwrap();
    assert_eq!((e3.version, e3.fence), (3, Some(newer)));
    assert_eq!(
        store.find_publish_entry_by_media("media-1").await.unwrap(),
        Some(e3.clone()),
        "find_publish_entry_by_media must find the entry update_publish_entry gave the media id"
    );
    assert_eq!(
        store.find_publish_entry_by_media("media-2").await.unwrap(),
        None,
        "find_publish_entry_by_media of an unknown media id must be None"
    );
    let mut ghost = e3.clone();
    ghost.draft_id = DraftId::new();
    assert!(matches!(
        store.update_publish_entry(&ghost, None).await,
        Err(Error::NotFound { .. })
    ));

    // A second draft left in "publish sent".
    let draft2 = Draft::new(a.id, DraftKind::Post, "Unknown outcome", clock.now());
    store.insert_draft(&draft2).await.unwrap();
    let mut sent = PublishEntry::new(draft2.id, a.id, "sha256:def", None, clock.now());
    sent.state = PublishState::PublishSent;
    sent.container_id = Some("container-3".into());
    sent.updated_at = clock.now() - TimeDelta::minutes(10);
    store.begin_publish(&sent).await.unwrap();
    tick(clock, TimeDelta::seconds(1));
    let draft3 = Draft::new(a.id, DraftKind::Post, "Imported", clock.now());
    store.insert_draft(&draft3).await.unwrap();
    let mut imported = PublishEntry::new(draft3.id, a.id, "sha256:ghi", None, clock.now());
    imported.state = PublishState::Published;
    imported.media_id = Some("media-3".into());
    store.begin_publish(&imported).await.unwrap();
    assert_eq!(
        store.find_publish_entry_by_media("media-3").await.unwrap(),
        Some(imported.clone()),
        "find_publish_entry_by_media must find an entry begin_publish stored with a media id"
    );

    let listed = store
        .list_publish_entries(&PublishFilter {
            account_id: Some(a.id),
            ..PublishFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|e| e.draft_id).collect::<Vec<_>>(),
        vec![draft2.id, draft.id, draft3.id],
        "list_publish_entries must order by (updated_at, draft_id)"
    );
    let unknown = store
        .list_publish_entries(&PublishFilter {
            account_id: None,
            states: vec![PublishState::PublishSent],
            updated_before: Some(clock.now() - TimeDelta::minutes(5)),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        unknown.iter().any(|e| e.draft_id == draft2.id)
            && unknown.iter().all(|e| e.state == PublishState::PublishSent
                && e.updated_at < clock.now() - TimeDelta::minutes(5)),
        "list_publish_entries must filter by state and updated_before across accounts"
    );
    let limited = store
        .list_publish_entries(&PublishFilter {
            account_id: Some(a.id),
            limit: Some(1),
            ..PublishFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
    cleanup(store, &[a.id]).await;
}
