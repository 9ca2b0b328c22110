//! An account's own post history: posts made outside the pipeline (in
//! Threads' apps, or before the account was connected) brought in as
//! published drafts, so that insights measure them and polling reads the
//! replies under them.

use std::collections::BTreeSet;

use store_traits::{AccountStatus, Draft, DraftFilter, DraftKind, DraftState};

use crate::error::{Error, Result};
use crate::events::Event;
use crate::pipeline::Pipeline;
use crate::{Actor, Operation};

/// What [`Pipeline::import_history`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryImport {
    /// Posts read from the network (newest first, at most
    /// [`SyncPolicy::max_posts`](crate::config::SyncPolicy::max_posts)).
    pub read: usize,
    /// Posts stored as published drafts by this call.
    pub imported: usize,
    /// Posts the store already knew (published through the pipeline, or
    /// imported before).
    pub known: usize,
    /// Replies, and posts without a publication time, which are not imported.
    pub skipped: usize,
}

impl Pipeline {
    /// Brings in the account's most recent posts as published drafts
    /// (kind [`DraftKind::Post`], the network's post id as
    /// [`ProviderIds::media_id`](store_traits::ProviderIds::media_id)), so
    /// that [`snapshot_now`](Pipeline::snapshot_now) and the insights
    /// reports cover them and [`poll_now`](Pipeline::poll_now) reads their
    /// replies. Posts the store already knows are left alone, so calling it
    /// again imports only what is new. The account's own replies are not
    /// imported.
    ///
    /// Needs [`Operation::Connect`] on an active account, and a
    /// [`Connector`](crate::network::Connector). Leaves a `history.imported`
    /// audit event naming the actor.
    pub async fn import_history(
        &self,
        account_id: store_traits::AccountId,
        actor: &Actor,
    ) -> Result<HistoryImport> {
        let account = self
            .inner
            .authorize(actor, Operation::Connect, account_id)
            .await?;
        if account.status != AccountStatus::Active {
            return Err(Error::AccountNotActive {
                account_id,
                status: account.status,
            });
        }
        let connector = self.connector()?;
        let auth = self.inner.auth(&account).await?;
        let posts = connector
            .recent_posts(&auth, self.inner.config.sync.max_posts)
            .await
            .map_err(|e| Error::network("read the post history", e))?;
        let mut known: BTreeSet<String> = self
            .inner
            .store
            .list_drafts(&DraftFilter {
                states: vec![DraftState::Published],
                ..DraftFilter::account(account_id)
            })
            .await?
            .into_iter()
            .filter_map(|d| d.provider.media_id)
            .collect();
        let mut report = HistoryImport {
            read: posts.len(),
            ..HistoryImport::default()
        };
        let now = self.inner.now();
        for post in posts {
            let Some(published_at) = post.published_at.filter(|_| !post.is_reply) else {
                report.skipped += 1;
                continue;
            };
            let id = post.id.as_str().to_owned();
            if !known.insert(id.clone()) {
                report.known += 1;
                continue;
            }
            let mut draft = Draft::new(account_id, DraftKind::Post, post.text, published_at);
            draft.state = DraftState::Published;
            draft.provider.media_id = Some(id);
            draft.published_at = Some(published_at);
            draft.updated_at = now;
            self.inner.store.insert_draft(&draft).await?;
            report.imported += 1;
        }
        self.inner
            .record(
                actor,
                Event::HistoryImported {
                    account_id,
                    read: report.read,
                    imported: report.imported,
                },
            )
            .await?;
        Ok(report)
    }
}
