//! The worker: graceful shutdown (finish within the grace, or hand the job
//! back), a crash in the middle of a reply chain (resumes without repeating a
//! part), and one job per draft however many workers race for it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{
    Actor, NewDraft, Pipeline, PipelineConfig, Probe, Role, Step, When, Worker, WorkerConfig,
};
use store_traits::{DraftState, JobFilter, JobState};
use threads_emulator::{Endpoint, FaultAction, FaultRule};

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

async fn scheduled(h: &Harness, text: &str) -> store_traits::DraftId {
    let account = h
        .store
        .find_accounts_by_username("ana")
        .await
        .expect("lookup")
        .remove(0);
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account.id, text), &editor())
        .await
        .expect("draft");
    h.pipeline
        .approve(d.draft.id, &editor())
        .await
        .expect("approve");
    h.pipeline
        .schedule(d.draft.id, When::Now, &editor())
        .await
        .expect("schedule");
    d.draft.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_hands_back_what_cannot_finish_within_the_grace() {
    let h = Harness::with_timeout(PipelineConfig::default(), Duration::from_secs(10)).await;
    h.connect("ana").await;
    let id = scheduled(&h, "Slow network, patient worker.").await;
    // Every container creation takes two real seconds.
    h.emu.admin().add_fault(
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::Latency { ms: 2_000 },
        )
        .times(1),
    );
    let mut config = WorkerConfig::named("leaving");
    config.shutdown_grace = Duration::from_millis(100);
    let worker = Worker::new(h.pipeline_with_real_waits(), config);
    let report = worker
        .run_until(tokio::time::sleep(Duration::from_millis(300)))
        .await
        .expect("run");
    assert_eq!(report.released, 1, "{report:?}");
    let jobs = h
        .store
        .list_jobs(&JobFilter {
            queue: Some(content_pipeline::queues::PUBLISH.into()),
            ..JobFilter::default()
        })
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Queued, "handed back, due now");
    assert_eq!(jobs[0].last_error.as_deref(), Some("worker shut down"));

    // Another worker finishes it, once.
    h.drain().await;
    assert_eq!(
        h.pipeline.draft(id).await.expect("draft").state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Slow network, patient worker."), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_running_job_finish_within_the_grace() {
    let h = Harness::with_timeout(PipelineConfig::default(), Duration::from_secs(10)).await;
    h.connect("ana").await;
    let id = scheduled(&h, "Finished before leaving.").await;
    h.emu.admin().add_fault(
        FaultRule::always(Endpoint::CreateContainer, FaultAction::Latency { ms: 500 }).times(1),
    );
    let mut config = WorkerConfig::named("finisher");
    config.shutdown_grace = Duration::from_secs(10);
    let worker = Worker::new(h.pipeline_with_real_waits(), config);
    let report = worker
        .run_until(tokio::time::sleep(Duration::from_millis(100)))
        .await
        .expect("run");
    assert_eq!((report.done, report.released), (1, 0), "{report:?}");
    assert_eq!(
        h.pipeline.draft(id).await.expect("draft").state,
        DraftState::Published
    );
}

/// Panics once, right before the publish call of the chain's second part.
#[derive(Debug)]
struct CrashOnce {
    subject: String,
    done: AtomicBool,
}

impl Probe for CrashOnce {
    fn at(&self, step: Step, subject: &str) {
        if step == Step::AfterPublish
            && subject == self.subject
            && !self.done.swap(true, Ordering::SeqCst)
        {
            panic!("simulated crash after the publish call, before it is recorded");
        }
    }
}

#[tokio::test]
async fn a_chain_resumes_after_a_crash_without_repeating_a_part() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let long: Vec<String> = (1..=20)
        .map(|i| {
            format!("Chapter {i} of the loaf: flour, water, salt, time, and a little courage.")
        })
        .collect();
    let drafted = h
        .pipeline
        .create_draft(NewDraft::post(account.id, long.join(" ")), &editor())
        .await
        .expect("draft");
    assert!(drafted.followers.len() >= 2, "a chain of three or more");
    // A pipeline on the same store, clock and network, with the crashing probe.
    let probe = Arc::new(CrashOnce {
        subject: drafted.followers[0].id.to_string(),
        done: AtomicBool::new(false),
    });
    let crashing: Pipeline = h.pipeline_with_probe(probe.clone());
    h.pipeline
        .approve(drafted.draft.id, &editor())
        .await
        .expect("approve");
    h.pipeline
        .schedule(drafted.draft.id, When::Now, &editor())
        .await
        .expect("schedule");
    let worker = Worker::new(crashing, WorkerConfig::named("crashy"));
    let report = worker.drain().await.expect("drain");
    assert!(probe.done.load(Ordering::SeqCst), "the crash happened");
    assert_eq!(report.errors, 1, "{report:?}");
    // The second part's job is still held by the dead run; its lease ends.
    h.advance(WorkerConfig::default().lease + TimeDelta::seconds(1));
    for _ in 0..3 {
        h.drain().await;
        h.advance(TimeDelta::minutes(1));
    }
    let mut previous = None;
    for d in drafted.all() {
        let d = h.pipeline.draft(d.id).await.expect("draft");
        assert_eq!(d.state, DraftState::Published);
        assert_eq!(
            h.publishes_of(&d.text),
            1,
            "part published once: {}",
            d.text
        );
        let live = h
            .publishes()
            .into_iter()
            .find(|e| e.text.as_deref() == Some(d.text.as_str()))
            .expect("live");
        assert_eq!(live.reply_to, previous, "in order");
        previous = d.provider.media_id.clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_workers_one_post() {
    let h = Harness::new().await;
    h.connect("ana").await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(scheduled(&h, &format!("Raced by four workers, number {i}.")).await);
    }
    let workers: Vec<Worker> = (0..4)
        .map(|i| Worker::new(h.pipeline.clone(), WorkerConfig::named(format!("w{i}"))))
        .collect();
    let runs = workers.iter().map(Worker::drain);
    for r in futures::future::join_all(runs).await {
        r.expect("drain");
    }
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            h.pipeline.draft(*id).await.expect("draft").state,
            DraftState::Published
        );
        assert_eq!(
            h.publishes_of(&format!("Raced by four workers, number {i}.")),
            1
        );
    }
}
