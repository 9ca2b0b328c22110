//! [`AuditLog`]: the audit trail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{AccountId, OrgId};
use crate::records::AuditEvent;

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
