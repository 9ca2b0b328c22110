//! A conformance suite every [`Store`] implementation runs against itself.
//!
//! Enabled by the `conformance` feature. Each public function checks one area
//! and **panics** with a message naming the broken rule, like a test does; call
//! them from your backend's tests. [`run_all`] runs every area in a safe order.
//! Two multi-process harnesses serve stores that outlive their process or are
//! shared between processes: [`durability`], the "commit returns → SIGKILL →
//! restart" loop (a commit that returned is never lost), and [`multiprocess`],
//! several processes claiming from one queue (every job runs exactly once).
//!
//! The checks of each store trait are written in a private submodule named
//! like the trait's module at the crate root (`account`, `token`, ...,
//! `privacy`; see the [crate documentation](crate#traits)); their functions
//! are public here.
//!
//! ```no_run
//! use std::sync::Arc;
//! use store_traits::{ManualClock, MemoryStore, Store};
//!
//! #[tokio::main]
//! async fn main() {
//!     // Build your backend on the same clock the suite moves.
//!     let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
//!     let store: Arc<dyn Store> = Arc::new(MemoryStore::new(clock.clone()));
//!     store_traits::conformance::run_all(store.clone(), &clock).await;
//!     // A heavier run of the exactly-one-claimer property:
//!     store_traits::conformance::exactly_one_claimer(&store, &clock, 1_000, 32).await;
//! }
//! ```
//!
//! # Requirements on the store under test
//! - Its clock is the [`ManualClock`] passed in (see [`StoreFactory`](crate::StoreFactory)).
//!   The suite only moves the clock forward, in whole seconds, starting from a
//!   whole-second instant, so microsecond timestamp precision is enough.
//! - It may hold other data: the suite uses fresh ids, organisation ids, key ids
//!   and queue names, and deletes the accounts it created when an area ends.
//!   Only [`retention`] deletes by age; [`run_all`] runs it last.
//! - Use a multi-threaded tokio runtime to get real parallelism in the
//!   concurrency checks (they spawn tasks; a current-thread runtime still
//!   interleaves them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: failing loudly is its purpose"
)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use token_crypto::{Clock, KeyId, ManualClock, SealedToken};

use crate::account::Account;
use crate::ids::{AccountId, OrgId};
use crate::store::Store;

mod account;
mod audit;
mod conversation;
mod draft;
pub mod durability;
mod inbox;
mod insight;
pub mod multiprocess;
mod oauth_state;
mod persona;
mod privacy;
mod publish;
mod queue;
mod quota;
mod source;
mod token;

pub use account::accounts;
pub use audit::audit_log;
pub use conversation::conversations;
pub use draft::{draft_life_cycle, drafts};
pub use inbox::webhook_inbox;
pub use insight::insights;
pub use oauth_state::oauth_state;
pub use persona::personas;
pub use privacy::{deletion_requests, export_and_delete, retention};
pub use publish::publish_ledger;
pub use queue::{exactly_one_claimer, fencing, job_queue};
pub use quota::{quota, quota_limits};
pub use source::sources;
pub use token::{key_usage, tokens};

/// Runs every area once, [`retention`] last, with 200 iterations × 32 claimers
/// of [`exactly_one_claimer`].
pub async fn run_all(store: Arc<dyn Store>, clock: &ManualClock) {
    accounts(&store, clock).await;
    tokens(&store, clock).await;
    key_usage(&store, clock).await;
    personas(&store, clock).await;
    sources(&store, clock).await;
    drafts(&store, clock).await;
    draft_life_cycle(&store, clock).await;
    publish_ledger(&store, clock).await;
    conversations(&store, clock).await;
    insights(&store, clock).await;
    audit_log(&store, clock).await;
    oauth_state(&store, clock).await;
    job_queue(&store, clock).await;
    fencing(&store, clock).await;
    exactly_one_claimer(&store, clock, 200, 32).await;
    webhook_inbox(&store, clock).await;
    quota(&store, clock).await;
    quota_limits(&store, clock).await;
    deletion_requests(&store, clock).await;
    export_and_delete(&store, clock).await;
    retention(&store, clock).await;
}

/// Moves the clock forward to the next whole second and returns that instant.
fn align(clock: &ManualClock) -> DateTime<Utc> {
    let next = clock.now().timestamp() + 1;
    let aligned = DateTime::from_timestamp(next, 0).expect("timestamp in range");
    clock.set(aligned);
    aligned
}

/// Advances the clock by whole seconds and returns the new instant.
fn tick(clock: &ManualClock, delta: TimeDelta) -> DateTime<Utc> {
    clock.advance(delta);
    clock.now()
}

/// A name unique to this run.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

/// A key id unique to this run.
fn unique_key_id() -> KeyId {
    // The tail of a v7 UUID (counter and random bits) keeps the id within 32 characters.
    let id = uuid::Uuid::now_v7().simple().to_string();
    KeyId::new(format!("ct{}", &id[2..])).expect("valid key id")
}

/// A structurally valid sealed token (never opened by the suite).
fn sealed(key_id: &KeyId, seed: u8) -> SealedToken {
    let kid = key_id.as_str().as_bytes();
    let mut bytes = vec![1u8, kid.len() as u8];
    bytes.extend_from_slice(kid);
    bytes.extend_from_slice(&[seed; 12]);
    bytes.extend_from_slice(&[seed.wrapping_add(1); 40]);
    SealedToken::from_bytes(&bytes).expect("well-formed sealed token")
}

/// Inserts a fresh active account in organisation `org`.
async fn new_account(store: &Arc<dyn Store>, clock: &ManualClock, org: Option<&OrgId>) -> Account {
    let mut account = Account::new(unique("tu"), unique("user"), clock.now());
    account.org_id = org.cloned();
    account.display_name = Some("Conformance".into());
    account.granted_scopes = vec!["threads_basic".into(), "threads_content_publish".into()];
    account.requested_scopes = account.granted_scopes.clone();
    store
        .insert_account(&account)
        .await
        .expect("insert_account of a fresh account succeeds");
    account
}

/// Deletes the accounts an area created.
async fn cleanup(store: &Arc<dyn Store>, accounts: &[AccountId]) {
    for id in accounts {
        store
            .delete_account_data(*id)
            .await
            .expect("delete_account_data succeeds");
    }
}
