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

pub const REDIRECT: &str = "https://app.example/threads/callback";

/// 2026-03-02 09:00 UTC, a Monday.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub struct Harness {
    pub clock: Arc<ManualClock>,
    pub emu: RunningEmulator,
    pub app: AppInfo,
    pub store: Arc<DynStore>,
    pub pipeline: Pipeline,
    pub keyring: Arc<Keyring>,
}

pub fn keyring() -> Keyring {
    Keyring::new(
        KeyId::new("k1").expect("key id"),
        KeyMaterial::generate().expect("key"),
    )
}

impl Harness {
    /// Memory store, default configuration.
    pub async fn new() -> Harness {
        Self::with_config(PipelineConfig::default()).await
    }

    pub async fn with_config(config: PipelineConfig) -> Harness {
        let clock = Arc::new(ManualClock::new(start()));
        let store: Arc<DynStore> = Arc::new(MemoryStore::new(clock.clone()));
        Self::build(clock, store, config, Duration::from_secs(5)).await
    }

    /// A harness whose client gives up on a request after `timeout` (real time).
    pub async fn with_timeout(config: PipelineConfig, timeout: Duration) -> Harness {
        let clock = Arc::new(ManualClock::new(start()));
        let store: Arc<DynStore> = Arc::new(MemoryStore::new(clock.clone()));
        Self::build(clock, store, config, timeout).await
    }

    /// A harness on `store`, which must read `clock`.
    pub async fn build(
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
        let pipeline = Pipeline::builder()
            .store(store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(Arc::new(threads))
            .keyring(keyring.clone())
            .oauth_state_key(KeyMaterial::generate().expect("state key"))
            .manual_clock(clock.clone())
            .config(config)
            .build()
            .expect("pipeline");
        Harness {
            clock,
            emu,
            app,
            store,
            pipeline,
            keyring,
        }
    }

    /// Creates `username` with a few past posts and connects it through OAuth.
    pub async fn connect(&self, username: &str) -> Connected {
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
    pub async fn consent(&self, authorize_url: &str) -> String {
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

    pub fn worker(&self, id: &str) -> Worker {
        Worker::new(self.pipeline.clone(), WorkerConfig::named(id))
    }

    /// Runs every job due now (and what that makes due), in one worker.
    pub async fn drain(&self) -> WorkerReport {
        self.worker("w1").drain().await.expect("drain")
    }

    /// Successful publish calls recorded by the emulator for `text`.
    pub fn publishes_of(&self, text: &str) -> usize {
        self.publishes()
            .iter()
            .filter(|e| e.text.as_deref() == Some(text))
            .count()
    }

    /// Successful publish calls.
    pub fn publishes(&self) -> Vec<LedgerEntry> {
        self.emu
            .admin()
            .ledger()
            .into_iter()
            .filter(|e| e.operation == Operation::Publish && e.succeeded())
            .collect()
    }

    pub fn advance(&self, delta: chrono::TimeDelta) {
        self.clock.advance(delta);
    }
}
