//! The account's posts against the emulator: deleting (only your own), and listing with
//! cursor pagination, as pages, as a stream across pages, and within a `since`/`until`
//! window of virtual time.

mod common;

use chrono::DateTime;
use futures::TryStreamExt;
use threads_api::model::ContainerRequest;
use threads_emulator::{LedgerEntry, Operation};

use common::env;

#[tokio::test]
async fn delete_removes_a_post() {
    let env = env().await;
    let keep = env.publish_steps(ContainerRequest::text("keep")).await;
    let gone = env.publish_steps(ContainerRequest::text("delete me")).await;
    let deleted = env.account.posts().delete(&gone).await.expect("delete");
    assert!(deleted.success);
    assert_eq!(deleted.deleted_id, Some(gone.clone()));
    let err = env
        .account
        .posts()
        .get(&gone)
        .send()
        .await
        .expect_err("deleted");
    assert!(err.graph().is_some(), "{err:?}");
    let listed: Vec<_> = env
        .account
        .posts()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [keep]
    );
    // Only your own posts can be deleted.
    let theirs = env.post_as(&env.friend, "not yours", None);
    env.account
        .posts()
        .delete(&theirs)
        .await
        .expect_err("someone else's post");
    let deletes = env.ledger_of(Operation::Delete);
    assert_eq!(
        deletes
            .iter()
            .map(LedgerEntry::succeeded)
            .collect::<Vec<_>>(),
        [true, false]
    );
}

#[tokio::test]
async fn pagination_streams_across_pages() {
    let env = env().await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(env.post_as(&env.me, &format!("post {n}"), None));
        env.admin().advance(60);
    }
    ids.reverse(); // newest first

    let first = env
        .account
        .posts()
        .list()
        .limit(3)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.len(), 3);
    assert!(first.has_next());
    let second = first.next_page().await.expect("page 2").expect("a page 2");
    assert_eq!(second.len(), 3);
    assert_eq!(
        first
            .iter()
            .chain(second.iter())
            .map(|m| m.id.clone())
            .collect::<Vec<_>>(),
        ids[..6]
    );

    let streamed: Vec<_> = env
        .account
        .posts()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(
        streamed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ids
    );

    // since/until in virtual time select a window.
    let start = DateTime::from_timestamp(threads_emulator::DEFAULT_START, 0).expect("valid");
    let window: Vec<_> = env
        .account
        .posts()
        .list()
        .since(start + chrono::TimeDelta::seconds(60))
        .until(start + chrono::TimeDelta::seconds(180))
        .limit(1)
        .stream()
        .try_collect()
        .await
        .expect("window");
    assert_eq!(
        window.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ids[3..6]
    );
}
