//! Conformance of [`WebhookInbox`](crate::WebhookInbox).

use std::sync::Arc;

use chrono::TimeDelta;
use token_crypto::{Clock, ManualClock};

use super::queue::job;
use super::{align, cleanup, new_account, tick, unique};
use crate::error::Error;
use crate::inbox::InboxOutcome;
use crate::queue::JobFilter;
use crate::store::Store;

/// [`WebhookInbox`](crate::WebhookInbox): accept once, duplicates write nothing
/// (also 32 concurrent deliveries), entries listed, dedup keys honoured.
pub async fn webhook_inbox(store: &Arc<dyn Store>, clock: &ManualClock) {
    align(clock);
    let acct = new_account(store, clock, None).await;
    let q = unique("queue");
    let e1 = unique("evt");

    let first = store
        .receive_webhook(&e1, Some(acct.id), job(&q, acct.id))
        .await
        .unwrap();
    let (entry, enqueued) = match first {
        InboxOutcome::Accepted { entry, job } => (entry, job),
        other => panic!("the first delivery must be accepted, got {other:?}"),
    };
    assert_eq!(
        (
            entry.event_id.as_str(),
            entry.account_id,
            entry.job_id,
            entry.received_at
        ),
        (e1.as_str(), Some(acct.id), enqueued.id, clock.now())
    );
    assert_eq!(
        store.get_job(enqueued.id).await.unwrap(),
        Some(enqueued.clone()),
        "the job must be enqueued"
    );
    assert_eq!(
        store.get_inbox_entry(&e1).await.unwrap(),
        Some(entry.clone())
    );
    assert_eq!(store.get_inbox_entry(&unique("evt")).await.unwrap(), None);

    let second = store
        .receive_webhook(&e1, Some(acct.id), job(&q, acct.id))
        .await
        .unwrap();
    assert_eq!(
        second,
        InboxOutcome::Duplicate {
            entry: entry.clone()
        },
        "a second delivery must be a duplicate"
    );
    let jobs = store
        .list_jobs(&JobFilter {
            queue: Some(q.clone()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "a duplicate delivery must not enqueue");
    let empty = store.receive_webhook("", None, job(&q, acct.id)).await;
    assert!(
        matches!(empty, Err(Error::InvalidInput(_))),
        "an empty event id must be rejected, got {empty:?}"
    );

    // Concurrent duplicates.
    let q2 = unique("queue");
    let e2 = unique("evt");
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let store = store.clone();
        let (q2, e2, barrier) = (q2.clone(), e2.clone(), barrier.clone());
        let account = acct.id;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .receive_webhook(&e2, Some(account), job(&q2, account))
                .await
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if !task
            .await
            .expect("delivery task")
            .expect("receive_webhook succeeds")
            .is_duplicate()
        {
            accepted += 1;
        }
    }
    assert_eq!(
        accepted, 1,
        "exactly one of 32 concurrent deliveries must be accepted"
    );
    let jobs = store
        .list_jobs(&JobFilter {
            queue: Some(q2.clone()),
            ..JobFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "concurrent deliveries must enqueue exactly one job"
    );

    // The job's dedup key applies inside the inbox too.
    let live = store
        .enqueue(job(&q, acct.id).dedup_key("sync"))
        .await
        .unwrap()
        .into_inner();
    let e3 = unique("evt");
    tick(clock, TimeDelta::seconds(1));
    match store
        .receive_webhook(&e3, Some(acct.id), job(&q, acct.id).dedup_key("sync"))
        .await
        .unwrap()
    {
        InboxOutcome::Accepted { entry, job } => {
            assert_eq!(job.id, live.id, "the inbox must honour the job's dedup key");
            assert_eq!(entry.job_id, live.id);
        }
        other => panic!("a new event must be accepted, got {other:?}"),
    }
    let listed = store.list_inbox_entries(acct.id, None).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|e| e.event_id.clone())
            .collect::<Vec<_>>()[..],
        {
            let mut first_two = vec![e1.clone(), e2.clone()];
            first_two.sort();
            first_two.push(e3.clone());
            first_two
        }[..],
        "list_inbox_entries must order by (received_at, event_id)"
    );
    assert_eq!(
        store
            .list_inbox_entries(acct.id, Some(1))
            .await
            .unwrap()
            .len(),
        1
    );
    cleanup(store, &[acct.id]).await;
}
