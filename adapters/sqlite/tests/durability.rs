//! RELIABILITY §6 item 17: "commit returns → SIGKILL → restart" loses no
//! committed schedule.
//!
//! This file has its own `main` (`harness = false`). Run without the child
//! variable it is the coordinator; with `STORE_SQLITE_DURABILITY_CHILD=<db path>`
//! it is one writer process (the coordinator starts copies of this very binary).
//!
//! Each iteration the coordinator starts a writer on one database file opened
//! in WAL mode with `synchronous = FULL`. The writer schedules posts through
//! the public store API as fast as it can: a draft is inserted as approved,
//! moved to `Scheduled` with a compare-and-swap update, and a `publish` job is
//! enqueued for the same instant, one day ahead. After each call *returns* the
//! writer prints the record the store returned (its id and its `Debug` text,
//! which shows every field) as one line and flushes stdout: that line is the
//! acknowledgement. The coordinator kills the writer with SIGKILL at a random
//! moment (after a random number of acknowledgements plus a random delay, or
//! a random delay after start), reopens the database ("restart"), and checks
//! that every acknowledged record is there, field for field as acknowledged,
//! and that nothing but the one call in flight left a record behind. At the
//! end every acknowledgement of the whole run is checked again, so a later
//! crash cannot have erased an earlier commit.
//!
//! Environment:
//! - `DURABILITY_ITERATIONS` (default [`DEFAULT_ITERATIONS`]): kill/restart cycles;
//!   RELIABILITY §6 item 17 asks for 1,000;
//! - `DURABILITY_SEED` (decimal or `0x` hex, default [`DEFAULT_SEED`]): the
//!   seed of the kill schedule, printed so a failing run can be replayed
//!   (the kill moments are only as reproducible as process timing allows).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use store_sqlite::{SqliteStore, SqliteStoreOptions, Synchronous};
use store_traits::{
    AccountId, Clock, Draft, DraftFilter, DraftKind, DraftState, DraftStore, Job, JobFilter,
    JobQueue, JobState, NewJob, SystemClock,
};

const CHILD_ENV: &str = "STORE_SQLITE_DURABILITY_CHILD";
const ACCOUNT_ENV: &str = "STORE_SQLITE_DURABILITY_ACCOUNT";
const ITERATION_ENV: &str = "STORE_SQLITE_DURABILITY_ITERATION";
const QUEUE: &str = "durability";
/// About 10 s for this binary on a 2-core machine (about 65 ms per iteration).
const DEFAULT_ITERATIONS: u64 = 150;
const DEFAULT_SEED: u64 = 0x5EED_0017;
const BUSY_TIMEOUT: Duration = Duration::from_millis(7_500);
/// Most acknowledgements the coordinator waits for before it kills.
const MAX_ACKS_BEFORE_KILL: u64 = 12;
/// Longest delay of a kill timed from the writer's start (opening the file takes a few tens of milliseconds).
const START_WINDOW: Duration = Duration::from_millis(40);
/// A writer that stops talking for this long is broken, not slow.
const STALL: Duration = Duration::from_secs(60);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn options(path: &str) -> SqliteStoreOptions {
    SqliteStoreOptions::file(path)
        .synchronous(Synchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
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
    /// The writer's connection settings, before any write.
    Settings {
        journal_mode: String,
        synchronous: i64,
        busy_timeout_ms: i64,
    },
    /// A call returned.
    Ack(Ack),
}

impl Line {
    /// The line as the writer prints it, newline included: `settings ...`,
    /// `draft <id> <record>` or `job <id> <record>`. `Debug` text escapes
    /// newlines inside strings, so a record is always one line.
    fn encode(&self) -> String {
        match self {
            Self::Settings {
                journal_mode,
                synchronous,
                busy_timeout_ms,
            } => format!("settings {journal_mode} {synchronous} {busy_timeout_ms}\n"),
            Self::Ack(ack) => format!("{} {}\n", ack.key, ack.record),
        }
    }

    /// Parses one complete line.
    fn decode(text: &str) -> Result<Self, BoxError> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let bad = || format!("bad writer line {text:?}");
        let (tag, rest) = text.split_once(' ').ok_or_else(bad)?;
        match tag {
            "settings" => {
                let mut fields = rest.split(' ');
                let mut field = || fields.next().ok_or_else(bad);
                Ok(Self::Settings {
                    journal_mode: field()?.to_owned(),
                    synchronous: field()?.parse()?,
                    busy_timeout_ms: field()?.parse()?,
                })
            }
            "draft" | "job" => {
                let (id, record) = rest.split_once(' ').ok_or_else(bad)?;
                Ok(Self::Ack(Ack {
                    key: format!("{tag} {id}"),
                    record: record.to_owned(),
                }))
            }
            _ => Err(bad().into()),
        }
    }

    /// Whether a printed line acknowledges a write.
    fn is_ack(text: &str) -> bool {
        text.starts_with("draft ") || text.starts_with("job ")
    }
}

// ---------------------------------------------------------------- writer

/// The writer process: schedule posts until killed.
async fn child(path: &str) -> Result<(), BoxError> {
    let account: AccountId = std::env::var(ACCOUNT_ENV)?.parse()?;
    let iteration: u64 = std::env::var(ITERATION_ENV)?.parse()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = SqliteStore::connect(&options(path), clock.clone()).await?;
    let (journal_mode, synchronous, busy_timeout_ms) = store.connection_settings().await?;
    let mut out = std::io::stdout().lock();
    let mut print = |line: Line| -> std::io::Result<()> {
        out.write_all(line.encode().as_bytes())?;
        out.flush()
    };
    print(Line::Settings {
        journal_mode,
        synchronous,
        busy_timeout_ms,
    })?;
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
                NewJob::new(QUEUE, "publish", payload.into())
                    .account(account)
                    .run_at(at)
                    .dedup_key(format!("publish:{}", draft.id)),
            )
            .await?;
        if !job.is_new() {
            return Err(format!("enqueue found an existing job for draft {}", draft.id).into());
        }
        let job = job.into_inner();
        print(Line::Ack(Ack {
            key: job_key(&job),
            record: format!("{job:?}"),
        }))?;
    }
    Err("the writer ran out of posts without being killed".into())
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
        lo + self.next() % (hi - lo + 1)
    }
}

/// When to kill the writer.
#[derive(Debug, Clone, Copy)]
enum KillPlan {
    /// This long after spawning it (may land before the first commit, even
    /// while it opens the database).
    AfterStart(Duration),
    /// This long after it acknowledged this many writes.
    AfterAcks(u64, Duration),
}

impl KillPlan {
    fn draw(rng: &mut Rng) -> Self {
        if rng.range(0, 7) == 0 {
            let window = u64::try_from(START_WINDOW.as_micros()).unwrap_or(u64::MAX);
            Self::AfterStart(Duration::from_micros(rng.range(0, window)))
        } else {
            Self::AfterAcks(
                rng.range(1, MAX_ACKS_BEFORE_KILL),
                Duration::from_micros(rng.range(0, 2_000)),
            )
        }
    }
}

#[derive(Default)]
struct Tally {
    /// Every acknowledgement of the run, for the final check.
    acks: Vec<Ack>,
    /// Committed but killed before the acknowledgement (allowed: the one call in flight).
    unacknowledged: usize,
    /// Kills that came before the writer's first acknowledgement.
    before_first_ack: u64,
    /// Acknowledged records missing after a restart.
    lost: Vec<String>,
    /// Acknowledged records present, but not as acknowledged.
    changed: Vec<String>,
    /// Keys in `lost` or `changed` (so the final check does not count them twice).
    reported: HashSet<String>,
}

impl Tally {
    fn failed(&self) -> bool {
        !self.lost.is_empty() || !self.changed.is_empty()
    }

    fn count(&self, kind: &str) -> usize {
        self.acks.iter().filter(|a| a.key.starts_with(kind)).count()
    }

    /// Compares acknowledgements with the stored records (`key` → `Debug` text).
    fn check(&mut self, acks: &[Ack], stored: &HashMap<String, String>, stage: &str) {
        for ack in acks {
            if self.reported.contains(&ack.key) {
                continue;
            }
            match stored.get(&ack.key) {
                None => self.lost.push(format!("{} ({stage})", ack.key)),
                Some(record) if *record != ack.record => self.changed.push(format!(
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

fn env_u64(name: &str, default: u64) -> Result<u64, BoxError> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.map_err(|e| format!("{name}={text:?}: {e}").into())
        }
    }
}

/// Reads the writer's stdout on a thread; only complete lines count (a line
/// cut by the kill was never acknowledged).
fn spawn_reader(child: &mut Child) -> Result<Receiver<String>, BoxError> {
    let stdout = child.stdout.take().ok_or("the writer has no stdout pipe")?;
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
    exe: &Path,
    path: &str,
    account: AccountId,
    iteration: u64,
    plan: KillPlan,
) -> Result<Vec<Line>, BoxError> {
    let mut child = Command::new(exe)
        .env(CHILD_ENV, path)
        .env(ACCOUNT_ENV, account.to_string())
        .env(ITERATION_ENV, iteration.to_string())
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
                match rx.recv_timeout(STALL) {
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
                        return Err(format!(
                            "writer {iteration} acknowledged nothing for {STALL:?} \
                             ({acks} of {wanted} acknowledgements after {:?})",
                            started.elapsed()
                        )
                        .into());
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
        return Err(
            format!("writer {iteration} ended on its own ({status}) before the kill").into(),
        );
    }
    texts.iter().map(|text| Line::decode(text)).collect()
}

/// Reopens the database after a kill and checks that writer's acknowledgements.
async fn check_iteration(
    path: &str,
    account: AccountId,
    lines: Vec<Line>,
    tally: &mut Tally,
) -> Result<(), BoxError> {
    let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
    let (journal, synchronous, _) = store.connection_settings().await?;
    assert_eq!(
        (journal.as_str(), synchronous),
        ("wal", 2),
        "the reopened store runs in WAL mode with synchronous = FULL"
    );
    let drafts = store.list_drafts(&DraftFilter::account(account)).await?;
    let jobs = store
        .list_jobs(&JobFilter {
            account_id: Some(account),
            ..JobFilter::default()
        })
        .await?;
    store.close().await;

    let mut acks = Vec::new();
    for line in lines {
        match line {
            Line::Settings {
                journal_mode,
                synchronous,
                busy_timeout_ms,
            } => {
                assert_eq!(journal_mode, "wal", "the writer runs in WAL mode");
                assert_eq!(synchronous, 2, "the writer runs with synchronous = FULL");
                assert_eq!(
                    u128::try_from(busy_timeout_ms).ok(),
                    Some(BUSY_TIMEOUT.as_millis()),
                    "the writer's busy timeout is the one configured"
                );
            }
            Line::Ack(ack) => acks.push(ack),
        }
    }
    if acks.is_empty() {
        tally.before_first_ack += 1;
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
    tally.unacknowledged += extra_drafts + extra_jobs;
    tally.acks.extend(acks);
    Ok(())
}

/// Every acknowledgement of the whole run, against the final database.
async fn check_all(path: &str, tally: &mut Tally) -> Result<(), BoxError> {
    let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
    let drafts = store.list_drafts(&DraftFilter::default()).await?;
    let jobs = store
        .list_jobs(&JobFilter {
            queue: Some(QUEUE.into()),
            ..JobFilter::default()
        })
        .await?;
    store.close().await;
    let acks = std::mem::take(&mut tally.acks);
    tally.check(&acks, &snapshot(&drafts, &jobs), "final check");
    tally.acks = acks;
    Ok(())
}

fn coordinator(runtime: &tokio::runtime::Runtime) -> Result<(), BoxError> {
    let iterations = env_u64("DURABILITY_ITERATIONS", DEFAULT_ITERATIONS)?;
    let seed = env_u64("DURABILITY_SEED", DEFAULT_SEED)?;
    println!("running 1 test");
    println!(
        "test commit_sigkill_restart_loses_no_committed_schedule ... \
         (iterations {iterations}, DURABILITY_SEED={seed:#x})"
    );
    let path =
        std::env::temp_dir().join(format!("store-sqlite-durability-{}.db", AccountId::new()));
    let path = path.to_str().ok_or("temp path is not UTF-8")?.to_owned();
    let result = run(runtime, &path, iterations, seed);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    result
}

fn run(
    runtime: &tokio::runtime::Runtime,
    path: &str,
    iterations: u64,
    seed: u64,
) -> Result<(), BoxError> {
    let started = Instant::now();
    let exe = std::env::current_exe()?;
    // Create and migrate the file once, so that the kills hit writes, not the
    // first migration; and check the settings item 17 asks for.
    runtime.block_on(async {
        let store = SqliteStore::connect(&options(path), Arc::new(SystemClock)).await?;
        let (journal, synchronous, busy) = store.connection_settings().await?;
        assert_eq!(journal, "wal", "journal_mode");
        assert_eq!(synchronous, 2, "synchronous = FULL");
        assert!(busy > 0, "a busy timeout is set");
        store.close().await;
        Ok::<_, BoxError>(())
    })?;

    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    for iteration in 0..iterations {
        let account = AccountId::new();
        let plan = KillPlan::draw(&mut rng);
        let lines = run_writer(&exe, path, account, iteration, plan)
            .map_err(|e| format!("iteration {iteration} ({plan:?}): {e}"))?;
        let was_failing = tally.failed();
        runtime
            .block_on(check_iteration(path, account, lines, &mut tally))
            .map_err(|e| format!("iteration {iteration}: reopening: {e}"))?;
        if tally.failed() && !was_failing {
            eprintln!("iteration {iteration} ({plan:?}) lost or changed acknowledged records");
        }
    }
    runtime.block_on(check_all(path, &mut tally))?;

    let commits = tally.acks.len();
    println!(
        "sqlite durability: {iterations} iterations, {commits} acknowledged commits \
         ({} drafts, {} jobs), lost = {}, changed = {}, \
         {} committed but unacknowledged, {} kills before the first acknowledgement, \
         elapsed {:.1?}, seed {seed:#x}",
        tally.count("draft "),
        tally.count("job "),
        tally.lost.len(),
        tally.changed.len(),
        tally.unacknowledged,
        tally.before_first_ack,
        started.elapsed(),
    );
    if tally.failed() {
        for what in tally.lost.iter().take(20) {
            eprintln!("lost: {what}");
        }
        for what in tally.changed.iter().take(20) {
            eprintln!("changed: {what}");
        }
        return Err(format!(
            "{} acknowledged records lost, {} changed",
            tally.lost.len(),
            tally.changed.len()
        )
        .into());
    }
    if iterations > 0 && commits == 0 {
        return Err("no writer acknowledged anything: the test tested nothing".into());
    }
    println!("test commit_sigkill_restart_loses_no_committed_schedule ... ok");
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match std::env::var(CHILD_ENV) {
        Ok(path) => runtime.block_on(child(&path)),
        Err(_) => coordinator(&runtime),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
