//! The [`Store`] bundle, the [`StoreFactory`] contract and the extension traits.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use token_crypto::{Clock, KeyUsageCounter};

use crate::account::{Account, AccountStore};
use crate::audit::AuditLog;
use crate::conversation::ConversationStore;
use crate::draft::{Draft, DraftStore};
use crate::error::{Error, Result};
use crate::ids::{AccountId, DraftId};
use crate::inbox::WebhookInbox;
use crate::insight::InsightStore;
use crate::oauth_state::OAuthStateStore;
use crate::persona::PersonaStore;
use crate::privacy::PrivacyStore;
use crate::publish::PublishLedger;
use crate::queue::{Job, JobQueue, NewJob};
use crate::quota::QuotaLedger;
use crate::record_kind::RecordKind;
use crate::source::SourceStore;
use crate::token::TokenStore;

/// Everything a backend provides, so it can be passed around as one `Arc<dyn Store>`.
///
/// Implemented automatically for every type that implements all the store traits
/// and token-crypto's [`KeyUsageCounter`] (counted from the stored tokens, as
/// [`TokenStore::count_tokens_by_key`] counts); a backend implements those and
/// gets `Store` for free. Because [`KeyUsageCounter`] is part of the bundle, a
/// `&dyn Store` is a `&dyn KeyUsageCounter`, so key rotation can ask any store
/// whether a key still protects tokens:
///
/// ```
/// use std::sync::Arc;
/// use store_traits::{MemoryStore, Store};
/// use token_crypto::{KeyId, KeyMaterial, Keyring};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), token_crypto::Error> {
/// let store: Arc<dyn Store> = Arc::new(MemoryStore::with_system_clock());
/// let old = KeyId::new("2025-08")?;
/// let mut keyring = Keyring::new(old.clone(), KeyMaterial::generate()?);
/// let new = KeyId::new("2026-02")?;
/// keyring.add_decrypt_only(new.clone(), KeyMaterial::generate()?)?;
/// keyring.promote(&new)?;
/// // No token is sealed with the old key, so it may go.
/// keyring.retire_checked(&old, store.as_ref()).await?;
/// # Ok(())
/// # }
/// ```
pub trait Store:
    AccountStore
    + TokenStore
    + PersonaStore
    + SourceStore
    + DraftStore
    + ConversationStore
    + PublishLedger
    + InsightStore
    + AuditLog
    + OAuthStateStore
    + WebhookInbox
    + QuotaLedger
    + JobQueue
    + PrivacyStore
    + KeyUsageCounter
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: AccountStore
        + TokenStore
        + PersonaStore
        + SourceStore
        + DraftStore
        + ConversationStore
        + PublishLedger
        + InsightStore
        + AuditLog
        + OAuthStateStore
        + WebhookInbox
        + QuotaLedger
        + JobQueue
        + PrivacyStore
        + KeyUsageCounter
        + std::fmt::Debug
        + Send
        + Sync
        + 'static
{
}

/// A type-erased store.
pub type DynStore = dyn Store;

/// Builds stores that read time from a given clock.
///
/// **Contract for backends**: every time-dependent decision (due jobs, lease
/// expiry, quota windows, state expiry, retention ages, `exported_at`, commit
/// times) uses the `Arc<dyn Clock>` the backend was constructed with, never the
/// system clock or the database's `now()`. That is what lets the conformance
/// suite drive time with a [`ManualClock`](token_crypto::ManualClock) instead of
/// sleeping.
#[async_trait]
pub trait StoreFactory: Send + Sync {
    /// A store (fresh or shared; the conformance suite isolates its data by
    /// unique ids and queue names) whose time comes from `clock`.
    async fn create(&self, clock: Arc<dyn Clock>) -> Result<Arc<dyn Store>>;
}

/// Conveniences over [`AccountStore`] and [`DraftStore`]. Blanket-implemented;
/// do not implement it yourself.
pub trait RecordStoreExt: AccountStore + DraftStore {
    /// Reads an account or fails with [`Error::NotFound`].
    fn require_account(&self, id: AccountId) -> impl Future<Output = Result<Account>> + Send
    where
        Self: Sync,
    {
        async move {
            self.get_account(id)
                .await?
                .ok_or_else(|| Error::not_found(RecordKind::Account, id))
        }
    }

    /// Reads a draft or fails with [`Error::NotFound`].
    fn require_draft(&self, id: DraftId) -> impl Future<Output = Result<Draft>> + Send
    where
        Self: Sync,
    {
        async move {
            self.get_draft(id)
                .await?
                .ok_or_else(|| Error::not_found(RecordKind::Draft, id))
        }
    }
}

impl<T: AccountStore + DraftStore + ?Sized> RecordStoreExt for T {}

/// Conveniences over [`JobQueue`]. Blanket-implemented; do not implement it yourself.
pub trait JobQueueExt: JobQueue {
    /// Enqueues a job due now, without dedup key.
    fn enqueue_now(
        &self,
        queue: &str,
        kind: &str,
        payload: serde_json::Value,
    ) -> impl Future<Output = Result<Job>> + Send
    where
        Self: Sync,
    {
        let job = NewJob::new(queue, kind, payload);
        async move { Ok(self.enqueue(job).await?.into_inner()) }
    }

    /// Claims at most one due job.
    fn claim_one<'a>(
        &'a self,
        queue: &'a str,
        worker: &'a str,
        lease: TimeDelta,
    ) -> impl Future<Output = Result<Option<Job>>> + Send + 'a
    where
        Self: Sync,
    {
        async move {
            Ok(self
                .claim(queue, worker, 1, lease)
                .await?
                .into_iter()
                .next())
        }
    }
}

impl<T: JobQueue + ?Sized> JobQueueExt for T {}
