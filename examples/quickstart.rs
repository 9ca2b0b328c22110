//! The whole loop in one run: connect an account with OAuth, learn its voice
//! from its past posts, draft a post from a source, approve, schedule and
//! publish it, receive a reply by webhook (through the `threads-axum` router
//! nested in a small app), answer it in the account's voice after a person
//! approves the answer, and print a summary with permalinks.
//!
//! Everything runs on this machine: the Threads emulator in-process plays Meta
//! (and the person who replies), SQLite in a temporary directory, the offline
//! model. No keys, no network, a few seconds.
//!
//! ```text
//! cargo run -p threads-examples --example quickstart
//! ```
//!
//! With `THREADS_APP_ID`, `THREADS_APP_SECRET` and `THREADS_REDIRECT_URI`
//! set it runs the same loop on a real account: the person consents in a
//! browser (the example prints the address and, for a redirect URI on
//! `http://127.0.0.1:PORT/...`, catches the callback itself). Posting is
//! opt-in with `THREADS_EXAMPLE_PUBLISH=1`; replies come by polling instead
//! of webhooks (Meta's webhooks need a public HTTPS address, see the
//! `webhook_server` example), watched for `THREADS_EXAMPLE_WAIT_SECS`
//! seconds after the post is out. Optional: `THREADS_SEALING_KEY`,
//! `THREADS_EXAMPLE_DB`, `THREADS_GRAPH_URL`, `THREADS_AUTHORIZE_URL`.
//!
//! ```text
//! THREADS_APP_ID=... THREADS_APP_SECRET=... \
//!   THREADS_REDIRECT_URI=http://127.0.0.1:8080/callback \
//!   THREADS_EXAMPLE_PUBLISH=1 THREADS_EXAMPLE_WAIT_SECS=600 \
//!   cargo run -p threads-examples --example quickstart
//! ```

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use content_pipeline::{Actor, ConnectRequest, Pipeline, PipelineConfig, Role, When};
use store_traits::{DraftFilter, DraftKind, DraftState, SystemClock};
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// Meta's side, the person's browser and the fan who replies, played by the
/// local emulator.
#[path = "support/meta.rs"]
mod meta;
/// Meta itself, when `THREADS_*` variables are set.
#[path = "support/real.rs"]
mod real;
/// The background worker.
#[path = "support/worker.rs"]
mod worker;

const REDIRECT: &str = "https://quickstart.example/threads/oauth/callback";
const VERIFY_TOKEN: &str = "quickstart-verify-token";

#[tokio::main]
async fn main() -> Result<()> {
    if let Some(real) = real::RealApi::from_env()? {
        return on_threads(real).await;
    }
    let meta = meta::Meta::start(meta::AppSetup::redirecting_to(REDIRECT)).await?;
    // The account owner, with past posts to learn the voice from, and a fan.
    meta.account_owner(
        "ana_bakes",
        500,
        &[
            "small batch sourdough today, the crumb is open",
            "tip: weigh your water, not your patience",
            "rye loves a long cold proof. trust the fridge",
        ],
    )?;
    let fan = meta.someone("crumb_curious")?;
    let dir = tempfile::tempdir()?;

    // The product: one pipeline on SQLite, a language model and Threads.
    let store =
        store_sqlite::SqliteStore::open(dir.path().join("quickstart.db"), Arc::new(SystemClock))
            .await?;
    let mut config = PipelineConfig::default();
    // Answers go out right after approval instead of after a human-like pause.
    config.conversations.reply_delay_min = chrono::TimeDelta::zero();
    config.conversations.reply_delay_max = chrono::TimeDelta::zero();
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(meta.threads()?))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("2026-12")?,
            KeyMaterial::generate()?,
        )))
        .oauth_state_key(KeyMaterial::generate()?)
        .webhook_verifier(meta.webhook_verifier())
        .config(config)
        .build()?;

    // The host's web app, with everything Threads needs nested under /threads.
    let threads = threads_axum::ThreadsRouter::builder(pipeline.clone())
        .webhook_verify_token(VERIFY_TOKEN.to_owned().into())
        .only([threads_axum::Group::Webhooks, threads_axum::Group::Health])
        .build()?;
    let app = axum::Router::new().nest("/threads", threads);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/threads", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // A worker does the publishing and the answering, in the background.
    let worker = worker::start_worker(&pipeline, "worker-1");

    // 1. Connect with OAuth; the persona is learned from the past posts.
    let start = pipeline
        .start_connect(ConnectRequest::new("session-1"))
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let connected = pipeline.finish_connect(&callback, "session-1").await?;
    let account = connected.account.id;
    say_connected(&connected);

    // 2. A source becomes a draft in that voice; 3-5. approved, scheduled
    //    now, published by the worker.
    let ana = Actor::person("ana", Role::Owner);
    let drafted = draft_from_source(&pipeline, account, &ana).await?;
    pipeline.approve(drafted.id, &ana).await?;
    let post = publish_now(&pipeline, drafted.id, &ana, "3-5.", "the post").await?;
    let post_id = post.provider.media_id.clone().context("no media id")?;

    // 6. Someone replies; Meta calls our webhook; the worker drafts an answer.
    meta.subscribe(&format!("{base}/webhooks"), VERIFY_TOKEN, &["replies"])
        .await?;
    let reply = meta.reply(&fan, &post_id, "How long do you autolyse a rye dough?")?;
    meta.deliver_webhooks().await;
    let answer = loop_until(|| pending_answer(&pipeline, account))
        .await
        .context("no answer was drafted for the reply")?;
    println!(
        "6. reply {reply} arrived by webhook; answer drafted: {:?}",
        answer.text
    );

    // 7. A person approves the answer; the worker publishes it under the reply.
    pipeline.approve(answer.id, &ana).await?;
    publish_now(&pipeline, answer.id, &ana, "7.", "the answer").await?;
    let on_threads = meta.answers_to(&reply);
    if on_threads != 1 {
        bail!("expected one answer under the reply on Threads, found {on_threads}");
    }

    worker.stop().await?;
    server.abort();
    meta.stop().await;
    println!(
        "summary: @{} posted {} and answered {} once",
        connected.account.username,
        show(&post.provider.permalink),
        reply
    );
    Ok(())
}

/// The same loop on a real account: replies arrive by polling, and
/// posting needs `THREADS_EXAMPLE_PUBLISH=1`.
async fn on_threads(real: real::RealApi) -> Result<()> {
    println!("quickstart on {}", real.describe());
    let mut config = PipelineConfig::default();
    config.conversations.reply_delay_min = chrono::TimeDelta::zero();
    config.conversations.reply_delay_max = chrono::TimeDelta::zero();
    let pipeline = real
        .pipeline("quickstart.db")
        .await?
        .config(config)
        .build()?;
    let worker = worker::start_worker(&pipeline, "worker-1");

    // 1. Connect: the person consents in a browser.
    let connected = real
        .connect(&pipeline, ConnectRequest::new("session-1"))
        .await?;
    let account = connected.account.id;
    say_connected(&connected);

    // 2. A source becomes a draft in that voice; 3. a person approves it.
    let ana = Actor::person("ana", Role::Owner);
    let drafted = draft_from_source(&pipeline, account, &ana).await?;
    pipeline.approve(drafted.id, &ana).await?;
    if !real.may_publish() {
        println!("3. approved by {ana}; not posted (THREADS_EXAMPLE_PUBLISH=1 posts it)");
        worker.stop().await?;
        return Ok(());
    }
    // 4. Scheduled now; 5. the worker publishes it.
    let post = publish_now(&pipeline, drafted.id, &ana, "3-5.", "the post").await?;

    // 6. Replies, by polling; the first one gets an answer a person approves.
    let wait = real.reply_wait();
    if wait.is_zero() {
        println!("6. not watching for replies (THREADS_EXAMPLE_WAIT_SECS=600 watches ten minutes)");
        worker.stop().await?;
        return Ok(());
    }
    println!("6. watching the post for replies for {} s", wait.as_secs());
    let deadline = tokio::time::Instant::now() + wait;
    let answer = loop {
        pipeline.poll_now(account).await?;
        if let Some(answer) = pending_answer(&pipeline, account).await? {
            break Some(answer);
        }
        if tokio::time::Instant::now() >= deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let Some(answer) = answer else {
        println!("   no reply within {} s", wait.as_secs());
        worker.stop().await?;
        return Ok(());
    };
    println!("   a reply arrived; answer drafted: {:?}", answer.text);

    // 7. A person approves the answer; the worker publishes it under the reply.
    pipeline.approve(answer.id, &ana).await?;
    let answered = publish_now(&pipeline, answer.id, &ana, "7.", "the answer").await;
    worker.stop().await?;
    println!(
        "summary: @{} posted {} and answered a reply with {}",
        connected.account.username,
        show(&post.provider.permalink),
        show(&answered?.provider.permalink)
    );
    Ok(())
}

fn say_connected(connected: &content_pipeline::Connected) {
    println!(
        "1. connected @{} (token sealed until {}); voice learned from {} past posts",
        connected.account.username,
        connected.token_expires_at.format("%Y-%m-%d"),
        connected.posts_synced
    );
}

/// Step 2: a source becomes a draft in the account's voice.
async fn draft_from_source(
    pipeline: &Pipeline,
    account: store_traits::AccountId,
    actor: &Actor,
) -> Result<store_traits::Draft> {
    let source = pipeline
        .add_text_source(
            account,
            "Autolyse: mix only flour and water and let it rest 30 to 60 minutes \
             before adding starter and salt. The flour hydrates fully, gluten starts \
             forming on its own, and the dough needs less kneading.",
            actor,
        )
        .await?;
    let drafted = pipeline.remix_source(source.id, None, actor).await?.draft;
    println!("2. drafted from a source: {:?}", drafted.text);
    Ok(drafted)
}

/// Schedules an approved draft now and waits (up to two minutes) for the
/// worker to publish it.
async fn publish_now(
    pipeline: &Pipeline,
    draft: store_traits::DraftId,
    actor: &Actor,
    step: &str,
    what: &str,
) -> Result<store_traits::Draft> {
    pipeline.schedule(draft, When::Now, actor).await?;
    let done = worker::wait_for_draft(pipeline, draft, Duration::from_secs(120)).await?;
    println!(
        "{step} {what} approved by {actor}, scheduled, {}: {}",
        done.state,
        show(&done.provider.permalink)
    );
    if done.state != DraftState::Published {
        bail!(
            "{what} was not published: {}",
            done.last_error.clone().unwrap_or_default()
        );
    }
    Ok(done)
}

/// The answer waiting for a person, once one was drafted.
async fn pending_answer(
    pipeline: &Pipeline,
    account: store_traits::AccountId,
) -> Result<Option<store_traits::Draft>> {
    let pending = pipeline
        .store()
        .list_drafts(&DraftFilter {
            states: vec![DraftState::PendingApproval],
            ..DraftFilter::account(account)
        })
        .await?;
    Ok(pending.into_iter().find(|d| d.kind == DraftKind::Reply))
}

fn show(id: &Option<String>) -> String {
    id.clone().unwrap_or_else(|| "-".into())
}

async fn loop_until<T, F, Fut>(mut check: F) -> Option<T>
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
