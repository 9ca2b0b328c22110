//! Conversations: replies and mentions, from webhooks and polling, triaged and
//! answered in the persona's voice through the same approval and
//! exactly-once publishing as posts.
//!
//! # The path of one message
//!
//! 1. **Intake** ([`Pipeline::receive_webhook`], or polling): the event is
//!    matched to its account and recorded in the webhook inbox with its job,
//!    in one transaction, under a key made of the account, the kind and the
//!    post id. A redelivery, or the same message found by polling, is
//!    recorded once.
//! 2. **Conversation**: the message joins the conversation of its thread's
//!    root post (or of the mentioning post), stored once per provider id, with
//!    the account's draft when the root is the account's own post.
//! 3. **Triage**: persona-core's rules first; the model only when the rules
//!    are unsure. Abuse and spam found by the rules are never argued away.
//! 4. **Limits outside the model** ([`decide`]): depth in the thread,
//!    back-and-forth with one author (another bot), then the persona's
//!    [`ReplyPolicy`](persona_core::ReplyPolicy) caps per person, thread and
//!    day.
//! 5. **Answer**: drafted with the thread as fenced data, checked by the reply
//!    guardrails (it may mention only the person answered and link only to
//!    allowed hosts), stored as a reply draft whose id is derived from the
//!    message (a re-run after a crash finds it instead of writing another),
//!    and sent for approval: automatic only when the kind's mode and the
//!    persona allow it and nothing is risky (links, negative tone, names of
//!    people or brands, money, health); otherwise a person decides.
//! 6. **Publish**: a scheduled reply, after a random delay, through the
//!    exactly-once protocol, against the account's reply quota.
//!
//! # Comments are data
//!
//! Comment text reaches the model only inside fenced, labelled blocks, never
//! as instructions. Nothing here has tools, and nothing a comment says
//! changes the persona, its policy or any stored setting: the pipeline only
//! reads them. What the model writes back is checked by the guardrails before
//! a person or the policy can approve it.

pub mod decide;
mod intake;
mod moderation;
mod polling;

use chrono::TimeDelta;
use persona_core::{Guardrails, Intent, ReplyRules, Task as PromptTask, Violation};
use sha2::{Digest, Sha256};
use store_traits::{
    Account, AccountId, AccountStatus, Conversation, ConversationKind, ConversationState, Draft,
    DraftId, DraftKind, DraftQuality, DraftState, Message, MessageDirection, PersonaId,
};
use tracing::{Instrument, debug, info, info_span, warn};

pub use decide::{History, RiskFlag, SkipCause, Verdict};
pub use intake::WebhookReceipt;
pub use moderation::PendingReview;

use crate::actor::Actor;
use crate::drafts::PersonaDocument;
use crate::error::Result;
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome};
use crate::network::{FailureClass, InboundEvent, InboundKind, Moderation, PostId};
use crate::pipeline::Pipeline;
use crate::schedule::When;

/// Confidence above which the rules' triage is used without asking the model.
const RULES_CONFIDENT: f64 = 0.75;
/// How far up a thread the depth is counted before giving up (deeper is "too deep" anyway).
const MAX_WALK: u32 = 32;

impl Pipeline {
    /// Handles one event (the `Inbound` job).
    pub(crate) async fn inbound_step(
        &self,
        ctx: &JobCtx,
        account_id: AccountId,
        event: InboundEvent,
    ) -> Result<JobOutcome> {
        let span = info_span!("inbound", account = %account_id, event = %event.key());
        async {
            let Some(account) = self.inner.store.get_account(account_id).await? else {
                return Ok(JobOutcome::Done);
            };
            if account.status != AccountStatus::Active {
                return Ok(JobOutcome::Parked {
                    reason: format!("account is {}", account.status),
                });
            }
            match event.kind {
                InboundKind::Reply | InboundKind::Mention => {
                    self.handle_message(ctx, &account, &event).await
                }
                InboundKind::Deleted => {
                    self.note_deleted(&account, &event.post.id).await?;
                    Ok(JobOutcome::Done)
                }
                _ => {
                    // A publish notice: our own post (the ledger tracks it) or one
                    // made elsewhere; nothing to answer.
                    Ok(JobOutcome::Done)
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn note_deleted(&self, account: &Account, post: &PostId) -> Result<()> {
        if let Some(entry) = self
            .inner
            .store
            .find_publish_entry_by_media(post.as_str())
            .await?
        {
            self.inner
                .record(
                    &Actor::system(),
                    Event::PostDeleted {
                        account_id: account.id,
                        draft_id: Some(entry.draft_id),
                        post_id: post.to_string(),
                    },
                )
                .await?;
        }
        Ok(())
    }

    /// The conversation a message belongs to: the thread of its root post, or
    /// the mentioning post itself.
    async fn conversation_for(
        &self,
        account: &Account,
        event: &InboundEvent,
    ) -> Result<Conversation> {
        let post = &event.post;
        let (root, kind) = match event.kind {
            InboundKind::Mention => (
                post.root_id.clone().unwrap_or_else(|| post.id.clone()),
                ConversationKind::Mention,
            ),
            _ => (
                post.root_id
                    .clone()
                    .or_else(|| post.parent_id.clone())
                    .unwrap_or_else(|| post.id.clone()),
                ConversationKind::Replies,
            ),
        };
        let mut fresh = Conversation::new(account.id, root.as_str(), kind, self.inner.now());
        fresh.root_draft_id = self
            .inner
            .store
            .find_publish_entry_by_media(root.as_str())
            .await?
            .filter(|e| e.account_id == account.id)
            .map(|e| e.draft_id);
        Ok(self
            .inner
            .store
            .get_or_create_conversation(&fresh)
            .await?
            .into_inner())
    }

    async fn handle_message(
        &self,
        ctx: &JobCtx,
        account: &Account,
        event: &InboundEvent,
    ) -> Result<JobOutcome> {
        let post = &event.post;
        if post.is_own || post.author_username.eq_ignore_ascii_case(&account.username) {
            return Ok(JobOutcome::Done);
        }
        let now = self.inner.now();
        let conversation = self.conversation_for(account, event).await?;
        let mut message = Message::inbound(
            &conversation,
            post.id.as_str(),
            post.author_username.clone(),
            post.text.clone(),
            now,
        );
        message.parent_provider_id = post
            .parent_id
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .or(Some(conversation.root_media_id.clone()));
        message.author_id.clone_from(&post.author_id);
        message.created_at = post.created_at.unwrap_or(now);
        message.hidden = post.hidden;
        let stored = self.inner.store.add_message(&message).await?;
        let first = stored.is_new();
        let message = stored.into_inner();
        if first {
            self.touch_conversation(&conversation, message.created_at)
                .await?;
        }
        if message.hidden {
            return Ok(JobOutcome::Done);
        }
        // An answer an earlier run drafted (that run may have stopped anywhere
        // after storing it: a redelivery, or a re-run after a crash): carry it
        // on from where it is instead of deciding again.
        let draft_id = message
            .reply_draft_id
            .unwrap_or_else(|| reply_draft_id(&message));
        if let Some(draft) = self.inner.store.get_draft(draft_id).await? {
            self.carry_answer(account, &conversation, message, draft, &[])
                .await?;
            return Ok(JobOutcome::Done);
        }
        if message.reply_draft_id.is_some() {
            // Its answer is gone (deleted by a person or by retention).
            return Ok(JobOutcome::Done);
        }
        if conversation.state == ConversationState::Ignored {
            return Ok(JobOutcome::Done);
        }
        let (persona_id, doc) = self.persona_document(account.id).await?;
        let intent = self.triage(&message.text).await;
        let history = self.history(account, &conversation, &message).await?;
        // The account's own handle in a mention is not a name to worry about.
        let assessed = strip_handle(&message.text, &account.username);
        let verdict = decide::decide(
            intent,
            false,
            &assessed,
            history,
            &doc.persona.reply_policy,
            &self.inner.config.conversations,
        );
        debug!(?intent, ?verdict, ?history, "triaged");
        match verdict {
            Verdict::Hide => self.hide(ctx, account, message, intent).await,
            Verdict::Skip { reason } => {
                if reason == SkipCause::Exchange {
                    let mut c = conversation.clone();
                    c.state = ConversationState::Ignored;
                    c.updated_at = now;
                    self.inner.store.update_conversation(&c).await?;
                }
                self.inner
                    .record(
                        &Actor::system(),
                        Event::ReplySkipped {
                            account_id: account.id,
                            conversation_id: conversation.id,
                            author: message.author_username.clone(),
                            reason: reason.as_str().to_owned(),
                        },
                    )
                    .await?;
                Ok(JobOutcome::Done)
            }
            Verdict::Answer { risk } => {
                self.answer(
                    account,
                    &conversation,
                    message,
                    event.kind,
                    &doc,
                    persona_id,
                    intent,
                    risk,
                )
                .await?;
                Ok(JobOutcome::Done)
            }
        }
    }

    async fn touch_conversation(
        &self,
        conversation: &Conversation,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut c = conversation.clone();
        if c.last_message_at.is_some_and(|last| last >= at) {
            return Ok(());
        }
        c.last_message_at = Some(at);
        c.updated_at = self.inner.now();
        // A concurrent handler of the same conversation may win; both write
        // "a message arrived", so the last writer is as good as the first.
        self.inner.store.update_conversation(&c).await?;
        Ok(())
    }

    /// Rules first; the model only when the rules are unsure. Abuse and spam
    /// found by the rules are kept whatever the model says.
    async fn triage(&self, text: &str) -> Intent {
        let rules = persona_core::triage::classify(text);
        if rules.confidence >= RULES_CONFIDENT
            || matches!(rules.intent, Intent::Abuse | Intent::Spam)
        {
            return rules.intent;
        }
        persona_core::triage::classify_with(self.inner.llm.as_ref(), text)
            .await
            .intent
    }

    /// What the store knows about earlier answers, for the caps.
    async fn history(
        &self,
        account: &Account,
        conversation: &Conversation,
        message: &Message,
    ) -> Result<History> {
        let store = &self.inner.store;
        let now = self.inner.now();
        let day_ago = now - TimeDelta::hours(24);
        let thread = store.list_messages(conversation.id).await?;
        let answered: Vec<&Message> = thread
            .iter()
            .filter(|m| m.reply_draft_id.is_some() && m.direction == MessageDirection::Inbound)
            .collect();
        let in_thread = answered.len() as u32;
        let exchanges_with_author = answered
            .iter()
            .filter(|m| {
                m.author_username
                    .eq_ignore_ascii_case(&message.author_username)
            })
            .count() as u32;
        // Answers of the last day, across threads: reply drafts the account made.
        let recent = store
            .list_drafts(&store_traits::DraftFilter {
                account_id: Some(account.id),
                states: vec![
                    DraftState::PendingApproval,
                    DraftState::Approved,
                    DraftState::Scheduled,
                    DraftState::Publishing,
                    DraftState::PublishSent,
                    DraftState::Published,
                ],
                ..store_traits::DraftFilter::default()
            })
            .await?;
        let mut today = 0;
        let mut to_author_today = 0;
        for d in recent.iter().filter(|d| {
            d.kind == DraftKind::Reply && d.created_at > day_ago && d.conversation_id.is_some()
        }) {
            today += 1;
            if let Some(target) = &d.reply_to_id
                && let Some(m) = store.find_message(account.id, target).await?
                && m.author_username
                    .eq_ignore_ascii_case(&message.author_username)
            {
                to_author_today += 1;
            }
        }
        let depth = self.depth(account, conversation, message).await?;
        Ok(History {
            to_author_today,
            in_thread,
            today,
            exchanges_with_author,
            depth,
        })
    }

    /// How deep a message is in its thread (1: a reply to the root post). The
    /// walk goes up through stored messages and through the account's own
    /// published replies (the ledger knows them).
    async fn depth(
        &self,
        account: &Account,
        conversation: &Conversation,
        message: &Message,
    ) -> Result<u32> {
        let store = &self.inner.store;
        let mut depth = 1;
        let mut parent = message.parent_provider_id.clone();
        while let Some(p) = parent {
            if p == conversation.root_media_id || depth > MAX_WALK {
                break;
            }
            depth += 1;
            parent = if let Some(m) = store.find_message(account.id, &p).await? {
                m.parent_provider_id
            } else if let Some(entry) = store.find_publish_entry_by_media(&p).await? {
                store
                    .get_draft(entry.draft_id)
                    .await?
                    .and_then(|d| d.reply_to_id)
            } else {
                None
            };
        }
        Ok(depth)
    }

    async fn hide(
        &self,
        ctx: &JobCtx,
        account: &Account,
        mut message: Message,
        intent: Intent,
    ) -> Result<JobOutcome> {
        let auth = self.inner.auth(account).await?;
        ctx.check_lease(&self.inner).await?;
        let result = self
            .engagement()?
            .moderate(
                &auth,
                &PostId::new(message.provider_id.clone()),
                Moderation::Hide,
            )
            .await;
        match result {
            Ok(()) => {
                message.hidden = true;
                self.inner.store.update_message(&message).await?;
                self.inner
                    .record(
                        &Actor::system(),
                        Event::ReplyHidden {
                            account_id: account.id,
                            conversation_id: message.conversation_id,
                            author: message.author_username.clone(),
                            intent: intent.as_str().to_owned(),
                        },
                    )
                    .await?;
                Ok(JobOutcome::Done)
            }
            Err(e) => match e.class() {
                FailureClass::Reauthorize => {
                    self.mark_needs_reauth(account.id, e.message()).await?;
                    Ok(JobOutcome::Parked {
                        reason: e.to_string(),
                    })
                }
                FailureClass::Retry | FailureClass::Reconcile => Ok(JobOutcome::RetryAt {
                    at: self.inner.now()
                        + e.retry_after()
                            .unwrap_or(self.inner.config.publish.retry_base),
                    reason: e.to_string(),
                }),
                _ => {
                    warn!(error = %e, "could not hide a message");
                    Ok(JobOutcome::Done)
                }
            },
        }
    }

    /// Drafts the answer, stores it once, and routes it for approval.
    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        account: &Account,
        conversation: &Conversation,
        message: Message,
        kind: InboundKind,
        doc: &PersonaDocument,
        persona_id: Option<PersonaId>,
        intent: Intent,
        mut risk: Vec<RiskFlag>,
    ) -> Result<()> {
        let store = &self.inner.store;
        let draft_id = reply_draft_id(&message);
        let draft = match store.get_draft(draft_id).await? {
            Some(existing) => existing,
            None => {
                let draft = self
                    .write_answer(
                        account,
                        conversation,
                        &message,
                        kind,
                        doc,
                        persona_id,
                        intent,
                        &mut risk,
                        draft_id,
                    )
                    .await?;
                match store.insert_draft(&draft).await {
                    Ok(()) => draft,
                    // A concurrent run of the same message won: use its draft.
                    Err(store_traits::Error::AlreadyExists { .. }) => {
                        self.require_draft(draft_id).await?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        self.carry_answer(account, conversation, message, draft, &risk)
            .await
    }

    /// Takes a stored answer draft the rest of the way, from wherever it is:
    /// links it to the message, submits it, and schedules it when it was
    /// approved automatically. Every step checks the draft's state first, so
    /// a run that stopped anywhere (a crash, a lost lease) is finished by the
    /// next run of the same message, and a finished answer is left alone.
    async fn carry_answer(
        &self,
        account: &Account,
        conversation: &Conversation,
        mut message: Message,
        mut draft: Draft,
        risk: &[RiskFlag],
    ) -> Result<()> {
        self.inner
            .probe(crate::probe::Step::AnswerDrafted, &message.provider_id);
        let system = Actor::system();
        if message.reply_draft_id != Some(draft.id) {
            message.reply_draft_id = Some(draft.id);
            self.inner.store.update_message(&message).await?;
        }
        if draft.state == DraftState::Draft {
            draft = self.submit(draft.id, &system).await?;
            self.inner
                .record(
                    &system,
                    Event::ReplyDrafted {
                        account_id: account.id,
                        conversation_id: conversation.id,
                        draft_id: draft.id,
                        author: message.author_username.clone(),
                        risk: risk.iter().map(|r| r.as_str().to_owned()).collect(),
                        automatic: draft.state == DraftState::Approved,
                    },
                )
                .await?;
        }
        let approved_by_system = draft.decisions.iter().any(|d| {
            d.kind == store_traits::DecisionKind::Approved && d.actor == system.audit_name()
        });
        match draft.state {
            DraftState::Approved if approved_by_system => {
                let at = decide::answer_time(self.inner.now(), &self.inner.config.conversations);
                self.schedule(draft.id, When::At { at }, &system).await?;
                info!(draft = %draft.id, at = %at, "answer scheduled");
            }
            DraftState::Scheduled => {
                // A run that stopped right after scheduling may not have
                // queued the publish job; queuing it again is a no-op.
                let at = draft.scheduled_at.unwrap_or_else(|| self.inner.now());
                self.enqueue(
                    crate::jobs::Task::Publish { draft_id: draft.id },
                    account.id,
                    at,
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_answer(
        &self,
        account: &Account,
        conversation: &Conversation,
        message: &Message,
        kind: InboundKind,
        doc: &PersonaDocument,
        persona_id: Option<PersonaId>,
        intent: Intent,
        risk: &mut Vec<RiskFlag>,
        draft_id: DraftId,
    ) -> Result<Draft> {
        let store = &self.inner.store;
        // The thread as context: the account's post and the latest messages.
        let root_text = match conversation.root_draft_id {
            Some(id) => store
                .get_draft(id)
                .await?
                .map(|d| d.text)
                .unwrap_or_default(),
            None => String::new(),
        };
        let thread = store.list_messages(conversation.id).await?;
        let task = match kind {
            InboundKind::Mention => PromptTask::reply_mention(
                message.author_username.clone(),
                message.text.clone(),
                Some(intent),
            ),
            _ => {
                let mut reply = persona_core::ReplyTask::new(
                    message.author_username.clone(),
                    message.text.clone(),
                )
                .original_post(root_text)
                .intent(intent);
                let earlier: Vec<&Message> = thread.iter().filter(|m| m.id != message.id).collect();
                for m in &earlier[earlier.len().saturating_sub(6)..] {
                    reply = reply.thread_message(m.author_username.clone(), m.text.clone());
                }
                PromptTask::ReplyComment(reply)
            }
        };
        let prompt = self.inner.prompts.render(&doc.persona, &task)?;
        let completion = self.inner.llm.complete(&prompt.to_request()).await?;
        let policy = &self.inner.config.conversations;
        let mut rules = ReplyRules::replying_to(message.author_username.clone());
        for host in &policy.allowed_link_hosts {
            rules = rules.allow_link_host(host.clone());
        }
        let rails = Guardrails::new(&doc.persona, self.inner.publisher.text_limits())?;
        let raw = completion.text.trim().to_owned();
        let cut = completion.finish_reason == persona_core::FinishReason::Length;
        let (text, mut findings, mut needs_review) = match rails.repair_reply(&raw, &rules) {
            Ok(checked) if !cut => {
                let findings: Vec<String> = checked
                    .repairs
                    .iter()
                    .map(|r| format!("repaired: {r:?}"))
                    .collect();
                (checked.text, findings, false)
            }
            Ok(checked) => (
                checked.text,
                vec!["the model stopped at its length limit".to_owned()],
                true,
            ),
            Err(persona_core::Error::Rejected { violations }) => (
                raw,
                violations.iter().map(Violation::to_string).collect(),
                true,
            ),
            Err(e) => return Err(e.into()),
        };
        if decide::risk_flags(&text, Intent::Other).contains(&RiskFlag::Link)
            && !risk.contains(&RiskFlag::Link)
        {
            risk.push(RiskFlag::Link);
        }
        for flag in risk.iter() {
            findings.push(format!("needs a person: {}", flag.as_str()));
            needs_review = true;
        }
        if doc.persona.reply_policy.require_approval {
            findings.push("the persona's reply policy asks for approval".into());
            needs_review = true;
        }
        let now = self.inner.now();
        let mut draft = Draft::new(account.id, DraftKind::Reply, text, now);
        draft.id = draft_id;
        draft.persona_id = persona_id;
        draft.conversation_id = Some(conversation.id);
        draft.reply_to_id = Some(message.provider_id.clone());
        draft.quality = Some(DraftQuality {
            voice_score: doc.style.as_ref().map(|s| s.voice_score(&draft.text).total),
            findings,
            needs_review,
        });
        Ok(draft)
    }
}

/// `text` without mentions of `handle` (case-insensitive).
fn strip_handle(text: &str, handle: &str) -> String {
    if handle.is_empty() {
        return text.to_owned();
    }
    let needle = format!("@{}", handle.to_lowercase());
    text.split_whitespace()
        .filter(|w| {
            w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_')
                .to_lowercase()
                != needle
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The id of the answer to `message`: derived from the message id, so a
/// re-run of the same job (after a crash between drafting and recording)
/// finds the draft it wrote instead of writing a second one.
fn reply_draft_id(message: &Message) -> DraftId {
    let digest = Sha256::new()
        .chain_update(b"threads-toolkit/reply-draft/")
        .chain_update(message.id.as_uuid().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // An RFC 9562 version 8 (custom) UUID.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    DraftId::from_uuid(uuid::Uuid::from_bytes(bytes))
}
