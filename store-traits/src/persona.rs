//! [`PersonaStore`]: persona documents.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{AccountId, PersonaId};
use crate::records::PersonaRecord;

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
