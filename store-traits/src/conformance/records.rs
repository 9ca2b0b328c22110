//! Accounts, tokens, personas and sources.

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, sealed, tick, unique, unique_key_id};
use crate::account::AccountFilter;
use crate::error::Error;
use crate::ids::{AccountId, OrgId, PersonaId, SourceId};
use crate::records::{AccountStatus, PersonaRecord, Source, SourceStatus, TokenKind, TokenRecord};
use crate::store::Store;

/// [`AccountStore`](crate::AccountStore): insert, get, update, list filters, lookup by Threads user.
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

    cleanup(store, &[a.id, b.id, c.id, other_org.id, twin.id]).await;
}

/// [`TokenStore`](crate::TokenStore): put/replace, metadata, expiry sweep,
/// compare-and-swap rewrap, per-key counts and listing, delete.
pub async fn tokens(store: &Arc<dyn Store>, clock: &ManualClock) {
    let now = align(clock);
    let k1 = unique_key_id();
    let k2 = unique_key_id();
    let a = new_account(store, clock, None).await;
    let b = new_account(store, clock, None).await;
    let c = new_account(store, clock, None).await;

    let mut ta = TokenRecord::new(
        a.id,
        TokenKind::LongLived,
        sealed(&k1, 1),
        now,
        now + TimeDelta::hours(2),
    );
    ta.metadata.scopes = vec!["threads_basic".into()];
    store.put_token(&ta).await.unwrap();
    assert_eq!(
        store.get_token(a.id).await.unwrap(),
        Some(ta.clone()),
        "get_token must return the stored token and metadata"
    );
    assert_eq!(
        store.token_metadata(a.id).await.unwrap(),
        Some(ta.metadata.clone()),
        "token_metadata must return the metadata"
    );
    assert_eq!(store.get_token(AccountId::new()).await.unwrap(), None);

    let mut mismatched = ta.clone();
    mismatched.metadata.key_id = k2.clone();
    let bad = store.put_token(&mismatched).await;
    assert!(
        matches!(bad, Err(Error::InvalidInput(_))),
        "put_token must reject metadata whose key id differs from the sealed token's, got {bad:?}"
    );

    let tb = TokenRecord::new(
        b.id,
        TokenKind::LongLived,
        sealed(&k1, 2),
        now,
        now + TimeDelta::hours(1),
    );
    store.put_token(&tb).await.unwrap();
    let tc = TokenRecord::new(
        c.id,
        TokenKind::ShortLived,
        sealed(&k2, 3),
        now,
        now + TimeDelta::days(3),
    );
    store.put_token(&tc).await.unwrap();

    let expiring = store
        .list_tokens_expiring_before(now + TimeDelta::days(1), 100_000)
        .await
        .unwrap();
    let mine: Vec<_> = expiring
        .iter()
        .filter(|t| [a.id, b.id, c.id].contains(&t.account_id()))
        .map(|t| t.account_id())
        .collect();
    assert_eq!(
        mine,
        vec![b.id, a.id],
        "list_tokens_expiring_before must return tokens expiring before the instant, soonest first"
    );
    assert!(
        expiring
            .windows(2)
            .all(|w| (w[0].metadata.expires_at, w[0].account_id())
                <= (w[1].metadata.expires_at, w[1].account_id())),
        "list_tokens_expiring_before must order by (expires_at, account_id)"
    );
    assert!(
        expiring
            .iter()
            .all(|t| t.metadata.expires_at < now + TimeDelta::days(1)),
        "list_tokens_expiring_before must not return later tokens"
    );

    let counts = store.count_tokens_by_key().await.unwrap();
    let count_of = |k: &crate::KeyId| counts.iter().find(|(id, _)| id == k).map(|(_, n)| *n);
    assert_eq!(
        count_of(&k1),
        Some(2),
        "count_tokens_by_key must count per key id"
    );
    assert_eq!(
        count_of(&k2),
        Some(1),
        "count_tokens_by_key must count per key id"
    );
    assert!(
        counts.windows(2).all(|w| w[0].0 < w[1].0),
        "count_tokens_by_key must be ordered by key id"
    );
    let mut on_k1: Vec<_> = vec![a.id, b.id];
    on_k1.sort();
    let listed = store.list_tokens_by_key(&k1, 10).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.account_id()).collect::<Vec<_>>(),
        on_k1,
        "list_tokens_by_key must list the key's tokens ordered by account id"
    );
    assert_eq!(store.list_tokens_by_key(&k1, 1).await.unwrap().len(), 1);

    // Rotation: compare-and-swap.
    let replacement = sealed(&k2, 9);
    assert!(
        !store
            .rewrap_token(a.id, &sealed(&k1, 77), &replacement)
            .await
            .unwrap(),
        "rewrap_token must not replace when the current value differs"
    );
    assert_eq!(store.get_token(a.id).await.unwrap(), Some(ta.clone()));
    assert!(
        store
            .rewrap_token(a.id, &ta.sealed, &replacement)
            .await
            .unwrap(),
        "rewrap_token must replace when the current value matches"
    );
    let rewrapped = store.get_token(a.id).await.unwrap().unwrap();
    assert_eq!(rewrapped.sealed, replacement);
    assert_eq!(
        rewrapped.metadata.key_id, k2,
        "rewrap_token must update the metadata key id"
    );
    assert_eq!(rewrapped.metadata.expires_at, ta.metadata.expires_at);
    assert!(
        !store
            .rewrap_token(AccountId::new(), &ta.sealed, &replacement)
            .await
            .unwrap(),
        "rewrap_token of an unknown account must return false"
    );
    let counts = store.count_tokens_by_key().await.unwrap();
    assert_eq!(
        counts.iter().find(|(id, _)| *id == k1).map(|(_, n)| *n),
        Some(1),
        "counts must follow a rewrap"
    );

    // Replace on put.
    let refreshed = TokenRecord::new(
        b.id,
        TokenKind::LongLived,
        sealed(&k2, 5),
        now,
        now + TimeDelta::days(60),
    );
    store.put_token(&refreshed).await.unwrap();
    assert_eq!(
        store.get_token(b.id).await.unwrap(),
        Some(refreshed),
        "put_token must replace the previous token"
    );
    assert!(store.list_tokens_by_key(&k1, 10).await.unwrap().is_empty());

    assert!(
        store.delete_token(c.id).await.unwrap(),
        "delete_token must return true when a token existed"
    );
    assert!(
        !store.delete_token(c.id).await.unwrap(),
        "a second delete_token must return false"
    );
    assert_eq!(store.get_token(c.id).await.unwrap(), None);
    assert_eq!(store.token_metadata(c.id).await.unwrap(), None);

    cleanup(store, &[a.id, b.id, c.id]).await;
}

/// [`PersonaStore`](crate::PersonaStore): put (insert and replace), get, list, delete.
pub async fn personas(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let doc = serde_json::json!({
        "name": "Ada", "tone": ["warm", "direct"], "length": {"min": 80, "max": 300},
        "emoji": false, "nested": {"list": [1, 2, 3], "null": null}
    });
    let p1 = PersonaRecord::new(a.id, "main", doc.clone(), clock.now());
    store.put_persona(&p1).await.unwrap();
    assert_eq!(
        store.get_persona(p1.id).await.unwrap(),
        Some(p1.clone()),
        "get_persona must return the document unchanged"
    );
    tick(clock, TimeDelta::seconds(1));
    let mut p2 = PersonaRecord::new(a.id, "alt", serde_json::json!({"v": 2}), clock.now());
    p2.is_active = false;
    p2.schema_version = 3;
    store.put_persona(&p2).await.unwrap();

    let mut p1b = p1.clone();
    p1b.document = serde_json::json!({"name": "Ada", "tone": ["calm"]});
    p1b.updated_at = tick(clock, TimeDelta::seconds(1));
    store.put_persona(&p1b).await.unwrap();
    assert_eq!(
        store.get_persona(p1.id).await.unwrap(),
        Some(p1b.clone()),
        "put_persona with an existing id must replace it"
    );
    assert_eq!(
        store.list_personas(a.id).await.unwrap(),
        vec![p1b.clone(), p2.clone()],
        "list_personas must list the account's personas ordered by (created_at, id)"
    );
    assert!(store.delete_persona(p2.id).await.unwrap());
    assert!(
        !store.delete_persona(p2.id).await.unwrap(),
        "second delete_persona must return false"
    );
    assert_eq!(store.get_persona(p2.id).await.unwrap(), None);
    assert_eq!(store.get_persona(PersonaId::new()).await.unwrap(), None);
    assert_eq!(store.list_personas(a.id).await.unwrap(), vec![p1b]);
    cleanup(store, &[a.id]).await;
}

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
