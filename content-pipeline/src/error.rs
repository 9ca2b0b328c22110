//! The crate's one error type.

use store_traits::{AccountId, AccountStatus, DraftId, DraftState};

use crate::network::NetworkError;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a pipeline operation can fail with.
///
/// Every variant keeps its cause in [`source()`](std::error::Error::source), and
/// none of them carries a secret: tokens, codes and keys never reach an error.
/// [`Error::is_retryable`] tells a host whether calling again later can help.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store failed or refused the write (version conflicts, stale fences,
    /// invalid transitions and quota refusals included).
    #[error("store: {0}")]
    Store(#[from] store_traits::Error),

    /// The network (Threads, or another [`Publisher`](crate::Publisher)) failed.
    #[error("{operation}: {source}")]
    Network {
        /// What the pipeline was doing (`"create container"`, `"refresh token"`, ...).
        operation: &'static str,
        /// The classified failure.
        #[source]
        source: NetworkError,
    },

    /// Sealing or opening a token failed (missing key, tampered ciphertext, a
    /// token sealed for another account, exhausted key budget).
    #[error("token of account {account_id} cannot be {action}: {source}")]
    Token {
        /// The account whose token it is.
        account_id: AccountId,
        /// `"sealed"` or `"opened"`.
        action: &'static str,
        /// The cryptographic error.
        #[source]
        source: token_crypto::Error,
    },

    /// A webhook delivery failed verification (signature, size): nothing
    /// was parsed or recorded.
    #[error("webhook refused: {0}")]
    Webhook(#[source] token_crypto::Error),

    /// The OAuth `state` of a callback was refused: forged, expired, replayed
    /// or issued for another browser session.
    #[error("OAuth state refused: {0}")]
    OAuthState(#[source] token_crypto::Error),

    /// The actor may not do this: its role does not allow the operation, or
    /// the account belongs to another organisation. Nothing was written.
    #[error("forbidden: {0}")]
    Forbidden(#[from] crate::roles::Forbidden),

    /// A Meta `signed_request` (data-deletion or deauthorize callback) was
    /// refused: malformed, not signed with the app secret, or too old.
    /// Nothing was done.
    #[error("signed_request refused: {0}")]
    SignedRequest(#[source] token_crypto::Error),

    /// The operating system's random source failed (while making a
    /// confirmation code).
    #[error("random source failed: {0}")]
    Randomness(#[source] token_crypto::Error),

    /// The person declined the consent dialog (or the network reported another
    /// authorization error in the callback).
    #[error("authorization denied: {reason}")]
    AuthorizationDenied {
        /// The network's reason (e.g. `user_denied`).
        reason: String,
    },

    /// The account exists but cannot act now.
    #[error("account {account_id} is {status}")]
    AccountNotActive {
        /// The account.
        account_id: AccountId,
        /// Its status.
        status: AccountStatus,
    },

    /// The account has no stored token (disconnected, or never connected).
    #[error("account {0} has no token")]
    NoToken(AccountId),

    /// A draft is not in a state that allows the operation.
    #[error("draft {draft_id} is {state}; cannot {operation}")]
    DraftState {
        /// The draft.
        draft_id: DraftId,
        /// Its state.
        state: DraftState,
        /// What was attempted.
        operation: &'static str,
    },

    /// The persona stored for an account cannot be read.
    #[error("persona: {0}")]
    Persona(#[from] persona_core::Error),

    /// The language model failed.
    #[error("language model: {0}")]
    Llm(#[from] persona_core::LlmError),

    /// A person's text breaks a hard rule of the network (too long for one
    /// post, ...); nothing was stored.
    #[error("text rejected: {}", findings.join("; "))]
    TextRejected {
        /// What is wrong, one line each.
        findings: Vec<String>,
    },

    /// No candidate text passed the guardrails.
    #[error("no usable text: {reason}")]
    NoUsableText {
        /// What was wrong with the best candidate.
        reason: String,
    },

    /// The schedule has no free slot in the persona's posting windows within
    /// the search horizon.
    #[error("no free posting slot before {horizon}")]
    NoFreeSlot {
        /// The end of the search.
        horizon: chrono::DateTime<chrono::Utc>,
    },

    /// The account's insights do not hold what the operation needs yet (no
    /// snapshot in the period, no measured post).
    #[error("account {account_id} has no insights for this: {reason}")]
    NoInsights {
        /// The account.
        account_id: AccountId,
        /// What is missing.
        reason: String,
    },

    /// A job's payload is not one this pipeline knows.
    #[error("job {job_id}: {reason}")]
    InvalidJob {
        /// The job.
        job_id: store_traits::JobId,
        /// What is wrong.
        reason: String,
    },

    /// The pipeline was built without something this operation needs.
    #[error("configuration: {0}")]
    Config(String),

    /// A source could not be fetched, read or remixed: a refused URL or
    /// address, a limit reached, a page without text, a near-duplicate
    /// draft (see [`SourceError`](crate::sources::SourceError)).
    #[error("source: {0}")]
    Source(#[from] crate::sources::SourceError),

    /// An argument was invalid.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// An attachment of a draft was refused: by the checks made when a draft
    /// is created ([`check_attachments`](crate::media::check_attachments)),
    /// or by the [`MediaLifecycle`](crate::MediaLifecycle) before a
    /// container is created. Retryable when the rejection is
    /// [`Transient`](crate::media::Permanence::Transient).
    #[error("media {position} ({url}) refused: {source}")]
    MediaRejected {
        /// Which attachment, from 1.
        position: usize,
        /// Its URL, without query string, fragment or credentials.
        url: String,
        /// The rule, the measured value and the limit.
        #[source]
        source: Box<crate::media::MediaRejection>,
    },

    /// The [`MediaLifecycle`](crate::MediaLifecycle) could not delete media
    /// (an account's media during [`Pipeline::delete_account`](crate::Pipeline::delete_account)).
    /// Counted as retryable: deleting again is harmless and finishes the work.
    #[error("media {operation}: {source}")]
    Media {
        /// What was being done (`"delete account media"`).
        operation: &'static str,
        /// The media side's error.
        #[source]
        source: BoxError,
    },

    /// The worker lost its lease: another worker owns the job now, so this one
    /// stops without writing or calling out.
    #[error("lease lost on job {0}; another worker took over")]
    LeaseLost(store_traits::JobId),
}

impl Error {
    pub(crate) fn network(operation: &'static str, source: NetworkError) -> Self {
        Self::Network { operation, source }
    }

    /// Whether the same call may succeed later without a person changing
    /// anything (transient network or store failures, version conflicts).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Store(e) => matches!(
                e,
                store_traits::Error::VersionConflict { .. }
                    | store_traits::Error::Backend { .. }
                    | store_traits::Error::QuotaExceeded { .. }
            ),
            Self::Network { source, .. } => source.class().is_retryable(),
            Self::Llm(e) => e.is_retryable(),
            Self::Source(e) => e.is_retryable(),
            Self::MediaRejected { source, .. } => !source.is_permanent(),
            Self::Media { .. } => true,
            _ => false,
        }
    }

    /// True when the error is a lost lease or a stale fence: the job belongs to
    /// another worker now. A job that no longer exists (deleted with its
    /// account while it ran) counts too: nobody holds it, and nothing may be
    /// written for it.
    pub fn is_lease_lost(&self) -> bool {
        matches!(
            self,
            Self::LeaseLost(_)
                | Self::Store(store_traits::Error::StaleFence { .. })
                | Self::Store(store_traits::Error::NotFound {
                    kind: store_traits::RecordKind::Job,
                    ..
                })
        )
    }
}
