//! An AI persona manager: the product a social-media agency runs for its
//! clients' Threads accounts, end to end.
//!
//! * an organisation with roles connects an account; its persona (voice,
//!   topics, length, posting windows) is learned from its past posts;
//! * the model writes posts in that voice; an editor approves and schedules
//!   them in the persona's posting windows;
//! * sources become posts: a web article (served by a small local server:
//!   the pipeline's fetcher trusts 127.0.0.1 explicitly, every other private
//!   address stays refused) remixed with a built-in template, and pasted text
//!   remixed with a custom named template;
//! * comments and mentions arrive by webhook through the `threads-axum`
//!   router: triaged, answered in the persona's voice within its caps, a
//!   plain answer approved automatically, a risky one (money) left for a
//!   person, abuse hidden;
//! * an editor is refused what needs an admin (typed `Forbidden`), and a
//!   person of another organisation is refused everything;
//! * a month later the retention sweep runs, and an admin exports the
//!   account (JSON, sizes per section, no token).
//!
//! Offline and in seconds: the Threads emulator in-process plays Meta and the
//! people commenting, SQLite in a temporary directory, the offline model,
//! and one manual clock shared by everything (scheduling and reply delays
//! pass without waiting).
//!
//! ```text
//! cargo run -p threads-examples --example persona_manager
//! ```
//!
//! With `THREADS_APP_ID`, `THREADS_APP_SECRET` and `THREADS_REDIRECT_URI`
//! set it runs on a real account instead (the person consents in a
//! browser): the same organisation, persona, drafting, remixing and roles;
//! the replies and mentions Meta already has, read by polling, with every
//! answer left for a person; the sweep and the export. It posts only with
//! `THREADS_EXAMPLE_PUBLISH=1`, and remixes a web page given in
//! `THREADS_EXAMPLE_SOURCE_URL` (the address guard stays on). Optional:
//! `THREADS_SEALING_KEY`, `THREADS_EXAMPLE_DB`, `THREADS_GRAPH_URL`,
//! `THREADS_AUTHORIZE_URL`.

#[path = "support/meta.rs"]
mod meta;
/// Meta itself, when `THREADS_*` variables are set.
#[path = "support/real.rs"]
mod real;
/// Waiting for a draft to be published.
#[path = "support/worker.rs"]
mod worker;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use content_pipeline::config::ApprovalMode;
use content_pipeline::sources::{RemixTemplates, SourceFetcher};
use content_pipeline::{
    Actor, ConnectRequest, Error, GenerateRequest, Operation, Pipeline, PipelineConfig, Role, When,
    Worker, WorkerConfig,
};
use store_traits::{
    AccountId, AuditQuery, DraftFilter, DraftKind, DraftState, ManualClock, RecordKind,
    SourceStatus,
};
use threads_emulator::Operation as MetaCall;
use token_crypto::{KeyId, KeyMaterial, Keyring};

const VERIFY_TOKEN: &str = "persona-manager-verify-token";
const ORG: &str = "crumb-and-co-agency";

/// A small article the local web server hands out.
const ARTICLE: &str = r#"<!doctype html>
<html lang="en"><head>
<title>Cold proofing, explained | The Bakers' Almanac</title>
<meta property="og:title" content="Cold proofing, explained">
<meta name="author" content="Rosa Lind">
</head><body>
<nav>Home · Recipes · About</nav>
<article>
<h1>Cold proofing, explained</h1>
<p>Cold proofing means letting shaped dough rise slowly in the fridge, usually
for 8 to 16 hours at about 4 degrees. The yeast slows down far more than the
bacteria do, so the dough gains flavour while it barely grows.</p>
<p>A cold dough is also firmer. It holds its shape when it is turned out of the
basket and it is much easier to score cleanly, which gives a better ear and a
more even oven spring.</p>
<p>The one rule: bake it straight from the fridge. Letting a cold-proofed loaf
warm up on the counter undoes the firmness you waited all night for.</p>
</article>
<footer>© The Bakers' Almanac</footer>
</body></html>"#;

#[tokio::main]
async fn main() -> Result<()> {
    if let Some(real) = real::RealApi::from_env()? {
        return on_threads(real).await;
    }
    let started = std::time::Instant::now();
    // One clock for Meta, the store, the pipeline and the worker: Monday
    // 2 March 2026, 07:00 UTC.
    let clock = Arc::new(ManualClock::new(at(2026, 3, 2, 7, 0)?));
    let dir = tempfile::tempdir()?;

    // The host's web app listens first: every URL Meta is given names it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let base = format!("{origin}/threads");
    let meta = meta::Meta::start(
        meta::AppSetup::redirecting_to(format!("{base}{}", threads_axum::paths::OAUTH_CALLBACK))
            .on_clock(clock.clone()),
    )
    .await?;

    // The product: SQLite, the offline model, Threads; answers to plain
    // comments go out without a person, posts always wait for one.
    let store =
        store_sqlite::SqliteStore::open(dir.path().join("personas.db"), clock.clone()).await?;
    let mut config = PipelineConfig::default();
    config.approval.posts = ApprovalMode::Manual;
    config.approval.replies = ApprovalMode::Automatic;
    config.retention.audit_events = Some(TimeDelta::days(30));
    config.retention.technical_logs = Some(TimeDelta::days(7));
    config.retention.conversations = Some(TimeDelta::days(14));
    // The address guard stays on; only this machine's loopback address is
    // let through, for the local article server.
    let fetcher = SourceFetcher::builder()
        .trust_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .build()?;
    let pipeline = Pipeline::builder()
        .store(Arc::new(store))
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(Arc::new(meta.threads()?))
        .keyring(Arc::new(Keyring::new(
            KeyId::new("2026-03")?,
            KeyMaterial::generate()?,
        )))
        .oauth_state_key(KeyMaterial::generate()?)
        .webhook_verifier(meta.webhook_verifier())
        .manual_clock(clock.clone())
        .config(config)
        .source_fetcher(fetcher)
        .remix_templates(templates()?)
        .build()?;

    // The host's app: its own pages, the Threads routes nested under /threads,
    // and (for this example) the article a client wants remixed.
    let threads = threads_axum::ThreadsRouter::builder(pipeline.clone())
        .webhook_verify_token(VERIFY_TOKEN.to_owned().into())
        .only([threads_axum::Group::Webhooks, threads_axum::Group::Health])
        .build()?;
    let app = axum::Router::new()
        .route(
            "/articles/cold-proofing",
            axum::routing::get(|| async { axum::response::Html(ARTICLE) }),
        )
        .nest("/threads", threads);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("worker-1"));

    // ------------------------------------------------------------------
    // 1. The organisation connects a client's account; the persona is
    //    learned from its past posts.
    let org = store_traits::OrgId::from(ORG);
    let olga = Actor::person("olga", Role::Owner).in_org(org.clone());
    let ada = Actor::person("ada", Role::Admin).in_org(org.clone());
    let ed = Actor::person("ed", Role::Editor).in_org(org.clone());
    meta.account_owner(
        "crumb_and_co",
        2_400,
        &[
            "fed the sourdough starter at 6, it doubled by 10. bake day #sourdough",
            "tip: a cold proof overnight makes sourdough scoring so much easier #sourdough",
            "rye is sticky. wet hands, no extra flour #rye",
            "new sourdough loaf on the counter. open crumb, thin crust #sourdough",
            "weigh everything. cups are guesses, grams make bread #basics",
            "the fridge is the most underrated bread tool in your kitchen #sourdough",
        ],
    )?;
    let start = pipeline
        .start_connect(ConnectRequest::new("session-olga").by(&olga))
        .await?;
    let callback = meta.consent(&start.authorize_url).await?;
    let connected = pipeline.finish_connect(&callback, "session-olga").await?;
    let account = connected.account.id;
    if connected.account.org_id.as_ref() != Some(&org) {
        bail!("the account was not connected in the organisation");
    }
    let persona = pipeline
        .persona(account)
        .await?
        .context("no persona was learned")?;
    let style = persona
        .style
        .as_ref()
        .context("no style measured from the past posts")?;
    println!(
        "1. {olga} connected @{} for {ORG}; persona learned from {} past posts:",
        connected.account.username, connected.posts_synced
    );
    println!(
        "   style {:?}; topics {:?}; length {}..{} chars (their median: {})",
        persona.persona.writing_style,
        persona.persona.topics,
        persona.persona.length.min,
        persona.persona.length.max,
        style.length.p50,
    );
    let windows: Vec<String> = persona
        .persona
        .posting_windows
        .iter()
        .map(|w| {
            format!(
                "{}-{} {}",
                w.start.format("%H:%M"),
                w.end.format("%H:%M"),
                if w.days.is_empty() {
                    "every day".to_owned()
                } else {
                    format!("{:?}", w.days)
                }
            )
        })
        .collect();
    println!(
        "   posting windows ({}): {}",
        persona.persona.time_zone,
        windows.join(", ")
    );
    if connected.posts_synced < 6 || style.posts < 6 || persona.persona.topics.is_empty() {
        bail!("the persona was not learned from the six past posts");
    }

    // 2. The model writes a post in that voice; it waits for a person.
    let drafted = pipeline
        .generate_draft(GenerateRequest::topic(account, "cold proofing"), &ed)
        .await?;
    let post = drafted.draft;
    println!(
        "2. AI post drafted ({}, voice {}): {:?}",
        post.state,
        voice(&post),
        post.text
    );
    if post.state != DraftState::PendingApproval {
        bail!(
            "posts need a person's approval, but the draft is {}",
            post.state
        );
    }

    // 3. The editor approves it and schedules it in the next posting window.
    pipeline.approve(post.id, &ed).await?;
    let scheduled = pipeline.schedule(post.id, When::NextSlot, &ed).await?;
    let slot = scheduled
        .scheduled_at
        .context("a scheduled draft has a time")?;
    println!(
        "3. {ed} approved it; scheduled for the next free slot: {}",
        slot.with_timezone(&persona.persona.time_zone)
            .format("%a %Y-%m-%d %H:%M %Z")
    );
    run_until(&clock, &worker, slot).await?;
    let post = pipeline.draft(post.id).await?;
    require_published(&post, "the AI post")?;
    let post_id = post.provider.media_id.clone().context("no post id")?;
    println!(
        "   the worker published it at its slot: {}",
        show(&post.provider.permalink)
    );

    // The editor spends twenty minutes on the next pieces.
    clock.advance(TimeDelta::minutes(20));

    // 4. Remix from a URL. The default fetcher refuses this machine's own
    //    address (SSRF guard); the pipeline's fetcher was told to trust it.
    let article = format!("{origin}/articles/cold-proofing");
    match SourceFetcher::new().fetch(&article).await {
        Err(refused) => println!(
            "4. a default fetcher refuses {article}: [{}] {refused}",
            refused.code()
        ),
        Ok(_) => bail!("the default fetcher reached a loopback address"),
    }
    let source = pipeline.add_url_source(account, &article, &ed).await?;
    if source.status != SourceStatus::Ready {
        bail!(
            "the article was not read: {}",
            source.error.clone().unwrap_or_default()
        );
    }
    println!(
        "   the pipeline's fetcher (trusting 127.0.0.1 only) read {:?}: {} chars",
        source.title.clone().unwrap_or_default(),
        source.content.as_deref().map_or(0, |c| c.chars().count())
    );
    let from_url = pipeline
        .remix_source(source.id, Some("question"), &ed)
        .await?
        .draft;
    println!(
        "   remixed with the `question` template: {:?}",
        from_url.text
    );

    // 5. Remix from pasted text with the agency's own template.
    let (pasted, from_text) = remix_pasted(&pipeline, account, &ed).await?;
    match pipeline
        .remix_source(pasted.id, Some("no_such_template"), &ed)
        .await
    {
        Err(Error::Source(e)) => println!("   an unknown template is refused: {e}"),
        other => bail!("an unknown template was not refused: {other:?}"),
    }
    // Both are approved; one goes out at a set local time, one in a slot.
    let tomorrow = (clock_now(&clock) + TimeDelta::days(1))
        .with_timezone(&persona.persona.time_zone)
        .date_naive()
        .and_hms_opt(12, 30, 0)
        .context("a valid local time")?;
    for (draft, when) in [
        (&from_url, When::Local { at: tomorrow }),
        (&from_text, When::NextSlot),
    ] {
        pipeline.approve(draft.id, &ed).await?;
        let d = pipeline.schedule(draft.id, when, &ed).await?;
        println!(
            "   approved and scheduled for {}",
            d.scheduled_at
                .map(|t| t.format("%a %Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        );
    }

    // 6. Roles: the editor may write and approve, not what needs an admin.
    match pipeline.export_account(account, &ed).await {
        Err(Error::Forbidden(f)) => {
            println!(
                "6. {ed} exports the account: refused ({} may not {}: {})",
                f.actor, f.operation, f.denial
            );
            if f.operation != Operation::Export {
                bail!("refused for the wrong operation: {}", f.operation);
            }
        }
        other => bail!("an editor exported the account: {other:?}"),
    }
    let mut voice_change = persona.persona.clone();
    // The agency lets plain answers go out alone, at most one per person a day.
    voice_change.reply_policy.require_approval = false;
    voice_change.reply_policy.max_per_user_per_day = 1;
    match pipeline
        .update_persona(account, voice_change.clone(), &ed)
        .await
    {
        Err(Error::Forbidden(f)) => println!(
            "   {ed} changes the persona: refused ({}: {})",
            f.operation, f.denial
        ),
        other => bail!("an editor changed the persona: {other:?}"),
    }
    let outsider = Actor::person("mallory", Role::Owner).in_org("another-agency".into());
    match pipeline.approve(from_text.id, &outsider).await {
        Err(Error::Forbidden(f)) => println!(
            "   {outsider} of another organisation approves a draft: refused ({})",
            f.denial
        ),
        other => bail!("a person of another organisation acted: {other:?}"),
    }
    pipeline.update_persona(account, voice_change, &ada).await?;
    println!("   {ada} changed the reply policy: plain answers go out alone, 1 per person a day");

    // 7. Comments and mentions arrive by webhook through the nested router.
    meta.subscribe(
        &format!("{base}{}", threads_axum::paths::WEBHOOKS),
        VERIFY_TOKEN,
        &["replies", "mentions"],
    )
    .await?;
    println!(
        "7. Meta checked {base}/webhooks (handshake) and subscribed it to replies and mentions"
    );
    let rookie = meta.someone("rye_rookie")?;
    let buyer = meta.someone("budget_baker")?;
    let troll = meta.someone("loud_noises")?;
    let fan = meta.someone("market_mia")?;
    let question = meta.reply(&rookie, &post_id, "how long do you cold proof a rye loaf?")?;
    let money = meta.reply(
        &buyer,
        &post_id,
        "how much is your weekend class? is $40 ok?",
    )?;
    let abuse = meta.reply(
        &troll,
        &post_id,
        "you are an idiot and your bread is garbage",
    )?;
    let mention = meta.post(
        &fan,
        "thank you @crumb_and_co, the cold proof tip saved my weekend bake!",
    )?;
    settle(&meta, &clock, &worker).await?;
    let hidden = meta
        .admin()
        .ledger()
        .iter()
        .filter(|e| {
            e.operation == MetaCall::ManageReply
                && e.succeeded()
                && e.target.as_deref() == Some(abuse.as_str())
        })
        .count();
    println!(
        "   four messages by webhook: question answered {}x, mention answered {}x, abuse hidden {}x",
        meta.answers_to(&question),
        meta.answers_to(&mention),
        hidden
    );
    if meta.answers_to(&question) != 1 || meta.answers_to(&mention) != 1 || hidden != 1 {
        bail!("the plain question and the mention are answered once, the abuse hidden");
    }
    for (label, id) in [("question", &question), ("mention", &mention)] {
        let answer = answer_to(&pipeline, account, id).await?;
        println!(
            "   answer to the {label} (approved by the system, no person): {:?}",
            answer.text
        );
    }
    // The same person asks again the same day: the persona's cap says no.
    let again = meta.reply(&rookie, &post_id, "and what about a spelt loaf?")?;
    settle(&meta, &clock, &worker).await?;
    let skipped = pipeline
        .store()
        .list_audit(&AuditQuery {
            account_id: Some(account),
            ..AuditQuery::default()
        })
        .await?
        .into_iter()
        .filter(|e| e.action == "reply.skipped")
        .filter_map(|e| e.details.get("reason").cloned())
        .collect::<Vec<_>>();
    println!(
        "   @{} asks again the same day: answered {}x, skipped ({})",
        rookie.username,
        meta.answers_to(&again),
        skipped.join(", ")
    );
    if meta.answers_to(&again) != 0 || !skipped.iter().any(|r| r == "user_cap_reached") {
        bail!("the per-person cap did not hold");
    }

    // 8. The risky answer (money) waits for a person, who approves it.
    let waiting = answer_to(&pipeline, account, &money).await?;
    let findings = waiting
        .quality
        .as_ref()
        .map(|q| q.findings.clone())
        .unwrap_or_default();
    println!(
        "8. answer to the price question is {} ({}): {:?}",
        waiting.state,
        findings.join("; "),
        waiting.text
    );
    if waiting.state != DraftState::PendingApproval || !findings.iter().any(|f| f.contains("money"))
    {
        bail!("a money answer must wait for a person");
    }
    let queue = pipeline.review_queue(account, &ed).await?;
    println!(
        "   {ed}'s review queue holds {} item(s); approving the answer now",
        queue.items.len()
    );
    pipeline.approve(waiting.id, &ed).await?;
    pipeline.schedule(waiting.id, When::Now, &ed).await?;
    worker.drain().await?;
    let answered = pipeline.draft(waiting.id).await?;
    require_published(&answered, "the approved answer")?;
    println!(
        "   published under the question: {}",
        show(&answered.provider.permalink)
    );

    // 9. Scheduling: the remixes go out at their times.
    let latest = [from_url.id, from_text.id];
    let mut due = Vec::new();
    for id in latest {
        due.push(
            pipeline
                .draft(id)
                .await?
                .scheduled_at
                .context("scheduled")?,
        );
    }
    let last = due.iter().max().copied().context("two times")?;
    run_until(&clock, &worker, last).await?;
    println!("9. the clock moves on to the remixes' times");
    for id in latest {
        let d = pipeline.draft(id).await?;
        require_published(&d, "a scheduled remix")?;
        println!(
            "   remix published at {}: {}",
            d.published_at
                .map(|t| t.format("%a %H:%M UTC").to_string())
                .unwrap_or_default(),
            show(&d.provider.permalink)
        );
    }

    // 10. A month later: the retention sweep.
    clock.advance(TimeDelta::days(31));
    let purged = pipeline.purge().await?;
    println!(
        "10. 31 days later, retention: {} audit events, {} finished jobs, {} inbox entries deleted; {} message(s) redacted",
        purged.count(RecordKind::AuditEvent),
        purged.count(RecordKind::Job),
        purged.count(RecordKind::InboxEntry),
        purged.messages_redacted
    );
    if purged.count(RecordKind::AuditEvent) == 0 || purged.messages_redacted == 0 {
        bail!("the sweep deleted nothing that was past its retention");
    }

    // 11. The admin exports what is left: one versioned JSON document.
    let export = pipeline.export_account(account, &ada).await?;
    let json = export.to_json()?;
    let a = &export.account;
    println!(
        "11. {ada} exported the account: {} bytes of JSON, {} records ({} v{})",
        json.len(),
        export.record_count(),
        export.format,
        export.version
    );
    println!(
        "    personas {}, sources {}, drafts {}, publish entries {}, conversations {}, messages {}, audit events {}, jobs {}, inbox {}; token: metadata only ({})",
        a.personas.len(),
        a.sources.len(),
        a.drafts.len(),
        a.publish_entries.len(),
        a.conversations.len(),
        a.messages.len(),
        a.audit_events.len(),
        a.jobs.len(),
        a.inbox_entries.len(),
        a.token
            .as_ref()
            .map(|t| format!("{}, expires {}", t.kind, t.expires_at.format("%Y-%m-%d")))
            .unwrap_or_else(|| "none".into())
    );
    if a.drafts.len() < 6 || a.messages.is_empty() || a.token.is_none() {
        bail!("the export is incomplete");
    }
    if json.contains("access_token") || json.contains("ciphertext") {
        bail!("the export carries a token");
    }

    server.abort();
    meta.stop().await;
    println!(
        "done: {} publish calls on Threads, {:.1?} wall time",
        publish_count(&pipeline, account).await?,
        started.elapsed()
    );
    Ok(())
}

/// Step 5: pasted text remixed with the agency's `three_tips` template.
async fn remix_pasted(
    pipeline: &Pipeline,
    account: AccountId,
    editor: &Actor,
) -> Result<(store_traits::Source, store_traits::Draft)> {
    let pasted = pipeline
        .add_text_source(
            account,
            "Rye flour has little gluten, so rye doughs do not get stronger by \
             kneading. Mix them just until combined, keep the dough wetter than \
             wheat dough, proof in a tin, and let the bread rest a full day before \
             slicing so the crumb can set.",
            editor,
        )
        .await?;
    let tips = pipeline
        .remix_source(pasted.id, Some("three_tips"), editor)
        .await?
        .draft;
    println!(
        "5. pasted text remixed with the custom `three_tips` template ({}): {:?}",
        tips.state, tips.text
    );
    Ok((pasted, tips))
}

/// The agency's own remix template, next to the built-in ones.
fn templates() -> Result<RemixTemplates> {
    let mut templates = RemixTemplates::new();
    templates.insert(
        "three_tips",
        "{{ task_header }}\nTurn the source below into three numbered, practical tips in \
         {{ persona.name }}'s voice, between {{ min_chars }} and {{ max_chars }} characters. \
         Do not invent facts.\n\nSource (data):\n{{ task.source }}",
    )?;
    Ok(templates)
}

/// The same product on a real account. What needs Meta's other users or a
/// month passing (scripted comments, the per-person cap, the retention
/// sweep finding old records) happens on its own over time; this run does
/// what one sitting can: connect in the organisation, learn the persona,
/// write and approve in that voice (posting only with
/// `THREADS_EXAMPLE_PUBLISH=1`), remix, check the roles, read the replies
/// and mentions Meta has by polling (answers wait for a person), sweep and
/// export.
async fn on_threads(real: real::RealApi) -> Result<()> {
    println!("persona manager on {}", real.describe());
    let mut config = PipelineConfig::default();
    config.approval.posts = ApprovalMode::Manual;
    // On a real account every answer waits for a person in this example.
    config.approval.replies = ApprovalMode::Manual;
    config.retention.audit_events = Some(TimeDelta::days(30));
    config.retention.technical_logs = Some(TimeDelta::days(7));
    config.retention.conversations = Some(TimeDelta::days(14));
    let pipeline = real
        .pipeline("personas.db")
        .await?
        .config(config)
        .remix_templates(templates()?)
        .build()?;
    let worker = Worker::new(pipeline.clone(), WorkerConfig::named("worker-1"));
    let org = store_traits::OrgId::from(ORG);
    let olga = Actor::person("olga", Role::Owner).in_org(org.clone());
    let ada = Actor::person("ada", Role::Admin).in_org(org.clone());
    let ed = Actor::person("ed", Role::Editor).in_org(org.clone());

    // 1. Connect in the organisation; the persona comes from the past posts.
    let connected = real
        .connect(&pipeline, ConnectRequest::new("session-olga").by(&olga))
        .await?;
    let account = connected.account.id;
    let persona = pipeline
        .persona(account)
        .await?
        .context("no persona was learned")?;
    println!(
        "1. {olga} connected @{} for {ORG}; persona learned from {} past posts: style {:?}, topics {:?}, {} posting window(s) in {}",
        connected.account.username,
        connected.posts_synced,
        persona.persona.writing_style,
        persona.persona.topics,
        persona.persona.posting_windows.len(),
        persona.persona.time_zone
    );

    // 2. An AI post in that voice; 3. the editor approves it.
    let topic = persona
        .persona
        .topics
        .first()
        .cloned()
        .unwrap_or_else(|| "what I am working on this week".to_owned());
    let post = pipeline
        .generate_draft(GenerateRequest::topic(account, &topic), &ed)
        .await?
        .draft;
    println!(
        "2. AI post on {topic:?} drafted ({}, voice {}): {:?}",
        post.state,
        voice(&post),
        post.text
    );
    pipeline.approve(post.id, &ed).await?;
    if real.may_publish() {
        pipeline.schedule(post.id, When::Now, &ed).await?;
        worker.drain().await?;
        let post =
            worker::wait_for_draft(&pipeline, post.id, std::time::Duration::from_secs(120)).await?;
        require_published(&post, "the AI post")?;
        println!(
            "3. {ed} approved it; published: {}",
            show(&post.provider.permalink)
        );
    } else {
        println!("3. {ed} approved it; not posted (THREADS_EXAMPLE_PUBLISH=1 posts it)");
    }

    // 4. Remix from a URL, with the SSRF guard on.
    match std::env::var("THREADS_EXAMPLE_SOURCE_URL") {
        Ok(url) => {
            let source = pipeline.add_url_source(account, &url, &ed).await?;
            if source.status != SourceStatus::Ready {
                bail!("{url} was not read: {}", source.error.unwrap_or_default());
            }
            let draft = pipeline
                .remix_source(source.id, Some("question"), &ed)
                .await?
                .draft;
            println!(
                "4. read {:?} and remixed it with the `question` template: {:?}",
                source.title.unwrap_or_default(),
                draft.text
            );
        }
        Err(_) => println!("4. no URL to remix (THREADS_EXAMPLE_SOURCE_URL=https://... gives one)"),
    }

    // 5. Remix pasted text with the agency's template.
    let (_, tips) = remix_pasted(&pipeline, account, &ed).await?;

    // 6. Roles.
    match pipeline.export_account(account, &ed).await {
        Err(Error::Forbidden(f)) => println!("6. {ed} exports the account: refused ({})", f.denial),
        other => bail!("an editor exported the account: {other:?}"),
    }
    let outsider = Actor::person("mallory", Role::Owner).in_org("another-agency".into());
    match pipeline.approve(tips.id, &outsider).await {
        Err(Error::Forbidden(f)) => println!(
            "   {outsider} of another organisation: refused ({})",
            f.denial
        ),
        other => bail!("a person of another organisation acted: {other:?}"),
    }

    // 7. Replies and mentions Meta has, by polling; answers wait for a person.
    let found = pipeline.poll_now(account).await?;
    worker.drain().await?;
    let queue = pipeline.review_queue(account, &ed).await?;
    let answers: Vec<_> = queue
        .items
        .iter()
        .filter(|i| i.draft.kind == DraftKind::Reply)
        .collect();
    println!(
        "7. polling read {found} new message(s); {} answer(s) in {ed}'s review queue",
        answers.len()
    );
    for item in &answers {
        let message = item.context.as_ref().and_then(|c| c.message.as_ref());
        println!(
            "   to @{} {:?}: {:?}",
            message.map_or("?", |m| m.author_username.as_str()),
            message.map_or("", |m| m.text.as_str()),
            item.draft.text
        );
    }

    // 8. The retention sweep, and the admin's export.
    let purged = pipeline.purge().await?;
    let export = pipeline.export_account(account, &ada).await?;
    let json = export.to_json()?;
    println!(
        "8. retention sweep: {} audit events deleted; {ada} exported {} records ({} bytes of JSON, token metadata only)",
        purged.count(RecordKind::AuditEvent),
        export.record_count(),
        json.len()
    );
    if json.contains("access_token") || json.contains("ciphertext") {
        bail!("the export carries a token");
    }
    Ok(())
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Result<DateTime<Utc>> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .context("a valid time")
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    store_traits::Clock::now(clock)
}

fn show(id: &Option<String>) -> String {
    id.clone().unwrap_or_else(|| "-".into())
}

fn voice(draft: &store_traits::Draft) -> String {
    draft
        .quality
        .as_ref()
        .and_then(|q| q.voice_score)
        .map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

fn require_published(draft: &store_traits::Draft, what: &str) -> Result<()> {
    if draft.state != DraftState::Published {
        bail!(
            "{what} is {}, not published: {}",
            draft.state,
            draft.last_error.clone().unwrap_or_default()
        );
    }
    Ok(())
}

/// Moves the shared clock to `until` in 15-minute steps, letting the worker
/// run what falls due on the way.
async fn run_until(clock: &ManualClock, worker: &Worker, until: DateTime<Utc>) -> Result<()> {
    worker.drain().await?;
    while clock_now(clock) < until {
        let step = (until - clock_now(clock)).min(TimeDelta::minutes(15));
        clock.advance(step);
        worker.drain().await?;
    }
    Ok(())
}

/// Meta delivers the webhooks; the worker triages and drafts; the clock
/// passes the answers' human-like delay (2 to 10 minutes); the worker sends.
async fn settle(meta: &meta::Meta, clock: &ManualClock, worker: &Worker) -> Result<()> {
    for _ in 0..3 {
        let report = meta.deliver_webhooks().await;
        if report.retrying + report.dropped > 0 {
            bail!("webhook deliveries failed: {report:?}");
        }
        worker.drain().await?;
        clock.advance(TimeDelta::minutes(11));
        worker.drain().await?;
    }
    Ok(())
}

/// The reply draft that answers the message `message_id`.
async fn answer_to(
    pipeline: &Pipeline,
    account: AccountId,
    message_id: &str,
) -> Result<store_traits::Draft> {
    pipeline
        .store()
        .list_drafts(&DraftFilter::account(account))
        .await?
        .into_iter()
        .find(|d| d.kind == DraftKind::Reply && d.reply_to_id.as_deref() == Some(message_id))
        .with_context(|| format!("no answer was drafted for {message_id}"))
}

async fn publish_count(pipeline: &Pipeline, account: AccountId) -> Result<usize> {
    Ok(pipeline
        .store()
        .list_drafts(&DraftFilter {
            states: vec![DraftState::Published],
            ..DraftFilter::account(account)
        })
        .await?
        .len())
}
