//! Shared setup for the client-vs-emulator tests: a running emulator with one app and
//! three accounts, a typed client pointed at it, and helpers that script the emulator
//! through its admin API and read back its ledger of write calls.
//!
//! Time only moves with the emulator's virtual clock. The client's convenience publish
//! flow polls in real (millisecond) intervals, so tests that use it start a [`Ticker`]
//! that advances the virtual clock while the flow waits.
//!
//! Each test file is its own crate and uses only some of these helpers.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use threads_api::api::publish::PublishWait;
use threads_api::error::ErrorCode;
use threads_api::ids::{MediaId, UserId};
use threads_api::model::{ContainerRequest, ContainerState, Fields, MediaField};
use threads_api::oauth::{OAuthClient, Scope};
use threads_api::{
    AccessToken, AccountClient, AppCredentials, AppSecret, Error, RetryPolicy, ThreadsClient,
};
use threads_emulator::{
    Admin, AppInfo, AppSpec, Emulator, LedgerEntry, Operation, PostAs, RunningEmulator, TokenSpec,
    UserInfo, UserSpec,
};

/// The redirect URI registered for the test app.
pub(crate) const REDIRECT_URI: &str = "https://app.example/threads/callback";

/// A running emulator with one app, the account under test (`tester`, 500 followers),
/// a public `friend` (150 followers) and a small account `newbie` (20 followers).
pub(crate) struct Env {
    pub emu: RunningEmulator,
    pub app: AppInfo,
    pub me: UserInfo,
    pub friend: UserInfo,
    pub newbie: UserInfo,
    pub client: ThreadsClient,
    pub account: AccountClient,
}

/// Fast retries so fault tests stay quick.
pub(crate) fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A client whose Graph and authorize base URLs point at `emu`.
pub(crate) fn client_for(emu: &RunningEmulator, policy: RetryPolicy) -> ThreadsClient {
    ThreadsClient::builder()
        .graph_base_url(emu.base_url())
        .authorize_base_url(emu.base_url())
        .timeout(Duration::from_secs(5))
        .retry_policy(policy)
        .build()
        .expect("the emulator's base URL is a valid http URL")
}

/// Starts a fresh emulator (seed 11) with the app and the three accounts of [`Env`],
/// and a client for `tester` using a long-lived token minted by the admin API.
pub(crate) async fn env() -> Env {
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
pub(crate) fn mint(admin: &Admin, app: &AppInfo, user: &UserInfo) -> AccessToken {
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
    /// The emulator's admin API.
    pub(crate) fn admin(&self) -> &Admin {
        self.emu.admin()
    }

    /// The emulator's virtual time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.admin().now(), 0).expect("virtual time is in range")
    }

    /// The OAuth client of the test app.
    pub(crate) fn oauth(&self) -> OAuthClient {
        self.client.oauth(
            AppCredentials::new(
                self.app.id.clone(),
                AppSecret::new(self.app.secret.expose_secret()),
            ),
            REDIRECT_URI,
        )
    }

    /// A client acting for `user`, with a freshly minted long-lived token.
    pub(crate) fn account_of(&self, user: &UserInfo) -> AccountClient {
        self.client.account(
            UserId::new(user.id.clone()),
            mint(self.admin(), &self.app, user),
        )
    }

    /// Has `author` post `text` through the admin API (a reply when `reply_to` is set).
    pub(crate) fn post_as(
        &self,
        author: &UserInfo,
        text: &str,
        reply_to: Option<&MediaId>,
    ) -> MediaId {
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
    pub(crate) fn ledger_of(&self, op: Operation) -> Vec<LedgerEntry> {
        self.admin()
            .ledger()
            .into_iter()
            .filter(|e| e.operation == op)
            .collect()
    }

    /// Publishes `request` with the explicit steps, advancing the virtual clock until the
    /// container is FINISHED.
    pub(crate) async fn publish_steps(&self, request: ContainerRequest) -> MediaId {
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
    pub(crate) async fn authorize(&self, state: &str) -> String {
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
pub(crate) struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    /// Starts ticking; the task stops when the `Ticker` is dropped.
    pub(crate) fn start(admin: &Admin) -> Self {
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

/// Publish-flow waits short enough for the [`Ticker`] to finish containers quickly.
pub(crate) fn quick_wait() -> PublishWait {
    PublishWait {
        initial_delay: Duration::ZERO,
        poll_interval: Duration::from_millis(5),
        max_poll_interval: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
    }
}

/// The Graph error code of `err`, if it is a Graph error.
pub(crate) fn graph_code(err: &Error) -> Option<i64> {
    err.graph().and_then(|g| g.code).map(ErrorCode::as_i64)
}

/// `id` plus the given media fields.
pub(crate) fn media_fields(fields: &[MediaField]) -> Fields {
    fields
        .iter()
        .fold(Fields::new().field(MediaField::Id), |f, x| f.field(x))
}
