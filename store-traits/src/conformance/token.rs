//! Conformance of [`TokenStore`](crate::TokenStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::secrecy::{ExposeSecret, SecretString};
use token_crypto::{KeyMaterial, Keyring, ManualClock};

use super::{align, cleanup, new_account, sealed, unique_key_id};
use crate::error::Error;
use crate::ids::AccountId;
use crate::store::Store;
use crate::token::{TokenKind, TokenRecord};

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

/// Token-crypto's [`KeyUsageCounter`](token_crypto::KeyUsageCounter) over the
/// stored tokens: after tokens are sealed ([`TokenRecord::seal`]) under a key,
/// `Keyring::retire_checked` with the store refuses that key while tokens are
/// left on it, and accepts it once every token was rewrapped to the new key.
pub async fn key_usage(store: &Arc<dyn Store>, clock: &ManualClock) {
    let now = align(clock);
    let old = unique_key_id();
    let new = unique_key_id();
    let mut keyring = Keyring::new(old.clone(), KeyMaterial::from_bytes(&[0x11; 32]));
    let a = new_account(store, clock, None).await;
    let b = new_account(store, clock, None).await;
    for account in [&a, &b] {
        let token = SecretString::from(format!("THAA-{}", account.id));
        let record = TokenRecord::seal(
            &keyring,
            account.id,
            TokenKind::LongLived,
            &token,
            now,
            now + TimeDelta::days(60),
        )
        .unwrap();
        store.put_token(&record).await.unwrap();
    }
    assert_eq!(
        store.count_tokens_on_key(&old).await.unwrap(),
        2,
        "count_tokens_on_key must count the tokens sealed with the key"
    );
    assert_eq!(
        store.count_tokens_on_key(&unique_key_id()).await.unwrap(),
        0,
        "count_tokens_on_key of an unused key must be 0"
    );

    keyring
        .add_decrypt_only(new.clone(), KeyMaterial::from_bytes(&[0x22; 32]))
        .unwrap();
    keyring.promote(&new).unwrap();
    let mut left = 2;
    for account in [&a, &b] {
        let refused = keyring.retire_checked(&old, store.as_ref()).await;
        assert!(
            matches!(refused, Err(token_crypto::Error::KeyInUse { tokens, .. }) if tokens == left),
            "retire_checked must refuse a key with {left} token(s) left on it, got {refused:?}"
        );
        let stored = store.get_token(account.id).await.unwrap().unwrap();
        let context = TokenRecord::context(account.id).unwrap();
        let replacement = keyring
            .rewrap(&stored.sealed, &context)
            .unwrap()
            .expect("a token under the old key needs a rewrap");
        assert!(
            store
                .rewrap_token(account.id, &stored.sealed, &replacement)
                .await
                .unwrap()
        );
        left -= 1;
    }
    keyring
        .retire_checked(&old, store.as_ref())
        .await
        .expect("retire_checked must accept a key once every token was rewrapped");
    assert_eq!(store.count_tokens_on_key(&new).await.unwrap(), 2);
    for account in [&a, &b] {
        let record = store.get_token(account.id).await.unwrap().unwrap();
        assert_eq!(
            record.open(&keyring).unwrap().expose_secret(),
            format!("THAA-{}", account.id),
            "a rewrapped token must open under the account's canonical context"
        );
    }
    cleanup(store, &[a.id, b.id]).await;
}
