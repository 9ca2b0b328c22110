//! Publishing limits against the emulator: the quotas for posts, replies, deletes and
//! location searches, their usage after each kind of call, and the rolling 24-hour window.

mod common;

use threads_api::model::{ContainerRequest, LimitField};
use threads_emulator::LocationSpec;

use common::env;

#[tokio::test]
async fn publishing_limits_move_with_usage() {
    let env = env().await;
    let limits = || {
        env.account
            .publishing_limit()
            .fields(LimitField::ALL)
            .send()
    };
    let before = limits().await.expect("limits");
    assert_eq!(before.quota_usage, Some(0));
    assert_eq!(before.config.as_ref().map(|c| c.quota_total), Some(250));
    assert_eq!(
        before.config.as_ref().map(|c| c.quota_duration),
        Some(86_400)
    );
    assert_eq!(before.remaining_posts(), Some(250));
    assert_eq!(
        before.reply_config.as_ref().map(|c| c.quota_total),
        Some(1_000)
    );
    assert_eq!(
        before.delete_config.as_ref().map(|c| c.quota_total),
        Some(100)
    );
    assert_eq!(
        before
            .location_search_config
            .as_ref()
            .map(|c| c.quota_total),
        Some(500)
    );

    let a = env.publish_steps(ContainerRequest::text("one")).await;
    env.publish_steps(ContainerRequest::text("two")).await;
    env.account
        .replies()
        .reply(&a, ContainerRequest::text("a reply"))
        .send()
        .await
        .expect("reply");
    env.account.posts().delete(&a).await.expect("delete");
    env.admin().add_location(LocationSpec {
        name: "Somewhere".into(),
        ..LocationSpec::default()
    });
    env.account
        .locations()
        .search()
        .query("Somewhere")
        .send()
        .await
        .expect("location search");

    let after = limits().await.expect("limits");
    assert_eq!(after.quota_usage, Some(2));
    assert_eq!(after.remaining_posts(), Some(248));
    assert_eq!(after.reply_quota_usage, Some(1));
    assert_eq!(after.delete_quota_usage, Some(1));
    assert_eq!(after.location_search_quota_usage, Some(1));

    // The window is rolling: a day later the usage is gone.
    env.admin().advance(86_400 + 1);
    let next_day = limits().await.expect("limits");
    assert_eq!(next_day.quota_usage, Some(0));
    assert_eq!(next_day.reply_quota_usage, Some(0));
}
