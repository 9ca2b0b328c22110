//! [`Event`]: what happened, for the audit trail and for listeners.
//!
//! Every event is written to the store's audit log (actor, action, target and
//! details, never a secret) and then sent to in-process subscribers
//! ([`Pipeline::subscribe`](crate::Pipeline::subscribe)). The audit log is the
//! durable record, shared by all processes; the broadcast is a convenience
//! for the process that made the change (a dashboard, a notifier). A slow
//! subscriber misses events rather than slowing the pipeline.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{AccountId, ConversationId, DraftId, DraftState};

/// Something the pipeline did or saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// An OAuth login started (an authorize URL was handed out).
    ConnectStarted,
    /// A step of a connection went through (`state_verified`,
    /// `token_issued`, `profile_read`, `posts_synced`, `limits_read`), with
    /// what it learned (never a token or code).
    ConnectStep {
        /// The account, once it exists.
        account_id: Option<AccountId>,
        /// The step.
        step: String,
        /// What it learned (scopes, expiry, counts).
        detail: String,
    },
    /// A callback was refused (denied consent, bad or replayed state, a
    /// network error).
    ConnectRefused {
        /// Why.
        reason: String,
    },
    /// An account was connected (or reconnected).
    AccountConnected {
        /// The account.
        account_id: AccountId,
        /// Its handle.
        username: String,
        /// Scopes asked for but not granted.
        missing_scopes: Vec<String>,
    },
    /// Past posts were synced and a persona bootstrapped from them.
    PersonaBootstrapped {
        /// The account.
        account_id: AccountId,
        /// How many posts were read.
        posts: usize,
    },
    /// A token refresh was attempted (one event per attempt: the refresh log).
    TokenRefreshAttempted {
        /// The account.
        account_id: AccountId,
        /// Whether it worked.
        succeeded: bool,
        /// The new expiry, on success.
        expires_at: Option<DateTime<Utc>>,
        /// The failure, otherwise.
        error: Option<String>,
    },
    /// The network refused the account's token: its owner must connect again.
    /// Publishing for the account pauses until then.
    AccountNeedsReauth {
        /// The account.
        account_id: AccountId,
        /// What the network said.
        reason: String,
    },
    /// The account was disconnected: tokens deleted, work cancelled.
    AccountDisconnected {
        /// The account.
        account_id: AccountId,
        /// Jobs cancelled.
        jobs_cancelled: usize,
        /// Drafts taken off the schedule.
        drafts_unscheduled: usize,
    },
    /// A draft moved from one state to another.
    DraftTransition {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// Before.
        from: DraftState,
        /// After.
        to: DraftState,
        /// Why, when there is more to say (a rejection reason, an error).
        note: Option<String>,
    },
    /// A draft's text was edited.
    DraftEdited {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
    },
    /// A post went live.
    Published {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The network's post id.
        post_id: String,
        /// Its link, when known.
        permalink: Option<String>,
    },
    /// A media container failed or expired and was replaced.
    ContainerReplaced {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The container given up on.
        container_id: String,
        /// Why.
        reason: String,
    },
    /// An attachment of a draft was refused before a container was created
    /// (see [`MediaLifecycle`](crate::MediaLifecycle)); the draft failed.
    MediaRejected {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// Which attachment, from 1.
        position: usize,
        /// Its URL, without query string, fragment or credentials.
        url: String,
        /// The rule (`image.width`, `video.fast_start`, `url.status`, ...).
        rule: String,
        /// What was measured.
        measured: String,
        /// What the rule allows.
        limit: String,
        /// `false` when the check kept failing for a reason that could have
        /// passed (the URL did not answer) until the publishing deadline.
        permanent: bool,
    },
    /// The media of a published post went through the cleanup policy of
    /// the [`MediaLifecycle`](crate::MediaLifecycle).
    MediaCleanedUp {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// Attachments whose stored copy was deleted.
        deleted: usize,
        /// Attachments kept, as configured.
        kept: usize,
        /// Attachments at URLs the media side does not store.
        not_stored: usize,
        /// Attachments left alone because another draft of the account,
        /// not published yet, carries the same URL (query string aside).
        in_use: usize,
        /// Attachments whose cleanup failed, one line each (`2: ...`), or
        /// one line saying why none was cleaned up; the post is live all
        /// the same.
        errors: Vec<String>,
    },
    /// A reply or mention was left unanswered.
    ReplySkipped {
        /// The account.
        account_id: AccountId,
        /// The conversation.
        conversation_id: ConversationId,
        /// Who wrote it.
        author: String,
        /// Why (`intent_not_answered`, `user_cap_reached`, `exchange_limit`, ...).
        reason: String,
    },
    /// A reply (abuse or spam) was hidden on the network.
    ReplyHidden {
        /// The account.
        account_id: AccountId,
        /// The conversation.
        conversation_id: ConversationId,
        /// Who wrote it.
        author: String,
        /// What triage said.
        intent: String,
    },
    /// An answer was drafted.
    ReplyDrafted {
        /// The account.
        account_id: AccountId,
        /// The conversation.
        conversation_id: ConversationId,
        /// The answer.
        draft_id: DraftId,
        /// Who is answered.
        author: String,
        /// Why a person must approve it, if anything.
        risk: Vec<String>,
        /// Whether it was approved automatically.
        automatic: bool,
    },
    /// A reply was moderated (hidden, shown, approved, ignored).
    Moderated {
        /// The account.
        account_id: AccountId,
        /// The reply.
        post_id: String,
        /// What was done.
        action: String,
    },
    /// One of the account's posts was deleted on the network.
    PostDeleted {
        /// The account.
        account_id: AccountId,
        /// The draft it was published from, if it was ours.
        draft_id: Option<DraftId>,
        /// The post.
        post_id: String,
    },
    /// The quota was exhausted; the post moved to when it frees up.
    QuotaDeferred {
        /// The draft.
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// The new time.
        until: DateTime<Utc>,
    },
    /// The persona's posting windows were replaced by the account's best
    /// posting hours (from its insights).
    PostingWindowsApplied {
        /// The account.
        account_id: AccountId,
        /// The persona record written.
        persona_id: store_traits::PersonaId,
        /// The new windows, in the persona's zone (`"Tue 18:00-18:59"`).
        windows: Vec<String>,
    },
    /// A draft was written (by a person or the model) and stored; a long
    /// text is one event for its whole reply chain.
    DraftCreated {
        /// The draft (the chain's first part).
        draft_id: DraftId,
        /// The account.
        account_id: AccountId,
        /// Parts in the chain (1 for a single post).
        parts: usize,
    },
    /// An account's persona was replaced by a person.
    PersonaUpdated {
        /// The account.
        account_id: AccountId,
        /// The persona record written.
        persona_id: store_traits::PersonaId,
    },
    /// Every record of an account was exported.
    AccountExported {
        /// The account.
        account_id: AccountId,
        /// Records in the export.
        records: usize,
    },
    /// The account's own post history was read and what was new stored as
    /// published drafts.
    HistoryImported {
        /// The account.
        account_id: AccountId,
        /// Posts read from the network.
        read: usize,
        /// Posts stored by this import.
        imported: usize,
    },
    /// An account and every record naming it were deleted. The event names
    /// neither the account nor its handle (that would keep what was
    /// deleted); the deletion request it names holds the confirmation code.
    AccountDeleted {
        /// The deleted account, for in-process listeners only (a host
        /// cleaning its own records): left out of the event's serialized
        /// form, so never written to the audit log. `None` when the request
        /// found no account.
        #[serde(skip)]
        account: Option<AccountId>,
        /// The deletion request left as the minimal record.
        deletion_request: store_traits::DeletionRequestId,
        /// Its confirmation code (not a secret: Meta shows it to the person).
        confirmation_code: String,
        /// Who asked (`user`, `meta_callback`, `retention`).
        origin: String,
        /// Records deleted.
        records: u64,
    },
    /// The retention policy ran.
    RetentionApplied {
        /// Records deleted (inactive accounts' records included).
        records: u64,
        /// Accounts deleted for inactivity.
        accounts_deleted: usize,
        /// Conversation messages whose text and author were removed.
        messages_redacted: u64,
    },
    /// A source was added: pasted text, a fetched page (ready or failed)
    /// or a feed (pending until its first read).
    SourceAdded {
        /// The account.
        account_id: AccountId,
        /// The source.
        source_id: store_traits::SourceId,
        /// Text, URL or feed.
        kind: store_traits::SourceKind,
        /// Ready, failed or pending.
        status: store_traits::SourceStatus,
        /// Why it failed, if it did (no URL, no body).
        error: Option<String>,
    },
    /// A feed was read.
    FeedRead {
        /// The account.
        account_id: AccountId,
        /// The feed's source.
        source_id: store_traits::SourceId,
        /// Items stored for the first time.
        new_items: usize,
        /// Drafts written from items.
        drafted: usize,
        /// Why the read failed, if it did.
        error: Option<String>,
    },
}

impl Event {
    /// The audit action name (`"draft.transition"`, `"account.connected"`, ...).
    pub fn action(&self) -> &'static str {
        match self {
            Self::ConnectStarted => "connect.started",
            Self::ConnectStep { .. } => "connect.step",
            Self::ConnectRefused { .. } => "connect.refused",
            Self::AccountConnected { .. } => "account.connected",
            Self::PersonaBootstrapped { .. } => "persona.bootstrapped",
            Self::TokenRefreshAttempted { .. } => "token.refresh",
            Self::AccountNeedsReauth { .. } => "account.needs_reauth",
            Self::AccountDisconnected { .. } => "account.disconnected",
            Self::DraftTransition { .. } => "draft.transition",
            Self::DraftEdited { .. } => "draft.edited",
            Self::Published { .. } => "draft.published",
            Self::ContainerReplaced { .. } => "publish.container_replaced",
            Self::QuotaDeferred { .. } => "publish.quota_deferred",
            Self::MediaRejected { .. } => "publish.media_rejected",
            Self::MediaCleanedUp { .. } => "publish.media_cleaned_up",
            Self::ReplySkipped { .. } => "reply.skipped",
            Self::ReplyHidden { .. } => "reply.hidden",
            Self::ReplyDrafted { .. } => "reply.drafted",
            Self::Moderated { .. } => "reply.moderated",
            Self::PostDeleted { .. } => "post.deleted",
            Self::PostingWindowsApplied { .. } => "persona.posting_windows",
            Self::DraftCreated { .. } => "draft.created",
            Self::PersonaUpdated { .. } => "persona.updated",
            Self::AccountExported { .. } => "account.exported",
            Self::HistoryImported { .. } => "history.imported",
            Self::AccountDeleted { .. } => "account.deleted",
            Self::RetentionApplied { .. } => "retention.applied",
            Self::SourceAdded { .. } => "source.added",
            Self::FeedRead { .. } => "source.feed_read",
        }
    }

    /// The account the event concerns, if any.
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Self::ConnectStarted
            | Self::ConnectRefused { .. }
            | Self::AccountDeleted { .. }
            | Self::RetentionApplied { .. } => None,
            Self::ConnectStep { account_id, .. } => *account_id,
            Self::AccountConnected { account_id, .. }
            | Self::PersonaBootstrapped { account_id, .. }
            | Self::TokenRefreshAttempted { account_id, .. }
            | Self::AccountNeedsReauth { account_id, .. }
            | Self::AccountDisconnected { account_id, .. }
            | Self::DraftTransition { account_id, .. }
            | Self::DraftEdited { account_id, .. }
            | Self::Published { account_id, .. }
            | Self::ContainerReplaced { account_id, .. }
            | Self::QuotaDeferred { account_id, .. }
            | Self::MediaRejected { account_id, .. }
            | Self::MediaCleanedUp { account_id, .. }
            | Self::ReplySkipped { account_id, .. }
            | Self::ReplyHidden { account_id, .. }
            | Self::ReplyDrafted { account_id, .. }
            | Self::Moderated { account_id, .. }
            | Self::PostDeleted { account_id, .. }
            | Self::PostingWindowsApplied { account_id, .. }
            | Self::DraftCreated { account_id, .. }
            | Self::PersonaUpdated { account_id, .. }
            | Self::AccountExported { account_id, .. }
            | Self::HistoryImported { account_id, .. }
            | Self::SourceAdded { account_id, .. }
            | Self::FeedRead { account_id, .. } => Some(*account_id),
        }
    }

    /// The record acted on, as the audit event's target.
    pub fn target(&self) -> Option<String> {
        match self {
            Self::DraftTransition { draft_id, .. }
            | Self::DraftEdited { draft_id, .. }
            | Self::Published { draft_id, .. }
            | Self::ContainerReplaced { draft_id, .. }
            | Self::QuotaDeferred { draft_id, .. }
            | Self::MediaRejected { draft_id, .. }
            | Self::MediaCleanedUp { draft_id, .. }
            | Self::ReplyDrafted { draft_id, .. }
            | Self::DraftCreated { draft_id, .. } => Some(draft_id.to_string()),
            Self::ReplySkipped {
                conversation_id, ..
            }
            | Self::ReplyHidden {
                conversation_id, ..
            } => Some(conversation_id.to_string()),
            Self::Moderated { post_id, .. } => Some(post_id.clone()),
            Self::PostingWindowsApplied { persona_id, .. }
            | Self::PersonaUpdated { persona_id, .. } => Some(persona_id.to_string()),
            Self::AccountDeleted {
                deletion_request, ..
            } => Some(deletion_request.to_string()),
            Self::SourceAdded { source_id, .. } | Self::FeedRead { source_id, .. } => {
                Some(source_id.to_string())
            }
            other => other.account_id().map(|a| a.to_string()),
        }
    }

    /// The event's fields as audit details (text values, no secrets).
    pub fn details(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) {
            for (k, v) in map {
                if k == "event" || v.is_null() {
                    continue;
                }
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, text);
            }
        }
        out
    }
}
