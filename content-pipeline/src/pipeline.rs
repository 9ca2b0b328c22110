//! [`Pipeline`] and its builder; the helpers every operation shares.

use std::fmt;
use std::sync::Arc;

use persona_core::{LlmProvider, PromptEngine};
use store_traits::{
    Account, AccountId, AccountStatus, AuditEvent, Clock, DynStore, PersonaRecord, RecordKind,
    SystemClock, TokenRecord,
};
use token_crypto::oauth_state::OAuthStateSigner;
use token_crypto::signed_request::SignedRequestVerifier;
use token_crypto::webhook::WebhookVerifier;
use token_crypto::{KeyMaterial, Keyring};
use tokio::sync::broadcast;

use crate::actor::Actor;
use crate::config::PipelineConfig;
use crate::drafts::PersonaDocument;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::media::MediaLifecycle;
use crate::network::{AccountAuth, Connector, Engagement, Insights, Publisher};
use crate::probe::{Probe, Step};
use crate::roles::Operation;
use crate::sources::{RemixTemplates, SourceFetcher};
use crate::time::{ManualSleeper, Sleeper, TokioSleeper};

/// The engine: connect accounts, write and approve drafts, schedule and
/// publish them exactly once.
///
/// Built once per process with [`Pipeline::builder`] and cloned freely (an
/// `Arc` inside). Every operation is a plain async method a host can call from
/// anywhere (a request handler, a cron, its own queue); the [`Worker`](crate::Worker)
/// runs the queued ones. See the crate docs for the protocol and its guarantees.
#[derive(Clone)]
pub struct Pipeline {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<DynStore>,
    pub(crate) llm: Arc<dyn LlmProvider>,
    pub(crate) publisher: Arc<dyn Publisher>,
    pub(crate) connector: Option<Arc<dyn Connector>>,
    pub(crate) engagement: Option<Arc<dyn Engagement>>,
    pub(crate) insights: Option<Arc<dyn Insights>>,
    pub(crate) webhooks: Option<WebhookVerifier>,
    pub(crate) signed_requests: Option<SignedRequestVerifier>,
    pub(crate) deletion_status_url: Option<url::Url>,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) config: PipelineConfig,
    pub(crate) states: Option<OAuthStateSigner>,
    pub(crate) prompts: PromptEngine,
    pub(crate) probe: Option<Arc<dyn Probe>>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) fetcher: SourceFetcher,
    pub(crate) remix_templates: RemixTemplates,
    pub(crate) media: Option<Arc<dyn MediaLifecycle>>,
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("store", &self.inner.store)
            .field("llm", &self.inner.llm)
            .field("publisher", &self.inner.publisher)
            .field("connector", &self.inner.connector.is_some())
            .field("media", &self.inner.media)
            .field("keyring", &self.inner.keyring)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Starts building a pipeline.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    /// The store.
    pub fn store(&self) -> &Arc<DynStore> {
        &self.inner.store
    }

    /// The clock every decision reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The configuration.
    pub fn config(&self) -> &PipelineConfig {
        &self.inner.config
    }

    /// The publisher.
    pub fn publisher(&self) -> &Arc<dyn Publisher> {
        &self.inner.publisher
    }

    /// Events from now on, as they happen in this process. The audit log
    /// ([`AuditLog`](store_traits::AuditLog)) holds all of them, from every
    /// process. A receiver that falls more than 1,024 events behind skips the
    /// oldest ones (`RecvError::Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }
}

impl Inner {
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Writes the audit event, then tells subscribers.
    pub(crate) async fn record(&self, actor: &Actor, event: Event) -> Result<()> {
        let mut audit = AuditEvent::new(
            event.account_id(),
            actor.audit_name(),
            event.action(),
            self.now(),
        );
        audit.org_id = actor.org_id.clone();
        audit.target = event.target();
        audit.details = event.details();
        self.store.append_audit(&audit).await?;
        // No receiver is not an error: nobody is listening.
        let _ = self.events.send(event);
        Ok(())
    }

    pub(crate) fn probe(&self, step: Step, subject: &str) {
        if let Some(probe) = &self.probe {
            probe.at(step, subject);
        }
    }

    /// Checks that `actor` may do `operation` on the account (the role
    /// first, before anything is read, then the organisation) and returns
    /// the account. A refusal writes nothing.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        operation: Operation,
        account_id: AccountId,
    ) -> Result<Account> {
        actor.ensure(operation)?;
        let account = self
            .store
            .get_account(account_id)
            .await?
            .ok_or_else(|| store_traits::Error::not_found(RecordKind::Account, account_id))?;
        actor.ensure_on(operation, &account)?;
        Ok(account)
    }

    /// The account, which must be active.
    pub(crate) async fn active_account(&self, id: AccountId) -> Result<Account> {
        let account = self
            .store
            .get_account(id)
            .await?
            .ok_or_else(|| store_traits::Error::not_found(RecordKind::Account, id))?;
        if account.status != AccountStatus::Active {
            return Err(Error::AccountNotActive {
                account_id: id,
                status: account.status,
            });
        }
        Ok(account)
    }

    /// Opens the account's sealed token for one call.
    pub(crate) async fn auth(&self, account: &Account) -> Result<AccountAuth> {
        let record = self
            .store
            .get_token(account.id)
            .await?
            .ok_or(Error::NoToken(account.id))?;
        let token = record.open(&self.keyring).map_err(|source| Error::Token {
            account_id: account.id,
            action: "opened",
            source,
        })?;
        Ok(AccountAuth::new(account.threads_user_id.clone(), token))
    }

    /// Seals a token for the account with the canonical binding.
    pub(crate) fn seal(
        &self,
        account_id: AccountId,
        token: &secrecy::SecretString,
        kind: store_traits::TokenKind,
        issued_at: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<TokenRecord> {
        TokenRecord::seal(
            &self.keyring,
            account_id,
            kind,
            token,
            issued_at,
            expires_at,
        )
        .map_err(|source| Error::Token {
            account_id,
            action: "sealed",
            source,
        })
    }

    /// The account's active persona document (`None` if it has none). The
    /// newest active record wins.
    pub(crate) async fn persona(
        &self,
        account_id: AccountId,
    ) -> Result<Option<(PersonaRecord, PersonaDocument)>> {
        let records = self.store.list_personas(account_id).await?;
        let Some(record) = records.into_iter().rfind(|p| p.is_active) else {
            return Ok(None);
        };
        let doc: PersonaDocument =
            serde_json::from_value(record.document.clone()).map_err(|e| {
                Error::InvalidInput(format!("persona {} cannot be read: {e}", record.id))
            })?;
        Ok(Some((record, doc)))
    }
}

/// Builds a [`Pipeline`]. Required: a store, an LLM provider, a publisher and
/// a keyring. Optional: a connector (needed to connect and refresh accounts),
/// an OAuth state key (needed to connect), a clock (system clock by default),
/// a sleeper (tokio by default), a configuration, prompt templates and a probe.
#[derive(Default)]
pub struct PipelineBuilder {
    store: Option<Arc<DynStore>>,
    llm: Option<Arc<dyn LlmProvider>>,
    publisher: Option<Arc<dyn Publisher>>,
    connector: Option<Arc<dyn Connector>>,
    engagement: Option<Arc<dyn Engagement>>,
    insights: Option<Arc<dyn Insights>>,
    webhooks: Option<WebhookVerifier>,
    signed_requests: Option<SignedRequestVerifier>,
    meta_app_secrets: Vec<secrecy::SecretString>,
    deletion_status_url: Option<String>,
    keyring: Option<Arc<Keyring>>,
    clock: Option<Arc<dyn Clock>>,
    sleeper: Option<Arc<dyn Sleeper>>,
    config: PipelineConfig,
    state_key: Option<KeyMaterial>,
    state_ttl: Option<chrono::TimeDelta>,
    prompts: Option<PromptEngine>,
    probe: Option<Arc<dyn Probe>>,
    fetcher: Option<SourceFetcher>,
    remix_templates: Option<RemixTemplates>,
    media: Option<Arc<dyn MediaLifecycle>>,
}

impl fmt::Debug for PipelineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineBuilder")
            .field("store", &self.store.is_some())
            .field("llm", &self.llm.is_some())
            .field("publisher", &self.publisher.is_some())
            .field("connector", &self.connector.is_some())
            .field("media", &self.media.is_some())
            .field("keyring", &self.keyring.is_some())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PipelineBuilder {
    /// The store (memory, SQLite, PostgreSQL, or your own).
    pub fn store(mut self, store: Arc<DynStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The language model.
    pub fn llm(mut self, llm: Arc<dyn LlmProvider>) -> Self {
        self.llm = Some(llm);
        self
    }

    /// The publishing side of the network.
    pub fn publisher(mut self, publisher: Arc<dyn Publisher>) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// The account side of the network.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// The conversation side of the network (replies, mentions, moderation).
    pub fn engagement(mut self, engagement: Arc<dyn Engagement>) -> Self {
        self.engagement = Some(engagement);
        self
    }

    /// The metrics side of the network (account and post figures, audience
    /// demographics). Needed by insights snapshots.
    pub fn insights(mut self, insights: Arc<dyn Insights>) -> Self {
        self.insights = Some(insights);
        self
    }

    /// Verifies webhook deliveries (`X-Hub-Signature-256` with the app secret,
    /// several during a rotation). Needed by
    /// [`receive_webhook`](Pipeline::receive_webhook).
    pub fn webhook_verifier(mut self, verifier: WebhookVerifier) -> Self {
        self.webhooks = Some(verifier);
        self
    }

    /// Every side from one value (e.g. [`ThreadsPublisher`](crate::ThreadsPublisher)).
    pub fn network<N: Publisher + Connector + Engagement + Insights + 'static>(
        self,
        network: Arc<N>,
    ) -> Self {
        self.publisher(network.clone())
            .connector(network.clone())
            .engagement(network.clone())
            .insights(network)
    }

    /// The keyring that seals tokens.
    pub fn keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How waits happen (default: the tokio timer).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// A manual clock for tests: every decision reads it and every wait moves
    /// it forward instead of sleeping ([`ManualSleeper`]).
    pub fn manual_clock(self, clock: Arc<store_traits::ManualClock>) -> Self {
        self.sleeper(Arc::new(ManualSleeper::new(clock.clone())))
            .clock(clock)
    }

    /// The policies (default: [`PipelineConfig::default`]).
    pub fn config(mut self, config: PipelineConfig) -> Self {
        self.config = config;
        self
    }

    /// The key that signs OAuth `state` values (a dedicated 256-bit key; do not
    /// reuse a token-sealing key). Needed by
    /// [`start_connect`](Pipeline::start_connect).
    pub fn oauth_state_key(mut self, key: KeyMaterial) -> Self {
        self.state_key = Some(key);
        self
    }

    /// How long a connect link stays valid (default 10 minutes).
    pub fn oauth_state_ttl(mut self, ttl: chrono::TimeDelta) -> Self {
        self.state_ttl = Some(ttl);
        self
    }

    /// Prompt templates (default: persona-core's built-in ones).
    pub fn prompts(mut self, prompts: PromptEngine) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// The fetcher for URL sources and feeds (default: one built from
    /// [`SourcePolicy::fetch`](crate::config::SourcePolicy::fetch), with the
    /// system resolver and the address guard on). Give your own to use
    /// another resolver, to trust one internal address, or, in tests, to
    /// reach local servers.
    pub fn source_fetcher(mut self, fetcher: SourceFetcher) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// The named remix templates (default: [`RemixTemplates::new`], the
    /// built-in ones).
    pub fn remix_templates(mut self, templates: RemixTemplates) -> Self {
        self.remix_templates = Some(templates);
        self
    }

    /// The media side (optional): checks each attachment before a container
    /// is created, cleans up once the post is live, and deletes an
    /// account's media with its data; see [`MediaLifecycle`]. Without it,
    /// media URLs go to the network unchecked and nothing is cleaned up.
    pub fn media(mut self, media: Arc<dyn MediaLifecycle>) -> Self {
        self.media = Some(media);
        self
    }

    /// A probe called at each step of the publishing protocol.
    pub fn probe(mut self, probe: Arc<dyn Probe>) -> Self {
        self.probe = Some(probe);
        self
    }

    /// Verifies Meta's `signed_request` values (the data-deletion and
    /// deauthorize callbacks). Needed by
    /// [`handle_data_deletion`](Pipeline::handle_data_deletion) and
    /// [`handle_deauthorize`](Pipeline::handle_deauthorize). Replaces
    /// [`meta_app_secrets`](Self::meta_app_secrets).
    pub fn signed_requests(mut self, verifier: SignedRequestVerifier) -> Self {
        self.signed_requests = Some(verifier);
        self
    }

    /// The app secrets Meta signs its callbacks with (the current one first,
    /// the previous one too during a rotation), verified on the pipeline's
    /// clock with the default window (issued at most 1 hour ago, at most 5
    /// minutes ahead). Shorthand for [`signed_requests`](Self::signed_requests).
    pub fn meta_app_secrets<I>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = secrecy::SecretString>,
    {
        self.meta_app_secrets = secrets.into_iter().collect();
        self
    }

    /// The page where a person sees the status of a deletion, answered to
    /// Meta's data-deletion callback with the confirmation code added as the
    /// `code` query parameter (`https://app.example/deletion` →
    /// `https://app.example/deletion?code=<code>`). Serve it with
    /// [`deletion_status`](Pipeline::deletion_status). Needed by
    /// [`handle_data_deletion`](Pipeline::handle_data_deletion).
    pub fn deletion_status_url(mut self, url: impl Into<String>) -> Self {
        self.deletion_status_url = Some(url.into());
        self
    }

    /// Builds the pipeline, or says what is missing.
    pub fn build(self) -> Result<Pipeline> {
        let missing = |what: &str| Error::Config(format!("a pipeline needs {what}"));
        let store = self.store.ok_or_else(|| missing("a store"))?;
        let llm = self.llm.ok_or_else(|| missing("an LLM provider"))?;
        let publisher = self.publisher.ok_or_else(|| missing("a publisher"))?;
        let keyring = self.keyring.ok_or_else(|| missing("a keyring"))?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let sleeper: Arc<dyn Sleeper> = self.sleeper.unwrap_or_else(|| Arc::new(TokioSleeper));
        let states = self.state_key.map(|key| {
            let signer = OAuthStateSigner::new(key, clock.clone());
            match self.state_ttl {
                Some(ttl) => signer.with_ttl(ttl),
                None => signer,
            }
        });
        let signed_requests = match (self.signed_requests, self.meta_app_secrets.is_empty()) {
            (Some(verifier), _) => Some(verifier),
            (None, true) => None,
            (None, false) => Some(
                SignedRequestVerifier::with_secrets(self.meta_app_secrets, clock.clone())
                    .map_err(|e| Error::Config(format!("Meta app secrets: {e}")))?,
            ),
        };
        let deletion_status_url = self
            .deletion_status_url
            .map(|u| {
                url::Url::parse(&u)
                    .map_err(|e| Error::Config(format!("the deletion status URL is invalid: {e}")))
            })
            .transpose()?;
        let limits = publisher.text_limits();
        let prompts = self.prompts.unwrap_or_default().with_limits(limits);
        let (events, _) = broadcast::channel(1024);
        let fetcher = match self.fetcher {
            Some(fetcher) => fetcher,
            None => SourceFetcher::builder()
                .policy(self.config.sources.fetch.clone())
                .build()?,
        };
        Ok(Pipeline {
            inner: Arc::new(Inner {
                store,
                llm,
                publisher,
                connector: self.connector,
                engagement: self.engagement,
                insights: self.insights,
                webhooks: self.webhooks,
                signed_requests,
                deletion_status_url,
                keyring,
                clock,
                sleeper,
                config: self.config,
                states,
                prompts,
                probe: self.probe,
                events,
                fetcher,
                remix_templates: self.remix_templates.unwrap_or_default(),
                media: self.media,
            }),
        })
    }
}
