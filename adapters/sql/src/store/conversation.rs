//! [`ConversationStore`]: conversations and messages, deduplicated by provider ids.
//!
//! Inserts claim the provider id with `ON CONFLICT ... DO NOTHING` against the
//! unique constraint; when that conflicts, the stored record is returned.

use async_trait::async_trait;
use store_traits::{
    AccountId, Conversation, ConversationId, ConversationStore, Error, Insertion, Message,
    MessageId, RecordKind, Result,
};

use super::SqlStore;
use crate::backend::Backend;
use crate::codec::{doc_of, docs_of, ns, to_doc};
use crate::exec::db;
use crate::exec::exists_or;
use crate::value::Query;

#[async_trait]
impl<B: Backend> ConversationStore for SqlStore<B> {
    async fn get_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<Insertion<Conversation>> {
        let query = Query::new(
            "INSERT INTO conversations (id, account_id, root_media_id, created_ns, doc) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, root_media_id) DO NOTHING",
        )
        .bind(conversation.id.as_uuid())
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id)
        .bind(ns(conversation.created_at)?)
        .bind(to_doc(conversation, RecordKind::Conversation)?);
        let inserted = self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Conversation,
            conversation.id,
            "inserting a conversation",
        ))?;
        if inserted > 0 {
            return Ok(Insertion::Inserted(conversation.clone()));
        }
        let query = Query::new(
            "SELECT doc FROM conversations WHERE account_id = $1 AND root_media_id = $2",
        )
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id);
        let existing = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("finding a conversation"))?;
        // Conversations are only removed with their account; if it vanished meanwhile, say so.
        doc_of(existing, RecordKind::Conversation)?
            .map(Insertion::Existing)
            .ok_or_else(|| Error::not_found(RecordKind::Conversation, &conversation.root_media_id))
    }

    async fn get_conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        self.doc_by_id(
            "SELECT doc FROM conversations WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Conversation,
            "reading a conversation",
        )
        .await
    }

    async fn update_conversation(&self, conversation: &Conversation) -> Result<()> {
        let query = Query::new(
            "UPDATE conversations SET account_id = $2, root_media_id = $3, created_ns = $4, doc = $5 \
             WHERE id = $1",
        )
        .bind(conversation.id.as_uuid())
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id)
        .bind(ns(conversation.created_at)?)
        .bind(to_doc(conversation, RecordKind::Conversation)?);
        let done = self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Conversation,
            &conversation.root_media_id,
            "updating a conversation",
        ))?;
        if done == 0 {
            return Err(Error::not_found(RecordKind::Conversation, conversation.id));
        }
        Ok(())
    }

    async fn list_conversations(
        &self,
        account_id: AccountId,
        max: Option<usize>,
    ) -> Result<Vec<Conversation>> {
        let query = Query::new(
            "SELECT doc FROM conversations WHERE account_id = $1 ORDER BY created_ns, id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(B::limit(max));
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing conversations"))?;
        docs_of(rows, RecordKind::Conversation)
    }

    async fn add_message(&self, message: &Message) -> Result<Insertion<Message>> {
        let mut tx = self.write_tx().await?;
        // Holds the conversation (against a concurrent account deletion) until commit.
        let sql = format!("SELECT 1 FROM conversations WHERE id = $1{}", B::SHARE_LOCK);
        let conversation = tx
            .fetch_optional(Query::new(sql).bind(message.conversation_id.as_uuid()))
            .await
            .map_err(db("checking a message's conversation"))?;
        if conversation.is_none() {
            return Err(Error::not_found(
                RecordKind::Conversation,
                message.conversation_id,
            ));
        }
        let query = Query::new(
            "INSERT INTO messages (id, conversation_id, account_id, provider_id, created_ns, doc) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, provider_id) DO NOTHING",
        )
        .bind(message.id.as_uuid())
        .bind(message.conversation_id.as_uuid())
        .bind(message.account_id.as_uuid())
        .bind(&message.provider_id)
        .bind(ns(message.created_at)?)
        .bind(to_doc(message, RecordKind::Message)?);
        let inserted = tx.execute(query).await.map_err(exists_or(
            RecordKind::Message,
            message.id,
            "inserting a message",
        ))?;
        if inserted > 0 {
            tx.commit().await.map_err(db("committing a message"))?;
            return Ok(Insertion::Inserted(message.clone()));
        }
        let query =
            Query::new("SELECT doc FROM messages WHERE account_id = $1 AND provider_id = $2")
                .bind(message.account_id.as_uuid())
                .bind(&message.provider_id);
        let existing = tx
            .fetch_optional(query)
            .await
            .map_err(db("finding a message"))?;
        doc_of(existing, RecordKind::Message)?
            .map(Insertion::Existing)
            .ok_or_else(|| Error::not_found(RecordKind::Message, &message.provider_id))
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>> {
        self.doc_by_id(
            "SELECT doc FROM messages WHERE id = $1",
            *id.as_uuid(),
            RecordKind::Message,
            "reading a message",
        )
        .await
    }

    async fn find_message(
        &self,
        account_id: AccountId,
        provider_id: &str,
    ) -> Result<Option<Message>> {
        let query =
            Query::new("SELECT doc FROM messages WHERE account_id = $1 AND provider_id = $2")
                .bind(account_id.as_uuid())
                .bind(provider_id);
        let row = self
            .reader()
            .fetch_optional(query)
            .await
            .map_err(db("finding a message"))?;
        doc_of(row, RecordKind::Message)
    }

    async fn update_message(&self, message: &Message) -> Result<()> {
        let query = Query::new(
            "UPDATE messages SET conversation_id = $2, account_id = $3, provider_id = $4, \
             created_ns = $5, doc = $6 WHERE id = $1",
        )
        .bind(message.id.as_uuid())
        .bind(message.conversation_id.as_uuid())
        .bind(message.account_id.as_uuid())
        .bind(&message.provider_id)
        .bind(ns(message.created_at)?)
        .bind(to_doc(message, RecordKind::Message)?);
        let done = self.writer().execute(query).await.map_err(exists_or(
            RecordKind::Message,
            &message.provider_id,
            "updating a message",
        ))?;
        if done == 0 {
            return Err(Error::not_found(RecordKind::Message, message.id));
        }
        Ok(())
    }

    async fn list_messages(&self, conversation_id: ConversationId) -> Result<Vec<Message>> {
        let query = Query::new(
            "SELECT doc FROM messages WHERE conversation_id = $1 ORDER BY created_ns, id",
        )
        .bind(conversation_id.as_uuid());
        let rows = self
            .reader()
            .fetch_all(query)
            .await
            .map_err(db("listing messages"))?;
        docs_of(rows, RecordKind::Message)
    }
}
