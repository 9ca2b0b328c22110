//! Conformance of [`PersonaStore`](crate::PersonaStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick};
use crate::ids::PersonaId;
use crate::persona::PersonaRecord;
use crate::store::Store;

/// [`PersonaStore`](crate::PersonaStore): put (insert and replace), get, list, delete.
pub async fn personas(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let doc = serde_json::json!({
        "name": "Ada", "tone": ["warm", "direct"], "length": {"min": 80, "max": 300},
        "emoji": false, "nested": {"list": [1, 2, 3], "null": null}
    });
    let p1 = PersonaRecord::new(a.id, "main", doc.clone(), clock.now());
    store.put_persona(&p1).await.unwrap();
    assert_eq!(
        store.get_persona(p1.id).await.unwrap(),
        Some(p1.clone()),
        "get_persona must return the document unchanged"
    );
    tick(clock, TimeDelta::seconds(1));
    let mut p2 = PersonaRecord::new(a.id, "alt", serde_json::json!({"v": 2}), clock.now());
    p2.is_active = false;
    p2.schema_version = 3;
    store.put_persona(&p2).await.unwrap();

    let mut p1b = p1.clone();
    p1b.document = serde_json::json!({"name": "Ada", "tone": ["calm"]});
    p1b.updated_at = tick(clock, TimeDelta::seconds(1));
    store.put_persona(&p1b).await.unwrap();
    assert_eq!(
        store.get_persona(p1.id).await.unwrap(),
        Some(p1b.clone()),
        "put_persona with an existing id must replace it"
    );
    assert_eq!(
        store.list_personas(a.id).await.unwrap(),
        vec![p1b.clone(), p2.clone()],
        "list_personas must list the account's personas ordered by (created_at, id)"
    );
    assert!(store.delete_persona(p2.id).await.unwrap());
    assert!(
        !store.delete_persona(p2.id).await.unwrap(),
        "second delete_persona must return false"
    );
    assert_eq!(store.get_persona(p2.id).await.unwrap(), None);
    assert_eq!(store.get_persona(PersonaId::new()).await.unwrap(), None);
    assert_eq!(store.list_personas(a.id).await.unwrap(), vec![p1b]);
    cleanup(store, &[a.id]).await;
}
