//! [`ConversationStore`]: conversations and messages in memory.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::conversation::{Conversation, ConversationStore, Message};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ConversationId, MessageId};
use crate::insertion::Insertion;
use crate::record_kind::RecordKind;

#[async_trait]
impl ConversationStore for MemoryStore {
    async fn get_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<Insertion<Conversation>> {
        let mut state = self.lock();
        if let Some(existing) = state.conversations.values().find(|c| {
            c.account_id == conversation.account_id && c.root_media_id == conversation.root_media_id
        }) {
            return Ok(Insertion::Existing(existing.clone()));
        }
        if state.conversations.contains_key(&conversation.id) {
            return Err(Error::already_exists(
                RecordKind::Conversation,
                conversation.id,
            ));
        }
        state
            .conversations
            .insert(conversation.id, conversation.clone());
        Ok(Insertion::Inserted(conversation.clone()))
    }

    async fn get_conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        Ok(self.lock().conversations.get(&id).cloned())
    }

    async fn update_conversation(&self, conversation: &Conversation) -> Result<()> {
        let mut state = self.lock();
        match state.conversations.get_mut(&conversation.id) {
            Some(stored) => {
                *stored = conversation.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::Conversation, conversation.id)),
        }
    }

    async fn list_conversations(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Conversation>> {
        let state = self.lock();
        let items = state
            .conversations
            .values()
            .filter(|c| c.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |c| (c.created_at, c.id), limit))
    }

    async fn add_message(&self, message: &Message) -> Result<Insertion<Message>> {
        let mut state = self.lock();
        if !state.conversations.contains_key(&message.conversation_id) {
            return Err(Error::not_found(
                RecordKind::Conversation,
                message.conversation_id,
            ));
        }
        if let Some(existing) = state
            .messages
            .values()
            .find(|m| m.account_id == message.account_id && m.provider_id == message.provider_id)
        {
            return Ok(Insertion::Existing(existing.clone()));
        }
        if state.messages.contains_key(&message.id) {
            return Err(Error::already_exists(RecordKind::Message, message.id));
        }
        state.messages.insert(message.id, message.clone());
        Ok(Insertion::Inserted(message.clone()))
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>> {
        Ok(self.lock().messages.get(&id).cloned())
    }

    async fn find_message(
        &self,
        account_id: AccountId,
        provider_id: &str,
    ) -> Result<Option<Message>> {
        Ok(self
            .lock()
            .messages
            .values()
            .find(|m| m.account_id == account_id && m.provider_id == provider_id)
            .cloned())
    }

    async fn update_message(&self, message: &Message) -> Result<()> {
        let mut state = self.lock();
        match state.messages.get_mut(&message.id) {
            Some(stored) => {
                *stored = message.clone();
                Ok(())
            }
            None => Err(Error::not_found(RecordKind::Message, message.id)),
        }
    }

    async fn list_messages(&self, conversation_id: ConversationId) -> Result<Vec<Message>> {
        let state = self.lock();
        let items = state
            .messages
            .values()
            .filter(|m| m.conversation_id == conversation_id)
            .cloned()
            .collect();
        Ok(sorted(items, |m| (m.created_at, m.id), None))
    }
}
