//! A guided tour of the `threads-api` client against the local Threads emulator.
//!
//! It starts the emulator in-process, connects a test account through the real OAuth
//! flow, publishes one post of every kind, reads everything back, looks at replies,
//! insights and quotas, and finally refreshes the token a day later on the emulator's
//! virtual clock. No network, no keys, a few seconds.
//!
//! ```text
//! cargo run -p threads-examples --example tour
//! ```

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use secrecy::ExposeSecret;
use threads_api::ids::{ContainerId, MediaId};
use threads_api::model::{
    ContainerRequest, ContainerState, DemographicBreakdown, Fields, LimitField, MediaField,
    MediaMetric, PollAttachment, UserMetric,
};
use threads_api::oauth::{Scope, parse_redirect};
use threads_api::{AccountClient, AppCredentials, AppSecret, ThreadsClient};
use threads_emulator::{Admin, AppSpec, Emulator, PostAs, UserSpec};

/// The app's registered Redirect Callback URL (never contacted: we read the redirect).
const REDIRECT_URI: &str = "https://tour.example/threads/callback";

#[tokio::main]
async fn main() -> Result<()> {
    let started = std::time::Instant::now();
    let emu = Emulator::builder().seed(2026).start().await?;
    let admin = emu.admin();
    println!("Threads toolkit tour: a local emulator stands in for graph.threads.net");
    println!(
        "  emulator at {}, virtual clock at {}",
        emu.base_url(),
        clock(admin)
    );

    // The world around the account: one app, our user, and a fan who will reply.
    let app = admin.create_app(AppSpec {
        name: "Tour App".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
        ..AppSpec::default()
    })?;
    admin.create_user(UserSpec {
        username: "tour_guide".into(),
        name: Some("Tour Guide".into()),
        biography: "Showing people around the Threads API".into(),
        followers: 1_250,
        ..UserSpec::default()
    })?;
    admin.create_user(UserSpec {
        username: "curious_cat".into(),
        followers: 180,
        ..UserSpec::default()
    })?;

    let client = ThreadsClient::builder()
        .graph_base_url(emu.base_url())
        .authorize_base_url(emu.base_url())
        .build()?;

    section(1, "Connect an account with OAuth");
    let oauth = client.oauth(
        AppCredentials::new(app.id.clone(), AppSecret::new(app.secret.expose_secret())),
        REDIRECT_URI,
    );
    let state = "tour-csrf-7f3a";
    let dialog = oauth.authorize_url(&Scope::ALL, Some(state));
    println!("  → open the dialog: {}…", truncate(dialog.as_str(), 72));
    // A browser would follow the dialog; we read its redirect without following it.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser.get(dialog.as_str()).send().await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .context("the authorize page did not redirect")?
        .to_str()?
        .to_owned();
    let redirect = parse_redirect(&location)?;
    // A real app verifies the state here (token-crypto's OAuthStateSigner); the tour
    // only checks it came back unchanged.
    if redirect.state.as_deref() != Some(state) {
        bail!("the state came back changed");
    }
    println!(
        "  ← redirected to {REDIRECT_URI}?code=AQ…&state={} ({} {})",
        redirect.state.as_deref().unwrap_or("-"),
        answer.status().as_u16(),
        answer.status().canonical_reason().unwrap_or(""),
    );
    let short = oauth.exchange_code(&redirect.code, now(admin)).await?;
    println!(
        "  ✓ code exchanged for a short-lived token of user {} (expires {})",
        short.user_id,
        short.expires_at.format("%H:%M")
    );
    let long = oauth
        .exchange_for_long_lived(&short.access_token, now(admin))
        .await?;
    println!(
        "  ✓ long-lived token, valid {} days (until {})",
        long.expires_in / 86_400,
        long.expires_at.format("%Y-%m-%d")
    );
    let account = client.account(short.user_id.clone(), long.access_token.clone());
    let me = account.profile().get().all_fields().send().await?;
    println!(
        "  ✓ signed in as @{} ({}): \"{}\"",
        me.username.as_deref().unwrap_or("?"),
        me.name.as_deref().unwrap_or("?"),
        me.threads_biography.as_deref().unwrap_or("")
    );

    section(2, "Publish one post of each kind");
    let publish = account.publish();
    let text = publish
        .publish(ContainerRequest::text(
            "Hello from the Threads emulator! #RustLang",
        ))
        .send()
        .await?;
    posted(
        "text",
        &text.media_id,
        "create → FINISHED at once → publish",
    );

    let image = step_by_step(
        &account,
        admin,
        ContainerRequest::image("https://cdn.example/tour/harbour.jpg")
            .with_text("The harbour at dawn")
            .alt_text("Boats in a quiet harbour at sunrise"),
        5,
    )
    .await?;
    posted("image", &image.0, &image.1);

    let video = step_by_step(
        &account,
        admin,
        ContainerRequest::video("https://cdn.example/tour/waves.mp4").with_text("Waves, 12 s"),
        30,
    )
    .await?;
    posted("video", &video.0, &video.1);

    let mut children = Vec::new();
    for n in 1..=3 {
        let child = ContainerRequest::image(format!("https://cdn.example/tour/street-{n}.jpg"))
            .carousel_item(true);
        children.push(publish.create_container(&child).await?);
    }
    let carousel = step_by_step(
        &account,
        admin,
        ContainerRequest::carousel(children).with_text("Three streets, one city"),
        5,
    )
    .await?;
    posted(
        "carousel",
        &carousel.0,
        &format!("3 images · {}", carousel.1),
    );

    let poll = publish
        .publish(
            ContainerRequest::text("Which should the tour visit next?").poll_attachment(
                PollAttachment::new("The old town", "The seaside").option_c("The museum"),
            ),
        )
        .send()
        .await?;
    posted("poll", &poll.media_id, "3 options, runs 24 h");

    let quote = publish
        .publish(ContainerRequest::text("Still my favourite photo.").quote(image.0.clone()))
        .send()
        .await?;
    posted("quote", &quote.media_id, "quotes the image post");

    let reply = account
        .replies()
        .reply(
            &text.media_id,
            ContainerRequest::text("Tip: every step here runs offline."),
        )
        .send()
        .await?;
    posted("reply", &reply.media_id, "our own reply to the text post");

    // Somebody else joins the conversation (through the emulator's admin API).
    admin.post_as(PostAs {
        author: "curious_cat".into(),
        text: Some("Love this, @tour_guide! Where do I sign up?".into()),
        reply_to: Some(text.media_id.to_string()),
        ..PostAs::default()
    })?;
    println!("  + @curious_cat replied to the text post");

    section(3, "Read it all back");
    let posts: Vec<_> = account
        .posts()
        .list()
        .limit(3)
        .stream()
        .try_collect()
        .await?;
    println!(
        "  {} posts on the profile (fetched 3 per page):",
        posts.len()
    );
    for post in posts.iter().rev() {
        let kind = post.media_type.as_ref().map_or("?", |t| t.as_str());
        println!(
            "    {:<15} {}",
            kind,
            quoted(post.text.as_deref().unwrap_or("(no text)"))
        );
    }
    let replies = account
        .replies()
        .list(&text.media_id)
        .reverse(false)
        .send()
        .await?;
    println!("  replies to the text post, oldest first:");
    for r in &replies {
        println!(
            "    @{:<12} {}",
            r.username.as_deref().unwrap_or("?"),
            quoted(r.text.as_deref().unwrap_or(""))
        );
    }
    let mentions = account.mentions().list().send().await?;
    let found = account.search().keyword("emulator").send().await?;
    println!(
        "  mentions of @tour_guide: {} · keyword search \"emulator\": {} post(s)",
        mentions.len(),
        found.len()
    );

    section(4, "Six hours later: insights and quotas");
    admin.advance(6 * 3_600);
    println!("  (virtual clock moved to {})", clock(admin));
    let media = account
        .insights()
        .media(&text.media_id)
        .metrics(MediaMetric::ALL)
        .send()
        .await?;
    println!(
        "  text post: {}",
        totals(&media, &MediaMetric::ALL.map(|m| m.to_string()))
    );
    let user_metrics = [
        UserMetric::Views,
        UserMetric::Likes,
        UserMetric::Replies,
        UserMetric::FollowersCount,
    ];
    let user = account
        .insights()
        .user()
        .metrics(user_metrics.clone())
        .send()
        .await?;
    println!(
        "  account:   {}",
        totals(&user, &user_metrics.map(|m| m.to_string()))
    );
    let countries = account
        .insights()
        .user()
        .follower_demographics(DemographicBreakdown::Country)
        .send()
        .await?;
    let mut by_country: Vec<_> = countries
        .data
        .iter()
        .flat_map(|m| m.breakdowns())
        .flat_map(|b| b.results.iter())
        .collect();
    by_country.sort_by_key(|r| std::cmp::Reverse(r.value));
    let top: Vec<String> = by_country
        .iter()
        .take(3)
        .map(|r| format!("{} {}", r.dimension_values.join("/"), r.value))
        .collect();
    println!("  top follower countries: {}", top.join(", "));
    let poll_now = account
        .posts()
        .get(&poll.media_id)
        .fields(Fields::new().field(MediaField::Id).nested(
            MediaField::PollAttachment,
            [
                "option_a",
                "option_b",
                "option_c",
                "option_a_votes_percentage",
                "option_b_votes_percentage",
                "option_c_votes_percentage",
                "total_votes",
            ],
        ))
        .send()
        .await?;
    if let Some(p) = poll_now.poll_attachment {
        let share = |o: &Option<String>, v: Option<f64>| {
            format!(
                "{} {:.0}%",
                o.as_deref().unwrap_or("?"),
                v.unwrap_or(0.0) * 100.0
            )
        };
        println!(
            "  poll after {} votes: {} · {} · {}",
            p.total_votes.unwrap_or_default(),
            share(&p.option_a, p.option_a_votes_percentage),
            share(&p.option_b, p.option_b_votes_percentage),
            share(&p.option_c, p.option_c_votes_percentage),
        );
    }
    let limit = account
        .publishing_limit()
        .fields([
            LimitField::QuotaUsage,
            LimitField::Config,
            LimitField::ReplyQuotaUsage,
            LimitField::ReplyConfig,
        ])
        .send()
        .await?;
    println!(
        "  quota: {} of {} posts and {} of {} replies used in the last 24 h",
        limit.quota_usage.unwrap_or_default(),
        limit.config.as_ref().map_or(0, |c| c.quota_total),
        limit.reply_quota_usage.unwrap_or_default(),
        limit.reply_config.as_ref().map_or(0, |c| c.quota_total),
    );

    section(5, "The next day: keep the token fresh");
    match oauth.refresh(&long.access_token, now(admin)).await {
        Err(e) => println!(
            "  ✗ refresh 6 h after login refused, as Meta does: {}",
            reason(&e)
        ),
        Ok(_) => bail!("a refresh before 24 h should be refused"),
    }
    admin.advance(18 * 3_600 + 60);
    let fresh = oauth.refresh(&long.access_token, now(admin)).await?;
    println!(
        "  ✓ refreshed at {}: valid until {}",
        clock(admin),
        fresh.expires_at.format("%Y-%m-%d")
    );
    let info = oauth
        .debug_token(&fresh.access_token, &fresh.access_token)
        .await?;
    println!(
        "  ✓ debug_token: valid={}, app \"{}\", {} scopes",
        info.is_valid,
        info.application.as_deref().unwrap_or("?"),
        info.scopes.len()
    );

    let ledger = admin.ledger();
    let publishes = ledger
        .iter()
        .filter(|e| e.operation == threads_emulator::Operation::Publish && e.succeeded())
        .count();
    println!(
        "\nDone: {publishes} posts published, {} write calls in the emulator's ledger, {:.1} s of real time.",
        ledger.len(),
        started.elapsed().as_secs_f64()
    );
    emu.shutdown().await;
    Ok(())
}

/// Publishes with the explicit steps, moving the virtual clock while the container
/// processes: create → IN_PROGRESS → (advance) → FINISHED → publish. Returns the media
/// ID and a description of what happened.
async fn step_by_step(
    account: &AccountClient,
    admin: &Admin,
    request: ContainerRequest,
    processing_secs: i64,
) -> Result<(MediaId, String)> {
    let publish = account.publish();
    let container: ContainerId = publish.create_container(&request).await?;
    let first = publish.container_status(&container).await?;
    let mut waited = 0;
    let mut status = first.status.clone();
    while status != Some(ContainerState::Finished) {
        if waited >= 600 {
            bail!("container {container} still {status:?} after {waited} virtual seconds");
        }
        admin.advance(processing_secs);
        waited += processing_secs;
        status = publish.container_status(&container).await?.status;
    }
    let published = publish.publish_container(&container).await?;
    let state = |s: &Option<ContainerState>| s.as_ref().map_or("?", |s| s.as_str()).to_owned();
    Ok((
        published.media_id,
        format!(
            "{} → +{waited} s virtual → {} → publish",
            state(&first.status),
            state(&status)
        ),
    ))
}

fn section(n: u32, title: &str) {
    println!("\n{n}. {title}");
}

fn posted(kind: &str, id: &MediaId, how: &str) {
    println!("  ✓ {kind:<8} {id}  {how}");
}

/// The emulator's virtual time, for the client's `now` parameters.
fn now(admin: &Admin) -> DateTime<Utc> {
    DateTime::from_timestamp(admin.now(), 0).unwrap_or_default()
}

fn clock(admin: &Admin) -> String {
    now(admin).format("%Y-%m-%d %H:%M UTC").to_string()
}

fn totals(insights: &threads_api::model::InsightsResponse, names: &[String]) -> String {
    names
        .iter()
        .map(|name| {
            let value = insights
                .total(name)
                .map_or_else(|| "-".to_owned(), |v| v.to_string());
            format!("{name} {value}")
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", truncate(text, 48))
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The first clause of a Graph error message ("The access token is too new ...").
fn reason(error: &threads_api::Error) -> String {
    let message = error
        .graph()
        .map_or_else(|| error.to_string(), |g| g.message.clone());
    message
        .split([':', '.'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}
