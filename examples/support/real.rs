//! Meta's real Threads API for the examples, configured from environment
//! variables. When `THREADS_APP_ID` is set, an example runs against the API
//! these variables name instead of the in-process emulator:
//!
//! | Variable | What it is |
//! |---|---|
//! | `THREADS_APP_ID`, `THREADS_APP_SECRET` | the Meta app's id and secret |
//! | `THREADS_REDIRECT_URI` | the redirect URI registered for the app; when it is `http://127.0.0.1:PORT/...` or `http://localhost:PORT/...` the example catches the browser there, else it asks for the address the browser ended on |
//! | `THREADS_SEALING_KEY` | optional: a key spec `*id:<32 bytes base64>` that seals the tokens (default: a key made for this run, so the tokens die with it) |
//! | `THREADS_EXAMPLE_DB` | optional: the SQLite file (default: a temporary one) |
//! | `THREADS_EXAMPLE_PUBLISH` | `1` to let the example post on the connected account; without it, drafts are approved but nothing is published |
//! | `THREADS_EXAMPLE_WAIT_SECS` | optional: how long to watch a new post for replies to answer (default 0: not at all) |
//! | `THREADS_GRAPH_URL`, `THREADS_AUTHORIZE_URL` | optional: other hosts for the Graph API and the consent dialog (default Meta's) |
//!
//! The person consents in a browser: the example prints the consent address
//! and waits up to five minutes.
#![allow(dead_code, reason = "each example uses a different part")]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use content_pipeline::{ConnectRequest, Connected, Pipeline, PipelineBuilder, ThreadsPublisher};
use secrecy::{ExposeSecret, SecretString};
use store_traits::SystemClock;
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use token_crypto::webhook::WebhookVerifier;
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// How long the example waits for the person to consent.
const CONSENT_WAIT: Duration = Duration::from_secs(300);

/// The real API's settings, read from the environment.
pub(crate) struct RealApi {
    app_id: String,
    app_secret: SecretString,
    redirect_uri: String,
    graph_url: Option<String>,
    authorize_url: Option<String>,
    publish: bool,
    wait: Duration,
    db: Option<PathBuf>,
    /// Keeps the default temporary database alive for the run.
    _dir: tempfile::TempDir,
}

impl RealApi {
    /// The settings when `THREADS_APP_ID` is set (`None`: the example runs
    /// on the emulator); an error names a missing or malformed variable.
    pub(crate) fn from_env() -> Result<Option<Self>> {
        if std::env::var_os("THREADS_APP_ID").is_none() {
            return Ok(None);
        }
        let wait = match std::env::var("THREADS_EXAMPLE_WAIT_SECS") {
            Ok(secs) => secs
                .trim()
                .parse::<u64>()
                .context("THREADS_EXAMPLE_WAIT_SECS must be a number of seconds")?,
            Err(_) => 0,
        };
        Ok(Some(Self {
            app_id: env("THREADS_APP_ID")?,
            app_secret: SecretString::from(env("THREADS_APP_SECRET")?),
            redirect_uri: env("THREADS_REDIRECT_URI")?,
            graph_url: std::env::var("THREADS_GRAPH_URL").ok(),
            authorize_url: std::env::var("THREADS_AUTHORIZE_URL").ok(),
            publish: std::env::var("THREADS_EXAMPLE_PUBLISH").is_ok_and(|v| v.trim() == "1"),
            wait: Duration::from_secs(wait),
            db: std::env::var_os("THREADS_EXAMPLE_DB").map(PathBuf::from),
            _dir: tempfile::tempdir()?,
        }))
    }

    /// Where the Graph API is, for the banner.
    pub(crate) fn describe(&self) -> String {
        match &self.graph_url {
            Some(url) => format!("the Threads API at {url} (THREADS_GRAPH_URL)"),
            None => "Meta's Threads API".to_owned(),
        }
    }

    /// Whether the example may post on the connected account.
    pub(crate) fn may_publish(&self) -> bool {
        self.publish
    }

    /// How long to watch a new post for replies.
    pub(crate) fn reply_wait(&self) -> Duration {
        self.wait
    }

    /// The Threads network for the pipeline.
    pub(crate) fn threads(&self) -> Result<ThreadsPublisher> {
        let mut client = ThreadsClient::builder().timeout(Duration::from_secs(30));
        if let Some(url) = &self.graph_url {
            client = client.graph_base_url(url);
        }
        if let Some(url) = &self.authorize_url {
            client = client.authorize_base_url(url);
        }
        let credentials = AppCredentials::new(
            self.app_id.clone(),
            AppSecret::new(self.app_secret.expose_secret()),
        );
        Ok(ThreadsPublisher::new(client.build()?).with_app(credentials, &self.redirect_uri))
    }

    /// Checks Meta's `X-Hub-Signature-256` with the app secret.
    pub(crate) fn webhook_verifier(&self) -> WebhookVerifier {
        WebhookVerifier::new(self.app_secret.clone())
    }

    /// The app secret (Meta signs its callbacks with it).
    pub(crate) fn app_secret(&self) -> SecretString {
        self.app_secret.clone()
    }

    /// The keyring sealing tokens: `THREADS_SEALING_KEY`, else a key made
    /// for this run.
    pub(crate) fn keyring(&self) -> Result<Keyring> {
        if std::env::var_os("THREADS_SEALING_KEY").is_some() {
            return Keyring::from_env("THREADS_SEALING_KEY")
                .context("THREADS_SEALING_KEY must be a key spec `*id:<base64 key>`");
        }
        Ok(Keyring::new(KeyId::new("run")?, KeyMaterial::generate()?))
    }

    /// The SQLite file: `THREADS_EXAMPLE_DB`, else one in a temporary
    /// directory removed at the end of the run.
    pub(crate) fn db_path(&self, name: &str) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| self._dir.path().join(name))
    }

    /// A pipeline builder with everything but the config: SQLite at
    /// [`RealApi::db_path`], the offline model, the real network, the
    /// keyring and the webhook verifier.
    pub(crate) async fn pipeline(&self, db_name: &str) -> Result<PipelineBuilder> {
        let store =
            store_sqlite::SqliteStore::open(self.db_path(db_name), Arc::new(SystemClock)).await?;
        Ok(Pipeline::builder()
            .store(Arc::new(store))
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(Arc::new(self.threads()?))
            .keyring(Arc::new(self.keyring()?))
            .oauth_state_key(KeyMaterial::generate()?)
            .webhook_verifier(self.webhook_verifier()))
    }

    /// Connects the account of whoever consents in the browser.
    pub(crate) async fn connect(
        &self,
        pipeline: &Pipeline,
        request: ConnectRequest,
    ) -> Result<Connected> {
        let session = request.session.clone();
        let start = pipeline.start_connect(request).await?;
        let callback = self.consent(&start.authorize_url).await?;
        Ok(pipeline.finish_connect(&callback, &session).await?)
    }

    /// The person's part: consent in a browser. Returns the callback URL,
    /// caught on the redirect URI when it points at this machine, else
    /// pasted by the person.
    pub(crate) async fn consent(&self, authorize_url: &str) -> Result<String> {
        let redirect =
            reqwest::Url::parse(&self.redirect_uri).context("THREADS_REDIRECT_URI is not a URL")?;
        let local = redirect.scheme() == "http"
            && matches!(redirect.host_str(), Some("127.0.0.1" | "localhost"));
        if local {
            return listen_for_callback(&redirect, authorize_url).await;
        }
        println!("   open this address in a browser and consent: {authorize_url}");
        println!("   then paste the address the browser was sent to:");
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        })
        .await??;
        let line = line.trim().to_owned();
        if !line.starts_with(&self.redirect_uri) {
            bail!("that address does not start with THREADS_REDIRECT_URI ({line:?})");
        }
        Ok(line)
    }
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

/// The sender the callback handler hands the query to (once).
type Slot = Arc<Mutex<Option<tokio::sync::oneshot::Sender<String>>>>;

/// Serves the redirect URI's path on 127.0.0.1, sends the person to
/// `authorize_url`, and returns the full callback URL when the browser
/// arrives.
async fn listen_for_callback(redirect: &reqwest::Url, authorize_url: &str) -> Result<String> {
    let port = redirect.port_or_known_default().unwrap_or(80);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("listen for the OAuth callback on port {port}"))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let slot: Slot = Arc::new(Mutex::new(Some(tx)));
    let app = axum::Router::new()
        .route(
            redirect.path(),
            axum::routing::get(
                |axum::extract::State(slot): axum::extract::State<Slot>,
                 axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
                    let sender = slot.lock().ok().and_then(|mut s| s.take());
                    if let Some(sender) = sender {
                        let _ = sender.send(query.unwrap_or_default());
                    }
                    axum::response::Html(
                        "<!doctype html><title>example</title><p>Done: go back to the terminal.</p>",
                    )
                },
            ),
        )
        .with_state(slot);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    println!("   open this address in a browser and consent: {authorize_url}");
    println!("   waiting for the browser on {redirect}");
    let query = tokio::time::timeout(CONSENT_WAIT, rx).await;
    // Let the browser's page finish loading before the server goes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.abort();
    let query = query
        .map_err(|_| anyhow::anyhow!("no callback within {} s", CONSENT_WAIT.as_secs()))?
        .context("the callback listener stopped")?;
    let mut url = redirect.clone();
    url.set_query(Some(&query));
    Ok(url.to_string())
}
