//! Conformance of [`JobQueue`](crate::JobQueue): the queue, fencing and the
//! exactly-one-claimer property.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::{align, cleanup, new_account, tick, unique};
use crate::draft::{Draft, DraftKind, DraftState};
use crate::error::Error;
use crate::ids::{FenceToken, JobId};
use crate::publish::PublishEntry;
use crate::queue::{Job, JobFilter, JobState, NewJob};
use crate::store::Store;

pub(super) fn job(queue: &str, account: crate::AccountId) -> NewJob {
    NewJob::new(queue, "conformance", serde_json::json!({"n": 1})).account(account)
}

fn fence_of(job: &Job) -> FenceToken {
    job.fence.expect("a claimed job carries a fence token")
}

fn assert_stale<T: std::fmt::Debug>(result: crate::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::StaleFence { .. })),
        "{what} with a stale fence must fail with StaleFence, got {result:?}"
    );
}

/// [`JobQueue`](crate::JobQueue): enqueue (validation, run-at, dedup keys),
/// claim (due rules, ordering, attempts, leases), extend, complete, retry,
/// dead-letter (explicit, after max attempts, after an expired final lease),
/// requeue, cancel, get, list, and "no job is handed out twice".
pub async fn job_queue(store: &Arc<dyn Store>, clock: &ManualClock) {
    let t0 = align(clock);
    let acct = new_account(store, clock, None).await;
    let q = unique("queue");
    let lease = TimeDelta::minutes(5);

    for bad in [
        NewJob::new("", "k", serde_json::Value::Null),
        NewJob::new(&q, "k", serde_json::Value::Null).max_attempts(0),
    ] {
        let r = store.enqueue(bad).await;
        assert!(
            matches!(r, Err(Error::InvalidInput(_))),
            "enqueue must reject an empty queue name or max_attempts 0, got {r:?}"
        );
    }

    let a = store
        .enqueue(job(&q, acct.id).max_attempts(3))
        .await
        .unwrap();
    assert!(a.is_new());
    let a = a.into_inner();
    assert_eq!(
        (a.state, a.attempts, a.run_at, a.fence, a.account_id),
        (JobState::Queued, 0, t0, None, Some(acct.id)),
        "a new job is queued, due now, without attempts or fence"
    );
    assert_eq!(
        store.get_job(a.id).await.unwrap(),
        Some(a.clone()),
        "get_job must return the enqueued job"
    );
    assert_eq!(store.get_job(JobId::new()).await.unwrap(), None);
    let later = store
        .enqueue(job(&q, acct.id).run_at(t0 + TimeDelta::hours(1)))
        .await
        .unwrap()
        .into_inner();

    let keyed = store
        .enqueue(job(&q, acct.id).dedup_key("k"))
        .await
        .unwrap();
    assert!(keyed.is_new());
    let keyed = keyed.into_inner();
    let again = store
        .enqueue(job(&q, acct.id).dedup_key("k"))
        .await
        .unwrap();
    assert!(
        !again.is_new() && again.get().id == keyed.id,
        "enqueue with a live dedup key must return the existing job, got {again:?}"
    );
    let q_other = unique("queue");
    let elsewhere = store
        .enqueue(job(&q_other, acct.id).dedup_key("k"))
        .await
        .unwrap();
    assert!(elsewhere.is_new(), "dedup keys are scoped to one queue");

    assert!(
        store.claim(&q, "w", 0, lease).await.unwrap().is_empty(),
        "claim(limit 0) returns nothing"
    );
    let bad_lease = store.claim(&q, "w", 1, TimeDelta::zero()).await;
    assert!(
        matches!(bad_lease, Err(Error::InvalidInput(_))),
        "claim must reject a non-positive lease, got {bad_lease:?}"
    );

    let claimed = store.claim(&q, "w1", 10, lease).await.unwrap();
    let mut expected = [(a.run_at, a.id), (keyed.run_at, keyed.id)];
    expected.sort();
    assert_eq!(
        claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
        expected.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        "claim must return exactly the due jobs, ordered by (run_at, id)"
    );
    for j in &claimed {
        assert_eq!(j.state, JobState::Running, "a claimed job is running");
        assert_eq!(j.attempts, 1, "claim must increment attempts");
        assert_eq!(j.lease_owner.as_deref(), Some("w1"));
        assert_eq!(
            j.lease_expires_at,
            Some(t0 + lease),
            "lease ends at now + lease"
        );
        assert!(j.fence.is_some());
        assert_eq!(
            store.get_job(j.id).await.unwrap().as_ref(),
            Some(j),
            "claim must return the job as stored"
        );
    }
    assert_ne!(
        claimed[0].fence, claimed[1].fence,
        "every claim gets its own fence token"
    );
    assert!(
        store.claim(&q, "w2", 10, lease).await.unwrap().is_empty(),
        "leased and future jobs must not be claimable"
    );
    let a_run = claimed.iter().find(|j| j.id == a.id).unwrap().clone();
    let keyed_run = claimed.iter().find(|j| j.id == keyed.id).unwrap().clone();

    let running_dup = store
        .enqueue(job(&q, acct.id).dedup_key("k"))
        .await
        .unwrap();
    assert!(
        !running_dup.is_new() && running_dup.get().id == keyed.id,
        "a running job keeps its dedup key live"
    );
    let done = store
        .complete(keyed.id, fence_of(&keyed_run))
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Completed);
    assert_eq!(done.finished_at, Some(t0));
    assert_eq!(
        (done.lease_owner.clone(), done.lease_expires_at),
        (None, None),
        "complete clears the lease"
    );
    assert_stale(
        store.complete(keyed.id, fence_of(&keyed_run)).await,
        "complete of a completed job",
    );
    assert!(
        matches!(
            store.complete(JobId::new(), FenceToken::new(1)).await,
            Err(Error::NotFound { .. })
        ),
        "complete of an unknown job must fail with NotFound"
    );
    let fresh = store
        .enqueue(job(&q, acct.id).dedup_key("k"))
        .await
        .unwrap();
    assert!(
        fresh.is_new() && fresh.get().id != keyed.id,
        "after completion the dedup key is free again"
    );
    assert!(
        store.cancel_job(fresh.get().id).await.unwrap(),
        "cancel_job removes a queued job"
    );
    assert_eq!(store.get_job(fresh.get().id).await.unwrap(), None);
    assert!(
        !store.cancel_job(a.id).await.unwrap(),
        "cancel_job must not remove a running job"
    );
    assert!(!store.cancel_job(JobId::new()).await.unwrap());

    // Heartbeat.
    tick(clock, TimeDelta::minutes(4));
    let extended = store
        .extend_lease(a.id, fence_of(&a_run), TimeDelta::minutes(5))
        .await
        .unwrap();
    assert_eq!(
        extended.lease_expires_at,
        Some(clock.now() + TimeDelta::minutes(5)),
        "extend_lease sets the lease to now + lease"
    );
    assert_eq!(extended.fence, a_run.fence, "extend_lease keeps the fence");
    tick(clock, TimeDelta::minutes(2));
    assert!(
        store.claim(&q, "w2", 10, lease).await.unwrap().is_empty(),
        "an extended lease must keep the job from other claimers"
    );
    assert!(matches!(
        store
            .extend_lease(a.id, fence_of(&a_run), TimeDelta::zero())
            .await,
        Err(Error::InvalidInput(_))
    ));

    // Retry later.
    let retry_at = clock.now() + TimeDelta::minutes(10);
    let retried = store
        .retry(a.id, fence_of(&a_run), retry_at, "transient: code 2")
        .await
        .unwrap();
    assert_eq!(
        (
            retried.state,
            retried.run_at,
            retried.attempts,
            retried.last_error.as_deref()
        ),
        (JobState::Queued, retry_at, 1, Some("transient: code 2")),
        "retry must queue the job at the given time with the error"
    );
    assert_eq!(retried.lease_expires_at, None, "retry clears the lease");
    assert!(
        store.claim(&q, "w2", 10, lease).await.unwrap().is_empty(),
        "not due before retry_at"
    );
    clock.set(retry_at);
    let second = store.claim(&q, "w2", 10, lease).await.unwrap();
    assert_eq!(
        second.len(),
        1,
        "a retried job must be due again at its retry time"
    );
    let a_run2 = second[0].clone();
    assert_eq!(
        (a_run2.id, a_run2.attempts),
        (a.id, 2),
        "the second claim counts a second attempt"
    );
    assert!(
        a_run2.fence > a_run.fence,
        "a later claim gets a larger fence token"
    );
    assert_stale(
        store.extend_lease(a.id, fence_of(&a_run), lease).await,
        "extend_lease",
    );
    assert_stale(store.complete(a.id, fence_of(&a_run)).await, "complete");
    assert_stale(
        store.retry(a.id, fence_of(&a_run), clock.now(), "x").await,
        "retry",
    );
    assert_stale(
        store.dead_letter(a.id, fence_of(&a_run), "x").await,
        "dead_letter",
    );

    // Explicit dead letter and requeue.
    let dead = store
        .dead_letter(a.id, fence_of(&a_run2), "permanent: code 100")
        .await
        .unwrap();
    assert_eq!(
        (dead.state, dead.last_error.as_deref(), dead.finished_at),
        (
            JobState::DeadLettered,
            Some("permanent: code 100"),
            Some(clock.now())
        )
    );
    let requeued = store.requeue(a.id, clock.now()).await.unwrap();
    assert_eq!(
        (requeued.state, requeued.attempts, requeued.finished_at),
        (JobState::Queued, 0, None)
    );
    let not_dead = store.requeue(a.id, clock.now()).await;
    assert!(
        matches!(not_dead, Err(Error::InvalidState { .. })),
        "requeue of a job that is not dead-lettered must fail with InvalidState, got {not_dead:?}"
    );
    assert!(matches!(
        store.requeue(JobId::new(), clock.now()).await,
        Err(Error::NotFound { .. })
    ));
    let third = store.claim(&q, "w3", 10, lease).await.unwrap();
    assert_eq!(
        third.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![a.id],
        "a requeued job must be claimable"
    );
    store.complete(a.id, fence_of(&third[0])).await.unwrap();

    // Retry on the last attempt dead-letters.
    let c = store
        .enqueue(job(&q, acct.id).max_attempts(2))
        .await
        .unwrap()
        .into_inner();
    let r1 = store.claim(&q, "w", 1, lease).await.unwrap();
    assert_eq!(
        r1.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![c.id],
        "the new job must be claimable"
    );
    store
        .retry(c.id, fence_of(&r1[0]), clock.now(), "e1")
        .await
        .unwrap();
    let r2 = store.claim(&q, "w", 1, lease).await.unwrap();
    assert_eq!(
        r2.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        vec![(c.id, 2)],
        "a retried job is claimed again with attempts + 1"
    );
    let exhausted = store
        .retry(c.id, fence_of(&r2[0]), clock.now(), "e2")
        .await
        .unwrap();
    assert_eq!(
        (exhausted.state, exhausted.last_error.as_deref()),
        (JobState::DeadLettered, Some("e2")),
        "retry on the final attempt must dead-letter"
    );

    // Expired leases: the claim itself makes the job due again, then dead-letters it.
    let d = store
        .enqueue(job(&q, acct.id).max_attempts(2))
        .await
        .unwrap()
        .into_inner();
    let l1 = store.claim(&q, "crashed", 1, lease).await.unwrap();
    assert_eq!(
        l1.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![d.id],
        "the new job must be claimable"
    );
    tick(clock, lease);
    let l2 = store.claim(&q, "rescuer", 1, lease).await.unwrap();
    assert_eq!(
        l2.iter()
            .map(|j| (j.id, j.attempts, j.lease_owner.clone()))
            .collect::<Vec<_>>(),
        vec![(d.id, 2, Some("rescuer".to_owned()))],
        "a job whose lease expired (lease_expires_at <= now) must be claimable again"
    );
    assert!(l2[0].fence > l1[0].fence);
    assert_stale(
        store.complete(d.id, fence_of(&l1[0])).await,
        "complete after a takeover",
    );
    tick(clock, lease);
    assert!(
        store.claim(&q, "w", 1, lease).await.unwrap().is_empty(),
        "a job whose final lease expired must not be handed out again"
    );
    let d_now = store.get_job(d.id).await.unwrap().unwrap();
    assert_eq!(
        d_now.state,
        JobState::DeadLettered,
        "a job whose final lease expired must be dead-lettered by the claim"
    );
    assert!(
        d_now.last_error.is_some(),
        "the dead-letter reason must be recorded"
    );

    // The future job becomes due.
    clock.set(t0 + TimeDelta::hours(1));
    let due = store.claim(&q, "w", 5, lease).await.unwrap();
    assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), vec![later.id]);

    // Listing.
    let mine = store
        .list_jobs(&JobFilter {
            queue: Some(q.clone()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let mut expected: Vec<_> = mine.iter().map(|j| (j.created_at, j.id)).collect();
    expected.sort();
    assert_eq!(
        mine.iter()
            .map(|j| (j.created_at, j.id))
            .collect::<Vec<_>>(),
        expected,
        "list_jobs must order by (created_at, id)"
    );
    let ids: HashSet<_> = mine.iter().map(|j| j.id).collect();
    for id in [a.id, later.id, keyed.id, c.id, d.id] {
        assert!(ids.contains(&id), "list_jobs(queue) must include job {id}");
    }
    let dead = store
        .list_jobs(&JobFilter {
            queue: Some(q.clone()),
            states: vec![JobState::DeadLettered],
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        dead.iter().map(|j| j.id).collect::<HashSet<_>>(),
        HashSet::from([c.id, d.id]),
        "list_jobs must filter by state"
    );
    let by_account = store
        .list_jobs(&JobFilter {
            account_id: Some(acct.id),
            limit: Some(2),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_account.len(), 2, "list_jobs must apply the limit");
    assert!(by_account.iter().all(|j| j.account_id == Some(acct.id)));

    // Order of claims is by run_at, not by insertion; unknown jobs are NotFound.
    let ordered = unique("queue");
    let now = clock.now();
    let newer = store
        .enqueue(job(&ordered, acct.id).run_at(now))
        .await
        .unwrap()
        .into_inner();
    let overdue = store
        .enqueue(job(&ordered, acct.id).run_at(now - TimeDelta::minutes(10)))
        .await
        .unwrap()
        .into_inner();
    let first = store.claim(&ordered, "w", 1, lease).await.unwrap();
    assert_eq!(
        first.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![overdue.id],
        "claim must hand out the earliest run_at first"
    );
    let second = store.claim(&ordered, "w", 1, lease).await.unwrap();
    assert_eq!(
        second.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![newer.id]
    );
    let ghost = JobId::new();
    let f = FenceToken::new(1);
    for (what, result) in [
        (
            "extend_lease",
            store.extend_lease(ghost, f, lease).await.map(|_| ()),
        ),
        ("retry", store.retry(ghost, f, now, "x").await.map(|_| ())),
        (
            "dead_letter",
            store.dead_letter(ghost, f, "x").await.map(|_| ()),
        ),
    ] {
        assert!(
            matches!(result, Err(Error::NotFound { .. })),
            "{what} of an unknown job must fail with NotFound, got {result:?}"
        );
    }

    // Many due jobs, many concurrent claimers: every job handed out once.
    let busy = unique("queue");
    let mut enqueued = HashSet::new();
    for _ in 0..60 {
        enqueued.insert(
            store
                .enqueue(job(&busy, acct.id))
                .await
                .unwrap()
                .into_inner()
                .id,
        );
    }
    let mut tasks = Vec::new();
    for w in 0..16 {
        let store = store.clone();
        let busy = busy.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store
                    .claim(&busy, &format!("w{w}"), 3, lease)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    break got;
                }
                got.extend(batch.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.extend(task.await.expect("claimer task"));
    }
    let unique_seen: HashSet<_> = seen.iter().copied().collect();
    assert_eq!(
        seen.len(),
        unique_seen.len(),
        "no job may be claimed twice within its lease"
    );
    assert_eq!(unique_seen, enqueued, "every due job must be claimed");

    cleanup(store, &[acct.id]).await;
}

/// Fencing end to end: a worker whose lease expired and was taken over can no
/// longer write the job, the draft or the publish entry.
pub async fn fencing(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let acct = new_account(store, clock, None).await;
    let q = unique("queue");
    let lease = TimeDelta::seconds(30);
    let mut draft = Draft::new(acct.id, DraftKind::Post, "fenced", clock.now());
    draft.state = DraftState::Scheduled;
    store.insert_draft(&draft).await.unwrap();
    let j = store.enqueue(job(&q, acct.id)).await.unwrap().into_inner();

    // Worker A claims and starts publishing.
    let a = store
        .claim(&q, "A", 1, lease)
        .await
        .unwrap()
        .pop()
        .expect("A claims");
    let fa = fence_of(&a);
    let mut d = draft.clone();
    d.state = DraftState::Publishing;
    let d = store.update_draft(&d, Some(fa)).await.unwrap();
    let entry = PublishEntry::new(draft.id, acct.id, "h", Some(fa), clock.now());
    let entry = store.begin_publish(&entry).await.unwrap().into_inner();

    // A stalls past its lease; B takes over.
    tick(clock, lease + TimeDelta::seconds(1));
    let b = store
        .claim(&q, "B", 1, lease)
        .await
        .unwrap()
        .pop()
        .expect("B claims the expired job");
    assert_eq!(b.id, j.id);
    let fb = fence_of(&b);
    assert!(fb > fa, "the takeover's fence must be larger");
    let mut db = d.clone();
    db.provider.container_id = Some("container-B".into());
    let db = store.update_draft(&db, Some(fb)).await.unwrap();
    let mut eb = entry.clone();
    eb.container_id = Some("container-B".into());
    store.update_publish_entry(&eb, Some(fb)).await.unwrap();

    // A wakes up: every write is refused and nothing changes.
    assert_stale(
        store.extend_lease(j.id, fa, lease).await,
        "extend_lease by the stalled worker",
    );
    assert_stale(
        store.complete(j.id, fa).await,
        "complete by the stalled worker",
    );
    let mut da = db.clone();
    da.state = DraftState::Failed;
    assert_stale(
        store.update_draft(&da, Some(fa)).await,
        "update_draft by the stalled worker",
    );
    let mut ea = store.get_publish_entry(draft.id).await.unwrap().unwrap();
    ea.container_id = Some("container-A".into());
    assert_stale(
        store.update_publish_entry(&ea, Some(fa)).await,
        "update_publish_entry by the stalled worker",
    );
    assert_eq!(store.get_draft(draft.id).await.unwrap(), Some(db));
    assert_eq!(
        store
            .get_job(j.id)
            .await
            .unwrap()
            .unwrap()
            .lease_owner
            .as_deref(),
        Some("B")
    );

    // A current-token write after the lease ran out, with no takeover, still works.
    tick(clock, lease + TimeDelta::seconds(1));
    let kept = store.extend_lease(j.id, fb, lease).await;
    assert!(
        kept.is_ok(),
        "a write with the current fence succeeds after lease expiry if no one claimed the job, got {kept:?}"
    );
    store.complete(j.id, fb).await.unwrap();
    cleanup(store, &[acct.id]).await;
}

/// Exactly one claimer: `claimers` concurrent `claim` calls on one due job,
/// `iterations` times; each time exactly one caller gets it.
pub async fn exactly_one_claimer(
    store: &Arc<dyn Store>,
    clock: &ManualClock,
    iterations: usize,
    claimers: usize,
) {
    align(clock);
    let acct = new_account(store, clock, None).await;
    let q = unique("queue");
    let lease = TimeDelta::minutes(5);
    for i in 0..iterations {
        let j = store.enqueue(job(&q, acct.id)).await.unwrap().into_inner();
        let barrier = Arc::new(tokio::sync::Barrier::new(claimers));
        let mut tasks = Vec::with_capacity(claimers);
        for w in 0..claimers {
            let store = store.clone();
            let q = q.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.claim(&q, &format!("w{w}"), 1, lease).await
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            winners.extend(task.await.expect("claimer task").expect("claim succeeds"));
        }
        assert_eq!(
            winners.len(),
            1,
            "iteration {i}: exactly one of {claimers} concurrent claimers must get the due job, {} did",
            winners.len()
        );
        assert_eq!(winners[0].id, j.id);
        store.complete(j.id, fence_of(&winners[0])).await.unwrap();
    }
    cleanup(store, &[acct.id]).await;
}
