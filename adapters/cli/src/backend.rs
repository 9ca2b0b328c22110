//! Builds the pipeline a command runs on: store, network, model and keys,
//! from the global options and the environment.

use std::sync::Arc;

use content_pipeline::{Actor, Pipeline, Role, ThreadsPublisher};
use persona_core::LlmProvider;
use store_traits::{Account, AccountFilter, AccountId, Clock, DraftId, DynStore, SystemClock};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use token_crypto::KeyMaterial;

use crate::args::{Api, Global, Llm};
use crate::data_dir::DataDir;
use crate::emulator::{self, LocalEmulator};
use crate::error::{CliError, Result};

/// The environment variables of `--api threads`.
const APP_ID_ENV: &str = "THREADS_APP_ID";
const APP_SECRET_ENV: &str = "THREADS_APP_SECRET";
const REDIRECT_URI_ENV: &str = "THREADS_REDIRECT_URI";
/// Optional: the Graph API host (`https://graph.threads.net` by default).
const GRAPH_URL_ENV: &str = "THREADS_GRAPH_URL";
/// Optional: the consent dialog's host (`https://threads.net` by default).
const AUTHORIZE_URL_ENV: &str = "THREADS_AUTHORIZE_URL";

/// How long to wait for a PostgreSQL connection, in seconds.
const PG_TIMEOUT_SECS: u64 = 10;

/// The value of `name` when it is set and not blank.
fn optional_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Everything a command works with.
#[derive(Debug)]
pub(crate) struct Backend {
    /// The pipeline.
    pub(crate) pipeline: Pipeline,
    /// Its store.
    pub(crate) store: Arc<DynStore>,
    /// The data directory.
    pub(crate) data: DataDir,
    /// Who acts: the operator, as owner.
    pub(crate) actor: Actor,
    /// The local emulator (with `--api emulator`).
    pub(crate) emulator: Option<LocalEmulator>,
    /// The redirect URI the consent sends the browser back to.
    pub(crate) redirect_uri: String,
}

impl Backend {
    /// Opens the data directory and store, starts the emulator if asked,
    /// and builds the pipeline.
    pub(crate) async fn open(global: &Global) -> Result<Self> {
        let data = DataDir::open(global.data_dir.as_deref())?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store: Arc<DynStore> = match &global.database_url {
            Some(url) => {
                // An operator waits for an answer: give up on an unreachable
                // server sooner than a long-running service would.
                let options = store_postgres::PgStoreOptions::new(url)?
                    .acquire_timeout(std::time::Duration::from_secs(PG_TIMEOUT_SECS));
                Arc::new(store_postgres::PgStore::connect(&options, clock.clone()).await?)
            }
            None => {
                Arc::new(store_sqlite::SqliteStore::open(data.database(), clock.clone()).await?)
            }
        };
        let keyring = Arc::new(data.keyring()?);
        let (publisher, emulator, redirect_uri) = match global.api {
            Api::Emulator => {
                let local = LocalEmulator::start(&data.emulator_world()).await?;
                let client = ThreadsClient::builder()
                    .graph_base_url(local.base_url())
                    .authorize_base_url(local.base_url())
                    .build()
                    .map_err(|e| CliError::Http {
                        context: "set up the Threads client",
                        source: Box::new(e),
                    })?;
                let publisher = ThreadsPublisher::new(client).with_app(
                    AppCredentials::new(local.app_id(), AppSecret::new(local.app_secret())),
                    emulator::REDIRECT_URI,
                );
                local.renew_tokens(&store, &keyring).await?;
                local.restore_posts(&store).await?;
                (publisher, Some(local), emulator::REDIRECT_URI.to_owned())
            }
            Api::Threads => {
                let need = |name: &str| {
                    optional_env(name).ok_or_else(|| {
                        CliError::config(
                            format!("--api threads needs {name}"),
                            format!(
                                "export {APP_ID_ENV}, {APP_SECRET_ENV} and {REDIRECT_URI_ENV} \
                                 (from your Meta app's settings), or use --api emulator"
                            ),
                        )
                    })
                };
                let (app_id, secret, redirect) = (
                    need(APP_ID_ENV)?,
                    need(APP_SECRET_ENV)?,
                    need(REDIRECT_URI_ENV)?,
                );
                let mut builder = ThreadsClient::builder();
                // A standalone emulator or a proxy instead of Meta's hosts.
                if let Some(url) = optional_env(GRAPH_URL_ENV) {
                    builder = builder.graph_base_url(url);
                }
                if let Some(url) = optional_env(AUTHORIZE_URL_ENV) {
                    builder = builder.authorize_base_url(url);
                }
                let client = builder.build().map_err(|e| CliError::Http {
                    context: "set up the Threads client",
                    source: Box::new(e),
                })?;
                let publisher = ThreadsPublisher::new(client).with_app(
                    AppCredentials::new(app_id, AppSecret::new(secret)),
                    redirect.clone(),
                );
                (publisher, None, redirect)
            }
        };
        let pipeline = Pipeline::builder()
            .store(store.clone())
            .llm(llm(global)?)
            .network(Arc::new(publisher))
            .keyring(keyring)
            .oauth_state_key(KeyMaterial::generate()?)
            .clock(clock)
            .build()?;
        Ok(Self {
            pipeline,
            store,
            data,
            actor: Actor::person(global.operator.clone(), Role::Owner),
            emulator,
            redirect_uri,
        })
    }

    /// Stops what [`Backend::open`] started.
    pub(crate) async fn close(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }

    /// The account `arg` names (username, `@username` or id), or the only
    /// connected account when `arg` is `None`.
    pub(crate) async fn account(&self, arg: Option<&str>) -> Result<Account> {
        let list_hint = "`threads accounts` lists the connected accounts";
        let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) else {
            let accounts = self.store.list_accounts(&AccountFilter::default()).await?;
            return match accounts.len() {
                0 => Err(CliError::usage(
                    "no account is connected",
                    "connect one with `threads connect` (`--username NAME` on the emulator)",
                )),
                1 => Ok(accounts
                    .into_iter()
                    .next()
                    .ok_or_else(|| CliError::usage("no account is connected", list_hint))?),
                _ => Err(CliError::usage(
                    format!(
                        "{} accounts are connected ({}); name one",
                        accounts.len(),
                        accounts
                            .iter()
                            .map(|a| format!("@{}", a.username))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "pass --account USERNAME",
                )),
            };
        };
        if let Ok(id) = arg.parse::<AccountId>() {
            return self
                .store
                .get_account(id)
                .await?
                .ok_or_else(|| CliError::usage(format!("no account has the id {id}"), list_hint));
        }
        let username = arg.trim_start_matches('@');
        let mut found = self.store.find_accounts_by_username(username).await?;
        match found.len() {
            0 => Err(CliError::usage(
                format!("no account @{username} is connected"),
                format!("{list_hint}; connect it with `threads connect`"),
            )),
            1 => Ok(found.remove(0)),
            n => Err(CliError::usage(
                format!("{n} accounts are named @{username}"),
                "pass the account's id instead (see `threads accounts`)",
            )),
        }
    }

    /// The draft id `arg` holds.
    pub(crate) fn draft_id(arg: &str) -> Result<DraftId> {
        arg.trim().parse::<DraftId>().map_err(|_| {
            CliError::usage(
                format!("`{arg}` is not a draft id"),
                "`threads drafts` lists drafts with their ids",
            )
        })
    }
}

/// The language model `--llm` names.
fn llm(global: &Global) -> Result<Arc<dyn LlmProvider>> {
    let hint = |key: &str| format!("export {key}, or use --llm offline");
    Ok(match global.llm {
        Llm::Offline => Arc::new(persona_core::OfflineProvider::new()),
        Llm::Openai => {
            let mut builder = llm_openai::OpenAiProvider::from_env()
                .map_err(|e| CliError::config(format!("OpenAI: {e}"), hint("OPENAI_API_KEY")))?;
            if let Some(model) = &global.model {
                builder = builder.model(model.clone());
            }
            Arc::new(builder.build().map_err(|e| CliError::Llm(e.to_string()))?)
        }
        Llm::Anthropic => {
            let mut builder = llm_anthropic::AnthropicProvider::from_env().map_err(|e| {
                CliError::config(format!("Anthropic: {e}"), hint("ANTHROPIC_API_KEY"))
            })?;
            if let Some(model) = &global.model {
                builder = builder.model(model.clone());
            }
            Arc::new(builder.build().map_err(|e| CliError::Llm(e.to_string()))?)
        }
    })
}
