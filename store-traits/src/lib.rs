//! # store-traits
//!
//! Domain records, storage traits, a leased job queue, a quota ledger, a webhook
//! inbox and privacy operations for products that run Meta Threads accounts —
//! plus an in-memory implementation ([`MemoryStore`]) and a conformance suite
//! (`conformance`, behind the feature of that name) that every backend runs
//! against itself.
//!
//! ## Contents
//! - [Quick start](#quick-start)
//! - [Records](#records)
//! - [Traits](#traits)
//! - [The job queue](#the-job-queue)
//! - [The quota ledger](#the-quota-ledger)
//! - [The webhook inbox](#the-webhook-inbox)
//! - [Privacy operations](#privacy-operations)
//! - [Implementing a backend](#implementing-a-backend)
//! - [Running the conformance suite](#running-the-conformance-suite)
//! - [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use store_traits::{Clock, JobQueue, JobQueueExt, ManualClock, MemoryStore, NewJob, Store};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), store_traits::Error> {
//! let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()));
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new(clock.clone()));
//!
//! // Schedule work for 10:00; nothing is due yet.
//! let job = NewJob::new("publish", "publish_draft", serde_json::json!({"draft": "..."}))
//!     .run_at(clock.now() + TimeDelta::hours(1))
//!     .dedup_key("draft-42");
//! let job = store.enqueue(job).await?.into_inner();
//! assert!(store.claim_one("publish", "worker-1", TimeDelta::minutes(5)).await?.is_none());
//!
//! // An hour later, exactly one worker gets it, with a fencing token.
//! clock.advance(TimeDelta::hours(1));
//! let claimed = store.claim_one("publish", "worker-1", TimeDelta::minutes(5)).await?.unwrap();
//! assert_eq!(claimed.id, job.id);
//! let fence = claimed.fence.unwrap();
//! store.complete(claimed.id, fence).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Records
//!
//! Plain data with public fields: [`Account`], [`TokenRecord`] (a
//! [`SealedToken`] plus [`TokenMetadata`]), [`PersonaRecord`] (an opaque JSON
//! document, so this crate does not depend on persona-core), [`Source`],
//! [`Draft`] (with its [`Decision`]s and [`DraftQuality`]), [`Conversation`]
//! and [`Message`], [`PublishEntry`], [`InsightSnapshot`], [`AuditEvent`],
//! [`InboxEntry`], [`QuotaLimits`] and [`QuotaReservation`], [`Job`] and
//! [`DeletionRequest`], all `Clone + Debug + PartialEq` with serde support. Timestamps are UTC. Ids are
//! typed UUID newtypes ([`AccountId`], [`DraftId`], ...). Enums stored as text
//! have `as_str` / `FromStr` and serialize as that same text, so a SQL column
//! and the JSON export agree.
//!
//! ## Traits
//!
//! One object-safe `#[async_trait]` trait per concern, each small. A concern
//! has one name throughout the store crates: its trait and record types live in
//! the module of that name (`src/<module>.rs`), [`MemoryStore`]'s
//! implementation in `src/memory/<module>.rs`, its conformance checks in
//! `src/conformance/<module>.rs`, and store-sql's SQL implementation in
//! `adapters/sql/src/store/<module>.rs`.
//!
//! | trait | module | holds |
//! |---|---|---|
//! | [`AccountStore`] | `account` | connected accounts, found by id, Threads user or username |
//! | [`TokenStore`] | `token` | sealed tokens (only [`SealedToken`]; no plaintext type exists here), per-key counts for rotation |
//! | [`PersonaStore`] | `persona` | persona documents |
//! | [`SourceStore`] | `source` | content sources |
//! | [`DraftStore`] | `draft` | drafts, with version compare-and-swap, fencing and the life cycle ([`DraftState::can_become`]) |
//! | [`ConversationStore`] | `conversation` | conversations and messages, deduplicated by provider id |
//! | [`PublishLedger`] | `publish` | the exactly-once publishing record per draft, found by draft or by media id |
//! | [`InsightStore`] | `insight` | insights snapshots |
//! | [`AuditLog`] | `audit` | audit events |
//! | [`OAuthStateStore`] | `oauth_state` | used OAuth state nonces, which make token-crypto's signed state single-use ([`StoreNonces`]) |
//! | [`WebhookInbox`] | `inbox` | webhook dedupe + enqueue in one transaction |
//! | [`QuotaLedger`] | `quota` | each account's [`QuotaLimits`]; reserve / commit / release in a rolling window |
//! | [`JobQueue`] | `queue` | leased, fenced jobs |
//! | [`PrivacyStore`] | `privacy` | export, delete, retention purge, deletion requests |
//!
//! What every concern shares has its own small module: ids (`ids`), the error
//! type (`error`), [`RecordKind`] (`record_kind`), [`Insertion`]
//! (`insertion`) and the macro behind the text-stored enums (`str_enum`).
//! Everything public is re-exported at the crate root.
//!
//! [`Store`] bundles them all, plus token-crypto's [`KeyUsageCounter`]
//! (blanket-implemented), so a backend travels as one `Arc<dyn Store>`
//! ([`DynStore`]). Conveniences live on blanket-implemented extension traits
//! ([`JobQueueExt`], [`RecordStoreExt`]); never implement those yourself.
//!
//! ## The job queue
//!
//! [`JobQueue`] gives **at-least-once execution** with an **exactly-one claimer**
//! per lease:
//! - `enqueue` with a run-at time and an optional dedup key (a live job with the
//!   same key in the same queue is returned instead of a new one);
//! - `claim(queue, worker, n, lease)` atomically hands each due job to one
//!   caller, increments `attempts` and issues a new [`FenceToken`] from a
//!   store-wide increasing sequence; a job whose lease expired is due again (the
//!   claim itself treats it so; no sweeper is needed);
//! - `extend_lease`, `complete`, `retry` (dead-letters after `max_attempts`) and
//!   `dead_letter` must present the current token, or fail with
//!   [`Error::StaleFence`] and change nothing.
//!
//! **What fencing cannot protect against**: the store rejects a stale worker's
//! *writes*, but not its calls to the outside world. A worker paused past its
//! lease can still call Threads after another worker took over. Hence: make
//! handlers idempotent, call `extend_lease` right before an irreversible call
//! (publish, reply, delete), record "sent" in the [`PublishLedger`] before the
//! call, and reconcile afterwards. The remaining window is the duration of the
//! call itself.
//!
//! ## The quota ledger
//!
//! [`QuotaLedger`] keeps each account's limits ([`QuotaLimits`]; Meta's
//! documented Threads limits, 250 posts, 1,000 replies and 100 deletes per
//! rolling 24 h, until others are set) across all workers and processes:
//! `reserve` before the call (atomic check-and-insert against the account's
//! stored limits; fails with [`Error::QuotaExceeded`] carrying `retry_at`),
//! `commit` after the call happened, `release` if it did not. Uncommitted
//! reservations lapse after their hold time, so a crashed worker cannot leak
//! quota.
//!
//! ## The webhook inbox
//!
//! [`WebhookInbox::receive_webhook`] records the event id and enqueues its job
//! in one transaction; a redelivery returns [`InboxOutcome::Duplicate`] and
//! writes nothing, even when deliveries race.
//!
//! ## Privacy operations
//!
//! [`PrivacyStore`]: `export_account` returns every record naming an account as
//! one serializable [`AccountExport`]; `delete_account_data` deletes all of them
//! in one transaction and leaves only a [`DeletionRequest`] (confirmation code
//! and status, no personal data); `purge` applies a [`RetentionPolicy`] (audit
//! events after 90 days, inactive accounts after 12 months, ...);
//! [`TokenStore::count_tokens_by_key`] and [`KeyUsageCounter`] tell when a
//! retired key has no tokens left.
//!
//! ## Tokens and OAuth state
//!
//! A token is sealed for exactly one place, and [`TokenRecord::context`] is the
//! one binding of an account's access token: [`TokenRecord::seal`] and
//! [`TokenRecord::open`] use it, so hosts never invent a row id, and a sealed
//! value copied to another account's record does not open.
//!
//! OAuth `state` has one path too: token-crypto's
//! [`OAuthStateSigner`](token_crypto::oauth_state::OAuthStateSigner) signs it
//! and carries the login's claims inside it, and the store only records used
//! nonces ([`OAuthStateStore::consume_nonce`], lent to the signer as a
//! [`NonceStore`](token_crypto::oauth_state::NonceStore) by [`StoreNonces`]),
//! which makes each state single-use.
//!
//! ## Implementing a backend
//!
//! Implement every trait in the table and [`KeyUsageCounter`] for your type
//! (the [`Store`] bundle then comes for free) and follow these rules, which the
//! conformance suite checks:
//! - **Time**: take an `Arc<dyn Clock>` at construction and use it for every
//!   time-dependent decision (never `now()` in SQL, never `Utc::now()`); see
//!   [`StoreFactory`]. Timestamps must round-trip at least at microsecond precision.
//! - **Atomicity**: `claim`, `reserve`, `receive_webhook`, `consume_nonce`,
//!   `delete_account_data` and every conditional update are one transaction
//!   each; the claim re-checks its condition in the statement that
//!   takes the job (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite
//!   `BEGIN IMMEDIATE`).
//! - **Fencing**: fence tokens come from one store-wide increasing sequence.
//! - **Ordering**: list methods order as documented, ties broken by id (UUIDs
//!   compare as bytes, i.e. as lowercase hyphenated text).
//! - **Enums** are stored as their `as_str` text; lists and maps inside records
//!   (scopes, media, edit history, metrics, payloads) as JSON.
//! - **Shared decisions**: call [`QuotaRequest::check`] (with the account's
//!   limits read in the same transaction) inside the reserve transaction,
//!   [`check_fenced_write`] inside fenced updates and, for drafts,
//!   [`check_draft_transition`] after it, so every backend decides (and
//!   computes `retry_at`) identically.
//! - **Key usage**: implement [`KeyUsageCounter`] from the stored tokens (the
//!   number [`TokenStore::count_tokens_by_key`] reports for the key).
//!
//! ## Running the conformance suite
//!
//! Enable the `conformance` feature in your dev-dependencies, build your store
//! on a shared [`ManualClock`] and call the suite from a test:
//!
//! ```text
//! // tests/conformance.rs of your backend crate
//! #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
//! async fn conformance() {
//!     let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
//!     let store: Arc<dyn Store> = Arc::new(MyStore::open(clock.clone()).await.unwrap());
//!     store_traits::conformance::run_all(store, &clock).await;
//! }
//! ```
//!
//! Each area also has its own public function (`conformance::job_queue`,
//! `conformance::quota`, ...) and `conformance::exactly_one_claimer` takes the
//! number of iterations and claimers. The suite panics with a message naming the
//! broken rule. It isolates its data by fresh ids and queue names, moves the
//! clock only forward, and runs the retention test (which purges by age) last.
//!
//! A store that several processes share or that outlives its process also
//! runs the two multi-process harnesses, each from a test binary of its own
//! (`harness = false`): `conformance::multiprocess` (several processes claim
//! from one queue; every job runs exactly once) and `conformance::durability`
//! (writers killed with SIGKILL at random moments; a commit that returned is
//! never lost).
//!
//! ## Security notes
//! - Only [`SealedToken`] can be stored; plaintext tokens never reach a store,
//!   and [`AccountExport`] carries token metadata only.
//! - Records hold untrusted text (messages, sources); treat it as data.
//! - Keep secrets out of job payloads and audit details: both are exported.

#[macro_use]
mod str_enum;

mod account;
mod audit;
#[cfg(feature = "conformance")]
pub mod conformance;
mod conversation;
mod draft;
mod error;
mod ids;
mod inbox;
mod insertion;
mod insight;
mod memory;
mod oauth_state;
mod persona;
mod privacy;
mod publish;
mod queue;
mod quota;
mod record_kind;
mod source;
mod store;
mod token;

pub use account::{Account, AccountFilter, AccountStatus, AccountStore};
pub use audit::{AuditEvent, AuditLog, AuditQuery};
pub use conversation::{
    Conversation, ConversationKind, ConversationState, ConversationStore, Message, MessageDirection,
};
pub use draft::{
    Decision, DecisionKind, Draft, DraftEdit, DraftFilter, DraftKind, DraftMedia, DraftQuality,
    DraftState, DraftStore, MediaKind, ProviderIds, check_draft_transition, check_fenced_write,
};
pub use error::{BoxError, Error, ParseEnumError, Result};
pub use ids::{
    AccountId, AuditEventId, ConversationId, DeletionRequestId, DraftId, FenceToken,
    InsightSnapshotId, JobId, MessageId, OrgId, PersonaId, ReservationId, SourceId,
};
pub use inbox::{InboxEntry, InboxOutcome, WebhookInbox};
pub use insertion::Insertion;
pub use insight::{InsightQuery, InsightScope, InsightSnapshot, InsightStore};
pub use memory::{MemoryStore, MemoryStoreFactory};
pub use oauth_state::{OAuthStateStore, StoreNonces};
pub use persona::{PersonaRecord, PersonaStore};
pub use privacy::{
    AccountExport, DeletionOrigin, DeletionReport, DeletionRequest, DeletionStatus, PrivacyStore,
    PurgeReport, RetentionPolicy,
};
pub use publish::{PublishEntry, PublishFilter, PublishLedger, PublishState};
pub use queue::{Job, JobFilter, JobQueue, JobState, NewJob};
pub use quota::{QuotaKind, QuotaLedger, QuotaLimits, QuotaRequest, QuotaReservation, QuotaUsage};
pub use record_kind::RecordKind;
pub use source::{Source, SourceKind, SourceStatus, SourceStore};
pub use store::{DynStore, JobQueueExt, RecordStoreExt, Store, StoreFactory};
pub use token::{TokenKind, TokenMetadata, TokenRecord, TokenStore};
pub use token_crypto::{Clock, KeyId, KeyUsageCounter, ManualClock, SealedToken, SystemClock};
