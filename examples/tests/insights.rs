//! Insights against the emulator: media metrics that grow with virtual time, account
//! metrics, follower demographics by country, and the refusal of demographics for accounts
//! under 100 followers.

mod common;

use threads_api::model::{ContainerRequest, DemographicBreakdown, MediaMetric, UserMetric};

use common::env;

#[tokio::test]
async fn media_and_account_insights() {
    let env = env().await;
    let post = env
        .publish_steps(ContainerRequest::text("measure me"))
        .await;
    env.post_as(&env.friend, "reply 1", Some(&post));
    env.post_as(&env.newbie, "reply 2", Some(&post));
    env.admin().advance(3_600);
    let insights = env.account.insights();
    let early = insights
        .media(&post)
        .metrics(MediaMetric::ALL)
        .send()
        .await
        .expect("media insights");
    assert_eq!(early.data.len(), 6);
    assert_eq!(early.total("replies"), Some(2));
    env.admin().advance(12 * 3_600);
    let later = insights
        .media(&post)
        .metrics([MediaMetric::Views, MediaMetric::Likes])
        .send()
        .await
        .expect("media insights");
    let views = |r: &threads_api::model::InsightsResponse| r.total("views").unwrap_or(0);
    assert!(views(&later) > 0);
    assert!(views(&later) >= views(&early), "insights grow with time");

    let account = insights
        .user()
        .metrics([
            UserMetric::Views,
            UserMetric::FollowersCount,
            UserMetric::Likes,
        ])
        .send()
        .await
        .expect("user insights");
    assert_eq!(account.total("followers_count"), Some(500));
    let views_metric = account.metric("views").expect("views");
    assert!(views_metric.values.as_ref().is_some_and(|v| !v.is_empty()));

    let demographics = insights
        .user()
        .follower_demographics(DemographicBreakdown::Country)
        .send()
        .await
        .expect("demographics");
    let metric = demographics
        .metric("follower_demographics")
        .expect("metric");
    let breakdowns = metric.breakdowns();
    assert_eq!(breakdowns.len(), 1);
    assert_eq!(breakdowns[0].dimension_keys, ["country"]);
    let sum: u64 = breakdowns[0].results.iter().map(|r| r.value).sum();
    assert!(sum > 0 && sum <= 500, "{sum}");
    assert!(
        breakdowns[0]
            .results
            .iter()
            .all(|r| r.dimension_values.len() == 1)
    );

    // Fewer than 100 followers: no demographics.
    let newbie = env.account_of(&env.newbie);
    let err = newbie
        .insights()
        .user()
        .follower_demographics(DemographicBreakdown::Age)
        .send()
        .await
        .expect_err("needs 100 followers");
    assert!(err.graph().is_some(), "{err:?}");
}
