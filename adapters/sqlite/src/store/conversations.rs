//! Conversations and messages, deduplicated by provider ids.

use async_trait::async_trait;
use store_traits::{
    AccountId, Conversation, ConversationId, ConversationStore, Error, Insertion, Message,
    MessageId, RecordKind, Result,
};

use super::SqliteStore;
use crate::codec::{db, from_doc, from_docs, is_unique_violation, limit, ns, to_doc};

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn get_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> Result<Insertion<Conversation>> {
        let mut tx = self.write_tx().await?;
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM conversations WHERE account_id = $1 AND root_media_id = $2",
        )
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("finding a conversation"))?;
        if let Some(doc) = existing {
            return Ok(Insertion::Existing(from_doc(
                &doc,
                RecordKind::Conversation,
            )?));
        }
        sqlx::query(
            "INSERT INTO conversations (id, account_id, root_media_id, created_ns, doc) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conversation.id.as_uuid())
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id)
        .bind(ns(conversation.created_at)?)
        .bind(to_doc(conversation, RecordKind::Conversation)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Conversation, conversation.id)
            } else {
                db("inserting a conversation")(e)
            }
        })?;
        tx.commit().await.map_err(db("committing a conversation"))?;
        Ok(Insertion::Inserted(conversation.clone()))
    }

    async fn get_conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM conversations WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.reader())
            .await
            .map_err(db("reading a conversation"))?;
        doc.map(|d| from_doc(&d, RecordKind::Conversation))
            .transpose()
    }

    async fn update_conversation(&self, conversation: &Conversation) -> Result<()> {
        let done = sqlx::query(
            "UPDATE conversations SET account_id = $2, root_media_id = $3, created_ns = $4, doc = $5 \
             WHERE id = $1",
        )
        .bind(conversation.id.as_uuid())
        .bind(conversation.account_id.as_uuid())
        .bind(&conversation.root_media_id)
        .bind(ns(conversation.created_at)?)
        .bind(to_doc(conversation, RecordKind::Conversation)?)
        .execute(self.writer())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Conversation, &conversation.root_media_id)
            } else {
                db("updating a conversation")(e)
            }
        })?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(RecordKind::Conversation, conversation.id));
        }
        Ok(())
    }

    async fn list_conversations(
        &self,
        account_id: AccountId,
        max: Option<usize>,
    ) -> Result<Vec<Conversation>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM conversations WHERE account_id = $1 ORDER BY created_ns, id LIMIT $2",
        )
        .bind(account_id.as_uuid())
        .bind(limit(max))
        .fetch_all(self.reader())
        .await
        .map_err(db("listing conversations"))?;
        from_docs(docs, RecordKind::Conversation)
    }

    async fn add_message(&self, message: &Message) -> Result<Insertion<Message>> {
        let mut tx = self.write_tx().await?;
        let conversation: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM conversations WHERE id = $1")
                .bind(message.conversation_id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("checking a message's conversation"))?;
        if conversation.is_none() {
            return Err(Error::not_found(
                RecordKind::Conversation,
                message.conversation_id,
            ));
        }
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM messages WHERE account_id = $1 AND provider_id = $2",
        )
        .bind(message.account_id.as_uuid())
        .bind(&message.provider_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("finding a message"))?;
        if let Some(doc) = existing {
            return Ok(Insertion::Existing(from_doc(&doc, RecordKind::Message)?));
        }
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, account_id, provider_id, created_ns, doc) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(message.id.as_uuid())
        .bind(message.conversation_id.as_uuid())
        .bind(message.account_id.as_uuid())
        .bind(&message.provider_id)
        .bind(ns(message.created_at)?)
        .bind(to_doc(message, RecordKind::Message)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Message, message.id)
            } else {
                db("inserting a message")(e)
            }
        })?;
        tx.commit().await.map_err(db("committing a message"))?;
        Ok(Insertion::Inserted(message.clone()))
    }

    async fn get_message(&self, id: MessageId) -> Result<Option<Message>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM messages WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(self.reader())
            .await
            .map_err(db("reading a message"))?;
        doc.map(|d| from_doc(&d, RecordKind::Message)).transpose()
    }

    async fn find_message(
        &self,
        account_id: AccountId,
        provider_id: &str,
    ) -> Result<Option<Message>> {
        let doc: Option<String> = sqlx::query_scalar(
            "SELECT doc FROM messages WHERE account_id = $1 AND provider_id = $2",
        )
        .bind(account_id.as_uuid())
        .bind(provider_id)
        .fetch_optional(self.reader())
        .await
        .map_err(db("finding a message"))?;
        doc.map(|d| from_doc(&d, RecordKind::Message)).transpose()
    }

    async fn update_message(&self, message: &Message) -> Result<()> {
        let done = sqlx::query(
            "UPDATE messages SET conversation_id = $2, account_id = $3, provider_id = $4, \
             created_ns = $5, doc = $6 WHERE id = $1",
        )
        .bind(message.id.as_uuid())
        .bind(message.conversation_id.as_uuid())
        .bind(message.account_id.as_uuid())
        .bind(&message.provider_id)
        .bind(ns(message.created_at)?)
        .bind(to_doc(message, RecordKind::Message)?)
        .execute(self.writer())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::already_exists(RecordKind::Message, &message.provider_id)
            } else {
                db("updating a message")(e)
            }
        })?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(RecordKind::Message, message.id));
        }
        Ok(())
    }

    async fn list_messages(&self, conversation_id: ConversationId) -> Result<Vec<Message>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM messages WHERE conversation_id = $1 ORDER BY created_ns, id",
        )
        .bind(conversation_id.as_uuid())
        .fetch_all(self.reader())
        .await
        .map_err(db("listing messages"))?;
        from_docs(docs, RecordKind::Message)
    }
}
