//! A pipeline on the local Threads emulator (one manual clock for
//! everything), served by the router on 127.0.0.1, nested at `/threads` in a
//! host application, and a small cookie-keeping HTTP client.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use content_pipeline::{
    Actor, NewDraft, Pipeline, PipelineConfig, Role, ThreadsPublisher, When, Worker, WorkerConfig,
    WorkerReport,
};
use http::request::Parts;
use secrecy::{ExposeSecret, SecretString};
use store_traits::{AccountId, DraftState, DynStore, ManualClock, MemoryStore};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_axum::ThreadsRouterBuilder;
use threads_emulator::{AppInfo, AppSpec, Emulator, PostAs, RunningEmulator, UserSpec};
use token_crypto::{KeyId, KeyMaterial, Keyring};

/// The app secret Meta signs with now.
pub(crate) const APP_SECRET: &str = "current-app-secret-0123456789";
/// The app secret of before the rotation (still accepted for webhooks).
pub(crate) const PREVIOUS_SECRET: &str = "previous-app-secret-9876543210";
/// The webhook verify token.
pub(crate) const VERIFY_TOKEN: &str = "verify-token-for-tests";
/// Where the host application nests the router.
pub(crate) const NEST: &str = "/threads";

/// 2026-03-02 09:00 UTC, a Monday.
pub(crate) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(crate) fn secret(value: &str) -> SecretString {
    SecretString::from(value.to_owned())
}

/// Reads the actor from `x-actor: <role>:<id>` or `<role>:<id>@<org>` (the
/// test's stand-in for a host login).
pub(crate) fn header_actor(parts: &Parts) -> Option<Actor> {
    let value = parts.headers.get("x-actor")?.to_str().ok()?;
    let (role, person) = value.split_once(':')?;
    let actor = match person.split_once('@') {
        Some((id, org)) => Actor::person(id, Role::parse(role)?).in_org(org.into()),
        None => Actor::person(person, Role::parse(role)?),
    };
    Some(actor)
}

pub(crate) fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

pub(crate) fn owner() -> Actor {
    Actor::person("olga", Role::Owner)
}

/// How a harness is set up.
pub(crate) struct Setup {
    pub(crate) config: PipelineConfig,
    /// `None`: a memory store on the harness clock.
    pub(crate) store: Option<Arc<DynStore>>,
    pub(crate) clock: Option<Arc<ManualClock>>,
    /// Applied to the router builder after the defaults.
    pub(crate) router: Box<dyn FnOnce(ThreadsRouterBuilder) -> ThreadsRouterBuilder + Send>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            config: PipelineConfig::default(),
            store: None,
            clock: None,
            router: Box::new(|b| b),
        }
    }
}

pub(crate) struct Harness {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) emu: RunningEmulator,
    pub(crate) app: AppInfo,
    pub(crate) store: Arc<DynStore>,
    pub(crate) pipeline: Pipeline,
    pub(crate) threads: Arc<ThreadsPublisher>,
    /// `http://127.0.0.1:<port>`.
    pub(crate) origin: String,
    /// `http://127.0.0.1:<port>/threads`.
    pub(crate) base: String,
    pub(crate) media: threads_media::MediaStore,
    _media_dir: tempfile::TempDir,
}

pub(crate) fn keyring() -> Keyring {
    Keyring::new(
        KeyId::new("k1").expect("key id"),
        KeyMaterial::generate().expect("key"),
    )
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Self::with(Setup::default()).await
    }

    pub(crate) async fn with(setup: Setup) -> Harness {
        let clock = setup
            .clock
            .unwrap_or_else(|| Arc::new(ManualClock::new(start())));
        let store: Arc<DynStore> = setup
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::new(clock.clone())));
        // Bind first: every URL Meta is given names this address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let base = format!("{origin}{NEST}");
        let callback = format!("{base}{}", threads_axum::paths::OAUTH_CALLBACK);
        let emu = Emulator::builder()
            .seed(11)
            .clock(Arc::clone(&clock))
            .start()
            .await
            .expect("emulator");
        let app = emu
            .admin()
            .create_app(AppSpec {
                secret: Some(secret(APP_SECRET)),
                redirect_uris: vec![callback.clone()],
                uninstall_url: Some(format!("{base}{}", threads_axum::paths::DEAUTHORIZE)),
                delete_url: Some(format!("{base}{}", threads_axum::paths::DATA_DELETION)),
                ..AppSpec::default()
            })
            .expect("app");
        let client = ThreadsClient::builder()
            .graph_base_url(emu.base_url())
            .authorize_base_url(emu.base_url())
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let threads = Arc::new(ThreadsPublisher::new(client).with_app(
            AppCredentials::new(app.id.clone(), AppSecret::new(APP_SECRET)),
            &callback,
        ));
        let pipeline = Pipeline::builder()
            .store(store.clone())
            .llm(Arc::new(persona_core::OfflineProvider::new()))
            .network(threads.clone())
            .keyring(Arc::new(keyring()))
            .oauth_state_key(KeyMaterial::generate().expect("state key"))
            .webhook_verifier(
                token_crypto::webhook::WebhookVerifier::with_secrets([
                    secret(APP_SECRET),
                    secret(PREVIOUS_SECRET),
                ])
                .expect("verifier"),
            )
            .meta_app_secrets([secret(APP_SECRET)])
            .deletion_status_url(format!("{base}{}", threads_axum::paths::DELETION_STATUS))
            .manual_clock(clock.clone())
            .config(setup.config)
            .build()
            .expect("pipeline");
        let media_dir = tempfile::tempdir().expect("media dir");
        let media = threads_media::MediaStoreBuilder::local(
            media_dir.path(),
            format!("{base}{}/", threads_axum::paths::MEDIA),
        )
        .build()
        .expect("media store");
        let builder = threads_axum::ThreadsRouter::builder(pipeline.clone())
            .public_base_url(&base)
            .webhook_verify_token(secret(VERIFY_TOKEN))
            .csrf_key(KeyMaterial::generate().expect("csrf key"))
            .actor_resolver(header_actor)
            .media(media.clone());
        let threads_router = (setup.router)(builder).build().expect("router");
        let app_router = axum::Router::new()
            .route("/", axum::routing::get(|| async { "host home" }))
            .nest(NEST, threads_router);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app_router).await;
        });
        Harness {
            clock,
            emu,
            app,
            store,
            pipeline,
            threads,
            origin,
            base,
            media,
            _media_dir: media_dir,
        }
    }

    /// A URL of the router.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates `username` on the emulator with a few past posts and makes it
    /// the one who consents next; returns its Threads user id.
    pub(crate) fn threads_user(&self, username: &str) -> String {
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
        user.id
    }

    /// Connects `username` through the router's OAuth routes, as an owner in
    /// a browser; returns the account id.
    pub(crate) async fn connect(&self, username: &str) -> AccountId {
        self.threads_user(username);
        let browser = Browser::new();
        let start = browser
            .get(&self.url("/oauth/start"), Some("owner:olga"))
            .await;
        assert_eq!(start.status, 303, "{}", start.body);
        let consent = browser.get(&start.location(), None).await;
        assert_eq!(consent.status, 302, "{}", consent.body);
        let done = browser.get(&consent.location(), None).await;
        assert_eq!(done.status, 200, "{}", done.body);
        let accounts = self
            .store
            .find_accounts_by_username(username)
            .await
            .expect("accounts");
        accounts.first().expect("connected").id
    }

    pub(crate) fn worker(&self, id: &str) -> Worker {
        Worker::new(self.pipeline.clone(), WorkerConfig::named(id))
    }

    /// Runs every job due now (and what that makes due), in one worker.
    pub(crate) async fn drain(&self) -> WorkerReport {
        self.worker("w1").drain().await.expect("drain")
    }

    /// A post draft written by the editor, waiting for approval.
    pub(crate) async fn pending_post(&self, account: AccountId, text: &str) -> store_traits::Draft {
        let drafted = self
            .pipeline
            .create_draft(NewDraft::post(account, text), &editor())
            .await
            .expect("draft");
        assert_eq!(drafted.draft.state, DraftState::PendingApproval);
        drafted.draft
    }

    /// Publishes a post of the account; returns its Threads id.
    pub(crate) async fn published_post(&self, account: AccountId, text: &str) -> String {
        let draft = self.pending_post(account, text).await;
        self.pipeline
            .approve(draft.id, &editor())
            .await
            .expect("approve");
        self.pipeline
            .schedule(draft.id, When::Now, &editor())
            .await
            .expect("schedule");
        self.drain().await;
        self.pipeline
            .draft(draft.id)
            .await
            .expect("draft")
            .provider
            .media_id
            .expect("published")
    }

    /// A webhook body for a reply by `author` to the account's post.
    pub(crate) fn reply_event(
        &self,
        account_user: &str,
        post: &str,
        reply_id: &str,
        author: &str,
        text: &str,
    ) -> String {
        serde_json::json!({
            "app_id": self.app.id,
            "topic": "moderate",
            "target_id": account_user,
            "time": store_traits::Clock::now(self.clock.as_ref()).timestamp(),
            "subscription_id": "1",
            "has_uid_field": false,
            "values": {"field": "replies", "value": {
                "id": reply_id,
                "username": author,
                "text": text,
                "root_post": {"id": post, "owner_id": account_user, "username": "ana"},
                "replied_to": {"id": post},
                "timestamp": "2026-03-02T09:30:00+0000"
            }}
        })
        .to_string()
    }
}

/// One HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn location(&self) -> String {
        self.headers
            .get(reqwest::header::LOCATION)
            .expect("a redirect")
            .to_str()
            .expect("ascii location")
            .to_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// A client that keeps cookies by name (enough for one origin) and never
/// follows redirects.
#[derive(Clone)]
pub(crate) struct Browser {
    client: reqwest::Client,
    pub(crate) cookies: Arc<Mutex<BTreeMap<String, String>>>,
}

impl Browser {
    pub(crate) fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Arc::default(),
        }
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.cookies.lock().expect("jar");
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder, actor: Option<&str>) -> Answer {
        let mut request = request;
        if let Some(cookie) = self.cookie_header() {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        if let Some(actor) = actor {
            request = request.header("x-actor", actor);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all(reqwest::header::SET_COOKIE) {
            let value = value.to_str().expect("ascii cookie");
            let pair = value.split(';').next().expect("pair");
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .lock()
                    .expect("jar")
                    .insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.expect("body");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, url: &str, actor: Option<&str>) -> Answer {
        self.send(self.client.get(url), actor).await
    }

    pub(crate) async fn post_form(
        &self,
        url: &str,
        actor: Option<&str>,
        form: &[(&str, &str)],
    ) -> Answer {
        self.send(self.client.post(url).form(form), actor).await
    }

    pub(crate) async fn post_raw(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, None).await
    }
}

/// The value of the hidden CSRF field in a page.
pub(crate) fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF field") + marker.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end].to_owned()
}

/// Audit events of the account, as `(actor, action)`.
pub(crate) async fn audit(store: &Arc<DynStore>, account: AccountId) -> Vec<(String, String)> {
    store
        .list_audit(&store_traits::AuditQuery {
            account_id: Some(account),
            ..store_traits::AuditQuery::default()
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.actor, e.action))
        .collect()
}

/// Keeps `_secret` reachable for tests that assert it never leaks.
pub(crate) fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

/// A page's markup with minijinja's escapes undone (`&#x2f;` for `/` in
/// attributes, `&amp;`, `&quot;`, ...), for asserting on links and text.
/// Check the raw body for markup that must stay escaped.
pub(crate) fn unescaped(page: &str) -> String {
    page.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// An account with something in every part of its approval page.
pub(crate) struct Populated {
    pub(crate) account: AccountId,
    /// A post waiting for approval, clean.
    pub(crate) pending: store_traits::Draft,
    /// A post waiting for approval, with guardrail findings.
    pub(crate) flagged: store_traits::Draft,
    /// A reply drafted by the worker from a webhook delivery.
    pub(crate) reply: store_traits::Draft,
    /// A post approved and scheduled.
    pub(crate) scheduled: store_traits::Draft,
}

/// The text of [`Populated::pending`].
pub(crate) const PENDING_TEXT: &str =
    "Rye week starts Monday: one loaf a day, every failure posted too.";
/// The text of [`Populated::flagged`] (the persona's guardrails flag it).
pub(crate) const FLAGGED_TEXT: &str = "New flour delivery! #bread #sourdough #rye #baking";
/// The comment the reply answers.
pub(crate) const COMMENT_TEXT: &str = "Linen, every time. Which flour do you use?";

impl Harness {
    /// Connects `ana`, publishes a post, receives a signed comment on it
    /// through the webhook route (the worker drafts the answer), and writes
    /// three more drafts: waiting, waiting with findings, scheduled.
    pub(crate) async fn populate(&self) -> Populated {
        let account = self.connect("ana").await;
        let user = self
            .store
            .get_account(account)
            .await
            .expect("read")
            .expect("account")
            .threads_user_id;
        let post = self
            .published_post(account, "Proofing baskets: cane or linen? Tell me.")
            .await;
        let body = self.reply_event(&user, &post, "reply-1", "linen_person", COMMENT_TEXT);
        let signature = token_crypto::webhook::sign(&secret(APP_SECRET), body.as_bytes());
        let answer = Browser::new()
            .post_raw(
                &self.url("/webhooks"),
                &[("x-hub-signature-256", signature.as_str())],
                body.into_bytes(),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        self.drain().await;
        let drafts = self
            .store
            .list_drafts(&store_traits::DraftFilter::account(account))
            .await
            .expect("drafts");
        let reply = drafts
            .into_iter()
            .find(|d| d.kind == store_traits::DraftKind::Reply && d.parent_draft_id.is_none())
            .expect("a reply drafted by the worker");
        assert_eq!(reply.state, DraftState::PendingApproval, "{reply:?}");
        let pending = self.pending_post(account, PENDING_TEXT).await;
        let flagged = self.pending_post(account, FLAGGED_TEXT).await;
        assert!(
            flagged
                .quality
                .as_ref()
                .is_some_and(|q| !q.findings.is_empty()),
            "{flagged:?}"
        );
        let scheduled = self
            .pending_post(account, "Thursday: the rye starter, fed and explained.")
            .await;
        self.pipeline
            .approve(scheduled.id, &editor())
            .await
            .expect("approve");
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 5)
            .and_then(|d| d.and_hms_opt(10, 30, 0))
            .expect("date");
        self.pipeline
            .schedule(scheduled.id, When::Local { at }, &editor())
            .await
            .expect("schedule");
        let scheduled = self.pipeline.draft(scheduled.id).await.expect("draft");
        Populated {
            account,
            pending,
            flagged,
            reply,
            scheduled,
        }
    }
}

/// A SQLite store in a fresh file under `dir`, on `clock`.
pub(crate) async fn sqlite_store(
    dir: &std::path::Path,
    clock: Arc<ManualClock>,
) -> Arc<store_sqlite::SqliteStore> {
    Arc::new(
        store_sqlite::SqliteStore::open(&dir.join("threads.db"), clock)
            .await
            .expect("sqlite store"),
    )
}

/// A throw-away PostgreSQL database (`store_postgres::testing`): `None`,
/// after a SKIPPED line, when the server is unreachable and
/// `REQUIRE_POSTGRES_TESTS` is not `1`.
pub(crate) async fn postgres_database() -> Option<store_postgres::testing::TestDatabase> {
    store_postgres::testing::TestDatabase::create("threads_axum")
        .await
        .expect("a PostgreSQL test database")
}
