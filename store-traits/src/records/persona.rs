//! Stored personas, kept as opaque JSON documents.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, PersonaId};

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
