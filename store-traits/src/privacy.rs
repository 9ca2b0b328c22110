//! Export, deletion and retention across all stores: the records they
//! produce ([`AccountExport`], [`DeletionRequest`], ...) and [`PrivacyStore`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::audit::AuditEvent;
use crate::conversation::{Conversation, Message};
use crate::draft::Draft;
use crate::error::Result;
use crate::ids::{AccountId, DeletionRequestId};
use crate::inbox::InboxEntry;
use crate::insight::InsightSnapshot;
use crate::persona::PersonaRecord;
use crate::publish::PublishEntry;
use crate::queue::Job;
use crate::quota::{QuotaLimits, QuotaReservation};
use crate::record_kind::RecordKind;
use crate::source::Source;
use crate::token::TokenMetadata;

/// Operations that span every store of a backend.
///
/// "Names the account" means: the record's `account_id` (or `metadata.account_id`)
/// equals it. Records with an optional account id that is `None` are not touched.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Every record naming the account, as one value (`exported_at` from the
    /// store's clock). Works after deletion too (then it is empty, `account: None`).
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport>;

    /// Deletes, in one transaction, every record naming the account in every
    /// store: account, token, personas, sources, drafts, publish entries,
    /// conversations, messages, insights, audit events, jobs, inbox entries,
    /// quota reservations and quota limits. Deletion requests naming the account are kept as the
    /// minimal record: their `account_id` is cleared and pending ones are marked
    /// `Completed` at `now`. Idempotent (a second call deletes nothing).
    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport>;

    /// Applies a retention policy at the store's `now` (see [`RetentionPolicy`]).
    /// Inactive accounts are deleted as by
    /// [`delete_account_data`](PrivacyStore::delete_account_data).
    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport>;

    /// Stores a deletion request.
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id or the
    /// confirmation code is taken.
    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()>;

    /// Finds a deletion request by confirmation code (Meta's status URL).
    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>>;

    /// Replaces a deletion request (keyed by id).
    /// [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()>;
}

/// Every record that names one account, as one serializable value.
///
/// The sealed token itself is left out (only its metadata is included): it is
/// useless to the account owner and an export travels further than a database.
/// Lists are ordered as the corresponding list methods order them; messages (of
/// all conversations) by `(created_at, id)`, inbox entries by `(received_at,
/// event_id)`, jobs by `(created_at, id)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountExport {
    /// The account id the export was made for.
    pub account_id: AccountId,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The account record (`None` if it no longer exists).
    pub account: Option<Account>,
    /// Token metadata (no ciphertext).
    pub token: Option<TokenMetadata>,
    /// Personas.
    pub personas: Vec<PersonaRecord>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Drafts.
    pub drafts: Vec<Draft>,
    /// Publish-ledger entries.
    pub publish_entries: Vec<PublishEntry>,
    /// Conversations.
    pub conversations: Vec<Conversation>,
    /// Messages of all conversations.
    pub messages: Vec<Message>,
    /// Insights snapshots.
    pub insights: Vec<InsightSnapshot>,
    /// Audit events naming the account.
    pub audit_events: Vec<AuditEvent>,
    /// Jobs working for the account.
    pub jobs: Vec<Job>,
    /// Webhook inbox entries for the account.
    pub inbox_entries: Vec<InboxEntry>,
    /// Quota reservations.
    pub quota_reservations: Vec<QuotaReservation>,
    /// The account's stored quota limits (`None` when never set).
    #[serde(default)]
    pub quota_limits: Option<QuotaLimits>,
}

impl AccountExport {
    /// Number of records in the export (the account record included).
    pub fn record_count(&self) -> usize {
        usize::from(self.account.is_some())
            + usize::from(self.token.is_some())
            + self.personas.len()
            + self.sources.len()
            + self.drafts.len()
            + self.publish_entries.len()
            + self.conversations.len()
            + self.messages.len()
            + self.insights.len()
            + self.audit_events.len()
            + self.jobs.len()
            + self.inbox_entries.len()
            + self.quota_reservations.len()
            + usize::from(self.quota_limits.is_some())
    }

    /// True when no record names the account.
    pub fn is_empty(&self) -> bool {
        self.record_count() == 0
    }
}

str_enum! {
    /// Progress of a deletion request.
    pub enum DeletionStatus {
        /// Received, not started.
        Pending => "pending",
        /// Deleting.
        InProgress => "in_progress",
        /// All data deleted.
        Completed => "completed",
        /// Deletion failed; it will be retried.
        Failed => "failed",
    }
}

str_enum! {
    /// Who asked for a deletion.
    pub enum DeletionOrigin {
        /// The account owner, through the host application.
        User => "user",
        /// Meta's data-deletion callback.
        MetaCallback => "meta_callback",
        /// A retention policy (inactive account).
        Retention => "retention",
    }
}

/// The minimal record left after deleting an account's data.
///
/// It holds no personal data: `account_id` is set only while deletion is pending
/// and [`PrivacyStore::delete_account_data`](crate::PrivacyStore::delete_account_data)
/// clears it (and completes the request) when the data is gone. The confirmation
/// code is what Meta's status URL shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionRequest {
    /// The request's id.
    pub id: DeletionRequestId,
    /// Code shown to the person and to Meta (unique).
    pub confirmation_code: String,
    /// Who asked.
    pub origin: DeletionOrigin,
    /// Progress.
    pub status: DeletionStatus,
    /// The account to delete, until deletion completes.
    pub account_id: Option<AccountId>,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// When deletion completed.
    pub completed_at: Option<DateTime<Utc>>,
}

impl DeletionRequest {
    /// A pending request for `account_id`.
    pub fn new(
        account_id: AccountId,
        confirmation_code: impl Into<String>,
        origin: DeletionOrigin,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: DeletionRequestId::new(),
            confirmation_code: confirmation_code.into(),
            origin,
            status: DeletionStatus::Pending,
            account_id: Some(account_id),
            requested_at: now,
            completed_at: None,
        }
    }
}

/// What [`PrivacyStore::delete_account_data`](crate::PrivacyStore::delete_account_data) removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionReport {
    /// The account.
    pub account_id: Option<AccountId>,
    /// Records deleted per kind (kinds with none are absent).
    pub deleted: BTreeMap<RecordKind, u64>,
    /// Deletion requests completed by this call.
    pub requests_completed: u64,
}

impl DeletionReport {
    /// Total records deleted.
    pub fn total(&self) -> u64 {
        self.deleted.values().sum()
    }

    /// Records deleted of one kind.
    pub fn count(&self, kind: RecordKind) -> u64 {
        self.deleted.get(&kind).copied().unwrap_or(0)
    }
}

/// How long records are kept. `None` keeps a kind forever.
///
/// Ages are measured against the store's clock:
/// - audit events by `at`;
/// - accounts by `last_active_at` (an inactive account is deleted like
///   [`delete_account_data`](crate::PrivacyStore::delete_account_data));
/// - completed and dead-lettered jobs by `finished_at`;
/// - inbox entries by `received_at`;
/// - insights snapshots by `taken_at`;
/// - completed deletion requests by `completed_at`;
/// - quota reservations by `committed_at`, or `expires_at` when never committed.
///
/// Expired used-nonce records ([`OAuthStateStore::consume_nonce`](crate::OAuthStateStore::consume_nonce))
/// are always purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Audit events (default 90 days).
    pub audit_events: Option<TimeDelta>,
    /// Accounts without activity (default 365 days).
    pub inactive_accounts: Option<TimeDelta>,
    /// Finished jobs (default 30 days).
    pub finished_jobs: Option<TimeDelta>,
    /// Webhook inbox entries (default 30 days; longer than Meta's retry horizon).
    pub inbox_entries: Option<TimeDelta>,
    /// Insights snapshots (default: kept).
    pub insight_snapshots: Option<TimeDelta>,
    /// Completed deletion requests (default: kept, they prove the deletion).
    pub deletion_requests: Option<TimeDelta>,
    /// Quota reservations (default 2 days; must exceed every quota window in use).
    pub quota_reservations: Option<TimeDelta>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            audit_events: Some(TimeDelta::days(90)),
            inactive_accounts: Some(TimeDelta::days(365)),
            finished_jobs: Some(TimeDelta::days(30)),
            inbox_entries: Some(TimeDelta::days(30)),
            insight_snapshots: None,
            deletion_requests: None,
            quota_reservations: Some(TimeDelta::days(2)),
        }
    }
}

impl RetentionPolicy {
    /// A policy that keeps everything.
    pub fn keep_all() -> Self {
        Self {
            audit_events: None,
            inactive_accounts: None,
            finished_jobs: None,
            inbox_entries: None,
            insight_snapshots: None,
            deletion_requests: None,
            quota_reservations: None,
        }
    }
}

/// What [`PrivacyStore::purge`](crate::PrivacyStore::purge) removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeReport {
    /// Records deleted per kind (including those of purged accounts).
    pub deleted: BTreeMap<RecordKind, u64>,
    /// Accounts deleted for inactivity.
    pub accounts: Vec<AccountId>,
}

impl PurgeReport {
    /// Records deleted of one kind.
    pub fn count(&self, kind: RecordKind) -> u64 {
        self.deleted.get(&kind).copied().unwrap_or(0)
    }
}
