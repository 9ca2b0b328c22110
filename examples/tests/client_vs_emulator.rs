//! The `threads-api` client's integration tests, run against the in-process
//! `threads-emulator` (issue #3): every flow goes through the typed client over real
//! HTTP, and the emulator's admin API scripts the world and checks what the server saw
//! (its ledger of write calls).
//!
//! Time only moves with the emulator's virtual clock. The convenience publish flow polls
//! with real (millisecond) intervals, so those tests run a small "ticker" that advances
//! the virtual clock while the flow waits.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use secrecy::ExposeSecret;
use threads_api::api::publish::PublishWait;
use threads_api::error::{ErrorCode, ErrorSubcode};
use threads_api::ids::{LocationId, MediaId, UserId};
use threads_api::model::{
    ContainerRequest, ContainerState, DemographicBreakdown, Fields, LimitField, MediaField,
    MediaMetric, MediaType, PollAttachment, ReplyApprovalStatus, UserMetric,
};
use threads_api::oauth::{OAuthClient, Scope, parse_redirect};
use threads_api::{
    AccessToken, AccountClient, AppCredentials, AppSecret, Error, ErrorAction, RetryPolicy,
    ThreadsClient,
};
use threads_emulator::{
    Admin, AppInfo, AppSpec, Emulator, Endpoint, FaultAction, FaultRule, LedgerEntry, LocationSpec,
    Operation, PostAs, RunningEmulator, TokenSpec, UserInfo, UserSpec,
};

const REDIRECT_URI: &str = "https://app.example/threads/callback";

/// A running emulator with one app, the account under test (`tester`, 500 followers),
/// a public `friend` (150 followers) and a small account `newbie` (20 followers).
struct Env {
    emu: RunningEmulator,
    app: AppInfo,
    me: UserInfo,
    friend: UserInfo,
    newbie: UserInfo,
    client: ThreadsClient,
    account: AccountClient,
}

/// Fast retries so fault tests stay quick.
fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn client_for(emu: &RunningEmulator, policy: RetryPolicy) -> ThreadsClient {
    ThreadsClient::builder()
        .graph_base_url(emu.base_url())
        .authorize_base_url(emu.base_url())
        .timeout(Duration::from_secs(5))
        .retry_policy(policy)
        .build()
        .expect("the emulator's base URL is a valid http URL")
}

async fn env() -> Env {
    let emu = Emulator::builder()
        .seed(11)
        .start()
        .await
        .expect("the emulator binds a free loopback port");
    let admin = emu.admin();
    let app = admin
        .create_app(AppSpec {
            name: "Integration App".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            ..AppSpec::default()
        })
        .expect("app");
    let me = admin
        .create_user(UserSpec {
            username: "tester".into(),
            name: Some("Test Account".into()),
            biography: "I test things".into(),
            followers: 500,
            is_verified: true,
            ..UserSpec::default()
        })
        .expect("user");
    let friend = admin
        .create_user(UserSpec {
            username: "friend".into(),
            followers: 150,
            ..UserSpec::default()
        })
        .expect("user");
    let newbie = admin
        .create_user(UserSpec {
            username: "newbie".into(),
            followers: 20,
            ..UserSpec::default()
        })
        .expect("user");
    let client = client_for(&emu, fast_retries(3));
    let token = mint(admin, &app, &me);
    let account = client.account(UserId::new(me.id.clone()), token);
    Env {
        emu,
        app,
        me,
        friend,
        newbie,
        client,
        account,
    }
}

/// A long-lived token minted directly by the admin API (no OAuth dance).
fn mint(admin: &Admin, app: &AppInfo, user: &UserInfo) -> AccessToken {
    let minted = admin
        .mint_token(TokenSpec {
            app_id: app.id.clone(),
            user_id: user.id.clone(),
            long_lived: true,
            ..TokenSpec::default()
        })
        .expect("known app and user");
    AccessToken::new(minted.access_token.expose_secret())
}

impl Env {
    fn admin(&self) -> &Admin {
        self.emu.admin()
    }

    /// The emulator's virtual time.
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.admin().now(), 0).expect("virtual time is in range")
    }

    fn oauth(&self) -> OAuthClient {
        self.client.oauth(
            AppCredentials::new(
                self.app.id.clone(),
                AppSecret::new(self.app.secret.expose_secret()),
            ),
            REDIRECT_URI,
        )
    }

    fn account_of(&self, user: &UserInfo) -> AccountClient {
        self.client.account(
            UserId::new(user.id.clone()),
            mint(self.admin(), &self.app, user),
        )
    }

    fn post_as(&self, author: &UserInfo, text: &str, reply_to: Option<&MediaId>) -> MediaId {
        let id = self
            .admin()
            .post_as(PostAs {
                author: author.username.clone(),
                text: Some(text.into()),
                reply_to: reply_to.map(ToString::to_string),
                ..PostAs::default()
            })
            .expect("admin post");
        MediaId::new(id)
    }

    /// Ledger entries of one operation.
    fn ledger_of(&self, op: Operation) -> Vec<LedgerEntry> {
        self.admin()
            .ledger()
            .into_iter()
            .filter(|e| e.operation == op)
            .collect()
    }

    /// Publishes `request` with the explicit steps, advancing the virtual clock until the
    /// container is FINISHED.
    async fn publish_steps(&self, request: ContainerRequest) -> MediaId {
        let publish = self.account.publish();
        let container = publish.create_container(&request).await.expect("create");
        for _ in 0..20 {
            let status = publish.container_status(&container).await.expect("status");
            if status.status == Some(ContainerState::Finished) {
                return publish
                    .publish_container(&container)
                    .await
                    .expect("publish")
                    .media_id;
            }
            self.admin().advance(5);
        }
        panic!("container {container} never finished");
    }

    /// Follows the authorize dialog like a browser would, without following the final
    /// redirect, and returns its `Location`.
    async fn authorize(&self, state: &str) -> String {
        let dialog = self.oauth().authorize_url(&Scope::ALL, Some(state));
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let res = browser
            .get(dialog.as_str())
            .send()
            .await
            .expect("authorize");
        assert!(res.status().is_redirection(), "status {}", res.status());
        res.headers()
            .get(reqwest::header::LOCATION)
            .expect("Location header")
            .to_str()
            .expect("ASCII location")
            .to_owned()
    }
}

/// Advances the virtual clock by one second every millisecond while alive, so the
/// client's publish flow (which waits in real time) sees containers finish.
struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    fn start(admin: &Admin) -> Self {
        let admin = admin.clone();
        Ticker(tokio::spawn(async move {
            loop {
                admin.advance(1);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn quick_wait() -> PublishWait {
    PublishWait {
        initial_delay: Duration::ZERO,
        poll_interval: Duration::from_millis(5),
        max_poll_interval: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
    }
}

fn graph_code(err: &Error) -> Option<i64> {
    err.graph().and_then(|g| g.code).map(ErrorCode::as_i64)
}

fn media_fields(fields: &[MediaField]) -> Fields {
    fields
        .iter()
        .fold(Fields::new().field(MediaField::Id), |f, x| f.field(x))
}

// ---------------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn oauth_flow_end_to_end() {
    let env = env().await;
    let oauth = env.oauth();

    // Authorize redirect, parsed by the client (state checked, `#_` stripped).
    let location = env.authorize("state-123").await;
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert!(
        location.ends_with("#_"),
        "the documented `#_` suffix: {location}"
    );
    let redirect = parse_redirect(&location, Some("state-123")).expect("valid redirect");
    assert_eq!(redirect.state.as_deref(), Some("state-123"));
    assert!(!redirect.code.expose_secret().contains('#'));
    assert!(matches!(
        parse_redirect(&location, Some("another-state")),
        Err(Error::InvalidRedirect { .. })
    ));

    // Code exchange → short-lived token of the authorizing user (1 h).
    let short = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect("code exchange");
    assert_eq!(short.user_id.as_str(), env.me.id);
    assert_eq!(
        short.expires_at,
        env.now() + chrono::TimeDelta::seconds(3_600)
    );

    // The code is single-use: the flat OAuth error, classified as terminal.
    let reused = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect_err("a code works once");
    match &reused {
        Error::OAuth(o) => {
            assert_eq!(o.error_type.as_deref(), Some("OAuthException"));
            assert!(
                o.error_message.contains("Matching code was not found"),
                "{}",
                o.error_message
            );
        }
        other => panic!("expected the flat OAuth error, got {other:?}"),
    }
    assert_eq!(reused.action(), ErrorAction::Terminal);

    // Long-lived exchange: 60 days.
    let long = oauth
        .exchange_for_long_lived(&short.access_token, env.now())
        .await
        .expect("long-lived exchange");
    assert_eq!(long.expires_in, 60 * 86_400);
    assert_eq!(long.token_type.as_deref(), Some("bearer"));

    // The token works.
    let account = env
        .client
        .account(short.user_id.clone(), long.access_token.clone());
    let profile = account.profile().get().send().await.expect("profile");
    assert_eq!(profile.username.as_deref(), Some("tester"));

    // Refresh is refused before the token is 24 h old...
    let early = oauth
        .refresh(&long.access_token, env.now())
        .await
        .expect_err("too new to refresh");
    assert!(early.graph().is_some(), "{early:?}");
    assert_eq!(early.action(), ErrorAction::Terminal);
    // ... and accepted after.
    env.admin().advance(24 * 3_600 + 1);
    let refreshed = oauth
        .refresh(&long.access_token, env.now())
        .await
        .expect("refresh after 24 h");
    assert_eq!(refreshed.expires_in, 60 * 86_400);
    assert_eq!(
        refreshed.expires_at,
        env.now() + chrono::TimeDelta::days(60)
    );

    // debug_token describes the refreshed token.
    let info = oauth
        .debug_token(&refreshed.access_token, &long.access_token)
        .await
        .expect("debug_token");
    assert!(info.is_valid);
    assert_eq!(info.application.as_deref(), Some("Integration App"));
    assert_eq!(
        info.user_id.as_ref().map(UserId::as_str),
        Some(env.me.id.as_str())
    );
    assert!(info.scopes.contains(&Scope::Basic));
    assert!(info.scopes.contains(&Scope::ContentPublish));
    assert_eq!(info.issued_at, Some(env.now()));
    assert_eq!(info.expires_at, Some(refreshed.expires_at));

    // App token (client_credentials).
    let app_token = oauth.app_token().await.expect("app token");
    assert!(app_token.access_token.is_app_token());
    assert!(
        app_token
            .access_token
            .expose_secret()
            .starts_with(&format!("TH|{}|", env.app.id))
    );
}

#[tokio::test]
async fn oauth_denied_and_expired_short_lived_token() {
    let env = env().await;
    env.admin()
        .set_deny_authorize(&env.app.id, true)
        .expect("known app");
    let location = env.authorize("s1").await;
    match parse_redirect(&location, Some("s1")) {
        Err(Error::AuthorizationDenied { error, reason, .. }) => {
            assert_eq!(error, "access_denied");
            assert_eq!(reason, "user_denied");
        }
        other => panic!("expected AuthorizationDenied, got {other:?}"),
    }

    env.admin()
        .set_deny_authorize(&env.app.id, false)
        .expect("known app");
    let redirect = parse_redirect(&env.authorize("s2").await, Some("s2")).expect("code");
    let oauth = env.oauth();
    let short = oauth
        .exchange_code(&redirect.code, env.now())
        .await
        .expect("exchange");
    // A short-lived token lasts 1 h: exchanging it later fails with 190 → reauthorize.
    env.admin().advance(3_601);
    let err = oauth
        .exchange_for_long_lived(&short.access_token, env.now())
        .await
        .expect_err("expired short-lived token");
    assert_eq!(graph_code(&err), Some(190), "{err:?}");
    assert_eq!(err.action(), ErrorAction::Reauthorize);
    assert!(err.is_auth_expired());
}

#[tokio::test]
async fn oauth_code_expires_after_an_hour() {
    let env = env().await;
    let redirect = parse_redirect(&env.authorize("s").await, Some("s")).expect("code");
    env.admin().advance(3_601);
    let err = env
        .oauth()
        .exchange_code(&redirect.code, env.now())
        .await
        .expect_err("codes last 1 h");
    assert!(matches!(err, Error::OAuth(_)), "{err:?}");
}

// ---------------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn every_post_type_via_explicit_steps() {
    let env = env().await;
    let text = env
        .publish_steps(ContainerRequest::text("plain text #Rust").topic_tag("RustLang"))
        .await;
    let image = env
        .publish_steps(
            ContainerRequest::image("https://cdn.example/a.jpg")
                .with_text("an image")
                .alt_text("a description"),
        )
        .await;
    let video = env
        .publish_steps(ContainerRequest::video("https://cdn.example/v.mp4").with_text("a video"))
        .await;
    let publish = env.account.publish();
    let mut children = Vec::new();
    for url in ["https://cdn.example/1.jpg", "https://cdn.example/2.mp4"] {
        let child = if url.ends_with(".mp4") {
            ContainerRequest::video(url)
        } else {
            ContainerRequest::image(url)
        };
        children.push(
            publish
                .create_container(&child.carousel_item(true))
                .await
                .expect("child container"),
        );
    }
    let carousel = env
        .publish_steps(ContainerRequest::carousel(children).with_text("a carousel"))
        .await;
    let poll = env
        .publish_steps(
            ContainerRequest::text("a poll")
                .poll_attachment(PollAttachment::new("yes", "no").option_c("maybe")),
        )
        .await;
    let quote = env
        .publish_steps(ContainerRequest::text("a quote").quote(text.clone()))
        .await;
    let reply_container = env
        .account
        .replies()
        .create_container(&text, ContainerRequest::text("a reply"))
        .await
        .expect("reply container");
    let reply = publish
        .publish_container(&reply_container)
        .await
        .expect("publish reply")
        .media_id;
    let friend_post = env.post_as(&env.friend, "something to repost", None);
    let repost = publish.repost(&friend_post).await.expect("repost");

    let posts = env.account.posts();
    let all = Fields::all_for(threads_api::model::Endpoint::Media);
    let get = |id: MediaId| {
        let posts = posts.clone();
        let all = all.clone();
        async move { posts.get(&id).fields(all).send().await.expect("read back") }
    };

    let t = get(text.clone()).await;
    assert_eq!(t.media_type, Some(MediaType::TextPost));
    assert_eq!(t.text.as_deref(), Some("plain text #Rust"));
    assert_eq!(t.topic_tag.as_deref(), Some("RustLang"));
    assert_eq!(
        t.owner.and_then(|o| o.id).map(UserId::into_string),
        Some(env.me.id.clone())
    );
    assert_eq!(t.has_replies, Some(true));

    let i = get(image).await;
    assert_eq!(i.media_type, Some(MediaType::Image));
    assert_eq!(i.media_url.as_deref(), Some("https://cdn.example/a.jpg"));
    assert_eq!(i.alt_text.as_deref(), Some("a description"));

    let v = get(video).await;
    assert_eq!(v.media_type, Some(MediaType::Video));
    assert!(v.thumbnail_url.is_some(), "videos have a thumbnail");

    let c = get(carousel).await;
    assert_eq!(c.media_type, Some(MediaType::CarouselAlbum));
    assert_eq!(c.children_ids().len(), 2);

    let p = get(poll).await;
    assert_eq!(p.media_type, Some(MediaType::TextPost));
    let results = p.poll_attachment.expect("poll_attachment");
    assert_eq!(results.option_a.as_deref(), Some("yes"));
    assert_eq!(results.option_c.as_deref(), Some("maybe"));
    assert_eq!(results.option_d, None);

    let q = get(quote).await;
    assert_eq!(q.is_quote_post, Some(true));
    assert_eq!(q.quoted_post.map(|r| r.id), Some(text.clone()));

    let r = get(reply).await;
    assert_eq!(r.is_reply, Some(true));
    assert_eq!(r.replied_to.map(|x| x.id), Some(text.clone()));
    assert_eq!(r.root_post.map(|x| x.id), Some(text.clone()));

    // The profile lists the top-level posts and the repost, not the reply.
    let listed: Vec<_> = env
        .account
        .posts()
        .list()
        .fields(media_fields(&[
            MediaField::MediaType,
            MediaField::RepostedPost,
        ]))
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(listed.len(), 7, "{listed:?}");
    let facade = listed
        .iter()
        .find(|m| m.id == repost)
        .expect("the repost is listed");
    assert!(facade.is_repost());
    assert_eq!(
        facade.reposted_post.as_ref().map(|r| r.id.clone()),
        Some(friend_post)
    );

    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(publishes.len(), 7);
    assert!(publishes.iter().all(LedgerEntry::succeeded));
}

#[tokio::test]
async fn every_post_type_via_the_publish_flow() {
    let env = env().await;
    let _ticker = Ticker::start(env.admin());
    let publish = env.account.publish();
    let flow = |request: ContainerRequest| {
        let publish = publish.clone();
        async move {
            publish
                .publish(request)
                .wait(quick_wait())
                .send()
                .await
                .expect("publish flow")
                .media_id
        }
    };
    let text = flow(ContainerRequest::text("flow text")).await;
    let image = flow(ContainerRequest::image("https://cdn.example/f.jpg")).await;
    let video = flow(ContainerRequest::video("https://cdn.example/f.mp4")).await;
    let mut children = Vec::new();
    for n in 0..3 {
        children.push(
            publish
                .create_container(
                    &ContainerRequest::image(format!("https://cdn.example/c{n}.jpg"))
                        .carousel_item(true),
                )
                .await
                .expect("child"),
        );
    }
    let carousel = flow(ContainerRequest::carousel(children)).await;
    let poll =
        flow(ContainerRequest::text("flow poll").poll_attachment(PollAttachment::new("a", "b")))
            .await;
    let quote = flow(ContainerRequest::text("flow quote").quote(image.clone())).await;
    let reply = env
        .account
        .replies()
        .reply(&text, ContainerRequest::text("flow reply"))
        .wait(quick_wait())
        .send()
        .await
        .expect("reply flow")
        .media_id;
    let auto = publish
        .publish(ContainerRequest::text("auto-published").auto_publish_text(true))
        .send()
        .await
        .expect("auto publish");
    assert_eq!(auto.media_id.as_str(), auto.container_id.as_str());

    let fields = media_fields(&[MediaField::MediaType, MediaField::IsReply]);
    let expect = [
        (text, MediaType::TextPost),
        (image, MediaType::Image),
        (video, MediaType::Video),
        (carousel, MediaType::CarouselAlbum),
        (poll, MediaType::TextPost),
        (quote, MediaType::TextPost),
        (reply.clone(), MediaType::TextPost),
        (auto.media_id, MediaType::TextPost),
    ];
    for (id, kind) in expect {
        let m = env
            .account
            .posts()
            .get(&id)
            .fields(fields.clone())
            .send()
            .await
            .expect("read back");
        assert_eq!(m.media_type, Some(kind), "{id}");
        assert_eq!(m.is_reply, Some(id == reply), "{id}");
    }
    // Exactly one successful publish per post: the flow never publishes twice.
    let ok = env
        .ledger_of(Operation::Publish)
        .into_iter()
        .filter(LedgerEntry::succeeded)
        .count();
    assert_eq!(ok, 8);
}

#[tokio::test]
async fn container_status_moves_from_in_progress_to_published() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::video("https://cdn.example/slow.mp4"))
        .await
        .expect("container");
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::InProgress));
    assert!(!status.is_ready());

    // Too early: code 24 / 4279009, which the client classifies as "wait for it".
    let early = publish
        .publish_container(&container)
        .await
        .expect_err("not ready yet");
    let g = early.graph().expect("Graph error");
    assert_eq!(g.code, Some(ErrorCode::ResourceNotFound));
    assert_eq!(g.subcode, Some(ErrorSubcode::MediaNotFound));
    assert_eq!(early.action(), ErrorAction::WaitForContainer);

    env.admin().advance(60);
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Finished));
    let published = publish
        .publish_container(&container)
        .await
        .expect("publish");
    assert_eq!(published.container_id, container);
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Published));

    // Publishing twice is refused, and the flow refuses a PUBLISHED container.
    publish
        .publish_container(&container)
        .await
        .expect_err("already published");
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(
        ledger.iter().map(|e| e.succeeded()).collect::<Vec<_>>(),
        [false, true, false]
    );
    assert_eq!(ledger[0].error_code, Some(24));

    // A container that never becomes ready ends the flow at its deadline.
    env.admin().add_fault(FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::StuckInProgress { secs: 1_000_000 },
    ));
    let err = publish
        .publish(ContainerRequest::image("https://cdn.example/stuck.jpg"))
        .wait(PublishWait {
            deadline: Duration::from_millis(50),
            ..quick_wait()
        })
        .send()
        .await
        .expect_err("stuck container");
    match &err {
        Error::ContainerNotReady { last_status, .. } => {
            assert_eq!(last_status, &Some(ContainerState::InProgress));
        }
        other => panic!("expected ContainerNotReady, got {other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::WaitForContainer);
}

#[tokio::test]
async fn failed_container_surfaces_as_container_failed() {
    let env = env().await;
    env.admin().add_fault(FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::ContainerError {
            error_message: "FAILED_DOWNLOADING_VIDEO".into(),
        },
    ));
    let _ticker = Ticker::start(env.admin());
    let err = env
        .account
        .publish()
        .publish(ContainerRequest::video("https://cdn.example/broken.mp4"))
        .wait(quick_wait())
        .send()
        .await
        .expect_err("container ends in ERROR");
    match &err {
        Error::ContainerFailed {
            status,
            error_message,
            ..
        } => {
            assert_eq!(status, &ContainerState::Error);
            assert_eq!(
                error_message.as_ref().map(|m| m.as_str()),
                Some("FAILED_DOWNLOADING_VIDEO")
            );
        }
        other => panic!("expected ContainerFailed, got {other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::RecreateContainer);
    assert!(env.ledger_of(Operation::Publish).is_empty());
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_any_request() {
    let env = env().await;
    // A tripwire: any request that reaches the emulator fails with 190 instead.
    env.admin().add_fault(FaultRule::always(
        Endpoint::Any,
        FaultAction::GraphError {
            code: 190,
            subcode: None,
            status: None,
            message: None,
        },
    ));
    let publish = env.account.publish();
    let fake = threads_api::ids::ContainerId::new("17841400000000999");
    let bad = [
        ContainerRequest::text("x".repeat(501)),
        ContainerRequest::text(""),
        ContainerRequest::text("poll").poll_attachment(PollAttachment::new("a", "")),
        ContainerRequest::text("tag").topic_tag("no.dots"),
        ContainerRequest::text(
            "https://a.example https://b.example https://c.example https://d.example https://e.example https://f.example",
        ),
        ContainerRequest::carousel([fake]),
        ContainerRequest::image("https://cdn.example/i.jpg").alt_text("a".repeat(1_001)),
        ContainerRequest::image("https://cdn.example/i.jpg")
            .poll_attachment(PollAttachment::new("a", "b")),
    ];
    for request in bad {
        let err = publish
            .create_container(&request)
            .await
            .expect_err("invalid request");
        assert!(matches!(err, Error::Validation(_)), "{request:?}: {err:?}");
        let err = publish
            .publish(request.clone())
            .send()
            .await
            .expect_err("invalid request");
        assert!(matches!(err, Error::Validation(_)), "{request:?}: {err:?}");
    }
    let list_err = env
        .account
        .posts()
        .list()
        .limit(101)
        .send()
        .await
        .expect_err("limit > 100");
    assert!(matches!(list_err, Error::Validation(_)), "{list_err:?}");
    let both = env
        .account
        .posts()
        .list()
        .after("a")
        .before("b")
        .send()
        .await
        .expect_err("before and after");
    assert!(matches!(both, Error::Validation(_)), "{both:?}");
    let old = env
        .account
        .posts()
        .list()
        .since(DateTime::from_timestamp(1_600_000_000, 0).expect("valid"))
        .send()
        .await
        .expect_err("since before 2023-07-05");
    assert!(matches!(old, Error::Validation(_)), "{old:?}");
    let width = env
        .client
        .oembed("https://www.threads.com/@tester/post/abc")
        .max_width(100)
        .send()
        .await
        .expect_err("maxwidth < 320");
    assert!(matches!(width, Error::Validation(_)), "{width:?}");
    let no_breakdown = env
        .account
        .insights()
        .user()
        .metrics([UserMetric::FollowerDemographics])
        .send()
        .await
        .expect_err("demographics need a breakdown");
    assert!(matches!(no_breakdown, Error::Validation(_)));

    assert!(
        env.admin().ledger().is_empty(),
        "{:?}",
        env.admin().ledger()
    );
    // The tripwire works: a valid request does reach the emulator.
    let sent = env
        .account
        .profile()
        .get()
        .send()
        .await
        .expect_err("tripwire");
    assert_eq!(graph_code(&sent), Some(190));
}

// ---------------------------------------------------------------------------------
// Replies, moderation, mentions
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn replies_conversation_and_hiding() {
    let env = env().await;
    let post = env.publish_steps(ContainerRequest::text("root post")).await;
    let first = env.post_as(&env.friend, "first reply", Some(&post));
    let second = env.post_as(&env.newbie, "second reply", Some(&post));
    let nested = env.post_as(&env.newbie, "nested reply", Some(&first));
    let mine = env
        .account
        .replies()
        .reply(&post, ContainerRequest::text("my reply"))
        .send()
        .await
        .expect("reply")
        .media_id;

    let replies = env.account.replies();
    let direct = replies
        .list(&post)
        .reverse(false)
        .send()
        .await
        .expect("replies");
    let ids: Vec<_> = direct.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids, [first.clone(), second.clone(), mine.clone()]);
    let newest_first = replies.list(&post).send().await.expect("replies");
    assert_eq!(
        newest_first.data.first().map(|m| m.id.clone()),
        Some(mine.clone()),
        "reverse defaults to true (newest first)"
    );

    let conversation = replies
        .conversation(&post)
        .reverse(false)
        .send()
        .await
        .expect("conversation");
    let ids: Vec<_> = conversation.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.contains(&nested));

    let mine_listed: Vec<_> = replies
        .by_user()
        .stream()
        .try_collect()
        .await
        .expect("my replies");
    assert_eq!(
        mine_listed.iter().map(|m| &m.id).collect::<Vec<_>>(),
        [&mine]
    );

    // Hide a top-level reply, then unhide it.
    let hide_fields = media_fields(&[MediaField::HideStatus]);
    assert!(replies.hide(&first).await.expect("hide").success);
    let hidden = env
        .account
        .posts()
        .get(&first)
        .fields(hide_fields.clone())
        .send()
        .await
        .expect("read");
    assert_eq!(
        hidden.hide_status,
        Some(threads_api::model::HideStatus::Hidden)
    );
    assert!(replies.unhide(&first).await.expect("unhide").success);
    let shown = env
        .account
        .posts()
        .get(&first)
        .fields(hide_fields)
        .send()
        .await
        .expect("read");
    assert_eq!(
        shown.hide_status,
        Some(threads_api::model::HideStatus::Unhushed)
    );
    assert_eq!(env.ledger_of(Operation::ManageReply).len(), 2);
}

#[tokio::test]
async fn pending_replies_approve_and_ignore() {
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("approvals on").reply_approvals(true))
        .await;
    let a = env.post_as(&env.friend, "please approve me", Some(&post));
    let b = env.post_as(&env.newbie, "please ignore me", Some(&post));
    let replies = env.account.replies();

    let pending = replies.pending(&post).send().await.expect("pending");
    assert_eq!(pending.len(), 2);
    assert!(
        pending
            .iter()
            .all(|m| m.reply_approval_status == Some(ReplyApprovalStatus::Pending))
    );
    let visible = replies.list(&post).send().await.expect("replies");
    assert!(
        visible.is_empty(),
        "pending replies stay hidden: {visible:?}"
    );

    assert!(replies.approve(&a).await.expect("approve").success);
    assert!(replies.ignore(&b).await.expect("ignore").success);
    let visible = replies.list(&post).send().await.expect("replies");
    assert_eq!(visible.iter().map(|m| &m.id).collect::<Vec<_>>(), [&a]);
    let ignored = replies
        .pending(&post)
        .approval_status(ReplyApprovalStatus::Ignored)
        .send()
        .await
        .expect("ignored");
    assert_eq!(ignored.iter().map(|m| &m.id).collect::<Vec<_>>(), [&b]);
    let still_pending = replies
        .pending(&post)
        .approval_status(ReplyApprovalStatus::Pending)
        .send()
        .await
        .expect("pending");
    assert!(still_pending.is_empty());
    // An ignored reply can still be approved.
    replies.approve(&b).await.expect("approve later");
    let visible = replies.list(&post).send().await.expect("replies");
    assert_eq!(visible.len(), 2);
    assert_eq!(env.ledger_of(Operation::ManagePendingReply).len(), 3);
}

#[tokio::test]
async fn mentions_list_posts_that_mention_the_account() {
    let env = env().await;
    let mention = env.post_as(&env.friend, "hello @tester, welcome!", None);
    env.post_as(&env.friend, "no mention here", None);
    env.post_as(&env.newbie, "hi @friend", None);
    let mentions: Vec<_> = env
        .account
        .mentions()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("mentions");
    assert_eq!(
        mentions.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [mention]
    );
    assert_eq!(mentions[0].username.as_deref(), Some("friend"));
    assert!(mentions[0].owner.is_none(), "owner only on your own posts");
}

// ---------------------------------------------------------------------------------
// Search, discovery, profile
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn keyword_and_tag_search() {
    let env = env().await;
    let kw = env.post_as(&env.friend, "Rust on the emulator is fun", None);
    let tagged = env
        .admin()
        .post_as(PostAs {
            author: env.friend.username.clone(),
            text: Some("tagged post".into()),
            topic_tag: Some("Ferris".into()),
            ..PostAs::default()
        })
        .expect("post");
    env.post_as(&env.newbie, "unrelated", None);

    let search = env.account.search();
    let found = search.keyword("emulator").send().await.expect("search");
    assert_eq!(found.iter().map(|m| &m.id).collect::<Vec<_>>(), [&kw]);
    let by_tag = search.tag("ferris").send().await.expect("tag search");
    assert_eq!(
        by_tag
            .iter()
            .map(|m| m.id.as_str().to_owned())
            .collect::<Vec<_>>(),
        [tagged]
    );
    let by_author = search
        .keyword("emulator")
        .author_username("newbie")
        .send()
        .await
        .expect("search");
    assert!(by_author.is_empty());

    // The searches are remembered on the profile (read with explicit fields here; see
    // `recently_searched_keywords_helper` for the client's shortcut).
    let profile = env
        .account
        .profile()
        .get()
        .fields(Fields::of(["id", "recently_searched_keywords"]))
        .send()
        .await
        .expect("profile");
    let recent = profile.recently_searched_keywords.expect("recent searches");
    let queries: Vec<_> = recent.iter().map(|k| k.query.as_str()).collect();
    assert!(queries.contains(&"emulator"), "{queries:?}");
    assert!(queries.contains(&"ferris"), "{queries:?}");
    assert!(
        recent.iter().all(|k| k.timestamp == Some(env.now())),
        "epoch milliseconds decoded to the virtual time: {recent:?}"
    );
}

#[tokio::test]
async fn recently_searched_keywords_helper() {
    let env = env().await;
    env.post_as(&env.friend, "searchable words", None);
    env.account
        .search()
        .keyword("searchable")
        .send()
        .await
        .expect("search");
    let recent = env
        .account
        .profile()
        .recently_searched_keywords()
        .await
        .expect("recent searches");
    assert_eq!(
        recent.iter().map(|k| k.query.as_str()).collect::<Vec<_>>(),
        ["searchable"]
    );
}

#[tokio::test]
async fn profile_and_profile_discovery() {
    let env = env().await;
    let me = env
        .account
        .profile()
        .get()
        .all_fields()
        .send()
        .await
        .expect("profile");
    assert_eq!(me.id.as_str(), env.me.id);
    assert_eq!(me.username.as_deref(), Some("tester"));
    assert_eq!(me.name.as_deref(), Some("Test Account"));
    assert_eq!(me.threads_biography.as_deref(), Some("I test things"));
    assert_eq!(me.is_verified, Some(true));
    assert!(me.threads_profile_picture_url.is_some());

    // `/me` works as the user id too.
    let via_me = env
        .client
        .account(UserId::me(), env.account.token().clone())
        .profile()
        .get()
        .send()
        .await
        .expect("me");
    assert_eq!(via_me.id.as_str(), env.me.id);

    env.post_as(&env.friend, "a public post", None);
    let discovery = env.account.discovery();
    let friend = discovery.lookup("friend").send().await.expect("lookup");
    assert_eq!(friend.username.as_deref(), Some("friend"));
    assert_eq!(friend.follower_count, Some(150));
    let posts: Vec<_> = discovery
        .posts("friend")
        .fields(media_fields(&[MediaField::Text, MediaField::Username]))
        .stream()
        .try_collect()
        .await
        .expect("profile posts");
    assert_eq!(posts.len(), 1);
    // Under 100 followers: not discoverable.
    let err = discovery
        .lookup("newbie")
        .send()
        .await
        .expect_err("too few followers");
    assert!(err.graph().is_some(), "{err:?}");
    assert_eq!(err.action(), ErrorAction::Terminal);
}

#[tokio::test]
async fn profile_posts_with_the_default_fields() {
    let env = env().await;
    let post = env.post_as(&env.friend, "a public post", None);
    let posts = env
        .account
        .discovery()
        .posts("friend")
        .send()
        .await
        .expect("profile posts with the client's default fields");
    assert_eq!(
        posts.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [post]
    );
}

// ---------------------------------------------------------------------------------
// Insights, limits, delete
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn media_and_account_insights() {
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("measure me"))
        .await;
    env.post_as(&env.friend, "reply 1", Some(&post));
    env.post_as(&env.newbie, "reply 2", Some(&post));
    env.admin().advance(3_600);
    let insights = env.account.insights();
    let early = insights
        .media(&post)
        .metrics(MediaMetric::ALL)
        .send()
        .await
        .expect("media insights");
    assert_eq!(early.data.len(), 6);
    assert_eq!(early.total("replies"), Some(2));
    env.admin().advance(12 * 3_600);
    let later = insights
        .media(&post)
        .metrics([MediaMetric::Views, MediaMetric::Likes])
        .send()
        .await
        .expect("media insights");
    let views = |r: &threads_api::model::InsightsResponse| r.total("views").unwrap_or(0);
    assert!(views(&later) > 0);
    assert!(views(&later) >= views(&early), "insights grow with time");

    let account = insights
        .user()
        .metrics([
            UserMetric::Views,
            UserMetric::FollowersCount,
            UserMetric::Likes,
        ])
        .send()
        .await
        .expect("user insights");
    assert_eq!(account.total("followers_count"), Some(500));
    let views_metric = account.metric("views").expect("views");
    assert!(views_metric.values.as_ref().is_some_and(|v| !v.is_empty()));

    let demographics = insights
        .user()
        .follower_demographics(DemographicBreakdown::Country)
        .send()
        .await
        .expect("demographics");
    let metric = demographics
        .metric("follower_demographics")
        .expect("metric");
    let breakdowns = metric.breakdowns();
    assert_eq!(breakdowns.len(), 1);
    assert_eq!(breakdowns[0].dimension_keys, ["country"]);
    let sum: u64 = breakdowns[0].results.iter().map(|r| r.value).sum();
    assert!(sum > 0 && sum <= 500, "{sum}");
    assert!(
        breakdowns[0]
            .results
            .iter()
            .all(|r| r.dimension_values.len() == 1)
    );

    // Fewer than 100 followers: no demographics.
    let newbie = env.account_of(&env.newbie);
    let err = newbie
        .insights()
        .user()
        .follower_demographics(DemographicBreakdown::Age)
        .send()
        .await
        .expect_err("needs 100 followers");
    assert!(err.graph().is_some(), "{err:?}");
}

#[tokio::test]
async fn publishing_limits_move_with_usage() {
    let env = env().await;
    let limits = || {
        env.account
            .publishing_limit()
            .fields(LimitField::ALL)
            .send()
    };
    let before = limits().await.expect("limits");
    assert_eq!(before.quota_usage, Some(0));
    assert_eq!(before.config.as_ref().map(|c| c.quota_total), Some(250));
    assert_eq!(
        before.config.as_ref().map(|c| c.quota_duration),
        Some(86_400)
    );
    assert_eq!(before.remaining_posts(), Some(250));
    assert_eq!(
        before.reply_config.as_ref().map(|c| c.quota_total),
        Some(1_000)
    );
    assert_eq!(
        before.delete_config.as_ref().map(|c| c.quota_total),
        Some(100)
    );
    assert_eq!(
        before
            .location_search_config
            .as_ref()
            .map(|c| c.quota_total),
        Some(500)
    );

    let a = env.publish_steps(ContainerRequest::text("one")).await;
    env.publish_steps(ContainerRequest::text("two")).await;
    env.account
        .replies()
        .reply(&a, ContainerRequest::text("a reply"))
        .send()
        .await
        .expect("reply");
    env.account.posts().delete(&a).await.expect("delete");
    env.admin().add_location(LocationSpec {
        name: "Somewhere".into(),
        ..LocationSpec::default()
    });
    env.account
        .locations()
        .search()
        .query("Somewhere")
        .send()
        .await
        .expect("location search");

    let after = limits().await.expect("limits");
    assert_eq!(after.quota_usage, Some(2));
    assert_eq!(after.remaining_posts(), Some(248));
    assert_eq!(after.reply_quota_usage, Some(1));
    assert_eq!(after.delete_quota_usage, Some(1));
    assert_eq!(after.location_search_quota_usage, Some(1));

    // The window is rolling: a day later the usage is gone.
    env.admin().advance(86_400 + 1);
    let next_day = limits().await.expect("limits");
    assert_eq!(next_day.quota_usage, Some(0));
    assert_eq!(next_day.reply_quota_usage, Some(0));
}

#[tokio::test]
async fn delete_removes_a_post() {
    let env = env().await;
    let keep = env.publish_steps(ContainerRequest::text("keep")).await;
    let gone = env.publish_steps(ContainerRequest::text("delete me")).await;
    let deleted = env.account.posts().delete(&gone).await.expect("delete");
    assert!(deleted.success);
    assert_eq!(deleted.deleted_id, Some(gone.clone()));
    let err = env
        .account
        .posts()
        .get(&gone)
        .send()
        .await
        .expect_err("deleted");
    assert!(err.graph().is_some(), "{err:?}");
    let listed: Vec<_> = env
        .account
        .posts()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [keep]
    );
    // Only your own posts can be deleted.
    let theirs = env.post_as(&env.friend, "not yours", None);
    env.account
        .posts()
        .delete(&theirs)
        .await
        .expect_err("someone else's post");
    let deletes = env.ledger_of(Operation::Delete);
    assert_eq!(
        deletes
            .iter()
            .map(LedgerEntry::succeeded)
            .collect::<Vec<_>>(),
        [true, false]
    );
}

// ---------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn pagination_streams_across_pages() {
    let env = env().await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(env.post_as(&env.me, &format!("post {n}"), None));
        env.admin().advance(60);
    }
    ids.reverse(); // newest first

    let first = env
        .account
        .posts()
        .list()
        .limit(3)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.len(), 3);
    assert!(first.has_next());
    let second = first.next_page().await.expect("page 2").expect("a page 2");
    assert_eq!(second.len(), 3);
    assert_eq!(
        first
            .iter()
            .chain(second.iter())
            .map(|m| m.id.clone())
            .collect::<Vec<_>>(),
        ids[..6]
    );

    let streamed: Vec<_> = env
        .account
        .posts()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(
        streamed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ids
    );

    // since/until in virtual time select a window.
    let start = DateTime::from_timestamp(threads_emulator::DEFAULT_START, 0).expect("valid");
    let window: Vec<_> = env
        .account
        .posts()
        .list()
        .since(start + chrono::TimeDelta::seconds(60))
        .until(start + chrono::TimeDelta::seconds(180))
        .limit(1)
        .stream()
        .try_collect()
        .await
        .expect("window");
    assert_eq!(
        window.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        ids[3..6]
    );
}

// ---------------------------------------------------------------------------------
// Error classification under injected faults
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn transient_errors_are_retried_for_reads() {
    let env = env().await;
    env.post_as(&env.me, "something to list", None);
    // Two transient failures, three attempts: the read succeeds.
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::ListThreads, 2).times(2));
    let page = env.account.posts().list().send().await.expect("retried");
    assert_eq!(page.len(), 1);

    // More failures than attempts: the error comes back, classified as retryable.
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::ListThreads, 2).times(3));
    let err = env
        .account
        .posts()
        .list()
        .send()
        .await
        .expect_err("out of attempts");
    assert_eq!(graph_code(&err), Some(2));
    assert_eq!(err.action(), ErrorAction::Retry);
    assert!(err.is_retryable());

    // With retries off, one transient failure is enough.
    let once = client_for(&env.emu, RetryPolicy::never())
        .account(UserId::new(env.me.id.clone()), env.account.token().clone());
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::GetProfile, 2).times(1));
    once.profile().get().send().await.expect_err("not retried");
    once.profile().get().send().await.expect("fault used up");
}

#[tokio::test]
async fn invalid_token_asks_for_reauthorization() {
    let env = env().await;
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::GetProfile,
            FaultAction::GraphError {
                code: 190,
                subcode: Some(463),
                status: None,
                message: None,
            },
        )
        .times(1),
    );
    let err = env.account.profile().get().send().await.expect_err("190");
    assert_eq!(err.action(), ErrorAction::Reauthorize);
    assert!(err.is_auth_expired());
    assert!(!err.is_retryable());
    let g = err.graph().expect("graph error");
    assert_eq!(g.subcode, Some(ErrorSubcode::TokenExpired));

    // A token that really expired gives the same classification.
    let token = env.account.token().expose_secret().to_owned();
    assert!(env.admin().expire_token(&token));
    let err = env
        .account
        .posts()
        .list()
        .send()
        .await
        .expect_err("expired");
    assert_eq!(graph_code(&err), Some(190));
    assert_eq!(err.action(), ErrorAction::Reauthorize);
}

#[tokio::test]
async fn a_failed_publish_is_never_retried() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("publish me once"))
        .await
        .expect("container");
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::GraphError {
                code: 1,
                subcode: None,
                status: Some(500),
                message: None,
            },
        )
        .times(1)
        .labelled("publish-500"),
    );
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("500 on publish");
    assert_eq!(err.http_status().map(|s| s.as_u16()), Some(500));
    assert!(err.is_retryable(), "a read would be retried");
    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(
        publishes.len(),
        1,
        "exactly one publish call: {publishes:?}"
    );
    assert_eq!(publishes[0].fault.as_deref(), Some("publish-500"));

    // Same for a bare HTTP 500 without a Graph body, through the convenience flow.
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::HttpStatus {
                status: 500,
                body: "upstream error".into(),
            },
        )
        .times(1),
    );
    let err = publish
        .publish(ContainerRequest::text("flow publish"))
        .wait(quick_wait())
        .send()
        .await
        .expect_err("500 on publish");
    assert!(matches!(err, Error::Http { .. }), "{err:?}");
    assert_eq!(env.ledger_of(Operation::Publish).len(), 2);

    // The container is untouched: after checking its status, publishing is safe.
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Finished));
    publish
        .publish_container(&container)
        .await
        .expect("publish after the fault");
    let published: Vec<_> = env
        .ledger_of(Operation::Publish)
        .into_iter()
        .filter(|e| e.result_id.is_some())
        .collect();
    assert_eq!(published.len(), 1, "one post, published once");
    assert_eq!(
        published[0].target.as_deref(),
        Some(container.as_str()),
        "the post came from the first container"
    );
}

#[tokio::test]
async fn a_bare_http_error_is_not_a_successful_publish_in_the_ledger() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("publish me"))
        .await
        .expect("container");
    env.admin().add_fault(FaultRule::always(
        Endpoint::Publish,
        FaultAction::HttpStatus {
            status: 502,
            body: "bad gateway".into(),
        },
    ));
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("502");
    assert_eq!(err.http_status().map(|s| s.as_u16()), Some(502));
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(ledger.len(), 1);
    assert!(!ledger[0].succeeded(), "{:?}", ledger[0]);
}

#[tokio::test]
async fn a_lost_publish_response_is_reconciled_by_status() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("did it post?"))
        .await
        .expect("container");
    env.admin()
        .add_fault(FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).times(1));
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("response cut off");
    assert!(
        matches!(err, Error::Transport(_) | Error::Decode { .. }),
        "{err:?}"
    );
    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(publishes.len(), 1);
    assert!(publishes[0].response_lost);
    // The post exists: the status says so, and a second publish is refused.
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Published));
}

#[tokio::test]
async fn rate_limit_errors_are_classified() {
    let env = env().await;
    env.admin().add_fault(FaultRule::always(
        Endpoint::Insights,
        FaultAction::GraphError {
            code: 613,
            subcode: None,
            status: None,
            message: None,
        },
    ));
    let err = env
        .account
        .insights()
        .user()
        .metrics([UserMetric::Views])
        .send()
        .await
        .expect_err("rate limited");
    assert!(err.is_rate_limited());
    assert!(matches!(
        err.action(),
        ErrorAction::Retry | ErrorAction::RetryAfter(_)
    ));
}

// ---------------------------------------------------------------------------------
// Locations and oEmbed
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn location_search_and_tagging() {
    let env = env().await;
    let park = env.admin().add_location(LocationSpec {
        name: "Menlo Park Visitor Center".into(),
        address: "1 Hacker Way".into(),
        city: "Menlo Park".into(),
        country: "US".into(),
        latitude: 37.4848,
        longitude: -122.1484,
        postal_code: "94025".into(),
    });
    env.admin().add_location(LocationSpec {
        name: "Louvre".into(),
        city: "Paris".into(),
        country: "FR".into(),
        latitude: 48.8606,
        longitude: 2.3376,
        ..LocationSpec::default()
    });
    let locations = env.account.locations();
    let found = locations
        .search()
        .query("menlo")
        .send()
        .await
        .expect("search");
    assert!(found.iter().any(|l| l.id.as_str() == park), "{found:?}");
    let mentions_menlo = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|n| n.to_lowercase().contains("menlo"))
    };
    assert!(
        found
            .iter()
            .all(|l| mentions_menlo(&l.name) || mentions_menlo(&l.city)),
        "only matching locations: {found:?}"
    );
    assert!(
        found.iter().all(|l| l.name.as_deref() != Some("Louvre")),
        "{found:?}"
    );
    let near = locations
        .search()
        .coordinates(48.86, 2.34)
        .send()
        .await
        .expect("search by coordinates");
    assert_eq!(near.first().and_then(|l| l.name.as_deref()), Some("Louvre"));
    let one = locations
        .get(&LocationId::new(park.clone()))
        .send()
        .await
        .expect("location");
    assert_eq!(one.city.as_deref(), Some("Menlo Park"));
    assert_eq!(one.latitude, Some(37.4848));
    let bad = locations
        .search()
        .latitude(10.0)
        .send()
        .await
        .expect_err("latitude without longitude");
    assert!(matches!(bad, Error::Validation(_)), "{bad:?}");

    // Tag a post with the location and read it back.
    let post = env
        .publish_steps(ContainerRequest::text("at the park").location(park.clone()))
        .await;
    let read = env
        .account
        .posts()
        .get(&post)
        .fields(
            Fields::new()
                .field(MediaField::Id)
                .field(MediaField::LocationId)
                .nested(MediaField::Location, ["id", "name"]),
        )
        .send()
        .await
        .expect("read");
    assert_eq!(
        read.location_id.as_ref().map(|l| l.as_str()),
        Some(park.as_str())
    );
    assert_eq!(
        read.location.and_then(|l| l.name).as_deref(),
        Some("Menlo Park Visitor Center")
    );
}

#[tokio::test]
async fn oembed_renders_a_permalink() {
    let env = env().await;
    let post = env.publish_steps(ContainerRequest::text("embed me")).await;
    let read = env
        .account
        .posts()
        .get(&post)
        .fields(media_fields(&[
            MediaField::Permalink,
            MediaField::Shortcode,
        ]))
        .send()
        .await
        .expect("read");
    let permalink = read.permalink.expect("permalink");
    let shortcode = read.shortcode.expect("shortcode");
    assert!(permalink.contains(&shortcode), "{permalink}");

    let embed = env
        .client
        .oembed(permalink.clone())
        .max_width(500)
        .send()
        .await
        .expect("oembed without a token");
    assert_eq!(embed.kind.as_deref(), Some("rich"));
    assert_eq!(embed.provider_name.as_deref(), Some("Threads"));
    assert!(embed.html.contains("blockquote"), "{}", embed.html);
    assert!(embed.html.contains(&shortcode), "{}", embed.html);
    assert_eq!(embed.width, Some(500));

    // With an app token (older deployments) it works too.
    let app_token = env.oauth().app_token().await.expect("app token");
    env.client
        .oembed(permalink)
        .token(app_token.access_token)
        .send()
        .await
        .expect("oembed with an app token");

    // An unknown post is an error.
    let err = env
        .client
        .oembed("https://www.threads.com/@tester/post/doesnotexist")
        .send()
        .await
        .expect_err("unknown post");
    assert!(
        err.graph().is_some() || matches!(err, Error::Http { .. }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------
// Field catalogue: the client's `Fields::all_for` per endpoint
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn endpoints_accept_the_clients_full_field_selection() {
    use threads_api::model::Endpoint as E;
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("root post #Fields").reply_approvals(true))
        .await;
    let approved = env.post_as(&env.friend, "approved reply", Some(&post));
    env.account
        .replies()
        .approve(&approved)
        .await
        .expect("approve");
    env.post_as(&env.newbie, "pending reply", Some(&post));
    env.account
        .replies()
        .reply(&post, ContainerRequest::text("my reply"))
        .send()
        .await
        .expect("reply");
    env.account
        .publish()
        .publish(ContainerRequest::text("a ghost").ghost_post(true))
        .send()
        .await
        .expect("ghost post");

    let a = &env.account;
    let lists = [
        ("threads", a.posts().list(), E::UserThreads, 2),
        ("replies", a.replies().list(&post), E::Replies, 2),
        (
            "conversation",
            a.replies().conversation(&post),
            E::Replies,
            2,
        ),
        ("pending", a.replies().pending(&post), E::PendingReplies, 1),
        ("user replies", a.replies().by_user(), E::UserReplies, 1),
        ("ghost posts", a.ghost_posts().list(), E::GhostPosts, 1),
    ];
    for (name, list, endpoint, expected) in lists {
        let page = list
            .fields(Fields::all_for(endpoint))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(page.len(), expected, "{name}: {page:?}");
    }
    let found = a
        .search()
        .keyword("root post")
        .fields(Fields::all_for(E::KeywordSearch))
        .send()
        .await
        .expect("keyword search");
    assert_eq!(found.len(), 1);
    assert_eq!(found.data[0].topic_tag.as_deref(), Some("Fields"));
    let full = a
        .posts()
        .get(&post)
        .all_fields()
        .send()
        .await
        .expect("media");
    assert_eq!(full.text.as_deref(), Some("root post #Fields"));
    let reply = a
        .posts()
        .get(&approved)
        .all_fields()
        .send()
        .await
        .expect("reply");
    assert_eq!(reply.root_post.map(|r| r.id), Some(post));
    let profile = a
        .profile()
        .get()
        .all_fields()
        .send()
        .await
        .expect("profile");
    assert_eq!(profile.is_eligible_for_geo_gating, Some(false));
}

#[tokio::test]
async fn mentions_accept_the_clients_full_field_selection() {
    let env = env().await;
    let mention = env.post_as(&env.friend, "hello @tester", None);
    let page = env
        .account
        .mentions()
        .list()
        .fields(Fields::all_for(threads_api::model::Endpoint::Mentions))
        .send()
        .await
        .expect("mentions with every media field");
    assert_eq!(page.iter().map(|m| &m.id).collect::<Vec<_>>(), [&mention]);
}

// ---------------------------------------------------------------------------------
// Text length: client and emulator count the same way
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_500_character_budget_counts_emoji_by_utf8_bytes_on_both_sides() {
    let env = env().await;
    let publish = env.account.publish();
    // Each 😀 counts as 4 (its UTF-8 length): 125 of them fill the budget exactly.
    let full = "😀".repeat(125);
    assert_eq!(threads_emulator::threads_text_length(&full), 500);
    publish
        .create_container(&ContainerRequest::text(full.clone()))
        .await
        .expect("exactly 500 is accepted by both");
    let over = format!("{full}a");
    let err = publish
        .create_container(&ContainerRequest::text(over.clone()))
        .await
        .expect_err("501 is rejected client-side");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    // ASCII counts 1 per character.
    publish
        .create_container(&ContainerRequest::text("a".repeat(500)))
        .await
        .expect("500 ASCII characters");
    assert_eq!(env.ledger_of(Operation::CreateContainer).len(), 2);
    assert_eq!(threads_emulator::threads_text_length(&over), 501);
}

#[tokio::test]
async fn the_token_can_travel_in_a_bearer_header() {
    let env = env().await;
    let bearer = ThreadsClient::builder()
        .graph_base_url(env.emu.base_url())
        .token_placement(threads_api::TokenPlacement::BearerHeader)
        .without_api_version()
        .build()
        .expect("client");
    let account = bearer.account(UserId::me(), env.account.token().clone());
    let me = account.profile().get().send().await.expect("profile");
    assert_eq!(me.id.as_str(), env.me.id);
    let published = account
        .publish()
        .publish(ContainerRequest::text("sent with a bearer header"))
        .send()
        .await
        .expect("publish");
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].user_id.as_deref(), Some(env.me.id.as_str()));
    assert_eq!(
        ledger[0].result_id.as_deref(),
        Some(published.media_id.as_str())
    );
}
