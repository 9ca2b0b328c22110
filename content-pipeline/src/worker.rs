//! [`Worker`]: runs the pipeline's queued jobs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use store_traits::{FenceToken, Job, JobId};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::error::{Error, Result};
use crate::jobs::{JobOutcome, queues};
use crate::pipeline::Pipeline;

/// How a [`Worker`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerConfig {
    /// The worker's name in leases, logs and spans (unique per process is
    /// best, e.g. host name and process id). Default `"worker"`.
    pub id: String,
    /// Queues to claim from, in order. Default: all of the pipeline's.
    pub queues: Vec<String>,
    /// Jobs run at once. Default 8.
    pub concurrency: usize,
    /// Lease per claim: a job whose worker stops heartbeating is claimable
    /// again after this. Default 60 s.
    pub lease: TimeDelta,
    /// Wait between claims when nothing is due. Default 1 s.
    pub poll_interval: TimeDelta,
    /// On shutdown, how long running jobs may finish before they are stopped
    /// and handed back to the queue. Default 30 s.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            id: "worker".to_owned(),
            queues: queues::ALL.iter().map(|q| (*q).to_owned()).collect(),
            concurrency: 8,
            lease: TimeDelta::seconds(60),
            poll_interval: TimeDelta::seconds(1),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl WorkerConfig {
    /// A configuration with this worker id.
    pub fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerReport {
    /// Jobs run.
    pub runs: u64,
    /// Runs that completed their job.
    pub done: u64,
    /// Runs that handed their job back for later.
    pub retried: u64,
    /// Runs whose account could not act.
    pub parked: u64,
    /// Runs that lost their lease to another worker.
    pub lease_lost: u64,
    /// Runs that failed with an error (the job was retried with backoff).
    pub errors: u64,
    /// Jobs handed back unfinished at shutdown.
    pub released: u64,
}

impl WorkerReport {
    fn add(&mut self, result: &Result<JobOutcome>) {
        self.runs += 1;
        match result {
            Ok(JobOutcome::Done) => self.done += 1,
            Ok(JobOutcome::RetryAt { .. }) => self.retried += 1,
            Ok(JobOutcome::Parked { .. }) => self.parked += 1,
            Err(e) if e.is_lease_lost() => self.lease_lost += 1,
            Err(_) => self.errors += 1,
        }
    }
}

/// Claims jobs from the pipeline's queues and runs them, `concurrency` at a
/// time, keeping each lease alive with a heartbeat.
///
/// Run one in the host process (the embedded default, on SQLite), or many
/// worker processes on many machines against one PostgreSQL: the queue's
/// leases and fencing tokens make each job run by one worker at a time, and
/// the publish ledger makes a re-run after a crash finish the work instead of
/// repeating it.
///
/// * [`run_until`](Worker::run_until): the long-running loop, with graceful
///   shutdown (running jobs finish within the grace period; the rest are
///   handed back to the queue).
/// * [`run_once`](Worker::run_once): claim what is due now, run it, return;
///   for a host's own scheduler (a cron tick) and for tests on a manual clock.
///
/// Each run is a `tracing` span `job` (job id, kind, attempt) inside the
/// worker's span `worker` (its id); publishing adds a `publish` span (draft).
#[derive(Debug, Clone)]
pub struct Worker {
    pipeline: Pipeline,
    config: WorkerConfig,
}

impl Worker {
    /// A worker for `pipeline`.
    pub fn new(pipeline: Pipeline, config: WorkerConfig) -> Self {
        Self { pipeline, config }
    }

    /// The configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    async fn claim(&self, room: usize) -> Result<Vec<Job>> {
        let store = self.pipeline.store();
        let mut out = Vec::new();
        for queue in &self.config.queues {
            if out.len() >= room {
                break;
            }
            let jobs = store
                .claim(queue, &self.config.id, room - out.len(), self.config.lease)
                .await?;
            out.extend(jobs);
        }
        Ok(out)
    }

    /// Claims the jobs due now (up to `concurrency`), runs them concurrently to
    /// the end and settles them in the queue. Returns what happened; `runs == 0`
    /// means nothing was due.
    pub async fn run_once(&self) -> Result<WorkerReport> {
        let span = info_span!("worker", worker = %self.config.id);
        async {
            let jobs = self.claim(self.config.concurrency.max(1)).await?;
            let mut report = WorkerReport::default();
            let mut set = JoinSet::new();
            for job in jobs {
                set.spawn(run_job(self.pipeline.clone(), job, self.config.lease));
            }
            while let Some(joined) = set.join_next().await {
                match joined {
                    Ok((_, result)) => report.add(&result),
                    Err(e) => {
                        warn!(error = %e, "a job task panicked");
                        report.runs += 1;
                        report.errors += 1;
                    }
                }
            }
            Ok(report)
        }
        .instrument(span)
        .await
    }

    /// Runs [`run_once`](Worker::run_once) until nothing is due, and returns
    /// the sum. On a manual clock, this is "everything due now, including what
    /// the runs themselves made due".
    pub async fn drain(&self) -> Result<WorkerReport> {
        let mut total = WorkerReport::default();
        loop {
            let r = self.run_once().await?;
            if r.runs == 0 {
                return Ok(total);
            }
            total.runs += r.runs;
            total.done += r.done;
            total.retried += r.retried;
            total.parked += r.parked;
            total.lease_lost += r.lease_lost;
            total.errors += r.errors;
        }
    }

    /// Runs until `shutdown` resolves, then stops claiming, lets running jobs
    /// finish for up to `shutdown_grace`, and hands the rest back to the queue
    /// (due at once, for another worker). Waits between polls go through the
    /// pipeline's [`Sleeper`](crate::Sleeper) (on a manual clock an idle worker
    /// moves time forward; use [`run_once`](Worker::run_once) there instead).
    pub async fn run_until<F>(&self, shutdown: F) -> Result<WorkerReport>
    where
        F: Future<Output = ()> + Send,
    {
        let span = info_span!("worker", worker = %self.config.id);
        self.run_loop(shutdown).instrument(span).await
    }

    async fn run_loop<F>(&self, shutdown: F) -> Result<WorkerReport>
    where
        F: Future<Output = ()> + Send,
    {
        info!(concurrency = self.config.concurrency, queues = ?self.config.queues, "worker started");
        let mut report = WorkerReport::default();
        let mut set: JoinSet<(Job, Result<JobOutcome>)> = JoinSet::new();
        let mut running: HashMap<JobId, FenceToken> = HashMap::new();
        let mut ids: HashMap<tokio::task::Id, JobId> = HashMap::new();
        tokio::pin!(shutdown);
        let sleeper = self.pipeline.inner.sleeper.clone();
        loop {
            let room = self.config.concurrency.max(1).saturating_sub(set.len());
            let claimed = if room > 0 {
                match self.claim(room).await {
                    Ok(jobs) => jobs,
                    Err(e) => {
                        warn!(error = %e, "claim failed");
                        Vec::new()
                    }
                }
            } else {
                Vec::new()
            };
            let got = claimed.len();
            for job in claimed {
                if let Some(fence) = job.fence {
                    running.insert(job.id, fence);
                }
                let id = job.id;
                let handle = set.spawn(run_job(self.pipeline.clone(), job, self.config.lease));
                ids.insert(handle.id(), id);
            }
            // Wait for a finished job, the next poll, or shutdown.
            let idle = got == 0 || set.len() >= self.config.concurrency.max(1);
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(joined) = set.join_next_with_id(), if !set.is_empty() => {
                    settle(&mut report, &mut running, &mut ids, joined);
                }
                () = sleeper.sleep(self.config.poll_interval), if idle => {}
                () = std::future::ready(()), if !idle => {}
            }
        }
        info!(running = set.len(), "worker stopping");
        let deadline = tokio::time::sleep(self.config.shutdown_grace);
        tokio::pin!(deadline);
        while !set.is_empty() {
            tokio::select! {
                Some(joined) = set.join_next_with_id() => {
                    settle(&mut report, &mut running, &mut ids, joined);
                }
                () = &mut deadline => break,
            }
        }
        set.abort_all();
        while let Some(joined) = set.join_next_with_id().await {
            settle(&mut report, &mut running, &mut ids, joined);
        }
        // Whatever did not finish goes back to the queue, due now.
        let store = self.pipeline.store();
        let now = self.pipeline.clock().now();
        for (id, fence) in running {
            match store.retry(id, fence, now, "worker shut down").await {
                Ok(_) => report.released += 1,
                Err(e) => debug!(job = %id, error = %e, "could not hand a job back"),
            }
        }
        info!(?report, "worker stopped");
        Ok(report)
    }
}

fn settle(
    report: &mut WorkerReport,
    running: &mut HashMap<JobId, FenceToken>,
    ids: &mut HashMap<tokio::task::Id, JobId>,
    joined: std::result::Result<
        (tokio::task::Id, (Job, Result<JobOutcome>)),
        tokio::task::JoinError,
    >,
) {
    match joined {
        Ok((task, (job, result))) => {
            ids.remove(&task);
            running.remove(&job.id);
            report.add(&result);
        }
        Err(e) => {
            // Aborted at shutdown (kept in `running`, handed back) or panicked
            // (the lease runs out and another worker takes it).
            if let Some(job) = ids.remove(&e.id())
                && e.is_panic()
            {
                running.remove(&job);
                report.errors += 1;
                warn!(job = %job, "a job task panicked");
            }
        }
    }
}

/// Runs one job under a heartbeat that keeps its lease alive. The heartbeat
/// uses the real timer: it must keep firing whatever the pipeline's clock.
async fn run_job(pipeline: Pipeline, job: Job, lease: TimeDelta) -> (Job, Result<JobOutcome>) {
    let span = info_span!("job", job = %job.id, kind = %job.kind, attempt = job.attempts);
    let (stop_tx, stop_rx) = watch::channel(false);
    let heartbeat = tokio::spawn(heartbeat(
        pipeline.clone(),
        job.id,
        job.fence,
        lease,
        stop_rx,
    ));
    let result = pipeline.process(&job, lease).instrument(span).await;
    let _ = stop_tx.send(true);
    let _ = heartbeat.await;
    match &result {
        Err(e) if e.is_lease_lost() => {
            warn!(job = %job.id, "lease lost; another worker owns the job")
        }
        Err(e) => warn!(job = %job.id, error = %e, "job failed"),
        Ok(_) => {}
    }
    (job, result)
}

async fn heartbeat(
    pipeline: Pipeline,
    id: JobId,
    fence: Option<FenceToken>,
    lease: TimeDelta,
    mut stop: watch::Receiver<bool>,
) {
    let Some(fence) = fence else { return };
    let every = (lease / 3)
        .to_std()
        .unwrap_or(Duration::from_secs(10))
        .max(Duration::from_millis(50));
    let store: Arc<store_traits::DynStore> = pipeline.store().clone();
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(every) => {}
        }
        match store.extend_lease(id, fence, lease).await {
            Ok(_) => {}
            Err(e) if e.is_stale_fence() => {
                // Another worker owns the job: the run stops at its next check.
                debug!(job = %id, "heartbeat found the lease taken");
                return;
            }
            Err(e) => debug!(job = %id, error = %Error::from(e), "heartbeat failed"),
        }
    }
}
