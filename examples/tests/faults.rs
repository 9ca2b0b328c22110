//! Error classification and retries under faults injected by the emulator: transient
//! errors retried for reads (and not with retries off), invalid and expired tokens asking
//! for reauthorization, rate limits, and publishes that are never retried: a failed or
//! cut-off publish is recorded once in the emulator's ledger and reconciled by reading the
//! container status.

mod common;

use threads_api::error::ErrorSubcode;
use threads_api::ids::UserId;
use threads_api::model::{ContainerRequest, ContainerState, UserMetric};
use threads_api::{Error, ErrorAction, RetryPolicy};
use threads_emulator::{Endpoint, FaultAction, FaultRule, Operation};

use common::{client_for, env, graph_code, quick_wait};

#[tokio::test]
async fn transient_errors_are_retried_for_reads() {
    let env = env().await;
    env.post_as(&env.me, "something to list", None);
    // Two transient failures, three attempts: the read succeeds.
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::ListThreads, 2).times(2));
    let page = env.account.posts().list().send().await.expect("retried");
    assert_eq!(page.len(), 1);

    // More failures than attempts: the error comes back, classified as retryable.
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::ListThreads, 2).times(3));
    let err = env
        .account
        .posts()
        .list()
        .send()
        .await
        .expect_err("out of attempts");
    assert_eq!(graph_code(&err), Some(2));
    assert_eq!(err.action(), ErrorAction::Retry);
    assert!(err.is_retryable());

    // With retries off, one transient failure is enough.
    let once = client_for(&env.emu, RetryPolicy::never())
        .account(UserId::new(env.me.id.clone()), env.account.token().clone());
    env.admin()
        .add_fault(FaultRule::transient(Endpoint::GetProfile, 2).times(1));
    once.profile().get().send().await.expect_err("not retried");
    once.profile().get().send().await.expect("fault used up");
}

#[tokio::test]
async fn invalid_token_asks_for_reauthorization() {
    let env = env().await;
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::GetProfile,
            FaultAction::GraphError {
                code: 190,
                subcode: Some(463),
                status: None,
                message: None,
            },
        )
        .times(1),
    );
    let err = env.account.profile().get().send().await.expect_err("190");
    assert_eq!(err.action(), ErrorAction::Reauthorize);
    assert!(err.is_auth_expired());
    assert!(!err.is_retryable());
    let g = err.graph().expect("graph error");
    assert_eq!(g.subcode, Some(ErrorSubcode::TokenExpired));

    // A token that really expired gives the same classification.
    let token = env.account.token().expose_secret().to_owned();
    assert!(env.admin().expire_token(&token));
    let err = env
        .account
        .posts()
        .list()
        .send()
        .await
        .expect_err("expired");
    assert_eq!(graph_code(&err), Some(190));
    assert_eq!(err.action(), ErrorAction::Reauthorize);
}

#[tokio::test]
async fn a_failed_publish_is_never_retried() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("publish me once"))
        .await
        .expect("container");
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::GraphError {
                code: 1,
                subcode: None,
                status: Some(500),
                message: None,
            },
        )
        .times(1)
        .labelled("publish-500"),
    );
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("500 on publish");
    assert_eq!(err.http_status().map(|s| s.as_u16()), Some(500));
    assert!(err.is_retryable(), "a read would be retried");
    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(
        publishes.len(),
        1,
        "exactly one publish call: {publishes:?}"
    );
    assert_eq!(publishes[0].fault.as_deref(), Some("publish-500"));

    // Same for a bare HTTP 500 without a Graph body, through the convenience flow.
    env.admin().add_fault(
        FaultRule::always(
            Endpoint::Publish,
            FaultAction::HttpStatus {
                status: 500,
                body: "upstream error".into(),
            },
        )
        .times(1),
    );
    let err = publish
        .publish(ContainerRequest::text("flow publish"))
        .wait(quick_wait())
        .send()
        .await
        .expect_err("500 on publish");
    assert!(matches!(err, Error::Http { .. }), "{err:?}");
    assert_eq!(env.ledger_of(Operation::Publish).len(), 2);

    // The container is untouched: after checking its status, publishing is safe.
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Finished));
    publish
        .publish_container(&container)
        .await
        .expect("publish after the fault");
    let published: Vec<_> = env
        .ledger_of(Operation::Publish)
        .into_iter()
        .filter(|e| e.result_id.is_some())
        .collect();
    assert_eq!(published.len(), 1, "one post, published once");
    assert_eq!(
        published[0].target.as_deref(),
        Some(container.as_str()),
        "the post came from the first container"
    );
}

#[tokio::test]
async fn a_bare_http_error_is_not_a_successful_publish_in_the_ledger() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("publish me"))
        .await
        .expect("container");
    env.admin().add_fault(FaultRule::always(
        Endpoint::Publish,
        FaultAction::HttpStatus {
            status: 502,
            body: "bad gateway".into(),
        },
    ));
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("502");
    assert_eq!(err.http_status().map(|s| s.as_u16()), Some(502));
    let ledger = env.ledger_of(Operation::Publish);
    assert_eq!(ledger.len(), 1);
    assert!(!ledger[0].succeeded(), "{:?}", ledger[0]);
}

#[tokio::test]
async fn a_lost_publish_response_is_reconciled_by_status() {
    let env = env().await;
    let publish = env.account.publish();
    let container = publish
        .create_container(&ContainerRequest::text("did it post?"))
        .await
        .expect("container");
    env.admin()
        .add_fault(FaultRule::always(Endpoint::Publish, FaultAction::CommitThenDrop).times(1));
    let err = publish
        .publish_container(&container)
        .await
        .expect_err("response cut off");
    assert!(
        matches!(err, Error::Transport(_) | Error::Decode { .. }),
        "{err:?}"
    );
    let publishes = env.ledger_of(Operation::Publish);
    assert_eq!(publishes.len(), 1);
    assert!(publishes[0].response_lost);
    // The post exists: the status says so, and a second publish is refused.
    let status = publish.container_status(&container).await.expect("status");
    assert_eq!(status.status, Some(ContainerState::Published));
}

#[tokio::test]
async fn rate_limit_errors_are_classified() {
    let env = env().await;
    env.admin().add_fault(FaultRule::always(
        Endpoint::Insights,
        FaultAction::GraphError {
            code: 613,
            subcode: None,
            status: None,
            message: None,
        },
    ));
    let err = env
        .account
        .insights()
        .user()
        .metrics([UserMetric::Views])
        .send()
        .await
        .expect_err("rate limited");
    assert!(err.is_rate_limited());
    assert!(matches!(
        err.action(),
        ErrorAction::Retry | ErrorAction::RetryAfter(_)
    ));
}
