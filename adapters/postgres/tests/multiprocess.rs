//! Several OS processes claim from one PostgreSQL database; every job runs exactly once.
//!
//! This file has its own `main` (`harness = false`): run without arguments it is
//! the coordinator (it creates a throw-away database on the server at
//! `TEST_DATABASE_URL`, or prints SKIPPED; see `common`); with
//! `STORE_PG_WORKER=<database URL>` it is one worker process (the coordinator
//! starts copies of this very binary).

mod common;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::sync::Arc;

use chrono::TimeDelta;
use store_postgres::{PgStore, PgStoreOptions};
use store_traits::{
    AuditEvent, AuditLog, AuditQuery, Clock, JobFilter, JobQueue, JobState, NewJob, SystemClock,
};

const QUEUE: &str = "multiprocess";
const WORKERS: usize = 4;
const JOBS: usize = 1_000;
const WORKER_ENV: &str = "STORE_PG_WORKER";

fn options(url: &str) -> Result<PgStoreOptions, store_postgres::Error> {
    Ok(PgStoreOptions::new(url)?.max_connections(4))
}

/// One worker process: claim, record the execution, complete, until the queue is drained.
async fn worker(path: &str, name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = PgStore::connect(&options(path)?, clock.clone()).await?;
    let mut done = 0;
    loop {
        let jobs = store.claim(QUEUE, name, 8, TimeDelta::minutes(10)).await?;
        if jobs.is_empty() {
            let live = store
                .list_jobs(&JobFilter {
                    queue: Some(QUEUE.into()),
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
            let mut event = AuditEvent::new(None, name, "job.executed", clock.now());
            event.target = Some(job.id.to_string());
            store.append_audit(&event).await?;
            let fence = job.fence.ok_or("claimed job without a fence")?;
            store.complete(job.id, fence).await?;
            done += 1;
        }
    }
    store.close().await;
    Ok(done)
}

async fn coordinator() -> Result<(), Box<dyn std::error::Error>> {
    let ran = common::with_database("multiprocess", |_, url| async move {
        if let Err(e) = run(&url).await {
            panic!("{e}");
        }
    })
    .await;
    if !ran {
        println!("test several_processes_complete_every_job_exactly_once ... skipped");
    }
    Ok(())
}

async fn run(path: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = PgStore::connect(&options(path)?, Arc::new(SystemClock)).await?;
    let mut ids = Vec::with_capacity(JOBS);
    for i in 0..JOBS {
        let job = store
            .enqueue(NewJob::new(QUEUE, "work", serde_json::json!({ "n": i })))
            .await?
            .into_inner();
        ids.push(job.id);
    }
    let exe = std::env::current_exe()?;
    let children: Vec<_> = (0..WORKERS)
        .map(|w| {
            Command::new(&exe)
                .env(WORKER_ENV, path)
                .env("STORE_PG_WORKER_NAME", format!("worker-{w}"))
                .spawn()
        })
        .collect::<Result<_, _>>()?;
    for mut child in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("a worker process failed: {status}").into());
        }
    }

    let jobs = store
        .list_jobs(&JobFilter {
            queue: Some(QUEUE.into()),
            ..JobFilter::default()
        })
        .await?;
    assert_eq!(jobs.len(), JOBS);
    assert!(
        jobs.iter()
            .all(|j| j.state == JobState::Completed && j.attempts == 1),
        "every job completed on its first and only claim"
    );
    let events = store
        .list_audit(&AuditQuery::default())
        .await?
        .into_iter()
        .filter(|e| e.action == "job.executed")
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
    assert_eq!(events.len(), JOBS, "no execution outside the enqueued jobs");
    assert!(
        per_worker.len() >= 2,
        "work was spread over several processes: {per_worker:?}"
    );
    println!("{JOBS} jobs, each executed once; per process: {per_worker:?}");
    store.close().await;
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
    let outcome = match std::env::var(WORKER_ENV) {
        Ok(path) => {
            let name = std::env::var("STORE_PG_WORKER_NAME").unwrap_or_else(|_| "worker".into());
            runtime.block_on(worker(&path, &name)).map(|n| {
                eprintln!("{name}: {n} jobs");
            })
        }
        Err(_) => {
            println!("running 1 test\ntest several_processes_complete_every_job_exactly_once ...");
            runtime.block_on(coordinator())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
