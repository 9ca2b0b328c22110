//! Wire-level tests against a mock Messages API: exact request bodies and
//! headers, real response shapes, error mapping and retries.

use std::time::Duration;

use llm_anthropic::{AnthropicProvider, Error, RetryPolicy};
use persona_core::{ChatMessage, CompletionRequest, FinishReason, LlmError, LlmProvider, Usage};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-api03-test-0123456789";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        max_retry_after: Duration::from_secs(5),
    }
}

fn provider(server: &MockServer) -> AnthropicProvider {
    AnthropicProvider::builder(KEY)
        .base_url(server.uri())
        .model("claude-sonnet-4-5")
        .retry(fast_retry())
        .build()
        .expect("valid configuration")
}

/// A success body shaped like the API reference's example.
fn message_body(content: Value, stop_reason: &str) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {
            "input_tokens": 21,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 9,
            "service_tier": "standard"
        }
    })
}

fn text(text: &str) -> Value {
    json!([{"type": "text", "text": text}])
}

fn error_body(kind: &str, message: &str) -> Value {
    json!({
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"
    })
}

async fn complete(
    server: &MockServer,
    request: CompletionRequest,
) -> Result<persona_core::Completion, LlmError> {
    provider(server).complete(&request).await
}

#[tokio::test]
async fn sends_the_exact_request_and_decodes_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 300,
            "system": "You are terse.",
            "messages": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."},
                {"role": "user", "content": "Again"}
            ],
            "temperature": 0.25
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(message_body(text("Hello."), "end_turn")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let request = CompletionRequest::from_messages(vec![
        ChatMessage::user("Hi"),
        ChatMessage::assistant("Hello."),
        ChatMessage::user("Again"),
    ])
    .system("You are terse.")
    .temperature(0.25)
    .max_tokens(300);
    let provider = provider(&server);
    let completion = provider.complete(&request).await.unwrap();
    assert_eq!(completion.text, "Hello.");
    assert_eq!(completion.model, "claude-sonnet-4-5-20250929");
    assert_eq!(completion.finish_reason, FinishReason::Stop);
    assert_eq!(
        completion.usage,
        Usage {
            input_tokens: 21,
            output_tokens: 9
        }
    );
    assert_eq!(provider.name(), "anthropic");
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn minimal_request_defaults_max_tokens_and_omits_optional_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(body_json(json!({
            "model": "claude-haiku-4-5",
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": "Ping"}]
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(message_body(text("Pong"), "end_turn")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let completion = complete(
        &server,
        CompletionRequest::new("Ping").model("claude-haiku-4-5"),
    )
    .await
    .unwrap();
    assert_eq!(completion.text, "Pong");
}

#[tokio::test]
async fn configured_default_max_tokens_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 77,
            "messages": [{"role": "user", "content": "Ping"}]
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(message_body(text("Pong"), "end_turn")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let provider = AnthropicProvider::builder(KEY)
        .base_url(format!("{}/", server.uri()))
        .default_max_tokens(77)
        .build()
        .unwrap();
    provider
        .complete(&CompletionRequest::new("Ping"))
        .await
        .unwrap();
}

#[tokio::test]
async fn usage_includes_prompt_cache_tokens_and_text_blocks_are_joined() {
    let server = MockServer::start().await;
    let mut body = message_body(
        json!([
            {"type": "thinking", "thinking": "Let me think.", "signature": "EqQB"},
            {"type": "text", "text": "Part one, "},
            {"type": "text", "text": "part two."}
        ]),
        "end_turn",
    );
    body["usage"] = json!({
        "input_tokens": 10,
        "cache_creation_input_tokens": 200,
        "cache_read_input_tokens": 3000,
        "output_tokens": 40
    });
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let completion = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(completion.text, "Part one, part two.");
    assert_eq!(
        completion.usage,
        Usage {
            input_tokens: 3210,
            output_tokens: 40
        }
    );
}

#[tokio::test]
async fn json_mode_instructs_in_the_system_prompt_and_returns_the_object() {
    let server = MockServer::start().await;
    let instruction = "Respond with a single JSON object and nothing else: no prose before or after it and no Markdown code fences.";
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": format!("Write a post.\n\n{instruction}"),
            "messages": [{"role": "user", "content": "Autumn"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(
            text("```json\n{\"post\": \"Leaves fall.\"}\n```"),
            "end_turn",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": instruction,
            "messages": [{"role": "user", "content": "Winter"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(
            text("I can't write that as JSON, sorry."),
            "end_turn",
        )))
        .expect(1)
        .mount(&server)
        .await;

    let completion = complete(
        &server,
        CompletionRequest::new("Autumn")
            .system("Write a post.")
            .json(),
    )
    .await
    .unwrap();
    assert_eq!(completion.text, r#"{"post": "Leaves fall."}"#);

    let err = complete(&server, CompletionRequest::new("Winter").json())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Other { .. }), "{err:?}");
    assert!(err.to_string().contains("not a JSON object"));
}

#[tokio::test]
async fn length_cut_is_reported_and_not_json_checked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(
            text("{\"post\": \"The first leaves"),
            "max_tokens",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let completion = complete(&server, CompletionRequest::new("x").max_tokens(8).json())
        .await
        .unwrap();
    assert_eq!(completion.finish_reason, FinishReason::Length);
    assert_eq!(completion.text, "{\"post\": \"The first leaves");
}

#[tokio::test]
async fn refusal_becomes_content_filtered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(json!([]), "refusal")))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LlmError::ContentFiltered { message } if message == "the model declined to answer"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unknown_stop_reason_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(message_body(text("..."), "pause_turn")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let completion = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(
        completion.finish_reason,
        FinishReason::Other("pause_turn".into())
    );
}

#[tokio::test]
async fn malformed_success_body_is_an_other_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": "nope"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
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
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::from_messages(Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::InvalidRequest { .. }), "{err:?}");
    let err = complete(
        &server,
        CompletionRequest::new("x").temperature(f32::INFINITY),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, LlmError::InvalidRequest { message } if message.contains("temperature")),
        "{err:?}"
    );
}

#[tokio::test]
async fn prompt_too_long_maps_to_context_too_long() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "invalid_request_error",
            "prompt is too long: 208310 tokens > 200000 maximum",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    match err {
        LlmError::ContextTooLong { message } => {
            assert!(
                message.contains("208310 tokens > 200000 maximum"),
                "{message}"
            )
        }
        other => panic!("expected ContextTooLong, got {other:?}"),
    }
}

#[tokio::test]
async fn other_invalid_requests_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "invalid_request_error",
            "messages: roles must alternate between \"user\" and \"assistant\"",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::InvalidRequest { .. }), "{err:?}");
}

#[tokio::test]
async fn auth_failure_is_auth_and_never_shows_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            "authentication_error",
            &format!("invalid x-api-key: {KEY}"),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Auth { .. }), "{err:?}");
    let display = err.to_string();
    assert!(
        display.contains("invalid x-api-key: [redacted]"),
        "{display}"
    );
    assert!(!display.contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
}

#[tokio::test]
async fn debug_output_never_contains_the_key() {
    let builder = AnthropicProvider::builder(KEY);
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(KEY), "{builder_debug}");
    assert!(builder_debug.contains("[redacted]"));
    let provider = builder.build().unwrap();
    let debug = format!("{provider:#?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(debug.contains("[redacted]"));
}

#[tokio::test]
async fn overloaded_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(529).set_body_json(error_body("overloaded_error", "Overloaded")),
        )
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(message_body(text("ok"), "end_turn")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let completion = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap();
    assert_eq!(completion.text, "ok");
}

#[tokio::test]
async fn persistent_overload_ends_as_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(529)
                .insert_header("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG")
                .set_body_json(error_body("overloaded_error", "Overloaded")),
        )
        .expect(3)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    match &err {
        LlmError::Transient { message, .. } => assert_eq!(
            message,
            "Overloaded (HTTP 529, overloaded_error, request req_018EeWyXxfu5pfWkrYcMdjWG)"
        ),
        other => panic!("expected Transient, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limit_honours_retry_after_and_reports_it() {
    let server = MockServer::start().await;
    // retry-after: 0 is honoured (retry at once); the final error carries it.
    Mock::given(method("POST"))
        .and(body_json(json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "a"}]})))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(error_body("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")),
        )
        .expect(3)
        .mount(&server)
        .await;
    // A wait beyond the policy's cap is not slept through: one request only.
    Mock::given(method("POST"))
        .and(body_json(json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "b"}]})))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "45")
                .set_body_json(error_body("rate_limit_error", "slow down")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("a"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(d) } if d == Duration::ZERO),
        "{err:?}"
    );
    let err = complete(&server, CompletionRequest::new("b"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(45)),
        "{err:?}"
    );
}

#[tokio::test]
async fn spend_limit_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "type": "error",
            "error": {
                "type": "rate_limit_error",
                "message": "You have reached your specified API usage limits.",
                "details": {"error_code": "enforced_spend_limit_reached"}
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Other { .. }), "{err:?}");
}

#[tokio::test]
async fn x_should_retry_false_stops_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-should-retry", "false")
                .set_body_json(error_body("api_error", "Internal server error")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = complete(&server, CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(message_body(text("late"), "end_turn"))
                .set_delay(Duration::from_millis(500)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let slow = AnthropicProvider::builder(KEY)
        .base_url(server.uri())
        .retry(RetryPolicy {
            max_attempts: 2,
            ..fast_retry()
        })
        .timeout(Duration::from_millis(30))
        .build()
        .unwrap();
    let err = slow
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LlmError::Transient { message, source: Some(_) } if message.contains("timed out")),
        "{err:?}"
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let closed = AnthropicProvider::builder(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = closed
        .complete(&CompletionRequest::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Transient { .. }), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[test]
fn invalid_configuration_is_a_typed_error() {
    let err = AnthropicProvider::builder("").build().unwrap_err();
    assert!(matches!(err, Error::EmptyApiKey), "{err:?}");
    let err = AnthropicProvider::builder(KEY)
        .base_url("::")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidBaseUrl { .. }), "{err:?}");
    let err = AnthropicProvider::builder(KEY)
        .base_url("file:///etc")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedBaseUrl { .. }), "{err:?}");
    let err = AnthropicProvider::builder("sk-ant-bad\u{7f}key")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidHeaderValue { .. }), "{err:?}");
    assert!(!err.to_string().contains("sk-ant-bad"));
    assert!(!format!("{err:?}").contains("sk-ant-bad"));
}
