//! The audit trail: [`AuditEvent`] and [`AuditLog`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{AccountId, AuditEventId, OrgId};

/// Which audit events to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only events naming this account.
    pub account_id: Option<AccountId>,
    /// Only events of this organisation.
    pub org_id: Option<OrgId>,
    /// Only events at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only events strictly before this instant.
    pub until: Option<DateTime<Utc>>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// An append-only audit trail (pruned only by retention and account deletion).
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an event. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn append_audit(&self, event: &AuditEvent) -> Result<()>;

    /// Events matching `query`, ordered by `(at, id)`.
    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>>;
}

/// Something a person or the system did, for the audit trail.
///
/// Never put secrets (tokens, keys, codes) in any field: audit events are
/// exported and shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The event's id.
    pub id: AuditEventId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The account concerned, if any.
    pub account_id: Option<AccountId>,
    /// The organisation concerned, if any.
    pub org_id: Option<OrgId>,
    /// Who acted (`"system"`, `"user:<id>"`, ... chosen by the host).
    pub actor: String,
    /// What was done (`"draft.approved"`, `"account.deleted"`, ...).
    pub action: String,
    /// The object acted on (a record id), if any.
    pub target: Option<String>,
    /// Extra facts, without secrets.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// A new event without details.
    pub fn new(
        account_id: Option<AccountId>,
        actor: impl Into<String>,
        action: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AuditEventId::new(),
            at,
            account_id,
            org_id: None,
            actor: actor.into(),
            action: action.into(),
            target: None,
            details: BTreeMap::new(),
        }
    }
}
