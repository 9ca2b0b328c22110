//! Conversations (replies under a post, mentions) and their messages:
//! [`Conversation`], [`Message`] and [`ConversationStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, ConversationId, DraftId, MessageId};
use crate::insertion::Insertion;

/// Conversations and their messages, deduplicated by provider ids.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Stores the conversation unless one exists for the same
    /// `(account_id, root_media_id)`; then returns that one, unchanged.
    async fn get_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<Insertion<Conversation>>;

    /// Reads a conversation.
    async fn get_conversation(&self, id: ConversationId) -> Result<Option<Conversation>>;

    /// Replaces a conversation. [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_conversation(&self, conversation: &Conversation) -> Result<()>;

    /// The account's conversations, ordered by `(created_at, id)`, at most `limit` (`None`: all).
    async fn list_conversations(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Conversation>>;

    /// Stores a message unless one exists for the same `(account_id, provider_id)`;
    /// then returns that one, unchanged. The conversation must exist
    /// ([`Error::NotFound`](crate::Error::NotFound)).
    async fn add_message(&self, message: &Message) -> Result<Insertion<Message>>;

    /// Reads a message.
    async fn get_message(&self, id: MessageId) -> Result<Option<Message>>;

    /// Finds a message by provider id.
    async fn find_message(
        &self,
        account_id: AccountId,
        provider_id: &str,
    ) -> Result<Option<Message>>;

    /// Replaces a message (hidden flag, reply draft).
    /// [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_message(&self, message: &Message) -> Result<()>;

    /// A conversation's messages, ordered by `(created_at, id)`.
    async fn list_messages(&self, conversation_id: ConversationId) -> Result<Vec<Message>>;
}

str_enum! {
    /// What started a conversation.
    pub enum ConversationKind {
        /// Replies under one of the account's posts.
        Replies => "replies",
        /// Someone mentioned the account.
        Mention => "mention",
    }
}

str_enum! {
    /// Whether a conversation needs attention.
    pub enum ConversationState {
        /// New messages may need a reply.
        Open => "open",
        /// Handled.
        Resolved => "resolved",
        /// Deliberately not answered.
        Ignored => "ignored",
    }
}

str_enum! {
    /// Who wrote a message.
    pub enum MessageDirection {
        /// Someone else, to the account.
        Inbound => "inbound",
        /// The account (a published reply).
        Outbound => "outbound",
    }
}

/// A thread of messages rooted at one provider post.
///
/// Unique per `(account_id, root_media_id)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The conversation's id.
    pub id: ConversationId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// Provider id of the root post (the account's post, or the mentioning post).
    pub root_media_id: String,
    /// The draft that became the root post, when the account wrote it here.
    pub root_draft_id: Option<DraftId>,
    /// Replies or mention.
    pub kind: ConversationKind,
    /// Open, resolved or ignored.
    pub state: ConversationState,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Time of the newest message, as maintained by the caller.
    pub last_message_at: Option<DateTime<Utc>>,
}

impl Conversation {
    /// A new open conversation.
    pub fn new(
        account_id: AccountId,
        root_media_id: impl Into<String>,
        kind: ConversationKind,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: ConversationId::new(),
            account_id,
            root_media_id: root_media_id.into(),
            root_draft_id: None,
            kind,
            state: ConversationState::Open,
            created_at: now,
            updated_at: now,
            last_message_at: None,
        }
    }
}

/// One message (a reply or mention) in a conversation.
///
/// Unique per `(account_id, provider_id)`: a second delivery of the same reply is
/// recognised and not stored twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// The account (denormalised so deletion and export need no join).
    pub account_id: AccountId,
    /// Provider media id of this message.
    pub provider_id: String,
    /// Provider id of the post it answers.
    pub parent_provider_id: Option<String>,
    /// Author's username.
    pub author_username: String,
    /// Author's provider user id, if known.
    pub author_id: Option<String>,
    /// The text (untrusted input).
    pub text: String,
    /// Inbound or outbound.
    pub direction: MessageDirection,
    /// Whether it is hidden on Threads.
    pub hidden: bool,
    /// The reply draft made for it, if any.
    pub reply_draft_id: Option<DraftId>,
    /// When the provider says it was written.
    pub created_at: DateTime<Utc>,
    /// When this system received it.
    pub received_at: DateTime<Utc>,
}

impl Message {
    /// A new inbound message.
    pub fn inbound(
        conversation: &Conversation,
        provider_id: impl Into<String>,
        author_username: impl Into<String>,
        text: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: MessageId::new(),
            conversation_id: conversation.id,
            account_id: conversation.account_id,
            provider_id: provider_id.into(),
            parent_provider_id: Some(conversation.root_media_id.clone()),
            author_username: author_username.into(),
            author_id: None,
            text: text.into(),
            direction: MessageDirection::Inbound,
            hidden: false,
            reply_draft_id: None,
            created_at: now,
            received_at: now,
        }
    }
}
