//! A media publisher: a product that posts pictures to Threads for its users,
//! with the records it needs to answer for what happened.
//!
//! * connect an account; the Meta connection record shows the scopes asked
//!   for against those granted and the token's metadata (kind, sealing key,
//!   issue and expiry times), never the token;
//! * upload pictures to local-directory media storage (`threads-media`),
//!   served to Meta by the `threads-axum` router's media route;
//! * preflight: one picture passes, one breaks a rule of Meta's media
//!   specification, printed with the rule, the measured value and the limit;
//! * URL-based publishing through the pipeline: Meta fetches the picture
//!   from its public URL (the emulator downloads and checks it like Meta);
//! * publish history with error details: a post refused by the preflight
//!   before any container was made, and one that Meta's media processing
//!   failed three times (the emulator's fault injection plays Meta);
//! * Meta's data-deletion callback, with a real `signed_request`, through the
//!   router: the account, its token and its media deleted, and the deletion
//!   record and status page it leaves; a forged request refused.
//!
//! Offline and in seconds: the Threads emulator in-process, SQLite and the
//! media directory in a temporary directory, the offline model, a manual
//! clock. The pictures are generated in code.
//!
//! ```text
//! cargo run -p threads-examples --example media_publisher
//! ```
//!
//! With `THREADS_APP_ID`, `THREADS_APP_SECRET` and `THREADS_REDIRECT_URI`
//! set it runs on a real account (the person consents in a browser): the
//! connection record, uploads and preflight as above. Publishing needs
//! `THREADS_EXAMPLE_PUBLISH=1` and a media store Meta can reach:
//! `THREADS_MEDIA_BACKEND`, `THREADS_MEDIA_DIR`, `THREADS_MEDIA_PUBLIC_URL`
//! (or S3/R2, see `threads-media`). For a local directory the example serves
//! it with the router's media route on `EXAMPLE_ADDR` (default
//! 127.0.0.1:8080), which must be what `THREADS_MEDIA_PUBLIC_URL` reaches
//! over HTTPS, under `/threads/media/`. Meta's data-deletion callback is the
//! router's `/threads/meta/data-deletion` route on the same server, to be
//! registered in the app dashboard. Optional: `THREADS_SEALING_KEY`,
//! `THREADS_EXAMPLE_DB`, `THREADS_GRAPH_URL`, `THREADS_AUTHORIZE_URL`.

#[path = "support/meta.rs"]
mod meta;
/// Meta itself, when `THREADS_*` variables are set.
#[path = "support/real.rs"]
mod real;

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, TimeZone, Utc};
use content_pipeline::{
    Actor, ConnectRequest, NewDraft, Pipeline, PipelineConfig, Role, When, Worker, WorkerConfig,
};
use store_traits::{
    AccountId, AuditQuery, DeletionOrigin, DeletionStatus, DraftFilter, DraftState, ManualClock,
    PublishFilter,
};
use threads_emulator::{Endpoint, FaultAction, FaultRule, MediaFetch, Operation};
use threads_media::{Cleanup, MediaFacts, MediaStoreBuilder, PipelineMedia};
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// The scopes the product asks for: publishing, replies, insights, deleting.
const REQUESTED: [&str; 5] = [
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_delete",
];
/// What the person grants on the consent dialog (not insights, not deleting).
const GRANTED: [&str; 3] = [
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
];

#[tokio::main]
async fn main() -> Result<()> {
    if let Some(real) = real::RealApi::from_env()? {
        return on_threads(real).await;
    }
    let started = std::time::Instant::now();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 4, 13, 9, 0, 0)
            .single()
            .context("a valid time")?,
    ));
    let dir = tempfile::tempdir()?;

    // The host's app listens first: the media URLs and Meta's callbacks name it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/threads", listener.local_addr()?);
    let url = |path: &str| format!("{base}{path}");
    let meta = meta::Meta::start(
        meta::AppSetup::redirecting_to(url(threads_axum::paths::OAUTH_CALLBACK))
            .on_clock(clock.clone())
            .callbacks(
                url(threads_axum::paths::DATA_DELETION),
                url(threads_axum::paths::DEAUTHORIZE),
            ),
    )
    .await?;
    // Meta downloads and checks every picture when a container is created.
    meta.admin().set_media_fetch(MediaFetch::Fetch);

    // Media in a local directory, served by the router under /threads/media/.
    let media = MediaStoreBuilder::local(
        dir.path().join("media"),
        url(&format!("{}/", threads_axum::paths::MEDIA)),
    )
    .cleanup(Cleanup::Keep)
    .build()?;
    let gate = Arc::new(PipelineMedia::new(media.clone())?);
    let store = store_sqlite::SqliteStore::open(dir.path().join("media.db"), clock.clone()).await?;
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(meta.threads()?))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("2026-04")?,
            KeyMaterial::generate()?,
        )))
        .oauth_state_key(KeyMaterial::generate()?)
        .media(gate.clone())
        .meta_app_secrets([meta.app_secret()])
        .deletion_status_url(url(threads_axum::paths::DELETION_STATUS))
        .manual_clock(clock.clone())
        .config(PipelineConfig::default())
        .build()?;
    let server = serve(&pipeline, &media, listener, Some(&base))?;
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("media-worker"));
    let pia = Actor::person("pia", Role::Owner);

    // 1. Connect, asking for five scopes; the person grants three.
    let owner = meta.account_owner_granting(
        "pia_pictures",
        900,
        &["golden hour over the harbour", "film grain, no filter"],
        Some(&GRANTED),
    )?;
    let start = pipeline
        .start_connect(
            ConnectRequest::new("session-pia")
                .by(&pia)
                .scopes(REQUESTED),
        )
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let connected = pipeline.finish_connect(&callback, "session-pia").await?;
    let account = connected.account.id;
    let record = connection_record(&pipeline, account).await?;
    let mut missing: Vec<&str> = record.missing_scopes();
    missing.sort_unstable();
    if missing != ["threads_delete", "threads_manage_insights"] {
        bail!("expected insights and delete to be declined, got {missing:?}");
    }

    // 2. Upload two pictures to the media store.
    let harbour = gate.put(account, png(640, 480)).await?;
    let banner = gate.put(account, png(200, 300)).await?;
    println!("2. uploaded to {}:", media.backend());
    for (name, stored) in [("harbour", &harbour), ("banner", &banner)] {
        println!(
            "   {name}: {} ({}, {} bytes) at {}",
            stored.key,
            stored.content_type(),
            stored.size,
            stored.url.url
        );
    }

    // 3. Preflight against Meta's media rules (headers only, nothing decoded).
    match media.preflight(&harbour.key).await? {
        MediaFacts::Image(f) => println!(
            "3. preflight harbour: passes ({} × {} px, {} of {} bytes read)",
            f.width, f.height, f.bytes_read, f.file_size
        ),
        MediaFacts::Video(_) => bail!("the harbour picture was read as a video"),
    }
    let refusal = match media.preflight(&banner.key).await {
        Ok(_) => bail!("a 200 px wide picture passed the preflight"),
        Err(e) => e,
    };
    let rule = refusal
        .preflight()
        .context("the refusal is not a media rule")?;
    println!(
        "   preflight banner: refused, rule {}: measured {}, allowed {}",
        rule.rule.name(),
        rule.measured,
        rule.limit
    );
    if rule.rule.name() != "image.width" {
        bail!("refused for {} instead of the width", rule.rule.name());
    }

    // 4. Publish by URL: Meta fetches the picture from the media route.
    let containers_before_post = containers_created(&meta);
    let live = post_with(
        &pipeline,
        &worker,
        account,
        &pia,
        "Golden hour over the harbour, straight from the camera.",
        &harbour,
    )
    .await?;
    if live.state != DraftState::Published {
        bail!(
            "the harbour post is {}: {}",
            live.state,
            live.last_error.clone().unwrap_or_default()
        );
    }
    println!(
        "4. harbour post published from {}: container {}, post {}, {}",
        harbour.url.url,
        show(&live.provider.container_id),
        show(&live.provider.media_id),
        show(&live.provider.permalink)
    );
    if containers_created(&meta) <= containers_before_post {
        bail!("Meta did not create a container for the picture");
    }

    // 5. The banner: refused by the pipeline's preflight before any container.
    let containers_before = containers_created(&meta);
    let refused = post_with(
        &pipeline,
        &worker,
        account,
        &pia,
        "New banner for the shop.",
        &banner,
    )
    .await?;
    println!(
        "5. banner post {}: {}",
        refused.state,
        refused.last_error.clone().unwrap_or_default()
    );
    if refused.state != DraftState::Failed || containers_created(&meta) != containers_before {
        bail!("the banner was not refused before Meta saw it");
    }

    // 6. A Meta-side media error: Meta's processing fails the picture three times.
    meta.admin().add_fault(
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::ContainerError {
                error_message: "UNKNOWN".into(),
            },
        )
        .times(3)
        .labelled("meta-media-processing"),
    );
    let second = gate.put(account, png(720, 720)).await?;
    let failed = post_with(
        &pipeline,
        &worker,
        account,
        &pia,
        "Square crop of the same harbour.",
        &second,
    )
    .await?;
    println!(
        "6. square post {} after Meta failed its media: {}",
        failed.state,
        failed.last_error.clone().unwrap_or_default()
    );
    if failed.state != DraftState::Failed {
        bail!("the Meta-side media error did not fail the post");
    }

    // 7. The publish history, with error details.
    let (replaced, rejected) = print_history(&pipeline, account, &record.username, "7.").await?;
    if replaced != 3 || rejected != 1 {
        bail!(
            "expected three containers replaced and one media rejection, got {replaced} and {rejected}"
        );
    }

    // 8. Meta's data-deletion callback, signed with the app secret.
    let forged = reqwest::Client::new()
        .post(url(threads_axum::paths::DATA_DELETION))
        .form(&[("signed_request", "c2lnbmF0dXJl.eyJ1c2VyX2lkIjoiMSJ9")])
        .send()
        .await?;
    println!(
        "8. a forged data-deletion request: HTTP {}",
        forged.status().as_u16()
    );
    if forged.status().is_success() {
        bail!("a forged signed_request was accepted");
    }
    let outcome = meta.request_data_deletion(&owner.id).await?;
    println!(
        "   Meta's data-deletion callback: HTTP {}, answer {}",
        outcome.status, outcome.body
    );
    let answer: serde_json::Value = serde_json::from_str(&outcome.body)?;
    let code = answer["confirmation_code"]
        .as_str()
        .context("no confirmation code")?;
    let status_url = answer["url"].as_str().context("no status URL")?;
    let request = pipeline
        .deletion_status(code)
        .await?
        .context("no deletion record for the code")?;
    println!(
        "   deletion record: code {}, origin {}, status {}, requested {}, completed {}, account kept: {}",
        request.confirmation_code,
        request.origin,
        request.status,
        ts(request.requested_at),
        request.completed_at.map_or_else(|| "-".into(), ts),
        request.account_id.is_some()
    );
    let page = reqwest::get(status_url).await?;
    let page_status = page.status().as_u16();
    let page_text = page.text().await?;
    println!(
        "   status page {status_url}: HTTP {page_status}, says completed: {}",
        page_text.to_lowercase().contains("complete")
    );
    let token_left = pipeline.store().get_token(account).await?;
    let media_left = media.stat(&harbour.key).await.is_ok();
    let account_left = pipeline.store().get_account(account).await?;
    println!(
        "   after it: account record {}, token {}, harbour picture {}",
        gone(account_left.is_none()),
        gone(token_left.is_none()),
        gone(!media_left)
    );
    if outcome.status != 200
        || request.origin != DeletionOrigin::MetaCallback
        || request.status != DeletionStatus::Completed
        || page_status != 200
        || token_left.is_some()
        || media_left
        || account_left.is_some()
    {
        bail!("the data deletion did not complete");
    }

    server.abort();
    meta.stop().await;
    println!("done in {:.1?}", started.elapsed());
    Ok(())
}

/// The host's app: Meta's callbacks and the media route under /threads.
fn serve(
    pipeline: &Pipeline,
    media: &threads_media::MediaStore,
    listener: tokio::net::TcpListener,
    public_base: Option<&str>,
) -> Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let mut threads = threads_axum::ThreadsRouter::builder(pipeline.clone())
        .media(media.clone())
        .only([
            threads_axum::Group::MetaCallbacks,
            threads_axum::Group::Media,
            threads_axum::Group::Health,
        ]);
    if let Some(base) = public_base {
        threads = threads.public_base_url(base);
    }
    let app = axum::Router::new().nest("/threads", threads.build()?);
    Ok(tokio::spawn(
        async move { axum::serve(listener, app).await },
    ))
}

/// Prints the Meta connection record of the account: scopes asked for
/// against those granted, and the token's metadata (never the token).
async fn connection_record(
    pipeline: &Pipeline,
    account: AccountId,
) -> Result<store_traits::Account> {
    let record = pipeline
        .store()
        .get_account(account)
        .await?
        .context("the account")?;
    let token = pipeline
        .store()
        .token_metadata(account)
        .await?
        .context("no token metadata")?;
    println!("1. Meta connection record of @{}:", record.username);
    println!(
        "   requested scopes: {}",
        record.requested_scopes.join(", ")
    );
    println!("   granted scopes:   {}", record.granted_scopes.join(", "));
    println!(
        "   not granted:      {}",
        record.missing_scopes().join(", ")
    );
    println!(
        "   token: {}, sealed with key {}, issued {}, expires {}, refreshed {}, scopes {} (the token itself is never shown)",
        token.kind,
        token.key_id,
        ts(token.issued_at),
        ts(token.expires_at),
        token.refreshed_at.map_or_else(|| "never".into(), ts),
        token.scopes.len()
    );
    Ok(record)
}

/// Prints the account's publish history with error details: the drafts,
/// their ledger entries and the audit trail of each. Returns how many
/// containers Meta failed and how many media the preflight refused.
async fn print_history(
    pipeline: &Pipeline,
    account: AccountId,
    username: &str,
    step: &str,
) -> Result<(usize, usize)> {
    println!("{step} publish history of @{username}:");
    let drafts = pipeline
        .store()
        .list_drafts(&DraftFilter::account(account))
        .await?;
    let entries = pipeline
        .store()
        .list_publish_entries(&PublishFilter {
            account_id: Some(account),
            ..PublishFilter::default()
        })
        .await?;
    let audit = pipeline
        .store()
        .list_audit(&AuditQuery {
            account_id: Some(account),
            ..AuditQuery::default()
        })
        .await?;
    for d in &drafts {
        let entry = entries.iter().find(|e| e.draft_id == d.id);
        let containers = entry.map_or(0, |e| {
            e.previous_container_ids.len() + usize::from(e.container_id.is_some())
        });
        println!(
            "   {} {:?}: {} container(s), {} publish call(s), post {}",
            d.state,
            d.text,
            containers,
            d.attempts,
            show(&d.provider.permalink)
        );
        if let Some(error) = &d.last_error {
            println!("     error: {error}");
        }
        let draft_id = d.id.to_string();
        for e in audit
            .iter()
            .filter(|e| e.details.get("draft_id") == Some(&draft_id))
        {
            let detail = |k: &str| e.details.get(k).cloned().unwrap_or_default();
            match e.action.as_str() {
                "publish.media_rejected" => println!(
                    "     preflight refused media {}: rule {}, measured {}, allowed {} (permanent: {})",
                    detail("position"),
                    detail("rule"),
                    detail("measured"),
                    detail("limit"),
                    detail("permanent")
                ),
                "publish.container_replaced" => println!(
                    "     Meta: container {} ended in ERROR ({})",
                    detail("container_id"),
                    detail("reason")
                ),
                "publish.media_cleaned_up" => println!(
                    "     media after publishing: kept {}, deleted {}",
                    detail("kept"),
                    detail("deleted")
                ),
                _ => {}
            }
        }
    }
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    Ok((
        count("publish.container_replaced"),
        count("publish.media_rejected"),
    ))
}

/// The media publisher on a real account.
async fn on_threads(real: real::RealApi) -> Result<()> {
    println!("media publisher on {}", real.describe());
    let dir = tempfile::tempdir()?;
    // Meta fetches pictures from the media store, so publishing needs one it
    // can reach; without it the run stops after the preflight.
    let reachable = std::env::var_os("THREADS_MEDIA_PUBLIC_URL").is_some();
    let media = if reachable {
        MediaStoreBuilder::from_env()?
            .cleanup(Cleanup::Keep)
            .build()?
    } else {
        MediaStoreBuilder::local(
            dir.path().join("media"),
            "https://unreachable.invalid/media/",
        )
        .build()?
    };
    let gate = Arc::new(PipelineMedia::new(media.clone())?);
    let pipeline = real
        .pipeline("media.db")
        .await?
        .media(gate.clone())
        .meta_app_secrets([real.app_secret()])
        .build()?;
    let addr = std::env::var("EXAMPLE_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("listen on {addr} (EXAMPLE_ADDR)"))?;
    let server = serve(&pipeline, &media, listener, None)?;
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("media-worker"));
    let pia = Actor::person("pia", Role::Owner);

    // 1. Connect, asking for five scopes; the connection record.
    let connected = real
        .connect(
            &pipeline,
            ConnectRequest::new("session-pia")
                .by(&pia)
                .scopes(REQUESTED),
        )
        .await?;
    let account = connected.account.id;
    let record = connection_record(&pipeline, account).await?;

    // 2. Upload and 3. preflight.
    let harbour = gate.put(account, png(640, 480)).await?;
    let banner = gate.put(account, png(200, 300)).await?;
    println!("2. uploaded two pictures to {}", media.backend());
    media.preflight(&harbour.key).await?;
    println!("3. preflight harbour: passes");
    match media.preflight(&banner.key).await {
        Ok(_) => bail!("a 200 px wide picture passed the preflight"),
        Err(e) => println!("   preflight banner: refused: {e}"),
    }

    // 4. Publish by URL, and the banner refused before Meta sees it.
    if !(real.may_publish() && reachable) {
        println!(
            "4. not posting (needs THREADS_EXAMPLE_PUBLISH=1 and a media store Meta reaches, THREADS_MEDIA_PUBLIC_URL)"
        );
    } else {
        let text = "Golden hour over the harbour, straight from the camera.";
        let live = post_with(&pipeline, &worker, account, &pia, text, &harbour).await?;
        println!(
            "4. harbour post {} from {}: {}",
            live.state,
            harbour.url.url,
            show(&live.provider.permalink)
        );
        let refused = post_with(&pipeline, &worker, account, &pia, "New banner.", &banner).await?;
        println!("   banner post {}", refused.state);
        print_history(&pipeline, account, &record.username, "  ").await?;
        if live.state != DraftState::Published || refused.state != DraftState::Failed {
            bail!("expected the harbour post published and the banner refused");
        }
    }
    println!(
        "5. Meta's data-deletion callback for the app dashboard: <public URL of {addr}>/threads{}",
        threads_axum::paths::DATA_DELETION
    );
    server.abort();
    Ok(())
}

/// Creates, approves and schedules (now) a post with one picture, lets the
/// worker run, and returns the draft as it ended.
async fn post_with(
    pipeline: &Pipeline,
    worker: &Worker,
    account: AccountId,
    actor: &Actor,
    text: &str,
    picture: &threads_media::StoredMedia,
) -> Result<store_traits::Draft> {
    let attachment = PipelineMedia::attachment(picture, Some(text.to_owned()));
    let drafted = pipeline
        .create_draft(NewDraft::post(account, text).media(vec![attachment]), actor)
        .await?;
    let id = drafted.draft.id;
    if drafted.draft.state != DraftState::Approved {
        pipeline.approve(id, actor).await?;
    }
    pipeline.schedule(id, When::Now, actor).await?;
    let report = worker.drain().await?;
    if report.errors > 0 {
        bail!("the worker failed: {report:?}");
    }
    Ok(pipeline.draft(id).await?)
}

/// Container creations Meta received (each makes it fetch the media).
fn containers_created(meta: &meta::Meta) -> usize {
    meta.admin()
        .ledger()
        .iter()
        .filter(|e| e.operation == Operation::CreateContainer)
        .count()
}

fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn show(id: &Option<String>) -> String {
    id.clone().unwrap_or_else(|| "-".into())
}

fn gone(gone: bool) -> &'static str {
    if gone { "gone" } else { "STILL THERE" }
}

/// A decodable 8-bit grayscale PNG (diagonal stripes), its pixel rows in
/// stored (uncompressed) deflate blocks: small code, a real picture.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        raw.extend((0..width).map(|x| if (x + y) % 24 < 12 { 60 } else { 200 }));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(&data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
