//! Conformance of [`AccountStore`](crate::AccountStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::ManualClock;

use super::{align, cleanup, new_account, tick, unique};
use crate::account::{AccountFilter, AccountStatus};
use crate::error::Error;
use crate::ids::{AccountId, OrgId};
use crate::store::Store;

/// [`AccountStore`](crate::AccountStore): insert, get, update, list filters,
/// lookup by Threads user and by username (exact, following updates).
pub async fn accounts(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let org = OrgId::new(unique("org"));
    let a = new_account(store, clock, Some(&org)).await;

    let dup = store.insert_account(&a).await;
    assert!(
        matches!(dup, Err(Error::AlreadyExists { .. })),
        "insert_account with a taken id must fail with AlreadyExists, got {dup:?}"
    );
    assert_eq!(
        store.get_account(a.id).await.unwrap(),
        Some(a.clone()),
        "get_account must return the inserted account unchanged"
    );
    assert_eq!(
        store.get_account(AccountId::new()).await.unwrap(),
        None,
        "get_account of an unknown id must be None"
    );

    let mut changed = a.clone();
    changed.username = unique("renamed");
    changed.status = AccountStatus::NeedsReauth;
    changed.biography = Some("bio with ünïcode ✨".into());
    changed.updated_at = tick(clock, TimeDelta::seconds(1));
    store.update_account(&changed).await.unwrap();
    assert_eq!(
        store.get_account(a.id).await.unwrap(),
        Some(changed.clone()),
        "update_account must replace the stored record"
    );
    let mut ghost = changed.clone();
    ghost.id = AccountId::new();
    let missing = store.update_account(&ghost).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "update_account of an unknown id must fail with NotFound, got {missing:?}"
    );

    tick(clock, TimeDelta::seconds(1));
    let b = new_account(store, clock, Some(&org)).await;
    tick(clock, TimeDelta::seconds(1));
    let mut c = new_account(store, clock, Some(&org)).await;
    c.status = AccountStatus::Paused;
    store.update_account(&c).await.unwrap();
    let other_org = new_account(store, clock, Some(&OrgId::new(unique("org")))).await;

    let in_org = store
        .list_accounts(&AccountFilter {
            org_id: Some(org.clone()),
            ..AccountFilter::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = in_org.iter().map(|x| x.id).collect();
    assert_eq!(
        ids,
        vec![a.id, b.id, c.id],
        "list_accounts(org) must return the organisation's accounts ordered by (created_at, id)"
    );
    let paused = store
        .list_accounts(&AccountFilter {
            org_id: Some(org.clone()),
            status: Some(AccountStatus::Paused),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(
        paused,
        vec![c.clone()],
        "list_accounts must filter by status"
    );
    let limited = store
        .list_accounts(&AccountFilter {
            org_id: Some(org.clone()),
            status: None,
            limit: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(
        limited.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![a.id, b.id],
        "list_accounts must apply the limit after ordering"
    );

    // Two organisations connect the same Threads profile.
    let mut twin = b.clone();
    twin.id = AccountId::new();
    twin.org_id = other_org.org_id.clone();
    twin.created_at = tick(clock, TimeDelta::seconds(1));
    store.insert_account(&twin).await.unwrap();
    let found = store
        .find_accounts_by_threads_user(&b.threads_user_id)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![b.id, twin.id],
        "find_accounts_by_threads_user must return every account of that user, ordered"
    );
    assert!(
        store
            .find_accounts_by_threads_user(&unique("nobody"))
            .await
            .unwrap()
            .is_empty(),
        "find_accounts_by_threads_user of an unknown user must be empty"
    );

    let by_name = store.find_accounts_by_username(&b.username).await.unwrap();
    assert_eq!(
        by_name.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![b.id, twin.id],
        "find_accounts_by_username must return every account with that username, ordered by (created_at, id)"
    );
    assert!(
        store
            .find_accounts_by_username(&b.username.to_uppercase())
            .await
            .unwrap()
            .is_empty(),
        "find_accounts_by_username must match exactly (case included)"
    );
    assert_eq!(
        store
            .find_accounts_by_username(&changed.username)
            .await
            .unwrap(),
        vec![changed.clone()],
        "find_accounts_by_username must find an account by the username update_account wrote"
    );
    assert!(
        store
            .find_accounts_by_username(&a.username)
            .await
            .unwrap()
            .is_empty(),
        "find_accounts_by_username must not find an account by its username before an update"
    );

    cleanup(store, &[a.id, b.id, c.id, other_org.id, twin.id]).await;
}
