//! Deleting an account: token first, then its stored media, then every
//! record, leaving a minimal deletion request with a confirmation code.

use std::collections::BTreeMap;

use serde::Serialize;
use store_traits::{
    Account, AccountFilter, AccountId, AccountStatus, DeletionOrigin, DeletionReport,
    DeletionRequest, DeletionRequestId, DeletionStatus, Message, RecordKind,
};
use token_crypto::deletion::ConfirmationCode;
use tracing::{info, warn};

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// What a deletion did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeletionReceipt {
    /// The account that was deleted (for the host's own records; the store
    /// no longer names it).
    pub account_id: AccountId,
    /// The deletion request kept as the minimal record.
    pub request_id: DeletionRequestId,
    /// The code to show the person (and Meta); look the status up with
    /// [`Pipeline::deletion_status`].
    pub confirmation_code: ConfirmationCode,
    /// Where the deletion stands ([`Completed`](DeletionStatus::Completed)
    /// when the call returns successfully).
    pub status: DeletionStatus,
    /// Records deleted per kind (kinds with none are absent).
    pub deleted: BTreeMap<RecordKind, u64>,
    /// Messages written by the account in other accounts' conversations
    /// whose text and author were removed.
    pub messages_redacted: u64,
    /// Media objects deleted by the [`MediaLifecycle`](crate::MediaLifecycle);
    /// `None` when the pipeline has none (media stored elsewhere is the
    /// host's to delete).
    pub media_deleted: Option<u64>,
    /// The status page for the code, when
    /// [`deletion_status_url`](crate::PipelineBuilder::deletion_status_url)
    /// is set.
    pub status_url: Option<String>,
}

impl DeletionReceipt {
    /// Records deleted, all kinds together.
    pub fn records_deleted(&self) -> u64 {
        self.deleted.values().sum()
    }
}

/// Whether a message's text and author were already removed.
pub(super) fn is_redacted(message: &Message) -> bool {
    message.text.is_empty() && message.author_username.is_empty() && message.author_id.is_none()
}

/// Removes what a message says and who said it; its ids stay, so the
/// thread keeps its shape and a redelivery is still recognised.
pub(super) fn redact(message: &mut Message) {
    message.text.clear();
    message.author_username.clear();
    message.author_id = None;
}

impl Pipeline {
    /// Deletes an account and every record naming it
    /// ([`Operation::DeleteAccount`]).
    ///
    /// In this order: a deletion request is stored (in progress, with a new
    /// confirmation code); the token is deleted; the account is marked
    /// disconnected (no work runs for it from here on); with a
    /// [`MediaLifecycle`](crate::MediaLifecycle), every media object stored
    /// for the account is deleted; messages the account
    /// wrote in other accounts' conversations lose their text and author;
    /// then the store deletes every record naming the account in one
    /// transaction (account, token, personas, sources, drafts, publish
    /// ledger, conversations, messages, insights, audit events, jobs, inbox
    /// entries, quota records) and completes the request, which stays as the
    /// only trace: code, status and times, no personal data. Finally an
    /// `account.deleted` audit event naming the actor and the request (not
    /// the account) is written.
    ///
    /// A job already claimed for the account publishes nothing: its draft,
    /// token and job are gone, so its lease check and fenced writes fail.
    /// If a step fails, the request is marked
    /// [`Failed`](DeletionStatus::Failed) and the error returned; the token
    /// is already gone by then, so calling again finishes the work.
    ///
    /// A failure to delete the media is such a step
    /// ([`Error::Media`], retryable): it blocks completion. The media goes
    /// before the records on purpose: while the account record exists the
    /// same call can be made again, whereas media left behind by a deletion
    /// reported complete would have no record left to find it by, and a
    /// status page would call the deletion complete while the account's
    /// pictures are still served. The receipt of a completed deletion says
    /// how many objects went ([`DeletionReceipt::media_deleted`]).
    pub async fn delete_account(
        &self,
        account_id: AccountId,
        actor: &Actor,
    ) -> Result<DeletionReceipt> {
        let account = self
            .inner
            .authorize(actor, Operation::DeleteAccount, account_id)
            .await?;
        self.delete_with(account, DeletionOrigin::User, actor).await
    }

    /// The deletion request with this confirmation code: what a status page
    /// shows (`None` for an unknown code). Needs no actor: the code is what
    /// the person was given.
    pub async fn deletion_status(
        &self,
        confirmation_code: &str,
    ) -> Result<Option<DeletionRequest>> {
        Ok(self
            .inner
            .store
            .get_deletion_request(confirmation_code)
            .await?)
    }

    /// The status page URL for a code, when one is configured.
    pub(super) fn status_url(&self, code: &ConfirmationCode) -> Option<String> {
        self.inner.deletion_status_url.as_ref().map(|base| {
            let mut url = base.clone();
            url.query_pairs_mut().append_pair("code", code.as_str());
            url.to_string()
        })
    }

    /// Deletes `account` for `origin`, as `actor` (already authorized).
    pub(super) async fn delete_with(
        &self,
        account: Account,
        origin: DeletionOrigin,
        actor: &Actor,
    ) -> Result<DeletionReceipt> {
        let store = &self.inner.store;
        let code = ConfirmationCode::generate().map_err(Error::Randomness)?;
        let mut request = DeletionRequest::new(account.id, code.as_str(), origin, self.inner.now());
        request.status = DeletionStatus::InProgress;
        store.create_deletion_request(&request).await?;
        let (report, messages_redacted, media_deleted) = match self.erase(&account).await {
            Ok(done) => done,
            Err(e) => {
                request.status = DeletionStatus::Failed;
                if let Err(mark) = store.update_deletion_request(&request).await {
                    warn!(request = %request.id, error = %mark, "could not mark a deletion as failed");
                }
                return Err(e);
            }
        };
        // The store completes the request and clears its account id; make
        // sure of it rather than trust it.
        let mut stored = store
            .get_deletion_request(code.as_str())
            .await?
            .ok_or_else(|| {
                store_traits::Error::not_found(RecordKind::DeletionRequest, request.id)
            })?;
        if stored.status != DeletionStatus::Completed || stored.account_id.is_some() {
            stored.status = DeletionStatus::Completed;
            stored.account_id = None;
            stored.completed_at.get_or_insert(self.inner.now());
            store.update_deletion_request(&stored).await?;
        }
        let records = report.total();
        self.inner
            .record(
                actor,
                Event::AccountDeleted {
                    account: Some(account.id),
                    deletion_request: stored.id,
                    confirmation_code: code.to_string(),
                    origin: origin.as_str().to_owned(),
                    records,
                },
            )
            .await?;
        info!(request = %stored.id, origin = origin.as_str(), records, media = ?media_deleted, "account deleted");
        Ok(DeletionReceipt {
            account_id: account.id,
            request_id: stored.id,
            status_url: self.status_url(&code),
            confirmation_code: code,
            status: stored.status,
            deleted: report.deleted,
            messages_redacted,
            media_deleted,
        })
    }

    /// The deletion itself: token, status, media, other accounts' messages,
    /// then every record in one store transaction.
    async fn erase(&self, account: &Account) -> Result<(DeletionReport, u64, Option<u64>)> {
        let store = &self.inner.store;
        // Tokens first: nothing can act for the account from here on.
        let token_deleted = store.delete_token(account.id).await?;
        if let Some(mut current) = store.get_account(account.id).await?
            && current.status != AccountStatus::Disconnected
        {
            current.status = AccountStatus::Disconnected;
            current.updated_at = self.inner.now();
            store.update_account(&current).await?;
        }
        // Media before records: a failure leaves the account record, so
        // calling again can finish the work.
        let media_deleted = match &self.inner.media {
            Some(media) => {
                Some(
                    media
                        .delete_account(account)
                        .await
                        .map_err(|source| Error::Media {
                            operation: "delete account media",
                            source,
                        })?,
                )
            }
            None => None,
        };
        let redacted = self.forget_as_author(account).await?;
        let mut report = store.delete_account_data(account.id).await?;
        if token_deleted {
            *report.deleted.entry(RecordKind::Token).or_default() += 1;
        }
        Ok((report, redacted, media_deleted))
    }

    /// Removes the text and author of messages the account wrote in other
    /// accounts' conversations (a reply of one managed account to another).
    /// This reads every conversation of the store, once per deletion.
    async fn forget_as_author(&self, account: &Account) -> Result<u64> {
        let store = &self.inner.store;
        let others = store.list_accounts(&AccountFilter::default()).await?;
        let mut redacted = 0;
        for other in others.iter().filter(|a| a.id != account.id) {
            for conversation in store.list_conversations(other.id, None).await? {
                for mut message in store.list_messages(conversation.id).await? {
                    let theirs = message.author_id.as_deref()
                        == Some(account.threads_user_id.as_str())
                        || message
                            .author_username
                            .eq_ignore_ascii_case(&account.username);
                    if theirs && !is_redacted(&message) {
                        redact(&mut message);
                        store.update_message(&message).await?;
                        redacted += 1;
                    }
                }
            }
        }
        Ok(redacted)
    }
}
