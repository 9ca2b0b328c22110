//! The ledger: one entry per state-changing API call (container creation, publish, repost,
//! delete, reply moderation) with its outcome. Tests count duplicates from it, e.g. "how many
//! successful publishes carried this text".
//!
//! The ledger is the only log that grows without bound; clear it with
//! [`crate::Admin::clear_ledger`] (or `DELETE /__admin/ledger`) in long runs. Handlers append
//! entries through the request context, which knows the fault that fired on the call.

use serde::{Deserialize, Serialize};

/// What kind of call an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// `POST /{user}/threads` (including replies and `auto_publish_text`).
    CreateContainer,
    /// `POST /{user}/threads_publish` (and the publish half of `auto_publish_text`).
    Publish,
    /// `POST /{media}/repost`.
    Repost,
    /// `DELETE /{media}`.
    Delete,
    /// `POST /{reply}/manage_reply`.
    ManageReply,
    /// `POST /{reply}/manage_pending_reply`.
    ManagePendingReply,
}

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Position in the ledger, from 1.
    pub seq: u64,
    /// Virtual time of the call (Unix seconds).
    pub at: i64,
    /// The kind of call.
    pub operation: Operation,
    /// The acting user, when the token resolved to one.
    pub user_id: Option<String>,
    /// The object the call acted on: `creation_id` for publish, the media id for repost,
    /// delete and moderation.
    pub target: Option<String>,
    /// The id the call produced (container id, media id, repost id, deleted id).
    pub result_id: Option<String>,
    /// The Graph error code when the call failed with a Graph (or OAuth) error body. `None`
    /// when it succeeded, and also when a fault answered with a bare HTTP status whose body
    /// carries no code: check [`LedgerEntry::http_status`] or [`LedgerEntry::succeeded`].
    pub error_code: Option<i64>,
    /// The HTTP status of the error response when the call failed (`None` when it succeeded).
    #[serde(default)]
    pub http_status: Option<u16>,
    /// The post text involved (of the container created or published).
    pub text: Option<String>,
    /// `reply_to_id` when the call creates or publishes a reply.
    pub reply_to: Option<String>,
    /// The fault rule that fired on this call, if any (its label).
    pub fault: Option<String>,
    /// True when the call was committed but its response was withheld or cut off by a fault.
    pub response_lost: bool,
}

impl LedgerEntry {
    /// True when the call succeeded: it was committed and answered with no error, neither a
    /// Graph error nor a bare HTTP error status.
    pub fn succeeded(&self) -> bool {
        self.error_code.is_none() && self.http_status.is_none()
    }
}
