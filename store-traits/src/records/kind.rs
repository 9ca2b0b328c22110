//! Record kinds (for errors and reports) and the insert-or-existing result.

str_enum! {
    /// The kinds of record a store holds; used in errors, deletion and purge reports.
    pub enum RecordKind {
        /// [`Account`](crate::Account).
        Account => "account",
        /// [`TokenRecord`](crate::TokenRecord).
        Token => "token",
        /// [`PersonaRecord`](crate::PersonaRecord).
        Persona => "persona",
        /// [`Source`](crate::Source).
        Source => "source",
        /// [`Draft`](crate::Draft).
        Draft => "draft",
        /// [`Conversation`](crate::Conversation).
        Conversation => "conversation",
        /// [`Message`](crate::Message).
        Message => "message",
        /// [`PublishEntry`](crate::PublishEntry).
        PublishEntry => "publish_entry",
        /// [`InsightSnapshot`](crate::InsightSnapshot).
        InsightSnapshot => "insight_snapshot",
        /// [`AuditEvent`](crate::AuditEvent).
        AuditEvent => "audit_event",
        /// [`OAuthState`](crate::OAuthState).
        OAuthState => "oauth_state",
        /// A used OAuth state nonce ([`OAuthStateStore::consume_nonce`](crate::OAuthStateStore::consume_nonce)).
        UsedNonce => "used_nonce",
        /// [`InboxEntry`](crate::InboxEntry).
        InboxEntry => "inbox_entry",
        /// [`QuotaReservation`](crate::QuotaReservation).
        QuotaReservation => "quota_reservation",
        /// [`Job`](crate::Job).
        Job => "job",
        /// [`DeletionRequest`](crate::DeletionRequest).
        DeletionRequest => "deletion_request",
    }
}

/// The result of an insert that tolerates an existing record with the same key.
#[derive(Debug, Clone, PartialEq)]
pub enum Insertion<T> {
    /// The record was new and is now stored.
    Inserted(T),
    /// A record with the same key existed; it is returned unchanged and nothing was written.
    Existing(T),
}

impl<T> Insertion<T> {
    /// True when the record was newly stored.
    pub fn is_new(&self) -> bool {
        matches!(self, Self::Inserted(_))
    }

    /// The stored record, new or existing.
    pub fn into_inner(self) -> T {
        match self {
            Self::Inserted(t) | Self::Existing(t) => t,
        }
    }

    /// A reference to the stored record, new or existing.
    pub fn get(&self) -> &T {
        match self {
            Self::Inserted(t) | Self::Existing(t) => t,
        }
    }
}
