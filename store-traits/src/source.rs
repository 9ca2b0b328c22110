//! [`SourceStore`]: content sources.

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{AccountId, SourceId};
use crate::records::Source;

/// Content sources (pasted text, fetched pages).
#[async_trait]
pub trait SourceStore: Send + Sync {
    /// Stores a new source. [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the id is taken.
    async fn insert_source(&self, source: &Source) -> Result<()>;

    /// Reads a source.
    async fn get_source(&self, id: SourceId) -> Result<Option<Source>>;

    /// Replaces a source. [`Error::NotFound`](crate::Error::NotFound) if it does not exist.
    async fn update_source(&self, source: &Source) -> Result<()>;

    /// The account's sources, ordered by `(created_at, id)`, at most `limit` (`None`: all).
    async fn list_sources(
        &self,
        account_id: AccountId,
        limit: Option<usize>,
    ) -> Result<Vec<Source>>;

    /// Deletes a source; `true` if it existed.
    async fn delete_source(&self, id: SourceId) -> Result<bool>;
}
