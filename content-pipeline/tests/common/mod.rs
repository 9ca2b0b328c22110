//! A pipeline on the local Threads emulator, one manual clock for everything.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use content_pipeline::{
    ConnectRequest, Connected, Pipeline, PipelineConfig, ThreadsPublisher, Worker, WorkerConfig,
    WorkerReport,
};
use secrecy::ExposeSecret;
use store_traits::{DynStore, ManualClock, MemoryStore};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_emulator::{
    AppInfo, AppSpec, Emulator, LedgerEntry, Operation, PostAs, RunningEmulator, UserSpec,
};
use token_crypto::{KeyId, KeyMaterial, Keyring};

pub(crate) const REDIRECT: &str = "https://app.example/threads/callback";

/// 2026-03-02 09:00 UTC, a Monday.
pub(crate) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(crate) struct Harness {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) emu: RunningEmulator,
    pub(crate) app: AppInfo,
    pub(crate) store: Arc<DynStore>,
    pub(crate) pipeline: Pipeline,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) threads: Arc<ThreadsPublisher>,
    pub(crate) config: PipelineConfig,
}

pub(crate) fn keyring() -> Keyring {
    Keyring::new(
        KeyId::new("k1").expect("key id"),
        KeyMaterial::generate().expect("key"),
    )
}

impl Harness {
    /// Memory store, default configuration.
    pub(crate) async fn new() -> Harness {
        Self::with_config(PipelineConfig::default()).await
    }

    pub(crate) async fn with_config(config: PipelineConfig) -> Harness {
        let clock = Arc::new(ManualClock::new(start()));
        let store: Arc<DynStore> = Arc::new(MemoryStore::new(clock.clone()));
        Self::build(clock, store, config, Duration::from_secs(5)).await
    }

    /// A harness whose client gives up on a request after `timeout` (real time).
    pub(crate) async fn with_timeout(config: PipelineConfig, timeout: Duration) -> Harness {
        let clock = Arc::new(ManualClock::new(start()));
        let store: Arc<DynStore> = Arc::new(MemoryStore::new(clock.clone()));
        Self::build(clock, store, config, timeout).await
    }

    /// A harness on `store`, which must read `clock`.
    pub(crate) async fn build(
        clock: Arc<ManualClock>,
        store: Arc<DynStore>,
        config: PipelineConfig,
        timeout: Duration,
    ) -> Harness {
        let emu = Emulator::builder()
            .seed(11)
            .clock(Arc::clone(&clock))
            .start()
            .await
            .expect("emulator");
        let app = emu
            .admin()
            .create_app(AppSpec {
                redirect_uris: vec![REDIRECT.into()],
                ..AppSpec::default()
            })
            .expect("app");
        let client = ThreadsClient::builder()
            .graph_base_url(emu.base_url())
            .authorize_base_url(emu.base_url())
            .timeout(timeout)
            .build()
            .expect("client");
        let threads = ThreadsPublisher::new(client).with_app(
            AppCredentials::new(app.id.clone(), AppSecret::new(app.secret.expose_secret())),
            REDIRECT,
        );
        let keyring = Arc::new(keyring());
        let threads = Arc::new(threads);
        let pipeline = Pipeline::builder()
            .store(store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(threads.clone())
            .keyring(keyring.clone())
            .oauth_state_key(KeyMaterial::generate().expect("state key"))
            .webhook_verifier(token_crypto::webhook::WebhookVerifier::new(
                secrecy::SecretString::from(app.secret.expose_secret().to_owned()),
            ))
            .manual_clock(clock.clone())
            .config(config.clone())
            .build()
            .expect("pipeline");
        Harness {
            clock,
            emu,
            app,
            store,
            pipeline,
            keyring,
            threads,
            config,
        }
    }

    /// Another pipeline on the same store, clock, network and keys whose waits
    /// are real (tokio timer) while time is still read from the manual clock:
    /// for a long-running worker loop, which on a manual sleeper would move
    /// time forward at every idle poll.
    pub(crate) fn pipeline_with_real_waits(&self) -> Pipeline {
        Pipeline::builder()
            .store(self.store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(self.threads.clone())
            .keyring(self.keyring.clone())
            .clock(self.clock.clone())
            .sleeper(Arc::new(content_pipeline::TokioSleeper))
            .config(self.config.clone())
            .build()
            .expect("pipeline")
    }

    /// Another pipeline on the same store, clock, network and keys, with `probe`.
    pub(crate) fn pipeline_with_probe(&self, probe: Arc<dyn content_pipeline::Probe>) -> Pipeline {
        Pipeline::builder()
            .store(self.store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(self.threads.clone())
            .keyring(self.keyring.clone())
            .manual_clock(self.clock.clone())
            .config(self.config.clone())
            .probe(probe)
            .build()
            .expect("pipeline")
    }

    /// Creates `username` with a few past posts and connects it through OAuth.
    pub(crate) async fn connect(&self, username: &str) -> Connected {
        let admin = self.emu.admin();
        let user = admin
            .create_user(UserSpec {
                username: username.into(),
                biography: "Bakes bread, writes about it.".into(),
                followers: 500,
                ..UserSpec::default()
            })
            .expect("user");
        for text in [
            "small batch sourdough today. the crumb is finally open",
            "rye starter is slower but the flavour is worth it",
            "tip: weigh your water. cups lie.",
            "an hour of autolyse saves ten minutes of kneading",
        ] {
            admin
                .post_as(PostAs {
                    author: user.id.clone(),
                    text: Some(text.into()),
                    ..PostAs::default()
                })
                .expect("post");
        }
        admin.set_authorizer(&user.id).expect("authorizer");
        let session = format!("session-{username}");
        let start = self
            .pipeline
            .start_connect(ConnectRequest::new(session.clone()).return_to("/home"))
            .await
            .expect("start connect");
        let callback = self.consent(&start.authorize_url).await;
        self.pipeline
            .finish_connect(&callback, &session)
            .await
            .expect("finish connect")
    }

    /// Follows the consent dialog like a browser and returns the callback URL.
    pub(crate) async fn consent(&self, authorize_url: &str) -> String {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser");
        let answer = browser.get(authorize_url).send().await.expect("authorize");
        answer
            .headers()
            .get(reqwest::header::LOCATION)
            .expect("the dialog redirects")
            .to_str()
            .expect("ascii location")
            .to_owned()
    }

    pub(crate) fn worker(&self, id: &str) -> Worker {
        Worker::new(self.pipeline.clone(), WorkerConfig::named(id))
    }

    /// Runs every job due now (and what that makes due), in one worker.
    pub(crate) async fn drain(&self) -> WorkerReport {
        self.worker("w1").drain().await.expect("drain")
    }

    /// Successful publish calls recorded by the emulator for `text`.
    pub(crate) fn publishes_of(&self, text: &str) -> usize {
        self.publishes()
            .iter()
            .filter(|e| e.text.as_deref() == Some(text))
            .count()
    }

    /// Successful publish calls.
    pub(crate) fn publishes(&self) -> Vec<LedgerEntry> {
        self.emu
            .admin()
            .ledger()
            .into_iter()
            .filter(|e| e.operation == Operation::Publish && e.succeeded())
            .collect()
    }

    pub(crate) fn advance(&self, delta: chrono::TimeDelta) {
        self.clock.advance(delta);
    }
}

/// A throw-away PostgreSQL database (`store_postgres::testing`): `None`,
/// after a SKIPPED line, when the server is unreachable and
/// `REQUIRE_POSTGRES_TESTS` is not `1`.
pub(crate) async fn postgres_database(
    label: &str,
) -> Option<store_postgres::testing::TestDatabase> {
    store_postgres::testing::TestDatabase::create(&format!("pipeline_{label}"))
        .await
        .expect("a PostgreSQL test database")
}

/// A local HTTP endpoint for the emulator's webhook deliveries: answers the
/// subscription handshake and hands each POST to `Pipeline::receive_webhook`.
pub(crate) struct WebhookEndpoint {
    pub(crate) url: String,
    pub(crate) deliveries: Arc<std::sync::atomic::AtomicUsize>,
}

impl Harness {
    /// Starts a webhook endpoint for the pipeline and subscribes the app to
    /// `fields` (replies, mentions, publish, delete).
    pub(crate) async fn webhooks(&self, fields: &[&str]) -> WebhookEndpoint {
        use axum::extract::{Query, State};
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::get;
        #[derive(Clone)]
        struct Ctx {
            pipeline: Pipeline,
            deliveries: Arc<std::sync::atomic::AtomicUsize>,
        }
        async fn handshake(Query(q): Query<std::collections::HashMap<String, String>>) -> String {
            q.get("hub.challenge").cloned().unwrap_or_default()
        }
        async fn receive(
            State(ctx): State<Ctx>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> StatusCode {
            ctx.deliveries
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let signature = headers
                .get("x-hub-signature-256")
                .and_then(|v| v.to_str().ok());
            match ctx.pipeline.receive_webhook(signature, &body).await {
                Ok(_) => StatusCode::OK,
                Err(content_pipeline::Error::Webhook(_)) => StatusCode::UNAUTHORIZED,
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
        let deliveries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let app = axum::Router::new()
            .route("/webhook", get(handshake).post(receive))
            .with_state(Ctx {
                pipeline: self.pipeline.clone(),
                deliveries: deliveries.clone(),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        self.emu
            .admin()
            .subscribe_webhooks(threads_emulator::WebhookSpec {
                app_id: self.app.id.clone(),
                callback_url: url.clone(),
                verify_token: secrecy::SecretString::from("verify-me".to_owned()),
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                app_secret: None,
            })
            .await
            .expect("subscribe");
        WebhookEndpoint { url, deliveries }
    }
}
