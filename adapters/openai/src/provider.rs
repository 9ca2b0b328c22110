//! [`OpenAiProvider`], its builder and the [`LlmProvider`] implementation.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use llm_http::{Failure, RetryPolicy, ServerHints};
use persona_core::{
    Completion, CompletionRequest, FinishReason, LlmError, LlmProvider, ResponseFormat, Role, Usage,
};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::classify::{error_from_response, error_from_transport, scrub};
use crate::error::Error;
use crate::wire::{ChatRequest, ChatResponse, ResponseFormatParam, WireMessage};

/// The official API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The model used when neither the builder nor the request names one.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// The name reported by [`LlmProvider::name`] unless the builder sets another.
pub const DEFAULT_NAME: &str = "openai";
/// The per-request timeout used unless the builder sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Added to the system prompt in JSON mode when no message mentions JSON:
/// OpenAI rejects `response_format: json_object` otherwise.
const JSON_NOTE: &str = "Respond with a single JSON object.";

/// Which request field carries [`CompletionRequest::max_tokens`].
///
/// OpenAI deprecated `max_tokens` in favour of `max_completion_tokens`, and
/// its reasoning models (o-series, GPT-5) reject `max_tokens` with a 400.
/// Older OpenAI-compatible servers only know `max_tokens` and silently ignore
/// the newer name. The default is [`MaxCompletionTokens`](Self::MaxCompletionTokens),
/// right for the official API; choose [`MaxTokens`](Self::MaxTokens) for a
/// server that predates the new field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenLimitField {
    /// Send `max_completion_tokens` (the current OpenAI name).
    #[default]
    MaxCompletionTokens,
    /// Send `max_tokens` (the legacy name, understood by every compatible server).
    MaxTokens,
}

/// An [`LlmProvider`] for the OpenAI Chat Completions API and servers that
/// speak it. Create one with [`OpenAiProvider::builder`] or
/// [`OpenAiProvider::from_env`]; it is cheap to clone (the HTTP client shares
/// its connection pool).
#[derive(Clone)]
pub struct OpenAiProvider {
    name: String,
    http: reqwest::Client,
    api_key: SecretString,
    base_url: String,
    endpoint: String,
    model: String,
    organization: Option<String>,
    project: Option<String>,
    token_limit_field: TokenLimitField,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProvider")
            .field("name", &self.name)
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("token_limit_field", &self.token_limit_field)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OpenAiProvider {
    /// Starts configuring a provider that authenticates with `api_key`.
    ///
    /// Pass an empty key for a local server without authentication: no
    /// `Authorization` header is sent then.
    pub fn builder(api_key: impl Into<SecretString>) -> OpenAiProviderBuilder {
        OpenAiProviderBuilder {
            name: DEFAULT_NAME.to_owned(),
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            model: DEFAULT_MODEL.to_owned(),
            organization: None,
            project: None,
            http: None,
            token_limit_field: TokenLimitField::default(),
            retry: RetryPolicy::default(),
            timeout: Some(DEFAULT_TIMEOUT),
        }
    }

    /// A builder preconfigured from the environment: `OPENAI_API_KEY`
    /// (required), and when set and non-empty `OPENAI_BASE_URL`,
    /// `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`. Finish it with
    /// [`build`](OpenAiProviderBuilder::build), after adjusting it if needed.
    pub fn from_env() -> Result<OpenAiProviderBuilder, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<OpenAiProviderBuilder, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let key = var("OPENAI_API_KEY").ok_or(Error::MissingEnv {
            name: "OPENAI_API_KEY",
        })?;
        let mut builder = Self::builder(key);
        if let Some(url) = var("OPENAI_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.organization = var("OPENAI_ORG_ID");
        builder.project = var("OPENAI_PROJECT_ID");
        Ok(builder)
    }

    /// The base URL requests go to (without the `/chat/completions` suffix).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The default model.
    pub fn model(&self) -> &str {
        &self.model
    }

    fn body<'a>(&'a self, request: &'a CompletionRequest) -> ChatRequest<'a> {
        let json = request.response_format == ResponseFormat::Json;
        let mut system = request.system.as_deref().map(Cow::Borrowed);
        let mentions_json = |text: &str| text.to_ascii_lowercase().contains("json");
        if json
            && !system.as_deref().is_some_and(mentions_json)
            && !request.messages.iter().any(|m| mentions_json(&m.content))
        {
            system = Some(match system {
                Some(text) => Cow::Owned(format!("{text}\n\n{JSON_NOTE}")),
                None => Cow::Borrowed(JSON_NOTE),
            });
        }
        let mut messages = Vec::with_capacity(request.messages.len() + 1);
        if let Some(content) = system {
            messages.push(WireMessage {
                role: "system",
                content,
            });
        }
        messages.extend(request.messages.iter().map(|m| WireMessage {
            role: match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            },
            content: Cow::Borrowed(&m.content),
        }));
        let (max_tokens, max_completion_tokens) = match self.token_limit_field {
            TokenLimitField::MaxTokens => (request.max_tokens, None),
            TokenLimitField::MaxCompletionTokens => (None, request.max_tokens),
        };
        ChatRequest {
            model: request.model.as_deref().unwrap_or(&self.model),
            messages,
            temperature: request.temperature,
            max_tokens,
            max_completion_tokens,
            response_format: json.then_some(ResponseFormatParam {
                kind: "json_object",
            }),
        }
    }

    async fn send_once(&self, body: &ChatRequest<'_>) -> Result<reqwest::Response, LlmError> {
        let mut request = self.http.post(&self.endpoint).json(body);
        if let Some(auth) = bearer(&self.api_key) {
            request = request.header(AUTHORIZATION, auth);
        }
        if let Some(org) = &self.organization {
            request = request.header("openai-organization", org);
        }
        if let Some(project) = &self.project {
            request = request.header("openai-project", project);
        }
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        request.send().await.map_err(error_from_transport)
    }

    /// One attempt: the body of a successful answer, or the failure with
    /// the server's retry hints.
    async fn attempt(&self, body: &ChatRequest<'_>) -> Result<Vec<u8>, Failure> {
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
            header("x-request-id"),
            &self.api_key,
        );
        Err(Failure::new(error, hints))
    }

    /// Sends the request, retrying per the policy; returns the body of the
    /// first successful answer.
    async fn send(&self, body: &ChatRequest<'_>) -> Result<Vec<u8>, LlmError> {
        llm_http::run(
            &self.retry,
            |_| self.attempt(body),
            |attempt, wait, error| {
                tracing::debug!(attempt, ?wait, %error, "retrying chat completion");
            },
        )
        .await
    }
}

/// `Bearer <key>` as a sensitive header value; `None` for an empty key.
fn bearer(key: &SecretString) -> Option<HeaderValue> {
    let key = key.expose_secret();
    if key.is_empty() {
        return None;
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {key}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[async_trait]
impl LlmProvider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.name
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
        let response: ChatResponse =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
                .map_err(|error| LlmError::Other {
                    message: "could not decode the chat completion response".into(),
                    source: Some(Box::new(error)),
                })?;
        let usage = response.usage.map_or_else(Usage::default, |u| Usage {
            input_tokens: saturate(u.prompt_tokens),
            output_tokens: saturate(u.completion_tokens),
        });
        let model = response.model.unwrap_or_else(|| body.model.to_owned());
        let Some(choice) = response.choices.into_iter().next() else {
            return Err(LlmError::Other {
                message: "the chat completion response has no choices".into(),
                source: None,
            });
        };
        let (content, refusal) = choice
            .message
            .map_or((None, None), |m| (m.content, m.refusal));
        if let Some(refusal) = refusal.filter(|r| !r.is_empty()) {
            return Err(LlmError::ContentFiltered {
                message: scrub(&refusal, &self.api_key),
            });
        }
        let finish_reason = match choice.finish_reason.as_deref() {
            None | Some("stop") => FinishReason::Stop,
            Some("length") => FinishReason::Length,
            Some("content_filter") => {
                return Err(LlmError::ContentFiltered {
                    message: "the answer was stopped by the provider's content filter".into(),
                });
            }
            Some(other) => FinishReason::Other(other.to_owned()),
        };
        Ok(Completion::new(
            content.unwrap_or_default(),
            model,
            usage,
            finish_reason,
        ))
    }
}

fn saturate(tokens: Option<u64>) -> u32 {
    tokens.map_or(0, |t| u32::try_from(t).unwrap_or(u32::MAX))
}

/// Configures an [`OpenAiProvider`]; created by [`OpenAiProvider::builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct OpenAiProviderBuilder {
    name: String,
    api_key: SecretString,
    base_url: String,
    model: String,
    organization: Option<String>,
    project: Option<String>,
    http: Option<reqwest::Client>,
    token_limit_field: TokenLimitField,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl fmt::Debug for OpenAiProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProviderBuilder")
            .field("name", &self.name)
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("custom_http_client", &self.http.is_some())
            .field("token_limit_field", &self.token_limit_field)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl OpenAiProviderBuilder {
    /// Sets the name [`LlmProvider::name`] reports in logs and audit events,
    /// e.g. `"vllm"` for a self-hosted server. Defaults to `"openai"`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the API base URL, e.g. `http://localhost:8080/v1` for llama.cpp.
    /// `/chat/completions` is appended to it. Defaults to [`DEFAULT_BASE_URL`].
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

    /// Sends `OpenAI-Organization: <id>` with every request.
    pub fn organization(mut self, id: impl Into<String>) -> Self {
        self.organization = Some(id.into());
        self
    }

    /// Sends `OpenAI-Project: <id>` with every request.
    pub fn project(mut self, id: impl Into<String>) -> Self {
        self.project = Some(id.into());
        self
    }

    /// Uses the given HTTP client (to share its connection pool, proxy and
    /// TLS settings). Disable redirects on it, as the default client does.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Chooses the field that carries the token limit; see [`TokenLimitField`].
    pub fn token_limit_field(mut self, field: TokenLimitField) -> Self {
        self.token_limit_field = field;
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
    pub fn build(self) -> Result<OpenAiProvider, Error> {
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
        if !self.api_key.expose_secret().is_empty() && bearer(&self.api_key).is_none() {
            return Err(Error::InvalidHeaderValue { what: "API key" });
        }
        for (what, value) in [
            ("organization", &self.organization),
            ("project", &self.project),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| HeaderValue::from_str(v).is_err())
            {
                return Err(Error::InvalidHeaderValue { what });
            }
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(Error::HttpClient)?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        Ok(OpenAiProvider {
            name: self.name,
            http,
            api_key: self.api_key,
            endpoint: format!("{base_url}/chat/completions"),
            base_url,
            model: self.model,
            organization: self.organization,
            project: self.project,
            token_limit_field: self.token_limit_field,
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
    fn from_env_requires_a_key_and_reads_optional_settings() {
        assert!(matches!(
            OpenAiProvider::from_lookup(env(&[])),
            Err(Error::MissingEnv {
                name: "OPENAI_API_KEY"
            })
        ));
        assert!(matches!(
            OpenAiProvider::from_lookup(env(&[("OPENAI_API_KEY", "  ")])),
            Err(Error::MissingEnv { .. })
        ));
        let provider = OpenAiProvider::from_lookup(env(&[
            ("OPENAI_API_KEY", "sk-env"),
            ("OPENAI_BASE_URL", "http://localhost:8080/v1/"),
            ("OPENAI_ORG_ID", "org-1"),
            ("OPENAI_PROJECT_ID", ""),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(provider.base_url(), "http://localhost:8080/v1");
        assert_eq!(
            provider.endpoint,
            "http://localhost:8080/v1/chat/completions"
        );
        assert_eq!(provider.api_key.expose_secret(), "sk-env");
        assert_eq!(provider.organization.as_deref(), Some("org-1"));
        assert_eq!(provider.project, None);
        let default = OpenAiProvider::from_lookup(env(&[("OPENAI_API_KEY", "k")]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(default.base_url(), DEFAULT_BASE_URL);
        assert_eq!(default.model(), DEFAULT_MODEL);
    }
}
