//! Conformance of [`SourceStore`](crate::SourceStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::error::Error;
use crate::ids::SourceId;
use crate::source::{Source, SourceStatus};
use crate::store::Store;

/// [`SourceStore`](crate::SourceStore): insert, get, update, list with limit, delete.
pub async fn sources(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let s1 = Source::text(a.id, "Pasted notes about Rust 2024.", clock.now());
    store.insert_source(&s1).await.unwrap();
    let dup = store.insert_source(&s1).await;
    assert!(
        matches!(dup, Err(Error::AlreadyExists { .. })),
        "insert_source with a taken id must fail with AlreadyExists, got {dup:?}"
    );
    assert_eq!(store.get_source(s1.id).await.unwrap(), Some(s1.clone()));
    tick(clock, TimeDelta::seconds(1));
    let mut s2 = Source::url(a.id, "https://example.com/post", clock.now());
    store.insert_source(&s2).await.unwrap();
    s2.status = SourceStatus::Ready;
    s2.title = Some("A post".into());
    s2.content = Some("Main content".into());
    s2.summary = Some("Summary".into());
    s2.updated_at = tick(clock, TimeDelta::seconds(1));
    store.update_source(&s2).await.unwrap();
    assert_eq!(
        store.get_source(s2.id).await.unwrap(),
        Some(s2.clone()),
        "update_source must replace the stored source"
    );
    // A feed and one of its items keep their links and metadata.
    let feed = Source::feed(a.id, "https://example.com/feed.xml", clock.now());
    let mut item = Source::url(a.id, "https://example.com/item-1", clock.now());
    item.feed_id = Some(feed.id);
    item.item_key = Some("urn:example:item-1".into());
    item.metadata.insert("og:title".into(), "Item one".into());
    store.insert_source(&feed).await.unwrap();
    store.insert_source(&item).await.unwrap();
    assert_eq!(store.get_source(feed.id).await.unwrap(), Some(feed.clone()));
    assert_eq!(
        store.get_source(item.id).await.unwrap(),
        Some(item.clone()),
        "a feed item must keep its feed, key and metadata"
    );
    assert!(store.delete_source(feed.id).await.unwrap());
    assert!(store.delete_source(item.id).await.unwrap());
    let mut ghost = s2.clone();
    ghost.id = SourceId::new();
    assert!(
        matches!(
            store.update_source(&ghost).await,
            Err(Error::NotFound { .. })
        ),
        "update_source of an unknown id must fail with NotFound"
    );
    assert_eq!(
        store.list_sources(a.id, None).await.unwrap(),
        vec![s1.clone(), s2.clone()],
        "list_sources must order by (created_at, id)"
    );
    assert_eq!(
        store.list_sources(a.id, Some(1)).await.unwrap(),
        vec![s1.clone()]
    );
    assert!(store.delete_source(s1.id).await.unwrap());
    assert!(!store.delete_source(s1.id).await.unwrap());
    assert_eq!(store.get_source(s1.id).await.unwrap(), None);
    assert_eq!(store.list_sources(a.id, None).await.unwrap(), vec![s2]);
    cleanup(store, &[a.id]).await;
}
