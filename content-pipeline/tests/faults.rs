//! The emulator's seeded faults against the publishing protocol: lost
//! answers, timeouts, transient and rate-limit errors, slow, failed and
//! expired containers, expired tokens. Always exactly one post per draft.

mod common;

use std::time::Duration;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{Actor, NewDraft, PipelineConfig, Role, When};
use store_traits::{AccountId, AccountStatus, DraftId, DraftState, PublishState};
use threads_emulator::{Endpoint, FaultAction, FaultRule, Operation};

fn editor() -> Actor {
    Actor::person("ed", Role::Editor)
}

async fn scheduled_post(h: &Harness, account: AccountId, text: &str) -> DraftId {
    let d = h
        .pipeline
        .create_draft(NewDraft::post(account, text), &editor())
        .await
        .expect("test fixture");
    h.pipeline
        .approve(d.draft.id, &editor())
        .await
        .expect("test fixture");
    h.pipeline
        .schedule(d.draft.id, When::Now, &editor())
        .await
        .expect("test fixture");
    d.draft.id
}

/// Drains, moving the clock a minute between rounds, until nothing is due
/// within `horizon`.
async fn settle(h: &Harness, horizon: TimeDelta) {
    let end = store_traits::Clock::now(h.clock.as_ref()) + horizon;
    while store_traits::Clock::now(h.clock.as_ref()) < end {
        h.drain().await;
        h.advance(TimeDelta::minutes(1));
    }
}

fn creates(h: &Harness) -> usize {
    h.emu
        .admin()
        .ledger()
        .iter()
        .filter(|e| e.operation == Operation::CreateContainer && e.succeeded())
        .count()
}

#[tokio::test]
async fn a_lost_answer_after_the_publish_committed_is_reconciled_not_repeated() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    h.emu
        .admin()
        .add_fault(FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).times(1));
    let id = scheduled_post(&h, account.id, "The answer got lost.").await;
    settle(&h, TimeDelta::minutes(10)).await;
    let draft = h.pipeline.draft(id).await.unwrap();
    assert_eq!(draft.state, DraftState::Published);
    assert_eq!(h.publishes_of("The answer got lost."), 1);
    // The recorded id is the live post's id.
    let live = h.publishes()[0].result_id.clone();
    assert_eq!(draft.provider.media_id, live);
    let entry = h.store.get_publish_entry(id).await.unwrap().unwrap();
    assert!(
        entry
            .evidence
            .iter()
            .any(|e| e.contains("publish call failed")),
        "{:?}",
        entry.evidence
    );
}

#[tokio::test]
async fn a_timeout_after_the_commit_is_reconciled() {
    let h = Harness::with_timeout(PipelineConfig::default(), Duration::from_millis(400)).await;
    let account = h.connect("ana").await.account;
    h.emu.admin().add_fault(
        FaultRule::always(Endpoint::Publish, FaultAction::CommitThenHang { ms: 1_500 }).times(1),
    );
    let id = scheduled_post(&h, account.id, "Slow answer.").await;
    settle(&h, TimeDelta::minutes(10)).await;
    assert_eq!(
        h.pipeline.draft(id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Slow answer."), 1);
}

#[tokio::test]
async fn a_timeout_before_the_call_is_handled_publishes_once() {
    let h = Harness::with_timeout(PipelineConfig::default(), Duration::from_millis(400)).await;
    let account = h.connect("ana").await.account;
    h.emu.admin().add_fault(
        FaultRule::always(Endpoint::Publish, FaultAction::Latency { ms: 1_500 }).times(1),
    );
    let id = scheduled_post(&h, account.id, "Slow to arrive.").await;
    settle(&h, TimeDelta::minutes(10)).await;
    // Latency delays the handling: the call may have gone through after our
    // timeout, or not. Either way one post.
    assert_eq!(
        h.pipeline.draft(id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Slow to arrive."), 1);
}

#[tokio::test]
async fn transient_and_rate_limit_errors_are_retried_without_duplicates() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    let admin = h.emu.admin();
    admin.add_fault(FaultRule::transient(Endpoint::CreateContainer, 2).times(2));
    admin.add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::GraphError {
                code: 613,
                subcode: None,
                status: Some(400),
                message: None,
            },
        )
        .times(2),
    );
    admin.add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::HttpStatus {
                status: 502,
                body: "bad gateway".into(),
            },
        )
        .times(1),
    );
    let id = scheduled_post(&h, account.id, "Third time lucky.").await;
    settle(&h, TimeDelta::hours(1)).await;
    assert_eq!(
        h.pipeline.draft(id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Third time lucky."), 1);
}

#[tokio::test]
async fn a_spurious_not_found_on_publish_is_retried_once_safe() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    h.emu
        .admin()
        .add_fault(FaultRule::always(Endpoint::Publish, FaultAction::SpuriousNotFound).times(2));
    let id = scheduled_post(&h, account.id, "Not found, then found.").await;
    settle(&h, TimeDelta::minutes(30)).await;
    assert_eq!(
        h.pipeline.draft(id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Not found, then found."), 1);
}

#[tokio::test]
async fn slow_containers_are_polled_on_the_manual_clock() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    h.emu.admin().add_fault(
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::StuckInProgress { secs: 600 },
        )
        .times(1),
    );
    let started = std::time::Instant::now();
    let id = scheduled_post(&h, account.id, "Ten minutes in the oven.").await;
    settle(&h, TimeDelta::minutes(30)).await;
    assert_eq!(
        h.pipeline.draft(id).await.unwrap().state,
        DraftState::Published
    );
    assert_eq!(h.publishes_of("Ten minutes in the oven."), 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no real waiting"
    );
    let status_checks = h
        .emu
        .admin()
        .ledger()
        .iter()
        .filter(|e| e.operation == Operation::CreateContainer)
        .count();
    assert_eq!(status_checks, 1, "one container, polled until finished");
}

#[tokio::test]
async fn failed_and_expired_containers_are_replaced_boundedly() {
    let mut config = PipelineConfig::default();
    config.publish.deadline = TimeDelta::hours(48);
    let h = Harness::with_config(config).await;
    let account = h.connect("ana").await.account;

    // A container that fails is replaced.
    h.emu.admin().add_fault(
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::ContainerError {
                error_message: "FAILED_PROCESSING_IMAGE".into(),
            },
        )
        .times(1),
    );
    let failed_once = scheduled_post(&h, account.id, "Second container lucky.").await;
    settle(&h, TimeDelta::minutes(10)).await;
    let d = h.pipeline.draft(failed_once).await.unwrap();
    assert_eq!(d.state, DraftState::Published, "{:?}", d.last_error);
    assert_eq!(h.publishes_of("Second container lucky."), 1);
    let entry = h
        .store
        .get_publish_entry(failed_once)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.previous_container_ids.len(), 1, "{entry:?}");
    assert_eq!(creates(&h), 2);

    // A container stuck until it expires (24 hours) is replaced.
    h.emu.admin().add_fault(
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::StuckInProgress { secs: 100_000 },
        )
        .times(1),
    );
    let expired = scheduled_post(&h, account.id, "Fresh container after a day.").await;
    h.drain().await;
    assert_eq!(h.publishes_of("Fresh container after a day."), 0);
    h.advance(TimeDelta::hours(25));
    settle(&h, TimeDelta::minutes(10)).await;
    let d = h.pipeline.draft(expired).await.unwrap();
    assert_eq!(d.state, DraftState::Published, "{:?}", d.last_error);
    assert_eq!(h.publishes_of("Fresh container after a day."), 1);
    let entry = h.store.get_publish_entry(expired).await.unwrap().unwrap();
    assert_eq!(entry.previous_container_ids.len(), 1, "{entry:?}");

    // Every container failing: the draft fails after max_containers, no post.
    h.emu.admin().add_fault(FaultRule::always(
        Endpoint::CreateContainer,
        FaultAction::ContainerError {
            error_message: "UNKNOWN".into(),
        },
    ));
    let doomed = scheduled_post(&h, account.id, "Never makes it.").await;
    settle(&h, TimeDelta::minutes(30)).await;
    let d = h.pipeline.draft(doomed).await.unwrap();
    assert_eq!(d.state, DraftState::Failed);
    let error = d.last_error.unwrap();
    assert!(error.contains("containers failed"), "{error}");
    // Meta's own reason for the last container stays on the draft.
    assert!(error.contains("UNKNOWN"), "{error}");
    assert_eq!(h.publishes_of("Never makes it."), 0);
    let entry = h.store.get_publish_entry(doomed).await.unwrap().unwrap();
    assert_eq!(entry.previous_container_ids.len(), 3);
}

#[tokio::test]
async fn an_expired_token_pauses_the_account_and_nothing_loops() {
    let h = Harness::new().await;
    let account = h.connect("ana").await.account;
    h.emu
        .admin()
        .add_fault(FaultRule::always(Endpoint::CreateContainer, FaultAction::ExpireToken).times(1));
    let id = scheduled_post(&h, account.id, "Token trouble.").await;
    h.drain().await;
    let a = h.store.get_account(account.id).await.unwrap().unwrap();
    assert_eq!(a.status, AccountStatus::NeedsReauth);
    let calls = h.emu.admin().ledger().len();
    settle(&h, TimeDelta::hours(2)).await;
    assert_eq!(
        h.emu.admin().ledger().len(),
        calls,
        "no calls while the account waits"
    );
    let d = h.pipeline.draft(id).await.unwrap();
    assert_eq!(
        d.state,
        DraftState::Scheduled,
        "kept for after the reconnect"
    );
}

/// Every fault at once, at random, over many posts: no duplicates, and every
/// draft reaches a terminal state before the deadline.
#[tokio::test]
async fn random_faults_never_duplicate_and_always_settle() {
    let mut config = PipelineConfig::default();
    config.publish.deadline = TimeDelta::hours(2);
    let h = Harness::with_timeout(config, Duration::from_millis(300)).await;
    let account = h.connect("ana").await.account;
    let admin = h.emu.admin();
    admin.set_fault_seed(99);
    let p = 0.12;
    admin.set_faults(vec![
        FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).with_probability(p),
        FaultRule::always(Endpoint::Publish, FaultAction::SpuriousNotFound).with_probability(p),
        FaultRule::always(Endpoint::Publish, FaultAction::CommitThenHang { ms: 500 })
            .with_probability(0.03),
        FaultRule::transient(Endpoint::Publish, 2).with_probability(p),
        FaultRule::transient(Endpoint::CreateContainer, 1).with_probability(p),
        FaultRule::transient(Endpoint::GetObject, 2).with_probability(p),
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::StuckInProgress { secs: 90 },
        )
        .with_probability(p),
        FaultRule::always(
            Endpoint::CreateContainer,
            FaultAction::ContainerError {
                error_message: "UNKNOWN".into(),
            },
        )
        .with_probability(0.05),
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::HttpStatus {
                status: 503,
                body: String::new(),
            },
        )
        .with_probability(p),
    ]);
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(scheduled_post(&h, account.id, &format!("Chaos post {i}.")).await);
    }
    settle(&h, TimeDelta::hours(3)).await;
    let mut published = 0;
    for (i, id) in ids.iter().enumerate() {
        let d = h.pipeline.draft(*id).await.unwrap();
        assert!(d.state.is_terminal(), "post {i} is {}", d.state);
        let n = h.publishes_of(&format!("Chaos post {i}."));
        assert!(n <= 1, "post {i} published {n} times");
        let entry = h.store.get_publish_entry(*id).await.unwrap();
        match d.state {
            DraftState::Published => {
                published += 1;
                assert_eq!(
                    n, 1,
                    "post {i}: the database says published, the network agrees"
                );
                assert_eq!(entry.unwrap().state, PublishState::Published);
            }
            DraftState::Failed => assert_eq!(n, 0, "post {i} failed but is live"),
            DraftState::Unconfirmed => {}
            other => panic!("post {i}: {other}"),
        }
    }
    assert!(published >= 50, "most posts go out: {published}/60");
}
