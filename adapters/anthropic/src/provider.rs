//! [`AnthropicProvider`], its builder and the [`LlmProvider`] implementation.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use llm_http::{Failure, RetryPolicy, ServerHints};
use persona_core::{
    Completion, CompletionRequest, FinishReason, LlmError, LlmProvider, ResponseFormat, Role, Usage,
};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::classify::{error_from_response, error_from_transport, scrub};
use crate::error::Error;
use crate::json::extract_json_object;
use crate::wire::{MessagesRequest, MessagesResponse, WireMessage};

/// The official API's base URL (`/v1/messages` is appended).
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The model used when neither the builder nor the request names one.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";
/// The `max_tokens` sent when the request sets none (the API requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 1024;
/// The `anthropic-version` header value this crate is written against.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// The per-request timeout used unless the builder sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Appended to the system prompt in JSON mode.
const JSON_INSTRUCTION: &str = "Respond with a single JSON object and nothing else: no prose before or after it and no Markdown code fences.";

/// An [`LlmProvider`] for the Anthropic Messages API. Create one with
/// [`AnthropicProvider::builder`] or [`AnthropicProvider::from_env`]; it is
/// cheap to clone (the HTTP client shares its connection pool).
#[derive(Clone)]
pub struct AnthropicProvider {
    http: reqwest::Client,
    api_key: SecretString,
    base_url: String,
    endpoint: String,
    model: String,
    default_max_tokens: u32,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl fmt::Debug for AnthropicProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicProvider")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("default_max_tokens", &self.default_max_tokens)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AnthropicProvider {
    /// Starts configuring a provider that authenticates with `api_key`.
    pub fn builder(api_key: impl Into<SecretString>) -> AnthropicProviderBuilder {
        AnthropicProviderBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            default_max_tokens: DEFAULT_MAX_TOKENS,
            http: None,
            retry: RetryPolicy::default(),
            timeout: Some(DEFAULT_TIMEOUT),
        }
    }

    /// A builder preconfigured from the environment: `ANTHROPIC_API_KEY`
    /// (required) and, when set and non-empty, `ANTHROPIC_BASE_URL`. Finish
    /// it with [`build`](AnthropicProviderBuilder::build), after adjusting it
    /// if needed.
    pub fn from_env() -> Result<AnthropicProviderBuilder, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AnthropicProviderBuilder, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let key = var("ANTHROPIC_API_KEY").ok_or(Error::MissingEnv {
            name: "ANTHROPIC_API_KEY",
        })?;
        let builder = Self::builder(key);
        Ok(match var("ANTHROPIC_BASE_URL") {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// The base URL requests go to (without the `/v1/messages` suffix).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The default model.
    pub fn model(&self) -> &str {
        &self.model
    }

    fn body<'a>(&'a self, request: &'a CompletionRequest) -> MessagesRequest<'a> {
        let system = match (request.system.as_deref(), request.response_format) {
            (Some(text), ResponseFormat::Json) => {
                Some(Cow::Owned(format!("{text}\n\n{JSON_INSTRUCTION}")))
            }
            (None, ResponseFormat::Json) => Some(Cow::Borrowed(JSON_INSTRUCTION)),
            (system, _) => system.map(Cow::Borrowed),
        };
        MessagesRequest {
            model: request.model.as_deref().unwrap_or(&self.model),
            max_tokens: request.max_tokens.unwrap_or(self.default_max_tokens),
            system,
            messages: request
                .messages
                .iter()
                .map(|m| WireMessage {
                    role: match m.role {
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    content: &m.content,
                })
                .collect(),
            temperature: request.temperature,
        }
    }

    async fn send_once(&self, body: &MessagesRequest<'_>) -> Result<reqwest::Response, LlmError> {
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(body);
        if let Some(key) = api_key_header(&self.api_key) {
            request = request.header("x-api-key", key);
        }
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        request.send().await.map_err(error_from_transport)
    }

    /// One attempt: the body of a successful answer, or the failure with
    /// the server's retry hints.
    async fn attempt(&self, body: &MessagesRequest<'_>) -> Result<Vec<u8>, Failure> {
        let response = self.send_once(body).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(error_from_transport)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let hints = ServerHints::from_header_map(&headers, SystemTime::now());
        let error = error_from_response(
            status,
            &bytes,
            hints.retry_after,
            header("request-id"),
            &self.api_key,
        );
        Err(Failure::new(error, hints))
    }

    /// Sends the request, retrying per the policy; returns the body of the
    /// first successful answer.
    async fn send(&self, body: &MessagesRequest<'_>) -> Result<Vec<u8>, LlmError> {
        llm_http::run(
            &self.retry,
            |_| self.attempt(body),
            |attempt, wait, error| {
                tracing::debug!(attempt, ?wait, %error, "retrying Anthropic message");
            },
        )
        .await
    }
}

/// The key as a sensitive header value; `None` when it cannot be one.
fn api_key_header(key: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(key.expose_secret()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[async_trait]
impl LlmProvider for AnthropicProvider {
    fn name(&self) -> &str {
        "anthropic"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError> {
        if request.messages.is_empty() {
            return Err(LlmError::InvalidRequest {
                message: "a completion request needs at least one message".into(),
            });
        }
        if request.temperature.is_some_and(|t| !t.is_finite()) {
            return Err(LlmError::InvalidRequest {
                message: "the temperature must be a finite number".into(),
            });
        }
        let body = self.body(request);
        let bytes = self.send(&body).await?;
        let response: MessagesResponse =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
                .map_err(|error| LlmError::Other {
                    message: "could not decode the Messages API response".into(),
                    source: Some(Box::new(error)),
                })?;
        let text: String = response
            .content
            .iter()
            .filter(|block| block.kind == "text")
            .filter_map(|block| block.text.as_deref())
            .collect();
        let finish_reason = match response.stop_reason.as_deref() {
            None | Some("end_turn" | "stop_sequence") => FinishReason::Stop,
            Some("max_tokens" | "model_context_window_exceeded") => FinishReason::Length,
            Some("refusal") => {
                let message = if text.trim().is_empty() {
                    "the model declined to answer".to_owned()
                } else {
                    scrub(text.trim(), &self.api_key)
                };
                return Err(LlmError::ContentFiltered { message });
            }
            Some(other) => FinishReason::Other(other.to_owned()),
        };
        let text = if request.response_format == ResponseFormat::Json
            && finish_reason != FinishReason::Length
        {
            extract_json_object(&text).ok_or_else(|| LlmError::Other {
                message: "JSON was requested but the model's answer is not a JSON object".into(),
                source: None,
            })?
        } else {
            text
        };
        let usage = response.usage.map_or_else(Usage::default, |u| Usage {
            input_tokens: saturate(
                [
                    u.input_tokens,
                    u.cache_creation_input_tokens,
                    u.cache_read_input_tokens,
                ]
                .into_iter()
                .flatten()
                .fold(0u64, u64::saturating_add),
            ),
            output_tokens: saturate(u.output_tokens.unwrap_or(0)),
        });
        let model = response.model.unwrap_or_else(|| body.model.to_owned());
        Ok(Completion::new(text, model, usage, finish_reason))
    }
}

fn saturate(tokens: u64) -> u32 {
    u32::try_from(tokens).unwrap_or(u32::MAX)
}

/// Configures an [`AnthropicProvider`]; created by [`AnthropicProvider::builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct AnthropicProviderBuilder {
    api_key: SecretString,
    base_url: String,
    model: String,
    default_max_tokens: u32,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl fmt::Debug for AnthropicProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnthropicProviderBuilder")
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("default_max_tokens", &self.default_max_tokens)
            .field("custom_http_client", &self.http.is_some())
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl AnthropicProviderBuilder {
    /// Sets the API base URL (`/v1/messages` is appended). Defaults to
    /// [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the default model (a request may override it). Defaults to
    /// [`DEFAULT_MODEL`].
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the `max_tokens` sent when a request sets none. Defaults to
    /// [`DEFAULT_MAX_TOKENS`]; values below 1 are raised to 1.
    pub fn default_max_tokens(mut self, max_tokens: u32) -> Self {
        self.default_max_tokens = max_tokens.max(1);
        self
    }

    /// Uses the given HTTP client (to share its connection pool, proxy and
    /// TLS settings). Disable redirects on it, as the default client does:
    /// the `x-api-key` header is not stripped on cross-host redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sets the retry policy. Defaults to [`RetryPolicy::default`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets the timeout of each attempt. Defaults to [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt timeout (the HTTP client's own timeout, if
    /// any, still applies).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Validates the configuration and creates the provider.
    pub fn build(self) -> Result<AnthropicProvider, Error> {
        let parsed = url::Url::parse(&self.base_url).map_err(|source| Error::InvalidBaseUrl {
            url: self.base_url.clone(),
            source,
        })?;
        let reason = if !matches!(parsed.scheme(), "http" | "https") {
            Some("the scheme must be http or https")
        } else if parsed.query().is_some() || parsed.fragment().is_some() {
            Some("the URL must not have a query or fragment")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::UnsupportedBaseUrl {
                url: self.base_url,
                reason,
            });
        }
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(Error::EmptyApiKey);
        }
        if api_key_header(&self.api_key).is_none() {
            return Err(Error::InvalidHeaderValue { what: "API key" });
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(Error::HttpClient)?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        Ok(AnthropicProvider {
            http,
            api_key: self.api_key,
            endpoint: format!("{base_url}/v1/messages"),
            base_url,
            model: self.model,
            default_max_tokens: self.default_max_tokens,
            retry: self.retry,
            timeout: self.timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_env_requires_a_key_and_reads_the_base_url() {
        assert!(matches!(
            AnthropicProvider::from_lookup(env(&[])),
            Err(Error::MissingEnv {
                name: "ANTHROPIC_API_KEY"
            })
        ));
        assert!(matches!(
            AnthropicProvider::from_lookup(env(&[("ANTHROPIC_API_KEY", "")])),
            Err(Error::MissingEnv { .. })
        ));
        let provider = AnthropicProvider::from_lookup(env(&[
            ("ANTHROPIC_API_KEY", "sk-ant-env"),
            ("ANTHROPIC_BASE_URL", "https://proxy.example/anthropic/"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(provider.base_url(), "https://proxy.example/anthropic");
        assert_eq!(
            provider.endpoint,
            "https://proxy.example/anthropic/v1/messages"
        );
        assert_eq!(provider.api_key.expose_secret(), "sk-ant-env");
        let default = AnthropicProvider::from_lookup(env(&[("ANTHROPIC_API_KEY", "k")]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(default.base_url(), DEFAULT_BASE_URL);
        assert_eq!(default.model(), DEFAULT_MODEL);
    }
}
