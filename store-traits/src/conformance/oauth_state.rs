//! Conformance of [`OAuthStateStore`](crate::OAuthStateStore) and [`StoreNonces`]:
//! the store's half of single-use OAuth state.

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::oauth_state::{NonceStore, OAuthStateSigner, StateClaims};
use token_crypto::{Clock, KeyMaterial, ManualClock};

use super::{align, tick, unique};
use crate::oauth_state::StoreNonces;
use crate::store::Store;

/// [`OAuthStateStore`](crate::OAuthStateStore): used nonces are single-use
/// until they expire (also under concurrency and through [`StoreNonces`]),
/// and token-crypto's signed state verified against the store is accepted once.
pub async fn oauth_state(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    // Used nonces.
    let nonce = unique("used");
    let until = clock.now() + TimeDelta::minutes(10);
    assert!(
        store.consume_nonce(&nonce, until).await.unwrap(),
        "first consume_nonce must return true"
    );
    assert!(
        !store.consume_nonce(&nonce, until).await.unwrap(),
        "consume_nonce of a recorded, unexpired nonce must return false"
    );
    tick(clock, TimeDelta::minutes(10));
    assert!(
        store
            .consume_nonce(&nonce, clock.now() + TimeDelta::minutes(10))
            .await
            .unwrap(),
        "consume_nonce after the record expired must return true"
    );
    let adapter = StoreNonces(store.clone());
    let other = unique("used");
    let until = clock.now() + TimeDelta::minutes(5);
    assert!(adapter.consume_once(&other, until).await.unwrap());
    assert!(
        !adapter.consume_once(&other, until).await.unwrap(),
        "StoreNonces must make nonces single-use"
    );
    let raced = unique("used");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        let raced = raced.clone();
        tasks.push(tokio::spawn(async move {
            store.consume_nonce(&raced, until).await
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        if task.await.expect("task").unwrap() {
            fresh += 1;
        }
    }
    assert_eq!(
        fresh, 1,
        "exactly one concurrent consume_nonce may return true"
    );

    // The one path: a signed state, its nonce consumed in the store.
    let shared: Arc<ManualClock> = Arc::new(ManualClock::new(clock.now()));
    let signer = OAuthStateSigner::new(KeyMaterial::from_bytes(&[9; 32]), shared);
    let claims = StateClaims {
        org: Some(unique("org")),
        scopes: vec!["threads_basic".into()],
        ..StateClaims::default()
    };
    let state = signer.issue_with("session", &claims).unwrap();
    let verified = signer
        .verify(&state, "session", &StoreNonces(store.clone()))
        .await
        .expect("a fresh signed state verifies against the store");
    assert_eq!(verified.claims, claims);
    let replay = signer
        .verify(&state, "session", &StoreNonces(store.clone()))
        .await;
    assert!(
        matches!(replay, Err(token_crypto::Error::StateReplayed)),
        "a signed state must be accepted once when its nonce is consumed in the store, got {replay:?}"
    );
}
