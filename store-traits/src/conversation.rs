//! [`ConversationStore`]: conversations and messages.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{AccountId, ConversationId, MessageId};
use crate::records::{Conversation, Insertion, Message};

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
