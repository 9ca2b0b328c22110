//! A product that publishes user-approved posts, whole, on the pipeline:
//! connect with OAuth, seal the token, bootstrap the persona from past posts,
//! draft, approve, schedule, run a worker, show the post's ids and status,
//! disconnect. `main` is all the host code (under 100 lines); the `meta`
//! module at the bottom stands in for Meta and the person's browser (the
//! Threads emulator in-process), so it runs offline with SQLite in a temporary
//! directory and the offline model.
//!
//! With `THREADS_APP_ID`, `THREADS_APP_SECRET` and `THREADS_REDIRECT_URI`
//! set, `meta` is Meta itself: the example prints the consent address, the
//! person consents in a browser, and the same host code connects their real
//! account. It posts only with `THREADS_EXAMPLE_PUBLISH=1`; otherwise it stops
//! at the approved draft. (The other optional variables are those of the
//! `support/real.rs` module: `THREADS_GRAPH_URL`, `THREADS_AUTHORIZE_URL`.)
//!
//! ```text
//! cargo run -p threads-examples --example approved_publisher
//! THREADS_APP_ID=... THREADS_APP_SECRET=... THREADS_REDIRECT_URI=http://127.0.0.1:8080/callback \
//!   cargo run -p threads-examples --example approved_publisher
//! ```

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use content_pipeline::{
    Actor, ConnectRequest, GenerateRequest, Pipeline, Role, When, Worker, WorkerConfig,
};
use store_traits::{DraftState, SystemClock};
use token_crypto::{KeyId, KeyMaterial, Keyring};

#[tokio::main]
async fn main() -> Result<()> {
    let meta = meta::Meta::start().await?;

    // The product: one pipeline on SQLite, a language model and Threads.
    let db = std::env::temp_dir().join(format!("approved-publisher-{}.db", std::process::id()));
    let store = store_sqlite::SqliteStore::open(&db, Arc::new(SystemClock)).await?;
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(meta.threads()?))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("2026-12")?,
            KeyMaterial::generate()?,
        )))
        .oauth_state_key(KeyMaterial::generate()?)
        .build()?;

    // 1. Connect: send the person to the consent URL; the callback comes back.
    let start = pipeline
        .start_connect(ConnectRequest::new("session-1"))
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let connected = pipeline.finish_connect(&callback, "session-1").await?;
    let account = connected.account.id;
    println!(
        "1. connected @{}: token sealed until {}, persona learned from {} posts",
        connected.account.username,
        connected.token_expires_at.format("%Y-%m-%d"),
        connected.posts_synced
    );

    // 2. Draft in the account's voice; 3. the person approves; 4. schedule.
    let ana = Actor::person("ana", Role::Owner);
    let topic = GenerateRequest::topic(account, "sourdough starters");
    let drafted = pipeline.generate_draft(topic, &ana).await?;
    println!(
        "2. drafted, {}: {:?}",
        drafted.draft.state, drafted.draft.text
    );
    pipeline.approve(drafted.draft.id, &ana).await?;
    if meta.may_publish() {
        let scheduled = pipeline.schedule(drafted.draft.id, When::Now, &ana).await?;
        println!("3. approved by {ana}; 4. {}", scheduled.state);

        // 5. A worker publishes it (in production: its own processes, on many hosts).
        let worker = Worker::new(pipeline.clone(), WorkerConfig::named("worker-1"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            worker
                .run_until(async {
                    stopped.await.ok();
                })
                .await
        });
        let post = loop {
            let draft = pipeline.draft(drafted.draft.id).await?;
            if draft.state.is_terminal() {
                break draft;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        stop.send(()).ok();
        running.await??;

        // 6. What the product shows: the status and the network's ids.
        let ids = &post.provider;
        let show = |id: &Option<String>| id.clone().unwrap_or_else(|| "-".into());
        let (media, link) = (show(&ids.media_id), show(&ids.permalink));
        println!("5. {}: post {media} at {link}", post.state);
        if post.state != DraftState::Published {
            bail!("not published: {}", post.last_error.unwrap_or_default());
        }
    } else {
        println!("3. approved by {ana}; not published (THREADS_EXAMPLE_PUBLISH=1 posts it)");
    }

    // 7. Disconnect: the token is deleted at once, scheduled work cancelled.
    pipeline.disconnect(account, &ana).await?;
    let token = pipeline.store().get_token(account).await?;
    println!("6. disconnected; a token is stored: {}", token.is_some());
    if token.is_some() {
        bail!("the token survived the disconnect");
    }
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", db.display())).ok();
    }
    meta.stop().await;
    Ok(())
}

/// Meta's own side, from `THREADS_*` variables (shared by the examples).
#[path = "support/real.rs"]
mod real;

/// Meta's side and the person's browser: the local emulator, or Meta itself
/// when `THREADS_APP_ID` is set.
mod meta {
    use super::*;
    use secrecy::ExposeSecret;
    use threads_api::{AppCredentials, AppSecret, ThreadsClient};
    use threads_emulator::{AppInfo, AppSpec, Emulator, PostAs, RunningEmulator, UserSpec};

    const REDIRECT: &str = "https://publisher.example/threads/callback";

    pub(crate) enum Meta {
        Emulated { emu: RunningEmulator, app: AppInfo },
        Real(super::real::RealApi),
    }

    impl Meta {
        /// Meta itself when `THREADS_APP_ID` is set; else the emulator with
        /// an app, and a user with a couple of past posts who will consent.
        pub(crate) async fn start() -> Result<Self> {
            if let Some(real) = super::real::RealApi::from_env()? {
                println!("Meta: {}", real.describe());
                return Ok(Self::Real(real));
            }
            let emu = Emulator::builder().clock(SystemClock).start().await?;
            let admin = emu.admin();
            let spec = AppSpec {
                redirect_uris: vec![REDIRECT.into()],
                ..AppSpec::default()
            };
            let app = admin.create_app(spec)?;
            let user = admin.create_user(UserSpec {
                username: "ana_bakes".into(),
                ..UserSpec::default()
            })?;
            for text in [
                "small batch sourdough today, the crumb is open",
                "tip: weigh your water",
            ] {
                let author = user.id.clone();
                admin.post_as(PostAs {
                    author,
                    text: Some(text.into()),
                    ..PostAs::default()
                })?;
            }
            admin.set_authorizer(&user.id)?;
            Ok(Self::Emulated { emu, app })
        }

        /// The Threads network for the pipeline.
        pub(crate) fn threads(&self) -> Result<content_pipeline::ThreadsPublisher> {
            let (emu, app) = match self {
                Self::Real(real) => return real.threads(),
                Self::Emulated { emu, app } => (emu, app),
            };
            let base = emu.base_url();
            let client = ThreadsClient::builder()
                .graph_base_url(base)
                .authorize_base_url(base)
                .build()?;
            let secret = AppSecret::new(app.secret.expose_secret());
            let credentials = AppCredentials::new(app.id.clone(), secret);
            Ok(content_pipeline::ThreadsPublisher::new(client).with_app(credentials, REDIRECT))
        }

        /// The person's browser: follows the consent dialog, returns the callback URL.
        pub(crate) async fn consent(&self, authorize_url: &str) -> Result<String> {
            if let Self::Real(real) = self {
                return real.consent(authorize_url).await;
            }
            let browser = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?;
            let answer = browser.get(authorize_url).send().await?;
            Ok(answer
                .headers()
                .get("location")
                .context("no redirect")?
                .to_str()?
                .to_owned())
        }

        /// Whether the example may post: always on the emulator, only with
        /// `THREADS_EXAMPLE_PUBLISH=1` on a real account.
        pub(crate) fn may_publish(&self) -> bool {
            match self {
                Self::Real(real) => real.may_publish(),
                Self::Emulated { .. } => true,
            }
        }

        pub(crate) async fn stop(self) {
            if let Self::Emulated { emu, .. } = self {
                emu.shutdown().await;
            }
        }
    }
}
