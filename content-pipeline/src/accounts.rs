//! Accounts: connect with OAuth, refresh tokens, pause and resume, disconnect.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use persona_core::{PastPost, Persona, StyleProfile};
use secrecy::SecretString;
use store_traits::{
    Account, AccountId, AccountStatus, DraftFilter, DraftState, JobFilter, JobState, OrgId,
    PersonaId, PersonaRecord, QuotaLimits, StoreNonces, TokenKind,
};
use token_crypto::oauth_state::StateClaims;
use tracing::{info, warn};

use crate::actor::{Actor, Role};
use crate::drafts::PersonaDocument;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::jobs::{JobCtx, JobOutcome, Task, queues};
use crate::network::{AccountAuth, Callback, Connector, FailureClass, NetworkError};
use crate::pipeline::Pipeline;
use crate::roles::Operation;

/// Starting a connection: who is connecting, for which organisation, with
/// which scopes, and where to go afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectRequest {
    /// The browser session the login is bound to (e.g. a session cookie's
    /// value or a hash of it). The callback must present the same one.
    pub session: String,
    /// The organisation that will own the account.
    pub org_id: Option<OrgId>,
    /// The host's user who starts the login (`None`: the system). Connecting
    /// needs [`Operation::Connect`]: the user's `role` is checked when the
    /// login starts and again when it finishes (it travels in the signed
    /// state).
    pub user: Option<String>,
    /// The user's role (a user without one may not connect).
    pub role: Option<Role>,
    /// Scopes to ask for (empty: the connector's defaults).
    pub scopes: Vec<String>,
    /// Where to send the person after the callback (returned by
    /// [`finish_connect`](Pipeline::finish_connect); check it is yours).
    pub return_to: Option<String>,
}

impl ConnectRequest {
    /// A request bound to `session`, with default scopes.
    pub fn new(session: impl Into<String>) -> Self {
        Self {
            session: session.into(),
            ..Self::default()
        }
    }

    /// Sets the organisation.
    pub fn org(mut self, org_id: OrgId) -> Self {
        self.org_id = Some(org_id);
        self
    }

    /// Sets the user, without a role: prefer [`by`](Self::by), since a
    /// user without a role may not connect.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Sets who starts the login: a person's id, role and organisation (the
    /// account will belong to that organisation). The system actor leaves the
    /// request without a user and keeps its organisation.
    pub fn by(mut self, actor: &Actor) -> Self {
        if actor.is_system() {
            self.user = None;
            self.role = None;
        } else {
            self.user = Some(actor.id.clone());
            self.role = actor.role;
            self.org_id = actor.org_id.clone();
        }
        self
    }

    /// The actor the request speaks for.
    fn actor(&self) -> Actor {
        match &self.user {
            None => Actor::system(),
            Some(user) => Actor {
                id: user.clone(),
                role: self.role,
                org_id: self.org_id.clone(),
            },
        }
    }

    /// Sets the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the return target.
    pub fn return_to(mut self, target: impl Into<String>) -> Self {
        self.return_to = Some(target.into());
        self
    }
}

/// The actor as the OAuth state's `user` claim: `"<role>:<id>"` for a
/// person (`"none:<id>"` without a role), nothing for the system. The state
/// is signed, so what comes back is what was issued.
fn actor_claim(actor: &Actor) -> Option<String> {
    if actor.is_system() {
        return None;
    }
    let role = actor.role.map_or("none", Role::as_str);
    Some(format!("{role}:{}", actor.id))
}

/// Reads the actor back from the state's claims.
fn claimed_actor(user: Option<&str>, org_id: Option<OrgId>) -> Actor {
    let Some(user) = user else {
        return Actor::system();
    };
    let (role, id) = match user.split_once(':') {
        Some((role, id)) => (Role::parse(role), id),
        None => (None, user),
    };
    Actor {
        id: id.to_owned(),
        role,
        org_id,
    }
}

/// Where to send the person to consent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectStart {
    /// The consent dialog's URL.
    pub authorize_url: String,
    /// The signed state it carries (already in the URL; returned for logging
    /// or for hosts that keep it in a cookie).
    pub state: String,
}

/// A connected account and what was learned while connecting it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Connected {
    /// The account (new, or reconnected).
    pub account: Account,
    /// Whether it was connected before (a reconnect keeps its persona and drafts).
    pub reconnected: bool,
    /// The persona bootstrapped from its posts (or kept, on reconnect).
    pub persona_id: Option<PersonaId>,
    /// Past posts read to learn the voice.
    pub posts_synced: usize,
    /// Scopes asked for but not granted.
    pub missing_scopes: Vec<String>,
    /// The return target the login carried.
    pub return_to: Option<String>,
    /// When the stored token expires.
    pub token_expires_at: DateTime<Utc>,
}

impl Pipeline {
    pub(crate) fn connector(&self) -> Result<&Arc<dyn Connector>> {
        self.inner
            .connector
            .as_ref()
            .ok_or_else(|| Error::Config("this operation needs a connector".into()))
    }

    /// Starts connecting an account: returns the consent URL with a signed,
    /// expiring, single-use `state` that carries the request and is bound to
    /// `request.session`.
    ///
    /// Needs [`Operation::Connect`] for the request's user (see
    /// [`ConnectRequest::by`]); a refusal writes nothing.
    pub async fn start_connect(&self, request: ConnectRequest) -> Result<ConnectStart> {
        let actor = request.actor();
        actor.ensure(Operation::Connect)?;
        let connector = self.connector()?;
        let signer = self.inner.states.as_ref().ok_or_else(|| {
            Error::Config("connecting needs an OAuth state key (oauth_state_key)".into())
        })?;
        let scopes = if request.scopes.is_empty() {
            connector.default_scopes()
        } else {
            request.scopes.clone()
        };
        let claims = StateClaims {
            org: request.org_id.map(|o| o.to_string()),
            user: actor_claim(&actor),
            scopes: scopes.clone(),
            return_to: request.return_to.clone(),
        };
        let state = signer
            .issue_with(&request.session, &claims)
            .map_err(Error::OAuthState)?;
        let authorize_url = connector
            .authorize_url(&scopes, &state)
            .map_err(|e| Error::network("build the consent URL", e))?;
        self.inner.record(&actor, Event::ConnectStarted).await?;
        Ok(ConnectStart {
            authorize_url,
            state,
        })
    }

    /// Finishes connecting from the callback URL the consent dialog redirected
    /// to, for the browser `session` that started it.
    ///
    /// In order, each step audited (never with a secret): the state is
    /// verified and consumed (a replayed, expired, forged or foreign state is
    /// refused with [`Error::OAuthState`] before any network call); the code
    /// is exchanged for a short-lived and then a long-lived token; the
    /// profile and the token's facts (granted scopes, expiry) are read; the
    /// account is created or reconnected and its token sealed with the
    /// account-bound context; its past posts are synced (up to
    /// [`SyncPolicy::max_posts`](crate::config::SyncPolicy::max_posts)) and a
    /// persona bootstrapped from them (a reconnect keeps the existing
    /// persona); its publishing limits are read; the token refresh is
    /// scheduled; parked work resumes.
    ///
    /// The person who started the login (carried in the signed state) must
    /// still be allowed [`Operation::Connect`]; this is checked right after
    /// the state, before any network call.
    pub async fn finish_connect(&self, callback_url: &str, session: &str) -> Result<Connected> {
        let connector = self.connector()?.clone();
        let signer = self.inner.states.as_ref().ok_or_else(|| {
            Error::Config("connecting needs an OAuth state key (oauth_state_key)".into())
        })?;
        let callback = match connector.parse_callback(callback_url) {
            Ok(c) => c,
            Err(e) => return Err(self.refuse(Error::network("read the callback", e)).await),
        };
        let (code, state) = match callback {
            Callback::Authorized { code, state } => (code, state),
            Callback::Denied { reason, state } => {
                // A denial with a valid state still consumes it.
                if let Some(state) = state {
                    let nonces = StoreNonces(self.inner.store.clone());
                    let _ = signer.verify(&state, session, &nonces).await;
                }
                return Err(self.refuse(Error::AuthorizationDenied { reason }).await);
            }
        };
        let Some(state) = state else {
            return Err(self
                .refuse(Error::OAuthState(token_crypto::Error::MalformedState(
                    "the callback carries no state",
                )))
                .await);
        };
        let nonces = StoreNonces(self.inner.store.clone());
        let claims = match signer.verify(&state, session, &nonces).await {
            Ok(v) => v.claims,
            Err(e) => return Err(self.refuse(Error::OAuthState(e)).await),
        };
        let org_id = claims
            .org
            .as_deref()
            .map(|o| {
                o.parse::<OrgId>()
                    .map_err(|_| Error::InvalidInput(format!("the state names an invalid org {o}")))
            })
            .transpose()?;
        let actor = claimed_actor(claims.user.as_deref(), org_id.clone());
        actor.ensure(Operation::Connect)?;
        self.connect_step(
            &actor,
            None,
            "state_verified",
            format!("scopes asked: {}", claims.scopes.join(",")),
        )
        .await?;
        let now = self.inner.now();
        let short = match connector.exchange_code(&code, now).await {
            Ok(t) => t,
            Err(e) => return Err(self.refuse(Error::network("exchange the code", e)).await),
        };
        drop(code);
        let user_id = short
            .user_id
            .clone()
            .ok_or_else(|| Error::InvalidInput("the code exchange did not name the user".into()))?;
        let long = match connector.exchange_long_lived(&short.token, now).await {
            Ok(t) => t,
            Err(e) => {
                return Err(self
                    .refuse(Error::network("exchange for a long-lived token", e))
                    .await);
            }
        };
        drop(short);
        self.connect_step(
            &actor,
            None,
            "token_issued",
            // No user id or handle in steps recorded before the account
            // exists: they name no account, so deleting it would not find them.
            format!("long-lived token, expires {}", long.expires_at.to_rfc3339()),
        )
        .await?;
        let token: Arc<SecretString> = Arc::new(long.token);
        let auth = AccountAuth::new(user_id.clone(), token.clone());
        let profile = connector
            .profile(&auth)
            .await
            .map_err(|e| Error::network("read the profile", e))?;
        // Token facts are best effort: a missing debug endpoint must not block a login.
        let facts = match connector.inspect_token(&token).await {
            Ok(f) => Some(f),
            Err(e) => {
                warn!(error = %e, "token inspection failed; keeping the requested scopes");
                None
            }
        };
        let granted = facts
            .as_ref()
            .map_or_else(|| claims.scopes.clone(), |f| f.scopes.clone());
        self.connect_step(
            &actor,
            None,
            "profile_read",
            format!(
                "scopes granted: {}{}",
                granted.join(","),
                if facts.is_some() {
                    ""
                } else {
                    " (token inspection failed: assumed as asked)"
                }
            ),
        )
        .await?;

        // Find or create the account (one per network user and organisation).
        let existing = self
            .inner
            .store
            .find_accounts_by_threads_user(&user_id)
            .await?
            .into_iter()
            .find(|a| a.org_id == org_id);
        let reconnected = existing.is_some();
        let mut account = existing.unwrap_or_else(|| {
            let mut a = Account::new(user_id.clone(), profile.username.clone(), now);
            a.org_id = org_id;
            a
        });
        account.username = profile.username.clone();
        account.display_name = profile.display_name.clone();
        account.biography = profile.biography.clone();
        account.profile_picture_url = profile.picture_url.clone();
        account.is_verified = profile.is_verified;
        account.status = AccountStatus::Active;
        account.requested_scopes = claims.scopes.clone();
        account.granted_scopes = granted.clone();
        account.updated_at = now;
        account.last_active_at = now;
        if reconnected {
            self.inner.store.update_account(&account).await?;
        } else {
            self.inner.store.insert_account(&account).await?;
        }

        // Seal and store the token, bound to this account.
        let issued_at = facts.as_ref().and_then(|f| f.issued_at).unwrap_or(now);
        let mut record = self.inner.seal(
            account.id,
            &token,
            TokenKind::LongLived,
            issued_at,
            long.expires_at,
        )?;
        record.metadata.scopes = granted;
        self.inner.store.put_token(&record).await?;
        drop(auth);

        let missing_scopes: Vec<String> = account
            .missing_scopes()
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.inner
            .record(
                &actor,
                Event::AccountConnected {
                    account_id: account.id,
                    username: account.username.clone(),
                    missing_scopes: missing_scopes.clone(),
                },
            )
            .await?;
        info!(account = %account.id, username = %account.username, reconnected, "account connected");

        let auth = self.inner.auth(&account).await?;
        let (persona_id, posts_synced) = self.bootstrap_persona(&account, &auth, &actor).await?;
        self.sync_limits(&account, &auth).await;
        drop(auth);
        let limits = self.inner.store.quota_limits(account.id).await?;
        self.connect_step(
            &actor,
            Some(account.id),
            "limits_read",
            format!(
                "{} posts, {} replies, {} deletes per {} h",
                limits.posts,
                limits.replies,
                limits.deletes,
                limits.window.num_hours()
            ),
        )
        .await?;
        self.schedule_refresh(account.id).await?;
        self.schedule_snapshots(account.id).await?;
        if reconnected {
            self.resume_account(account.id).await?;
        }
        Ok(Connected {
            account,
            reconnected,
            persona_id,
            posts_synced,
            missing_scopes,
            return_to: claims.return_to,
            token_expires_at: long.expires_at,
        })
    }

    async fn connect_step(
        &self,
        actor: &Actor,
        account_id: Option<AccountId>,
        step: &str,
        detail: String,
    ) -> Result<()> {
        self.inner
            .record(
                actor,
                Event::ConnectStep {
                    account_id,
                    step: step.to_owned(),
                    detail,
                },
            )
            .await
    }

    async fn refuse(&self, error: Error) -> Error {
        let reason = error.to_string();
        if let Err(e) = self
            .inner
            .record(&Actor::system(), Event::ConnectRefused { reason })
            .await
        {
            warn!(error = %e, "could not audit a refused connection");
        }
        error
    }

    /// Syncs past posts and bootstraps a persona, unless the account has one.
    async fn bootstrap_persona(
        &self,
        account: &Account,
        auth: &AccountAuth,
        actor: &Actor,
    ) -> Result<(Option<PersonaId>, usize)> {
        if let Some((record, _)) = self.inner.persona(account.id).await? {
            return Ok((Some(record.id), 0));
        }
        let connector = self.connector()?;
        let posts = connector
            .recent_posts(auth, self.inner.config.sync.max_posts)
            .await
            .map_err(|e| Error::network("sync past posts", e))?;
        let past: Vec<PastPost> = posts
            .iter()
            .filter(|p| !p.is_reply && !p.text.trim().is_empty())
            .map(|p| {
                let post = PastPost::new(p.text.clone());
                match p.published_at {
                    Some(at) => post.published_at(at),
                    None => post,
                }
            })
            .collect();
        let profile = StyleProfile::analyze_posts(&past, chrono_tz::Tz::UTC);
        let name = account
            .display_name
            .clone()
            .unwrap_or_else(|| account.username.clone());
        let persona = Persona::bootstrap(
            name.clone(),
            account.biography.clone().unwrap_or_default(),
            &profile,
        );
        let examples = persona_core::select_examples(&past, &profile, 3);
        let doc = PersonaDocument {
            persona,
            style: (profile.posts > 0).then_some(profile),
            examples,
        };
        let document = serde_json::to_value(&doc)
            .map_err(|e| Error::InvalidInput(format!("persona cannot be stored: {e}")))?;
        let record = PersonaRecord::new(account.id, name, document, self.inner.now());
        self.inner.store.put_persona(&record).await?;
        self.inner
            .record(
                actor,
                Event::PersonaBootstrapped {
                    account_id: account.id,
                    posts: past.len(),
                },
            )
            .await?;
        Ok((Some(record.id), past.len()))
    }

    /// The account's active persona document (`None` if it has none yet).
    pub async fn persona(&self, account_id: AccountId) -> Result<Option<PersonaDocument>> {
        Ok(self.inner.persona(account_id).await?.map(|(_, doc)| doc))
    }

    /// Replaces the account's persona (voice, rules, posting windows, reply
    /// policy), keeping the style measured from its posts and its example
    /// posts. Needs [`Operation::EditPersona`]. The persona is validated
    /// (its own rules and against the network's text limits) before
    /// anything is written; the active persona record is updated in place
    /// (one is created if the account has none). Leaves a `persona.updated`
    /// audit event naming the actor.
    pub async fn update_persona(
        &self,
        account_id: AccountId,
        persona: Persona,
        actor: &Actor,
    ) -> Result<PersonaRecord> {
        self.inner
            .authorize(actor, Operation::EditPersona, account_id)
            .await?;
        persona.validate()?;
        persona_core::Guardrails::new(&persona, self.inner.publisher.text_limits())?;
        let now = self.inner.now();
        let (mut record, doc) = match self.inner.persona(account_id).await? {
            Some((record, mut doc)) => {
                doc.persona = persona;
                (record, doc)
            }
            None => (
                PersonaRecord::new(
                    account_id,
                    persona.name.clone(),
                    serde_json::Value::Null,
                    now,
                ),
                PersonaDocument {
                    persona,
                    style: None,
                    examples: Vec::new(),
                },
            ),
        };
        record.name = doc.persona.name.clone();
        record.document = serde_json::to_value(&doc)
            .map_err(|e| Error::InvalidInput(format!("persona cannot be stored: {e}")))?;
        record.updated_at = now;
        self.inner.store.put_persona(&record).await?;
        self.inner
            .record(
                actor,
                Event::PersonaUpdated {
                    account_id,
                    persona_id: record.id,
                },
            )
            .await?;
        Ok(record)
    }

    /// Reads the account's publishing limits from the network into the quota
    /// ledger. Failures leave the previous (or documented default) limits.
    async fn sync_limits(&self, account: &Account, auth: &AccountAuth) {
        match self.inner.publisher.publishing_limits(auth).await {
            Ok(limits) => {
                let mut stored = QuotaLimits::threads();
                if let Some(p) = limits.posts {
                    stored.posts = p;
                }
                if let Some(r) = limits.replies {
                    stored.replies = r;
                }
                if let Some(d) = limits.deletes {
                    stored.deletes = d;
                }
                stored.window = limits.window;
                if let Err(e) = self.inner.store.set_quota_limits(account.id, &stored).await {
                    warn!(account = %account.id, error = %e, "could not store publishing limits");
                }
            }
            Err(e) => warn!(account = %account.id, error = %e, "could not read publishing limits"),
        }
    }

    /// Refreshes the account's publishing limits from the network now.
    pub async fn refresh_limits(&self, account_id: AccountId) -> Result<QuotaLimits> {
        let account = self.inner.active_account(account_id).await?;
        let auth = self.inner.auth(&account).await?;
        self.sync_limits(&account, &auth).await;
        Ok(self.inner.store.quota_limits(account_id).await?)
    }

    /// When the account's token should be refreshed: inside the refresh
    /// window before expiry, never before it is `min_age` old.
    fn refresh_due_at(&self, issued_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> DateTime<Utc> {
        let policy = &self.inner.config.refresh;
        (expires_at - policy.window).max(issued_at + policy.min_age)
    }

    /// Queues the account's next token refresh at the time its stored expiry
    /// calls for. At most one refresh job per account is live at any time
    /// (its dedup key), across all workers and processes.
    pub async fn schedule_refresh(&self, account_id: AccountId) -> Result<()> {
        let Some(meta) = self.inner.store.token_metadata(account_id).await? else {
            return Ok(());
        };
        let at = self.refresh_due_at(meta.issued_at, meta.expires_at);
        self.enqueue(Task::RefreshToken { account_id }, account_id, at)
            .await?;
        Ok(())
    }

    /// Queues a refresh for every token expiring within the refresh window
    /// (a sweep for hosts that lost jobs, or after an outage). Returns how many
    /// accounts were looked at.
    pub async fn schedule_due_refreshes(&self) -> Result<usize> {
        let horizon = self.inner.now() + self.inner.config.refresh.window;
        let tokens = self
            .inner
            .store
            .list_tokens_expiring_before(horizon, 10_000)
            .await?;
        for token in &tokens {
            self.schedule_refresh(token.metadata.account_id).await?;
        }
        Ok(tokens.len())
    }

    /// The refresh job: refreshes the token if it is due, writes it back,
    /// logs the attempt, and queues the next refresh.
    pub(crate) async fn refresh_step(
        &self,
        ctx: &JobCtx,
        account_id: AccountId,
    ) -> Result<JobOutcome> {
        let Some(account) = self.inner.store.get_account(account_id).await? else {
            return Ok(JobOutcome::Done);
        };
        if account.status != AccountStatus::Active {
            return Ok(JobOutcome::Parked {
                reason: format!("account is {}", account.status),
            });
        }
        let Some(record) = self.inner.store.get_token(account_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let now = self.inner.now();
        let meta = &record.metadata;
        let due = self.refresh_due_at(meta.issued_at, meta.expires_at);
        if now < due {
            return Ok(JobOutcome::RetryAt {
                at: due,
                reason: "not due yet".into(),
            });
        }
        if meta.expires_at <= now {
            // Too late: an expired token cannot be refreshed.
            self.mark_needs_reauth(account_id, "the token expired before it was refreshed")
                .await?;
            return Ok(JobOutcome::Done);
        }
        let token = record
            .open(&self.inner.keyring)
            .map_err(|source| Error::Token {
                account_id,
                action: "opened",
                source,
            })?;
        let connector = self.connector()?.clone();
        ctx.check_lease(&self.inner).await?;
        let result = connector.refresh(&token, now).await;
        drop(token);
        match result {
            Ok(issued) => {
                // Re-check the lease before the write: a stale worker must not
                // overwrite a newer token.
                ctx.check_lease(&self.inner).await?;
                let mut fresh = self.inner.seal(
                    account_id,
                    &issued.token,
                    TokenKind::LongLived,
                    now,
                    issued.expires_at,
                )?;
                fresh.metadata.scopes = record.metadata.scopes.clone();
                fresh.metadata.refreshed_at = Some(now);
                self.inner.store.put_token(&fresh).await?;
                self.inner
                    .record(
                        &Actor::system(),
                        Event::TokenRefreshAttempted {
                            account_id,
                            succeeded: true,
                            expires_at: Some(issued.expires_at),
                            error: None,
                        },
                    )
                    .await?;
                let next = self.refresh_due_at(now, issued.expires_at);
                // This job is still live (running), so the next refresh is the
                // same job run again later rather than a new one.
                Ok(JobOutcome::RetryAt {
                    at: next,
                    reason: "next refresh".into(),
                })
            }
            Err(e) => {
                self.inner
                    .record(
                        &Actor::system(),
                        Event::TokenRefreshAttempted {
                            account_id,
                            succeeded: false,
                            expires_at: None,
                            error: Some(e.to_string()),
                        },
                    )
                    .await?;
                self.refresh_failed(account_id, e).await
            }
        }
    }

    async fn refresh_failed(&self, account_id: AccountId, e: NetworkError) -> Result<JobOutcome> {
        match e.class() {
            FailureClass::Reauthorize | FailureClass::Terminal => {
                // Nothing is retried in a loop: the owner must log in again.
                self.mark_needs_reauth(account_id, e.message()).await?;
                Ok(JobOutcome::Done)
            }
            _ => {
                let wait = e
                    .retry_after()
                    .unwrap_or(self.inner.config.refresh.retry_after);
                Ok(JobOutcome::RetryAt {
                    at: self.inner.now() + wait,
                    reason: e.to_string(),
                })
            }
        }
    }

    /// Marks the account as needing its owner to connect again: publishing
    /// pauses (jobs park), an event is emitted. Idempotent.
    pub(crate) async fn mark_needs_reauth(
        &self,
        account_id: AccountId,
        reason: &str,
    ) -> Result<()> {
        let Some(mut account) = self.inner.store.get_account(account_id).await? else {
            return Ok(());
        };
        if account.status != AccountStatus::Active {
            return Ok(());
        }
        account.status = AccountStatus::NeedsReauth;
        account.updated_at = self.inner.now();
        self.inner.store.update_account(&account).await?;
        self.inner
            .record(
                &Actor::system(),
                Event::AccountNeedsReauth {
                    account_id,
                    reason: reason.to_owned(),
                },
            )
            .await?;
        warn!(account = %account_id, reason, "account needs re-authorization");
        Ok(())
    }

    /// Queues the publishing of every draft of the account that is scheduled or
    /// was being published when its work parked (after a reconnect, or when a
    /// paused account is resumed). Returns how many drafts were queued.
    pub async fn resume_account(&self, account_id: AccountId) -> Result<usize> {
        let filter = DraftFilter {
            account_id: Some(account_id),
            states: vec![
                DraftState::Scheduled,
                DraftState::Publishing,
                DraftState::PublishSent,
            ],
            ..DraftFilter::default()
        };
        let drafts = self.inner.store.list_drafts(&filter).await?;
        let mut queued = 0;
        for draft in drafts {
            // Chain parts wait for their parent's job to queue them.
            if draft.parent_draft_id.is_some() && draft.state == DraftState::Scheduled {
                continue;
            }
            let at = draft.scheduled_at.unwrap_or_else(|| self.inner.now());
            self.enqueue(Task::Publish { draft_id: draft.id }, account_id, at)
                .await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Disconnects an account at once: deletes its token, cancels its queued
    /// jobs, takes its scheduled drafts off the schedule (back to Approved), and
    /// stops publishing (a job already running finds no token and no active
    /// account before its next call). The account, its drafts and history stay
    /// (deleting them is a separate, explicit operation). Needs
    /// [`Operation::Disconnect`].
    pub async fn disconnect(&self, account_id: AccountId, actor: &Actor) -> Result<()> {
        let store = &self.inner.store;
        let mut account = self
            .inner
            .authorize(actor, Operation::Disconnect, account_id)
            .await?;
        // Tokens first: nothing can act for the account from here on.
        store.delete_token(account_id).await?;
        account.status = AccountStatus::Disconnected;
        account.updated_at = self.inner.now();
        store.update_account(&account).await?;
        let mut jobs_cancelled = 0;
        for queue in queues::ALL {
            let jobs = store
                .list_jobs(&JobFilter {
                    queue: Some(queue.to_owned()),
                    account_id: Some(account_id),
                    states: vec![JobState::Queued],
                    limit: None,
                })
                .await?;
            for job in jobs {
                if store.cancel_job(job.id).await? {
                    jobs_cancelled += 1;
                }
            }
        }
        let scheduled = store
            .list_drafts(&DraftFilter {
                account_id: Some(account_id),
                states: vec![DraftState::Scheduled],
                ..DraftFilter::default()
            })
            .await?;
        let mut drafts_unscheduled = 0;
        for draft in scheduled {
            let updated = self
                .update_draft(draft.id, None, |d| {
                    if d.state != DraftState::Scheduled {
                        return Ok(false);
                    }
                    d.state = DraftState::Approved;
                    d.scheduled_at = None;
                    Ok(true)
                })
                .await?;
            if let Some((before, after)) = updated {
                drafts_unscheduled += 1;
                self.record_transition(actor, before, &after, Some("account disconnected".into()))
                    .await?;
            }
        }
        self.inner
            .record(
                actor,
                Event::AccountDisconnected {
                    account_id,
                    jobs_cancelled,
                    drafts_unscheduled,
                },
            )
            .await?;
        Ok(())
    }

    /// Pauses an account (no automatic work) or resumes it. Needs
    /// [`Operation::Pause`].
    pub async fn set_paused(
        &self,
        account_id: AccountId,
        paused: bool,
        actor: &Actor,
    ) -> Result<Account> {
        let store = &self.inner.store;
        let mut account = self
            .inner
            .authorize(actor, Operation::Pause, account_id)
            .await?;
        let (from, to) = if paused {
            (AccountStatus::Active, AccountStatus::Paused)
        } else {
            (AccountStatus::Paused, AccountStatus::Active)
        };
        if account.status != from {
            return Err(Error::AccountNotActive {
                account_id,
                status: account.status,
            });
        }
        account.status = to;
        account.updated_at = self.inner.now();
        store.update_account(&account).await?;
        let mut audit = store_traits::AuditEvent::new(
            Some(account_id),
            actor.audit_name(),
            if paused {
                "account.paused"
            } else {
                "account.resumed"
            },
            self.inner.now(),
        );
        audit.org_id = actor.org_id.clone();
        store.append_audit(&audit).await?;
        if !paused {
            self.resume_account(account_id).await?;
        }
        Ok(account)
    }
}
