//! The "commit returns → SIGKILL → restart" loop for any [`Store`] that
//! outlives its process: a write whose call returned is never lost, however
//! abruptly the process dies afterwards.
//!
//! One test binary (`harness = false`) plays two roles. Run normally it is the
//! **coordinator**: [`coordinator`] starts copies of the running executable
//! ([`std::env::current_exe`]) as **writers**, kills each with SIGKILL at a
//! random moment, reopens the store and checks it. Started by the coordinator,
//! the binary finds [`Config::writer_location`] set and runs [`writer`].
//!
//! A writer schedules posts through the public store API as fast as it can: a
//! draft is inserted as approved, moved to `Scheduled` with a compare-and-swap
//! update, and a `publish` job is enqueued for the same instant, one day ahead.
//! After each call *returns* it prints the record the store returned (its id
//! and its `Debug` text, which shows every field) as one line and flushes
//! stdout: that line is the acknowledgement. The coordinator kills the writer
//! after a random number of acknowledgements plus a random delay, or a random
//! delay after start, reopens the store ("restart") and checks that
//!
//! - every acknowledged record is there, field for field as acknowledged;
//! - at most one draft and one job per kill were committed without an
//!   acknowledgement (the call in flight), and every job is still `Queued`;
//! - the writer died of signal 9 and not on its own.
//!
//! At the end every acknowledgement of the whole run is checked again, so a
//! later crash cannot have erased an earlier commit.
//!
//! Failures are reported like the rest of the suite: a broken rule about what
//! a kill may leave behind **panics**, lost or changed acknowledged records are
//! counted in the [`Summary`] (see [`Summary::check`]), and a harness that
//! cannot do its work (spawning, I/O, opening the store) returns a
//! [`DurabilityError`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use store_traits::conformance::durability::{self, Config, Opened, Target};
//! use store_traits::{BoxError, ManualClock, MemoryStore, Store};
//!
//! /// Your backend: how to open it at a location (a file, a URL).
//! struct MyTarget;
//!
//! #[async_trait::async_trait]
//! impl Target for MyTarget {
//!     async fn open(&self, _location: &str) -> Result<Opened, BoxError> {
//!         // Stands in for a real backend: a memory store forgets everything
//!         // when its writer dies, so this run would report every record lost.
//!         let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
//!         let store: Arc<dyn Store> = Arc::new(MemoryStore::new(clock));
//!         Ok(Opened { store, settings: "none".into() })
//!     }
//!
//!     fn check_writer_settings(&self, settings: &str) {
//!         assert_eq!(settings, "none");
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let config = Config::new("MY_STORE_DURABILITY", 100);
//!     let runtime = tokio::runtime::Builder::new_current_thread()
//!         .enable_all()
//!         .build()
//!         .unwrap();
//!     if let Some(location) = config.writer_location() {
//!         // A writer runs until killed; returning at all is a failure.
//!         let _ = runtime.block_on(durability::writer(&config, &MyTarget, &location));
//!         return std::process::ExitCode::FAILURE;
//!     }
//!     let (iterations, seed) = (config.iterations().unwrap(), config.seed().unwrap());
//!     let summary = runtime
//!         .block_on(durability::coordinator(&config, &MyTarget, "my.db", iterations, seed))
//!         .unwrap();
//!     println!("my durability: {summary}");
//!     summary.check().unwrap();
//!     std::process::ExitCode::SUCCESS
//! }
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use token_crypto::{Clock, SystemClock};

use crate::draft::{Draft, DraftFilter, DraftKind, DraftState};
use crate::error::BoxError;
use crate::ids::AccountId;
use crate::queue::{Job, JobFilter, JobState, NewJob};
use crate::store::Store;

/// The variable that sets the number of kill/restart cycles.
pub const ITERATIONS_ENV: &str = "DURABILITY_ITERATIONS";
/// The variable that sets the seed of the kill schedule (decimal or `0x` hex).
pub const SEED_ENV: &str = "DURABILITY_SEED";
/// The seed used when [`SEED_ENV`] is not set.
pub const DEFAULT_SEED: u64 = 0x5EED_0017;

/// How a durability run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The variable that carries the store location to a writer; its presence
    /// makes the binary a writer.
    pub child_env: String,
    /// The variable that carries the writer's account id.
    pub account_env: String,
    /// The variable that carries the writer's iteration number.
    pub iteration_env: String,
    /// The queue the writers enqueue into (the final check lists it).
    pub queue: String,
    /// Kill/restart cycles when [`ITERATIONS_ENV`] is not set.
    pub default_iterations: u64,
    /// The seed when [`SEED_ENV`] is not set.
    pub default_seed: u64,
    /// Most acknowledgements the coordinator waits for before it kills (at least 1).
    pub max_acks_before_kill: u64,
    /// Longest delay after the writer's start of a kill timed from its start
    /// (such kills may land while the writer opens the store).
    pub start_window: Duration,
    /// Longest delay after the acknowledgements a kill waits for.
    pub ack_window: Duration,
    /// A writer that stops acknowledging for this long is broken, not slow.
    pub stall: Duration,
}

impl Config {
    /// A configuration whose variables are `<env_prefix>_CHILD`,
    /// `<env_prefix>_ACCOUNT` and `<env_prefix>_ITERATION`, with queue
    /// `durability`, seed [`DEFAULT_SEED`], up to 12 acknowledgements and 2 ms
    /// before a kill, a 40 ms start window and a 60 s stall limit.
    pub fn new(env_prefix: &str, default_iterations: u64) -> Self {
        Self {
            child_env: format!("{env_prefix}_CHILD"),
            account_env: format!("{env_prefix}_ACCOUNT"),
            iteration_env: format!("{env_prefix}_ITERATION"),
            queue: "durability".into(),
            default_iterations,
            default_seed: DEFAULT_SEED,
            max_acks_before_kill: 12,
            start_window: Duration::from_millis(40),
            ack_window: Duration::from_millis(2),
            stall: Duration::from_secs(60),
        }
    }

    /// Sets [`Config::start_window`].
    #[must_use]
    pub fn start_window(mut self, window: Duration) -> Self {
        self.start_window = window;
        self
    }

    /// The store location if this process is a writer.
    pub fn writer_location(&self) -> Option<String> {
        std::env::var(&self.child_env).ok()
    }

    /// [`ITERATIONS_ENV`], or [`Config::default_iterations`].
    pub fn iterations(&self) -> Result<u64, DurabilityError> {
        env_u64(ITERATIONS_ENV, self.default_iterations)
    }

    /// [`SEED_ENV`], or [`Config::default_seed`].
    pub fn seed(&self) -> Result<u64, DurabilityError> {
        env_u64(SEED_ENV, self.default_seed)
    }
}

/// A store the harness opened through a [`Target`].
#[derive(Debug, Clone)]
pub struct Opened {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The durability settings the store runs with, as one line of text
    /// without newlines (e.g. `wal 2 7500`). A writer reports them before its
    /// first write; the coordinator hands them to
    /// [`Target::check_writer_settings`].
    pub settings: String,
}

/// The backend under test: how to open it, and which settings it must run with.
#[async_trait::async_trait]
pub trait Target: Send + Sync {
    /// Opens the store at `location`, in a writer (where the kill may come at
    /// any moment, even now) or in the coordinator.
    async fn open(&self, location: &str) -> Result<Opened, BoxError>;

    /// The store the coordinator reads back from after each kill and at the
    /// end: by default a fresh [`Target::open`] ("restart"). A backend whose
    /// state lives in a server may return a connection it keeps.
    async fn reopen(&self, location: &str) -> Result<Arc<dyn Store>, BoxError> {
        Ok(self.open(location).await?.store)
    }

    /// Releases a store [`Target::reopen`] returned once the coordinator has
    /// read it (by default it is dropped).
    async fn release(&self, store: Arc<dyn Store>) {
        drop(store);
    }

    /// Checks the settings a writer reported; panics if they are not the ones
    /// the durability guarantee needs.
    fn check_writer_settings(&self, settings: &str);
}

/// Why the harness could not do its work (as opposed to a broken guarantee).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DurabilityError {
    /// An environment variable does not hold a number.
    #[error("{name}={value:?}: {reason}")]
    BadVariable {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// Spawning, killing or talking to a writer failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A store call failed.
    #[error("store: {0}")]
    Store(#[from] crate::Error),
    /// [`Target::open`] or [`Target::reopen`] failed.
    #[error("opening the store: {0}")]
    Open(BoxError),
    /// A writer broke the protocol, stalled, or ended on its own.
    #[error("{0}")]
    Writer(String),
    /// One iteration failed.
    #[error("iteration {iteration} ({context}): {source}")]
    Iteration {
        /// The iteration.
        iteration: u64,
        /// The kill plan or the stage.
        context: String,
        /// What failed.
        source: Box<DurabilityError>,
    },
}

/// What a [`coordinator`] run saw.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Kill/restart cycles run.
    pub iterations: u64,
    /// The seed of the kill schedule.
    pub seed: u64,
    /// Acknowledged drafts.
    pub acknowledged_drafts: usize,
    /// Acknowledged jobs.
    pub acknowledged_jobs: usize,
    /// Acknowledged records missing after a restart (key and stage).
    pub lost: Vec<String>,
    /// Acknowledged records present, but not as acknowledged.
    pub changed: Vec<String>,
    /// Records committed but killed before their acknowledgement (allowed:
    /// the one call in flight).
    pub unacknowledged_committed: usize,
    /// Kills that came before the writer's first acknowledgement.
    pub kills_before_first_ack: u64,
    /// The settings line of the last writer that reported one.
    pub writer_settings: Option<String>,
    /// How long the run took.
    pub elapsed: Duration,
}

impl Summary {
    /// Acknowledged commits of the whole run.
    pub fn acknowledged(&self) -> usize {
        self.acknowledged_drafts + self.acknowledged_jobs
    }

    /// `Err` with a description (up to 20 lost and 20 changed records) if an
    /// acknowledged record was lost or changed, or if no writer acknowledged
    /// anything in a run of at least one iteration (a test that tested nothing).
    pub fn check(&self) -> Result<(), String> {
        if !self.lost.is_empty() || !self.changed.is_empty() {
            let mut message = format!(
                "{} acknowledged records lost, {} changed",
                self.lost.len(),
                self.changed.len()
            );
            for what in self.lost.iter().take(20) {
                message.push_str(&format!("\nlost: {what}"));
            }
            for what in self.changed.iter().take(20) {
                message.push_str(&format!("\nchanged: {what}"));
            }
            return Err(message);
        }
        if self.iterations > 0 && self.acknowledged() == 0 {
            return Err("no writer acknowledged anything: the test tested nothing".into());
        }
        Ok(())
    }
}

impl fmt::Display for Summary {
    /// `<n> iterations, <n> acknowledged commits (<n> drafts, <n> jobs), lost = <n>, ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} iterations, {} acknowledged commits ({} drafts, {} jobs), lost = {}, \
             changed = {}, {} committed but unacknowledged, {} kills before the first \
             acknowledgement, elapsed {:.1?}, seed {:#x}",
            self.iterations,
            self.acknowledged(),
            self.acknowledged_drafts,
            self.acknowledged_jobs,
            self.lost.len(),
            self.changed.len(),
            self.unacknowledged_committed,
            self.kills_before_first_ack,
            self.elapsed,
            self.seed,
        )
    }
}

// ---------------------------------------------------------------- protocol

/// One acknowledged write.
#[derive(Debug, Clone)]
struct Ack {
    /// `draft <id>` or `job <id>`.
    key: String,
    /// The `Debug` text of the record the store returned.
    record: String,
}

fn draft_key(draft: &Draft) -> String {
    format!("draft {}", draft.id)
}

fn job_key(job: &Job) -> String {
    format!("job {}", job.id)
}

/// One line the writer prints.
#[derive(Debug)]
enum Line {
    /// The writer's store settings, before any write.
    Settings(String),
    /// A call returned.
    Ack(Ack),
}

impl Line {
    /// The line as the writer prints it, newline included: `settings ...`,
    /// `draft <id> <record>` or `job <id> <record>`. `Debug` text escapes
    /// newlines inside strings, so a record is always one line.
    fn encode(&self) -> String {
        match self {
            Self::Settings(settings) => format!("settings {settings}\n"),
            Self::Ack(ack) => format!("{} {}\n", ack.key, ack.record),
        }
    }

    /// Parses one complete line.
    fn decode(text: &str) -> Result<Self, DurabilityError> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let bad = || DurabilityError::Writer(format!("bad writer line {text:?}"));
        let (tag, rest) = text.split_once(' ').ok_or_else(bad)?;
        match tag {
            "settings" => Ok(Self::Settings(rest.to_owned())),
            "draft" | "job" => {
                let (id, record) = rest.split_once(' ').ok_or_else(bad)?;
                Ok(Self::Ack(Ack {
                    key: format!("{tag} {id}"),
                    record: record.to_owned(),
                }))
            }
            _ => Err(bad()),
        }
    }

    /// Whether a printed line acknowledges a write.
    fn is_ack(text: &str) -> bool {
        text.starts_with("draft ") || text.starts_with("job ")
    }
}

fn env_u64(name: &str, default: u64) -> Result<u64, DurabilityError> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(value) => {
            let text = value.trim();
            let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.map_err(|e| DurabilityError::BadVariable {
                name: name.to_owned(),
                value: value.clone(),
                reason: e.to_string(),
            })
        }
    }
}

fn env_var(name: &str) -> Result<String, DurabilityError> {
    std::env::var(name).map_err(|e| DurabilityError::Writer(format!("{name}: {e}")))
}

// ---------------------------------------------------------------- writer

/// The writer process: opens the store at `location` and schedules posts
/// until killed. It only returns on failure (or, as an error, after 100,000
/// posts without a kill).
pub async fn writer(
    config: &Config,
    target: &dyn Target,
    location: &str,
) -> Result<(), DurabilityError> {
    let account: AccountId = env_var(&config.account_env)?
        .parse()
        .map_err(|e| DurabilityError::Writer(format!("{}: {e}", config.account_env)))?;
    let iteration = env_var(&config.iteration_env)?;
    let clock = SystemClock;
    let opened = target.open(location).await.map_err(DurabilityError::Open)?;
    let store = opened.store;
    let mut out = std::io::stdout().lock();
    let mut print = |line: Line| -> std::io::Result<()> {
        out.write_all(line.encode().as_bytes())?;
        out.flush()
    };
    print(Line::Settings(opened.settings.replace('\n', " ")))?;
    // Bounded so that an orphaned writer cannot run forever.
    for seq in 0..100_000_u64 {
        let now = clock.now();
        let at = now + Duration::from_secs(86_400 + seq);
        let mut draft = Draft::new(
            account,
            DraftKind::Post,
            format!("iteration {iteration}, post {seq}"),
            now,
        );
        draft.state = DraftState::Approved;
        store.insert_draft(&draft).await?;
        draft.state = DraftState::Scheduled;
        draft.scheduled_at = Some(at);
        let draft = store.update_draft(&draft, None).await?;
        print(Line::Ack(Ack {
            key: draft_key(&draft),
            record: format!("{draft:?}"),
        }))?;

        let payload = format!("draft {}, iteration {iteration}, post {seq}", draft.id);
        let job = store
            .enqueue(
                NewJob::new(&config.queue, "publish", payload.into())
                    .account(account)
                    .run_at(at)
                    .dedup_key(format!("publish:{}", draft.id)),
            )
            .await?;
        if !job.is_new() {
            return Err(DurabilityError::Writer(format!(
                "enqueue found an existing job for draft {}",
                draft.id
            )));
        }
        let job = job.into_inner();
        print(Line::Ack(Ack {
            key: job_key(&job),
            record: format!("{job:?}"),
        }))?;
    }
    Err(DurabilityError::Writer(
        "the writer ran out of posts without being killed".into(),
    ))
}

// ---------------------------------------------------------------- coordinator

/// SplitMix64: small, seedable, good enough to spread kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.next() % span,
            None => self.next(),
        }
    }
}

/// When to kill the writer.
#[derive(Debug, Clone, Copy)]
enum KillPlan {
    /// This long after spawning it (may land before the first commit, even
    /// while it opens the store).
    AfterStart(Duration),
    /// This long after it acknowledged this many writes.
    AfterAcks(u64, Duration),
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl KillPlan {
    fn draw(rng: &mut Rng, config: &Config) -> Self {
        if rng.range(0, 7) == 0 {
            Self::AfterStart(Duration::from_micros(
                rng.range(0, micros(config.start_window)),
            ))
        } else {
            Self::AfterAcks(
                rng.range(1, config.max_acks_before_kill.max(1)),
                Duration::from_micros(rng.range(0, micros(config.ack_window))),
            )
        }
    }
}

#[derive(Default)]
struct Tally {
    /// Every acknowledgement of the run, for the final check.
    acks: Vec<Ack>,
    /// Keys in `lost` or `changed` (so the final check does not count them twice).
    reported: HashSet<String>,
    summary: Summary,
}

impl Tally {
    fn failed(&self) -> bool {
        !self.summary.lost.is_empty() || !self.summary.changed.is_empty()
    }

    /// Compares acknowledgements with the stored records (`key` → `Debug` text).
    fn check(&mut self, acks: &[Ack], stored: &HashMap<String, String>, stage: &str) {
        for ack in acks {
            if self.reported.contains(&ack.key) {
                continue;
            }
            match stored.get(&ack.key) {
                None => self.summary.lost.push(format!("{} ({stage})", ack.key)),
                Some(record) if *record != ack.record => self.summary.changed.push(format!(
                    "{} ({stage}): acknowledged {}, stored {record}",
                    ack.key, ack.record
                )),
                Some(_) => continue,
            }
            self.reported.insert(ack.key.clone());
        }
    }
}

/// The stored records by key, as `Debug` text.
fn snapshot(drafts: &[Draft], jobs: &[Job]) -> HashMap<String, String> {
    drafts
        .iter()
        .map(|d| (draft_key(d), format!("{d:?}")))
        .chain(jobs.iter().map(|j| (job_key(j), format!("{j:?}"))))
        .collect()
}

/// Reads the writer's stdout on a thread; only complete lines count (a line
/// cut by the kill was never acknowledged).
fn spawn_reader(child: &mut Child) -> Result<Receiver<String>, DurabilityError> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| DurabilityError::Writer("the writer has no stdout pipe".into()))?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) if line.ends_with('\n') => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
                Ok(_) => break,
            }
        }
    });
    Ok(rx)
}

/// Runs one writer, kills it according to `plan`, returns every line it completed.
fn run_writer(
    config: &Config,
    exe: &Path,
    location: &str,
    account: AccountId,
    iteration: u64,
    plan: KillPlan,
) -> Result<Vec<Line>, DurabilityError> {
    let mut child = Command::new(exe)
        .env(&config.child_env, location)
        .env(&config.account_env, account.to_string())
        .env(&config.iteration_env, iteration.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let started = Instant::now();
    let rx = match spawn_reader(&mut child) {
        Ok(rx) => rx,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    let mut texts = Vec::new();
    let mut early_exit = false;
    match plan {
        KillPlan::AfterStart(delay) => std::thread::sleep(delay),
        KillPlan::AfterAcks(wanted, delay) => {
            let mut acks = 0;
            while acks < wanted {
                match rx.recv_timeout(config.stall) {
                    Ok(text) => {
                        if Line::is_ack(&text) {
                            acks += 1;
                        }
                        texts.push(text);
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        early_exit = true;
                        break;
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(DurabilityError::Writer(format!(
                            "writer {iteration} acknowledged nothing for {:?} \
                             ({acks} of {wanted} acknowledgements after {:?})",
                            config.stall,
                            started.elapsed()
                        )));
                    }
                }
            }
            std::thread::sleep(delay);
        }
    }
    // SIGKILL on Unix.
    child.kill()?;
    let status = child.wait()?;
    // The pipe closes with the process: collect what it completed before dying.
    texts.extend(rx.iter());
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() != Some(9) {
            early_exit = true;
        }
    }
    if early_exit || status.success() {
        return Err(DurabilityError::Writer(format!(
            "writer {iteration} ended on its own ({status}) before the kill"
        )));
    }
    texts.iter().map(|text| Line::decode(text)).collect()
}

/// Reads the store after a kill and checks that writer's acknowledgements.
async fn check_iteration(
    target: &dyn Target,
    location: &str,
    account: AccountId,
    lines: Vec<Line>,
    tally: &mut Tally,
) -> Result<(), DurabilityError> {
    let store = target
        .reopen(location)
        .await
        .map_err(DurabilityError::Open)?;
    let read = async {
        let drafts = store.list_drafts(&DraftFilter::account(account)).await?;
        let jobs = store
            .list_jobs(&JobFilter {
                account_id: Some(account),
                ..JobFilter::default()
            })
            .await?;
        Ok::<_, DurabilityError>((drafts, jobs))
    }
    .await;
    target.release(store).await;
    let (drafts, jobs) = read?;

    let mut acks = Vec::new();
    for line in lines {
        match line {
            Line::Settings(settings) => {
                target.check_writer_settings(&settings);
                tally.summary.writer_settings = Some(settings);
            }
            Line::Ack(ack) => acks.push(ack),
        }
    }
    if acks.is_empty() {
        tally.summary.kills_before_first_ack += 1;
    }
    tally.check(&acks, &snapshot(&drafts, &jobs), "after its kill");

    // The writer makes one call at a time, so the kill can leave behind at
    // most one committed-but-unacknowledged draft and one job.
    let acked: HashSet<&str> = acks.iter().map(|a| a.key.as_str()).collect();
    let extra_drafts = drafts
        .iter()
        .filter(|d| !acked.contains(draft_key(d).as_str()))
        .count();
    let extra_jobs = jobs
        .iter()
        .filter(|j| !acked.contains(job_key(j).as_str()))
        .count();
    assert!(
        extra_drafts <= 1 && extra_jobs <= 1,
        "records nobody wrote: {extra_drafts} drafts, {extra_jobs} jobs beyond the acknowledged ones"
    );
    assert!(
        jobs.iter().all(|j| j.state == JobState::Queued),
        "nothing claims in this test"
    );
    tally.summary.unacknowledged_committed += extra_drafts + extra_jobs;
    tally.acks.extend(acks);
    Ok(())
}

/// Every acknowledgement of the whole run, against the final store.
async fn check_all(
    config: &Config,
    target: &dyn Target,
    location: &str,
    tally: &mut Tally,
) -> Result<(), DurabilityError> {
    let store = target
        .reopen(location)
        .await
        .map_err(DurabilityError::Open)?;
    let read = async {
        let drafts = store.list_drafts(&DraftFilter::default()).await?;
        let jobs = store
            .list_jobs(&JobFilter {
                queue: Some(config.queue.clone()),
                ..JobFilter::default()
            })
            .await?;
        Ok::<_, DurabilityError>((drafts, jobs))
    }
    .await;
    target.release(store).await;
    let (drafts, jobs) = read?;
    let acks = std::mem::take(&mut tally.acks);
    tally.check(&acks, &snapshot(&drafts, &jobs), "final check");
    tally.acks = acks;
    Ok(())
}

/// The coordinator: `iterations` times, starts a copy of this executable as a
/// [`writer`] on the store at `location`, kills it per a plan drawn from
/// `seed`, and checks the store through [`Target::reopen`]; then checks every
/// acknowledgement once more.
///
/// The store at `location` should exist (be created and migrated) already,
/// so that the kills hit writes rather than the first migration. Panics when
/// a kill left records behind that no call in flight explains, when a job is
/// not `Queued`, or when [`Target::check_writer_settings`] does; lost or
/// changed records are in the returned [`Summary`].
pub async fn coordinator(
    config: &Config,
    target: &dyn Target,
    location: &str,
    iterations: u64,
    seed: u64,
) -> Result<Summary, DurabilityError> {
    let started = Instant::now();
    let exe = std::env::current_exe()?;
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    for iteration in 0..iterations {
        let account = AccountId::new();
        let plan = KillPlan::draw(&mut rng, config);
        let (writer_config, writer_exe, writer_location) =
            (config.clone(), exe.clone(), location.to_owned());
        let lines = tokio::task::spawn_blocking(move || {
            run_writer(
                &writer_config,
                &writer_exe,
                &writer_location,
                account,
                iteration,
                plan,
            )
        })
        .await
        .map_err(|e| DurabilityError::Writer(format!("the writer thread failed: {e}")))
        .and_then(|lines| lines)
        .map_err(|e| DurabilityError::Iteration {
            iteration,
            context: format!("{plan:?}"),
            source: Box::new(e),
        })?;
        let was_failing = tally.failed();
        check_iteration(target, location, account, lines, &mut tally)
            .await
            .map_err(|e| DurabilityError::Iteration {
                iteration,
                context: "checking".into(),
                source: Box::new(e),
            })?;
        if tally.failed() && !was_failing {
            eprintln!("iteration {iteration} ({plan:?}) lost or changed acknowledged records");
        }
    }
    check_all(config, target, location, &mut tally).await?;
    let mut summary = tally.summary;
    summary.iterations = iterations;
    summary.seed = seed;
    summary.acknowledged_drafts = tally
        .acks
        .iter()
        .filter(|a| a.key.starts_with("draft "))
        .count();
    summary.acknowledged_jobs = tally
        .acks
        .iter()
        .filter(|a| a.key.starts_with("job "))
        .count();
    summary.elapsed = started.elapsed();
    Ok(summary)
}
