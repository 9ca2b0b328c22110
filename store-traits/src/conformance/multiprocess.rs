//! Several OS processes claim from one store; every job runs exactly once.
//!
//! The exactly-one-claimer property of [`JobQueue::claim`](crate::JobQueue::claim)
//! across processes, for any [`Store`] that several processes can open at
//! once (a database file, a database server).
//! [`exactly_one_claimer`](super::exactly_one_claimer) checks it between
//! tasks of one process; this module checks it between processes, where only
//! the database can exclude one claimer from another.
//!
//! One test binary (`harness = false`) plays two roles. Run normally it is the
//! **coordinator**: [`coordinator`] enqueues [`Config::jobs`] jobs, starts
//! [`Config::workers`] copies of the running executable
//! ([`std::env::current_exe`]) and waits for them. Started by the coordinator,
//! the binary finds [`Config::worker_location`] set and runs [`worker`]: claim
//! a batch, append one audit event per job (`job.executed`, the worker as
//! actor, the job id as target), complete it, until no job of the queue is
//! queued or running. The coordinator then checks that every job completed on
//! its first and only claim, ran exactly once (one audit event each, none
//! for anything else), and that the work was spread over at least two processes.
//!
//! A broken rule **panics**, like the rest of the suite; a harness that cannot
//! do its work (spawning, a store call, a worker that failed) returns a
//! [`MultiprocessError`]. The backend opens and closes its stores itself and
//! hands them in; each role should open its own, on the system clock, and the
//! coordinator's store should hold no other jobs of [`Config::queue`] nor
//! `job.executed` audit events (use a fresh database).
//!
//! ```no_run
//! use std::sync::Arc;
//! use store_traits::conformance::multiprocess::{self, Config};
//! use store_traits::{BoxError, MemoryStore, Store, SystemClock};
//!
//! /// Your backend: open the store at a location (a file, a URL). A memory
//! /// store is private to its process, so with it the workers find no jobs
//! /// and the run fails: it only stands in for a real backend here.
//! async fn open(_location: &str) -> Result<Arc<dyn Store>, BoxError> {
//!     Ok(Arc::new(MemoryStore::new(Arc::new(SystemClock))))
//! }
//!
//! async fn run(config: &Config) -> Result<(), BoxError> {
//!     match config.worker_location() {
//!         Some(location) => {
//!             let store = open(&location).await?;
//!             let done = multiprocess::worker(config, store.as_ref(), &config.worker_name()).await?;
//!             eprintln!("{}: {done} jobs", config.worker_name());
//!         }
//!         None => {
//!             let store = open("my.db").await?;
//!             let summary = multiprocess::coordinator(config, store.as_ref(), "my.db").await?;
//!             println!("{summary}");
//!         }
//!     }
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let config = Config::new("MY_STORE");
//!     let runtime = tokio::runtime::Builder::new_multi_thread()
//!         .worker_threads(2)
//!         .enable_all()
//!         .build()
//!         .unwrap();
//!     match runtime.block_on(run(&config)) {
//!         Ok(()) => std::process::ExitCode::SUCCESS,
//!         Err(e) => {
//!             eprintln!("FAILED: {e}");
//!             std::process::ExitCode::FAILURE
//!         }
//!     }
//! }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::process::Command;

use chrono::TimeDelta;
use token_crypto::{Clock, SystemClock};

use crate::audit::{AuditEvent, AuditQuery};
use crate::queue::{JobFilter, JobState, NewJob};
use crate::store::Store;

/// The audit action a worker records for each job it executes.
pub const EXECUTED: &str = "job.executed";

/// How a multi-process run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The variable that carries the store location to a worker; its presence
    /// makes the binary a worker.
    pub worker_env: String,
    /// The variable that carries the worker's name (its lease owner and audit actor).
    pub worker_name_env: String,
    /// The queue the jobs go to.
    pub queue: String,
    /// Worker processes started.
    pub workers: usize,
    /// Jobs enqueued.
    pub jobs: usize,
    /// Jobs a worker claims at once.
    pub batch: usize,
    /// The lease of each claim (long enough that no lease expires during the run).
    pub lease: TimeDelta,
}

impl Config {
    /// A configuration whose variables are `<env_prefix>_WORKER` and
    /// `<env_prefix>_WORKER_NAME`, with queue `multiprocess`, 4 workers,
    /// 1,000 jobs, batches of 8 and 10-minute leases.
    pub fn new(env_prefix: &str) -> Self {
        Self {
            worker_env: format!("{env_prefix}_WORKER"),
            worker_name_env: format!("{env_prefix}_WORKER_NAME"),
            queue: "multiprocess".into(),
            workers: 4,
            jobs: 1_000,
            batch: 8,
            lease: TimeDelta::minutes(10),
        }
    }

    /// The store location if this process is a worker.
    pub fn worker_location(&self) -> Option<String> {
        std::env::var(&self.worker_env).ok()
    }

    /// The name the coordinator gave this worker (`worker` if none).
    pub fn worker_name(&self) -> String {
        std::env::var(&self.worker_name_env).unwrap_or_else(|_| "worker".into())
    }
}

/// Why the harness could not do its work (as opposed to a broken guarantee).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MultiprocessError {
    /// Spawning or waiting for a worker failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A store call failed.
    #[error("store: {0}")]
    Store(#[from] crate::Error),
    /// A worker broke the protocol or exited unsuccessfully.
    #[error("{0}")]
    Worker(String),
}

/// What a [`coordinator`] run saw.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Jobs enqueued, each executed exactly once.
    pub jobs: usize,
    /// Jobs executed per worker name.
    pub per_worker: HashMap<String, usize>,
}

impl fmt::Display for Summary {
    /// `<n> jobs, each executed once; per process: {...}`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut per_worker: Vec<_> = self.per_worker.iter().collect();
        per_worker.sort();
        write!(
            f,
            "{} jobs, each executed once; per process: {per_worker:?}",
            self.jobs
        )
    }
}

/// One worker process: claim, record the execution, complete, until no job of
/// the queue is queued or running. Returns how many jobs it executed.
pub async fn worker(
    config: &Config,
    store: &dyn Store,
    name: &str,
) -> Result<usize, MultiprocessError> {
    let clock = SystemClock;
    let mut done = 0;
    loop {
        let jobs = store
            .claim(&config.queue, name, config.batch, config.lease)
            .await?;
        if jobs.is_empty() {
            let live = store
                .list_jobs(&JobFilter {
                    queue: Some(config.queue.clone()),
                    states: vec![JobState::Queued, JobState::Running],
                    limit: Some(1),
                    ..JobFilter::default()
                })
                .await?;
            if live.is_empty() {
                break;
            }
            tokio::task::yield_now().await;
            continue;
        }
        for job in jobs {
            // The side effect whose count the coordinator checks.
            let mut event = AuditEvent::new(None, name, EXECUTED, clock.now());
            event.target = Some(job.id.to_string());
            store.append_audit(&event).await?;
            let fence = job
                .fence
                .ok_or_else(|| MultiprocessError::Worker("claimed job without a fence".into()))?;
            store.complete(job.id, fence).await?;
            done += 1;
        }
    }
    Ok(done)
}

/// The coordinator: enqueues [`Config::jobs`] jobs into `store`, starts
/// [`Config::workers`] copies of this executable as [`worker`]s on the store
/// at `location`, waits for them and checks the outcome (see the module docs;
/// a broken rule panics).
///
/// `store` must be open at `location` (created and migrated) before the
/// workers start, so that they do not race to create it.
pub async fn coordinator(
    config: &Config,
    store: &dyn Store,
    location: &str,
) -> Result<Summary, MultiprocessError> {
    let mut ids = Vec::with_capacity(config.jobs);
    for i in 0..config.jobs {
        let job = store
            .enqueue(NewJob::new(
                &config.queue,
                "work",
                serde_json::json!({ "n": i }),
            ))
            .await?
            .into_inner();
        ids.push(job.id);
    }
    let exe = std::env::current_exe()?;
    let children: Vec<_> = (0..config.workers)
        .map(|w| {
            Command::new(&exe)
                .env(&config.worker_env, location)
                .env(&config.worker_name_env, format!("worker-{w}"))
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(MultiprocessError::Worker(format!(
                "a worker process failed: {status}"
            )));
        }
    }

    let jobs = store
        .list_jobs(&JobFilter {
            queue: Some(config.queue.clone()),
            ..JobFilter::default()
        })
        .await?;
    assert_eq!(jobs.len(), config.jobs);
    assert!(
        jobs.iter()
            .all(|j| j.state == JobState::Completed && j.attempts == 1),
        "every job completed on its first and only claim"
    );
    let events = store
        .list_audit(&AuditQuery::default())
        .await?
        .into_iter()
        .filter(|e| e.action == EXECUTED)
        .collect::<Vec<_>>();
    let mut per_job: HashMap<String, usize> = HashMap::new();
    let mut per_worker: HashMap<String, usize> = HashMap::new();
    for event in &events {
        *per_job
            .entry(event.target.clone().unwrap_or_default())
            .or_default() += 1;
        *per_worker.entry(event.actor.clone()).or_default() += 1;
    }
    for id in &ids {
        assert_eq!(
            per_job.get(&id.to_string()).copied(),
            Some(1),
            "job {id} must have run exactly once"
        );
    }
    assert_eq!(
        events.len(),
        config.jobs,
        "no execution outside the enqueued jobs"
    );
    assert!(
        per_worker.len() >= 2,
        "work was spread over several processes: {per_worker:?}"
    );
    Ok(Summary {
        jobs: config.jobs,
        per_worker,
    })
}
