//! # content-pipeline
//!
//! The engine of a product that runs Threads accounts with AI: connect an
//! account, learn its voice, write drafts in that voice, get them approved,
//! schedule them, and publish each one **exactly once**, whatever crashes,
//! timeouts and network errors happen on the way.
//!
//! It ties the workspace's foundations together behind traits, so a host
//! plugs in its own pieces: a [`Store`](store_traits::Store) (memory, SQLite,
//! PostgreSQL, or its own), an [`LlmProvider`](persona_core::LlmProvider), a
//! network ([`Publisher`] and [`Connector`]; [`ThreadsPublisher`] for Meta
//! Threads), a [`Keyring`](token_crypto::Keyring) and a
//! [`Clock`](store_traits::Clock).
//!
//! ## Contents
//! - [Quick start](#quick-start)
//! - [What a host calls](#what-a-host-calls)
//! - [Exactly-once publishing](#exactly-once-publishing)
//! - [What is guaranteed, and the window fencing cannot close](#what-is-guaranteed-and-the-window-fencing-cannot-close)
//! - [Accounts and tokens](#accounts-and-tokens)
//! - [Drafts, approval and schedule](#drafts-approval-and-schedule)
//! - [Replies and mentions](#replies-and-mentions)
//! - [Roles](#roles)
//! - [Privacy](#privacy)
//! - [Time](#time)
//! - [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! The whole life of a post, offline: an in-memory store, the offline model
//! and the local Threads emulator (the `threads-emulator` crate) on one
//! manual clock.
//!
//! ```
//! # use std::sync::Arc;
//! # use chrono::{TimeDelta, TimeZone, Utc};
//! use content_pipeline::{Actor, ConnectRequest, Pipeline, Role, ThreadsPublisher, When, Worker, WorkerConfig};
//! # use store_traits::{ManualClock, MemoryStore};
//! # async fn demo(store: Arc<store_traits::DynStore>, clock: Arc<ManualClock>, threads: ThreadsPublisher,
//! #     keyring: token_crypto::Keyring, state_key: token_crypto::KeyMaterial,
//! #     consent: impl Fn(&str) -> String) -> Result<(), Box<dyn std::error::Error>> {
//! let pipeline = Pipeline::builder()
//!     .store(store)
//!     .llm(Arc::new(persona_core::OfflineProvider::new()))
//!     .network(Arc::new(threads))
//!     .keyring(Arc::new(keyring))
//!     .oauth_state_key(state_key)
//!     .manual_clock(clock)
//!     .build()?;
//!
//! // Connect: consent URL with a signed single-use state, then the callback.
//! let start = pipeline.start_connect(ConnectRequest::new("browser-session-1")).await?;
//! let callback_url = consent(&start.authorize_url); // the person consents
//! let connected = pipeline.finish_connect(&callback_url, "browser-session-1").await?;
//!
//! // Draft in the account's voice, approve, schedule in the next free slot.
//! let editor = Actor::person("ana", Role::Editor);
//! let drafted = pipeline
//!     .generate_draft(content_pipeline::GenerateRequest::topic(connected.account.id, "sourdough"), &editor)
//!     .await?;
//! pipeline.approve(drafted.draft.id, &editor).await?;
//! pipeline.schedule(drafted.draft.id, When::Now, &editor).await?;
//!
//! // A worker publishes it.
//! Worker::new(pipeline.clone(), WorkerConfig::default()).drain().await?;
//! let post = pipeline.draft(drafted.draft.id).await?;
//! println!("{} {:?}", post.state, post.provider.permalink);
//! # Ok(()) }
//! ```
//!
//! ## What a host calls
//!
//! | step | call | notes |
//! |---|---|---|
//! | connect | [`Pipeline::start_connect`], [`Pipeline::finish_connect`] | OAuth with a signed, expiring, single-use state bound to the browser session |
//! | history | [`Pipeline::import_history`] | posts made in Threads' own apps brought in once each, so they are measured and their replies read |
//! | write | [`Pipeline::create_draft`], [`Pipeline::generate_draft`] | checked against the network's text budget and the persona; long texts become reply chains |
//! | gather | [`Pipeline::add_text_source`], [`Pipeline::add_url_source`], [`Pipeline::add_feed`], [`Pipeline::remix_source`] | pages fetched with an SSRF guard, main content extracted, feeds drafted item by item, once; see [`sources`] |
//! | decide | [`Pipeline::approve`], [`Pipeline::reject`], [`Pipeline::edit`] | each decision records its [`Actor`] |
//! | schedule | [`Pipeline::schedule`] with a [`When`] | explicit time, local time, now, or next free slot |
//! | media | [`PipelineBuilder::media`] with a [`MediaLifecycle`] | each attachment checked before a container is created (rule, measured value, limit), cleaned up once the post is live, deleted with the account; see [`media`] |
//! | run | [`Worker`] (or [`Pipeline::process`] from your own queue loop) | claims jobs, keeps leases alive, publishes |
//! | upkeep | [`Pipeline::schedule_due_refreshes`], [`Pipeline::resume_account`] | token refresh; work parked during re-authorization |
//! | listen | [`Pipeline::receive_webhook`], [`Pipeline::schedule_polling`], [`Pipeline::poll_now`] | replies and mentions, verified, recorded once, answered by the worker |
//! | moderate | [`Pipeline::moderate`], [`Pipeline::review_pending_replies`] | hide or show replies; Threads' pending-reply approvals |
//! | leave | [`Pipeline::disconnect`] | tokens deleted at once, work cancelled |
//! | voice | [`Pipeline::persona`], [`Pipeline::update_persona`] | the persona validated before it is stored |
//! | privacy | [`Pipeline::export_account`], [`Pipeline::delete_account`], [`Pipeline::deletion_status`] | versioned JSON export without tokens; deletion leaves only a code and its status |
//! | Meta's callbacks | [`Pipeline::handle_data_deletion`], [`Pipeline::handle_deauthorize`] | `signed_request` verified first; the JSON answer Meta expects |
//! | retention | [`Pipeline::schedule_purges`], [`Pipeline::purge`] | [`RetentionSettings`](config::RetentionSettings) applied on a schedule |
//! | measure | [`Pipeline::schedule_snapshots`], [`Pipeline::growth`], [`Pipeline::best_hours`], [`Pipeline::strategist_report`] | per-account snapshots within the API's call budget; see [`insights`] |
//!
//! Operations are plain async methods; nothing assumes the bundled worker.
//! A host with its own scheduler claims from the [`JobQueue`](store_traits::JobQueue)
//! and calls [`Pipeline::process`] for each job.
//!
//! ## Exactly-once publishing
//!
//! Each draft has one [`PublishEntry`](store_traits::PublishEntry) in the
//! store's publish ledger: the **source of truth** for its publication. The
//! draft's provider ids, attempts and publishing state are derived from it
//! and written after it. One publish job per draft (its dedup key) is claimed
//! by one worker at a time, with a fencing token that every write presents.
//!
//! The protocol, each step a committed write before the next call:
//! 1. create the container and **record its id** before anything else;
//! 2. wait until the container is `FINISHED` (a new one after `ERROR` or
//!    `EXPIRED`, a bounded number of times);
//! 3. reserve a quota unit (none free: the post is moved to when one frees
//!    up, never failed); record `PublishSent`; **re-check the lease**; publish;
//! 4. record the post id; commit the quota unit; derive the draft; queue the
//!    next part of a reply chain; complete the job.
//!
//! The publish call is never repeated blindly. A run that finds
//! `PublishSent` (a crash, a timeout, a lost answer, a 5xx) looks before it
//! acts: container `PUBLISHED` → the post is found among the account's recent
//! posts by content and recorded; `FINISHED` → the call did not take effect,
//! so publishing is safe; `ERROR` / `EXPIRED` → a new container. What cannot
//! be decided before [`PublishPolicy::deadline`](config::PublishPolicy::deadline)
//! becomes [`Unconfirmed`](store_traits::DraftState::Unconfirmed) for a
//! person, with the evidence in the ledger. Nothing stays non-terminal past
//! that deadline.
//!
//! A crash between any two steps (ledger, draft, quota commit, job
//! completion) is repaired by the next run of the job: every step checks what
//! is already recorded and does only what is missing.
//!
//! ## What is guaranteed, and the window fencing cannot close
//!
//! * One post per draft, however often workers crash or are killed: the
//!   container id is recorded before publishing, publish is called only after
//!   `PublishSent` is recorded, and an unknown outcome is reconciled, not
//!   retried.
//! * No post lost: a job whose worker died is claimed again when its lease
//!   ends; a draft scheduled while no worker ran is published late or marked
//!   missed by the [`LatenessPolicy`](config::LatenessPolicy).
//! * A stale worker (paused past its lease while another took over) writes
//!   nothing: the store refuses its fencing token, and it checks its lease
//!   right before the publish call.
//! * **The residual window**: a worker that passes that last lease check and
//!   is then paused (a stop-the-world pause, a frozen VM) for longer than its
//!   lease, *before* its request leaves, can still send the publish call
//!   after another worker has taken over. The network does not know our
//!   tokens, so no lock can stop that request. The window is the time between
//!   the lease check and the request leaving the process; keep leases long
//!   compared with it (the default lease is 60 s). If it happens, the
//!   second worker has either reconciled first (and recorded the post) or
//!   sends its own call for an already-published container, which Threads
//!   refuses.
//!
//! ## Accounts and tokens
//!
//! Tokens are sealed with the [`Keyring`](token_crypto::Keyring) under a
//! context bound to the account ([`TokenRecord::seal`](store_traits::TokenRecord::seal)),
//! opened only for the duration of a call, and never logged, serialized or
//! put in an error. Refresh is driven by the stored expiry: inside
//! [`RefreshPolicy::window`](config::RefreshPolicy::window) before expiry,
//! never before the token is 24 hours old (Meta's rule), at most one refresh
//! per account at a time across all processes (one refresh job per account),
//! every attempt audited. A token the network refuses (code 190) marks the
//! account [`NeedsReauth`](store_traits::AccountStatus::NeedsReauth): its
//! publishing pauses and an [`Event::AccountNeedsReauth`] is emitted; nothing
//! retries in a loop. Reconnecting resumes the parked work.
//!
//! ## Drafts, approval and schedule
//!
//! Drafts move through the states of [`DraftState`](store_traits::DraftState);
//! the allowed transitions are one table
//! ([`DraftState::can_become`](store_traits::DraftState::can_become)) that every
//! store enforces. Approval is automatic or manual per kind
//! ([`ApprovalPolicy`](config::ApprovalPolicy)); a draft the guardrails flagged
//! always goes to a person. Text is measured the network's way (for Threads,
//! `threads_api::text::threads_text_len`: emoji count as their UTF-8 bytes),
//! injected through [`Publisher::text_limits`]. A text longer than one post is
//! split into a reply chain at sentence boundaries, every part checked before
//! the first is stored; the parts publish in order, each exactly once.
//!
//! ## Replies and mentions
//!
//! A webhook delivery is verified over its raw bytes, matched to its
//! account, and recorded in the store's inbox with its job in one
//! transaction; polling (with webhooks off, or as the reconciler when they
//! are on) goes through the same inbox, so a message is handled once
//! whichever finds it. Triage (persona-core's rules first, the model when
//! they are unsure) and limits outside the model (thread depth,
//! back-and-forth with one author, the persona's caps per person, thread and
//! day) decide; abuse and spam are hidden; an answer is drafted in the
//! persona's voice with the thread as fenced data, checked by the reply
//! guardrails, and goes out automatically only when nothing about it is
//! risky (links, negative tone, names, money, health). Answers publish through
//! the same exactly-once protocol, after a random delay, against the reply
//! quota. See [`conversations`].
//!
//! ## Roles
//!
//! Every operation a person triggers takes an [`Actor`] (a person with a
//! [`Role`] in an organisation, or the system) and checks it first against
//! one small permission table, documented on [`Operation`]: owners may do
//! everything, admins everything but delete an account, editors the draft
//! work (write, edit, approve, reject, schedule), viewers nothing but read.
//! A person acts only on accounts of their own organisation. A refusal is
//! [`Error::Forbidden`] and writes nothing; what is allowed leaves an audit
//! event naming the actor.
//!
//! ## Privacy
//!
//! [`Pipeline::export_account`] returns every record of an account as one
//! versioned JSON document ([`AccountExportDocument`]), token metadata only.
//! [`Pipeline::delete_account`] deletes the token first (nothing can act for
//! the account from that moment, not even a job already claimed), then every
//! record in every store in one transaction, and keeps only a deletion
//! request: a confirmation code and its status, which
//! [`Pipeline::deletion_status`] looks up. Meta's data-deletion and
//! deauthorize callbacks are library calls that verify the `signed_request`
//! before anything else. The retention purge
//! ([`RetentionSettings`](config::RetentionSettings): audit events and
//! technical records after 90 days, inactive accounts after 12 months,
//! conversations kept unless configured) runs as a recurring job.
//!
//! ## Time
//!
//! Every decision reads the [`Clock`](store_traits::Clock) and every wait goes
//! through the [`Sleeper`]. With
//! [`PipelineBuilder::manual_clock`], the store, the pipeline and (sharing the
//! same clock) the emulator run on one manual clock and no test sleeps.
//! Scheduling works on IANA zones with defined behaviour in DST gaps and
//! overlaps (see [`schedule`]).
//!
//! ## Security notes
//! * Secrets never appear in `Debug`, `Display`, logs, errors, events or
//!   audit details; [`AccountAuth`] and [`IssuedToken`] redact theirs.
//! * OAuth `state` is signed, bound to the browser session, expiring and
//!   single use; a replayed, expired, forged or foreign state is refused
//!   before any network call.
//! * Model output is checked by persona-core's guardrails before it can be
//!   approved; nothing a model writes is published without a decision
//!   (automatic approval only for texts with no findings).

mod accounts;
mod actor;
pub mod config;
pub mod conversations;
mod drafts;
mod error;
mod events;
mod history;
pub mod insights;
mod jobs;
pub mod media;
pub mod network;
mod pipeline;
mod privacy;
mod probe;
mod publish;
mod review;
mod roles;
pub mod schedule;
pub mod sources;
mod time;
mod worker;

pub use accounts::{ConnectRequest, ConnectStart, Connected};
pub use actor::{Actor, Role};
pub use config::PipelineConfig;
pub use conversations::{PendingReview, WebhookReceipt};
pub use drafts::{Candidate, Drafted, GenerateRequest, NewDraft, PersonaDocument};
pub use error::{BoxError, Error, Result};
pub use events::Event;
pub use history::HistoryImport;
pub use jobs::{JobOutcome, Task, queues};
pub use media::{MediaCleanup, MediaLifecycle, MediaRejection, Permanence};
#[cfg(feature = "threads")]
pub use network::ThreadsPublisher;
pub use network::{
    AccountAuth, Callback, Connector, ContainerId, ContainerStatus, Engagement, FailureClass,
    InboundEvent, InboundKind, InboundPost, IssuedToken, Moderation, NetworkError, PastPostData,
    PostContent, PostId, Profile, PublishedPost, Publisher, PublishingLimits, TokenFacts,
};
pub use network::{Breakdown, Insights, UsageHint};
pub use pipeline::{Pipeline, PipelineBuilder};
pub use privacy::{
    AccountExportDocument, DeletionReceipt, EXPORT_FORMAT, EXPORT_VERSION, RetentionReport,
};
pub use probe::{Probe, Step};
pub use review::{REVIEW_STATES, ReplyContext, ReviewItem, ReviewQueue, TextCheck};
pub use roles::{Denial, Forbidden, Operation};
pub use schedule::When;
pub use time::{ManualSleeper, Sleeper, TokioSleeper};
pub use worker::{Worker, WorkerConfig, WorkerReport};
