//! Wire-level tests against a mock Chat Completions server: exact request
//! bodies and headers, real response shapes, error mapping and retries.

use std::time::{Duration, Instant};

use llm_openai::{OpenAiProvider, RetryPolicy, TokenLimitField};
use persona_core::{ChatMessage, CompletionRequest, FinishReason, LlmError, LlmProvider, Usage};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-0123456789abcdef";

/// Fast retries so no test waits for real backoff.
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        max_retry_after: Duration::from_secs(5),
    }
}

fn provider(server: &MockServer) -> OpenAiProvider {
    OpenAiProvider::builder(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .model("gpt-4o-mini")
        .retry(fast_retry())
        .build()
        .expect("valid configuration")
}

/// A success body shaped like the API reference's example.
fn completion_body(content: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": content,
                "refusal": null,
                "annotations": []
            },
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": 19,
            "completion_tokens": 10,
            "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        },
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306"
    })
}

fn error_body(message: &str, kind: &str, param: Value, code: Value) -> Value {
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

async fn mount_error(server: &MockServer, status: u16, body: Value, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn sends_the_exact_request_and_decodes_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("openai-organization", "org-abc"))
        .and(header("openai-project", "proj_xyz"))
        .and(body_json(json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
                {"role": "user", "content": "Say it again"}
            ],
            "temperature": 0.5,
            "max_completion_tokens": 64
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("Hello."), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let provider = OpenAiProvider::builder(KEY)
        .base_url(format!("{}/v1/", server.uri()))
        .model("gpt-4o-mini")
        .organization("org-abc")
        .project("proj_xyz")
        .build()
        .unwrap();
    let request = CompletionRequest::from_messages(vec![
        ChatMessage::user("Hi"),
        ChatMessage::assistant("Hello."),
        ChatMessage::user("Say it again"),
    ])
    .system("You are terse.")
    .temperature(0.5)
    .max_tokens(64);
    let completion = provider.complete(&request).await.unwrap();

    assert_eq!(completion.text, "Hello.");
    assert_eq!(completion.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(completion.finish_reason, FinishReason::Stop);
    assert_eq!(
        completion.usage,
        Usage {
            input_tokens: 19,
            output_tokens: 10
        }
    );
    assert_eq!(provider.name(), "openai");
}

#[tokio::test]
async fn minimal_request_sends_no_optional_fields_or_headers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_json(json!({
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Ping"}]
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("Pong"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let completion = provider(&server)
        .complete(&CompletionRequest::new("Ping"))
        .await
        .unwrap();
    assert_eq!(completion.text, "Pong");

    let requests = server.received_requests().await.unwrap();
    let headers = &requests[0].headers;
    assert!(headers.get("openai-organization").is_none());
    assert!(headers.get("openai-project").is_none());
}

#[tokio::test]
async fn json_mode_sets_response_format_and_mentions_json_when_needed() {
    let server = MockServer::start().await;
    let answer = r#"{"post":"Leaves are falling."}"#;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Write a post.\n\nRespond with a single JSON object."},
                {"role": "user", "content": "Autumn"}
            ],
            "response_format": {"type": "json_object"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body(json!(answer), "stop")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Answer in JSON with a `post` key."},
                {"role": "user", "content": "Autumn"}
            ],
            "response_format": {"type": "json_object"}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!(answer), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Respond with a single JSON object."},
                {"role": "user", "content": "Autumn"}
            ],
            "response_format": {"type": "json_object"}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!(answer), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let provider = provider(&server);
    for request in [
        CompletionRequest::new("Autumn")
            .system("Write a post.")
            .json(),
        CompletionRequest::new("Autumn")
            .system("Answer in JSON with a `post` key.")
            .json(),
        CompletionRequest::new("Autumn").json(),
    ] {
        let completion = provider.complete(&request).await.unwrap();
        let parsed: Value = serde_json::from_str(&completion.text).unwrap();
        assert_eq!(parsed["post"], "Leaves are falling.");
    }
}

#[tokio::test]
async fn token_limit_field_and_model_override_are_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "llama-3.1-8b",
            "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 32
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("Hey"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let provider = OpenAiProvider::builder(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .token_limit_field(TokenLimitField::MaxTokens)
        .build()
        .unwrap();
    let completion = provider
        .complete(
            &CompletionRequest::new("Hi")
                .max_tokens(32)
                .model("llama-3.1-8b"),
        )
        .await
        .unwrap();
    assert_eq!(completion.text, "Hey");
}

#[tokio::test]
async fn length_cut_is_reported_as_length() {
    let server = MockServer::start().await;
    let mut body = completion_body(json!("The first leaves of"), "length");
    body["usage"]["completion_tokens"] = json!(5);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;

    let completion = provider(&server)
        .complete(&CompletionRequest::new("Write a poem").max_tokens(5))
        .await
        .unwrap();
    assert_eq!(completion.finish_reason, FinishReason::Length);
    assert_eq!(completion.text, "The first leaves of");
    assert_eq!(completion.usage.output_tokens, 5);
}

#[tokio::test]
async fn refusal_and_content_filter_become_content_filtered() {
    let server = MockServer::start().await;
    let mut refusal = completion_body(Value::Null, "stop");
    refusal["choices"][0]["message"]["refusal"] = json!("I'm sorry, I can't help with that.");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refusal))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!(""), "content_filter")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let provider = provider(&server);
    let first = provider.complete(&CompletionRequest::new("x")).await;
    match first {
        Err(LlmError::ContentFiltered { message }) => {
            assert_eq!(message, "I'm sorry, I can't help with that.")
        }
        other => panic!("expected ContentFiltered, got {other:?}"),
    }
    let second = provider.complete(&CompletionRequest::new("x")).await;
    assert!(
        matches!(second, Err(LlmError::ContentFiltered { .. })),
        "{second:?}"
    );
}

#[tokio::test]
async fn compatible_server_answer_without_usage_or_model_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "ok"},
                "finish_reason": "tool_calls"
            }]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let completion = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(completion.usage, Usage::default());
    assert_eq!(completion.model, "gpt-4o-mini");
    assert_eq!(
        completion.finish_reason,
        FinishReason::Other("tool_calls".into())
    );
}

#[tokio::test]
async fn malformed_success_body_is_an_other_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"choices": "nope"})))
        .expect(1)
        .mount(&server)
        .await;

    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LlmError::Other {
                source: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn answers_without_choices_are_an_other_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"choices": []})))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Other { .. }), "{err:?}");
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = provider(&server)
        .complete(&CompletionRequest::from_messages(Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::InvalidRequest { .. }), "{err:?}");
    let err = provider(&server)
        .complete(&CompletionRequest::new("x").temperature(f32::NAN))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LlmError::InvalidRequest { message } if message.contains("temperature")),
        "{err:?}"
    );
}

#[tokio::test]
async fn context_length_error_maps_to_context_too_long() {
    let server = MockServer::start().await;
    mount_error(
        &server,
        400,
        error_body(
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            json!("messages"),
            json!("context_length_exceeded"),
        ),
        1,
    )
    .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    match err {
        LlmError::ContextTooLong { message } => {
            assert!(
                message.contains("maximum context length is 128000"),
                "{message}"
            );
            assert!(message.contains("HTTP 400"), "{message}");
        }
        other => panic!("expected ContextTooLong, got {other:?}"),
    }
}

#[tokio::test]
async fn vllm_top_level_error_is_understood() {
    let server = MockServer::start().await;
    mount_error(
        &server,
        400,
        json!({
            "object": "error",
            "message": "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
            "type": "BadRequestError",
            "param": null,
            "code": 400
        }),
        1,
    )
    .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::ContextTooLong { .. }), "{err:?}");
}

#[tokio::test]
async fn policy_errors_and_bad_requests_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "bad"}]}),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "Your request was rejected as a result of our safety system.",
            "invalid_request_error",
            Value::Null,
            json!("content_policy_violation"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "param"}]})))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            json!("max_tokens"),
            json!("unsupported_parameter"),
        )))
        .expect(1)
        .mount(&server)
        .await;

    let provider = provider(&server);
    let err = provider
        .complete(&CompletionRequest::new("bad"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::ContentFiltered { .. }), "{err:?}");
    let err = provider
        .complete(&CompletionRequest::new("param"))
        .await
        .unwrap_err();
    match err {
        LlmError::InvalidRequest { message } => {
            assert!(message.starts_with("Unsupported parameter"), "{message}")
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn auth_failure_is_auth_and_never_shows_the_key() {
    let server = MockServer::start().await;
    // A proxy echoing the full header back: the key must still not leak.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-request-id", "req_7c1a0e4b")
                .set_body_json(error_body(
                    &format!("Incorrect API key provided: Bearer {KEY}."),
                    "invalid_request_error",
                    Value::Null,
                    json!("invalid_api_key"),
                )),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Auth { .. }), "{err:?}");
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert_eq!(
        display,
        "the model provider refused our credentials: Incorrect API key provided: Bearer [redacted]. (HTTP 401 Unauthorized, request req_7c1a0e4b)"
    );
    assert!(!display.contains(KEY), "{display}");
    assert!(!debug.contains(KEY), "{debug}");
}

#[tokio::test]
async fn debug_output_never_contains_the_key() {
    let builder = OpenAiProvider::builder(KEY).organization("org-abc");
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(KEY), "{builder_debug}");
    assert!(builder_debug.contains("[redacted]"));
    let provider = builder.build().unwrap();
    let debug = format!("{provider:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(
        debug.contains("[redacted]") && debug.contains("org-abc"),
        "{debug}"
    );
    let pretty = format!("{provider:#?}");
    assert!(!pretty.contains(KEY));
}

#[tokio::test]
async fn rate_limit_honours_retry_after_ms_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "40")
                .set_body_json(error_body(
                    "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.",
                    "requests",
                    Value::Null,
                    json!("rate_limit_exceeded"),
                )),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("ok"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let started = Instant::now();
    let completion = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(completion.text, "ok");
    // The backoff alone would wait at most 2 ms; the hint asked for 40 ms.
    assert!(started.elapsed() >= Duration::from_millis(40));
}

#[tokio::test]
async fn persistent_rate_limit_ends_as_rate_limited_with_the_hint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(error_body(
                    "slow down",
                    "requests",
                    Value::Null,
                    json!("rate_limit_exceeded"),
                )),
        )
        .expect(3)
        .mount(&server)
        .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(d) } if d == Duration::ZERO),
        "{err:?}"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_returned_without_waiting() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
}

#[tokio::test]
async fn retry_after_http_date_in_the_past_retries_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("ok"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let completion = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(completion.text, "ok");
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let server = MockServer::start().await;
    mount_error(
        &server,
        429,
        error_body(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            Value::Null,
            json!("insufficient_quota"),
        ),
        1,
    )
    .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Other { .. }), "{err:?}");
    assert!(err.to_string().contains("quota"));
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_limit_then_transient() {
    let server = MockServer::start().await;
    mount_error(
        &server,
        500,
        error_body(
            "The server had an error while processing your request.",
            "server_error",
            Value::Null,
            Value::Null,
        ),
        3,
    )
    .await;
    let err = provider(&server)
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transient { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "no"}]}),
        ))
        .respond_with(ResponseTemplate::new(502).insert_header("x-should-retry", "false"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(
            json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "yes"}]}),
        ))
        .respond_with(ResponseTemplate::new(400).insert_header("x-should-retry", "true"))
        .expect(3)
        .mount(&server)
        .await;
    let provider = provider(&server);
    let err = provider
        .complete(&CompletionRequest::new("no"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transient { .. }), "{err:?}");
    let err = provider
        .complete(&CompletionRequest::new("yes"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::InvalidRequest { .. }), "{err:?}");
}

#[tokio::test]
async fn timeouts_are_retried_and_end_as_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion_body(json!("late"), "stop"))
                .set_delay(Duration::from_millis(500)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let provider = OpenAiProvider::builder(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .retry(RetryPolicy {
            max_attempts: 2,
            ..fast_retry()
        })
        .timeout(Duration::from_millis(30))
        .build()
        .unwrap();
    let err = provider
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    match &err {
        LlmError::Transient { message, source } => {
            assert!(message.contains("timed out"), "{message}");
            assert!(source.is_some());
        }
        other => panic!("expected Transient, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let provider = OpenAiProvider::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = provider
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transient { .. }), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn empty_key_sends_no_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion_body(json!("ok"), "stop")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let provider = OpenAiProvider::builder("")
        .base_url(format!("{}/v1", server.uri()))
        .name("llama.cpp")
        .build()
        .unwrap();
    assert_eq!(provider.name(), "llama.cpp");
    provider
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[test]
fn invalid_configuration_is_a_typed_error() {
    use llm_openai::Error;
    let err = OpenAiProvider::builder(KEY)
        .base_url("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidBaseUrl { .. }), "{err:?}");
    let err = OpenAiProvider::builder(KEY)
        .base_url("ftp://example.com")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedBaseUrl { .. }), "{err:?}");
    let err = OpenAiProvider::builder(KEY)
        .base_url("https://example.com/v1?x=1")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedBaseUrl { .. }), "{err:?}");
    let err = OpenAiProvider::builder("sk-bad\nkey").build().unwrap_err();
    assert!(
        matches!(err, Error::InvalidHeaderValue { what: "API key" }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("sk-bad"));
    assert!(!format!("{err:?}").contains("sk-bad"));
    let err = OpenAiProvider::builder(KEY)
        .project("p\r\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidHeaderValue { what: "project" }),
        "{err:?}"
    );
}
