//! Insights: media and user metrics, breakdowns and time ranges.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::{QueryKeys, TOKEN, account, fixture, json, server};
use threads_api::Error;
use threads_api::ids::MediaId;
use threads_api::model::{DemographicBreakdown, MediaMetric, UserMetric};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const USER: &str = "17841405793187218";

#[tokio::test]
async fn media_insights_default_metrics() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/18031391408218291/insights"))
        .and(query_param(
            "metric",
            "views,likes,replies,reposts,quotes,shares",
        ))
        .and(query_param("access_token", TOKEN))
        .and(QueryKeys(vec!["metric", "access_token"]))
        .respond_with(json(200, &fixture("media_insights.json")))
        .expect(1)
        .mount(&server)
        .await;
    let r = account(&server)
        .insights()
        .media(&MediaId::new("18031391408218291"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.total(MediaMetric::Likes), Some(100));
    assert_eq!(r.total(MediaMetric::Replies), Some(7));
}

#[tokio::test]
async fn media_insights_chosen_metrics_and_range() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/1/insights"))
        .and(query_param("metric", "likes,quotes"))
        .and(query_param("since", "1717200000"))
        .and(query_param("until", "1717286400"))
        .and(QueryKeys(vec!["metric", "since", "until", "access_token"]))
        .respond_with(json(200, &fixture("media_insights_repost.json")))
        .expect(1)
        .mount(&server)
        .await;
    let r = account(&server)
        .insights()
        .media(&MediaId::new("1"))
        .metrics([MediaMetric::Likes, MediaMetric::Quotes])
        .since(Utc.timestamp_opt(1_717_200_000, 0).unwrap())
        .until(Utc.timestamp_opt(1_717_286_400, 0).unwrap())
        .send()
        .await
        .unwrap();
    assert!(r.data.is_empty());
}

#[tokio::test]
async fn user_insights_default_metrics_and_range() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads_insights")))
        .and(query_param(
            "metric",
            "views,likes,replies,reposts,quotes,clicks,followers_count",
        ))
        .and(query_param("since", "1717200000"))
        .and(query_param("until", "1717372800"))
        .and(QueryKeys(vec!["metric", "since", "until", "access_token"]))
        .respond_with(json(200, &fixture("user_insights.json")))
        .expect(1)
        .mount(&server)
        .await;
    let r = account(&server)
        .insights()
        .user()
        .since(Utc.timestamp_opt(1_717_200_000, 0).unwrap())
        .until(Utc.timestamp_opt(1_717_372_800, 0).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.total(UserMetric::Views), Some(22));
    assert_eq!(r.total(UserMetric::Likes), Some(42));
    assert_eq!(r.total(UserMetric::Clicks), Some(7));
    assert_eq!(r.total(UserMetric::FollowersCount), Some(1500));
}

#[tokio::test]
async fn follower_demographics_sends_breakdown() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/{USER}/threads_insights")))
        .and(query_param("metric", "follower_demographics"))
        .and(query_param("breakdown", "country"))
        .and(QueryKeys(vec!["metric", "breakdown", "access_token"]))
        .respond_with(json(200, &fixture("follower_demographics.json")))
        .expect(1)
        .mount(&server)
        .await;
    let r = account(&server)
        .insights()
        .user()
        .follower_demographics(DemographicBreakdown::Country)
        .send()
        .await
        .unwrap();
    let m = r.metric(UserMetric::FollowerDemographics).unwrap();
    assert_eq!(m.breakdowns()[0].results[1].dimension_values, vec!["CA"]);
    assert_eq!(m.total(), Some(1000));
}

#[tokio::test]
async fn invalid_insights_requests_are_not_sent() {
    let server = server().await;
    let acc = account(&server);
    let field_of = |e: Error| match e {
        Error::Validation(v) => v.field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    let user = || acc.insights().user();
    assert_eq!(
        field_of(
            user()
                .metrics([UserMetric::FollowerDemographics])
                .send()
                .await
                .unwrap_err()
        ),
        "breakdown"
    );
    assert_eq!(
        field_of(
            user()
                .breakdown(DemographicBreakdown::Age)
                .send()
                .await
                .unwrap_err()
        ),
        "breakdown"
    );
    assert_eq!(
        field_of(user().metrics([]).send().await.unwrap_err()),
        "metric"
    );
    assert_eq!(
        field_of(
            user()
                .since(Utc.timestamp_opt(1_712_991_599, 0).unwrap())
                .send()
                .await
                .unwrap_err()
        ),
        "since"
    );
    assert_eq!(
        field_of(
            user()
                .until(Utc::now() + Duration::days(1))
                .send()
                .await
                .unwrap_err()
        ),
        "until"
    );
    let t = Utc.timestamp_opt(1_717_200_000, 0).unwrap();
    assert_eq!(
        field_of(user().since(t).until(t).send().await.unwrap_err()),
        "since"
    );
    assert_eq!(
        field_of(
            acc.insights()
                .media(&MediaId::new("1"))
                .metrics([])
                .send()
                .await
                .unwrap_err()
        ),
        "metric"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn user_insights_validation_uses_the_given_clock() {
    let now = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let server_less = threads_api::ThreadsClient::new()
        .unwrap()
        .account("1", threads_api::AccessToken::new("TH-x"));
    let req = server_less
        .insights()
        .user()
        .until(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap());
    assert!(req.validate(now).is_err());
    assert!(req.validate(now + Duration::days(200)).is_ok());
}
