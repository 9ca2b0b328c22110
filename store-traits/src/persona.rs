//! Personas, kept as opaque JSON documents: [`PersonaRecord`] and
//! [`PersonaStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, PersonaId};

/// Persona documents (opaque JSON) per account.
#[async_trait]
pub trait PersonaStore: Send + Sync {
    /// Inserts or replaces a persona (keyed by id).
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()>;

    /// Reads a persona.
    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>>;

    /// The account's personas, ordered by `(created_at, id)`.
    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>>;

    /// Deletes a persona; `true` if it existed.
    async fn delete_persona(&self, id: PersonaId) -> Result<bool>;
}

/// A persona as the store sees it: a JSON document plus metadata.
///
/// The document's shape belongs to `persona-core` (or the host); this crate does
/// not look inside, so it does not depend on it. `schema_version` lets the owner
/// migrate documents it reads back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaRecord {
    /// The persona's id.
    pub id: PersonaId,
    /// The account it writes for.
    pub account_id: AccountId,
    /// A human-readable name.
    pub name: String,
    /// The persona document (opaque to the store).
    pub document: serde_json::Value,
    /// Version of the document's schema, chosen by its owner.
    pub schema_version: u32,
    /// Whether this is the account's active persona.
    pub is_active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl PersonaRecord {
    /// A new, active persona record.
    pub fn new(
        account_id: AccountId,
        name: impl Into<String>,
        document: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: PersonaId::new(),
            account_id,
            name: name.into(),
            document,
            schema_version: 1,
            is_active: true,
            created_at: now,
            updated_at: now,
        }
    }
}
