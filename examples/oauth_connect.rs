//! Connecting a Threads account over HTTP: the `threads-axum` router's OAuth
//! routes nested in a minimal axum app.
//!
//! By default (CI) it exercises itself and exits: a signed-in person opens
//! `/threads/oauth/start`, is sent to Meta's consent dialog with a signed
//! state bound to their browser session, consents, comes back to
//! `/threads/oauth/callback` and sees the connected page; the account is
//! stored with its sealed token, granted scopes and the persona learned from
//! its posts. Coming back with the same link again is refused, and so is a
//! callback from another browser. The Threads emulator in-process plays Meta
//! and its consent dialog; SQLite in a temporary directory.
//!
//! With `--serve` it prints its URLs and serves until Ctrl-C: open the
//! start URL in a browser (the emulator's dialog consents at once).
//!
//! ```text
//! cargo run -p threads-examples --example oauth_connect
//! cargo run -p threads-examples --example oauth_connect -- --serve
//! ```
//!
//! With `--serve` and `THREADS_APP_ID`, `THREADS_APP_SECRET`,
//! `THREADS_REDIRECT_URI` and `THREADS_SEALING_KEY` (a key spec
//! `*id:<32 bytes base64>`) set, it connects real Threads accounts through
//! Meta's consent dialog: `THREADS_REDIRECT_URI` must be this server's
//! `/threads/oauth/callback` as Meta reaches it (HTTPS, registered in the app
//! dashboard). `EXAMPLE_ADDR` sets the listen address (default
//! 127.0.0.1:8080) and `THREADS_EXAMPLE_DB` the SQLite file the accounts
//! are kept in.

#[path = "support/meta.rs"]
mod meta;
#[path = "support/real.rs"]
mod real;

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use content_pipeline::{Actor, Pipeline, Role};
use store_traits::SystemClock;
use token_crypto::{KeyId, KeyMaterial, Keyring};

#[tokio::main]
async fn main() -> Result<()> {
    let serve = std::env::args().any(|a| a == "--serve");
    let real_api = if serve {
        real::RealApi::from_env()?
    } else {
        None
    };
    let real = real_api.is_some();
    let addr = std::env::var("EXAMPLE_ADDR").unwrap_or_else(|_| {
        if serve {
            "127.0.0.1:8080"
        } else {
            "127.0.0.1:0"
        }
        .to_owned()
    });
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listen on {addr}"))?;
    let origin = format!("http://{}", listener.local_addr()?);
    let base = format!("{origin}/threads");
    let start_url = format!("{base}{}", threads_axum::paths::OAUTH_START);

    // Meta: the emulator (its app's redirect URI is this server's callback),
    // or the real API with the app's credentials.
    let (emulator, network, callback_url) = if let Some(api) = &real_api {
        (None, api.threads()?, env("THREADS_REDIRECT_URI")?)
    } else {
        let callback = format!("{base}{}", threads_axum::paths::OAUTH_CALLBACK);
        let meta = meta::Meta::start(meta::AppSetup::redirecting_to(&callback)).await?;
        meta.account_owner(
            "ana_bakes",
            1_500,
            &[
                "small batch sourdough today, the crumb is open",
                "tip: weigh your water, not your patience",
                "rye loves a long cold proof. trust the fridge",
            ],
        )?;
        let network = meta.threads()?;
        (Some(meta), network, callback)
    };
    let keyring = if let Some(api) = &real_api {
        api.keyring()?
    } else {
        Keyring::new(KeyId::new("demo")?, KeyMaterial::generate()?)
    };
    let dir = tempfile::tempdir()?;
    let db = std::env::var("THREADS_EXAMPLE_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("accounts.db"));
    let store = store_sqlite::SqliteStore::open(&db, Arc::new(SystemClock)).await?;
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(network))
        .keyring(Arc::new(keyring))
        .oauth_state_key(KeyMaterial::generate()?)
        .build()?;

    // Where people reach the router: behind a real deployment's HTTPS proxy
    // that is the redirect URI without its callback path (so the session
    // cookie is `Secure`).
    let public_base = callback_url
        .strip_suffix(threads_axum::paths::OAUTH_CALLBACK)
        .unwrap_or(&base)
        .to_owned();
    // The host's app. Its login is a stand-in here: every request is made
    // by "ana", the owner; a real host reads its own session.
    let threads = threads_axum::ThreadsRouter::builder(pipeline.clone())
        .public_base_url(&public_base)
        .actor_resolver(|_: &axum::http::request::Parts| Some(Actor::person("ana", Role::Owner)))
        .only([threads_axum::Group::OAuth, threads_axum::Group::Health])
        .build()?;
    let home = format!(
        "<!doctype html><title>Host app</title><p><a href=\"{start_url}?return_to=/\">Connect a Threads account</a></p>"
    );
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let page = home.clone();
                async move { axum::response::Html(page) }
            }),
        )
        .nest("/threads", threads);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    println!(
        "OAuth connect for {}",
        if real {
            "Meta's Threads API"
        } else {
            "the local Threads emulator"
        }
    );
    println!("  host home page:  {origin}/");
    println!("  start a connection: {start_url}");
    println!("  OAuth redirect URI (register it with the app): {callback_url}");
    if serve {
        if let Some(meta) = &emulator {
            println!(
                "  Meta's consent dialog: the emulator at {} (consents as @ana_bakes at once)",
                meta.base_url()
            );
        }
        println!("serving; Ctrl-C to stop");
        tokio::signal::ctrl_c().await?;
    } else if let Some(meta) = &emulator {
        exercise(meta, &pipeline, &start_url).await?;
    }

    server.abort();
    if let Some(meta) = emulator {
        meta.stop().await;
    }
    Ok(())
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

/// A browser without a cookie jar: redirects are followed by hand and the
/// session cookie is carried explicitly.
struct Browser {
    http: reqwest::Client,
    cookie: Option<String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            cookie: None,
        })
    }

    async fn get(&mut self, url: &str) -> Result<Page> {
        let mut request = self.http.get(url);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await?;
        if let Some(set) = answer.headers().get("set-cookie") {
            let pair = set.to_str()?.split(';').next().unwrap_or_default();
            self.cookie = Some(pair.to_owned());
        }
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().map(str::to_owned))
            .transpose()?;
        Ok(Page {
            status: answer.status().as_u16(),
            location,
            body: answer.text().await?,
        })
    }
}

/// The self-check run by default.
async fn exercise(meta: &meta::Meta, pipeline: &Pipeline, start_url: &str) -> Result<()> {
    // 1. The person clicks "connect": a session cookie, and off to Meta.
    let mut browser = Browser::new()?;
    let start = browser.get(&format!("{start_url}?return_to=/")).await?;
    let consent_url = start.location.clone().context("no redirect to Meta")?;
    println!(
        "1. GET /threads/oauth/start → {} to Meta's consent dialog ({}…), session cookie set: {}",
        start.status,
        consent_url.chars().take(48).collect::<String>(),
        browser.cookie.is_some()
    );
    if start.status != 303 || !consent_url.starts_with(meta.base_url()) || browser.cookie.is_none()
    {
        bail!("the start route did not send the person to Meta");
    }

    // 2. Meta's dialog: the person consents; Meta sends them back with a code.
    let consent = browser.get(&consent_url).await?;
    let callback = consent.location.context("the dialog did not redirect")?;
    let path = callback.split('?').next().unwrap_or_default().to_owned();
    println!(
        "2. consent → {} back to {path} with a code and the state",
        consent.status
    );

    // 3. The callback finishes the connection and says so.
    let done = browser.get(&callback).await?;
    let connected_page = done.body.contains("is connected");
    println!(
        "3. GET /threads/oauth/callback → {}: {}",
        done.status,
        if connected_page {
            "\"@ana_bakes is connected\" page"
        } else {
            "unexpected page"
        }
    );
    if done.status != 200 || !connected_page {
        bail!("the callback did not connect the account: {}", done.status);
    }

    // 4. What the host now has: the account, its sealed token, its persona.
    let accounts = pipeline
        .store()
        .find_accounts_by_username("ana_bakes")
        .await?;
    let account = accounts.first().context("no account was stored")?;
    let token = pipeline
        .store()
        .token_metadata(account.id)
        .await?
        .context("no token")?;
    let persona = pipeline.persona(account.id).await?.context("no persona")?;
    println!(
        "4. account @{} {} (connected by ana, owner): token {} sealed with key {}, expires {}; {} scopes granted; persona learned from {} posts",
        account.username,
        account.status,
        token.kind,
        token.key_id,
        token.expires_at.format("%Y-%m-%d"),
        account.granted_scopes.len(),
        persona.style.as_ref().map_or(0, |s| s.posts)
    );
    if accounts.len() != 1 || account.granted_scopes.is_empty() {
        bail!("the account record is incomplete");
    }
    let audit: Vec<String> = pipeline
        .store()
        .list_audit(&store_traits::AuditQuery {
            account_id: Some(account.id),
            ..store_traits::AuditQuery::default()
        })
        .await?
        .into_iter()
        .map(|e| format!("{} ({})", e.action, e.actor))
        .collect();
    println!("   audit: {}", audit.join(", "));

    // 5. The same link again: refused before any call to Meta.
    let replay = browser.get(&callback).await?;
    println!(
        "5. the same callback again → {} ({})",
        replay.status,
        if replay.body.contains("already used") {
            "\"This login was already used\""
        } else {
            "?"
        }
    );
    if replay.status != 400 {
        bail!("a replayed callback was not refused");
    }

    // 6. A callback arriving in another browser (no session): refused.
    let mut other = Browser::new()?;
    let second = browser.get(&format!("{start_url}?return_to=/")).await?;
    let elsewhere = browser
        .get(&second.location.context("no redirect")?)
        .await?
        .location
        .context("no callback")?;
    let stolen = other.get(&elsewhere).await?;
    println!(
        "6. a fresh callback opened in another browser → {}",
        stolen.status
    );
    if stolen.status == 200 {
        bail!("a callback from another browser session connected the account");
    }
    Ok(())
}
