//! Export: every record of an account as one versioned JSON document.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store_traits::{AccountExport, AccountId};

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// The `format` of an [`AccountExportDocument`].
pub const EXPORT_FORMAT: &str = "threads-toolkit.account-export";

/// The `version` of the [`AccountExportDocument`] schema this crate writes.
pub const EXPORT_VERSION: u32 = 1;

/// Every record of one account, in a documented and versioned envelope.
///
/// # Schema, version 1
///
/// One JSON object. Timestamps are RFC 3339 in UTC, ids are UUIDs in their
/// hyphenated text form, enums are lower-case text (`"active"`,
/// `"published"`).
///
/// ```json
/// {
///   "format": "threads-toolkit.account-export",
///   "version": 1,
///   "exported_at": "2026-03-02T09:00:00Z",
///   "account": {
///     "account_id": "0195…",
///     "exported_at": "2026-03-02T09:00:00Z",
///     "account": { "id": "0195…", "username": "ana", "threads_user_id": "…", "status": "active", … },
///     "token": { "account_id": "0195…", "kind": "long_lived", "key_id": "k1",
///                "issued_at": "…", "expires_at": "…", "refreshed_at": null, "scopes": ["threads_basic"] },
///     "personas": [ … ],
///     "sources": [ … ],
///     "drafts": [ … ],
///     "publish_entries": [ … ],
///     "conversations": [ … ],
///     "messages": [ … ],
///     "insights": [ … ],
///     "audit_events": [ … ],
///     "jobs": [ … ],
///     "inbox_entries": [ … ],
///     "quota_reservations": [ … ],
///     "quota_limits": { "posts": 250, "replies": 1000, "deletes": 100, "window": … }
///   }
/// }
/// ```
///
/// * `format` is always [`EXPORT_FORMAT`]; `version` is [`EXPORT_VERSION`].
/// * `account` is store-traits' [`AccountExport`]: the account record
///   (`null` if it no longer exists), the token's **metadata only** (kind,
///   key id, issue and expiry times, scopes; never the token or its sealed
///   form), and one list per kind of record naming the account: personas
///   (with their documents), sources, drafts (with their edit history and
///   decisions), the publish ledger, conversations and their messages,
///   insights snapshots, audit events, queued and finished jobs, webhook
///   inbox entries, quota reservations and the stored quota limits. The
///   field documentation of each record type in store-traits describes its
///   fields.
///
/// Compatibility: within a version, fields may be added (readers ignore
/// fields they do not know); removing a field or changing its meaning
/// raises the version. [`AccountExportDocument::from_json`] refuses other
/// formats and versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountExportDocument {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The schema version ([`EXPORT_VERSION`]).
    pub version: u32,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The records.
    pub account: AccountExport,
}

impl AccountExportDocument {
    /// Wraps a store's export in the current envelope.
    pub fn new(export: AccountExport) -> Self {
        Self {
            format: EXPORT_FORMAT.to_owned(),
            version: EXPORT_VERSION,
            exported_at: export.exported_at,
            account: export,
        }
    }

    /// The document as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::InvalidInput(format!("the export cannot be written as JSON: {e}")))
    }

    /// Reads a document written by [`to_json`](Self::to_json); refuses
    /// another format or version.
    pub fn from_json(text: &str) -> Result<Self> {
        let doc: Self = serde_json::from_str(text)
            .map_err(|e| Error::InvalidInput(format!("not an account export: {e}")))?;
        if doc.format != EXPORT_FORMAT {
            return Err(Error::InvalidInput(format!(
                "not an account export: format {:?}",
                doc.format
            )));
        }
        if doc.version != EXPORT_VERSION {
            return Err(Error::InvalidInput(format!(
                "account export version {} is not supported (this crate reads {EXPORT_VERSION})",
                doc.version
            )));
        }
        Ok(doc)
    }

    /// Records in the export (the account record included).
    pub fn record_count(&self) -> usize {
        self.account.record_count()
    }
}

impl Pipeline {
    /// Exports every record of the account ([`Operation::Export`]): see
    /// [`AccountExportDocument`] for the schema. Tokens are never included
    /// (only their metadata). Leaves an `account.exported` audit event
    /// naming the actor.
    pub async fn export_account(
        &self,
        account_id: AccountId,
        actor: &Actor,
    ) -> Result<AccountExportDocument> {
        self.inner
            .authorize(actor, Operation::Export, account_id)
            .await?;
        let export = self.inner.store.export_account(account_id).await?;
        let doc = AccountExportDocument::new(export);
        self.inner
            .record(
                actor,
                Event::AccountExported {
                    account_id,
                    records: doc.record_count(),
                },
            )
            .await?;
        Ok(doc)
    }
}
