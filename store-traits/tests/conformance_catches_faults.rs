//! The conformance suite fails on broken stores: each test wraps the memory
//! store with one injected fault and checks that the matching area panics with
//! a message naming the broken rule.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use store_traits::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `claim` hands out jobs that are already leased.
    ClaimIgnoresLease,
    /// `claim` never reclaims jobs whose lease expired.
    NoLeaseExpiry,
    /// `complete` accepts any fence token.
    NoFenceCheck,
    /// `enqueue` ignores dedup keys.
    NoDedup,
    /// `delete_account_data` leaves audit events behind.
    DeleteKeepsAudit,
    /// `reserve` checks, then inserts in a separate step.
    QuotaNotAtomic,
    /// `receive_webhook` checks, then enqueues in a separate step.
    InboxNotAtomic,
    /// `update_draft` skips the version check.
    NoDraftCas,
    /// `update_draft` writes any state, ignoring the draft life cycle.
    AnyDraftTransition,
    /// `reserve` decides against Meta's default limits, not the stored ones.
    QuotaIgnoresStoredLimits,
    /// `count_tokens_on_key` always answers zero.
    KeyCountAlwaysZero,
    /// `find_accounts_by_username` ignores case.
    UsernameIgnoresCase,
    /// `find_publish_entry_by_media` only sees entries as `begin_publish` stored them.
    MediaLookupMissesUpdates,
}

#[derive(Debug)]
struct Faulty {
    inner: MemoryStore,
    clock: Arc<ManualClock>,
    fault: Fault,
    /// The limits callers set, where a fault keeps them away from `inner`.
    limits: Mutex<HashMap<AccountId, QuotaLimits>>,
    /// Entries as `begin_publish` stored them (for `MediaLookupMissesUpdates`).
    begun: Mutex<Vec<PublishEntry>>,
}

impl Faulty {
    fn has(&self, fault: Fault) -> bool {
        self.fault == fault
    }
}

#[async_trait]
impl AccountStore for Faulty {
    async fn insert_account(&self, account: &Account) -> Result<()> {
        self.inner.insert_account(account).await
    }
    async fn get_account(&self, id: AccountId) -> Result<Option<Account>> {
        self.inner.get_account(id).await
    }
    async fn update_account(&self, account: &Account) -> Result<()> {
        self.inner.update_account(account).await
    }
    async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        self.inner.list_accounts(filter).await
    }
    async fn find_accounts_by_threads_user(&self, threads_user_id: &str) -> Result<Vec<Account>> {
        self.inner
            .find_accounts_by_threads_user(threads_user_id)
            .await
    }
    async fn find_accounts_by_username(&self, username: &str) -> Result<Vec<Account>> {
        if self.has(Fault::UsernameIgnoresCase) {
            let all = self.inner.list_accounts(&AccountFilter::default()).await?;
            return Ok(all
                .into_iter()
                .filter(|a| a.username.eq_ignore_ascii_case(username))
                .collect());
        }
        self.inner.find_accounts_by_username(username).await
    }
}

#[async_trait]
impl TokenStore for Faulty {
    async fn put_token(&self, token: &TokenRecord) -> Result<()> {
        self.inner.put_token(token).await
    }
    async fn get_token(&self, account_id: AccountId) -> Result<Option<TokenRecord>> {
        self.inner.get_token(account_id).await
    }
    async fn token_metadata(&self, account_id: AccountId) -> Result<Option<TokenMetadata>> {
        self.inner.token_metadata(account_id).await
    }
    async fn delete_token(&self, account_id: AccountId) -> Result<bool> {
        self.inner.delete_token(account_id).await
    }
    async fn list_tokens_expiring_before(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<TokenRecord>> {
        self.inner.list_tokens_expiring_before(before, limit).await
    }
    async fn rewrap_token(
        &self,
        account_id: AccountId,
        current: &SealedToken,
        replacement: &SealedToken,
    ) -> Result<bool> {
        self.inner
            .rewrap_token(account_id, current, replacement)
            .await
    }
    async fn count_tokens_by_key(&self) -> Result<Vec<(KeyId, u64)>> {
        self.inner.count_tokens_by_key().await
    }
    async fn list_tokens_by_key(&self, key_id: &KeyId, limit: usize) -> Result<Vec<TokenRecord>> {
        self.inner.list_tokens_by_key(key_id, limit).await
    }
}

#[async_trait]
impl PersonaStore for Faulty {
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()> {
        self.inner.put_persona(persona).await
    }
    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>> {
        self.inner.get_persona(id).await
    }
    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>> {
        self.inner.list_personas(account_id).await
    }
    async fn delete_persona(&self, id: PersonaId) -> Result<bool> {
        self.inner.delete_persona(id).await
    }
}

#[async_trait]
impl SourceStore for Faulty {
    async fn insert_source(&self, source: &Source) -> Result<()> {
        self.inner.insert_source(source).await
    }
    async fn get_source(&self, id: SourceId) -> Result<Option<Source>> {
        self.inner.get_source(id).await
    }
    async fn update_source(&self, source: &Source) -> Result<()> {
        self.inner.update_source(source).await
    }
    async fn list_sources(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Source>> {
        self.inner.list_sources(account_id, limit).await
    }
    async fn delete_source(&self, id: SourceId) -> Result<bool> {
        self.inner.delete_source(id).await
    }
}

#[async_trait]
impl DraftStore for Faulty {
    async fn insert_draft(&self, draft: &Draft) -> Result<()> {
        self.inner.insert_draft(draft).await
    }
    async fn get_draft(&self, id: DraftId) -> Result<Option<Draft>> {
        self.inner.get_draft(id).await
    }
    async fn update_draft(&self, draft: &Draft, fence: Option<FenceToken>) -> Result<Draft> {
        if self.has(Fault::AnyDraftTransition)
            && let Some(stored) = self.inner.get_draft(draft.id).await?
            && !stored.state.can_become(draft.state)
        {
            // Checks fence and version, then rewrites the draft
            // without asking the life cycle.
            check_fenced_write(
                RecordKind::Draft,
                draft.id,
                stored.version,
                stored.fence,
                draft.version,
                fence,
            )?;
            let mut next = draft.clone();
            next.version = stored.version + 1;
            next.fence = fence.or(stored.fence);
            self.inner.delete_draft(draft.id).await?;
            self.inner.insert_draft(&next).await?;
            return Ok(next);
        }
        if self.has(Fault::NoDraftCas)
            && let Some(stored) = self.inner.get_draft(draft.id).await?
        {
            let mut forced = draft.clone();
            forced.version = stored.version;
            return self.inner.update_draft(&forced, fence).await;
        }
        self.inner.update_draft(draft, fence).await
    }
    async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<Draft>> {
        self.inner.list_drafts(filter).await
    }
    async fn delete_draft(&self, id: DraftId) -> Result<bool> {
        self.inner.delete_draft(id).await
    }
}

#[async_trait]
impl ConversationStore for Faulty {
    async fn get_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<Insertion<Conversation>> {
        self.inner.get_or_create_conversation(conversation).await
    }
    async fn get_conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        self.inner.get_conversation(id).await
    }
    async fn update_conversation(&self, conversation: &Conversation) -> Result<()> {
        self.inner.update_conversation(conversation).await
    }
    async fn list_conversations(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Conversation>> {
        self.inner.list_conversations(account_id, limit).await
    }
    async fn add_message(&self, message: &Message) -> Result<Insertion<Message>> {
        self.inner.add_message(message).await
    }
    async fn get_message(&self, id: MessageId) -> Result<Option<Message>> {
        self.inner.get_message(id).await
    }
    async fn find_message(
        &self,
        account_id: AccountId,
        provider_id: &str,
    ) -> Result<Option<Message>> {
        self.inner.find_message(account_id, provider_id).await
    }
    async fn update_message(&self, message: &Message) -> Result<()> {
        self.inner.update_message(message).await
    }
    async fn list_messages(&self, conversation_id: ConversationId) -> Result<Vec<Message>> {
        self.inner.list_messages(conversation_id).await
    }
}

#[async_trait]
impl PublishLedger for Faulty {
    async fn begin_publish(&self, entry: &PublishEntry) -> Result<Insertion<PublishEntry>> {
        let inserted = self.inner.begin_publish(entry).await?;
        if inserted.is_new() {
            self.begun.lock().expect("test fixture").push(entry.clone());
        }
        Ok(inserted)
    }
    async fn get_publish_entry(&self, draft_id: DraftId) -> Result<Option<PublishEntry>> {
        self.inner.get_publish_entry(draft_id).await
    }
    async fn update_publish_entry(
        &self,
        entry: &PublishEntry,
        fence: Option<FenceToken>,
    ) -> Result<PublishEntry> {
        self.inner.update_publish_entry(entry, fence).await
    }
    async fn list_publish_entries(&self, filter: &PublishFilter) -> Result<Vec<PublishEntry>> {
        self.inner.list_publish_entries(filter).await
    }
    async fn find_publish_entry_by_media(&self, media_id: &str) -> Result<Option<PublishEntry>> {
        if self.has(Fault::MediaLookupMissesUpdates) {
            let begun = self.begun.lock().expect("test fixture").clone();
            for entry in begun {
                if entry.media_id.as_deref() == Some(media_id) {
                    return self.inner.get_publish_entry(entry.draft_id).await;
                }
            }
            return Ok(None);
        }
        self.inner.find_publish_entry_by_media(media_id).await
    }
}

#[async_trait]
impl InsightStore for Faulty {
    async fn record_snapshot(&self, snapshot: &InsightSnapshot) -> Result<()> {
        self.inner.record_snapshot(snapshot).await
    }
    async fn list_snapshots(&self, query: &InsightQuery) -> Result<Vec<InsightSnapshot>> {
        self.inner.list_snapshots(query).await
    }
    async fn latest_snapshot(
        &self,
        account_id: AccountId,
        scope: &InsightScope,
    ) -> Result<Option<InsightSnapshot>> {
        self.inner.latest_snapshot(account_id, scope).await
    }
}

#[async_trait]
impl AuditLog for Faulty {
    async fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        self.inner.append_audit(event).await
    }
    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>> {
        self.inner.list_audit(query).await
    }
}

#[async_trait]
impl OAuthStateStore for Faulty {
    async fn consume_nonce(&self, nonce: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        self.inner.consume_nonce(nonce, expires_at).await
    }
}

#[async_trait]
impl WebhookInbox for Faulty {
    async fn receive_webhook(
        &self,
        event_id: &str,
        account_id: Option<AccountId>,
        job: NewJob,
    ) -> Result<InboxOutcome> {
        if self.has(Fault::InboxNotAtomic) {
            if let Some(entry) = self.inner.get_inbox_entry(event_id).await? {
                return Ok(InboxOutcome::Duplicate { entry });
            }
            tokio::task::yield_now().await;
            // The dedup row and the job are written separately: a racing
            // delivery that lost the insert still enqueues its job.
            let outcome = self
                .inner
                .receive_webhook(event_id, account_id, job.clone())
                .await?;
            if let InboxOutcome::Duplicate { entry } = outcome {
                let job = self.inner.enqueue(job).await?.into_inner();
                return Ok(InboxOutcome::Accepted { entry, job });
            }
            return Ok(outcome);
        }
        self.inner.receive_webhook(event_id, account_id, job).await
    }
    async fn get_inbox_entry(&self, event_id: &str) -> Result<Option<InboxEntry>> {
        self.inner.get_inbox_entry(event_id).await
    }
    async fn list_inbox_entries(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<InboxEntry>> {
        self.inner.list_inbox_entries(account_id, limit).await
    }
}

impl Faulty {
    /// Whether the limits callers set are kept here instead of in `inner`.
    fn keeps_limits(&self) -> bool {
        self.has(Fault::QuotaNotAtomic) || self.has(Fault::QuotaIgnoresStoredLimits)
    }
}

#[async_trait]
impl QuotaLedger for Faulty {
    async fn set_quota_limits(&self, account_id: AccountId, limits: &QuotaLimits) -> Result<()> {
        if self.keeps_limits() {
            limits.validate()?;
            self.limits
                .lock()
                .expect("test fixture")
                .insert(account_id, *limits);
            if self.has(Fault::QuotaNotAtomic) {
                // The inner ledger must not refuse: this wrapper decides.
                let unlimited = QuotaLimits {
                    posts: u32::MAX,
                    replies: u32::MAX,
                    deletes: u32::MAX,
                    ..*limits
                };
                return self.inner.set_quota_limits(account_id, &unlimited).await;
            }
            return Ok(());
        }
        self.inner.set_quota_limits(account_id, limits).await
    }
    async fn quota_limits(&self, account_id: AccountId) -> Result<QuotaLimits> {
        if self.keeps_limits() {
            return Ok(self
                .limits
                .lock()
                .expect("test fixture")
                .get(&account_id)
                .copied()
                .unwrap_or_default());
        }
        self.inner.quota_limits(account_id).await
    }
    async fn reserve(&self, request: &QuotaRequest) -> Result<QuotaReservation> {
        if self.has(Fault::QuotaNotAtomic) {
            let limits = self.quota_limits(request.account_id).await?;
            let existing = self.inner.list_reservations(request.account_id).await?;
            request.check(&limits, &existing, self.clock.now())?;
            tokio::task::yield_now().await;
            return self.inner.reserve(request).await;
        }
        self.inner.reserve(request).await
    }
    async fn commit(&self, id: ReservationId) -> Result<QuotaReservation> {
        self.inner.commit(id).await
    }
    async fn release(&self, id: ReservationId) -> Result<bool> {
        self.inner.release(id).await
    }
    async fn usage(&self, account_id: AccountId, kind: QuotaKind) -> Result<QuotaUsage> {
        self.inner.usage(account_id, kind).await
    }
    async fn list_reservations(&self, account_id: AccountId) -> Result<Vec<QuotaReservation>> {
        self.inner.list_reservations(account_id).await
    }
}

#[async_trait]
impl KeyUsageCounter for Faulty {
    async fn count_tokens_on_key(&self, key_id: &KeyId) -> Result<u64, token_crypto::Error> {
        if self.has(Fault::KeyCountAlwaysZero) {
            return Ok(0);
        }
        self.inner.count_tokens_on_key(key_id).await
    }
}

#[async_trait]
impl JobQueue for Faulty {
    async fn enqueue(&self, mut job: NewJob) -> Result<Insertion<Job>> {
        if self.has(Fault::NoDedup) {
            job.dedup_key = None;
        }
        self.inner.enqueue(job).await
    }
    async fn claim(
        &self,
        queue: &str,
        worker: &str,
        limit: usize,
        lease: TimeDelta,
    ) -> Result<Vec<Job>> {
        let mut expired = Vec::new();
        if self.has(Fault::NoLeaseExpiry) {
            let filter = JobFilter {
                queue: Some(queue.to_owned()),
                states: vec![JobState::Running],
                ..JobFilter::default()
            };
            let now = self.clock.now();
            expired = self.inner.list_jobs(&filter).await?;
            expired.retain(|j| j.lease_expires_at.is_some_and(|at| at <= now));
        }
        let mut claimed = self.inner.claim(queue, worker, limit, lease).await?;
        claimed.retain(|j| !expired.iter().any(|e| e.id == j.id));
        if self.has(Fault::ClaimIgnoresLease) && claimed.is_empty() {
            let filter = JobFilter {
                queue: Some(queue.to_owned()),
                states: vec![JobState::Running],
                limit: Some(limit),
                ..JobFilter::default()
            };
            return self.inner.list_jobs(&filter).await;
        }
        Ok(claimed)
    }
    async fn extend_lease(&self, id: JobId, fence: FenceToken, lease: TimeDelta) -> Result<Job> {
        self.inner.extend_lease(id, fence, lease).await
    }
    async fn complete(&self, id: JobId, fence: FenceToken) -> Result<Job> {
        if self.has(Fault::NoFenceCheck)
            && let Some(current) = self.inner.get_job(id).await?.and_then(|j| j.fence)
        {
            return self.inner.complete(id, current).await;
        }
        self.inner.complete(id, fence).await
    }
    async fn retry(
        &self,
        id: JobId,
        fence: FenceToken,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<Job> {
        self.inner.retry(id, fence, at, error).await
    }
    async fn dead_letter(&self, id: JobId, fence: FenceToken, error: &str) -> Result<Job> {
        self.inner.dead_letter(id, fence, error).await
    }
    async fn requeue(&self, id: JobId, at: DateTime<Utc>) -> Result<Job> {
        self.inner.requeue(id, at).await
    }
    async fn cancel_job(&self, id: JobId) -> Result<bool> {
        self.inner.cancel_job(id).await
    }
    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        self.inner.get_job(id).await
    }
    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        self.inner.list_jobs(filter).await
    }
}

#[async_trait]
impl PrivacyStore for Faulty {
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport> {
        self.inner.export_account(account_id).await
    }
    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport> {
        let query = AuditQuery {
            account_id: Some(account_id),
            ..AuditQuery::default()
        };
        let kept = if self.has(Fault::DeleteKeepsAudit) {
            self.inner.list_audit(&query).await?
        } else {
            Vec::new()
        };
        let report = self.inner.delete_account_data(account_id).await?;
        for event in kept {
            self.inner.append_audit(&event).await?;
        }
        Ok(report)
    }
    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport> {
        self.inner.purge(policy).await
    }
    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        self.inner.create_deletion_request(request).await
    }
    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>> {
        self.inner.get_deletion_request(confirmation_code).await
    }
    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()> {
        self.inner.update_deletion_request(request).await
    }
}

type Area = for<'a> fn(
    &'a Arc<dyn Store>,
    &'a ManualClock,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

fn faulty(fault: Fault, clock: &Arc<ManualClock>) -> Arc<dyn Store> {
    Arc::new(Faulty {
        inner: MemoryStore::new(clock.clone()),
        clock: clock.clone(),
        fault,
        limits: Mutex::new(HashMap::new()),
        begun: Mutex::new(Vec::new()),
    })
}

/// Runs `area` against a store with `fault`; returns the panic message.
async fn failure_of(fault: Fault, area: Area) -> String {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ));
    let store = faulty(fault, &clock);
    let outcome = tokio::spawn(async move { area(&store, &clock).await }).await;
    let err = outcome.expect_err("the suite must fail on a faulty store");
    let payload = err.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn assert_mentions(message: &str, needle: &str) {
    assert!(
        message.contains(needle),
        "expected the failure to mention {needle:?}, got: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_that_hands_out_leased_jobs_fails() {
    let msg = failure_of(Fault::ClaimIgnoresLease, |s, c| {
        Box::pin(conformance::exactly_one_claimer(s, c, 5, 8))
    })
    .await;
    assert_mentions(&msg, "exactly one of 8 concurrent claimers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_that_never_reclaims_expired_leases_fails() {
    let msg = failure_of(Fault::NoLeaseExpiry, |s, c| {
        Box::pin(conformance::job_queue(s, c))
    })
    .await;
    assert_mentions(&msg, "lease expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_without_fencing_fails() {
    let msg = failure_of(Fault::NoFenceCheck, |s, c| {
        Box::pin(conformance::fencing(s, c))
    })
    .await;
    assert_mentions(&msg, "must fail with StaleFence");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_without_dedup_keys_fails() {
    let msg = failure_of(Fault::NoDedup, |s, c| {
        Box::pin(conformance::job_queue(s, c))
    })
    .await;
    assert_mentions(&msg, "live dedup key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_that_keeps_audit_events_after_deletion_fails() {
    let msg = failure_of(Fault::DeleteKeepsAudit, |s, c| {
        Box::pin(conformance::export_and_delete(s, c))
    })
    .await;
    assert_mentions(&msg, "export must be empty");
}

#[tokio::test(flavor = "current_thread")]
async fn a_quota_ledger_that_is_not_atomic_fails() {
    let msg = failure_of(Fault::QuotaNotAtomic, |s, c| {
        Box::pin(conformance::quota(s, c))
    })
    .await;
    assert_mentions(&msg, "concurrent reservations must never exceed the limit");
}

#[tokio::test(flavor = "current_thread")]
async fn an_inbox_that_is_not_atomic_fails() {
    let msg = failure_of(Fault::InboxNotAtomic, |s, c| {
        Box::pin(conformance::webhook_inbox(s, c))
    })
    .await;
    assert_mentions(&msg, "exactly one of 32 concurrent deliveries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_draft_store_without_compare_and_swap_fails() {
    let msg = failure_of(Fault::NoDraftCas, |s, c| {
        Box::pin(conformance::drafts(s, c))
    })
    .await;
    assert_mentions(&msg, "VersionConflict");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_draft_store_that_allows_published_to_draft_fails() {
    let msg = failure_of(Fault::AnyDraftTransition, |s, c| {
        Box::pin(conformance::draft_life_cycle(s, c))
    })
    .await;
    assert_mentions(
        &msg,
        "from Published to Draft must fail with InvalidTransition",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quota_ledger_that_ignores_stored_limits_fails() {
    let msg = failure_of(Fault::QuotaIgnoresStoredLimits, |s, c| {
        Box::pin(conformance::quota_limits(s, c))
    })
    .await;
    assert_mentions(&msg, "stored limit of 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_counter_that_sees_no_tokens_fails() {
    let msg = failure_of(Fault::KeyCountAlwaysZero, |s, c| {
        Box::pin(conformance::key_usage(s, c))
    })
    .await;
    assert_mentions(
        &msg,
        "count_tokens_on_key must count the tokens sealed with the key",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_case_insensitive_username_lookup_fails() {
    let msg = failure_of(Fault::UsernameIgnoresCase, |s, c| {
        Box::pin(conformance::accounts(s, c))
    })
    .await;
    assert_mentions(&msg, "must match exactly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_media_lookup_that_misses_updates_fails() {
    let msg = failure_of(Fault::MediaLookupMissesUpdates, |s, c| {
        Box::pin(conformance::publish_ledger(s, c))
    })
    .await;
    assert_mentions(&msg, "update_publish_entry gave the media id");
}

/// The wrapper is faithful where its fault does not apply, so the failures
/// above come from the faults, not from the wrapper.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_fault_leaves_the_other_areas_passing() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let store = faulty(Fault::NoDraftCas, &clock);
    conformance::job_queue(&store, &clock).await;
    conformance::quota(&store, &clock).await;
    conformance::quota_limits(&store, &clock).await;
    conformance::webhook_inbox(&store, &clock).await;
    conformance::export_and_delete(&store, &clock).await;
    let store = faulty(Fault::DeleteKeepsAudit, &clock);
    conformance::drafts(&store, &clock).await;
    conformance::draft_life_cycle(&store, &clock).await;
    conformance::fencing(&store, &clock).await;
    conformance::exactly_one_claimer(&store, &clock, 5, 8).await;
    conformance::key_usage(&store, &clock).await;
    conformance::accounts(&store, &clock).await;
    conformance::publish_ledger(&store, &clock).await;
    let store = faulty(Fault::AnyDraftTransition, &clock);
    conformance::drafts(&store, &clock).await;
    conformance::quota_limits(&store, &clock).await;
}
