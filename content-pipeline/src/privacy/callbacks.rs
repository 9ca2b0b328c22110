//! Meta's data-deletion and deauthorize callbacks, as library calls.

use store_traits::{AccountId, AccountStatus, DeletionOrigin, DeletionRequest, DeletionStatus};
use token_crypto::deletion::{ConfirmationCode, DeletionResponse};
use token_crypto::signed_request::SignedRequest;
use tracing::info;

use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::pipeline::Pipeline;

impl Pipeline {
    /// Verifies a callback's `signed_request` with the configured app
    /// secrets.
    fn verify_signed_request(&self, signed_request: &str) -> Result<SignedRequest> {
        let verifier = self.inner.signed_requests.as_ref().ok_or_else(|| {
            Error::Config(
                "Meta's callbacks need the app secrets (meta_app_secrets or signed_requests)"
                    .into(),
            )
        })?;
        verifier
            .verify(signed_request)
            .map_err(Error::SignedRequest)
    }

    /// Handles Meta's data-deletion callback: the `signed_request` form
    /// field, already URL-decoded.
    ///
    /// The request is verified (signature with the app secret, algorithm,
    /// age) before anything is read; every account of the app-scoped
    /// `user_id` it names (one per organisation that connected it) is
    /// deleted as by [`delete_account`](Self::delete_account), by the
    /// system, with origin `meta_callback`. The answer is the JSON body Meta
    /// expects, `{"url": "<status page>?code=<code>", "confirmation_code":
    /// "<code>"}`, for the first account's request. A user with no account
    /// (already deleted, never connected) still gets a completed request and
    /// its code, so the status page has something true to say.
    ///
    /// The host learns which accounts went (to clean its own records) from
    /// [`Event::AccountDeleted`] on [`subscribe`](Self::subscribe). Needs
    /// [`meta_app_secrets`](crate::PipelineBuilder::meta_app_secrets) and
    /// [`deletion_status_url`](crate::PipelineBuilder::deletion_status_url).
    pub async fn handle_data_deletion(&self, signed_request: &str) -> Result<DeletionResponse> {
        if self.inner.deletion_status_url.is_none() {
            return Err(Error::Config(
                "the data-deletion callback needs a deletion status URL (deletion_status_url)"
                    .into(),
            ));
        }
        let request = self.verify_signed_request(signed_request)?;
        let accounts = self
            .inner
            .store
            .find_accounts_by_threads_user(&request.user_id)
            .await?;
        let system = Actor::system();
        let found = accounts.len();
        let mut first: Option<ConfirmationCode> = None;
        for account in accounts {
            let receipt = self
                .delete_with(account, DeletionOrigin::MetaCallback, &system)
                .await?;
            first.get_or_insert(receipt.confirmation_code);
        }
        let code = match first {
            Some(code) => code,
            None => self.nothing_to_delete().await?,
        };
        info!(accounts = found, "data-deletion callback handled");
        let url = self.status_url(&code).ok_or_else(|| {
            Error::Config("the data-deletion callback needs a deletion status URL".into())
        })?;
        Ok(DeletionResponse::new(url, code))
    }

    /// A completed request for a callback that found nothing to delete.
    async fn nothing_to_delete(&self) -> Result<ConfirmationCode> {
        let code = ConfirmationCode::generate().map_err(Error::Randomness)?;
        let now = self.inner.now();
        let mut request = DeletionRequest::new(
            AccountId::new(),
            code.as_str(),
            DeletionOrigin::MetaCallback,
            now,
        );
        request.account_id = None;
        request.status = DeletionStatus::Completed;
        request.completed_at = Some(now);
        self.inner.store.create_deletion_request(&request).await?;
        self.inner
            .record(
                &Actor::system(),
                Event::AccountDeleted {
                    account: None,
                    deletion_request: request.id,
                    confirmation_code: code.to_string(),
                    origin: DeletionOrigin::MetaCallback.as_str().to_owned(),
                    records: 0,
                },
            )
            .await?;
        Ok(code)
    }

    /// Handles Meta's deauthorize callback (the person removed the app): the
    /// `signed_request` is verified, then every account of the app-scoped
    /// user is disconnected as by [`disconnect`](Self::disconnect), by the
    /// system: tokens deleted, queued work cancelled, scheduled drafts taken
    /// off the schedule. Their data stays until deleted. Returns the
    /// accounts disconnected (accounts already disconnected are left alone).
    pub async fn handle_deauthorize(&self, signed_request: &str) -> Result<Vec<AccountId>> {
        let request = self.verify_signed_request(signed_request)?;
        let accounts = self
            .inner
            .store
            .find_accounts_by_threads_user(&request.user_id)
            .await?;
        let system = Actor::system();
        let mut disconnected = Vec::new();
        for account in accounts {
            if account.status == AccountStatus::Disconnected {
                continue;
            }
            self.disconnect(account.id, &system).await?;
            disconnected.push(account.id);
        }
        info!(
            accounts = disconnected.len(),
            "deauthorize callback handled"
        );
        Ok(disconnected)
    }
}
