//! What a reviewer sees: the drafts of an account that wait for a person
//! (with their quality findings, schedule and, for replies, the
//! conversation they answer), and a dry run of the checks an edit goes
//! through.

use chrono_tz::Tz;
use persona_core::Guardrails;
use store_traits::{Account, AccountId, Conversation, Draft, DraftFilter, DraftState, Message};

use crate::actor::Actor;
use crate::error::Result;
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// How many earlier messages of a conversation a [`ReplyContext`] carries.
const CONTEXT_MESSAGES: usize = 6;

/// The states a review queue lists: drafts a person can still approve,
/// reject, edit or (re)schedule.
pub const REVIEW_STATES: [DraftState; 6] = [
    DraftState::Draft,
    DraftState::PendingApproval,
    DraftState::Approved,
    DraftState::Scheduled,
    DraftState::Missed,
    DraftState::Failed,
];

/// An account's drafts that a person can still act on, for an approval page.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReviewQueue {
    /// The account.
    pub account: Account,
    /// The persona's time zone (scheduled times are shown in it).
    pub time_zone: Tz,
    /// The network's name for its text budget (`"threads"`).
    pub limit_name: String,
    /// The most one post may measure, the network's way.
    pub max_length: usize,
    /// Root drafts in one of [`REVIEW_STATES`], waiting ones first (oldest
    /// first), then approved, then scheduled (soonest first), then missed
    /// and failed.
    pub items: Vec<ReviewItem>,
}

/// One draft in a [`ReviewQueue`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReviewItem {
    /// The draft (the first part of a reply chain). Its
    /// [`quality`](Draft::quality) holds the voice score and the guardrail
    /// findings; its `scheduled_at` the slot.
    pub draft: Draft,
    /// Parts 2.. of its reply chain, in order (empty for a single post).
    pub followers: Vec<Draft>,
    /// For an answer to a comment or mention: what it answers.
    pub context: Option<ReplyContext>,
}

/// The conversation a reply draft answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReplyContext {
    /// The conversation.
    pub conversation: Conversation,
    /// The text of the account's post the conversation hangs under, when the
    /// account wrote it here.
    pub root_text: Option<String>,
    /// The message answered (untrusted text).
    pub message: Option<Message>,
    /// The latest messages before it, oldest first (at most six).
    pub earlier: Vec<Message>,
}

/// The result of [`Pipeline::check_text`]: what an edit to this text would
/// meet, without anything being saved.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TextCheck {
    /// The text's length, measured the network's way (for Threads, emoji
    /// count as their UTF-8 bytes).
    pub length: usize,
    /// The most one post may measure.
    pub max_length: usize,
    /// Whether [`Pipeline::edit`] accepts the text (it fits the network's
    /// budget). Texts with findings are accepted but go to a person.
    pub fits: bool,
    /// What the network's budget and the persona's guardrails say about the
    /// text, one line each (empty: nothing).
    pub findings: Vec<String>,
    /// How closely the text matches the account's voice (0..1), when a style
    /// profile exists.
    pub voice_score: Option<f64>,
}

fn queue_rank(draft: &Draft) -> (u8, i64) {
    let group = match draft.state {
        DraftState::Draft | DraftState::PendingApproval => 0,
        DraftState::Approved => 1,
        DraftState::Scheduled => 2,
        _ => 3,
    };
    let at = match draft.state {
        DraftState::Scheduled => draft.scheduled_at.unwrap_or(draft.created_at),
        _ => draft.created_at,
    };
    (group, at.timestamp_micros())
}

impl Pipeline {
    /// The account's drafts a person can still act on (see
    /// [`REVIEW_STATES`]), with what a reviewer needs next to each: quality
    /// findings, schedule, reply-chain parts and, for replies, the
    /// conversation. Needs [`Operation::View`] on the account (every role
    /// has it; the organisation rule applies).
    pub async fn review_queue(&self, account_id: AccountId, actor: &Actor) -> Result<ReviewQueue> {
        let account = self
            .inner
            .authorize(actor, Operation::View, account_id)
            .await?;
        let (_, doc) = self.persona_document(account_id).await?;
        let limits = self.inner.publisher.text_limits();
        let store = &self.inner.store;
        let mut roots: Vec<Draft> = store
            .list_drafts(&DraftFilter {
                account_id: Some(account_id),
                states: REVIEW_STATES.to_vec(),
                ..DraftFilter::default()
            })
            .await?
            .into_iter()
            .filter(|d| d.parent_draft_id.is_none())
            .collect();
        roots.sort_by_key(queue_rank);
        let mut items = Vec::with_capacity(roots.len());
        for draft in roots {
            let mut followers = Vec::with_capacity(draft.chain.len());
            for id in &draft.chain {
                if let Some(part) = store.get_draft(*id).await? {
                    followers.push(part);
                }
            }
            let context = match draft.conversation_id {
                Some(id) => self.reply_context(id, &draft).await?,
                None => None,
            };
            items.push(ReviewItem {
                draft,
                followers,
                context,
            });
        }
        Ok(ReviewQueue {
            account,
            time_zone: doc.persona.time_zone,
            limit_name: limits.name().to_owned(),
            max_length: limits.max_length,
            items,
        })
    }

    async fn reply_context(
        &self,
        conversation_id: store_traits::ConversationId,
        draft: &Draft,
    ) -> Result<Option<ReplyContext>> {
        let store = &self.inner.store;
        let Some(conversation) = store.get_conversation(conversation_id).await? else {
            return Ok(None);
        };
        let root_text = match conversation.root_draft_id {
            Some(id) => store.get_draft(id).await?.map(|d| d.text),
            None => None,
        };
        let mut messages = store.list_messages(conversation.id).await?;
        messages.sort_by_key(|m| m.created_at);
        let answered = messages.iter().position(|m| {
            m.reply_draft_id == Some(draft.id)
                || draft.reply_to_id.as_deref() == Some(m.provider_id.as_str())
        });
        let (message, earlier) = match answered {
            Some(i) => {
                let from = i.saturating_sub(CONTEXT_MESSAGES);
                (Some(messages[i].clone()), messages[from..i].to_vec())
            }
            None => {
                let from = messages.len().saturating_sub(CONTEXT_MESSAGES);
                (None, messages[from..].to_vec())
            }
        };
        Ok(Some(ReplyContext {
            conversation,
            root_text,
            message,
            earlier,
        }))
    }

    /// Runs the checks [`edit`](Self::edit) runs on a draft's new text, for
    /// a text meant for the account, and saves nothing: the network's budget
    /// (a text too long for one post is refused by `edit`) and the persona's
    /// guardrails (findings send the draft to a person). For a form that
    /// shows the problem next to the field before anything is written.
    /// Needs [`Operation::View`] on the account.
    pub async fn check_text(
        &self,
        account_id: AccountId,
        text: &str,
        actor: &Actor,
    ) -> Result<TextCheck> {
        self.inner
            .authorize(actor, Operation::View, account_id)
            .await?;
        let (_, doc) = self.persona_document(account_id).await?;
        let rails = Guardrails::new(&doc.persona, self.inner.publisher.text_limits())?;
        let limits = rails.limits();
        let length = limits.length(text);
        let fits = length <= limits.max_length;
        let findings = rails
            .check_post(text)
            .iter()
            .map(ToString::to_string)
            .collect();
        Ok(TextCheck {
            length,
            max_length: limits.max_length,
            fits,
            findings,
            voice_score: doc.style.as_ref().map(|s| s.voice_score(text).total),
        })
    }
}
