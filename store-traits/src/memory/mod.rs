//! [`MemoryStore`]: every store trait over in-process maps.
//!
//! This module holds the store, its state and the lock; each trait's
//! implementation is in the submodule named like the trait's module at the
//! crate root (`account`, `token`, ..., `privacy`).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use token_crypto::{Clock, SystemClock};

use crate::account::Account;
use crate::audit::AuditEvent;
use crate::conversation::{Conversation, Message};
use crate::draft::Draft;
use crate::ids::{
    AccountId, AuditEventId, ConversationId, DeletionRequestId, DraftId, FenceToken,
    InsightSnapshotId, JobId, MessageId, PersonaId, ReservationId, SourceId,
};
use crate::inbox::InboxEntry;
use crate::insight::InsightSnapshot;
use crate::persona::PersonaRecord;
use crate::privacy::DeletionRequest;
use crate::publish::PublishEntry;
use crate::queue::Job;
use crate::quota::{QuotaLimits, QuotaReservation};
use crate::source::Source;
use crate::token::TokenRecord;

mod account;
mod audit;
mod conversation;
mod draft;
mod inbox;
mod insight;
mod oauth_state;
mod persona;
mod privacy;
mod publish;
mod queue;
mod quota;
mod source;
mod token;

/// An in-memory implementation of every store trait.
///
/// All data sits behind **one `Mutex`**: each trait method takes the lock once,
/// does all its reads and writes, and releases it without awaiting in between.
/// Every operation is therefore atomic and isolated from every other, which makes
/// the queue's exactly-one-claimer guarantee, the quota ledger and the inbox
/// trivially correct here. It is meant for tests, examples and single-process
/// tools: nothing is persisted, and one lock limits throughput under heavy
/// parallel use.
///
/// Time comes from the clock given to [`MemoryStore::new`].
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeZone, Utc};
/// use store_traits::{Account, AccountStore, Clock, ManualClock, MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), store_traits::Error> {
/// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
/// let store = MemoryStore::new(clock.clone());
/// let account = Account::new("1789", "alice", clock.now());
/// store.insert_account(&account).await?;
/// assert_eq!(store.get_account(account.id).await?, Some(account));
/// # Ok(())
/// # }
/// ```
pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// An empty store on the system clock.
    pub fn with_system_clock() -> Self {
        Self::new(Arc::new(SystemClock))
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every method leaves the state consistent before anything can panic,
        // so a poisoned lock still guards valid data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryStore")
            .field("clock", &self.clock)
            .field("accounts", &state.accounts.len())
            .field("drafts", &state.drafts.len())
            .field("jobs", &state.jobs.len())
            .finish_non_exhaustive()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_system_clock()
    }
}

/// Builds [`MemoryStore`]s (each `create` returns a new, empty store).
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryStoreFactory;

#[async_trait::async_trait]
impl crate::store::StoreFactory for MemoryStoreFactory {
    async fn create(&self, clock: Arc<dyn Clock>) -> crate::Result<Arc<dyn crate::Store>> {
        Ok(Arc::new(MemoryStore::new(clock)))
    }
}

#[derive(Default)]
struct State {
    accounts: HashMap<AccountId, Account>,
    tokens: HashMap<AccountId, TokenRecord>,
    personas: HashMap<PersonaId, PersonaRecord>,
    sources: HashMap<SourceId, Source>,
    drafts: HashMap<DraftId, Draft>,
    publish: HashMap<DraftId, PublishEntry>,
    conversations: HashMap<ConversationId, Conversation>,
    messages: HashMap<MessageId, Message>,
    insights: HashMap<InsightSnapshotId, InsightSnapshot>,
    audit: HashMap<AuditEventId, AuditEvent>,
    used_nonces: HashMap<String, DateTime<Utc>>,
    inbox: HashMap<String, InboxEntry>,
    quota: HashMap<ReservationId, QuotaReservation>,
    quota_limits: HashMap<AccountId, QuotaLimits>,
    jobs: HashMap<JobId, Job>,
    /// Queued and running jobs per queue, so claims do not scan finished jobs.
    live_jobs: HashMap<String, BTreeSet<JobId>>,
    deletion_requests: HashMap<DeletionRequestId, DeletionRequest>,
    last_fence: u64,
}

impl State {
    fn next_fence(&mut self) -> FenceToken {
        self.last_fence += 1;
        FenceToken::new(self.last_fence)
    }

    fn mark_live(&mut self, job: &Job) {
        self.live_jobs
            .entry(job.queue.clone())
            .or_default()
            .insert(job.id);
    }

    fn mark_finished(&mut self, queue: &str, id: JobId) {
        if let Some(set) = self.live_jobs.get_mut(queue) {
            set.remove(&id);
            if set.is_empty() {
                self.live_jobs.remove(queue);
            }
        }
    }
}

/// Sorts by `key`, then keeps at most `limit` items.
fn sorted<T, K: Ord>(mut items: Vec<T>, key: impl Fn(&T) -> K, limit: Option<usize>) -> Vec<T> {
    items.sort_by_key(|item| key(item));
    if let Some(limit) = limit {
        items.truncate(limit);
    }
    items
}
