//! [`RecordKind`]: the kinds of record a store holds, as errors and reports name them.

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
        /// A used OAuth state nonce ([`OAuthStateStore::consume_nonce`](crate::OAuthStateStore::consume_nonce)).
        UsedNonce => "used_nonce",
        /// [`InboxEntry`](crate::InboxEntry).
        InboxEntry => "inbox_entry",
        /// [`QuotaReservation`](crate::QuotaReservation).
        QuotaReservation => "quota_reservation",
        /// An account's [`QuotaLimits`](crate::QuotaLimits).
        QuotaLimits => "quota_limits",
        /// [`Job`](crate::Job).
        Job => "job",
        /// [`DeletionRequest`](crate::DeletionRequest).
        DeletionRequest => "deletion_request",
    }
}
