//! Conformance of [`OAuthStateStore`](crate::OAuthStateStore) and [`StoreNonces`].

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::oauth_state::NonceStore;
use token_crypto::{Clock, ManualClock};

use super::{align, tick, unique};
use crate::error::Error;
use crate::ids::OrgId;
use crate::oauth_state::{OAuthState, StoreNonces};
use crate::store::Store;

/// [`OAuthStateStore`](crate::OAuthStateStore): put, single-use take (also
/// under concurrency), expiry, used nonces (also through [`StoreNonces`]).
pub async fn oauth_state(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let mut state = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    state.session_binding = Some("sha256:session".into());
    state.org_id = Some(OrgId::new("org-1"));
    state.requested_scopes = vec!["threads_basic".into()];
    state.redirect_after = Some("/accounts".into());
    store.put_oauth_state(&state).await.unwrap();
    assert!(
        matches!(
            store.put_oauth_state(&state).await,
            Err(Error::AlreadyExists { .. })
        ),
        "put_oauth_state with a taken nonce must fail with AlreadyExists"
    );
    assert_eq!(
        store.take_oauth_state(&state.nonce).await.unwrap(),
        Some(state.clone()),
        "take_oauth_state must return the stored state"
    );
    assert_eq!(
        store.take_oauth_state(&state.nonce).await.unwrap(),
        None,
        "take_oauth_state must return a state only once"
    );
    assert_eq!(
        store.take_oauth_state(&unique("unknown")).await.unwrap(),
        None
    );

    let expiring = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    store.put_oauth_state(&expiring).await.unwrap();
    tick(clock, TimeDelta::minutes(10));
    assert_eq!(
        store.take_oauth_state(&expiring.nonce).await.unwrap(),
        None,
        "a state whose expires_at <= now must not be returned"
    );

    // Concurrent takes of one state: exactly one wins.
    let raced = OAuthState::new(unique("nonce"), clock.now(), TimeDelta::minutes(10));
    store.put_oauth_state(&raced).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        let nonce = raced.nonce.clone();
        tasks.push(tokio::spawn(
            async move { store.take_oauth_state(&nonce).await },
        ));
    }
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("task").unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(
        winners, 1,
        "exactly one concurrent take_oauth_state may succeed"
    );

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
}
