//! Conformance of [`ConversationStore`](crate::ConversationStore).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick, unique};
use crate::conversation::{
    Conversation, ConversationKind, ConversationState, Message, MessageDirection,
};
use crate::error::Error;
use crate::ids::{ConversationId, MessageId};
use crate::store::Store;

/// [`ConversationStore`](crate::ConversationStore): get-or-create by root post,
/// update, list; messages deduplicated by provider id, lookup, update, list.
pub async fn conversations(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let a = new_account(store, clock, None).await;
    let b = new_account(store, clock, None).await;
    let root = unique("root");

    let c1 = Conversation::new(a.id, &root, ConversationKind::Replies, clock.now());
    let created = store.get_or_create_conversation(&c1).await.unwrap();
    assert!(
        created.is_new(),
        "the first get_or_create_conversation must insert"
    );
    assert_eq!(created.into_inner(), c1);
    let mut same_root = Conversation::new(a.id, &root, ConversationKind::Mention, clock.now());
    same_root.state = ConversationState::Ignored;
    let existing = store.get_or_create_conversation(&same_root).await.unwrap();
    assert!(
        !existing.is_new(),
        "get_or_create_conversation with a known (account, root) must return the existing one"
    );
    assert_eq!(
        existing.into_inner(),
        c1,
        "the existing conversation must be unchanged"
    );
    assert_eq!(
        store.get_conversation(same_root.id).await.unwrap(),
        None,
        "the duplicate must not be stored"
    );
    let for_b = Conversation::new(b.id, &root, ConversationKind::Mention, clock.now());
    assert!(
        store
            .get_or_create_conversation(&for_b)
            .await
            .unwrap()
            .is_new(),
        "the same root for another account is another conversation"
    );

    let mut resolved = c1.clone();
    resolved.state = ConversationState::Resolved;
    resolved.updated_at = tick(clock, TimeDelta::seconds(1));
    resolved.last_message_at = Some(clock.now());
    store.update_conversation(&resolved).await.unwrap();
    assert_eq!(
        store.get_conversation(c1.id).await.unwrap(),
        Some(resolved.clone())
    );
    assert_eq!(
        store.get_conversation(ConversationId::new()).await.unwrap(),
        None
    );
    let mut ghost = resolved.clone();
    ghost.id = ConversationId::new();
    assert!(
        matches!(
            store.update_conversation(&ghost).await,
            Err(Error::NotFound { .. })
        ),
        "update_conversation of an unknown id must fail with NotFound"
    );

    tick(clock, TimeDelta::seconds(1));
    let c2 = Conversation::new(a.id, unique("root"), ConversationKind::Mention, clock.now());
    store.get_or_create_conversation(&c2).await.unwrap();
    assert_eq!(
        store.list_conversations(a.id, None).await.unwrap(),
        vec![resolved.clone(), c2.clone()],
        "list_conversations must order by (created_at, id)"
    );
    assert_eq!(
        store.list_conversations(a.id, Some(1)).await.unwrap(),
        vec![resolved.clone()]
    );

    // Messages.
    let provider_id = unique("reply");
    let m1 = Message::inbound(&c1, &provider_id, "bob", "Nice post!", clock.now());
    assert!(store.add_message(&m1).await.unwrap().is_new());
    let redelivered = Message::inbound(&c1, &provider_id, "bob", "Nice post!", clock.now());
    let dup = store.add_message(&redelivered).await.unwrap();
    assert!(
        !dup.is_new(),
        "add_message with a known (account, provider_id) must return the existing message"
    );
    assert_eq!(dup.into_inner(), m1);
    assert_eq!(store.get_message(redelivered.id).await.unwrap(), None);
    let orphan_conv =
        Conversation::new(a.id, unique("root"), ConversationKind::Replies, clock.now());
    let orphan = Message::inbound(&orphan_conv, unique("reply"), "eve", "?", clock.now());
    assert!(
        matches!(
            store.add_message(&orphan).await,
            Err(Error::NotFound { .. })
        ),
        "add_message into an unknown conversation must fail with NotFound"
    );

    tick(clock, TimeDelta::seconds(1));
    let mut m2 = Message::inbound(&c1, unique("reply"), "carol", "Question?", clock.now());
    m2.author_id = Some("4242".into());
    store.add_message(&m2).await.unwrap();
    let mut m3 = Message::inbound(&c1, unique("reply"), "acct", "Thanks!", clock.now());
    m3.direction = MessageDirection::Outbound;
    m3.created_at = clock.now() - TimeDelta::seconds(30);
    store.add_message(&m3).await.unwrap();

    assert_eq!(store.get_message(m1.id).await.unwrap(), Some(m1.clone()));
    assert_eq!(store.get_message(MessageId::new()).await.unwrap(), None);
    assert_eq!(
        store.find_message(a.id, &provider_id).await.unwrap(),
        Some(m1.clone()),
        "find_message must find by provider id"
    );
    assert_eq!(
        store.find_message(b.id, &provider_id).await.unwrap(),
        None,
        "find_message must not cross accounts"
    );

    let mut hidden = m2.clone();
    hidden.hidden = true;
    store.update_message(&hidden).await.unwrap();
    assert_eq!(
        store.get_message(m2.id).await.unwrap(),
        Some(hidden.clone())
    );
    let mut ghost = hidden.clone();
    ghost.id = MessageId::new();
    assert!(
        matches!(
            store.update_message(&ghost).await,
            Err(Error::NotFound { .. })
        ),
        "update_message of an unknown id must fail with NotFound"
    );

    assert_eq!(
        store.list_messages(c1.id).await.unwrap(),
        vec![m3.clone(), m1.clone(), hidden.clone()],
        "list_messages must order by (created_at, id)"
    );
    assert!(store.list_messages(c2.id).await.unwrap().is_empty());
    cleanup(store, &[a.id, b.id]).await;
}
