//! [`PersonaStore`] over the in-memory maps.

use async_trait::async_trait;

use super::{MemoryStore, sorted};
use crate::error::Result;
use crate::ids::{AccountId, PersonaId};
use crate::persona::{PersonaRecord, PersonaStore};

#[async_trait]
impl PersonaStore for MemoryStore {
    async fn put_persona(&self, persona: &PersonaRecord) -> Result<()> {
        self.lock().personas.insert(persona.id, persona.clone());
        Ok(())
    }

    async fn get_persona(&self, id: PersonaId) -> Result<Option<PersonaRecord>> {
        Ok(self.lock().personas.get(&id).cloned())
    }

    async fn list_personas(&self, account_id: AccountId) -> Result<Vec<PersonaRecord>> {
        let state = self.lock();
        let items = state
            .personas
            .values()
            .filter(|p| p.account_id == account_id)
            .cloned()
            .collect();
        Ok(sorted(items, |p| (p.created_at, p.id), None))
    }

    async fn delete_persona(&self, id: PersonaId) -> Result<bool> {
        Ok(self.lock().personas.remove(&id).is_some())
    }
}
