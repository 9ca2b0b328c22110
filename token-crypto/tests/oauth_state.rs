//! Signed, expiring, single-use OAuth state.

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use token_crypto::oauth_state::{MemoryNonceStore, NonceStore, OAuthStateSigner, StateClaims};
use token_crypto::{Error, KeyMaterial, ManualClock};

fn setup() -> (Arc<ManualClock>, OAuthStateSigner, MemoryNonceStore) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
    ));
    let signer = OAuthStateSigner::new(KeyMaterial::from_bytes(&[7; 32]), clock.clone());
    let store = MemoryNonceStore::new(clock.clone());
    (clock, signer, store)
}

#[tokio::test]
async fn a_state_verifies_once_for_its_session() {
    let (_, signer, store) = setup();
    let state = signer.issue("session-a").unwrap();
    assert!(state.starts_with("v2."));
    assert!(
        !state.contains("session-a"),
        "the session id is not carried in the state"
    );
    assert!(state.len() <= token_crypto::oauth_state::MAX_STATE_LEN);
    // Another session's state is refused and does not burn the nonce.
    assert!(matches!(
        signer.verify(&state, "session-b", &store).await,
        Err(Error::StateSignature)
    ));
    signer.verify(&state, "session-a", &store).await.unwrap();
    assert!(matches!(
        signer.verify(&state, "session-a", &store).await,
        Err(Error::StateReplayed)
    ));
    assert_ne!(
        signer.issue("session-a").unwrap(),
        state,
        "every state has a fresh nonce"
    );
    assert!(matches!(signer.issue(""), Err(Error::InvalidContext(_))));
}

#[tokio::test]
async fn states_expire_by_the_clock() {
    let (clock, signer, store) = setup();
    let signer = signer.with_ttl(TimeDelta::minutes(2));
    let state = signer.issue("s").unwrap();
    clock.advance(TimeDelta::seconds(119));
    let early = signer.issue("s").unwrap();
    signer.verify(&early, "s", &store).await.unwrap();
    clock.advance(TimeDelta::seconds(1));
    assert!(matches!(
        signer.verify(&state, "s", &store).await,
        Err(Error::StateExpired)
    ));
}

#[tokio::test]
async fn tampered_or_malformed_states_are_refused_with_typed_errors() {
    let (_, signer, store) = setup();
    let state = signer.issue("s").unwrap();
    let other_key = OAuthStateSigner::new(
        KeyMaterial::from_bytes(&[8; 32]),
        Arc::new(ManualClock::new(Utc::now())),
    );
    assert!(matches!(
        other_key.verify(&state, "s", &store).await,
        Err(Error::StateSignature)
    ));

    let parts: Vec<&str> = state.split('.').collect();
    // A later expiry with the old tag.
    let later = format!(
        "{}.{}.{}.{}.{}",
        parts[0],
        parts[1],
        parts[2].parse::<i64>().unwrap() + 3600,
        parts[3],
        parts[4]
    );
    assert!(matches!(
        signer.verify(&later, "s", &store).await,
        Err(Error::StateSignature)
    ));
    for i in 0..state.len() {
        // Every single-byte change and every truncation fails without panicking.
        let mut bytes = state.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(signer.verify(&changed, "s", &store).await.is_err());
        assert!(signer.verify(&state[..i], "s", &store).await.is_err());
    }
    for bad in [
        "",
        "v2",
        "v2.a.1.b",
        "v2....",
        "v1.a.b.c.d",
        "v2.a.b.c.d.e",
        &"v".repeat(2000),
        "v2.AAAAAAAAAAAAAAAAAAAAAA.-5.e30.AAAA",
        "v2.AAAAAAAAAAAAAAAAAAAAAA.99999999999999999999.e30.AAAA",
    ] {
        assert!(
            matches!(
                signer.verify(bad, "s", &store).await,
                Err(Error::MalformedState(_))
            ),
            "{bad:?}"
        );
    }
    // The original is still usable: none of the failures consumed its nonce.
    signer.verify(&state, "s", &store).await.unwrap();
}

#[tokio::test]
async fn memory_store_purges_expired_entries_and_refuses_when_full() {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ));
    let store = MemoryNonceStore::with_capacity(clock.clone(), 2);
    let soon = clock.now_plus(60);
    assert!(store.consume_once("a", soon).await.unwrap());
    assert!(!store.consume_once("a", soon).await.unwrap());
    assert!(store.consume_once("b", clock.now_plus(120)).await.unwrap());
    assert!(matches!(
        store.consume_once("c", soon).await,
        Err(Error::NonceStoreFull { capacity: 2 })
    ));
    clock.advance(TimeDelta::seconds(61));
    // "a" expired: it is purged to make room, and may even be recorded again.
    assert!(store.consume_once("c", clock.now_plus(60)).await.unwrap());
    assert_eq!(store.len(), 2);
    assert!(!store.consume_once("b", clock.now_plus(60)).await.unwrap());
}

trait NowPlus {
    fn now_plus(&self, secs: i64) -> chrono::DateTime<Utc>;
}

impl NowPlus for ManualClock {
    fn now_plus(&self, secs: i64) -> chrono::DateTime<Utc> {
        token_crypto::Clock::now(self) + TimeDelta::seconds(secs)
    }
}

/// A store error surfaces as [`Error::NonceStore`] with its source kept.
struct BrokenStore;

#[async_trait::async_trait]
impl NonceStore for BrokenStore {
    async fn consume_once(&self, _: &str, _: chrono::DateTime<Utc>) -> Result<bool, Error> {
        Err(Error::nonce_store(std::io::Error::other("db down")))
    }
}

#[tokio::test]
async fn nonce_store_errors_keep_their_source() {
    let (_, signer, _) = setup();
    let state = signer.issue("s").unwrap();
    let store: Arc<dyn NonceStore> = Arc::new(BrokenStore);
    let err = signer
        .verify(&state, "s", store.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NonceStore(_)));
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "db down"
    );
}

#[test]
fn an_absurd_lifetime_is_an_error_not_a_panic() {
    let (_, signer, _) = setup();
    let signer = signer.with_ttl(TimeDelta::MAX);
    assert!(matches!(signer.issue("s"), Err(Error::InvalidContext(_))));
}

#[tokio::test]
async fn claims_travel_signed_and_come_back_once() {
    let (_, signer, store) = setup();
    let claims = StateClaims {
        org: Some("org-7".into()),
        user: Some("user-3".into()),
        scopes: vec!["threads_basic".into(), "threads_content_publish".into()],
        return_to: Some("/dashboard?tab=accounts".into()),
    };
    let state = signer.issue_with("s", &claims).unwrap();
    assert!(state.len() <= token_crypto::oauth_state::MAX_STATE_LEN);

    // Swapping in other claims (even well-formed ones) breaks the tag.
    let parts: Vec<&str> = state.split('.').collect();
    let other = signer
        .issue_with(
            "s",
            &StateClaims {
                org: Some("org-8".into()),
                ..claims.clone()
            },
        )
        .unwrap();
    let other_claims = other.split('.').nth(3).unwrap();
    let swapped = format!(
        "{}.{}.{}.{}.{}",
        parts[0], parts[1], parts[2], other_claims, parts[4]
    );
    assert!(matches!(
        signer.verify(&swapped, "s", &store).await,
        Err(Error::StateSignature)
    ));

    let verified = signer.verify(&state, "s", &store).await.unwrap();
    assert_eq!(verified.claims, claims);
    assert!(matches!(
        signer.verify(&state, "s", &store).await,
        Err(Error::StateReplayed)
    ));
}

#[test]
fn claims_too_large_for_a_url_are_refused() {
    let (_, signer, _) = setup();
    let huge = StateClaims {
        return_to: Some("x".repeat(2_000)),
        ..StateClaims::default()
    };
    assert!(matches!(
        signer.issue_with("s", &huge),
        Err(Error::MalformedState(_))
    ));
}
