//! A webhook server for Threads: the `threads-axum` router nested in a
//! minimal axum app, with a worker next to it that handles what arrives.
//!
//! By default (CI) it exercises itself and exits: Meta's subscription
//! handshake (a right and a wrong verify token), a connected account with a
//! post, Meta subscribing the app, a reply delivered signed with
//! `X-Hub-Signature-256` (delivered twice: recorded once), the same body
//! with a broken signature and without one (refused, nothing recorded), and
//! the worker drafting an answer for a person to approve. The Threads
//! emulator in-process plays Meta; SQLite in a temporary directory.
//!
//! With `--serve` it prints its URLs and serves until Ctrl-C.
//!
//! ```text
//! cargo run -p threads-examples --example webhook_server
//! cargo run -p threads-examples --example webhook_server -- --serve
//! ```
//!
//! With `--serve` and `THREADS_APP_ID`, `THREADS_APP_SECRET`,
//! `THREADS_REDIRECT_URI`, `THREADS_WEBHOOK_VERIFY_TOKEN` and
//! `THREADS_SEALING_KEY` (a key spec `*id:<32 bytes base64>`) set, it serves
//! Meta's real webhooks instead of the emulator's: put it behind HTTPS and
//! give Meta `<public URL>/threads/webhooks` and the same verify token.
//! `EXAMPLE_ADDR` sets the listen address (default 127.0.0.1:8080) and
//! `THREADS_EXAMPLE_DB` the SQLite file (accounts connected with the
//! `oauth_connect` example in the same file are matched).

#[path = "support/meta.rs"]
mod meta;
#[path = "support/real.rs"]
mod real;
#[path = "support/worker.rs"]
mod worker;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use content_pipeline::{Actor, ConnectRequest, NewDraft, Pipeline, Role, When};
use secrecy::SecretString;
use store_traits::{DraftFilter, DraftKind, DraftState, SystemClock};
use token_crypto::webhook::WebhookVerifier;
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// The verify token of the emulated subscription (Meta's dashboard takes
/// the one of `THREADS_WEBHOOK_VERIFY_TOKEN`).
const DEMO_VERIFY_TOKEN: &str = "webhook-server-example-token";

/// Where Meta is: the emulator, or the real API with the app's credentials.
enum Backend {
    Emulated(meta::Meta),
    Real(real::RealApi),
}

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
    let webhook_url = format!("{base}{}", threads_axum::paths::WEBHOOKS);

    let backend = if let Some(api) = real_api {
        Backend::Real(api)
    } else {
        Backend::Emulated(
            meta::Meta::start(meta::AppSetup::redirecting_to(format!(
                "{base}{}",
                threads_axum::paths::OAUTH_CALLBACK
            )))
            .await?,
        )
    };
    let verify_token = if real {
        SecretString::from(env("THREADS_WEBHOOK_VERIFY_TOKEN")?)
    } else {
        SecretString::from(DEMO_VERIFY_TOKEN.to_owned())
    };
    let keyring = match &backend {
        Backend::Real(api) => api.keyring()?,
        Backend::Emulated(_) => Keyring::new(KeyId::new("demo")?, KeyMaterial::generate()?),
    };
    let dir = tempfile::tempdir()?;
    let db = std::env::var("THREADS_EXAMPLE_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("webhooks.db"));
    let store = store_sqlite::SqliteStore::open(&db, Arc::new(SystemClock)).await?;

    let (network, app_secret) = match &backend {
        Backend::Emulated(meta) => (meta.threads()?, meta.app_secret()),
        Backend::Real(api) => (api.threads()?, api.app_secret()),
    };
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(network))
        .keyring(Arc::new(keyring))
        .oauth_state_key(KeyMaterial::generate()?)
        .webhook_verifier(WebhookVerifier::new(app_secret))
        .build()?;

    // The host's app: its own routes, Threads' under /threads.
    let threads = threads_axum::ThreadsRouter::builder(pipeline.clone())
        .webhook_verify_token(verify_token.clone())
        .only([threads_axum::Group::Webhooks, threads_axum::Group::Health])
        .build()?;
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(|| async { "a host app with Threads webhooks under /threads\n" }),
        )
        .nest("/threads", threads);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // The worker handles what the webhook route records.
    let worker = worker::start_worker(&pipeline, "webhook-worker");

    println!(
        "webhook server for {}",
        if real {
            "Meta's Threads API"
        } else {
            "the local Threads emulator"
        }
    );
    println!("  webhook callback URL: {webhook_url} (GET: handshake, POST: deliveries)");
    println!(
        "  health: {base}{} and {base}{}",
        threads_axum::paths::HEALTHZ,
        threads_axum::paths::READYZ
    );
    if serve {
        match &backend {
            Backend::Emulated(meta) => println!(
                "  verify token: {DEMO_VERIFY_TOKEN} (demo); the emulator runs at {}",
                meta.base_url()
            ),
            Backend::Real(_) => {
                println!("  verify token: the value of THREADS_WEBHOOK_VERIFY_TOKEN");
            }
        }
        println!("serving; Ctrl-C to stop");
        tokio::signal::ctrl_c().await?;
    } else if let Backend::Emulated(meta) = &backend {
        exercise(meta, &pipeline, &webhook_url).await?;
    }

    let report = worker.stop().await?;
    server.abort();
    if let Backend::Emulated(meta) = backend {
        meta.stop().await;
    }
    println!("worker stopped after {} job runs", report.runs);
    Ok(())
}

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

/// The self-check run by default: every way a request reaches the route.
async fn exercise(meta: &meta::Meta, pipeline: &Pipeline, webhook_url: &str) -> Result<()> {
    let http = reqwest::Client::new();

    // 1. Meta's handshake, by hand: the right token echoes the challenge.
    let handshake = |token: &'static str| {
        http.get(webhook_url)
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let good = handshake(DEMO_VERIFY_TOKEN).await?;
    let (good_status, echoed) = (good.status().as_u16(), good.text().await?);
    let bad = handshake("not-the-token").await?.status().as_u16();
    println!("1. handshake: right token → {good_status} {echoed:?}; wrong token → {bad}");
    if good_status != 200 || echoed != "1158201444" || bad != 403 {
        bail!("the handshake does not behave");
    }

    // 2. An account, connected, with one post people can reply to.
    let owner = Actor::person("olga", Role::Owner);
    meta.account_owner(
        "olga_ovens",
        1_200,
        &["first loaf of the year", "rye, always rye"],
    )?;
    let start = pipeline
        .start_connect(ConnectRequest::new("session-olga").by(&owner))
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let account = pipeline
        .finish_connect(&callback, "session-olga")
        .await?
        .account;
    let draft = pipeline
        .create_draft(
            NewDraft::post(
                account.id,
                "Rye sourdough, day two: the crumb set overnight.",
            ),
            &owner,
        )
        .await?
        .draft;
    pipeline.approve(draft.id, &owner).await?;
    pipeline.schedule(draft.id, When::Now, &owner).await?;
    let post = wait(|| async {
        let d = pipeline.draft(draft.id).await?;
        Ok(d.state.is_terminal().then_some(d))
    })
    .await
    .context("the post was not published")?;
    let post_id = post.provider.media_id.clone().context("not published")?;
    println!(
        "2. @{} connected; post {post_id} published by the worker",
        account.username
    );

    // 3. Meta subscribes the app (it runs the handshake itself first).
    meta.subscribe(webhook_url, DEMO_VERIFY_TOKEN, &["replies"])
        .await?;
    println!("3. Meta verified the endpoint and subscribed it to `replies`");

    // 4. A reply, delivered twice (Meta retries): recorded once.
    let fan = meta.someone("crumb_curious")?;
    meta.admin().duplicate_webhooks(1, 0.0);
    let reply = meta.reply(&fan, &post_id, "How long did the rye rest before slicing?")?;
    let report = meta.deliver_webhooks().await;
    let records = meta.admin().webhook_deliveries();
    let delivery = records.last().context("no delivery was made")?;
    println!(
        "4. Meta delivered the reply {} time(s), signed `{}…`: HTTP {}",
        records.len(),
        delivery.signature.chars().take(19).collect::<String>(),
        delivery
            .status
            .map_or_else(|| "-".into(), |s| s.to_string())
    );
    if report.delivered != 1 || records.iter().any(|r| r.status != Some(200)) {
        bail!("the signed delivery was not accepted: {report:?}");
    }
    let inbox = pipeline
        .store()
        .list_inbox_entries(account.id, None)
        .await?;
    println!("   inbox entries for the reply: {}", inbox.len());
    if inbox.len() != 1 {
        bail!("the reply was recorded {} times", inbox.len());
    }

    // 5. The same body with a broken signature, and without one: refused.
    let mut tampered = delivery.signature.clone();
    tampered.pop();
    tampered.push(if delivery.signature.ends_with('0') {
        '1'
    } else {
        '0'
    });
    let forged = http
        .post(webhook_url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", tampered)
        .body(delivery.body.clone())
        .send()
        .await?
        .status()
        .as_u16();
    let unsigned = http
        .post(webhook_url)
        .header("content-type", "application/json")
        .body(delivery.body.clone())
        .send()
        .await?
        .status()
        .as_u16();
    println!("5. same body, wrong signature → {forged}; no signature → {unsigned}");
    if forged != 401 || unsigned != 401 {
        bail!("an unsigned or forged delivery was not refused");
    }

    // 6. The worker triaged the reply and drafted an answer for a person.
    let answer = wait(|| async {
        let drafts = pipeline
            .store()
            .list_drafts(&DraftFilter::account(account.id))
            .await?;
        Ok(drafts
            .into_iter()
            .find(|d| d.kind == DraftKind::Reply && d.reply_to_id.as_deref() == Some(&reply)))
    })
    .await
    .context("no answer was drafted")?;
    println!(
        "6. the worker drafted an answer, {}: {:?}",
        answer.state, answer.text
    );
    if answer.state != DraftState::PendingApproval {
        bail!(
            "the answer should wait for a person, it is {}",
            answer.state
        );
    }
    Ok(())
}

/// Polls `check` every 50 ms for up to 20 s.
async fn wait<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    for _ in 0..400 {
        match check().await {
            Ok(Some(found)) => return Some(found),
            Ok(None) => {}
            Err(e) => {
                eprintln!("while waiting: {e:#}");
                return None;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}
