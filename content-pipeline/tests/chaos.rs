//! The chaos run: several worker **processes** publish many posts through the
//! emulator while the coordinator SIGKILLs random workers and the workers
//! crash themselves at each step of the protocol. Pass: the emulator's ledger
//! shows exactly one publish per post, none missing, and the database agrees.
//! Also: a frozen worker (SIGSTOP past its lease, SIGCONT after another took
//! over) makes no write and no publish call; and a conversation run: people
//! reply to the accounts' posts, polling finds the replies, the workers draft
//! and send answers while being SIGKILLed and crashing themselves (also
//! between drafting an answer and sending it). Pass: every reply is answered
//! exactly once on the network.
//!
//! This file has its own `main` (`harness = false`). Without `CHAOS_CHILD` it
//! is the coordinator; with it, one worker process (the coordinator starts
//! copies of this very binary). `cargo test` runs a small version on SQLite
//! and, when it is reachable, PostgreSQL. The full run:
//!
//! ```text
//! CHAOS_POSTS=10000 CHAOS_WORKERS=8 CHAOS_KILLS=200 CHAOS_ACCOUNTS=1000 \
//!     cargo test --release -p content-pipeline --test chaos
//! ```
//!
//! Environment (all optional):
//! - `CHAOS_POSTS` (default 150), `CHAOS_WORKERS` (3), `CHAOS_KILLS` (6),
//!   `CHAOS_ACCOUNTS` (10): the size of the run;
//! - `CHAOS_REPLIES` (60): replies to answer in the conversation run (its
//!   accounts are at most 5, its kills `CHAOS_KILLS`, its self-crash rate
//!   five times `CHAOS_CRASH_RATE`, so a short run crashes between drafting
//!   and sending too);
//! - `CHAOS_CRASH_RATE` (0.01): probability that a worker aborts itself at
//!   each crash step (after claim, after container create, just before
//!   publish, after the publish answer before it is recorded);
//! - `CHAOS_FAULTS` (`1`): seeded emulator faults (lost answers after commit,
//!   transient and 5xx errors, spurious "not found");
//! - `CHAOS_BACKENDS` (`sqlite,postgres`); PostgreSQL at `TEST_DATABASE_URL`
//!   (skipped when unreachable unless `REQUIRE_POSTGRES_TESTS=1`);
//! - `CHAOS_SEED`: seed of the kill schedule and the faults.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use content_pipeline::config::ApprovalMode;
use content_pipeline::{
    Actor, ConnectRequest, NewDraft, Pipeline, PipelineConfig, Probe, Role, Step, ThreadsPublisher,
    When, Worker, WorkerConfig,
};
use rand::{RngExt, SeedableRng};
use secrecy::ExposeSecret;
use store_traits::{DraftFilter, DraftState, DynStore, SystemClock};
use threads_api::{AppCredentials, AppSecret, ThreadsClient};
use threads_emulator::{
    AppSpec, Emulator, Endpoint, FaultAction, FaultRule, Operation, PostAs, RunningEmulator,
    UserSpec,
};
use token_crypto::{KeyMaterial, Keyring};

const REDIRECT: &str = "https://chaos.example/callback";
const CHILD: &str = "CHAOS_CHILD";
const LEASE_MS: i64 = 3_000;
const CRASH_STEPS: [Step; 5] = [
    Step::Claimed,
    Step::ContainerCreated,
    Step::BeforePublish,
    Step::AfterPublish,
    Step::AnswerDrafted,
];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone)]
struct Settings {
    posts: usize,
    workers: usize,
    kills: usize,
    accounts: usize,
    replies: usize,
    crash_rate: f64,
    faults: bool,
    seed: u64,
}

impl Settings {
    fn from_env() -> Self {
        Self {
            posts: env_or("CHAOS_POSTS", 150),
            workers: env_or("CHAOS_WORKERS", 3),
            kills: env_or("CHAOS_KILLS", 6),
            accounts: env_or("CHAOS_ACCOUNTS", 10),
            replies: env_or("CHAOS_REPLIES", 60),
            crash_rate: env_or("CHAOS_CRASH_RATE", 0.01),
            faults: env_or("CHAOS_FAULTS", 1u8) == 1,
            seed: env_or("CHAOS_SEED", 7),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where a run's store lives; children get the same location.
struct StoreLocation {
    backend: Backend,
    location: String,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

async fn open_store(backend: Backend, location: &str) -> Result<Arc<DynStore>, BoxError> {
    let clock = Arc::new(SystemClock);
    Ok(match backend {
        Backend::Sqlite => {
            let options = store_sqlite::SqliteStoreOptions::file(location)
                .busy_timeout(Duration::from_secs(10));
            Arc::new(store_sqlite::SqliteStore::connect(&options, clock).await?)
        }
        Backend::Postgres => {
            let options = store_postgres::PgStoreOptions::new(location)?.max_connections(8);
            Arc::new(store_postgres::PgStore::connect(&options, clock).await?)
        }
    })
}

fn pg_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}

fn pg_required() -> bool {
    std::env::var("REQUIRE_POSTGRES_TESTS").is_ok_and(|v| v == "1")
}

/// A fresh store location, or `None` (printed as skipped) when the backend is
/// not available.
async fn new_location(backend: Backend, label: &str) -> Result<Option<StoreLocation>, BoxError> {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!(
                "chaos-{label}-{}.db",
                uuid::Uuid::now_v7().simple()
            ));
            let path = path.to_str().ok_or("temp path is not UTF-8")?.to_owned();
            let p = path.clone();
            Ok(Some(StoreLocation {
                backend,
                location: path,
                cleanup: Some(Box::new(move || {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{p}{suffix}"));
                    }
                })),
            }))
        }
        Backend::Postgres => {
            use sqlx::ConnectOptions;
            let url = pg_url();
            let options = sqlx::postgres::PgConnectOptions::from_url(&url.parse()?)?;
            let admin = match sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(3))
                .connect_with(options)
                .await
            {
                Ok(pool) => pool,
                Err(e) if pg_required() => {
                    return Err(format!("PostgreSQL required but unreachable: {e}").into());
                }
                Err(_) => {
                    println!(
                        "SKIPPED: chaos on PostgreSQL (not reachable at {url}; set TEST_DATABASE_URL)"
                    );
                    return Ok(None);
                }
            };
            let name = format!("chaos_{label}_{}", uuid::Uuid::now_v7().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await?;
            admin.close().await;
            let mut db = url::Url::parse(&url)?;
            db.set_path(&name);
            let drop_url = url.clone();
            Ok(Some(StoreLocation {
                backend,
                location: db.to_string(),
                cleanup: Some(Box::new(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async move {
                            if let Ok(pool) = sqlx::PgPool::connect(&drop_url).await {
                                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                )))
                                .execute(&pool)
                                .await;
                                pool.close().await;
                            }
                        });
                    }
                })),
            }))
        }
    }
}

/// Everything the coordinator shares with its worker processes.
struct World {
    emu: RunningEmulator,
    app_id: String,
    app_secret: String,
    key_spec: String,
    store: Arc<DynStore>,
    pipeline: Pipeline,
    location: StoreLocation,
}

fn config() -> PipelineConfig {
    let mut config = PipelineConfig::default();
    config.approval.posts = ApprovalMode::Automatic;
    config.publish.deadline = TimeDelta::minutes(10);
    config.publish.retry_base = TimeDelta::milliseconds(200);
    config.publish.retry_max = TimeDelta::seconds(2);
    config.publish.poll_initial = TimeDelta::milliseconds(200);
    config.publish.poll_max = TimeDelta::seconds(1);
    config.sync.max_posts = 10;
    // The conversation run: answers go out at once, without a person, and
    // polling comes round every half second.
    config.approval.replies = ApprovalMode::Automatic;
    config.conversations.reply_delay_min = TimeDelta::zero();
    config.conversations.reply_delay_max = TimeDelta::zero();
    config.conversations.poll_interval = TimeDelta::milliseconds(500);
    config
}

fn threads(base_url: &str, app_id: &str, secret: &str) -> Result<ThreadsPublisher, BoxError> {
    let client = ThreadsClient::builder()
        .graph_base_url(base_url)
        .authorize_base_url(base_url)
        .timeout(Duration::from_secs(5))
        .build()?;
    Ok(ThreadsPublisher::new(client).with_app(
        AppCredentials::new(app_id, AppSecret::new(secret)),
        REDIRECT,
    ))
}

async fn world(location: StoreLocation, settings: &Settings) -> Result<World, BoxError> {
    let emu = Emulator::builder()
        .seed(settings.seed)
        .clock(SystemClock)
        .start()
        .await?;
    let app = emu.admin().create_app(AppSpec {
        redirect_uris: vec![REDIRECT.into()],
        ..AppSpec::default()
    })?;
    let key = KeyMaterial::generate()?;
    let key_spec = format!("*k1:{}", key.to_base64().expose_secret());
    let keyring = Arc::new(Keyring::from_spec(&key_spec)?);
    let store = open_store(location.backend, &location.location).await?;
    let network = Arc::new(threads(
        emu.base_url(),
        &app.id,
        app.secret.expose_secret(),
    )?);
    let pipeline = Pipeline::builder()
        .store(store.clone())
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(network)
        .keyring(keyring)
        .oauth_state_key(KeyMaterial::generate()?)
        .config(config())
        .build()?;
    Ok(World {
        app_id: app.id.clone(),
        app_secret: app.secret.expose_secret().to_owned(),
        emu,
        key_spec,
        store,
        pipeline,
        location,
    })
}

async fn connect_accounts(w: &World, n: usize) -> Result<Vec<store_traits::AccountId>, BoxError> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let user = w.emu.admin().create_user(UserSpec {
            username: format!("chaos{i}"),
            ..UserSpec::default()
        })?;
        w.emu.admin().set_authorizer(&user.id)?;
        let session = format!("s{i}");
        let start = w
            .pipeline
            .start_connect(ConnectRequest::new(session.clone()))
            .await?;
        let answer = browser.get(&start.authorize_url).send().await?;
        let callback = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .ok_or("no redirect from the consent dialog")?
            .to_str()?
            .to_owned();
        out.push(
            w.pipeline
                .finish_connect(&callback, &session)
                .await?
                .account
                .id,
        );
    }
    Ok(out)
}

/// One worker process.
struct WorkerProcess {
    child: Child,
}

fn spawn_worker(
    w: &World,
    name: &str,
    crash_rate: f64,
    freeze_at: Option<Step>,
) -> Result<WorkerProcess, BoxError> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.env(CHILD, "1")
        .env("CHAOS_STORE_KIND", w.location.backend.name())
        .env("CHAOS_STORE", &w.location.location)
        .env("CHAOS_EMULATOR", w.emu.base_url())
        .env("CHAOS_APP_ID", &w.app_id)
        .env("CHAOS_APP_SECRET", &w.app_secret)
        .env("CHAOS_KEYS", &w.key_spec)
        .env("CHAOS_WORKER", name)
        .env("CHAOS_CRASH_RATE", crash_rate.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(step) = freeze_at {
        cmd.env("CHAOS_FREEZE_AT", step.as_str());
    }
    Ok(WorkerProcess {
        child: cmd.spawn()?,
    })
}

/// What a finished (killed or crashed) worker said on stderr.
fn collect_crashes(p: &mut WorkerProcess, crashes: &mut HashMap<String, usize>) -> String {
    let mut err = String::new();
    if let Some(mut e) = p.child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    let verbose = std::env::var_os("CHAOS_VERBOSE").is_some();
    for line in err.lines() {
        if let Some(step) = line.strip_prefix("CRASH ") {
            *crashes.entry(step.trim().to_owned()).or_default() += 1;
        } else if verbose {
            eprintln!("worker: {line}");
        }
    }
    err
}

/// Whether any post is not finished yet.
async fn unfinished(store: &DynStore) -> Result<bool, BoxError> {
    let drafts = store
        .list_drafts(&DraftFilter {
            states: vec![
                DraftState::Scheduled,
                DraftState::Publishing,
                DraftState::PublishSent,
                DraftState::Approved,
                DraftState::PendingApproval,
            ],
            limit: Some(1),
            ..DraftFilter::default()
        })
        .await?;
    Ok(!drafts.is_empty())
}

#[derive(Debug, Default)]
struct Summary {
    backend: &'static str,
    posts: usize,
    workers: usize,
    kills: usize,
    kills_wanted: usize,
    crashes: HashMap<String, usize>,
    published: usize,
    failed: usize,
    unconfirmed: usize,
    duplicates: usize,
    missing: usize,
    disagreements: usize,
    seconds: f64,
}

impl Summary {
    fn passed(&self) -> bool {
        self.kills >= self.kills_wanted
            && self.duplicates == 0
            && self.missing == 0
            && self.disagreements == 0
            && self.published + self.failed + self.unconfirmed == self.posts
            && self.unconfirmed == 0
    }
}

fn print_table(rows: &[Summary]) {
    println!();
    println!(
        "| backend | posts | workers | SIGKILLs | self-crashes (claimed/container/before publish/after publish) | published | failed | unconfirmed | duplicates | missing | db disagrees | seconds | posts/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let c = |s: Step| r.crashes.get(s.as_str()).copied().unwrap_or(0);
        println!(
            "| {} | {} | {} | {} | {}/{}/{}/{} | {} | {} | {} | {} | {} | {} | {:.1} | {:.0} |",
            r.backend,
            r.posts,
            r.workers,
            r.kills,
            c(Step::Claimed),
            c(Step::ContainerCreated),
            c(Step::BeforePublish),
            c(Step::AfterPublish),
            r.published,
            r.failed,
            r.unconfirmed,
            r.duplicates,
            r.missing,
            r.disagreements,
            r.seconds,
            r.published as f64 / r.seconds.max(0.001),
        );
    }
    println!();
}

/// How the coordinator runs worker processes.
struct Supervision {
    workers: usize,
    crash_rate: f64,
    kills: usize,
    /// Mean pause between two kills.
    interval_ms: u64,
    deadline: Instant,
    seed: u64,
}

impl Supervision {
    /// Runs the workers, SIGKILLs `kills` of them at random moments spread
    /// over the run and respawns whatever died (killed or self-crashed),
    /// until `done`; then stops them all. Returns the kills made and the
    /// self-crashes the workers reported, per step.
    async fn until(
        &self,
        w: &World,
        mut done: impl AsyncFnMut() -> Result<bool, BoxError>,
    ) -> Result<(usize, HashMap<String, usize>), BoxError> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed);
        let mut procs: Vec<WorkerProcess> = Vec::new();
        let mut spawned = 0usize;
        for _ in 0..self.workers {
            spawned += 1;
            procs.push(spawn_worker(
                w,
                &format!("w{spawned}"),
                self.crash_rate,
                None,
            )?);
        }
        let mut kills = 0usize;
        let mut crashes: HashMap<String, usize> = HashMap::new();
        let interval = self.interval_ms;
        let outcome = loop {
            match done().await {
                Ok(true) => break Ok(()),
                Ok(false) => {}
                Err(e) => break Err(e),
            }
            if Instant::now() > self.deadline {
                break Err("work unfinished at the deadline".into());
            }
            let pause = rng.random_range(interval / 2..=interval * 3 / 2);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            // Respawn self-crashed workers.
            for p in procs.iter_mut() {
                if let Ok(Some(_)) = p.child.try_wait() {
                    collect_crashes(p, &mut crashes);
                    spawned += 1;
                    *p = spawn_worker(w, &format!("w{spawned}"), self.crash_rate, None)?;
                }
            }
            if kills < self.kills {
                let victim = rng.random_range(0..procs.len());
                let p = &mut procs[victim];
                p.child.kill()?;
                p.child.wait()?;
                collect_crashes(p, &mut crashes);
                kills += 1;
                spawned += 1;
                *p = spawn_worker(w, &format!("w{spawned}"), self.crash_rate, None)?;
            }
        };
        for mut p in procs {
            let _ = p.child.kill();
            let _ = p.child.wait();
            collect_crashes(&mut p, &mut crashes);
        }
        outcome.map(|()| (kills, crashes))
    }
}

async fn chaos_run(backend: Backend, settings: &Settings) -> Result<Option<Summary>, BoxError> {
    let Some(location) = new_location(backend, "run").await? else {
        return Ok(None);
    };
    let cleanup_slot = std::sync::Mutex::new(None);
    let result = async {
        let w = world(location, settings).await?;
        if settings.faults {
            let p = 0.02;
            w.emu.admin().set_faults(vec![
                FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop)
                    .with_probability(p),
                FaultRule::always(Endpoint::Publish, FaultAction::SpuriousNotFound)
                    .with_probability(p),
                FaultRule::transient(Endpoint::Publish, 2).with_probability(p),
                FaultRule::transient(Endpoint::CreateContainer, 1).with_probability(p),
                FaultRule::always(
                    Endpoint::Publish,
                    FaultAction::HttpStatus {
                        status: 503,
                        body: String::new(),
                    },
                )
                .with_probability(p),
            ]);
        }
        let accounts = connect_accounts(&w, settings.accounts).await?;
        // Refresh jobs are not due for weeks; only publishing matters here.
        let started = Instant::now();
        // Create the posts while the workers already run (and are killed).
        let creator = {
            let pipeline = w.pipeline.clone();
            let accounts = accounts.clone();
            let (posts, seed) = (settings.posts, settings.seed);
            tokio::spawn(async move {
                let actor = Actor::person("chaos", Role::Editor);
                for i in 0..posts {
                    let account = accounts[i % accounts.len()];
                    let text = format!(
                        "Chaos post {i} of the run with seed {seed}: bread, patience and a hot oven."
                    );
                    let d = pipeline
                        .create_draft(NewDraft::post(account, text), &actor)
                        .await?;
                    if d.draft.state != DraftState::Approved {
                        pipeline.approve(d.draft.id, &actor).await?;
                    }
                    pipeline.schedule(d.draft.id, When::Now, &actor).await?;
                }
                Ok::<_, content_pipeline::Error>(())
            })
        };
        // Paced for about 200 posts a second.
        let interval = (settings.posts as u64 * 1_000 / (200 * settings.kills.max(1) as u64))
            .clamp(30, 1_000);
        let run = Supervision {
            workers: settings.workers,
            crash_rate: settings.crash_rate,
            kills: settings.kills,
            interval_ms: interval,
            deadline: Instant::now() + Duration::from_secs(60 + settings.posts as u64),
            seed: settings.seed,
        };
        let (kills, crashes) = run
            .until(&w, async || {
                Ok(!unfinished(w.store.as_ref()).await? && creator.is_finished())
            })
            .await?;
        creator.await??;
        let seconds = started.elapsed().as_secs_f64();
        let summary = verify(&w, backend, settings, kills, crashes, seconds).await?;
        w.emu.shutdown().await;
        *cleanup_slot.lock().map_err(|_| "poisoned")? = w.location.cleanup;
        Ok::<_, BoxError>(summary)
    }
    .await;
    let cleanup = cleanup_slot.lock().ok().and_then(|mut slot| slot.take());
    if let Some(cleanup) = cleanup {
        tokio::task::spawn_blocking(cleanup).await?;
    }
    result.map(Some)
}

/// Compares the emulator's ledger with the database.
async fn verify(
    w: &World,
    backend: Backend,
    settings: &Settings,
    kills: usize,
    crashes: HashMap<String, usize>,
    seconds: f64,
) -> Result<Summary, BoxError> {
    let mut live: HashMap<String, Vec<String>> = HashMap::new();
    for e in w.emu.admin().ledger() {
        if e.operation == Operation::Publish
            && e.succeeded()
            && let (Some(text), Some(id)) = (e.text, e.result_id)
        {
            live.entry(text).or_default().push(id);
        }
    }
    let drafts = w.store.list_drafts(&DraftFilter::default()).await?;
    let mut s = Summary {
        backend: backend.name(),
        posts: drafts.len(),
        workers: settings.workers,
        kills,
        kills_wanted: settings.kills,
        crashes,
        seconds,
        ..Summary::default()
    };
    for d in &drafts {
        let ids = live.get(&d.text).cloned().unwrap_or_default();
        s.duplicates += ids.len().saturating_sub(1);
        match d.state {
            DraftState::Published => {
                s.published += 1;
                if ids.is_empty() {
                    s.missing += 1;
                } else if d.provider.media_id.as_ref() != ids.first() {
                    s.disagreements += 1;
                }
            }
            DraftState::Failed => {
                s.failed += 1;
                if !ids.is_empty() {
                    // Marked failed but live: the worst kind of missing.
                    s.missing += 1;
                }
            }
            DraftState::Unconfirmed => s.unconfirmed += 1,
            _ => s.missing += 1,
        }
    }
    if s.posts != settings.posts {
        s.missing += settings.posts.abs_diff(s.posts);
    }
    Ok(s)
}

/// Lets the account's persona answer without a person, with caps above the
/// run's size.
async fn answer_alone(w: &World, account: store_traits::AccountId) -> Result<(), BoxError> {
    let mut record = w
        .store
        .list_personas(account)
        .await?
        .into_iter()
        .next()
        .ok_or("no persona after connecting")?;
    let mut doc: content_pipeline::PersonaDocument =
        serde_json::from_value(record.document.clone())?;
    let policy = &mut doc.persona.reply_policy;
    policy.require_approval = false;
    policy.max_per_thread = 999;
    policy.max_per_user_per_day = 999;
    policy.max_per_day = 999;
    record.document = serde_json::to_value(&doc)?;
    w.store.put_persona(&record).await?;
    Ok(())
}

#[derive(Debug, Default)]
struct ConversationSummary {
    backend: &'static str,
    replies: usize,
    workers: usize,
    kills: usize,
    kills_wanted: usize,
    crashes: HashMap<String, usize>,
    answered_once: usize,
    duplicates: usize,
    unanswered: usize,
    db_disagrees: usize,
    seconds: f64,
}

impl ConversationSummary {
    fn passed(&self) -> bool {
        self.kills >= self.kills_wanted
            && self.answered_once == self.replies
            && self.duplicates == 0
            && self.unanswered == 0
            && self.db_disagrees == 0
    }
}

/// Replies from people to the accounts' posts, found by polling and answered
/// by worker processes that are SIGKILLed and crash themselves, also between
/// drafting an answer and sending it.
async fn conversation_run(
    backend: Backend,
    settings: &Settings,
) -> Result<Option<ConversationSummary>, BoxError> {
    let Some(location) = new_location(backend, "conversation").await? else {
        return Ok(None);
    };
    let w = world(location, settings).await?;
    let accounts = connect_accounts(&w, settings.accounts.clamp(1, 5)).await?;
    for account in &accounts {
        answer_alone(&w, *account).await?;
    }
    // One post per account, published in this process.
    let actor = Actor::person("chaos", Role::Editor);
    for (i, account) in accounts.iter().enumerate() {
        let d = w
            .pipeline
            .create_draft(
                NewDraft::post(
                    *account,
                    format!("Post {i}: what should I bake next weekend?"),
                ),
                &actor,
            )
            .await?;
        if d.draft.state != DraftState::Approved {
            w.pipeline.approve(d.draft.id, &actor).await?;
        }
        w.pipeline.schedule(d.draft.id, When::Now, &actor).await?;
    }
    let mut config = WorkerConfig::named("setup");
    config.poll_interval = TimeDelta::milliseconds(20);
    Worker::new(w.pipeline.clone(), config).drain().await?;
    let roots: Vec<String> = w
        .store
        .list_drafts(&DraftFilter::default())
        .await?
        .into_iter()
        .filter_map(|d| d.provider.media_id)
        .collect();
    if roots.len() != accounts.len() {
        return Err(format!("{} of {} root posts published", roots.len(), accounts.len()).into());
    }
    if settings.faults {
        let p = 0.02;
        w.emu.admin().set_faults(vec![
            FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).with_probability(p),
            FaultRule::transient(Endpoint::Publish, 2).with_probability(p),
            FaultRule::transient(Endpoint::CreateContainer, 1).with_probability(p),
        ]);
    }
    // Each reply by its own person (a person's turns in one thread are capped).
    let admin = w.emu.admin();
    let mut questions = Vec::with_capacity(settings.replies);
    for i in 0..settings.replies {
        let fan = admin.create_user(UserSpec {
            username: format!("fan{i}"),
            ..UserSpec::default()
        })?;
        let id = admin.post_as(PostAs {
            author: fan.id,
            text: Some(format!("how long do you proof a rye loaf, question {i}?")),
            reply_to: Some(roots[i % roots.len()].clone()),
            ..PostAs::default()
        })?;
        questions.push(id);
    }
    for account in &accounts {
        w.pipeline.schedule_polling(*account).await?;
    }
    let started = Instant::now();
    let answer_drafts = async || -> Result<Vec<store_traits::Draft>, BoxError> {
        Ok(w.store
            .list_drafts(&DraftFilter::default())
            .await?
            .into_iter()
            .filter(|d| d.kind == store_traits::DraftKind::Reply)
            .collect())
    };
    let run = Supervision {
        workers: settings.workers,
        crash_rate: (settings.crash_rate * 5.0).min(0.5),
        kills: settings.kills,
        interval_ms: (settings.replies as u64 * 1_000 / (40 * settings.kills.max(1) as u64))
            .clamp(30, 1_000),
        deadline: Instant::now() + Duration::from_secs(120 + settings.replies as u64),
        seed: settings.seed,
    };
    let outcome = run
        .until(&w, async || {
            let drafts = answer_drafts().await?;
            Ok(drafts.len() >= questions.len()
                && drafts.iter().all(|d| {
                    matches!(
                        d.state,
                        DraftState::Published | DraftState::Failed | DraftState::Unconfirmed
                    )
                }))
        })
        .await;
    let (kills, crashes) = match outcome {
        Ok(done) => done,
        Err(e) => {
            let mut states: HashMap<String, usize> = HashMap::new();
            for d in answer_drafts().await? {
                *states.entry(d.state.to_string()).or_default() += 1;
            }
            return Err(format!(
                "{e}: {} questions, answer drafts by state {states:?}",
                questions.len()
            )
            .into());
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    // The network's view: published answers per question.
    let mut answers: HashMap<String, Vec<String>> = HashMap::new();
    for e in w.emu.admin().ledger() {
        if e.operation == Operation::Publish
            && e.succeeded()
            && let (Some(to), Some(id)) = (e.reply_to, e.result_id)
        {
            answers.entry(to).or_default().push(id);
        }
    }
    let drafts = answer_drafts().await?;
    let mut s = ConversationSummary {
        backend: backend.name(),
        replies: questions.len(),
        workers: settings.workers,
        kills,
        kills_wanted: settings.kills,
        crashes,
        seconds,
        ..ConversationSummary::default()
    };
    for q in &questions {
        let live = answers.get(q).map(Vec::as_slice).unwrap_or_default();
        match live.len() {
            0 => s.unanswered += 1,
            1 => s.answered_once += 1,
            n => s.duplicates += n - 1,
        }
        let ours: Vec<_> = drafts
            .iter()
            .filter(|d| d.reply_to_id.as_deref() == Some(q.as_str()))
            .collect();
        let agrees = ours.len() == 1
            && ours[0].state == DraftState::Published
            && ours[0].provider.media_id.as_ref() == live.first();
        if !agrees {
            s.db_disagrees += 1;
        }
    }
    w.emu.shutdown().await;
    if let Some(cleanup) = w.location.cleanup {
        tokio::task::spawn_blocking(cleanup).await?;
    }
    Ok(Some(s))
}

fn print_conversation_table(rows: &[ConversationSummary]) {
    println!(
        "| backend | replies | workers | SIGKILLs | self-crashes (claimed/answer drafted/container/before publish/after publish) | answered once | duplicates | unanswered | db disagrees | seconds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let c = |s: Step| r.crashes.get(s.as_str()).copied().unwrap_or(0);
        println!(
            "| {} | {} | {} | {} | {}/{}/{}/{}/{} | {} | {} | {} | {} | {:.1} |",
            r.backend,
            r.replies,
            r.workers,
            r.kills,
            c(Step::Claimed),
            c(Step::AnswerDrafted),
            c(Step::ContainerCreated),
            c(Step::BeforePublish),
            c(Step::AfterPublish),
            r.answered_once,
            r.duplicates,
            r.unanswered,
            r.db_disagrees,
            r.seconds,
        );
    }
    println!();
}

/// The frozen worker: it stops itself right after recording a container,
/// the coordinator SIGSTOPs it, waits past its lease, lets another worker
/// take the job over and publish, then SIGCONTs it.
async fn frozen_worker(backend: Backend) -> Result<Option<()>, BoxError> {
    let Some(location) = new_location(backend, "frozen").await? else {
        return Ok(None);
    };
    let settings = Settings {
        faults: false,
        ..Settings::from_env()
    };
    let w = world(location, &settings).await?;
    let accounts = connect_accounts(&w, 1).await?;
    let actor = Actor::person("chaos", Role::Editor);
    let text = "The frozen worker must not post this twice, whatever happens to it.";
    let d = w
        .pipeline
        .create_draft(NewDraft::post(accounts[0], text), &actor)
        .await?;
    if d.draft.state != DraftState::Approved {
        w.pipeline.approve(d.draft.id, &actor).await?;
    }
    w.pipeline.schedule(d.draft.id, When::Now, &actor).await?;

    let mut a = spawn_worker(&w, "frozen", 0.0, Some(Step::ContainerRecorded))?;
    let stdout = a.child.stdout.take().ok_or("no stdout")?;
    let frozen_line = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        lines.find_map(|l| l.ok().filter(|l| l.starts_with("FROZEN ")))
    })
    .await?
    .ok_or("the worker never reached the freeze point")?;
    let pid = a.child.id().to_string();
    let stop = Command::new("kill").args(["-STOP", &pid]).status()?;
    assert!(stop.success(), "SIGSTOP sent");
    let draft_before = w.store.get_draft(d.draft.id).await?.ok_or("draft")?;
    tokio::time::sleep(Duration::from_millis(LEASE_MS as u64 + 700)).await;

    let mut b = spawn_worker(&w, "rescuer", 0.0, None)?;
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let now = w.store.get_draft(d.draft.id).await?.ok_or("draft")?;
        if now.state == DraftState::Published {
            break;
        }
        if Instant::now() > until {
            return Err(format!("the rescuer did not publish: {}", now.state).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ledger_before = w.emu.admin().ledger().len();
    let published = w.store.get_draft(d.draft.id).await?.ok_or("draft")?;
    let entry_before = w
        .store
        .get_publish_entry(d.draft.id)
        .await?
        .ok_or("entry")?;

    // Wake the frozen worker and let it run into its stale fence.
    let cont = Command::new("kill").args(["-CONT", &pid]).status()?;
    assert!(cont.success(), "SIGCONT sent");
    if let Some(stdin) = a.child.stdin.as_mut() {
        stdin.write_all(b"go\n")?;
        stdin.flush()?;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for p in [&mut a, &mut b] {
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
    let mut crashes = HashMap::new();
    let a_log = collect_crashes(&mut a, &mut crashes);
    let after = w.store.get_draft(d.draft.id).await?.ok_or("draft")?;
    let entry_after = w
        .store
        .get_publish_entry(d.draft.id)
        .await?
        .ok_or("entry")?;
    let publishes = w
        .emu
        .admin()
        .ledger()
        .iter()
        .filter(|e| e.operation == Operation::Publish && e.text.as_deref() == Some(text))
        .count();
    println!(
        "frozen worker on {}: {frozen_line}; ledger calls after SIGCONT: {}; publishes: {publishes}",
        backend.name(),
        w.emu.admin().ledger().len() - ledger_before
    );
    assert_eq!(publishes, 1, "one publish call in all");
    assert_eq!(
        w.emu.admin().ledger().len(),
        ledger_before,
        "the frozen worker made no write call to the network"
    );
    assert_eq!(
        after, published,
        "the frozen worker wrote nothing to the draft"
    );
    assert_eq!(entry_after, entry_before, "nor to the ledger entry");
    assert!(
        after.fence > draft_before.fence,
        "the rescuer's fence is the newer one"
    );
    assert!(
        a_log.contains("lease lost") || a_log.contains("stale"),
        "the frozen worker noticed: {a_log}"
    );
    w.emu.shutdown().await;
    if let Some(cleanup) = w.location.cleanup {
        tokio::task::spawn_blocking(cleanup).await?;
    }
    Ok(Some(()))
}

// ---------------------------------------------------------------- the child

#[derive(Debug)]
struct ChaosProbe {
    rate: f64,
    freeze: Option<Step>,
    frozen: std::sync::atomic::AtomicBool,
}

impl Probe for ChaosProbe {
    fn at(&self, step: Step, subject: &str) {
        if Some(step) == self.freeze && !self.frozen.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            println!("FROZEN {step} {subject}");
            let _ = std::io::stdout().flush();
            // Wait for the coordinator (it SIGSTOPs us meanwhile).
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
        if self.rate > 0.0 && CRASH_STEPS.contains(&step) && rand::random::<f64>() < self.rate {
            eprintln!("CRASH {step}");
            std::process::abort();
        }
    }
}

async fn child() -> Result<(), BoxError> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let backend = match var("CHAOS_STORE_KIND")?.as_str() {
        "postgres" => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let store = open_store(backend, &var("CHAOS_STORE")?).await?;
    let network = Arc::new(threads(
        &var("CHAOS_EMULATOR")?,
        &var("CHAOS_APP_ID")?,
        &var("CHAOS_APP_SECRET")?,
    )?);
    let probe = Arc::new(ChaosProbe {
        rate: var("CHAOS_CRASH_RATE")?.parse()?,
        freeze: std::env::var("CHAOS_FREEZE_AT")
            .ok()
            .and_then(|s| Step::parse(&s)),
        frozen: std::sync::atomic::AtomicBool::new(false),
    });
    let pipeline = Pipeline::builder()
        .store(store)
        .llm(Arc::new(persona_core::OfflineProvider::new()))
        .network(network)
        .keyring(Arc::new(Keyring::from_spec(&var("CHAOS_KEYS")?)?))
        .config(config())
        .probe(probe)
        .build()?;
    let mut config = WorkerConfig::named(var("CHAOS_WORKER")?);
    config.concurrency = 8;
    config.lease = TimeDelta::milliseconds(LEASE_MS);
    config.poll_interval = TimeDelta::milliseconds(50);
    Worker::new(pipeline, config)
        .run_until(std::future::pending())
        .await?;
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::var_os(CHILD).is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_writer(std::io::stderr)
            .try_init();
        return match runtime.block_on(child()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("worker failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = Settings::from_env();
    let backends: Vec<Backend> = std::env::var("CHAOS_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .split(',')
        .filter_map(|b| match b.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" => Some(Backend::Postgres),
            _ => None,
        })
        .collect();
    println!("running {} tests", backends.len() * 3);
    println!("chaos settings: {settings:?}");
    let (mut passed, mut failed) = (0, 0);
    let mut rows = Vec::new();
    let mut conversation_rows = Vec::new();
    for backend in &backends {
        let name = format!("chaos_{}", backend.name());
        match runtime.block_on(chaos_run(*backend, &settings)) {
            Ok(Some(summary)) => {
                let ok = summary.passed();
                println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
                if !ok {
                    println!("{summary:?}");
                }
                rows.push(summary);
                if ok { passed += 1 } else { failed += 1 }
            }
            Ok(None) => println!("test {name} ... ignored (backend unavailable)"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
        let name = format!("conversations_{}", backend.name());
        match runtime.block_on(conversation_run(*backend, &settings)) {
            Ok(Some(summary)) => {
                let ok = summary.passed();
                println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
                if !ok {
                    println!("{summary:?}");
                }
                conversation_rows.push(summary);
                if ok { passed += 1 } else { failed += 1 }
            }
            Ok(None) => println!("test {name} ... ignored (backend unavailable)"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
        let name = format!("frozen_worker_{}", backend.name());
        match runtime.block_on(frozen_worker(*backend)) {
            Ok(Some(())) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Ok(None) => println!("test {name} ... ignored (backend unavailable)"),
            Err(e) => {
                println!("test {name} ... FAILED: {e}");
                failed += 1;
            }
        }
    }
    print_table(&rows);
    print_conversation_table(&conversation_rows);
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out"
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
