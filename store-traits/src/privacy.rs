//! [`PrivacyStore`]: export, deletion and retention across all stores.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::AccountId;
use crate::records::{
    AccountExport, DeletionReport, DeletionRequest, PurgeReport, RetentionPolicy,
};

/// Operations that span every store of a backend.
///
/// "Names the account" means: the record's `account_id` (or `metadata.account_id`)
/// equals it. Records with an optional account id that is `None` are not touched.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Every record naming the account, as one value (`exported_at` from the
    /// store's clock). Works after deletion too (then it is empty, `account: None`).
    async fn export_account(&self, account_id: AccountId) -> Result<AccountExport>;

    /// Deletes, in one transaction, every record naming the account in every
    /// store: account, token, personas, sources, drafts, publish entries,
    /// conversations, messages, insights, audit events, jobs, inbox entries and
    /// quota reservations. Deletion requests naming the account are kept as the
    /// minimal record: their `account_id` is cleared and pending ones are marked
    /// `Completed` at `now`. Idempotent (a second call deletes nothing).
    async fn delete_account_data(&self, account_id: AccountId) -> Result<DeletionReport>;

    /// Applies a retention policy at the store's `now` (see [`RetentionPolicy`]).
    /// Inactive accounts are deleted as by
    /// [`delete_account_data`](PrivacyStore::delete_account_data).
    async fn purge(&self, policy: &RetentionPolicy) -> Result<PurgeReport>;

    /// Stores a deletion request.
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id or the
    /// confirmation code is taken.
    async fn create_deletion_request(&self, request: &DeletionRequest) -> Result<()>;

    /// Finds a deletion request by confirmation code (Meta's status URL).
    async fn get_deletion_request(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>>;

    /// Replaces a deletion request (keyed by id).
    /// [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_deletion_request(&self, request: &DeletionRequest) -> Result<()>;
}
