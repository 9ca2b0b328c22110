//! Every error example of the fact sheet, served by wiremock, decodes into the
//! right variant and classification.

mod common;

use std::time::Duration;

use common::{TOKEN, assert_no_token, json, server};
use threads_api::error::{ErrorCode, ErrorSubcode, ThreadsErrorCode};
use threads_api::{AccessToken, Error, ErrorAction, RetryPolicy, ThreadsClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn no_retry_client(server: &MockServer) -> ThreadsClient {
    ThreadsClient::builder()
        .graph_base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("test fixture")
}

async fn error_for(status: u16, body: &str) -> Error {
    error_for_response(json(status, body)).await
}

async fn error_for_response(response: ResponseTemplate) -> Error {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/17889615691921648"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = no_retry_client(&server);
    let err = client
        .get_json::<serde_json::Value>(
            "17889615691921648",
            &[("fields", "id,status")],
            Some(&AccessToken::new(TOKEN)),
        )
        .await
        .expect_err("test fixture");
    assert_no_token(&format!("{err:?}"));
    assert_no_token(&err.to_string());
    err
}

#[tokio::test]
async fn media_not_found_on_publish() {
    let err = error_for(
        400,
        r#"{"error": {"message": "The requested resource does not exist", "type": "OAuthException", "code": 24, "error_subcode": 4279009, "is_transient": false, "error_user_title": "Media Not Found", "error_user_msg": "The media with id 18079098539304490 cannot be found.", "fbtrace_id": "A-ptA4ve9FlWkRMi935kaIS"}}"#,
    )
    .await;
    let g = err.graph().expect("a Graph error");
    assert_eq!(g.http_status.as_u16(), 400);
    assert_eq!(g.code, Some(ErrorCode::ResourceNotFound));
    assert_eq!(g.subcode, Some(ErrorSubcode::MediaNotFound));
    assert_eq!(g.error_type.as_deref(), Some("OAuthException"));
    assert_eq!(g.is_transient, Some(false));
    assert_eq!(g.user_title.as_deref(), Some("Media Not Found"));
    assert_eq!(
        g.user_message.as_deref(),
        Some("The media with id 18079098539304490 cannot be found.")
    );
    assert_eq!(g.fbtrace_id.as_deref(), Some("A-ptA4ve9FlWkRMi935kaIS"));
    assert_eq!(err.action(), ErrorAction::WaitForContainer);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn nonexisting_status_field() {
    let err = error_for(
        400,
        r#"{"error":{"message":"Tried accessing nonexisting field (status)","type":"THApiException","code":100}}"#,
    )
    .await;
    let g = err.graph().unwrap();
    assert_eq!(g.code, Some(ErrorCode::InvalidParameter));
    assert_eq!(g.error_type.as_deref(), Some("THApiException"));
    assert_eq!(err.action(), ErrorAction::Terminal);
}

#[tokio::test]
async fn unsupported_get_request() {
    let err = error_for(
        400,
        r#"{"error":{"message":"Unsupported get request. Object with ID '17889615691921648' does not exist, cannot be loaded due to missing permissions, or does not support this operation","type":"THApiException","code":100,"error_subcode":33,"fbtrace_id":"AbC"}}"#,
    )
    .await;
    assert_eq!(
        err.graph().unwrap().subcode,
        Some(ErrorSubcode::UnsupportedObject)
    );
    assert_eq!(err.action(), ErrorAction::Terminal);
}

#[tokio::test]
async fn text_too_long() {
    let err = error_for(
        400,
        r#"{"error":{"message":"Param text must be at most 500 characters long.","type":"OAuthException","code":100,"is_transient":false}}"#,
    )
    .await;
    assert_eq!(err.graph().unwrap().code, Some(ErrorCode::InvalidParameter));
    assert_eq!(err.action(), ErrorAction::Terminal);
}

#[tokio::test]
async fn expired_token_and_subcodes() {
    for (sub, expected) in [
        (458, ErrorSubcode::AppNotInstalled),
        (459, ErrorSubcode::Checkpointed),
        (460, ErrorSubcode::PasswordChanged),
        (463, ErrorSubcode::TokenExpired),
        (464, ErrorSubcode::UnconfirmedUser),
        (467, ErrorSubcode::InvalidToken),
    ] {
        let err = error_for(
            400,
            &format!(
                r#"{{"error":{{"message":"Error validating access token: Session has expired on Monday.","type":"OAuthException","code":190,"error_subcode":{sub},"fbtrace_id":"x"}}}}"#
            ),
        )
        .await;
        assert_eq!(err.graph().unwrap().subcode, Some(expected));
        assert!(err.is_auth_expired());
        assert_eq!(err.action(), ErrorAction::Reauthorize);
    }
}

#[tokio::test]
async fn permission_errors() {
    for code in [10, 200, 299] {
        let err = error_for(
            403,
            &format!(
                r#"{{"error":{{"message":"(#{code}) Application does not have permission for this action","type":"OAuthException","code":{code}}}}}"#
            ),
        )
        .await;
        assert_eq!(err.action(), ErrorAction::Reauthorize, "{code}");
        assert!(!err.is_auth_expired());
    }
}

#[tokio::test]
async fn rate_limits_with_and_without_retry_after() {
    for code in [4, 17, 32, 341, 613] {
        let err = error_for(
            400,
            &format!(
                r#"{{"error":{{"message":"(#{code}) rate limit","type":"OAuthException","code":{code},"is_transient":true}}}}"#
            ),
        )
        .await;
        assert!(err.is_rate_limited(), "{code}");
        assert_eq!(err.action(), ErrorAction::Retry, "{code}");
    }
    let err = error_for_response(
        json(
            400,
            r#"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","code":17}}"#,
        )
        .insert_header("retry-after", "120"),
    )
    .await;
    assert_eq!(
        err.action(),
        ErrorAction::RetryAfter(Duration::from_secs(120))
    );
    let err = error_for_response(
        json(
            400,
            r#"{"error":{"message":"(#80002) throttled","type":"OAuthException","code":4}}"#,
        )
        .insert_header(
            "x-business-use-case-usage",
            r#"{"17841405793187218":[{"type":"threads","call_count":100,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":5}]}"#,
        ),
    )
    .await;
    assert_eq!(
        err.action(),
        ErrorAction::RetryAfter(Duration::from_secs(300))
    );
    let usage = err.graph().unwrap().usage.clone().unwrap();
    assert_eq!(usage.max_percent(), Some(100.0));

    let bare_429 = error_for_response(ResponseTemplate::new(429)).await;
    assert!(bare_429.is_rate_limited());
    assert!(bare_429.is_retryable());
}

#[tokio::test]
async fn transient_codes() {
    let unknown = error_for(
        500,
        r#"{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"error_subcode":2207052,"is_transient":true}}"#,
    )
    .await;
    assert_eq!(
        unknown.graph().unwrap().subcode,
        Some(ErrorSubcode::MediaFetchFailed)
    );
    assert!(unknown.is_retryable());
    let unavailable = error_for(
        503,
        r#"{"error":{"message":"Service temporarily unavailable","type":"OAuthException","code":2,"is_transient":true}}"#,
    )
    .await;
    assert_eq!(unavailable.action(), ErrorAction::Retry);
}

#[tokio::test]
async fn policy_block_duplicate_and_restrictions_are_terminal() {
    for body in [
        r#"{"error":{"message":"blocked","type":"OAuthException","code":368,"is_transient":false}}"#,
        r#"{"error":{"message":"Duplicate status message","type":"OAuthException","code":506,"is_transient":false}}"#,
        r#"{"error":{"message":"We restrict certain activity to protect our community","type":"OAuthException","code":100,"error_subcode":2207051,"is_transient":false}}"#,
        r#"{"error":{"message":"User restricted","type":"THApiException","code":100,"error_subcode":4279013,"is_transient":false}}"#,
        r#"{"error":{"message":"The media could not be fetched from this URI","type":"OAuthException","code":100,"is_transient":false}}"#,
    ] {
        let err = error_for(400, body).await;
        assert_eq!(err.action(), ErrorAction::Terminal, "{body}");
    }
}

#[tokio::test]
async fn threads_string_codes() {
    let cases = [
        (
            r#"{"error":{"message":"Too many links","type":"THApiException","code":"THREADS_API__LINK_LIMIT_EXCEEDED","is_transient":false}}"#,
            ThreadsErrorCode::LinkLimitExceeded,
        ),
        (
            r#"{"error":{"message":"ErrorCode::THREADS_API__FEATURE_NOT_AVAILABLE","type":"THApiException","code":10}}"#,
            ThreadsErrorCode::FeatureNotAvailable,
        ),
        (
            r#"{"error":{"message":"Invalid parameter","type":"THApiException","code":100,"error_user_msg":"THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES"}}"#,
            ThreadsErrorCode::GeoGatingInvalidCountryCodes,
        ),
    ];
    for (body, expected) in cases {
        let err = error_for(400, body).await;
        assert_eq!(err.graph().unwrap().threads_code, Some(expected.clone()));
        assert_eq!(err.action(), ErrorAction::Terminal, "{body}");
        assert!(err.to_string().contains(expected.as_str()));
    }
}

#[tokio::test]
async fn non_json_errors_keep_status_and_body() {
    let err =
        error_for_response(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
            .await;
    match &err {
        Error::Http { status, body, .. } => {
            assert_eq!(status.as_u16(), 502);
            assert_eq!(body, "<html>Bad Gateway</html>");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::Retry);
}

#[tokio::test]
async fn decode_errors_name_the_path_and_keep_the_body() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(200, r#"{"data":[{"id":"1"},{"id":{"nested":true}}]}"#))
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: String,
    }
    #[derive(Debug, serde::Deserialize)]
    struct List {
        #[allow(dead_code)]
        data: Vec<Item>,
    }
    let err = no_retry_client(&server)
        .get_json::<List>("me", &[], Some(&AccessToken::new(TOKEN)))
        .await
        .unwrap_err();
    match &err {
        Error::Decode { path, body, .. } => {
            assert_eq!(path, "data[1].id");
            assert!(body.contains("nested"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.action(), ErrorAction::Terminal);
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn transport_errors_do_not_show_the_token() {
    // Nothing listens on this port: a connect error whose reqwest message would
    // include the URL (and so the token) if it were not stripped.
    let client = ThreadsClient::builder()
        .graph_base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .get_json::<serde_json::Value>("me", &[], Some(&AccessToken::new(TOKEN)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_connect());
    assert!(err.is_retryable());
    let mut chain = format!("{err:?} {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        source = s.source();
    }
    assert_no_token(&chain);
}

#[tokio::test]
async fn usage_headers_are_recorded_on_success() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(json(200, r#"{"id":"1"}"#).insert_header(
            "x-app-usage",
            r#"{"call_count":42,"total_cputime":7,"total_time":9}"#,
        ))
        .mount(&server)
        .await;
    let client = no_retry_client(&server);
    assert_eq!(client.last_usage(), None);
    let _: serde_json::Value = client
        .get_json("me", &[], Some(&AccessToken::new(TOKEN)))
        .await
        .unwrap();
    let usage = client.clone().last_usage().expect("usage recorded");
    assert_eq!(usage.app.unwrap().call_count, Some(42.0));
}

#[tokio::test]
async fn error_fixtures_classify() {
    let not_found = error_for(400, &common::fixture("error_media_not_found.json")).await;
    assert_eq!(not_found.action(), ErrorAction::WaitForContainer);
    let field = error_for(400, &common::fixture("error_nonexisting_field.json")).await;
    assert_eq!(
        field.graph().unwrap().code,
        Some(ErrorCode::InvalidParameter)
    );
    assert_eq!(field.action(), ErrorAction::Terminal);
}
